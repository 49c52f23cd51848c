package pqwriter

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Parquet's enums, as the footer and page headers carry them.
const (
	typeInt32     = 1
	typeInt64     = 2
	typeDouble    = 5
	typeByteArray = 6

	convertedUTF8            = 0
	convertedDate            = 6
	convertedTimestampMicros = 10
	convertedInt64           = 18

	encPlain         = 0
	encRLE           = 3
	encRLEDictionary = 8

	codecUncompressed = 0
	codecZstd         = 6

	pageData       = 0
	pageDictionary = 2
)

// kind is how a column's values are read from Arrow and encoded.
type kind uint8

const (
	kindString    kind = iota // BYTE_ARRAY, UTF8
	kindInt64                 // INT64
	kindFloat64               // DOUBLE
	kindDate32                // INT32, DATE
	kindTimestamp             // INT64, TIMESTAMP(MICROS)
)

// column encodes one column of the open row group: the values of its open
// page, then its compressed pages until the row group is written.
type column struct {
	name     string
	kind     kind
	utc      bool // timestamps: adjusted to UTC
	optional bool
	opts     *Options

	// The open page.
	rows     int          // rows in the page
	defs     []uint8      // definition levels (optional columns): 1 a value, 0 a null
	pageNull int          // nulls among them
	plain    []byte       // PLAIN values
	idx      []uint32     // dictionary indices, when dictionary-encoding
	levels   []byte       // scratch: the definition levels encoded
	header   thriftWriter // scratch: a page header

	// The column chunk.
	pages      []byte // the data pages written, headers and all
	values     int64  // levels in the chunk (rows)
	size, comp int64  // uncompressed and compressed page bytes, headers included
	nulls      int64
	dictOn     bool              // still dictionary-encoding this chunk
	dictUsed   bool              // some page of the chunk is dictionary-encoded
	dict       map[string]uint32 // the chunk's dictionary; nil for a column not dictionary-encoded
	dictKeys   []string          // its entries by index
	dictPlain  []byte            // the same, PLAIN-encoded
	lastKey    string            // the entry looked up last
	lastIdx    uint32
	haveLast   bool
	st         stats
}

// stats are a chunk's min and max (of the values written PLAIN: a
// dictionary's entries are added when the chunk is written).
type stats struct {
	have       bool
	minB, maxB []byte
	minI, maxI int64
	minF, maxF float64
}

func newColumn(f arrow.Field, dict bool, opts *Options) (*column, error) {
	c := &column{name: f.Name, optional: f.Nullable, opts: opts}
	switch t := f.Type.(type) {
	case *arrow.StringType:
		c.kind = kindString
	case *arrow.DictionaryType: // of strings: a string column, dictionary-encoded
		if !arrow.TypeEqual(t.ValueType, arrow.BinaryTypes.String) || !arrow.TypeEqual(t.IndexType, arrow.PrimitiveTypes.Int32) {
			return nil, fmt.Errorf("pqwriter: column %s: type %s is not supported (dictionaries of strings with int32 indices are)", f.Name, f.Type)
		}
		c.kind, dict = kindString, true
	case *arrow.Int64Type:
		c.kind = kindInt64
	case *arrow.Float64Type:
		c.kind = kindFloat64
	case *arrow.Date32Type:
		c.kind = kindDate32
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond {
			return nil, fmt.Errorf("pqwriter: column %s: timestamps in %s, want microseconds", f.Name, t.Unit)
		}
		c.kind, c.utc = kindTimestamp, t.TimeZone != ""
	default:
		return nil, fmt.Errorf("pqwriter: column %s: type %s is not supported", f.Name, f.Type)
	}
	if dict {
		if c.kind != kindString {
			return nil, fmt.Errorf("pqwriter: column %s: dictionary encoding is for strings", f.Name)
		}
		c.dict, c.dictOn = map[string]uint32{}, true // a non-nil dict: asked for
	}
	return c, nil
}

