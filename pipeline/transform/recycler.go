package transform

import (
	"math/bits"
	"sync"
)

// Recycler is an Arrow memory allocator that keeps the buffers it is given
// back (when a record is released) and hands them out again, zeroed, so
// that the column buffers of batch after batch do not become garbage: the
// builders of the flatten workers allocate what the table writers free.
// Buffers are kept by power-of-two size class, from 64 bytes to 64 MiB,
// in sync.Pools, which the garbage collector empties when they idle. Safe
// for concurrent use.
type Recycler struct {
	pools [numClasses]sync.Pool // of *[]byte, by class
}

const (
	minClassShift = 6  // 64 bytes: Arrow's alignment
	maxClassShift = 26 // 64 MiB: larger buffers are not kept
	numClasses    = maxClassShift - minClassShift + 1
)

// class returns the size class of n bytes, or -1 when too large to keep.
func class(n int) int {
	if n <= 1<<minClassShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minClassShift
	if c >= numClasses {
		return -1
	}
	return c
}

// Allocate returns size zeroed bytes.
func (r *Recycler) Allocate(size int) []byte {
	c := class(size)
	if c < 0 {
		return make([]byte, size)
	}
	if p, ok := r.pools[c].Get().(*[]byte); ok {
		b := (*p)[:size]
		clear(b)
		return b
	}
	return make([]byte, size, 1<<(c+minClassShift))
}

// Reallocate returns b grown (or shrunk) to size bytes, its contents kept
// and what is new zeroed.
func (r *Recycler) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := r.Allocate(size)
	copy(nb, b)
	r.Free(b)
	return nb
}

// Free keeps b for reuse, when it is a buffer of a size class.
func (r *Recycler) Free(b []byte) {
	c := class(cap(b))
	if c < 0 || cap(b) != 1<<(c+minClassShift) {
		return // not one of ours: the garbage collector takes it
	}
	b = b[:0]
	r.pools[c].Put(&b)
}
