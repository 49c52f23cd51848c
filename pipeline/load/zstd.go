package load

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// zstdWindow is the window of the encoders of UseSmallZstdWindow. A
// Parquet page is compressed on its own and holds about 1 MiB (arrow-go's
// default data page size, and its dictionary page limit), so a larger
// window finds nothing more to refer to.
const zstdWindow = 1 << 20

// UseSmallZstdWindow replaces arrow-go's zstd codec for Parquet pages with
// one whose encoders at level 1 (the level of the warehouse's files) use a
// 1 MiB window instead of zstd's default of 8 MiB. The files are the same
// size, but each pooled encoder keeps 2 MiB of history instead of 16, which
// took about 25 MB off the peak RSS of a 2 GB load. Decoding, other levels
// and streams are arrow-go's.
//
// arrow-go looks codecs up in a process-wide registry that is not safe for
// concurrent use: call this once, before any Parquet file is written or
// read, as main does.
func UseSmallZstdWindow() error {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		return err
	}
	if _, done := c.(*smallZstd); done {
		return nil
	}
	ec, ok := c.(compress.ErrorCodec)
	if !ok {
		return fmt.Errorf("arrow-go's zstd codec %T does not report decoding errors", c)
	}
	compress.RegisterCodec(compress.Codecs.Zstd, &smallZstd{ErrorCodec: ec, level: parquetZstdLevel})
	return nil
}

// smallZstd is arrow-go's zstd codec with encoders of a zstdWindow window
// at level.
type smallZstd struct {
	compress.ErrorCodec // arrow-go's, for all but EncodeLevel at level
	level               int
	pool                sync.Pool // of *zstd.Encoder
}

// EncodeLevel compresses src into dst[:0].
func (z *smallZstd) EncodeLevel(dst, src []byte, level int) []byte {
	if level != z.level {
		return z.ErrorCodec.EncodeLevel(dst, src, level)
	}
	enc, _ := z.pool.Get().(*zstd.Encoder)
	if enc == nil {
		var err error
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)), zstd.WithWindowSize(zstdWindow),
			// as arrow-go's encoders
			zstd.WithZeroFrames(true), zstd.WithEncoderConcurrency(1), zstd.WithAllLitEntropyCompression(true))
		if err != nil { // only for invalid options, which these are not
			return z.ErrorCodec.EncodeLevel(dst, src, level)
		}
	}
	defer z.pool.Put(enc)
	return enc.EncodeAll(src, dst[:0])
}