// append adds rows [from, to) of a.
func (c *column) append(a arrow.Array, from, to int) error {
	if a.NullN() > 0 && !c.optional {
		return fmt.Errorf("pqwriter: column %s is required but has nulls", c.name)
	}
	if d, ok := a.(*array.Dictionary); ok {
		return c.appendDictionary(d, from, to)
	}
	var want kind
	var put func(i int) // puts the value of row i
	switch x := a.(type) {
	case *array.String:
		off, data := x.ValueOffsets(), x.ValueBytes()
		base := int(off[0]) // ValueBytes starts at the array's first value
		want, put = kindString, func(i int) { c.putString(data[int(off[i])-base : int(off[i+1])-base]) }
	case *array.Int64:
		vs := x.Int64Values()
		want, put = kindInt64, func(i int) { c.putInt64(vs[i]) }
	case *array.Timestamp:
		vs := x.TimestampValues()
		want, put = kindTimestamp, func(i int) { c.putInt64(int64(vs[i])) }
	case *array.Date32:
		vs := x.Date32Values()
		want, put = kindDate32, func(i int) { c.putInt32(int32(vs[i])) }
	case *array.Float64:
		vs := x.Float64Values()
		want, put = kindFloat64, func(i int) { c.putFloat64(vs[i]) }
	}
	if put == nil || want != c.kind {
		return fmt.Errorf("pqwriter: column %s: array of %s", c.name, a.DataType())
	}
	if a.NullN() > 0 || c.dictOn {
		for i := from; i < to; i++ {
			if a.IsNull(i) {
				c.null()
				continue
			}
			c.level()
			put(i)
		}
	} else {
		c.present(to - from)
		c.putAll(a, from, to)
	}
	if len(c.plain)+4*len(c.idx) >= c.opts.PageBytes {
		c.flushPage()
	}
	return nil
}

// level records a value's definition level; null a null's.
func (c *column) level() {
	c.rows++
	if c.optional {
		c.defs = append(c.defs, 1)
	}
}

// appendDictionary adds rows [from, to) of an Arrow dictionary of
// strings: each entry of its dictionary is looked up in the chunk's once,
// then its rows cost an index each (unless the chunk's dictionary fills
// and the chunk goes on in PLAIN, see putString).
func (c *column) appendDictionary(a *array.Dictionary, from, to int) error {
	values, ok := a.Dictionary().(*array.String)
	indices, iok := a.Indices().(*array.Int32)
	if !ok || !iok || c.kind != kindString {
		return fmt.Errorf("pqwriter: column %s: array of %s", c.name, a.DataType())
	}
	off, data := values.ValueOffsets(), values.ValueBytes()
	base := int(off[0])
	chunk := make([]int64, values.Len()) // 1 + the entry's index in the chunk's dictionary; 0 until looked up
	for i := from; i < to; i++ {
		if a.IsNull(i) {
			c.null()
			continue
		}
		c.level()
		e := indices.Value(i)
		if c.dictOn && chunk[e] > 0 {
			c.idx = append(c.idx, uint32(chunk[e]-1))
			continue
		}
		c.putString(data[int(off[e])-base : int(off[e+1])-base])
		if c.dictOn {
			chunk[e] = int64(c.lastIdx) + 1
		}
	}
	if len(c.plain)+4*len(c.idx) >= c.opts.PageBytes {
		c.flushPage()
	}
	return nil
}

// present records the definition levels of n values.
func (c *column) present(n int) {
	c.rows += n
	if c.optional {
		c.defs = slices.Grow(c.defs, n)
		for range n {
			c.defs = append(c.defs, 1)
		}
	}
}

// putAll puts the values of rows [from, to) of a, which has no nulls, into
// a column that is not dictionary-encoding: append's loop without a call
// per value.
func (c *column) putAll(a arrow.Array, from, to int) {
	switch x := a.(type) {
	case *array.String:
		off, data := x.ValueOffsets(), x.ValueBytes()
		base := int(off[0])
		c.plain = slices.Grow(c.plain, 4*(to-from)+int(off[to]-off[from]))
		for i := from; i < to; i++ {
			v := data[int(off[i])-base : int(off[i+1])-base]
			c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(len(v)))
			c.plain = append(c.plain, v...)
			c.st.string(v)
		}
	case *array.Int64:
		putInt64s(c, x.Int64Values()[from:to])
	case *array.Timestamp:
		putInt64s(c, x.TimestampValues()[from:to])
	case *array.Date32:
		vs := x.Date32Values()[from:to]
		c.plain = slices.Grow(c.plain, 4*len(vs))
		for _, v := range vs {
			c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(v))
			c.st.int(int64(v))
		}
	case *array.Float64:
		vs := x.Float64Values()[from:to]
		c.plain = slices.Grow(c.plain, 8*len(vs))
		for _, v := range vs {
			c.putFloat64(v)
		}
	}
}

