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

// TestLineageColumnsReadAsStrings writes a part and reads it back with
// arrow-go: a lineage column, an Arrow dictionary in the records and
// dictionary-encoded in the file, is a plain string column, with the same
// values, as every reader sees it.
func TestLineageColumnsReadAsStrings(t *testing.T) {
	tbl := schema.Table{Name: "t", Columns: []schema.Column{
		{Name: "eob_id", Type: schema.String, Required: true},
		{Name: "load_id", Type: schema.String, Required: true, Lineage: true},
	}}
	enc, err := newZstd()
	if err != nil {
		t.Fatal(err)
	}
	tw := newWriter(tbl, t.TempDir(), false, func(n int) string { return fmt.Sprintf("part-%d.parquet", n) }, enc)
	b := array.NewRecordBuilder(memory.DefaultAllocator, tbl.ArrowSchema())
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"e1", "e2", "e3"}, nil)
	for _, v := range []string{"L", "L", "M"} {
		if err := b.Field(1).(*array.BinaryDictionaryBuilder).AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
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
	for i, c := range tbl.Columns {
		if g := got.Schema().Field(i); g.Name != c.Name || !arrow.TypeEqual(g.Type, arrow.BinaryTypes.String) {
			t.Errorf("column %d read back as %s %s, want %s utf8", i, g.Name, g.Type, c.Name)
		}
	}
	col, ok := got.Column(1).Data().Chunk(0).(*array.String)
	if !ok || col.Len() != 3 || col.Value(0) != "L" || col.Value(1) != "L" || col.Value(2) != "M" {
		t.Errorf("load_id read back as %v", got.Column(1).Data().Chunk(0))
	}
}
