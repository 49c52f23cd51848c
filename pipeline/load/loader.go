package load

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Options configure a Loader.
type Options struct {
	// Workers is the number of parallel flatten workers (default: GOMAXPROCS).
	Workers int
	// MaxLine bounds one input line (default transform.DefaultMaxLine).
	MaxLine int
	// Force reloads files the ledger already holds.
	Force bool
	// RunID is recorded in the ledger with every load.
	RunID string
	// JobID is the AB2D job the files came from, when known.
	JobID string
}

// Loader loads NDJSON files into a Warehouse, one file at a time, each as
// one all-or-nothing load.
type Loader struct {
	wh   *Warehouse
	opts Options
	mem  memory.Allocator

	onChunk func() // test hook: called after the reader hands out a chunk
}

// NewLoader returns a loader into wh.
func NewLoader(wh *Warehouse, opts Options) *Loader {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxLine <= 0 {
		opts.MaxLine = transform.DefaultMaxLine
	}
	return &Loader{wh: wh, opts: opts, mem: memory.DefaultAllocator}
}

// FileResult describes the load of one file.
type FileResult struct {
	Path    string
	LoadID  string // the new load, or the earlier one when Skipped
	Skipped bool   // already loaded (same sha256) and not forced
	SHA256  string
	Bytes   int64
	EOBs    int64 // ExplanationOfBenefit lines accepted
	Issues  int64 // OperationOutcome lines accepted
	Rejects int64
	Rows    map[string]int64 // rows written per table (Parquet, as delivered)
}

// NewID returns a sortable, unique id: UTC time plus random bits.
func NewID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return time.Now().UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

// chunk is a run of consecutive input lines, handed from the reader to a
// flatten worker. Lines are copied into one buffer to keep allocations few.
type chunk struct {
	seq  int
	buf  []byte
	ends []int   // end offset in buf of each line
	nums []int64 // line number of each line
	long []tooLong
}

type tooLong struct {
	line    int64
	err     *transform.LineTooLongError
	excerpt []byte
}

// Chunk and channel sizes. A chunk of about 1 MiB of NDJSON is large enough
// to amortise channel and record overhead, small enough that the handful in
// flight (workers + channel capacity) bound memory to a few tens of MiB.
const (
	chunkBytes = 1 << 20
	chunkLines = 2048
)

// LoadFile loads one file. It returns the result and a nil error when the
// file was loaded (or skipped); on error nothing of the file is visible in
// the warehouse and no temporary file is left behind.
func (l *Loader) LoadFile(ctx context.Context, path string) (FileResult, error) {
	return l.load(ctx, path, nil)
}

// Expect is what a file's content must be: the SHA-256 (hex) and length of
// its uncompressed bytes, as an AB2D manifest gives them. An empty SHA256
// or a negative Length is not checked.
type Expect struct {
	SHA256 string
	Length int64
}

// MismatchError reports a file whose content is not what was expected; it
// was not loaded.
type MismatchError struct {
	Path      string
	Want, Got Expect
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s does not match the manifest: %d bytes with sha256 %s, the manifest says %d bytes with sha256 %s; nothing of it was loaded",
		e.Path, e.Got.Length, e.Got.SHA256, e.Want.Length, e.Want.SHA256)
}

// LoadFileExpect loads a file that must match want, checking it while it is
// read: a file that does not is not committed and the error is a
// *MismatchError. This is how `run` verifies a download at no extra cost:
// the load inflates and reads every byte anyway.
func (l *Loader) LoadFileExpect(ctx context.Context, path string, want Expect) (FileResult, error) {
	return l.load(ctx, path, &want)
}

