package transform

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestRecycler: buffers come back zeroed and of the size asked, whether
// new or freed before (whether a freed one is reused is sync.Pool's
// choice), and keep their contents when they grow.
func TestRecycler(t *testing.T) {
	var r Recycler
	for _, n := range []int{0, 1, 64, 65, 1000, 1 << 20, 1<<26 + 1} {
		b := r.Allocate(n)
		if len(b) != n {
			t.Fatalf("Allocate(%d): %d bytes", n, len(b))
		}
		for i := range b {
			b[i] = 0xff
		}
		r.Free(b)
		again := r.Allocate(n)
		for i, x := range again {
			if x != 0 {
				t.Fatalf("Allocate(%d) after Free: byte %d is %#x, want 0", n, i, x)
			}
		}
		for i := range again {
			again[i] = byte(i%251 + 1)
		}
		grown := r.Reallocate(2*n+10, again)
		if len(grown) != 2*n+10 {
			t.Fatalf("Reallocate: %d bytes", len(grown))
		}
		for i, x := range grown {
			if want := byte(0); i < n && x != byte(i%251+1) || i >= n && x != want {
				t.Fatalf("Reallocate(%d → %d): byte %d is %#x", n, 2*n+10, i, x)
			}
		}
	}
	b := r.Allocate(100)
	b[99] = 7
	g := r.Reallocate(5000, b)
	if g[99] != 7 || g[4999] != 0 {
		t.Errorf("Reallocate lost or dirtied contents")
	}
	// Arrow builders on it: the same values as on Go's allocator.
	mem := memory.NewCheckedAllocator(&r)
	defer mem.AssertSize(t, 0)
	for range 3 {
		sb := array.NewStringBuilder(mem)
		for i := range 1000 {
			if i%3 == 0 {
				sb.AppendNull()
			} else {
				sb.Append("x")
			}
		}
		a := sb.NewArray()
		if a.NullN() != 334 || a.Len() != 1000 {
			t.Errorf("%d nulls of %d", a.NullN(), a.Len())
		}
		a.Release()
		sb.Release()
	}
}