// putInt64s puts PLAIN int64 values: BIGINTs or timestamps.
func putInt64s[T ~int64](c *column, vs []T) {
	c.plain = slices.Grow(c.plain, 8*len(vs))
	for _, v := range vs {
		c.plain = binary.LittleEndian.AppendUint64(c.plain, uint64(v))
		c.st.int(int64(v))
	}
}

func (c *column) null() {
	c.rows++
	c.defs = append(c.defs, 0)
	c.pageNull++
}

func (c *column) putString(v []byte) {
	if c.dictOn {
		if c.haveLast && string(v) == c.lastKey {
			c.idx = append(c.idx, c.lastIdx)
			return
		}
		i, ok := c.dict[string(v)]
		if !ok {
			if len(c.dictPlain)+4+len(v) > c.opts.DictBytes {
				// The dictionary is full: the pages before this value
				// keep it, the chunk goes on in PLAIN.
				c.rows--
				if c.optional {
					c.defs = c.defs[:len(c.defs)-1]
				}
				c.flushPage()
				c.dictOn = false
				c.level()
				c.putString(v)
				return
			}
			i = uint32(len(c.dictKeys))
			k := string(v)
			c.dict[k] = i
			c.dictKeys = append(c.dictKeys, k)
			c.dictPlain = binary.LittleEndian.AppendUint32(c.dictPlain, uint32(len(v)))
			c.dictPlain = append(c.dictPlain, v...)
		}
		c.lastKey, c.lastIdx, c.haveLast = c.dictKeys[i], i, true
		c.idx = append(c.idx, i)
		return
	}
	c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(len(v)))
	c.plain = append(c.plain, v...)
	c.st.string(v)
}

func (s *stats) string(v []byte) {
	switch {
	case !s.have:
		s.minB, s.maxB, s.have = append(s.minB[:0], v...), append(s.maxB[:0], v...), true
	case bytes.Compare(v, s.minB) < 0:
		s.minB = append(s.minB[:0], v...)
	case bytes.Compare(v, s.maxB) > 0:
		s.maxB = append(s.maxB[:0], v...)
	}
}

func (c *column) putInt64(v int64) {
	c.plain = binary.LittleEndian.AppendUint64(c.plain, uint64(v))
	c.st.int(v)
}

func (c *column) putInt32(v int32) {
	c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(v))
	c.st.int(int64(v))
}

func (s *stats) int(v int64) {
	if !s.have {
		s.minI, s.maxI, s.have = v, v, true
		return
	}
	s.minI, s.maxI = min(s.minI, v), max(s.maxI, v)
}

func (c *column) putFloat64(v float64) {
	c.plain = binary.LittleEndian.AppendUint64(c.plain, math.Float64bits(v))
	if math.IsNaN(v) { // NaN has no place in an order: not in the statistics
		return
	}
	if !c.st.have {
		c.st.minF, c.st.maxF, c.st.have = v, v, true
		return
	}
	c.st.minF, c.st.maxF = min(c.st.minF, v), max(c.st.maxF, v)
}

// flushPage compresses the open page and adds it to the chunk. The page
// is built in the column's own buffers, so that a Writer holds no page
// twice: definition levels (their length, then the hybrid runs) before the
// PLAIN values, moved up for them, or before the dictionary indices.
func (c *column) flushPage() {
	if c.rows == 0 {
		return
	}
	lv := 0
	if c.optional {
		c.levels = appendLevels(c.levels[:0], c.defs, c.pageNull)
		lv = 4 + len(c.levels)
	}
	enc := int32(encPlain)
	body := c.plain
	if len(c.idx) > 0 || (c.dictOn && len(c.plain) == 0) {
		enc = encRLEDictionary
		c.dictUsed = true
		w := 1 // as arrow-go: 1 for dictionaries of one entry or none
		if n := len(c.dictKeys); n > 1 {
			w = bitWidth(uint32(n - 1))
		}
		body = append(slices.Grow(body[:0], lv)[:lv], byte(w))
		body = appendHybrid(body, c.idx, w)
	} else if lv > 0 {
		n := len(body)
		body = slices.Grow(body, lv)[:n+lv]
		copy(body[lv:], body[:n])
	}
	if lv > 0 {
		binary.LittleEndian.PutUint32(body, uint32(len(c.levels)))
		copy(body[4:], c.levels)
	}
	var header, comp int
	c.pages, header, comp = c.appendPage(c.pages, body, func(t *thriftWriter, comp int) {
		t.i32(1, pageData)
		t.i32(2, int32(len(body)))
		t.i32(3, int32(comp))
		t.begin(5)
		t.i32(1, int32(c.rows))
		t.i32(2, enc)
		t.i32(3, encRLE)
		t.i32(4, encRLE)
		t.end()
	})
	c.size += int64(header + len(body))
	c.comp += int64(header + comp)
	c.values += int64(c.rows)
	c.nulls += int64(c.pageNull)

	c.rows, c.pageNull = 0, 0
	c.plain = body[:0]
	c.defs, c.idx = c.defs[:0], c.idx[:0]
}

