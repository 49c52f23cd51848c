// Package queryfmt prints the result of a SQL query on DuckDB for people
// (aligned tables, or one "column = value" line per column) or for programs
// (CSV, JSON lines), as `ab2d-etl query` does.
//
// # Values
//
// JSON and CSV carry the same values; CSV holds the text that JSON holds in a
// string, and nested values as their JSON text:
//
//   - NULL: null in JSON, an empty unquoted field in CSV (the empty string is
//     a quoted "" field, as DuckDB's and PostgreSQL's COPY write them).
//   - Integers of every width, HUGEINT, UHUGEINT, BIGNUM and DECIMAL: JSON
//     numbers with every digit, never rounded through a float; a DECIMAL keeps
//     its scale (1.50 for DECIMAL(4,2)) as DuckDB prints it.
//   - DOUBLE and FLOAT: JSON numbers in the shortest form that reads back to
//     the same float; NaN and the infinities, which JSON numbers cannot be, are
//     the strings "NaN", "Infinity" and "-Infinity" (the spelling of
//     JavaScript and of Python's json module; DuckDB's CSV reader takes them).
//   - BOOLEAN: true or false.
//   - DATE: "2006-01-02". TIMESTAMP of any precision and TIMESTAMPTZ: RFC 3339
//     in UTC ("2006-01-02T15:04:05.999999Z"); a TIMESTAMP without time zone is
//     taken to be UTC. TIME: "15:04:05.999999"; TIMETZ with its offset
//     ("15:04:05+05:30"). DuckDB's infinite dates and timestamps are
//     "infinity" and "-infinity".
//   - INTERVAL: DuckDB's own text, e.g. "1 year 2 months 3 days 04:05:06.7",
//     which DuckDB casts back to the same INTERVAL.
//   - UUID: its 8-4-4-4-12 hex text. BLOB (and GEOMETRY): standard base64
//     with padding, as JSON has no bytes.
//   - VARCHAR, ENUM, BIT: strings.
//   - LIST and ARRAY: arrays; STRUCT: an object with the fields in the
//     struct's order, which is read from the column's type name because the
//     driver returns structs as Go maps; MAP: an object in the map's order
//     when its keys are VARCHAR or ENUM, otherwise an array of
//     {"key": …, "value": …} objects; all of them nested to any depth.
//   - UNION: the value of the member it holds (as DuckDB casts it to text).
//   - JSON columns: the driver decodes them, so they are written as nested
//     JSON, but with their object keys sorted and their numbers read as
//     float64; CAST such a column to VARCHAR to keep its exact text.
//
// # Column names
//
// JSON lines have their keys, and CSV its header, in SELECT order. As JSON
// keys must differ, a repeated column name is renamed the way DuckDB itself
// renames the columns of a subquery or of a CSV header written by COPY: names
// are compared ignoring ASCII case, and a repeat of "a" becomes "a_1", "a_2", …,
// skipping names already taken, so SELECT 1 AS a, 2 AS a, 3 AS a_1 gives the
// keys a, a_1 and a_1_1. Tables show the names as they are.
//
// # Tables
//
// A table fits Options.Width terminal cells when that is set (see
// TerminalWidth): cells are cut to Options.MaxColumnWidth with "…", and
// columns that still do not fit are left out and named under the table (the
// duckdb CLI only counts them). Numbers are right-aligned, NULL shows as NULL,
// and control characters in values as escapes like \n. The vertical format
// prints one "column = value" line per column and a blank line between rows,
// as the duckdb CLI's .mode line does, for rows too wide for a table.
package queryfmt

import (
	"bufio"
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is an output format.
type Format string

// The formats `query --format` accepts.
const (
	// Table aligns the rows in columns under a header.
	Table Format = "table"
	// Vertical prints each row as one "column = value" line per column.
	Vertical Format = "vertical"
	// CSV prints a header and one record per row (RFC 4180).
	CSV Format = "csv"
	// JSON prints one JSON object per row and line (JSON lines).
	JSON Format = "json"
)

// ParseFormat validates a --format value. "line", the duckdb CLI's name for
// the vertical mode, is taken for Vertical.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Table, Vertical, CSV, JSON:
		return f, nil
	case "line":
		return Vertical, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, vertical, csv or json)", s)
}

// Defaults for the zero values of Options' fields.
const (
	// DefaultMaxColumnWidth is the widest a table column gets when the table
	// has a width to fit.
	DefaultMaxColumnWidth = 40
	// DefaultMaxRows bounds the rows a table buffers to align its columns;
	// past it the rest are counted, not printed (CSV and JSON print them all).
	DefaultMaxRows = 10000
)

// Options says how Write prints a result.
type Options struct {
	// Format is the output format; "" means Table.
	Format Format
	// Width is the widest line, in terminal cells, the Table and Vertical
	// formats may print; 0 means no limit (output that is not a terminal),
	// and then no value is cut and no column left out.
	Width int
	// MaxColumnWidth caps the width of a table column, and of a column name
	// in the vertical format, when Width is set; 0 means
	// DefaultMaxColumnWidth.
	MaxColumnWidth int
	// MaxRows bounds the rows the Table format buffers; 0 means
	// DefaultMaxRows.
	MaxRows int
}

// Write prints rows in format f with no width limit and returns the number
// of rows read; it is WriteOptions with only the format set.
func Write(w io.Writer, rows *sql.Rows, f Format) (int, error) {
	return WriteOptions(w, rows, Options{Format: f})
}

