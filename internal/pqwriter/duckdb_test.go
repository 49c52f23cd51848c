package pqwriter

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
)

// TestDuckDBReads: DuckDB, the warehouse's reader of these files, reads
// them back value for value, with dictionary pages, dictionaries that fell
// back to plain pages, several pages and row groups; and its filters on
// the statistics (row groups skipped by min and max) lose no row.
func TestDuckDBReads(t *testing.T) {
	enc := testZstd(t)
	recs := randomBatches(11, 10, 300)
	want := map[string]string{} // id -> the row as DuckDB prints it
	for _, r := range recs {
		defer r.Release()
		for i := range int(r.NumRows()) {
			want[r.Column(0).(*array.String).Value(i)] = rowString(r, i)
		}
	}
	path := filepath.Join(t.TempDir(), "t.parquet")
	data := writeFile(t, testSchema, Options{Zstd: enc, Dictionary: []string{"kind", "note"}, RowGroupRows: 700, PageBytes: 2000, DictBytes: 300}, recs...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// The file has what the test is for: chunks of note whose dictionary
	// fell back (dictionary-encoded pages, then plain ones), and none of
	// kind, whose few values fit.
	for col, wantFallback := range map[int]bool{1: false, 2: true} {
		if got := fallbacks(t, path, col); (got > 0) != wantFallback {
			t.Errorf("column %d: %d chunks fell back to plain pages, want some: %v", col, got, wantFallback)
		}
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	q := func(sqlText string) map[string]string {
		t.Helper()
		rows, err := db.Query(fmt.Sprintf(sqlText, "read_parquet('"+path+"')"))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]string{}
		for rows.Next() {
			var id string
			var kind, note sql.NullString
			var n int64
			var q sql.NullFloat64
			var day, at sql.NullTime
			if err := rows.Scan(&id, &kind, &note, &n, &q, &day, &at); err != nil {
				t.Fatal(err)
			}
			got[id] = fmt.Sprint(nullStr(kind), "|", nullStr(note), "|", n, "|", nullF(q), "|", nullDay(day), "|", nullAt(at))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := q("SELECT * FROM %s")
	if len(got) != len(want) {
		t.Fatalf("DuckDB read %d rows, want %d", len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Fatalf("row %s: DuckDB read %q, want %q", id, got[id], w)
		}
	}
	// Filters DuckDB answers with the file's statistics' help, against the
	// same filters on a copy of the rows in a table.
	if _, err := db.Exec("CREATE TABLE copy AS SELECT * FROM read_parquet('" + path + "')"); err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{"kind = 'DME'", "note > 'm'", "n < 0", "q >= 0", "day < DATE '1990-01-01'", `"at" > TIMESTAMPTZ '2050-01-01 00:00:00+00'`, "id BETWEEN 'eob-0000100' AND 'eob-0000200'"} {
		got := q("SELECT * FROM %s WHERE " + filter)
		all := q("SELECT * FROM copy WHERE " + filter + " -- %s")
		if len(got) == 0 || len(got) != len(all) {
			t.Errorf("WHERE %s: %d rows, %d without pushdown", filter, len(got), len(all))
		}
	}
}

// fallbacks returns the number of column chunks of column col of the
// file at path with both dictionary-encoded and plain data pages.
func fallbacks(t *testing.T, path string, col int) int {
	t.Helper()
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // read-only
	n := 0
	for g := range r.NumRowGroups() {
		pr, err := r.RowGroup(g).GetColumnPageReader(col)
		if err != nil {
			t.Fatal(err)
		}
		dict, plain := false, false
		for pr.Next() {
			if p, ok := pr.Page().(*file.DataPageV1); ok {
				enc := parquet.Encoding(p.Encoding())
				dict = dict || enc == parquet.Encodings.RLEDict
				plain = plain || enc == parquet.Encodings.Plain
			}
		}
		if err := pr.Err(); err != nil {
			t.Fatal(err)
		}
		if dict && plain {
			n++
		}
	}
	return n
}

// rowString prints row i of r as the test's DuckDB query does.
func rowString(r arrow.RecordBatch, i int) string {
	cell := func(c int) string {
		a := r.Column(c)
		if a.IsNull(i) {
			return "NULL"
		}
		switch x := a.(type) {
		case *array.String:
			return x.Value(i)
		case *array.Int64:
			return fmt.Sprint(x.Value(i))
		case *array.Float64:
			return fmt.Sprint(x.Value(i))
		case *array.Date32:
			return x.Value(i).ToTime().Format(time.DateOnly)
		case *array.Timestamp:
			return time.UnixMicro(int64(x.Value(i))).UTC().Format(time.RFC3339Nano)
		}
		return "?"
	}
	return strings.Join([]string{cell(1), cell(2), cell(3), cell(4), cell(5), cell(6)}, "|")
}

func nullStr(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

func nullF(f sql.NullFloat64) string {
	if !f.Valid {
		return "NULL"
	}
	return fmt.Sprint(f.Float64)
}

func nullDay(d sql.NullTime) string {
	if !d.Valid {
		return "NULL"
	}
	return d.Time.Format(time.DateOnly)
}

func nullAt(d sql.NullTime) string {
	if !d.Valid {
		return "NULL"
	}
	return d.Time.UTC().Format(time.RFC3339Nano)
}