// maxPageHeader is more than the bytes of any PageHeader this package
// writes (two small structs of a few 32-bit integers).
const maxPageHeader = 64

// appendPage appends a page of body to dst: its PageHeader, whose fields
// fields writes given the compressed size, then body compressed. It
// returns the header's and the compressed body's sizes.
func (c *column) appendPage(dst, body []byte, fields func(t *thriftWriter, comp int)) (_ []byte, header, comp int) {
	start := len(dst)
	dst = slices.Grow(dst, maxPageHeader+len(body)/2)[:start+maxPageHeader]
	if c.opts.Zstd != nil {
		dst = c.opts.Zstd.EncodeAll(body, dst)
	} else {
		dst = append(dst, body...)
	}
	comp = len(dst) - start - maxPageHeader
	t := &c.header
	t.buf, t.last, t.outer = t.buf[:0], 0, t.outer[:0]
	t.begin(0)
	fields(t, comp)
	t.end()
	header = len(t.buf)
	copy(dst[start+header:], dst[start+maxPageHeader:]) // the body, up to its header
	copy(dst[start:], t.buf)
	return dst[:start+header+comp], header, comp
}

// appendLevels appends the definition levels of a page, which has nulls
// of them: one run when they are all values or all nulls.
func appendLevels(dst []byte, defs []uint8, nulls int) []byte {
	switch nulls {
	case 0:
		return append(binary.AppendUvarint(dst, uint64(len(defs))<<1), 1)
	case len(defs):
		return append(binary.AppendUvarint(dst, uint64(len(defs))<<1), 0)
	}
	return appendHybrid(dst, defs, 1)
}

// chunkMeta is what the footer says of a written column chunk.
type chunkMeta struct {
	offset     int64 // of the first page
	dictOffset int64 // of the dictionary page; -1 for none
	dataOffset int64 // of the first data page
	values     int64
	size, comp int64
	nulls      int64
	dict       bool   // dictionary-encoded pages
	lo, hi     []byte // the min and max as the footer holds them; nil for none
}

// flushChunk writes the column's chunk of the row group to w, and starts
// the next.
func (c *column) flushChunk(w *Writer) (chunkMeta, error) {
	c.flushPage()
	m := chunkMeta{offset: w.off, dictOffset: -1, values: c.values, nulls: c.nulls, dict: c.dictUsed}
	data := len(c.pages)
	if c.dictUsed { // the dictionary page, after the data pages in memory, first in the file
		for b := c.dictPlain; len(b) > 0; { // its entries, PLAIN: a length, the bytes
			n := 4 + int(binary.LittleEndian.Uint32(b))
			c.st.string(b[4:n])
			b = b[n:]
		}
		var header, comp int
		c.pages, header, comp = c.appendPage(c.pages, c.dictPlain, func(t *thriftWriter, comp int) {
			t.i32(1, pageDictionary)
			t.i32(2, int32(len(c.dictPlain)))
			t.i32(3, int32(comp))
			t.begin(7)
			t.i32(1, int32(len(c.dictKeys)))
			t.i32(2, encPlain)
			t.end()
		})
		c.size += int64(header + len(c.dictPlain))
		c.comp += int64(header + comp)
		m.dictOffset = w.off
		if err := w.write(c.pages[data:]); err != nil {
			return m, err
		}
	}
	m.dataOffset = w.off
	if err := w.write(c.pages[:data]); err != nil {
		return m, err
	}
	m.size, m.comp = c.size, c.comp
	m.lo, m.hi = c.st.encode(c.kind)

	c.pages, c.values, c.size, c.comp, c.nulls = c.pages[:0], 0, 0, 0, 0
	c.st = stats{minB: c.st.minB[:0], maxB: c.st.maxB[:0]} // m holds copies
	if c.dict != nil {
		clear(c.dict)
		c.dictKeys, c.dictPlain = c.dictKeys[:0], c.dictPlain[:0]
		c.haveLast, c.lastKey = false, ""
		c.dictOn, c.dictUsed = true, false
	}
	return m, nil
}

