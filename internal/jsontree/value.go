package jsontree

import (
	"errors"
	"strconv"
)

// Type is the JSON type of a value.
type Type uint8

// The JSON types.
const (
	TypeNull Type = iota
	TypeObject
	TypeArray
	TypeString
	TypeNumber
	TypeTrue
	TypeFalse
)

// String names the type.
func (t Type) String() string {
	switch t {
	case TypeNull:
		return "null"
	case TypeObject:
		return "object"
	case TypeArray:
		return "array"
	case TypeString:
		return "string"
	case TypeNumber:
		return "number"
	case TypeTrue:
		return "true"
	case TypeFalse:
		return "false"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// A Value is a JSON value of a parse. It is valid until the Parser parses
// the next document.
type Value struct {
	t   Type
	s   []byte   // a string, unescaped, or a number as written
	raw []byte   // a string as written, without its quotes
	o   Object   // an object's members
	a   []*Value // an array's elements
}

// An Object is the members of a JSON object, in the order written.
type Object struct {
	kvs []kv
}

type kv struct {
	k []byte
	v *Value
}

// Errors of the typed reads.
var (
	errNotObject = errors.New("value is not an object")
	errNotArray  = errors.New("value is not an array")
	errNotString = errors.New("value is not a string")
	errNotNumber = errors.New("value is not a number")
)

// Type returns the type of v.
func (v *Value) Type() Type { return v.t }

// Get returns the value at the path of keys below v: object members by key
// (the first one of a key written twice), array elements by decimal index.
// It returns nil when there is none.
func (v *Value) Get(keys ...string) *Value {
	for _, k := range keys {
		if v == nil {
			return nil
		}
		switch v.t {
		case TypeObject:
			v = v.o.Get(k)
		case TypeArray:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(v.a) {
				return nil
			}
			v = v.a[n]
		default:
			return nil
		}
	}
	return v
}

// GetStringBytes returns the string at the path of keys (see Get), or nil
// when there is none or it is not a string.
func (v *Value) GetStringBytes(keys ...string) []byte {
	v = v.Get(keys...)
	if v == nil || v.t != TypeString {
		return nil
	}
	return v.s
}

// GetObject returns the object at the path of keys (see Get), or nil.
func (v *Value) GetObject(keys ...string) *Object {
	v = v.Get(keys...)
	if v == nil || v.t != TypeObject {
		return nil
	}
	return &v.o
}

// GetArray returns the array at the path of keys (see Get), or nil.
func (v *Value) GetArray(keys ...string) []*Value {
	v = v.Get(keys...)
	if v == nil || v.t != TypeArray {
		return nil
	}
	return v.a
}

// GetBool says whether the value at the path of keys (see Get) is true.
func (v *Value) GetBool(keys ...string) bool {
	v = v.Get(keys...)
	return v != nil && v.t == TypeTrue
}

// GetInt64 returns the integer at the path of keys (see Get), or 0 when
// there is none or it is not an integer that fits int64.
func (v *Value) GetInt64(keys ...string) int64 {
	v = v.Get(keys...)
	if v == nil {
		return 0
	}
	n, err := v.Int64()
	if err != nil {
		return 0
	}
	return n
}

// StringBytes returns the string v.
func (v *Value) StringBytes() ([]byte, error) {
	if v.t != TypeString {
		return nil, errNotString
	}
	return v.s, nil
}

// Object returns the object v.
func (v *Value) Object() (*Object, error) {
	if v.t != TypeObject {
		return nil, errNotObject
	}
	return &v.o, nil
}

// Array returns the elements of the array v.
func (v *Value) Array() ([]*Value, error) {
	if v.t != TypeArray {
		return nil, errNotArray
	}
	return v.a, nil
}

// Int64 returns the number v when it is an integer that fits int64.
func (v *Value) Int64() (int64, error) {
	if v.t != TypeNumber {
		return 0, errNotNumber
	}
	if len(v.s) > 0 && v.s[0] == '+' { // not JSON, nor accepted as an integer
		return 0, &strconv.NumError{Func: "ParseInt", Num: string(v.s), Err: strconv.ErrSyntax}
	}
	return strconv.ParseInt(string(v.s), 10, 64)
}

// Float64 returns the number v. NaN and Inf are returned as such; a number
// out of range is an error.
func (v *Value) Float64() (float64, error) {
	if v.t != TypeNumber {
		return 0, errNotNumber
	}
	return strconv.ParseFloat(string(v.s), 64)
}

// MarshalTo appends v as JSON to dst: strings and numbers as written,
// objects and arrays without the spaces between their tokens.
func (v *Value) MarshalTo(dst []byte) []byte {
	switch v.t {
	case TypeObject:
		return v.o.MarshalTo(dst)
	case TypeArray:
		dst = append(dst, '[')
		for i, e := range v.a {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.MarshalTo(dst)
		}
		return append(dst, ']')
	case TypeString:
		dst = append(dst, '"')
		dst = append(dst, v.raw...)
		return append(dst, '"')
	case TypeNumber:
		return append(dst, v.s...)
	case TypeTrue:
		return append(dst, "true"...)
	case TypeFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// String returns v as JSON, see MarshalTo.
func (v *Value) String() string { return string(v.MarshalTo(nil)) }

// Len returns the number of members of o.
func (o *Object) Len() int { return len(o.kvs) }

// At returns the i-th member of o, in the order written.
func (o *Object) At(i int) (key []byte, v *Value) {
	return o.kvs[i].k, o.kvs[i].v
}

// Get returns the value of the first member of o with the key, or nil.
func (o *Object) Get(key string) *Value {
	for i := range o.kvs {
		if string(o.kvs[i].k) == key {
			return o.kvs[i].v
		}
	}
	return nil
}

// Visit calls fn for each member of o, in the order written.
func (o *Object) Visit(fn func(key []byte, v *Value)) {
	for i := range o.kvs {
		fn(o.kvs[i].k, o.kvs[i].v)
	}
}

// MarshalTo appends o as JSON to dst, see Value.MarshalTo.
func (o *Object) MarshalTo(dst []byte) []byte {
	dst = append(dst, '{')
	for i := range o.kvs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendQuoted(dst, o.kvs[i].k)
		dst = append(dst, ':')
		dst = o.kvs[i].v.MarshalTo(dst)
	}
	return append(dst, '}')
}

// appendQuoted appends the unescaped key k as a JSON string: quotes,
// backslashes and control characters escaped, the rest as it is (the
// document was UTF-8). strconv.AppendQuote, which fastjson uses, writes
// Go escapes such as \a and \x1f that JSON does not have.
func appendQuoted(dst, k []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range k {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
