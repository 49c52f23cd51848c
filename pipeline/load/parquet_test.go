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
// arrow-go: a lineage column, dictionary-encoded in the file, is a plain
// string column, with the same values, as every reader sees it.
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
