package transform

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestAccumulators builds columns twice in a row (the second build must
// not see the first's values) and compares each array with what Arrow's
// own builders make of the same values: type, length, nulls, values.
func TestAccumulators(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	// values per case; nil is NULL
	strCases := [][]*string{
		{},
		{ptr("a")},
		{nil},
		{ptr(""), ptr("x"), nil, ptr("héllo"), nil, nil, ptr("long string of bytes"), ptr(""), ptr("9")}, // crosses a bitmap byte
		{ptr("no"), ptr("nulls"), ptr("here")},
	}
	var sc stringColumn
	for i, vs := range strCases {
		want := array.NewStringBuilder(mem)
		appendBoth(vs, &sc, want)
		compare(t, fmt.Sprintf("string case %d", i), sc.build(mem, arrow.BinaryTypes.String), want.NewArray())
		want.Release()
	}

	intCases := [][]*int64{{}, {ptr(int64(-1))}, {nil, ptr(int64(7)), nil, ptr(int64(1 << 40)), nil, nil, nil, nil, ptr(int64(0))}}
	var ic fixedColumn[int64]
	for i, vs := range intCases {
		want := array.NewInt64Builder(mem)
		appendBoth(vs, &ic, want)
		compare(t, fmt.Sprintf("int64 case %d", i), ic.build(mem, arrow.PrimitiveTypes.Int64), want.NewArray())
		want.Release()
	}

	var dc fixedColumn[int32]
	dates := array.NewDate32Builder(mem)
	defer dates.Release()
	for _, d := range []int32{0, -719162, 20000} {
		dc.Append(d)
		dates.Append(arrow.Date32(d))
	}
	dc.AppendNull()
	dates.AppendNull()
	compare(t, "date32", dc.build(mem, arrow.FixedWidthTypes.Date32), dates.NewArray())

	var fc fixedColumn[float64]
	floats := array.NewFloat64Builder(mem)
	defer floats.Release()
	fc.AppendNull()
	floats.AppendNull()
	fc.Append(2.5)
	floats.Append(2.5)
	compare(t, "float64", fc.build(mem, arrow.PrimitiveTypes.Float64), floats.NewArray())

	// A load's column: runs of one string, twice in a row to check the
	// second build starts afresh. Arrow's dictionary builder may number
	// the entries otherwise, so the values are compared, not the indices.
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	var lc loadColumn
	for i, vs := range [][]string{{"L1", "L1", "L1", "L2", "L2", "L1"}, {"L3"}, {}} {
		for _, v := range vs {
			lc.Append(v)
		}
		got := lc.build(mem, dt)
		if err := array.ValidateFull(got); err != nil {
			t.Errorf("load case %d: invalid array: %v", i, err)
		}
		d := got.(*array.Dictionary)
		var back []string
		for j := range d.Len() {
			back = append(back, d.Dictionary().(*array.String).Value(d.GetValueIndex(j)))
		}
		if fmt.Sprint(back) != fmt.Sprint(vs) || d.NullN() != 0 || !arrow.TypeEqual(d.DataType(), dt) {
			t.Errorf("load case %d: %v (%d nulls, %s), want %v", i, back, d.NullN(), d.DataType(), vs)
		}
		runs := 0
		for j := range vs {
			if j == 0 || vs[j] != vs[j-1] {
				runs++
			}
		}
		if n := d.Dictionary().Len(); n != runs {
			t.Errorf("load case %d: %d dictionary entries, want %d, one per run", i, n, runs)
		}
		got.Release()
	}

	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	var tc fixedColumn[int64]
	stamps := array.NewTimestampBuilder(mem, ts)
	defer stamps.Release()
	tc.Append(1_700_000_000_000_000)
	stamps.Append(arrow.Timestamp(1_700_000_000_000_000))
	compare(t, "timestamp", tc.build(mem, ts), stamps.NewArray())
}

func ptr[T any](v T) *T { return &v }

// appender is what an accumulator and Arrow's builder of the same values
// have in common.
type appender[T any] interface {
	Append(T)
	AppendNull()
}

// appendBoth appends vs (nil: NULL) to both.
func appendBoth[T any](vs []*T, a, b appender[T]) {
	for _, v := range vs {
		if v == nil {
			a.AppendNull()
			b.AppendNull()
		} else {
			a.Append(*v)
			b.Append(*v)
		}
	}
}

// compare checks that got equals want, and releases both.
func compare(t *testing.T, name string, got, want arrow.Array) {
	t.Helper()
	defer got.Release()
	defer want.Release()
	if !arrow.TypeEqual(got.DataType(), want.DataType()) {
		t.Errorf("%s: type %s, want %s", name, got.DataType(), want.DataType())
		return
	}
	if got.Len() != want.Len() || got.NullN() != want.NullN() {
		t.Errorf("%s: %d values with %d nulls, want %d with %d", name, got.Len(), got.NullN(), want.Len(), want.NullN())
	}
	if err := array.ValidateFull(got); err != nil {
		t.Errorf("%s: invalid array: %v", name, err)
	}
	if !array.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", name, got, want)
	}
}
