package transform

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/gzip"
)

// DefaultMaxLine is the default bound on the size of one input line.
const DefaultMaxLine = 64 << 20

// ExcerptLen is how many leading bytes of a rejected line are kept.
const ExcerptLen = 200

// LineTooLongError reports a line longer than the reader's limit. The line
// is skipped (its bytes are read and discarded, never buffered whole) and
// reading goes on with the next line.
type LineTooLongError struct {
	Limit   int
	Excerpt []byte // first ExcerptLen bytes of the line
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line longer than the %d-byte limit (--max-line)", e.Limit)
}

// LineReader yields the lines of NDJSON input one at a time, transparently
// decompressing gzip (recognised by its magic bytes, not the file name).
// Memory is bounded by the line limit whatever the input size.
type LineReader struct {
	br      *bufio.Reader
	gz      *gzip.Reader
	guard   *bombGuard // counts what gz gives
	max     int
	buf     []byte
	line    int64
	whole   bool // the input is one JSON document, not NDJSON
	done    bool
	excerpt []byte
	digest  *digestReader // content digest, when asked for
}

// NewLineReader returns a reader over r. maxLine bounds a line's length
// (DefaultMaxLine when <= 0). When whole is true the entire input is one
// resource (a pretty-printed .json file) and is returned as line 1.
func NewLineReader(r io.Reader, maxLine int, whole bool) (*LineReader, error) {
	return newLineReader(r, maxLine, whole, false)
}

// NewDigestLineReader is NewLineReader that also computes the SHA-256 and
// length of the content it reads (decompressed, when gzip), for checking a
// file against the AB2D manifest while it is loaded; see Digest.
func NewDigestLineReader(r io.Reader, maxLine int, whole bool) (*LineReader, error) {
	return newLineReader(r, maxLine, whole, true)
}

func newLineReader(r io.Reader, maxLine int, whole, digest bool) (*LineReader, error) {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	br := bufio.NewReaderSize(r, 1<<20)
	lr := &LineReader{br: br, max: maxLine, whole: whole}
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var content io.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		in := &byteCounter{r: br}
		gz, err := gzip.NewReader(in)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w", err)
		}
		lr.gz = gz
		lr.guard = &bombGuard{r: gz, in: in}
		content = lr.guard
	}
	if digest {
		lr.digest = &digestReader{r: content, h: sha256.New()}
		content = lr.digest
	}
	if content != io.Reader(br) {
		lr.br = bufio.NewReaderSize(content, 1<<20)
	}
	return lr, nil
}

// digestReader hashes and counts what passes through it.
type digestReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.h.Write(p[:n]) // hash.Hash.Write never fails
	d.n += int64(n)
	return n, err
}

// Digest returns the hex SHA-256 and the length of the content read so far
// (all of it once Next has returned io.EOF). It is empty for a reader not
// made by NewDigestLineReader.
func (r *LineReader) Digest() (sha256Hex string, length int64) {
	if r.digest == nil {
		return "", 0
	}
	return hex.EncodeToString(r.digest.h.Sum(nil)), r.digest.n
}

// Gzip bomb guard: NDJSON of EOBs compresses 8–20×. Past bombFloor bytes
// of output, a stream that expands more than bombRatio× its input is
// refused instead of being read to the end.
const (
	bombFloor = 256 << 20
	bombRatio = 200
)

// ErrGzipBomb reports a gzip stream whose expansion exceeds the guard.
var ErrGzipBomb = errors.New("gzip bomb")

