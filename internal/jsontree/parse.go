// Package jsontree parses one JSON document into a tree of values that the
// caller reads by key, for the flattener's reads of FHIR resources: one
// parse per line, then many lookups, with nothing allocated per value once
// the Parser has warmed up.
//
// It reads what valyala/fastjson reads, with the same leniency where JSON
// data in the wild needs it (numbers are any run of digits, signs, dots and
// exponents, or NaN and Inf; unknown escapes are kept as written), and
// unescapes every string and key while it parses, so that reading a value
// never writes to the tree: the tree is read-only once parsed.
package jsontree

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects a document may have.
const MaxDepth = 300

// blockLen is the number of values allocated at a time.
const blockLen = 512

// maxKeep bounds what a Parser keeps for the next document: after one of
// more than maxKeep values, members or elements (or 16 times as many bytes
// of unescaped text), its buffers are let go instead of reused.
const maxKeep = 1 << 16

// A Parser parses JSON documents. The values of a parse stay valid until
// the next one. A Parser is not safe for concurrent use.
type Parser struct {
	err error

	blocks [][]Value // the values, allocated a block at a time and reused
	blk    []Value   // the block in use
	bi, vi int       // the next block, and the next value in blk

	kvs  []kv     // stack of the members of the objects being parsed
	els  []*Value // stack of the elements of the arrays being parsed
	kva  []kv     // the members of the parsed objects
	ela  []*Value // the elements of the parsed arrays
	text []byte   // unescaped strings and keys

	// esc is the position of the first backslash in the document at or
	// after the string str parsed last, len(document) when there is none;
	// -1 before the first string. Most documents have few escapes or none,
	// so most strings need no search for one.
	esc int
}

// Parse parses the JSON document b. The values returned alias b, which
// must not change while they are in use.
func (p *Parser) Parse(b []byte) (*Value, error) {
	if p.bi*blockLen > maxKeep || cap(p.kva) > maxKeep || cap(p.ela) > maxKeep || cap(p.text) > 16*maxKeep {
		*p = Parser{} // do not keep what one huge document needed
	}
	p.err = nil
	p.blk, p.bi, p.vi = nil, 0, 0
	p.kvs, p.els = p.kvs[:0], p.els[:0]
	p.kva, p.ela, p.text = p.kva[:0], p.ela[:0], p.text[:0]
	p.esc = -1
	v, i := p.value(b, skip(b, 0), 0)
	if p.err != nil {
		return nil, p.err
	}
	if i = skip(b, i); i < len(b) {
		return nil, p.errorf(i, "unexpected %s after the value", near(b, i))
	}
	return v, nil
}

// errorf records and returns a parse error at b[i].
func (p *Parser) errorf(i int, format string, args ...any) error {
	if p.err == nil {
		p.err = fmt.Errorf("at byte %d: %s", i, fmt.Sprintf(format, args...))
	}
	return p.err
}

// near renders what is at b[i], for errors.
func near(b []byte, i int) string {
	if i >= len(b) {
		return "end of line"
	}
	rest := b[i:]
	if len(rest) > 24 {
		rest = rest[:24]
	}
	return strconv.Quote(string(rest))
}

// newValue returns a value of the parse, of type t. Its other fields are
// left as they were: the parse sets those its type uses.
func (p *Parser) newValue(t Type) *Value {
	if p.vi == len(p.blk) {
		if p.bi == len(p.blocks) {
			p.blocks = append(p.blocks, make([]Value, blockLen))
		}
		p.blk, p.vi = p.blocks[p.bi], 0
		p.bi++
	}
	v := &p.blk[p.vi]
	p.vi++
	v.t = t
	return v
}

