package pqwriter

import "encoding/binary"

// Thrift's compact protocol, as Parquet's page headers and footer use it:
// only what the writer emits (structs, i32, i64, binary, bool, lists).
// https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md

// Compact protocol type codes.
const (
	ctTrue   = 1
	ctFalse  = 2
	ctByte   = 3
	ctI32    = 5
	ctI64    = 6
	ctBinary = 8
	ctList   = 9
	ctStruct = 12
)

// thriftWriter appends a compact-protocol encoding to buf. Structs nest:
// each remembers the last field id of the one it is in.
type thriftWriter struct {
	buf   []byte
	last  int16   // the last field id written in the current struct
	outer []int16 // the last field ids of the enclosing structs
}

func (t *thriftWriter) uvarint(v uint64) { t.buf = binary.AppendUvarint(t.buf, v) }

func (t *thriftWriter) zigzag(v int64) { t.uvarint(uint64((v << 1) ^ (v >> 63))) }

// field writes the header of field id of compact type typ.
func (t *thriftWriter) field(id int16, typ byte) {
	if d := id - t.last; d > 0 && d <= 15 {
		t.buf = append(t.buf, byte(d)<<4|typ)
	} else {
		t.buf = append(t.buf, typ)
		t.zigzag(int64(id))
	}
	t.last = id
}

func (t *thriftWriter) byte(id int16, v int8) { t.field(id, ctByte); t.buf = append(t.buf, byte(v)) }

func (t *thriftWriter) i32(id int16, v int32) { t.field(id, ctI32); t.zigzag(int64(v)) }

func (t *thriftWriter) i64(id int16, v int64) { t.field(id, ctI64); t.zigzag(v) }

func (t *thriftWriter) binary(id int16, v []byte) {
	t.field(id, ctBinary)
	t.uvarint(uint64(len(v)))
	t.buf = append(t.buf, v...)
}

func (t *thriftWriter) string(id int16, v string) {
	t.field(id, ctBinary)
	t.uvarint(uint64(len(v)))
	t.buf = append(t.buf, v...)
}

func (t *thriftWriter) bool(id int16, v bool) {
	if v {
		t.field(id, ctTrue)
	} else {
		t.field(id, ctFalse)
	}
}

// list writes the header of field id, a list of n elements of compact type
// elem, which follow.
func (t *thriftWriter) list(id int16, elem byte, n int) {
	t.field(id, ctList)
	if n < 15 {
		t.buf = append(t.buf, byte(n)<<4|elem)
	} else {
		t.buf = append(t.buf, 0xf0|elem)
		t.uvarint(uint64(n))
	}
}

// begin starts a struct: as field id of the current one, or, with id 0, as
// a list element.
func (t *thriftWriter) begin(id int16) {
	if id != 0 {
		t.field(id, ctStruct)
	}
	t.outer = append(t.outer, t.last)
	t.last = 0
}

// end ends the struct begun last.
func (t *thriftWriter) end() {
	t.buf = append(t.buf, 0) // stop
	t.last = t.outer[len(t.outer)-1]
	t.outer = t.outer[:len(t.outer)-1]
}
