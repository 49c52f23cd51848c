package transform

// The column accumulators of the Builder: a batch's values of one column
// in plain Go slices, turned into an Arrow array at Flush with one copy per
// buffer. Arrow's own builders check capacity, grow and set a validity bit
// through several calls per value, which cost a flatten worker about 200
// instructions per string; appending to slices costs less than half of
// that (about 90, measured with callgrind), and the slices keep their
// capacity from batch to batch.

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// accumulator is what Flush needs of a column accumulator.
type accumulator interface {
	// build returns the values appended since the last build as an Arrow
	// array of type dt, its buffers allocated from mem, and starts afresh.
	build(mem memory.Allocator, dt arrow.DataType) arrow.Array
}

// validity is the validity bitmap of a column (bit i set: value i is not
// NULL), least significant bit first, as Arrow lays it out.
type validity struct {
	bits  []byte
	n     int // values
	nulls int
}

func (v *validity) add(valid bool) {
	if v.n&7 == 0 {
		v.bits = append(v.bits, 0)
	}
	if valid {
		v.bits[v.n>>3] |= 1 << (v.n & 7)
	} else {
		v.nulls++
	}
	v.n++
}

// buffer returns the bitmap as an Arrow buffer, or nil when no value is
// NULL (Arrow's way of saying so).
func (v *validity) buffer(mem memory.Allocator) *memory.Buffer {
	if v.nulls == 0 {
		return nil
	}
	return copyBuffer(mem, v.bits)
}

func (v *validity) reset() { v.bits, v.n, v.nulls = v.bits[:0], 0, 0 }

// copyBuffer returns a buffer from mem holding a copy of b.
func copyBuffer(mem memory.Allocator, b []byte) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(b))
	copy(buf.Bytes(), b)
	return buf
}

// makeArray returns the array of dt made of buffers, and releases the
// buffers (the array holds them).
func makeArray(dt arrow.DataType, n, nulls int, buffers ...*memory.Buffer) arrow.Array {
	data := array.NewData(dt, n, buffers, nil, nulls, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// stringColumn accumulates a string (utf8) column.
type stringColumn struct {
	validity
	offsets []int32 // n+1 once a value was appended
	data    []byte
}

// Append appends s, also when empty.
func (c *stringColumn) Append(s string) {
	if len(c.offsets) == 0 {
		c.offsets = append(c.offsets, 0)
	}
	c.data = append(c.data, s...)
	c.offsets = append(c.offsets, int32(len(c.data)))
	c.add(true)
}

// AppendNull appends a NULL.
func (c *stringColumn) AppendNull() {
	if len(c.offsets) == 0 {
		c.offsets = append(c.offsets, 0)
	}
	c.offsets = append(c.offsets, int32(len(c.data)))
	c.add(false)
}

func (c *stringColumn) build(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	if len(c.offsets) == 0 {
		c.offsets = append(c.offsets, 0)
	}
	a := makeArray(dt, c.n, c.nulls, c.buffer(mem),
		copyBuffer(mem, arrow.Int32Traits.CastToBytes(c.offsets)), copyBuffer(mem, c.data))
	c.reset()
	c.offsets, c.data = c.offsets[:0], c.data[:0]
	return a
}

// loadColumn accumulates a column whose values are the load's (load_id,
// source_file: schema.Column.ByLoad), the same string row after row, as
// an Arrow dictionary: each distinct run's string once and an index per
// row, instead of a copy of the string per row.
type loadColumn struct {
	values []string
	idx    []int32
}

// Append appends s.
func (c *loadColumn) Append(s string) {
	if n := len(c.values); n == 0 || c.values[n-1] != s {
		c.values = append(c.values, s)
	}
	c.idx = append(c.idx, int32(len(c.values)-1))
}

func (c *loadColumn) build(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	var dict stringColumn
	for _, v := range c.values {
		dict.Append(v)
	}
	values := dict.build(mem, dt.(*arrow.DictionaryType).ValueType)
	defer values.Release()
	indices := makeArray(arrow.PrimitiveTypes.Int32, len(c.idx), 0, nil, copyBuffer(mem, arrow.Int32Traits.CastToBytes(c.idx)))
	defer indices.Release()
	c.values, c.idx = c.values[:0], c.idx[:0]
	return array.NewDictionaryArray(dt, indices, values)
}

// fixedColumn accumulates a column of fixed-width values: int64, float64,
// date32 (days, int32) and timestamp (microseconds, int64).
type fixedColumn[T int32 | int64 | float64] struct {
	validity
	values []T
}

// Append appends v.
func (c *fixedColumn[T]) Append(v T) {
	c.values = append(c.values, v)
	c.add(true)
}

// AppendNull appends a NULL (its slot holds zero).
func (c *fixedColumn[T]) AppendNull() {
	c.values = append(c.values, 0)
	c.add(false)
}

func (c *fixedColumn[T]) build(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	a := makeArray(dt, c.n, c.nulls, c.buffer(mem), copyBuffer(mem, fixedBytes(c.values)))
	c.reset()
	c.values = c.values[:0]
	return a
}

// fixedBytes returns the bytes of vs, in the machine's (little-endian)
// order, as Arrow lays them out.
func fixedBytes[T int32 | int64 | float64](vs []T) []byte {
	switch vs := any(vs).(type) {
	case []int32:
		return arrow.Int32Traits.CastToBytes(vs)
	case []int64:
		return arrow.Int64Traits.CastToBytes(vs)
	case []float64:
		return arrow.Float64Traits.CastToBytes(vs)
	}
	panic("transform: fixedBytes of an unknown type")
}
