package pqwriter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	parquetgo "github.com/parquet-go/parquet-go"
)

// TestParquetGoReads: parquet-go, a reader written apart from arrow-go
// and DuckDB, reads the files back value for value, with the columns'
// logical types.
func TestParquetGoReads(t *testing.T) {
	enc := testZstd(t)
	recs := randomBatches(13, 8, 300)
	var want []string // each row as printed below
	for _, r := range recs {
		defer r.Release()
		for i := range int(r.NumRows()) {
			want = append(want, r.Column(0).(*array.String).Value(i)+"|"+rowString(r, i))
		}
	}
	data := writeFile(t, testSchema, Options{Zstd: enc, Dictionary: []string{"kind", "note"}, RowGroupRows: 500, PageBytes: 3000, DictBytes: 400}, recs...)

	f, err := parquetgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	schema := f.Schema().String()
	for _, typ := range []string{"binary id (STRING)", "binary kind (STRING)", "int64 n (INT(64,true))", "double q;", "int32 day (DATE)", "int64 at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))"} {
		if !strings.Contains(schema, typ) {
			t.Errorf("parquet-go reads no %q in the schema:\n%s", typ, schema)
		}
	}
	var got []string
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		batch := make([]parquetgo.Row, 64)
		for {
			n, err := rows.ReadRows(batch)
			for _, row := range batch[:n] {
				got = append(got, printRow(row))
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("parquet-go read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: parquet-go read %q, want %q", i, got[i], want[i])
		}
	}
}

// printRow prints a row of testSchema as rowString does, after its id.
func printRow(row parquetgo.Row) string {
	cells := make([]string, len(row))
	for _, v := range row {
		c := v.Column()
		switch {
		case v.IsNull():
			cells[c] = "NULL"
		case c <= 2:
			cells[c] = string(v.ByteArray())
		case c == 3:
			cells[c] = fmt.Sprint(v.Int64())
		case c == 4:
			cells[c] = fmt.Sprint(v.Double())
		case c == 5:
			cells[c] = time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
		case c == 6:
			cells[c] = time.UnixMicro(v.Int64()).UTC().Format(time.RFC3339Nano)
		}
	}
	return strings.Join(cells, "|")
}
