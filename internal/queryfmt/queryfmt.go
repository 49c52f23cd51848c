// Package queryfmt prints the result of a SQL query for people (aligned
// tables) or for programs (CSV, JSON lines), as `ab2d-etl query` does.
package queryfmt

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Format is an output format.
type Format string

// The formats `query --format` accepts.
const (
	Table Format = "table"
	CSV   Format = "csv"
	JSON  Format = "json"
)

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Table, CSV, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want table, csv or json)", s)
}

// maxTableRows bounds how many rows the table format buffers to align
// columns; past it the rest is counted, not printed (use csv or json).
const maxTableRows = 10000

// Write prints rows in format f and returns the number of rows read.
func Write(w io.Writer, rows *sql.Rows, f Format) (int, error) {
	cols, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var (
		n     int
		table [][]string
		cw    *csv.Writer
		enc   *json.Encoder
	)
	switch f {
	case CSV:
		cw = csv.NewWriter(w)
		if err := cw.Write(names); err != nil {
			return 0, err
		}
	case JSON:
		enc = json.NewEncoder(w)
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
		switch f {
		case CSV:
			rec := make([]string, len(vals))
			for i, v := range vals {
				rec[i] = text(v, cols[i])
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
		case JSON:
			obj := make(map[string]any, len(vals))
			for i, v := range vals {
				obj[names[i]] = jsonValue(v, cols[i])
			}
			if err := enc.Encode(obj); err != nil {
				return n, err
			}
		default:
			if n <= maxTableRows {
				rec := make([]string, len(vals))
				for i, v := range vals {
					rec[i] = text(v, cols[i])
					if v == nil {
						rec[i] = "NULL"
					}
				}
				table = append(table, rec)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	switch f {
	case CSV:
		cw.Flush()
		return n, cw.Error()
	case JSON:
		return n, nil
	}
	return n, writeTable(w, names, table, n)
}

func writeTable(w io.Writer, names []string, table [][]string, n int) error {
	width := make([]int, len(names))
	for i, name := range names {
		width[i] = utf8.RuneCountInString(name)
	}
	for _, rec := range table {
		for i, s := range rec {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	line := func(rec []string) {
		for i, s := range rec {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(s)
			if i < len(rec)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(s)))
			}
		}
		b.WriteString("\n")
	}
	line(names)
	sep := make([]string, len(names))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	b.WriteString(strings.Join(sep, "-+-") + "\n")
	for _, rec := range table {
		line(rec)
	}
	switch {
	case n > len(table):
		fmt.Fprintf(&b, "(%d rows, first %d shown; use --format csv or json for all)\n", n, len(table))
	case n == 1:
		b.WriteString("(1 row)\n")
	default:
		fmt.Fprintf(&b, "(%d rows)\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// text renders a value for table and CSV output; NULL is the empty string.
func text(v any, col *sql.ColumnType) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		switch col.DatabaseTypeName() {
		case "DATE":
			return x.Format(time.DateOnly)
		case "TIME":
			return x.Format(time.TimeOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	return fmt.Sprint(v)
}

// jsonValue keeps numbers and booleans typed and renders the rest as text.
// DECIMAL values are written as JSON numbers with their exact digits.
func jsonValue(v any, col *sql.ColumnType) any {
	switch x := v.(type) {
	case nil, bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
		return v
	case fmt.Stringer:
		if strings.HasPrefix(col.DatabaseTypeName(), "DECIMAL") {
			return json.Number(x.String())
		}
	}
	return text(v, col)
}