// WriteOptions prints rows as o says and returns the number of rows read.
// It does not close rows. An error from the rows themselves (a query that
// fails while it runs) is returned as it is, after the rows before it have
// been written.
func WriteOptions(w io.Writer, rows *sql.Rows, o Options) (int, error) {
	if o.Format == "" {
		o.Format = Table
	}
	if o.MaxColumnWidth <= 0 {
		o.MaxColumnWidth = DefaultMaxColumnWidth
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, fmt.Errorf("column types: %w", err)
	}
	cols := make([]column, len(types))
	for i, ct := range types {
		cols[i].name = ct.Name()
		// An unparsable type name leaves typ nil: values then print by their
		// Go type, which loses only struct order and UUID text.
		cols[i].typ, _ = parseType(ct.DatabaseTypeName())
	}
	bw := bufio.NewWriter(w)
	var out rowWriter
	switch o.Format {
	case Table:
		out = newTableWriter(bw, cols, o)
	case Vertical:
		out = newVerticalWriter(bw, cols, o)
	case CSV:
		out = newCSVWriter(bw, cols)
	case JSON:
		out = newJSONWriter(bw, cols)
	default:
		return 0, fmt.Errorf("unknown format %q", o.Format)
	}
	n, err := copyRows(out, rows, len(cols))
	if err == nil {
		err = out.finish(n)
	}
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write %s output: %w", o.Format, ferr)
	}
	return n, err
}

// column is a result column's name and type.
type column struct {
	name string
	typ  *colType // nil if the driver's type name could not be parsed
}

// rowWriter is one output format.
type rowWriter interface {
	// row writes one row; vals is reused for the next one.
	row(vals []any) error
	// finish writes what follows the last of the n rows.
	finish(n int) error
}

// copyRows scans every row into out and returns how many there were.
func copyRows(out rowWriter, rows *sql.Rows, ncols int) (int, error) {
	vals := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("scan row %d: %w", n+1, err)
		}
		n++
		if err := out.row(vals); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// uniqueNames returns names with repeats renamed as DuckDB renames them when
// it needs unique names (a subquery's columns, COPY's CSV header): names are
// compared ignoring ASCII case, and a repeat of a name gets "_N", N counting
// up from the times the name was seen, skipping names already taken.
func uniqueNames(names []string) []string {
	out := make([]string, len(names))
	seen := make(map[string]int, len(names)) // lower-cased name → count
	for i, name := range names {
		low := asciiLower(name)
		if seen[low] == 0 {
			seen[low] = 1
			out[i] = name
			continue
		}
		for {
			out[i] = name + "_" + strconv.Itoa(seen[low])
			seen[low]++
			if seen[asciiLower(out[i])] == 0 {
				break
			}
		}
		seen[asciiLower(out[i])] = 1
	}
	return out
}

// asciiLower lower-cases the ASCII letters of s, as DuckDB does for names.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// jsonWriter writes one JSON object per row and line.
type jsonWriter struct {
	w     io.Writer
	keys  [][]byte // each column's encoded key and colon
	types []*colType
	r     *renderer
	buf   []byte
}

// uniqueColumns returns the columns' names, made unique, and their types.
func uniqueColumns(cols []column) ([]string, []*colType) {
	names := make([]string, len(cols))
	types := make([]*colType, len(cols))
	for i, c := range cols {
		names[i], types[i] = c.name, c.typ
	}
	return uniqueNames(names), types
}

func newJSONWriter(w io.Writer, cols []column) *jsonWriter {
	jw := &jsonWriter{w: w, r: newRenderer()}
	var names []string
	names, jw.types = uniqueColumns(cols)
	for _, name := range names {
		jw.keys = append(jw.keys, append(jw.r.appendEncoded(nil, name), ':'))
	}
	return jw
}

func (jw *jsonWriter) row(vals []any) error {
	b := append(jw.buf[:0], '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, jw.keys[i]...)
		b = jw.r.appendJSON(b, v, jw.types[i])
	}
	b = append(b, '}', '\n')
	jw.buf = b
	if _, err := jw.w.Write(b); err != nil {
		return fmt.Errorf("write json output: %w", err)
	}
	return nil
}

func (jw *jsonWriter) finish(int) error { return nil }

// csvWriter writes RFC 4180 CSV with a header. It is not encoding/csv because
// that writes NULL and the empty string alike.
type csvWriter struct {
	w     io.Writer
	types []*colType
	r     *renderer
	buf   []byte
	field []byte
}

func newCSVWriter(w io.Writer, cols []column) *csvWriter {
	cw := &csvWriter{w: w, r: newRenderer()}
	var names []string
	names, cw.types = uniqueColumns(cols)
	// The header is written with the first row, or by finish if there is none.
	for i, name := range names {
		if i > 0 {
			cw.buf = append(cw.buf, ',')
		}
		cw.buf = appendCSVField(cw.buf, []byte(name))
	}
	cw.buf = append(cw.buf, '\n')
	return cw
}

func (cw *csvWriter) row(vals []any) error {
	b := cw.buf
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if v != nil {
			cw.field = cw.r.appendText(cw.field[:0], v, cw.types[i])
			b = appendCSVField(b, cw.field)
		}
	}
	b = append(b, '\n')
	cw.buf = b[:0]
	if _, err := cw.w.Write(b); err != nil {
		return fmt.Errorf("write csv output: %w", err)
	}
	return nil
}

func (cw *csvWriter) finish(n int) error {
	if n > 0 {
		return nil
	}
	if _, err := cw.w.Write(cw.buf); err != nil {
		return fmt.Errorf("write csv output: %w", err)
	}
	return nil
}

// appendCSVField appends a non-NULL field, quoted if it is empty or holds a
// comma, a quote, a line break or a space at either end.
func appendCSVField(b, s []byte) []byte {
	if len(s) > 0 && !bytes.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[len(s)-1] != ' ' {
		return append(b, s...)
	}
	b = append(b, '"')
	for _, c := range s {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
