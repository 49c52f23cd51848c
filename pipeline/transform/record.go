package transform

import (
	"strconv"
	"time"
)

// Date is a calendar date as days since 1970-01-01; Valid is false for NULL.
type Date struct {
	Days  int32
	Valid bool
}

// Instant is a point in time as microseconds since the Unix epoch (UTC);
// Valid is false for NULL.
type Instant struct {
	Micros int64
	Valid  bool
}

// Float is a nullable float64.
type Float struct {
	V     float64
	Valid bool
}

// Time returns the instant as a time.Time in UTC.
func (i Instant) Time() time.Time { return time.UnixMicro(i.Micros).UTC() }

// String formats the date as YYYY-MM-DD, or "" when null.
func (d Date) String() string {
	if !d.Valid {
		return ""
	}
	return time.Unix(int64(d.Days)*86400, 0).UTC().Format(time.DateOnly)
}

// Kind says what an input line held.
type Kind uint8

// The kinds of resource a line can hold.
const (
	KindEOB              Kind = iota + 1 // an ExplanationOfBenefit
	KindOperationOutcome                 // an OperationOutcome from an AB2D _error file
)

// Coding is one distinct (element, system, code) of an EOB; the loader
// merges them into the codes dimension (schema.Codes).
type Coding struct {
	Element string `json:"element"` // where it was seen, e.g. "type", "careTeam.role", "item.extension.valueCoding"
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"` // the first non-empty display among its occurrences
}

// Int is a nullable int64.
type Int struct {
	V     int64
	Valid bool
}

// String formats the integer, or "" when null.
func (i Int) String() string {
	if !i.Valid {
		return ""
	}
	return strconv.FormatInt(i.V, 10)
}

// Record is the flattened form of one input line: its rows of every
// Parquet table (Rows, generated from package schema) and, for an EOB, the
// distinct codings it carries. A Record is reused between lines by Reset,
// so its slices keep their capacity.
type Record struct {
	Kind Kind
	Rows
	Codings []Coding
	// codingHashes are the flattener's hashes of the Codings' systems and
	// codes, in the same order, which spare the Builder hashing them again
	// (codeCache); empty when the Codings came from elsewhere.
	codingHashes []uint64
}

// Reset empties the record, keeping the capacity of its slices.
func (r *Record) Reset() {
	r.Kind = 0
	r.Rows.reset()
	r.Codings = r.Codings[:0]
	r.codingHashes = r.codingHashes[:0]
}