func (l *Loader) load(ctx context.Context, path string, want *Expect) (FileResult, error) {
	res := FileResult{Path: path, Rows: map[string]int64{}}
	fi, err := os.Stat(path)
	if err != nil {
		return res, err
	}
	res.Bytes = fi.Size()
	// The ledger decides by sha256 whether the file was loaded before. Only
	// a file the size of one already loaded can be; any other is hashed
	// while it is read, instead of in a pass of its own.
	if !l.opts.Force {
		same, err := l.wh.loadedSize(ctx, res.Bytes)
		if err != nil {
			return res, err
		}
		if same {
			if res.SHA256, _, err = hashFile(path); err != nil {
				return res, err
			}
			id, err := l.wh.LoadedAs(ctx, res.SHA256)
			if err != nil {
				return res, err
			}
			if id != "" {
				res.LoadID, res.Skipped = id, true
				return res, nil
			}
		}
	}
	res.LoadID = NewID()
	started := time.Now()

	writers := map[string]*tableWriter{}
	var tables []schema.Table
	for _, t := range l.wh.cat.ParquetTables() {
		tables = append(tables, t)
		writers[t.Name] = newTableWriter(l.wh.Dir, t, res.LoadID)
	}
	abort := func() {
		for _, tw := range writers {
			tw.abort()
		}
	}
	codes, err := newCodesWriter(l.wh.Dir, res.LoadID, l.wh.cat, l.mem)
	if err != nil {
		return res, err
	}
	defer codes.remove() // staged for the merge only
	if err := l.transform(ctx, path, &res, tables, writers, codes, want); err != nil {
		abort()
		return res, err
	}
	codesFile, err := codes.close()
	if err != nil {
		abort()
		return res, fmt.Errorf("%s: %w", path, err)
	}
	files := map[string]string{}
	for name, tw := range writers {
		if tw.rows > 0 {
			files[name] = tw.path
			res.Rows[name] = tw.rows
		}
	}
	rec := LoadRecord{
		LoadID: res.LoadID, RunID: l.opts.RunID, SourceFile: path, SHA256: res.SHA256, Bytes: res.Bytes,
		Rows: res.EOBs + res.Issues, Rejects: res.Rejects, StartedAt: started,
	}
	// The transform's buffers are garbage now; hand them back to the OS so
	// that DuckDB's merge does not stack on top of them (peak RSS).
	debug.FreeOSMemory()
	if err := l.wh.commit(ctx, rec, files, codesFile); err != nil {
		abort()
		return res, fmt.Errorf("%s: %w", path, err)
	}
	// Committed: publish the Parquet files. Interruption no longer matters
	// here; a crash before this point is finished by Open's recovery.
	for _, f := range files {
		if err := os.Rename(f, strings.TrimSuffix(f, tmpSuffix)); err != nil {
			return res, fmt.Errorf("%s: publish parquet: %w", path, err)
		}
	}
	return res, nil
}

