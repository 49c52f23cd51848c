package main

import "strings"

// statement is one SQL statement of a script and the line it starts on.
type statement struct {
	sql  string
	line int // 1-based, in the whole script
}

// splitStatements cuts a SQL script into its statements at the semicolons
// that end them, the way DuckDB's parser reads it: a semicolon inside a
// string ('…', E'…' with backslash escapes), a quoted identifier ("…"), a
// dollar-quoted string ($$…$$, $tag$…$tag$), a line comment (-- …) or a
// block comment (/* … */, which nest) does not end a statement. Pieces
// holding nothing but white space and comments are dropped. The caller has
// DuckDB check that each piece is exactly one statement, so a mistake here
// is an error, never a statement run twice or left out.
func splitStatements(script string) []statement {
	var out []statement
	start, line, startLine := 0, 1, 1
	hasCode := false // the current piece holds something beside comments
	emit := func(end int) {
		if hasCode {
			out = append(out, statement{sql: strings.TrimSpace(script[start:end]), line: startLine})
		}
		hasCode = false
	}
	for i := 0; i < len(script); {
		c := script[i]
		if !hasCode && !isSpace(c) && !strings.HasPrefix(script[i:], "--") && !strings.HasPrefix(script[i:], "/*") && c != ';' {
			hasCode, startLine = true, line
		}
		var end int // the index after the token starting at i
		switch {
		case c == ';':
			emit(i)
			start = i + 1
			end = i + 1
		case strings.HasPrefix(script[i:], "--"):
			end = i + strings.IndexByte(script[i:]+"\n", '\n')
		case strings.HasPrefix(script[i:], "/*"):
			end = blockCommentEnd(script, i)
		case c == '\'':
			end = quotedEnd(script, i, '\'', escapeString(script, i))
		case c == '"':
			end = quotedEnd(script, i, '"', false)
		case c == '$':
			end = dollarEnd(script, i)
		case isIdentChar(c):
			end = i + 1
			for end < len(script) && (isIdentChar(script[end]) || script[end] == '$') {
				end++
			}
		default:
			end = i + 1
		}
		line += strings.Count(script[i:end], "\n")
		i = end
	}
	emit(len(script))
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isIdentChar reports whether c may be part of an unquoted identifier or
// keyword (bytes of UTF-8 sequences included).
func isIdentChar(c byte) bool {
	return c == '_' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// escapeString reports whether the quote at i opens an escape string: E'…'
// (or e'…'), in which a backslash escapes the next character.
func escapeString(s string, i int) bool {
	return i > 0 && (s[i-1] == 'E' || s[i-1] == 'e') && (i == 1 || !isIdentChar(s[i-2]))
}

// quotedEnd returns the index after the string or quoted identifier opening
// at i, in which a doubled quote stands for one (and, in an escape string,
// a backslash escapes the next character); len(s) if it is not closed.
func quotedEnd(s string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(s); j++ {
		switch {
		case backslash && s[j] == '\\':
			j++
		case s[j] == quote && j+1 < len(s) && s[j+1] == quote:
			j++
		case s[j] == quote:
			return j + 1
		}
	}
	return len(s)
}

// blockCommentEnd returns the index after the block comment opening at i;
// block comments nest, as in PostgreSQL and DuckDB.
func blockCommentEnd(s string, i int) int {
	depth := 0
	for j := i; j < len(s)-1; j++ {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j++
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}

// dollarEnd returns the index after the dollar-quoted string opening at i
// ($$…$$ or $tag$…$tag$, the tag an identifier not starting with a digit),
// or i+1 when the $ opens none (a parameter such as $1).
func dollarEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && isIdentChar(s[j]) && s[j] != '$' {
		j++
	}
	if j >= len(s) || s[j] != '$' || (j > i+1 && '0' <= s[i+1] && s[i+1] <= '9') {
		return i + 1
	}
	tag := s[i : j+1]
	if k := strings.Index(s[j+1:], tag); k >= 0 {
		return j + 1 + k + len(tag)
	}
	return len(s)
}