// skip returns the index of the first byte from i on that is not a space.
func skip(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' { // a token: the common case, inlined
		return i
	}
	return skipSpaces(b, i)
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value parses the value at b[i] and returns the index after it.
func (p *Parser) value(b []byte, i, depth int) (*Value, int) {
	if i >= len(b) {
		p.errorf(i, "a value is missing")
		return nil, i
	}
	if depth++; depth > MaxDepth {
		p.errorf(i, "nested deeper than %d arrays and objects", MaxDepth)
		return nil, i
	}
	switch b[i] {
	case '{':
		return p.object(b, i+1, depth)
	case '[':
		return p.array(b, i+1, depth)
	case '"':
		s, raw, j := p.str(b, i+1)
		if j < 0 {
			return nil, i
		}
		v := p.newValue(TypeString)
		v.s, v.raw = s, raw
		return v, j
	case 't':
		return p.literal(b, i, "true", TypeTrue)
	case 'f':
		return p.literal(b, i, "false", TypeFalse)
	case 'n':
		if bytes.HasPrefix(b[i:], []byte("null")) {
			return p.newValue(TypeNull), i + len("null")
		}
	}
	return p.number(b, i)
}

// literal parses true, false or null.
func (p *Parser) literal(b []byte, i int, word string, t Type) (*Value, int) {
	if !bytes.HasPrefix(b[i:], []byte(word)) {
		p.errorf(i, "unexpected %s", near(b, i))
		return nil, i
	}
	return p.newValue(t), i + len(word)
}

// number parses a number: a run of digits, signs, dots and exponent marks
// (checked when read, see Value.Int64 and Value.Float64), or NaN, Inf,
// optionally signed, in any case.
func (p *Parser) number(b []byte, start int) (*Value, int) {
	i := start
	for ; i < len(b); i++ {
		c := b[i]
		if c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
			continue
		}
		break
	}
	// A sign or nothing before another byte: NaN or Inf, or not a value.
	// (A sign at the end of the document is taken as a number, which
	// reading it as one then refuses, as fastjson does.)
	if i < len(b) && (i == start || i == start+1 && (b[start] == '-' || b[start] == '+')) {
		if w := b[i:min(i+3, len(b))]; bytes.EqualFold(w, []byte("nan")) || bytes.EqualFold(w, []byte("inf")) {
			i += 3
		} else {
			p.errorf(start, "unexpected %s", near(b, start))
			return nil, start
		}
	}
	v := p.newValue(TypeNumber)
	v.s = b[start:i:i]
	return v, i
}

// str parses the rest of a string whose opening quote is before b[start].
// It returns the string unescaped, as written, and the index after it, or
// -1.
func (p *Parser) str(b []byte, start int) (s, raw []byte, end int) {
	rest := b[start:]
	n := bytes.IndexByte(rest, '"')
	if n < 0 {
		p.errorf(start, "a string is not closed")
		return nil, nil, -1
	}
	if p.esc < start { // the backslash found last is behind: find the next
		if e := bytes.IndexByte(rest, '\\'); e >= 0 {
			p.esc = start + e
		} else {
			p.esc = len(b)
		}
	}
	if p.esc >= start+n { // none before the quote
		s = rest[:n:n]
		return s, s, start + n + 1
	}
	esc := p.esc - start
	// An escape: find the quote that no backslash escapes.
	for n = esc; ; {
		m := bytes.IndexByte(rest[n:], '"')
		if m < 0 {
			p.errorf(start, "a string is not closed")
			return nil, nil, -1
		}
		n += m
		bs := 0
		for bs < n && rest[n-1-bs] == '\\' {
			bs++
		}
		if bs%2 == 0 {
			break
		}
		n++
	}
	raw = rest[:n:n]
	return p.unescape(raw), raw, start + n + 1
}

