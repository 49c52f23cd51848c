package transform

// Typed access to the parsed resource, with the location of each value for
// the messages about values that do not fit.

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"
)

// ---- generic accessors with type checking ----
//
// All accessors take a parent value and a path of object keys. A missing
// key or a JSON null reads as absent. A present value of the wrong JSON type
// records an error naming its location (first error wins) and reads as
// absent, so callers can carry on and check f.err at the end.

// enter pushes an object key on the location stack.
func (f *Flattener) enter(key string) { f.at = append(f.at, pathElem{key, -1}) }

// enterElem pushes key[i] on the location stack after checking that the
// element is an object; on a non-object it records an error and returns
// false without pushing.
func (f *Flattener) enterElem(key string, i int, v *fastjson.Value) bool {
	f.at = append(f.at, pathElem{key, i})
	if v.Type() != fastjson.TypeObject {
		f.failHere("not an object")
		f.leave()
		return false
	}
	return true
}

// leave pops the location stack.
func (f *Flattener) leave() { f.at = f.at[:len(f.at)-1] }

// fail records err for the location stack plus keys.
func (f *Flattener) fail(keys []string, msg string) {
	if f.err != nil {
		return
	}
	var b strings.Builder
	for _, e := range f.at {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
		if e.idx >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.idx))
			b.WriteByte(']')
		}
	}
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	b.WriteString(": ")
	b.WriteString(msg)
	f.err = errors.New(b.String())
}

// failHere records err at the current location.
func (f *Flattener) failHere(msg string) { f.fail(nil, msg) }

// get walks keys from v through objects and returns the value found, or nil
// when absent or null. An intermediate non-object is an error.
func (f *Flattener) get(v *fastjson.Value, keys ...string) *fastjson.Value {
	for i, k := range keys {
		if v == nil || v.Type() == fastjson.TypeNull {
			return nil
		}
		if v.Type() != fastjson.TypeObject {
			f.fail(keys[:i], "not an object")
			return nil
		}
		v = v.Get(k)
	}
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil
	}
	return v
}

// strb returns the string at keys without copying (valid until the next
// parse), or nil when absent. A non-string is an error.
func (f *Flattener) strb(v *fastjson.Value, keys ...string) []byte {
	v = f.get(v, keys...)
	if v == nil {
		return nil
	}
	if v.Type() != fastjson.TypeString {
		f.fail(keys, "not a string")
		return nil
	}
	b, _ := v.StringBytes()
	return b
}

// str is strb copied into a string (see copyString).
func (f *Flattener) str(v *fastjson.Value, keys ...string) string {
	return f.copyString(f.strb(v, keys...))
}

// arenaChunk is the size of the blocks copyString carves strings from.
const arenaChunk = 8 << 10

// copyString returns a copy of b as a string. The copies are carved from
// shared blocks that are never written again once handed out, which saves
// one allocation per string; a block stays alive while any string of it
// is referenced.
func (f *Flattener) copyString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaChunk/8 {
		return string(b)
	}
	if cap(f.mem)-len(f.mem) < len(b) {
		f.mem = make([]byte, 0, arenaChunk)
	}
	start := len(f.mem)
	f.mem = append(f.mem, b...)
	return unsafe.String(&f.mem[start], len(b))
}

// arr returns the array at keys, or nil when absent. A non-array is an error.
func (f *Flattener) arr(v *fastjson.Value, keys ...string) []*fastjson.Value {
	v = f.get(v, keys...)
	if v == nil {
		return nil
	}
	if v.Type() != fastjson.TypeArray {
		f.fail(keys, "not an array")
		return nil
	}
	a, _ := v.Array()
	return a
}

// seq returns the required integer at v.key (a sequence number). Absent or
// not an integer is an error.
func (f *Flattener) seq(v *fastjson.Value, key string) int64 {
	n := f.get(v, key)
	if n == nil {
		f.fail([]string{key}, "missing")
		return 0
	}
	f.enter(key)
	i, _ := f.intValue(n)
	f.leave()
	return i
}

// intValue returns v as an integer; a non-integer is an error at the current
// location.
func (f *Flattener) intValue(v *fastjson.Value) (int64, bool) {
	if v.Type() != fastjson.TypeNumber {
		f.failHere("not an integer")
		return 0, false
	}
	n, err := v.Int64()
	if err != nil {
		f.failHere("not an integer")
		return 0, false
	}
	return n, true
}