// schemaElement writes the column's SchemaElement.
func (c *column) schemaElement(t *thriftWriter) {
	t.begin(0)
	t.i32(1, c.physical())
	if c.optional {
		t.i32(3, 1) // OPTIONAL
	} else {
		t.i32(3, 0) // REQUIRED
	}
	t.string(4, c.name)
	switch c.kind {
	case kindString:
		t.i32(6, convertedUTF8)
		t.begin(10)
		t.begin(1) // STRING
		t.end()
		t.end()
	case kindInt64:
		t.i32(6, convertedInt64)
		t.begin(10)
		t.begin(10) // INTEGER
		t.byte(1, 64)
		t.bool(2, true)
		t.end()
		t.end()
	case kindDate32:
		t.i32(6, convertedDate)
		t.begin(10)
		t.begin(6) // DATE
		t.end()
		t.end()
	case kindTimestamp:
		if c.utc { // the converted type is for instants only
			t.i32(6, convertedTimestampMicros)
		}
		t.begin(10)
		t.begin(8) // TIMESTAMP
		t.bool(1, c.utc)
		t.begin(2) // unit
		t.begin(2) // MICROS
		t.end()
		t.end()
		t.end()
		t.end()
	}
	t.end()
}

// physical is the column's Parquet physical type.
func (c *column) physical() int32 {
	switch c.kind {
	case kindString:
		return typeByteArray
	case kindDate32:
		return typeInt32
	case kindFloat64:
		return typeDouble
	}
	return typeInt64
}

// chunkMetaData writes the ColumnChunk of a chunk written as m.
func (c *column) chunkMetaData(t *thriftWriter, m chunkMeta) {
	t.begin(0)
	t.i64(2, m.offset)
	t.begin(3)
	t.i32(1, c.physical())
	if m.dict {
		t.list(2, ctI32, 3)
		t.zigzag(encRLEDictionary)
	} else {
		t.list(2, ctI32, 2)
	}
	t.zigzag(encPlain)
	t.zigzag(encRLE)
	t.list(3, ctBinary, 1)
	t.uvarint(uint64(len(c.name)))
	t.buf = append(t.buf, c.name...)
	if c.opts.Zstd != nil {
		t.i32(4, codecZstd)
	} else {
		t.i32(4, codecUncompressed)
	}
	t.i64(5, m.values)
	t.i64(6, m.size)
	t.i64(7, m.comp)
	t.i64(9, m.dataOffset)
	if m.dictOffset >= 0 {
		t.i64(11, m.dictOffset)
	}
	t.begin(12)
	c.statistics(t, m)
	t.end()
	t.end()
	t.end()
}

// maxStatBytes bounds the string min and max a footer carries: a chunk
// with a longer one has none (readers then read it whatever the filter).
const maxStatBytes = 4096

// encode returns the min and max of a chunk of kind k as the footer
// holds them (little-endian numbers, string bytes), in new slices; nil
// when there are none, or when a string one passes maxStatBytes.
func (s *stats) encode(k kind) (lo, hi []byte) {
	if !s.have {
		return nil, nil
	}
	switch k {
	case kindString:
		if len(s.minB) > maxStatBytes || len(s.maxB) > maxStatBytes {
			return nil, nil
		}
		return bytes.Clone(s.minB), bytes.Clone(s.maxB)
	case kindDate32:
		return binary.LittleEndian.AppendUint32(nil, uint32(int32(s.minI))), binary.LittleEndian.AppendUint32(nil, uint32(int32(s.maxI)))
	case kindInt64, kindTimestamp:
		return binary.LittleEndian.AppendUint64(nil, uint64(s.minI)), binary.LittleEndian.AppendUint64(nil, uint64(s.maxI))
	}
	// Doubles: zeros as the format asks, -0 for a min and +0 for a max.
	mn, mx := s.minF, s.maxF
	if mn == 0 {
		mn = math.Copysign(0, -1)
	}
	if mx == 0 {
		mx = math.Copysign(0, 1)
	}
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(mn)), binary.LittleEndian.AppendUint64(nil, math.Float64bits(mx))
}

// statistics writes the fields of a chunk's Statistics.
func (c *column) statistics(t *thriftWriter, m chunkMeta) {
	if m.hi != nil && c.kind != kindString { // the deprecated max and min: signed order, the same
		t.binary(1, m.hi)
		t.binary(2, m.lo)
	}
	t.i64(3, m.nulls)
	if m.hi != nil {
		t.binary(5, m.hi)
		t.binary(6, m.lo)
	}
}