type byteCounter struct {
	r io.Reader
	n int64
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type bombGuard struct {
	r   io.Reader
	in  *byteCounter
	out int64
}

func (g *bombGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.out > bombFloor && g.out > bombRatio*g.in.n {
		return n, fmt.Errorf("%w: %d MiB from %d KiB of gzip (over %d×); refusing the file", ErrGzipBomb, g.out>>20, g.in.n>>10, bombRatio)
	}
	return n, err
}

// Peek returns up to n bytes of the content ahead (decompressed) without
// consuming them: what the input starts with, to tell what it is.
func (r *LineReader) Peek(n int) []byte {
	b, _ := r.br.Peek(n) // fewer bytes at the end of the input, or on an error Next reports
	return b
}

// Gzip reports whether the input was gzip-compressed.
func (r *LineReader) Gzip() bool { return r.gz != nil }

// Decompressed returns how many bytes gzip input has decompressed to so
// far: the NDJSON's size once Next has returned io.EOF. It is 0 for input
// that is not gzip, whose size is the file's.
func (r *LineReader) Decompressed() int64 {
	if r.guard == nil {
		return 0
	}
	return r.guard.out
}

// Next returns the next non-blank line (without its line ending) and its
// 1-based number. The returned slice is valid until the next call. At the end
// of input it returns io.EOF. A line over the limit yields a
// *LineTooLongError with the line number; the caller may continue. Any other
// error (a corrupt gzip stream, an I/O error) is fatal for the input.
func (r *LineReader) Next() ([]byte, int64, error) {
	for {
		if r.done {
			return nil, r.line, io.EOF
		}
		var line []byte
		var err error
		if r.whole {
			line, err = r.readWhole()
		} else {
			line, err = r.readLine()
		}
		if err != nil {
			return nil, r.line, err
		}
		if line == nil {
			continue
		}
		return line, r.line, nil
	}
}

// readLine reads one line; it returns (nil, nil) for a blank line.
func (r *LineReader) readLine() ([]byte, error) {
	r.line++
	r.buf = r.buf[:0]
	tooLong := false
	var data []byte // the line: in r.buf, or in the reader's buffer when it was whole there
	for first := true; ; first = false {
		chunk, err := r.br.ReadSlice('\n')
		if first && err == nil && len(chunk) <= r.max+2 {
			// The whole line is in the reader's buffer: no copy. It stays
			// valid until the next read, as Next promises.
			data = chunk
			break
		}
		if !tooLong {
			if len(r.buf)+len(chunk) > r.max+2 { // +2: the line ending is not content
				tooLong = true
				r.excerpt = append(r.excerpt[:0], r.buf[:min(len(r.buf), ExcerptLen)]...)
				if n := ExcerptLen - len(r.excerpt); n > 0 {
					r.excerpt = append(r.excerpt, chunk[:min(len(chunk), n)]...)
				}
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			r.done = true
		default:
			return nil, fmt.Errorf("line %d: %w", r.line, err)
		}
		break
	}
	if data == nil {
		data = r.buf
	}
	line := bytes.TrimRight(data, "\r\n")
	if !tooLong && len(line) > r.max {
		tooLong = true
		r.excerpt = append(r.excerpt[:0], line[:min(len(line), ExcerptLen)]...)
	}
	if tooLong {
		return nil, &LineTooLongError{Limit: r.max, Excerpt: r.excerpt}
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, nil
	}
	return line, nil
}

// readWhole reads the entire input as one line (a single JSON document).
func (r *LineReader) readWhole() ([]byte, error) {
	r.line, r.done = 1, true
	var err error
	r.buf, err = io.ReadAll(io.LimitReader(r.br, int64(r.max)+1))
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	if len(r.buf) > r.max {
		r.excerpt = append(r.excerpt[:0], r.buf[:min(len(r.buf), ExcerptLen)]...)
		r.buf = nil
		if _, err := io.Copy(io.Discard, r.br); err != nil {
			return nil, fmt.Errorf("line 1: %w", err)
		}
		return nil, &LineTooLongError{Limit: r.max, Excerpt: r.excerpt}
	}
	if len(bytes.TrimSpace(r.buf)) == 0 {
		return nil, io.EOF
	}
	return r.buf, nil
}

// Close releases the gzip reader, reporting a checksum error if the stream
// was read to the end and found corrupt.
func (r *LineReader) Close() error {
	if r.gz != nil {
		return r.gz.Close()
	}
	return nil
}