// num returns the number at keys as a Float, NULL when absent. A non-number
// (or NaN/Inf) is an error.
func (f *Flattener) num(v *fastjson.Value, keys ...string) Float {
	v = f.get(v, keys...)
	if v == nil {
		return Float{}
	}
	if v.Type() != fastjson.TypeNumber {
		f.fail(keys, "not a number")
		return Float{}
	}
	x, err := v.Float64()
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(keys, "not a finite number")
		return Float{}
	}
	return Float{V: x, Valid: true}
}

// codeBySystem returns the code of the first coding of the CodeableConcept
// parent.key whose system is one of systems, or nil.
func (f *Flattener) codeBySystem(parent *fastjson.Value, key string, systems ...string) []byte {
	cs := f.arr(parent, key, "coding")
	if len(cs) == 0 {
		return nil
	}
	f.enter(key)
	defer f.leave()
	for i, c := range cs {
		if !f.enterElem("coding", i, c) {
			return nil
		}
		sys := f.strb(c, "system")
		for _, s := range systems {
			if string(sys) == s {
				code := f.strb(c, "code")
				f.leave()
				return code
			}
		}
		f.leave()
	}
	return nil
}

// firstCoding returns the code and system of the first coding of the
// CodeableConcept parent.key.
func (f *Flattener) firstCoding(parent *fastjson.Value, key string) (code, system []byte) {
	code, system, _ = f.coding(parent, key, nil)
	return code, system
}

// preferredCoding returns the code and system of the first coding of the
// CodeableConcept parent.key whose system satisfies prefer, else of its
// first coding. A nil prefer takes the first coding.
func (f *Flattener) preferredCoding(parent *fastjson.Value, key string, prefer func([]byte) bool) (code, system []byte) {
	code, system, _ = f.coding(parent, key, prefer)
	return code, system
}

// coding is preferredCoding that also returns the coding's display.
func (f *Flattener) coding(parent *fastjson.Value, key string, prefer func([]byte) bool) (code, system, display []byte) {
	cs := f.arr(parent, key, "coding")
	if len(cs) == 0 {
		return nil, nil, nil
	}
	f.enter(key)
	defer f.leave()
	chosen := 0
	for i, c := range cs {
		if !f.enterElem("coding", i, c) {
			return nil, nil, nil
		}
		sys := f.strb(c, "system")
		f.leave()
		if prefer == nil {
			break
		}
		if prefer(sys) {
			chosen = i
			break
		}
	}
	f.at = append(f.at, pathElem{"coding", chosen})
	code, system, display = f.strb(cs[chosen], "code"), f.strb(cs[chosen], "system"), f.strb(cs[chosen], "display")
	f.leave()
	return code, system, display
}

// codingBySystem returns the code and display of the first coding of the
// CodeableConcept parent.key whose system is system, or nils.
func (f *Flattener) codingBySystem(parent *fastjson.Value, key, system string) (code, sys, display []byte) {
	cs := f.arr(parent, key, "coding")
	if len(cs) == 0 {
		return nil, nil, nil
	}
	f.enter(key)
	defer f.leave()
	for i, c := range cs {
		if !f.enterElem("coding", i, c) {
			return nil, nil, nil
		}
		if s := f.strb(c, "system"); string(s) == system {
			code, display = f.strb(c, "code"), f.strb(c, "display")
			f.leave()
			return code, s, display
		}
		f.leave()
	}
	return nil, nil, nil
}

// isICDSystem says whether system is an ICD-9/ICD-10 diagnosis code system.
func isICDSystem(system []byte) bool {
	switch string(system) {
	case sysICD10, sysICD10CM, sysICD9CM, sysICD9:
		return true
	}
	return false
}

// extCode returns v.extension[url=one of urls].valueCoding.code of the first
// matching extension, or nil.
func (f *Flattener) extCode(v *fastjson.Value, urls ...string) []byte {
	for i, ext := range f.arr(v, "extension") {
		if !f.enterElem("extension", i, ext) {
			return nil
		}
		u := f.strb(ext, "url")
		for _, url := range urls {
			if string(u) == url {
				code := f.strb(ext, "valueCoding", "code")
				f.leave()
				return code
			}
		}
		f.leave()
	}
	return nil
}

// hasPrefix is strings.HasPrefix for a byte slice without copying.
func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// in returns b as a string, interning it: use for low-cardinality values
// (codes, systems, roles) to save allocations.
func (f *Flattener) in(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := f.tbl[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(f.tbl) < maxIntern {
		f.tbl[s] = s
	}
	return s
}
