package pqwriter

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"
)

// testSchema has a column of every supported type, required and nullable.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "kind", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "q", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// randomBatches returns batches of testSchema: kind has a few values
// (dictionary-encoded in the tests), note many, every nullable column
// some nulls, runs of equal values and not.
func randomBatches(seed uint64, batches, rows int) []arrow.RecordBatch {
	r := rand.New(rand.NewPCG(seed, 1))
	b := array.NewRecordBuilder(memory.DefaultAllocator, testSchema)
	defer b.Release()
	kinds := []string{"CARRIER", "DME", "HHA", "", "INPATIENT", "é ünïcode"}
	var out []arrow.RecordBatch
	n := 0
	for range batches {
		for range r.IntN(rows) + 1 {
			n++
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("eob-%07d", n))
			kb := b.Field(1).(*array.StringBuilder)
			if r.IntN(10) == 0 {
				kb.AppendNull()
			} else if r.IntN(3) == 0 { // a run
				kb.Append(kinds[0])
			} else {
				kb.Append(kinds[r.IntN(len(kinds))])
			}
			nb := b.Field(2).(*array.StringBuilder)
			if r.IntN(4) == 0 {
				nb.AppendNull()
			} else {
				nb.Append(strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(40)) + fmt.Sprint(r.IntN(1000)))
			}
			b.Field(3).(*array.Int64Builder).Append(r.Int64N(1<<40) - 1<<39)
			qb := b.Field(4).(*array.Float64Builder)
			switch r.IntN(8) {
			case 0:
				qb.AppendNull()
			case 1:
				qb.Append(0)
			default:
				qb.Append(r.NormFloat64() * 100)
			}
			db := b.Field(5).(*array.Date32Builder)
			if r.IntN(5) == 0 {
				db.AppendNull()
			} else {
				db.Append(arrow.Date32(r.Int32N(40000) - 10000))
			}
			tb := b.Field(6).(*array.TimestampBuilder)
			if r.IntN(5) == 0 {
				tb.AppendNull()
			} else {
				tb.Append(arrow.Timestamp(r.Int64N(1 << 52)))
			}
		}
		out = append(out, b.NewRecordBatch())
	}
	return out
}

// testZstd returns the encoder the tests compress pages with.
func testZstd(tb testing.TB) *zstd.Encoder {
	tb.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		tb.Fatal(err)
	}
	return enc
}

// writeFile writes recs with a Writer of schema s and opts, and returns
// the file.
func writeFile(tb testing.TB, s *arrow.Schema, opts Options, recs ...arrow.RecordBatch) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, s, opts)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readBack reads a Parquet file with arrow-go, as one record.
func readBack(t *testing.T, data []byte) (arrow.Table, *file.Reader) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl, pf
}

// sameFields checks that a schema read back has testSchema's names,
// types and nullability (the reader adds field ids as metadata).
func sameFields(t *testing.T, got *arrow.Schema) {
	t.Helper()
	if got.NumFields() != testSchema.NumFields() {
		t.Fatalf("read back %d fields, want %d", got.NumFields(), testSchema.NumFields())
	}
	for i, f := range testSchema.Fields() {
		g := got.Field(i)
		if g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) || g.Nullable != f.Nullable {
			t.Errorf("field %d read back as %s %s nullable=%v, want %s %s nullable=%v", i, g.Name, g.Type, g.Nullable, f.Name, f.Type, f.Nullable)
		}
	}
}