// transform runs the stages for one file, connected by bounded channels in
// one errgroup:
//
//	read lines → flatten workers (×N) → order and fan out → one Parquet writer per table
//
// Every stage owns and closes its output channel, every send selects on the
// context, and the first error cancels the rest.
func (l *Loader) transform(ctx context.Context, path string, res *FileResult, tables []schema.Table, writers map[string]*tableWriter, codes *codesWriter, want *Expect) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() // read-only: a Close error cannot lose data
	var in io.Reader = f
	var h hash.Hash
	if res.SHA256 == "" {
		h = sha256.New()
		in = io.TeeReader(f, h)
	}
	newReader := transform.NewLineReader
	if want != nil {
		newReader = transform.NewDigestLineReader
	}
	lr, err := newReader(in, l.opts.MaxLine, isWholeJSON(path))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	base := filepath.Base(path)
	jobID := l.opts.JobID

	g, ctx := errgroup.WithContext(ctx)
	workers := l.opts.Workers
	chunks := make(chan *chunk, workers)  // one waiting per worker keeps them busy
	batches := make(chan *Batch, workers) // results waiting to be ordered
	perTable := make([]chan arrow.RecordBatch, len(tables))
	for i := range perTable {
		perTable[i] = make(chan arrow.RecordBatch, 2) // writers run in step with the fan-out
	}

	// Stage 1: read lines into chunks.
	g.Go(func() error {
		defer close(chunks)
		seq := 0
		c := &chunk{seq: seq}
		send := func() error {
			select {
			case chunks <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
			if l.onChunk != nil {
				l.onChunk()
			}
			seq++
			c = &chunk{seq: seq, buf: make([]byte, 0, chunkBytes+chunkBytes/4)}
			return nil
		}
		for {
			line, n, err := lr.Next()
			var tl *transform.LineTooLongError
			switch {
			case errors.Is(err, io.EOF):
				if len(c.ends) > 0 || len(c.long) > 0 {
					if err := send(); err != nil {
						return err
					}
				}
				if err := lr.Close(); err != nil {
					return fmt.Errorf("%s: corrupt gzip: %w", path, err)
				}
				if h != nil {
					// Hash what the reader left unread (e.g. gzip trailer padding).
					if _, err := io.Copy(h, f); err != nil {
						return fmt.Errorf("%s: %w", path, err)
					}
					res.SHA256 = hex.EncodeToString(h.Sum(nil))
				}
				if want != nil {
					sum, n := lr.Digest()
					got := Expect{SHA256: sum, Length: n}
					if (want.SHA256 != "" && want.SHA256 != sum) || (want.Length >= 0 && want.Length != n) {
						return &MismatchError{Path: path, Want: *want, Got: got}
					}
				}
				return nil
			case errors.As(err, &tl):
				c.long = append(c.long, tooLong{line: n, err: tl, excerpt: append([]byte(nil), tl.Excerpt...)})
			case err != nil:
				return fmt.Errorf("%s: %w", path, explainRead(err, lr.Gzip()))
			default:
				c.buf = append(c.buf, line...)
				c.ends = append(c.ends, len(c.buf))
				c.nums = append(c.nums, n)
			}
			if len(c.buf) >= chunkBytes || len(c.ends) >= chunkLines {
				if err := send(); err != nil {
					return err
				}
			}
		}
	})

	// Stage 2: flatten workers build columnar batches.
	wg := errgroup.Group{}
	for range workers {
		wg.Go(func() error {
			fl := transform.NewFlattener()
			b := newBuilder(l.mem, l.wh.cat, res.LoadID, base, jobID)
			defer b.release()
			var rec transform.Record
			for c := range chunks {
				out := &Batch{Seq: c.seq}
				start := 0
				for i, end := range c.ends {
					line := c.buf[start:end]
					start = end
					if err := fl.Flatten(line, &rec); err != nil {
						b.addReject(c.nums[i], reason(err), line)
						out.Rejects++
						continue
					}
					b.addRecord(c.nums[i], &rec)
					if rec.Kind == transform.KindEOB {
						out.EOBs++
					} else {
						out.Issues++
					}
				}
				for _, t := range c.long {
					b.addReject(t.line, t.err.Error(), t.excerpt)
					out.Rejects++
				}
				out.Records, out.Codes = b.flush()
				select {
				case batches <- out:
				case <-ctx.Done():
					out.Release()
					return ctx.Err()
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(batches)
		return wg.Wait()
	})

	// Stage 3: restore input order and fan out to the per-table writers.
	g.Go(func() error {
		defer func() {
			for _, ch := range perTable {
				close(ch)
			}
		}()
		pending := map[int]*Batch{}
		defer func() {
			for _, b := range pending {
				b.Release()
			}
		}()
		next := 0
		for b := range batches {
			pending[b.Seq] = b
			for {
				nb, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				res.EOBs += nb.EOBs
				res.Issues += nb.Issues
				res.Rejects += nb.Rejects
				if err := codes.write(nb.Codes); err != nil { // in input order: an earlier display wins
					nb.Release()
					return err
				}
				for i, r := range nb.Records {
					if r == nil {
						continue
					}
					select {
					case perTable[i] <- r:
					case <-ctx.Done():
						r.Release()
						for _, rest := range nb.Records[i+1:] {
							if rest != nil {
								rest.Release()
							}
						}
						return ctx.Err()
					}
				}
			}
		}
		return nil
	})

	// Stage 4: one Parquet writer per table.
	for i, t := range tables {
		tw := writers[t.Name]
		g.Go(func() error {
			for r := range perTable[i] {
				err := tw.write(r)
				r.Release()
				if err != nil {
					return err // cancels the fan-out, which then stops sending
				}
			}
			return tw.close()
		})
	}
	return g.Wait()
}

// maxReason bounds a reject's reason: a parser's message about a hostile
// line (deep nesting, say) can repeat itself for kilobytes.
const maxReason = 500

func reason(err error) string {
	msg := err.Error()
	if len(msg) <= maxReason {
		return msg
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// explainRead turns a decompression failure into an actionable message.
func explainRead(err error, gz bool) error {
	if gz {
		return fmt.Errorf("corrupt or truncated gzip data (re-download the file): %w", err)
	}
	return err
}

// isWholeJSON reports whether a file holds one JSON document rather than
// NDJSON: a .json (or .json.gz) name, as the single-EOB samples are.
func isWholeJSON(path string) bool {
	return strings.HasSuffix(strings.TrimSuffix(strings.ToLower(path), ".gz"), ".json")
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close() // read-only
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
