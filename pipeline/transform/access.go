package transform

// Typed access to the parsed resource, with the location of each value for
// the messages about values that do not fit.

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// ---- generic accessors with type checking ----
//
// All accessors take a parent value and a path of object keys. A missing
// key or a JSON null reads as absent. A present value that does not fit
// (the wrong JSON type, a date that is not one, …) reads as absent too,
// and is recorded where it was (see fail), so callers carry on.

// column names a column the flattener fills, as "table.column" (the
// generated col… constants of rows_gen.go).
type column string

// split returns the table and the column name.
func (c column) split() (table, name string) {
	table, name, _ = strings.Cut(string(c), ".")
	return table, name
}

// A FieldError is a value of a resource that did not fit its column, in
// the style of encoding/csv's ParseError: where it was, what it was, and
// what is wrong with it (Err, one of the Err… values below). Flatten does
// not fail on it: the row loads without the value and the error becomes a
// row of field_issues (Record.FieldIssues). Only in what identifies a
// line — its resourceType, an EOB's id — or in an OperationOutcome is it
// the reason the line is rejected.
type FieldError struct {
	Table  string // the table the value was meant for
	Column string // its column; "" when the element feeds several
	Path   string // where it is in the resource, e.g. item[2].quantity.value
	Raw    string // the value: a JSON string's text, else its JSON (clipped to MaxRawValue bytes)
	Err    error
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// What can be wrong with a value.
var (
	ErrNotObject  = errors.New("not an object")
	ErrNotArray   = errors.New("not an array")
	ErrNotString  = errors.New("not a string")
	ErrNotInteger = errors.New("not an integer")
	ErrNotNumber  = errors.New("not a finite number")
	ErrDate       = errors.New("not a valid date (YYYY-MM-DD)")
	ErrInstant    = errors.New("not a valid instant (RFC 3339 with a time zone)")
	ErrMissing    = errors.New("missing")
)

// MaxRawValue bounds the raw value kept of a value that did not fit.
const MaxRawValue = 4096

// enter pushes an object key on the location stack.
func (f *Flattener) enter(key string) { f.at = append(f.at, pathElem{key, -1}) }

// enterElem pushes key[i] on the location stack after checking that the
// element is an object; on a non-object it records that and returns false
// without pushing.
func (f *Flattener) enterElem(key string, i int, v *jsontree.Value) bool {
	f.at = append(f.at, pathElem{key, i})
	if v.Type() != jsontree.TypeObject {
		f.fail(v, nil, ErrNotObject)
		f.leave()
		return false
	}
	return true
}

// leave pops the location stack.
func (f *Flattener) leave() { f.at = f.at[:len(f.at)-1] }

// fail records that v, at the location stack plus keys, did not fit: for
// the column being read (f.col), else for the table of the element. In an
// EOB it becomes a field issue; where a line cannot do without the value
// (f.strict: the resource's identity, an OperationOutcome) the first one
// rejects the line.
func (f *Flattener) fail(v *jsontree.Value, keys []string, err error) {
	if f.err != nil {
		return
	}
	fe := &FieldError{Path: f.path(keys), Err: err}
	if v != nil {
		if v.Type() == jsontree.TypeString {
			fe.Raw = clip(v.GetStringBytes(), MaxRawValue)
		} else {
			f.raw = v.MarshalTo(f.raw[:0])
			fe.Raw = clip(f.raw, MaxRawValue)
		}
	}
	if f.strict || f.rec.Kind != KindEOB {
		f.err = fe
		return
	}
	for _, is := range f.rec.FieldIssues {
		if is.FHIRPath == fe.Path {
			return // one element read for several columns: once is enough
		}
	}
	fe.Table, fe.Column = f.col.split()
	if f.col == "" {
		fe.Table = tableOf(fe.Path)
	}
	f.rec.FieldIssues = append(f.rec.FieldIssues, FieldIssuesRow{
		TableName: fe.Table, ColumnName: fe.Column, FHIRPath: fe.Path, RawValue: fe.Raw, Reason: err.Error(),
	})
}

// path renders the location stack plus keys, e.g. item[2].quantity.value.
func (f *Flattener) path(keys []string) string {
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
	return b.String()
}

// tableOf returns the table the element at path fills rows of.
func tableOf(path string) string {
	top := path
	if i := strings.IndexAny(path, ".["); i >= 0 {
		top = path[:i]
	}
	switch top {
	case "careTeam":
		return "claim_care_team"
	case "diagnosis":
		return "claim_diagnoses"
	case "procedure":
		return "claim_procedures"
	case "item":
		return "claim_lines"
	case "supportingInfo", "information":
		return "claim_supporting_info"
	case "contained":
		return "claim_contained"
	case "extension":
		return "claim_extensions"
	}
	return "claims"
}

// For the readers of values that fill a column (seq, num, date, instant,
// code, text): what does not fit is recorded for that column.

// code returns the string at keys for column c, interned (see in).
func (f *Flattener) code(c column, v *jsontree.Value, keys ...string) string {
	prev := f.col
	f.col = c
	s := f.in(f.strb(v, keys...))
	f.col = prev
	return s
}

// text returns the string at keys for column c, copied (see copyString).
func (f *Flattener) text(c column, v *jsontree.Value, keys ...string) string {
	prev := f.col
	f.col = c
	s := f.copyString(f.strb(v, keys...))
	f.col = prev
	return s
}

// get walks keys from v through objects and returns the value found, or nil
// when absent or null. An intermediate non-object is an error.
func (f *Flattener) get(v *jsontree.Value, keys ...string) *jsontree.Value {
	for i, k := range keys {
		if v == nil {
			return nil
		}
		if t := v.Type(); t != jsontree.TypeObject {
			if t == jsontree.TypeNull {
				return nil
			}
			// An element on the way, not the column's value: it is
			// recorded for no one column.
			col := f.col
			f.col = ""
			f.fail(v, keys[:i], ErrNotObject)
			f.col = col
			return nil
		}
		o, _ := v.Object() // an object: no error
		v = o.Get(k)
	}
	if v == nil || v.Type() == jsontree.TypeNull {
		return nil
	}
	return v
}

// strb returns the string at keys without copying (valid until the next
// parse), or nil when absent. A non-string is an error.
func (f *Flattener) strb(v *jsontree.Value, keys ...string) []byte {
	v = f.get(v, keys...)
	if v == nil {
		return nil
	}
	if v.Type() != jsontree.TypeString {
		f.fail(v, keys, ErrNotString)
		return nil
	}
	b, _ := v.StringBytes()
	return b
}

// str is strb copied into a string (see copyString).
func (f *Flattener) str(v *jsontree.Value, keys ...string) string {
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

// arr returns the array at keys, or nil when absent. A non-array does not
// fit.
func (f *Flattener) arr(v *jsontree.Value, keys ...string) []*jsontree.Value {
	v = f.get(v, keys...)
	if v == nil {
		return nil
	}
	if v.Type() != jsontree.TypeArray {
		f.fail(v, keys, ErrNotArray)
		return nil
	}
	a, _ := v.Array()
	return a
}

// seq returns the integer at v.key for column c, a sequence number, which FHIR
// requires: absent or not an integer, it is NULL and recorded.
func (f *Flattener) seq(c column, v *jsontree.Value, key string) Int {
	prev := f.col
	f.col = c
	defer func() { f.col = prev }()
	n := f.get(v, key)
	if n == nil {
		f.fail(nil, []string{key}, ErrMissing)
		return Int{}
	}
	f.enter(key)
	i, ok := f.intValue(n)
	f.leave()
	return Int{i, ok}
}

// intValue returns v as an integer; a non-integer does not fit (at the
// current location).
func (f *Flattener) intValue(v *jsontree.Value) (int64, bool) {
	n, err := v.Int64()
	if v.Type() != jsontree.TypeNumber || err != nil {
		f.fail(v, nil, ErrNotInteger)
		return 0, false
	}
	return n, true
}

// num returns the number at keys for column c as a Float, NULL when absent. A
// non-number (or NaN/Inf) does not fit.
func (f *Flattener) num(c column, v *jsontree.Value, keys ...string) Float {
	prev := f.col
	f.col = c
	defer func() { f.col = prev }()
	v = f.get(v, keys...)
	if v == nil {
		return Float{}
	}
	x, err := v.Float64()
	if v.Type() != jsontree.TypeNumber || err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(v, keys, ErrNotNumber)
		return Float{}
	}
	return Float{V: x, Valid: true}
}

// date returns the date (or the date of the dateTime) at keys for column c, NULL when
// absent. A string that is not one does not fit.
func (f *Flattener) date(c column, v *jsontree.Value, keys ...string) Date {
	prev := f.col
	f.col = c
	defer func() { f.col = prev }()
	v = f.get(v, keys...)
	if v == nil {
		return Date{}
	}
	if v.Type() != jsontree.TypeString {
		f.fail(v, keys, ErrNotString)
		return Date{}
	}
	d := parseDate(v.GetStringBytes())
	if !d.Valid {
		f.fail(v, keys, ErrDate)
	}
	return d
}

// instant returns the instant at keys for column c, NULL when absent. A string that is
// not one does not fit.
func (f *Flattener) instant(c column, v *jsontree.Value, keys ...string) Instant {
	prev := f.col
	f.col = c
	defer func() { f.col = prev }()
	v = f.get(v, keys...)
	if v == nil {
		return Instant{}
	}
	if v.Type() != jsontree.TypeString {
		f.fail(v, keys, ErrNotString)
		return Instant{}
	}
	t := parseInstant(v.GetStringBytes())
	if !t.Valid {
		f.fail(v, keys, ErrInstant)
	}
	return t
}

// codeBySystem returns the code of the first coding of the CodeableConcept
// parent.key whose system is one of systems, or nil.
func (f *Flattener) codeBySystem(parent *jsontree.Value, key string, systems ...string) []byte {
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
func (f *Flattener) firstCoding(parent *jsontree.Value, key string) (code, system []byte) {
	code, system, _ = f.coding(parent, key, nil)
	return code, system
}

// preferredCoding returns the code and system of the first coding of the
// CodeableConcept parent.key whose system satisfies prefer, else of its
// first coding. A nil prefer takes the first coding.
func (f *Flattener) preferredCoding(parent *jsontree.Value, key string, prefer func([]byte) bool) (code, system []byte) {
	code, system, _ = f.coding(parent, key, prefer)
	return code, system
}

// coding is preferredCoding that also returns the coding's display.
func (f *Flattener) coding(parent *jsontree.Value, key string, prefer func([]byte) bool) (code, system, display []byte) {
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
		if i == 0 {
			system = sys
		}
		if prefer == nil {
			break
		}
		if prefer(sys) {
			chosen, system = i, sys
			break
		}
	}
	// The chosen coding's system is read above: reading it again would
	// find what does not fit it already recorded at the same path.
	f.at = append(f.at, pathElem{"coding", chosen})
	code, display = f.strb(cs[chosen], "code"), f.strb(cs[chosen], "display")
	f.leave()
	return code, system, display
}

// codingBySystem returns the code and display of the first coding of the
// CodeableConcept parent.key whose system is system, or nils.
func (f *Flattener) codingBySystem(parent *jsontree.Value, key, system string) (code, sys, display []byte) {
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
func (f *Flattener) extCode(v *jsontree.Value, urls ...string) []byte {
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
	slot := &f.inCache[(uint(len(b))*31+uint(b[0])*7+uint(b[len(b)-1]))%uint(len(f.inCache))]
	if *slot == string(b) {
		return *slot
	}
	if s, ok := f.tbl[string(b)]; ok {
		*slot = s
		return s
	}
	s := string(b)
	if len(f.tbl) < maxIntern {
		f.tbl[s] = s
		*slot = s
	}
	return s
}