// TestRoundTrip writes random batches with options that force several
// row groups, pages and dictionary fallbacks, and reads them back with
// arrow-go: the same schema, the same values, and statistics that hold.
func TestRoundTrip(t *testing.T) {
	enc := testZstd(t)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"defaults", Options{Zstd: enc, Dictionary: []string{"kind"}}},
		{"uncompressed", Options{Dictionary: []string{"kind", "note"}}},
		{"small groups and pages", Options{Zstd: enc, Dictionary: []string{"kind", "note"}, RowGroupRows: 300, PageBytes: 512}},
		{"dictionary fallback", Options{Zstd: enc, Dictionary: []string{"kind", "note", "id"}, RowGroupRows: 1000, DictBytes: 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := randomBatches(7, 12, 400)
			// A slice of a batch: arrays that start at an offset.
			whole := randomBatches(8, 1, 100)[0]
			recs = append(recs, whole.NewSlice(3, whole.NumRows()-5))
			whole.Release()
			var rows int64
			for _, r := range recs {
				defer r.Release()
				rows += r.NumRows()
			}
			tbl, pf := readBack(t, writeFile(t, testSchema, tc.opts, recs...))
			defer tbl.Release()
			sameFields(t, tbl.Schema())
			if tbl.NumRows() != rows || pf.NumRows() != rows {
				t.Fatalf("read %d rows (footer %d), want %d", tbl.NumRows(), pf.NumRows(), rows)
			}
			want := array.NewTableFromRecords(testSchema, recs)
			defer want.Release()
			for i := range testSchema.NumFields() {
				if !array.ChunkedEqual(tbl.Column(i).Data(), want.Column(i).Data()) {
					t.Errorf("column %s differs after the round trip", testSchema.Field(i).Name)
				}
			}
			if tc.opts.RowGroupRows > 0 && pf.NumRowGroups() < int(rows)/tc.opts.RowGroupRows {
				t.Errorf("%d row groups for %d rows of %d", pf.NumRowGroups(), rows, tc.opts.RowGroupRows)
			}
			checkStats(t, pf, want)
		})
	}
}

// checkStats checks each chunk's null count, min and max against its
// values.
func checkStats(t *testing.T, pf *file.Reader, want arrow.Table) {
	t.Helper()
	var start int64
	for g := range pf.NumRowGroups() {
		rg := pf.MetaData().RowGroup(g)
		n := rg.NumRows()
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil {
				t.Fatalf("group %d column %d: no statistics (%v)", g, c, err)
			}
			col := array.NewChunkedSlice(want.Column(c).Data(), start, start+n)
			var nulls int64
			var strs []string // the values, by kind
			var ints []int64
			var floats []float64
			for _, ch := range col.Chunks() {
				nulls += int64(ch.NullN())
				for i := range ch.Len() {
					if ch.IsNull(i) {
						continue
					}
					switch x := ch.(type) {
					case *array.String:
						strs = append(strs, x.Value(i))
					case *array.Int64:
						ints = append(ints, x.Value(i))
					case *array.Timestamp:
						ints = append(ints, int64(x.Value(i)))
					case *array.Date32:
						ints = append(ints, int64(x.Value(i)))
					case *array.Float64:
						floats = append(floats, x.Value(i))
					}
				}
			}
			col.Release()
			if st.NullCount() != nulls {
				t.Errorf("group %d column %d: null count %d, want %d", g, c, st.NullCount(), nulls)
			}
			if n > nulls && !st.HasMinMax() {
				t.Errorf("group %d column %d: no min and max", g, c)
			}
			if !st.HasMinMax() {
				continue
			}
			var lo, hi, wantLo, wantHi any
			switch s := st.(type) {
			case *metadata.ByteArrayStatistics:
				lo, hi, wantLo, wantHi = string(s.Min()), string(s.Max()), slices.Min(strs), slices.Max(strs)
			case *metadata.Int64Statistics:
				lo, hi, wantLo, wantHi = s.Min(), s.Max(), slices.Min(ints), slices.Max(ints)
			case *metadata.Int32Statistics:
				lo, hi, wantLo, wantHi = int64(s.Min()), int64(s.Max()), slices.Min(ints), slices.Max(ints)
			case *metadata.Float64Statistics:
				lo, hi, wantLo, wantHi = s.Min(), s.Max(), slices.Min(floats), slices.Max(floats)
			default:
				t.Fatalf("group %d column %d: statistics of type %T", g, c, st)
			}
			if lo != wantLo || hi != wantHi {
				t.Errorf("group %d column %d: min %v max %v, want %v and %v", g, c, lo, hi, wantLo, wantHi)
			}
		}
		start += n
	}
}

// TestEmpty: a file of no rows is a valid Parquet file of the schema.
func TestEmpty(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testSchema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, pf := readBack(t, buf.Bytes())
	defer tbl.Release()
	sameFields(t, tbl.Schema())
	if tbl.NumRows() != 0 || pf.NumRowGroups() != 0 {
		t.Errorf("empty file read back as %d rows, %d groups", tbl.NumRows(), pf.NumRowGroups())
	}
}