// unescape returns raw with its escapes replaced, in p.text. An escape that
// is not one (an unknown letter, a \u without four hex digits, a lone
// surrogate) is kept as written.
func (p *Parser) unescape(raw []byte) []byte {
	if cap(p.text)-len(p.text) < len(raw) {
		// A new buffer: the strings already unescaped keep the old one.
		p.text = make([]byte, 0, max(2*cap(p.text), len(raw), 4096))
	}
	start := len(p.text)
	b := p.text
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\\')
		if i < 0 {
			b = append(b, raw...)
			break
		}
		b = append(b, raw[:i]...)
		raw = raw[i+1:]
		if len(raw) == 0 { // cannot happen: the closing quote would be escaped
			b = append(b, '\\')
			break
		}
		c := raw[0]
		raw = raw[1:]
		switch c {
		case '"', '\\', '/':
			b = append(b, c)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(raw)
			if !ok {
				b = append(b, '\\', 'u')
				break
			}
			if !utf16.IsSurrogate(r) {
				raw = raw[4:]
				b = utf8.AppendRune(b, r)
				break
			}
			if r2, ok := hex4(raw[min(6, len(raw)):]); ok && len(raw) >= 10 && raw[4] == '\\' && raw[5] == 'u' {
				raw = raw[10:]
				b = utf8.AppendRune(b, utf16.DecodeRune(r, r2))
				break
			}
			b = append(b, '\\', 'u')
			b = append(b, raw[:4]...)
			raw = raw[4:]
		default:
			b = append(b, '\\', c)
		}
	}
	p.text = b
	return b[start:len(b):len(b)]
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// object parses the rest of an object whose brace is before b[i].
func (p *Parser) object(b []byte, i, depth int) (*Value, int) {
	i = skip(b, i)
	if i < len(b) && b[i] == '}' {
		v := p.newValue(TypeObject)
		v.o.kvs = nil
		return v, i + 1
	}
	base := len(p.kvs)
	for {
		i = skip(b, i)
		if i >= len(b) || b[i] != '"' {
			p.errorf(i, "an object key is missing")
			return nil, i
		}
		k, _, j := p.str(b, i+1)
		if j < 0 {
			return nil, i
		}
		i = skip(b, j)
		if i >= len(b) || b[i] != ':' {
			p.errorf(i, "':' is missing after an object key")
			return nil, i
		}
		var e *Value
		e, i = p.value(b, skip(b, i+1), depth)
		if e == nil {
			return nil, i
		}
		p.kvs = append(p.kvs, kv{k, e})
		i = skip(b, i)
		if i >= len(b) {
			p.errorf(i, "an object is not closed")
			return nil, i
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '}' {
			p.errorf(i, "',' or '}' is missing after an object member")
			return nil, i
		}
		break
	}
	v := p.newValue(TypeObject)
	v.o.kvs = keep(&p.kva, p.kvs[base:])
	p.kvs = p.kvs[:base]
	return v, i + 1
}

// keep copies items to the end of *buf and returns the copy. When buf is
// full it is replaced by a larger one: the copies made before keep the old.
func keep[T any](buf *[]T, items []T) []T {
	if cap(*buf)-len(*buf) < len(items) {
		*buf = make([]T, 0, max(2*cap(*buf), len(items), 256))
	}
	start := len(*buf)
	*buf = append(*buf, items...)
	return (*buf)[start:len(*buf):len(*buf)]
}

// array parses the rest of an array whose bracket is before b[i].
func (p *Parser) array(b []byte, i, depth int) (*Value, int) {
	i = skip(b, i)
	if i < len(b) && b[i] == ']' {
		v := p.newValue(TypeArray)
		v.a = nil
		return v, i + 1
	}
	base := len(p.els)
	for {
		var e *Value
		e, i = p.value(b, skip(b, i), depth)
		if e == nil {
			return nil, i
		}
		p.els = append(p.els, e)
		i = skip(b, i)
		if i >= len(b) {
			p.errorf(i, "an array is not closed")
			return nil, i
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != ']' {
			p.errorf(i, "',' or ']' is missing after an array element")
			return nil, i
		}
		break
	}
	v := p.newValue(TypeArray)
	v.a = keep(&p.ela, p.els[base:])
	p.els = p.els[:base]
	return v, i + 1
}
