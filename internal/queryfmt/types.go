package queryfmt

import (
	"fmt"
	"strings"
)

// colType is a column's DuckDB type as duckdb-go names it in
// DatabaseTypeName, e.g. `STRUCT("id" INTEGER, "tags" VARCHAR[])[]`.
//
// The driver hands STRUCT values over as map[string]any, which has no order,
// and UUIDs as bare []byte, which look like BLOBs; the type name keeps both
// the field order and the element types, so values are rendered from it.
type colType struct {
	// name is the base type: INTEGER, DECIMAL, TIMESTAMPTZ, LIST, ARRAY,
	// STRUCT, MAP, UNION, JSON, …
	name string
	// elem is the element type of a LIST or ARRAY.
	elem *colType
	// key and value are a MAP's key and value types.
	key, value *colType
	// fields are a STRUCT's fields or a UNION's members, in order.
	fields []field
}

// field is a named member of a STRUCT or UNION.
type field struct {
	name string
	typ  *colType
}

// parseType parses a DatabaseTypeName. An error means a name this package
// does not know how to read; the caller then uses a nil *colType, the
// unknown type, whose values are rendered by their Go type alone.
func parseType(s string) (*colType, error) {
	p := typeParser{s: s}
	t, err := p.typ()
	if err == nil && p.i < len(p.s) {
		err = p.errorf("unexpected %q", p.s[p.i:])
	}
	if err != nil {
		return nil, fmt.Errorf("parse type %q: %w", s, err)
	}
	return t, nil
}

// kind returns the base type name, or "" for the unknown (nil) type.
func (t *colType) kind() string {
	if t == nil {
		return ""
	}
	return t.name
}

// child returns the type of a LIST or ARRAY element; nil if unknown.
func (t *colType) child() *colType {
	if t == nil {
		return nil
	}
	return t.elem
}

// member returns the type of the field or member called name; nil if unknown.
func (t *colType) member(name string) *colType {
	if t == nil {
		return nil
	}
	for _, f := range t.fields {
		if f.name == name {
			return f.typ
		}
	}
	return nil
}

// numeric reports whether values of t are numbers, which tables right-align.
func (t *colType) numeric() bool {
	switch t.kind() {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"BIGNUM", "FLOAT", "DOUBLE", "DECIMAL":
		return true
	}
	return false
}

// typeParser reads the grammar duckdb-go writes:
//
//	type   = base { "[" [digits] "]" }
//	base   = NAME [ "(" args ")" ]
//	args   = field { "," field }   for STRUCT and UNION
//	       | type "," type         for MAP
//	       | digits { "," digits } for DECIMAL
//	field  = quoted-name type      (quotes doubled inside the name)
type typeParser struct {
	s string
	i int
}

func (p *typeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// accept consumes c if it comes next.
func (p *typeParser) accept(c byte) bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) expect(c byte) error {
	if !p.accept(c) {
		return p.errorf("want %q", c)
	}
	return nil
}

func (p *typeParser) typ() (*colType, error) {
	t, err := p.base()
	if err != nil {
		return nil, err
	}
	for p.accept('[') {
		name := "LIST"
		if p.i < len(p.s) && p.s[p.i] != ']' {
			p.word() // the fixed size of an ARRAY
			name = "ARRAY"
		}
		if err := p.expect(']'); err != nil {
			return nil, err
		}
		t = &colType{name: name, elem: t}
	}
	return t, nil
}

// word reads a run of letters, digits and underscores.
func (p *typeParser) word() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

func (p *typeParser) base() (*colType, error) {
	t := &colType{name: strings.ToUpper(p.word())}
	if t.name == "" {
		return nil, p.errorf("want a type name")
	}
	if !p.accept('(') {
		return t, nil
	}
	switch t.name {
	case "STRUCT", "UNION":
		for {
			name, err := p.quoted()
			if err != nil {
				return nil, err
			}
			ft, err := p.typ()
			if err != nil {
				return nil, err
			}
			t.fields = append(t.fields, field{name: name, typ: ft})
			if !p.accept(',') {
				break
			}
		}
	case "MAP":
		var err error
		if t.key, err = p.typ(); err != nil {
			return nil, err
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		if t.value, err = p.typ(); err != nil {
			return nil, err
		}
	default: // DECIMAL(18,3): the parameters do not change how values print
		for p.word() != "" && p.accept(',') {
		}
	}
	if err := p.expect(')'); err != nil {
		return nil, err
	}
	return t, nil
}

// quoted reads a double-quoted name in which "" stands for ".
func (p *typeParser) quoted() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	var b strings.Builder
	for {
		j := strings.IndexByte(p.s[p.i:], '"')
		if j < 0 {
			return "", p.errorf("unterminated quoted name")
		}
		b.WriteString(p.s[p.i : p.i+j])
		p.i += j + 1
		if p.i < len(p.s) && p.s[p.i] == '"' {
			b.WriteByte('"')
			p.i++
			continue
		}
		return b.String(), nil
	}
}