// TestRejects: unsupported types, a null in a required column and a
// record of another schema are errors, not files readers choke on.
func TestRejects(t *testing.T) {
	if _, err := NewWriter(&bytes.Buffer{}, arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.FixedWidthTypes.Boolean}}, nil), Options{}); err == nil {
		t.Error("a boolean column was accepted")
	}
	if _, err := NewWriter(&bytes.Buffer{}, testSchema, Options{Dictionary: []string{"n"}}); err == nil {
		t.Error("a dictionary on an integer column was accepted")
	}
	w, err := NewWriter(&bytes.Buffer{}, testSchema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, testSchema)
	defer b.Release()
	for _, f := range b.Fields() {
		f.AppendNull() // id and n are required
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := w.Write(rec); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("a null in a required column: %v", err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
	w2, err := NewWriter(&bytes.Buffer{}, testSchema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ob := array.NewRecordBuilder(memory.DefaultAllocator, other)
	defer ob.Release()
	ob.Field(0).(*array.StringBuilder).Append("x")
	orec := ob.NewRecordBatch()
	defer orec.Release()
	if err := w2.Write(orec); err == nil {
		t.Error("a record of another schema was accepted")
	}
}

// TestHybrid decodes appendHybrid's output with a reference decoder of
// the format for widths and run shapes that matter.
func TestHybrid(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, width := range []int{1, 2, 3, 7, 8, 13, 32} {
		for trial := range 50 {
			n := r.IntN(200)
			vs := make([]uint32, n)
			mask := uint32(1)<<width - 1
			if width == 32 {
				mask = math.MaxUint32
			}
			for i := 0; i < n; {
				v := r.Uint32() & mask
				run := 1
				if r.IntN(3) == 0 {
					run = r.IntN(20) + 1
				}
				for ; run > 0 && i < n; run-- {
					vs[i] = v
					i++
				}
			}
			got := decodeHybrid(t, appendHybrid(nil, vs, width), width, n)
			if fmt.Sprint(got) != fmt.Sprint(vs) {
				t.Fatalf("width %d trial %d: decoded %v, want %v", width, trial, got, vs)
			}
		}
	}
}

// decodeHybrid is the format's RLE/bit-packing hybrid decoder, written
// from the specification.
func decodeHybrid(t *testing.T, b []byte, width, n int) []uint32 {
	t.Helper()
	var out []uint32
	for len(out) < n {
		h, k := uvarint(b)
		if k <= 0 {
			t.Fatalf("bad run header after %d values", len(out))
		}
		b = b[k:]
		if h&1 == 0 { // repeated
			var v uint32
			nb := (width + 7) / 8
			for i := range nb {
				v |= uint32(b[i]) << (8 * i)
			}
			b = b[nb:]
			for range h >> 1 {
				out = append(out, v)
			}
			continue
		}
		count := int(h>>1) * 8
		bitPos := 0
		for range count {
			var v uint32
			for j := range width {
				if b[(bitPos+j)/8]&(1<<((bitPos+j)%8)) != 0 {
					v |= 1 << j
				}
			}
			bitPos += width
			out = append(out, v)
		}
		b = b[count*width/8:]
	}
	return out[:n]
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// BenchmarkWrite writes 20,000 rows of testSchema (two dictionary
// columns) to zstd Parquet in memory.
func BenchmarkWrite(b *testing.B) {
	enc := testZstd(b)
	recs := randomBatches(5, 50, 800)
	var rows, size int64
	for _, r := range recs {
		defer r.Release()
		rows += r.NumRows()
	}
	b.ReportAllocs()
	for b.Loop() {
		size = int64(len(writeFile(b, testSchema, Options{Zstd: enc, Dictionary: []string{"kind", "note"}}, recs...)))
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size), "file-bytes")
}

// TestHugeValues: values larger than a page, a dictionary page and the
// statistics' bound (as a 64 MiB line can carry) are written whole and read
// back; the chunks that hold them carry no min and max, which would be as
// large, and the other chunks keep theirs.
func TestHugeValues(t *testing.T) {
	huge := strings.Repeat("x", 3<<20) + "é"
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"a", huge, "c", "d"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"K", huge, "", "K"}, []bool{true, true, false, true})
	rec := b.NewRecordBatch()
	defer rec.Release()
	small := rec.NewSlice(2, 4) // a second row group of small values
	defer small.Release()

	tbl, pf := readBack(t, writeFile(t, s, Options{Dictionary: []string{"kind"}, RowGroupRows: 2}, rec, small))
	defer tbl.Release()
	want := array.NewTableFromRecords(s, []arrow.RecordBatch{rec, small})
	defer want.Release()
	for i := range s.NumFields() {
		if !array.ChunkedEqual(tbl.Column(i).Data(), want.Column(i).Data()) {
			t.Errorf("column %s differs after the round trip", s.Field(i).Name)
		}
	}
	for g, wantMinMax := range []bool{false, true, true} { // rows 0-1 hold the huge values
		for c := range 2 {
			cc, err := pf.MetaData().RowGroup(g).ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil {
				t.Fatal(err)
			}
			if st.HasMinMax() != wantMinMax {
				t.Errorf("row group %d column %d: min and max %v, want %v", g, c, st.HasMinMax(), wantMinMax)
			}
		}
	}
}

