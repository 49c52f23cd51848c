package load

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
)

// TestSmallZstd checks that the small-window encoder's pages decode to
// what was encoded and are exactly as small as arrow-go's for pages up to
// the window (UseSmallZstdWindow's promise that the files keep their
// size), and that other levels are left to arrow-go.
func TestSmallZstd(t *testing.T) {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	lib := c.(compress.ErrorCodec)
	if s, ok := lib.(*smallZstd); ok { // registered by another test
		lib = s.ErrorCodec
	}
	z := &smallZstd{ErrorCodec: lib, level: parquetZstdLevel}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 100, 64 << 10, 300 << 10, zstdWindow} {
		// A page-like input: repeated claim-like values with some noise.
		var src []byte
		for len(src) < n {
			src = fmt.Appendf(src, "eob-%d,99213,https://bluebutton.cms.gov/resources/codesystem/hcpcs,%d;", rng.IntN(5000), rng.IntN(10))
		}
		src = src[:n]
		for _, level := range []int{parquetZstdLevel, 3} {
			got := z.EncodeLevel(nil, src, level)
			want := lib.EncodeLevel(nil, src, level)
			if len(got) != len(want) {
				t.Errorf("%d bytes at level %d: %d compressed, arrow-go's codec %d", n, level, len(got), len(want))
			}
			back, err := z.DecodeWithError(nil, got)
			if err != nil || !bytes.Equal(back, src) {
				t.Errorf("%d bytes at level %d: decoded %d bytes (%v), not the input", n, level, len(back), err)
			}
		}
	}
}

// TestUseSmallZstdWindow checks that the codec is registered for zstd, and
// that registering it twice does not wrap it in itself.
func TestUseSmallZstdWindow(t *testing.T) {
	for range 2 {
		if err := UseSmallZstdWindow(); err != nil {
			t.Fatal(err)
		}
	}
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.(*smallZstd)
	if !ok {
		t.Fatalf("the zstd codec is %T, want *smallZstd", c)
	}
	if _, wrapped := s.ErrorCodec.(*smallZstd); wrapped {
		t.Error("a second call wrapped the codec in itself")
	}
}
