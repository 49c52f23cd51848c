package pqwriter_test

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/klauspost/compress/zstd"

	"github.com/ab2d-etl/ab2d-etl/internal/pqwriter"
)

// Write a batch of two claims to a Parquet file in memory, the claim type
// dictionary-encoded, and read its footer back.
func Example() {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "eob_id", Type: arrow.BinaryTypes.String},
		{Name: "claim_type", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "billable_period_start", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"carrier-1", "dme-2"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"CARRIER", "DME"}, nil)
	b.Field(2).(*array.Date32Builder).AppendValues([]arrow.Date32{18628, 0}, []bool{true, false})
	rec := b.NewRecordBatch()
	defer rec.Release()

	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	w, err := pqwriter.NewWriter(&out, s, pqwriter.Options{Zstd: enc, Dictionary: []string{"claim_type"}, CreatedBy: "example"})
	if err != nil {
		panic(err)
	}
	if err := w.Write(rec); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}

	r, err := file.NewParquetReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		panic(err)
	}
	md := r.MetaData()
	fmt.Println(md.GetCreatedBy(), md.NumRows, "rows in", md.NumRowGroups(), "row group")
	for i := range md.Schema.NumColumns() {
		fmt.Println(md.Schema.Column(i).Name(), md.Schema.Column(i).LogicalType())
	}
	// Output:
	// example 2 rows in 1 row group
	// eob_id String
	// claim_type String
	// billable_period_start Date
}