// TestZeroBounds: a double chunk whose min or max is zero says -0 for the
// min and +0 for the max, as the format asks, so that a reader comparing
// with either zero keeps the chunk.
func TestZeroBounds(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "q", Type: arrow.PrimitiveTypes.Float64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	b.Field(0).(*array.Float64Builder).AppendValues([]float64{0, 1.5, -2, math.Copysign(0, -1)}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl, pf := readBack(t, writeFile(t, s, Options{RowGroupRows: 2}, rec)) // [0, 1.5], then [-2, -0]
	defer tbl.Release()
	for g, want := range [][2]float64{{math.Copysign(0, -1), 1.5}, {-2, 0}} {
		cc, err := pf.MetaData().RowGroup(g).ColumnChunk(0)
		if err != nil {
			t.Fatal(err)
		}
		st, err := cc.Statistics()
		if err != nil {
			t.Fatal(err)
		}
		fs := st.(*metadata.Float64Statistics)
		lo, hi := fs.Min(), fs.Max()
		if lo != want[0] || hi != want[1] || math.Signbit(lo) != math.Signbit(want[0]) || math.Signbit(hi) != math.Signbit(want[1]) {
			t.Errorf("row group %d: min %v (sign %v) max %v (sign %v), want %v and %v", g, lo, math.Signbit(lo), hi, math.Signbit(hi), want[0], want[1])
		}
	}
}

// TestDictionaryArrays: a column given as Arrow dictionaries of strings is
// written byte for byte as the same values given as strings to a
// dictionary-encoded column, with nulls, dictionaries that differ from
// record to record, and a chunk dictionary that fills and falls back to
// PLAIN.
func TestDictionaryArrays(t *testing.T) {
	enc := testZstd(t)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	plain := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	dict := arrow.NewSchema([]arrow.Field{{Name: "v", Type: dt, Nullable: true}}, nil)
	r := rand.New(rand.NewPCG(7, 1))
	var batches [][]*string // nil: NULL
	for range 20 {
		var vs []*string
		for range 1 + r.IntN(300) {
			if r.IntN(10) == 0 {
				vs = append(vs, nil)
				continue
			}
			v := fmt.Sprintf("load-%d", r.IntN(1+r.IntN(60)))
			vs = append(vs, &v)
		}
		batches = append(batches, vs)
	}
	// records returns the batches as records of schema s, whose one
	// column is strings or a dictionary of them.
	records := func(s *arrow.Schema) []arrow.RecordBatch {
		t.Helper()
		var recs []arrow.RecordBatch
		for _, vs := range batches {
			b := array.NewRecordBuilder(memory.DefaultAllocator, s)
			for _, v := range vs {
				switch fb := b.Field(0).(type) {
				case *array.StringBuilder:
					if v == nil {
						fb.AppendNull()
					} else {
						fb.Append(*v)
					}
				case *array.BinaryDictionaryBuilder:
					if v == nil {
						fb.AppendNull()
					} else if err := fb.AppendString(*v); err != nil {
						t.Fatal(err)
					}
				}
			}
			recs = append(recs, b.NewRecordBatch())
			b.Release()
		}
		return recs
	}
	strs, dicts := records(plain), records(dict)
	for _, r := range append(strs, dicts...) {
		defer r.Release()
	}
	for _, dictBytes := range []int{0, 200} { // 0: the default, 200: falls back
		want := writeFile(t, plain, Options{Zstd: enc, RowGroupRows: 700, Dictionary: []string{"v"}, DictBytes: dictBytes}, strs...)
		got := writeFile(t, dict, Options{Zstd: enc, RowGroupRows: 700, DictBytes: dictBytes}, dicts...)
		if !bytes.Equal(got, want) {
			t.Errorf("DictBytes %d: the dictionary arrays' file differs from the strings' (%d and %d bytes)", dictBytes, len(got), len(want))
		}
	}
}
