package pqwriter

import (
	"encoding/binary"
	"math/bits"
)

// minRepeat is the shortest run of one value that appendHybrid writes as
// a repeated run rather than bit-packed: a bit-packed group holds 8.
const minRepeat = 8

// appendHybrid appends vs in Parquet's RLE/bit-packing hybrid encoding at
// the given bit width (definition levels, dictionary indices): runs of
// minRepeat or more equal values as repeated runs, the rest bit-packed in
// groups of 8, the last group padded with zeros (a reader stops at the
// page's value count).
// https://parquet.apache.org/docs/file-format/data-pages/encodings/#run-length-encoding--bit-packing-hybrid-rle--3
func appendHybrid[T uint8 | uint32](dst []byte, vs []T, width int) []byte {
	lit := 0 // vs[lit:i] are waiting to be bit-packed
	i := 0
	for i < len(vs) {
		v, j := vs[i], i+1
		for j < len(vs) && vs[j] == v {
			j++
		}
		if j-i < minRepeat {
			i = j
			continue
		}
		// A bit-packed run holds whole groups of 8: the run lends the
		// values that complete the last one.
		if pad := (8 - (i-lit)%8) % 8; i > lit && pad > 0 {
			i += pad
		}
		if i > lit {
			dst = appendPacked(dst, vs[lit:i], width)
		}
		if j > i {
			dst = binary.AppendUvarint(dst, uint64(j-i)<<1)
			for b := 0; b < (width+7)/8; b++ {
				dst = append(dst, byte(v>>(8*b)))
			}
		}
		i, lit = j, j
	}
	if lit < len(vs) {
		dst = appendPacked(dst, vs[lit:], width)
	}
	return dst
}

// appendPacked appends vs as one bit-packed run: its header, then the
// values' low width bits, least significant first, in groups of 8 (the
// last padded with zeros).
func appendPacked[T uint8 | uint32](dst []byte, vs []T, width int) []byte {
	groups := (len(vs) + 7) / 8
	dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
	var acc uint64 // bits not yet appended, the first in the low bits
	n := 0         // the number of those bits
	for k := range groups * 8 {
		var v T
		if k < len(vs) {
			v = vs[k]
		}
		acc |= uint64(v) << n
		n += width
		for n >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	return dst // groups of 8 values of width bits end on a byte
}

// bitWidth is the number of bits needed for the values 0 to n.
func bitWidth(n uint32) int { return bits.Len32(n) }
