package load

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// TestDictionaryOf checks that a lineage column becomes a dictionary array
// of the same strings: one entry when every row has the same value (the
// case of every batch), built value by value otherwise.
func TestDictionaryOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		values  []string
		entries int
	}{
		{"one row", []string{"load-1"}, 1},
		{"one value", []string{"f.ndjson", "f.ndjson", "f.ndjson"}, 1},
		{"values that differ", []string{"a", "b", "a", "c"}, 3},
		{"no rows", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := array.NewStringBuilder(memory.DefaultAllocator)
			b.AppendValues(tc.values, nil)
			in := b.NewStringArray()
			b.Release()
			defer in.Release()
			out, err := dictionaryOf(in)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			d, ok := out.(*array.Dictionary)
			if !ok || !arrow.TypeEqual(d.DataType(), lineageDict) {
				t.Fatalf("got %s, want %s", out.DataType(), lineageDict)
			}
			if d.NullN() != 0 {
				t.Errorf("%d NULL rows, want none", d.NullN())
			}
			if d.Len() != len(tc.values) || d.Dictionary().Len() != tc.entries {
				t.Errorf("%d rows, %d entries; want %d rows, %d entries", d.Len(), d.Dictionary().Len(), len(tc.values), tc.entries)
			}
			dict := d.Dictionary().(*array.String)
			for i, want := range tc.values {
				if got := dict.Value(d.GetValueIndex(i)); got != want {
					t.Errorf("row %d: %q, want %q", i, got, want)
				}
			}
		})
	}
	ints := array.NewInt64Builder(memory.DefaultAllocator)
	ints.Append(1)
	a := ints.NewArray()
	ints.Release()
	defer a.Release()
	if d, err := dictionaryOf(a); err == nil {
		d.Release()
		t.Error("an int64 column became a dictionary")
	}
}

// TestLineageColumnsReadAsStrings writes a part and reads it back with
// arrow-go: a lineage column written from a dictionary is a plain string
// column of the file, with the same values, as every reader sees it.
func TestLineageColumnsReadAsStrings(t *testing.T) {
	tbl := schema.Table{Name: "t", Columns: []schema.Column{
		{Name: "eob_id", Type: schema.String, Required: true},
		{Name: "load_id", Type: schema.String, Required: true, Lineage: true},
	}}
	tw := newWriter(tbl, t.TempDir(), false, func(n int) string { return fmt.Sprintf("part-%d.parquet", n) })
	b := array.NewRecordBuilder(memory.DefaultAllocator, tbl.ArrowSchema())
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"e1", "e2"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"L", "L"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := tw.write(rec); err != nil {
		t.Fatal(err)
	}
	path, err := tw.closePart()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	for i, f := range tbl.ArrowSchema().Fields() {
		if g := got.Schema().Field(i); g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) {
			t.Errorf("column %d read back as %s %s, want %s %s", i, g.Name, g.Type, f.Name, f.Type)
		}
	}
	col := got.Column(1).Data().Chunk(0).(*array.String)
	if col.Len() != 2 || col.Value(0) != "L" || col.Value(1) != "L" {
		t.Errorf("load_id read back as %v", col)
	}
}
