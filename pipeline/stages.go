package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/sync/errgroup"

	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// send sends v on out unless ctx ends first.
func send[T any](ctx context.Context, out chan<- T, v T) error {
	select {
	case out <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// workers starts n goroutines of one stage in g, running fn(0) … fn(n-1),
// and closes out, the stage's output, once all of them have returned. The
// channel it returns is closed then too.
func workers[T any](g *errgroup.Group, n int, out chan<- T, fn func(i int) error) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			return fn(i)
		})
	}
	g.Go(func() error {
		wg.Wait()
		close(out)
		close(done)
		return nil
	})
	return done
}

// queue passes what arrives on in to out in order, converted, holding as
// many as the receiver has not taken yet, so that the sender never waits
// for it: landed files are on disk, only their small records queue. It
// closes out after in is closed and drained.
func queue[T, U any](ctx context.Context, in <-chan T, out chan<- U, conv func(T) U) error {
	defer close(out)
	var pending []U
	for in != nil || len(pending) > 0 {
		var next chan<- U // nil, and so never ready, while nothing is pending
		var head U
		if len(pending) > 0 {
			next, head = out, pending[0]
		}
		select {
		case v, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			pending = append(pending, conv(v))
		case next <- head:
			pending = pending[1:]
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// ---- the extract stages ----

// exportJob is the export of Run and Extract: its stages share the job's
// state, which export sets before it sends the first file.
type exportJob struct {
	client *extract.Client
	hooks  Hooks
	state  *extract.State
}

// export resumes or starts the export, waits for AB2D to complete it and
// sends the manifest's files to download (see extract.State.Files).
func (j *exportJob) export(ctx context.Context, req extract.Request, opts extract.Options, out chan<- extract.File) error {
	defer close(out)
	if j.hooks.ExportProgress != nil {
		opts.OnProgress = func(p extract.Progress) { j.hooks.ExportProgress(p.JobID, p) }
	}
	st, err := extract.Prepare(ctx, j.client, req, opts)
	j.state = st // also on failure: the run records the job
	if err != nil {
		return err
	}
	if j.hooks.Manifest != nil {
		j.hooks.Manifest(st)
	}
	for _, f := range st.Files() {
		if err := send(ctx, out, f); err != nil {
			return err
		}
	}
	return nil
}

// download lands files at network speed (a download worker).
func (j *exportJob) download(ctx context.Context, in <-chan extract.File, out chan<- extract.Landed) error {
	for f := range in {
		if err := ctx.Err(); err != nil {
			return err // interrupted: start no new download
		}
		l, resumed, err := j.state.Fetch(ctx, j.client, f)
		if err != nil {
			return err
		}
		if j.hooks.Landed != nil {
			j.hooks.Landed(l, resumed)
		}
		if err := send(ctx, out, l); err != nil {
			return err
		}
	}
	return nil
}

// verify checks landed files against the manifest, downloading again one
// that does not match (a verifier).
func (j *exportJob) verify(ctx context.Context, in <-chan extract.Landed, out chan<- extract.Landed) error {
	for l := range in {
		v, err := j.state.Verify(ctx, j.client, l)
		if err != nil {
			return err
		}
		if !l.Verified && j.hooks.Verified != nil {
			j.hooks.Verified(v)
		}
		if err := send(ctx, out, v); err != nil {
			return err
		}
	}
	return nil
}

// source returns a landed file as the input of the read stage: it is
// checked against its manifest entry while it is read, unless verified,
// and downloaded again when it does not match.
func (j *exportJob) source(l extract.Landed) source {
	return source{
		path:   l.Path,
		jobID:  j.state.Job.ID,
		landed: &l,
		redownload: func(ctx context.Context, mismatch error) (extract.Landed, error) {
			return j.state.Redownload(ctx, j.client, l, mismatch)
		},
	}
}

// ---- the transform and load stages ----

// source is one input file of the read stage.
type source struct {
	path  string
	jobID string // recorded with export errors
	// landed is the manifest entry of a file of `run`, checked while the
	// file is read (unless it was verified); redownload fetches it again
	// when it does not match.
	landed     *extract.Landed
	redownload func(ctx context.Context, mismatch error) (extract.Landed, error)
}

// list sends the input files of LoadFiles.
func list(ctx context.Context, paths []string, jobID string, out chan<- source) error {
	defer close(out)
	for _, p := range paths {
		if err := send(ctx, out, source{path: p, jobID: jobIDFor(jobID, p)}); err != nil {
			return err
		}
	}
	return nil
}

// jobIDFor returns the AB2D job id recorded with export errors: the given
// one, or the name of the landing folder (DIR/landing/<job_id>/<file>).
func jobIDFor(jobID, file string) string {
	if jobID != "" {
		return jobID
	}
	dir := filepath.Dir(file)
	if filepath.Base(filepath.Dir(dir)) == "landing" {
		return filepath.Base(dir)
	}
	return ""
}

// fileLoad is one file on its way through the stages. read fills res
// before it sends the file's end chunk; order adds the counts and creates
// the stage; commit finishes it.
type fileLoad struct {
	src         source
	base        string // source_file
	res         FileResult
	stage       *load.Stage // the staged Parquet files (order creates it)
	read        int64       // uncompressed bytes flattened so far (order)
	rolled      int64       // read when order last rolled the tables' parts
	firstReject string      // the first reject's line and reason (order)
	superseded  bool        // did not match its manifest: downloaded again and read anew
}

// chunk is a run of consecutive input lines of one file, handed from the
// read stage to a flatten worker; the lines are copied into one buffer to
// keep allocations few. The last chunk of a file (end) has no lines.
type chunk struct {
	seq   int // position in the input, over all files
	file  *fileLoad
	buf   []byte
	ends  []int   // end offset in buf of each line
	nums  []int64 // line number of each line
	long  []tooLong
	bytes int64
	end   bool
}

type tooLong struct {
	line    int64
	err     *transform.LineTooLongError
	excerpt []byte
}

// batch is a chunk flattened: a transform.Batch, owned by whoever holds
// the batch (see transform.Batch).
type batch struct {
	seq   int
	file  *fileLoad
	b     *transform.Batch // nil for the end of a file
	bytes int64
}

// tableItem is what a table's writer receives: a record of the file being
// staged, the signal to close the open part (roll, see
// LoadConfig.PartBytes), or the end of that file.
type tableItem struct {
	stage *load.Stage
	rec   arrow.RecordBatch // owned by the writer, which releases it
	roll  bool
	end   bool
}

// partDone is what a table's writer reports to the commit: a part of a
// file's table closed (path; "" when none was open), and whether it was
// the table's last.
type partDone struct {
	stage *load.Stage
	table int
	path  string
	last  bool
}

// Chunk bounds. A chunk of about 2 MiB of NDJSON (300 EOBs of real AB2D
// shape) is large enough to amortise the cost of each batch and Arrow
// record (a Parquet column write, a channel send: 1 MiB chunks cost 3–4 %
// more CPU on `make bench`'s data), small enough that the handful in flight
// (workers + channel capacity) bound memory to a few tens of MiB (4 MiB
// chunks took the peak RSS of a 2 GB load over 400 MB).
const (
	chunkBytes = 2 << 20
	chunkLines = 4096
)

// loader runs the transform and load stages of Run and LoadFiles.
type loader struct {
	wh       *load.Warehouse
	cfg      LoadConfig
	runID    string
	failFast bool // a file that fails fails everything (run), else only itself (load)
	tables   []schema.Table
	results  []FileResult // written by commit; read after the errgroup's Wait

	mu     sync.Mutex
	staged map[*load.Stage]bool // created by order, not yet committed or discarded by commit

	chunks sync.Pool // of *chunk: the flatten workers hand their buffers back to the read stage
	// mem allocates the Arrow buffers of the flatten workers' batches; the
	// table writers release them back to it.
	mem transform.Recycler
}

// newChunk returns an empty chunk, reusing the buffers of one a flatten
// worker is done with: the flattener copies what it keeps.
func (l *loader) newChunk() *chunk {
	if c, ok := l.chunks.Get().(*chunk); ok {
		*c = chunk{buf: c.buf[:0], ends: c.ends[:0], nums: c.nums[:0]}
		return c
	}
	return &chunk{buf: make([]byte, 0, chunkBytes+chunkBytes/4), ends: make([]int, 0, chunkLines), nums: make([]int64, 0, chunkLines)}
}

func newLoader(wh *load.Warehouse, cfg LoadConfig, runID string, failFast bool) *loader {
	return &loader{wh: wh, cfg: cfg, runID: runID, failFast: failFast, tables: schema.Warehouse().ParquetTables(),
		staged: map[*load.Stage]bool{}}
}

// discard removes what the stages staged but did not commit, when they
// were interrupted. Call it after they have all returned.
func (l *loader) discard() {
	for st := range l.staged {
		st.Abort()
	}
	clear(l.staged)
}

// done records that commit committed or discarded st.
func (l *loader) done(st *load.Stage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.staged, st)
}

// start starts the stages from the read of sources to the commit in g:
//
//	read → flatten (×Workers) → order → write (×tables) → commit
func (l *loader) start(ctx context.Context, g *errgroup.Group, sources <-chan source) {
	chunks := make(chan *chunk, l.cfg.Workers)  // one waiting per worker keeps them busy
	batches := make(chan *batch, l.cfg.Workers) // results waiting to be put back in order
	perTable := make([]chan tableItem, len(l.tables))
	for i := range perTable {
		perTable[i] = make(chan tableItem, 2) // writers run in step with the order stage
	}
	// One file may wait for its commit while the next is transformed: the
	// DuckDB merge of a file overlaps the transform of the next.
	files := make(chan *fileLoad, 1)
	closed := make(chan partDone, len(l.tables)) // parts closed, for the commit: a part from each writer may wait while DuckDB ingests one

	g.Go(func() error { return l.readFiles(ctx, sources, chunks) })
	workers(g, l.cfg.Workers, batches, func(int) error { return l.flatten(ctx, chunks, batches) })
	g.Go(func() error { return l.order(ctx, batches, perTable, files) })
	workers(g, len(l.tables), closed, func(i int) error { return l.write(ctx, i, perTable[i], closed) })
	g.Go(func() error { return l.commit(ctx, files, closed) })
}

// readFiles reads the input files one after the other into chunks. A file
// that does not match its manifest is read again once downloaded again.
func (l *loader) readFiles(ctx context.Context, in <-chan source, out chan<- *chunk) error {
	defer close(out)
	seq := 0
	for src := range in {
		for {
			next, err := l.readFile(ctx, src, &seq, out)
			if err != nil {
				return err
			}
			if next == nil {
				break
			}
			src = *next
		}
	}
	return nil
}

// readFile reads one file into chunks and ends it with an end chunk. A
// file that cannot be read ends with its res.Err set; the load of the
// others goes on. It returns the source to read instead when the file did
// not match its manifest and was downloaded again.
func (l *loader) readFile(ctx context.Context, src source, seq *int, out chan<- *chunk) (*source, error) {
	fl := &fileLoad{src: src, base: filepath.Base(src.path), res: FileResult{Path: src.path}}
	emit := func(c *chunk) error {
		c.seq, c.file = *seq, fl
		*seq++
		return send(ctx, out, c)
	}
	end := func(err error) error {
		fl.res.Err = err
		return emit(&chunk{end: true})
	}
	fi, err := os.Stat(src.path)
	if err != nil {
		return nil, end(err)
	}
	fl.res.Bytes = fi.Size()
	// The ledger decides by sha256 whether the file was loaded before. Only
	// a file the size of one already loaded can be; any other is hashed
	// while it is read, instead of in a pass of its own.
	if !l.cfg.Force {
		if skipped, err := l.loadedBefore(ctx, fl); err != nil || skipped {
			if err != nil {
				return nil, end(err)
			}
			return nil, end(nil)
		}
	}
	fl.res.LoadID = load.NewID()
	f, err := os.Open(src.path)
	if err != nil {
		return nil, end(err)
	}
	defer f.Close() // read-only: a Close error cannot lose data
	var in io.Reader = f
	var h hash.Hash
	if fl.res.SHA256 == "" {
		h = sha256.New()
		in = io.TeeReader(f, h)
	}
	check := src.landed != nil && !src.landed.Verified
	newReader := transform.NewLineReader
	if check {
		newReader = transform.NewDigestLineReader
	}
	lr, err := newReader(in, l.cfg.MaxLine, isWholeJSON(src.path))
	if err != nil {
		return l.mismatch(ctx, fl, check, fmt.Errorf("%s: %w", src.path, err), end)
	}
	if err := notResources(lr.Peek(512)); err != nil {
		return l.mismatch(ctx, fl, check, fmt.Errorf("%s %w; give AB2D export files: NDJSON of FHIR resources (*.ndjson, plain or .gz), or a FHIR Bundle (*.json)", src.path, err), end)
	}
	c := l.newChunk()
	for {
		line, n, err := lr.Next()
		var tl *transform.LineTooLongError
		switch {
		case errors.Is(err, io.EOF):
			if len(c.ends) > 0 || len(c.long) > 0 {
				if err := emit(c); err != nil {
					return nil, err
				}
			}
			if err := lr.Close(); err != nil {
				return l.mismatch(ctx, fl, check, fmt.Errorf("%s: corrupt gzip: %w", src.path, err), end)
			}
			fl.res.NDJSON = fl.res.Bytes
			if lr.Gzip() {
				fl.res.NDJSON = lr.Decompressed()
			}
			if h != nil {
				// Hash what the reader left unread (e.g. gzip trailer padding).
				if _, err := io.Copy(h, f); err != nil {
					return nil, end(fmt.Errorf("%s: %w", src.path, err))
				}
				fl.res.SHA256 = hex.EncodeToString(h.Sum(nil))
			}
			if check {
				if err := src.landed.File.Check(lr.Digest()); err != nil {
					return l.mismatch(ctx, fl, check, fmt.Errorf("%s: %w", src.path, err), end)
				}
			}
			return nil, end(nil)
		case errors.As(err, &tl):
			c.long = append(c.long, tooLong{line: n, err: tl, excerpt: append([]byte(nil), tl.Excerpt...)})
		case err != nil:
			return l.mismatch(ctx, fl, check, fmt.Errorf("%s: %w", src.path, explainRead(err, lr.Gzip())), end)
		default:
			c.buf = append(c.buf, line...)
			c.ends = append(c.ends, len(c.buf))
			c.nums = append(c.nums, n)
			c.bytes += int64(len(line)) + 1
		}
		if len(c.buf) >= chunkBytes || len(c.ends) >= chunkLines {
			if err := emit(c); err != nil {
				return nil, err
			}
			c = l.newChunk()
		}
	}
}

// mismatch ends a file that could not be read to its end. A file of `run`
// (checked against its manifest) was not what AB2D sent: nothing of it is
// committed, and it is downloaded again (while AB2D allows) and read anew;
// a refusal fails the run. Any other file fails alone.
func (l *loader) mismatch(ctx context.Context, fl *fileLoad, checked bool, err error, end func(error) error) (*source, error) {
	if !checked {
		return nil, end(err)
	}
	fl.superseded = true
	if err := end(err); err != nil {
		return nil, err
	}
	l.cfg.Log.Warn("a downloaded file does not match the manifest; downloading it again", "file", fl.base, "err", err.Error())
	nl, rerr := fl.src.redownload(ctx, err)
	if rerr != nil {
		return nil, rerr
	}
	next := fl.src
	next.path, next.landed = nl.Path, &nl
	return &next, nil
}

// loadedBefore says whether the ledger holds the file (same sha256), and
// then sets its result to skipped.
func (l *loader) loadedBefore(ctx context.Context, fl *fileLoad) (bool, error) {
	same, err := l.wh.LoadedSize(ctx, fl.res.Bytes)
	if err != nil || !same {
		return false, err
	}
	if fl.res.SHA256, err = hashFile(fl.src.path); err != nil {
		return false, err
	}
	id, err := l.wh.LoadedAs(ctx, fl.res.SHA256)
	if err != nil || id == "" {
		return false, err
	}
	fl.res.LoadID, fl.res.Skipped = id, true
	return true, nil
}

// flatten turns chunks into batches (a flatten worker): each line (or
// each resource of a Bundle) into the rows of the tables, or a reject.
func (l *loader) flatten(ctx context.Context, in <-chan *chunk, out chan<- *batch) error {
	fl := transform.NewFlattener()
	b := transform.NewBuilder(&l.mem, schema.Warehouse())
	defer b.Release()
	var rec transform.Record
	for c := range in {
		if c.end {
			if err := send(ctx, out, &batch{seq: c.seq, file: c.file}); err != nil {
				return err
			}
			continue
		}
		lin := transform.Lineage{LoadID: c.file.res.LoadID, SourceFile: c.file.base, JobID: c.file.src.jobID}
		start := 0
		for i, end := range c.ends {
			line := c.buf[start:end]
			start = end
			lin.SourceLine = c.nums[i]
			fl.FlattenAll(line, &rec, func(entry int, err error) {
				lin.SourceEntry = transform.Int{V: int64(entry), Valid: entry > 0}
				if err != nil {
					b.AddReject(&lin, err.Error(), line)
					return
				}
				b.Add(&rec, &lin)
			})
		}
		lin.SourceEntry = transform.Int{}
		for _, t := range c.long {
			lin.SourceLine = t.line
			b.AddReject(&lin, t.err.Error(), t.excerpt)
		}
		bt := &batch{seq: c.seq, file: c.file, b: b.Flush(), bytes: c.bytes}
		l.chunks.Put(c)
		if err := send(ctx, out, bt); err != nil {
			bt.b.Release()
			return err
		}
	}
	return nil
}

// order restores the input order of the batches and hands each file's
// records to the table writers and its codes to its stage, in input
// order (an earlier display of a code wins); at a file's end it sends the
// file to the commit. On return it releases the batches it holds.
func (l *loader) order(ctx context.Context, in <-chan *batch, tables []chan tableItem, out chan<- *fileLoad) error {
	defer close(out)
	defer func() {
		for _, ch := range tables {
			close(ch)
		}
	}()
	pending := map[int]*batch{}
	defer func() {
		for _, b := range pending {
			if b.b != nil {
				b.b.Release()
			}
		}
	}()
	next := 0
	for b := range in {
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := l.put(ctx, nb, tables, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// put hands one batch on (see order).
func (l *loader) put(ctx context.Context, b *batch, tables []chan tableItem, out chan<- *fileLoad) error {
	fl := b.file
	if b.b == nil { // the end of the file
		if fl.res.Err == nil && !fl.res.Skipped && fl.res.EOBs+fl.res.Issues == 0 {
			why := "it is empty"
			if fl.res.Rejects > 0 {
				why = fmt.Sprintf("%s, all rejected (first: %s)", plural(fl.res.Rejects, "line"), fl.firstReject)
			}
			fl.res.Err = fmt.Errorf("%s holds no FHIR resource (ExplanationOfBenefit or OperationOutcome): %s; nothing of it was loaded. Is it an AB2D export file?", fl.res.Path, why)
		}
		if fl.stage != nil {
			if err := fl.stage.FinishCodes(); err != nil {
				return err
			}
			for i := range tables {
				if err := send(ctx, tables[i], tableItem{stage: fl.stage, end: true}); err != nil {
					return err
				}
			}
		}
		return send(ctx, out, fl)
	}
	defer b.b.Release()
	if fl.stage == nil {
		if err := l.newStage(fl); err != nil {
			return err
		}
	}
	fl.res.EOBs += b.b.EOBs
	fl.res.Issues += b.b.Issues
	fl.res.Rejects += b.b.Rejects
	fl.res.Fields += b.b.Fields
	if fl.firstReject == "" {
		fl.firstReject = b.b.FirstReject
	}
	fl.read += b.bytes
	if l.cfg.Hooks.Loading != nil {
		l.cfg.Hooks.Loading(fl.res.Path, fl.res.EOBs, fl.read)
	}
	if err := fl.stage.WriteCodes(b.b.Codes); err != nil {
		return err
	}
	for i := range tables {
		r := b.b.Take(i)
		if r == nil {
			continue
		}
		if err := send(ctx, tables[i], tableItem{stage: fl.stage, rec: r}); err != nil {
			r.Release()
			return err
		}
	}
	if fl.read-fl.rolled >= l.cfg.PartBytes {
		fl.rolled = fl.read
		for i := range tables {
			if err := send(ctx, tables[i], tableItem{stage: fl.stage, roll: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *loader) newStage(fl *fileLoad) error {
	st, err := l.wh.NewStage(fl.res.LoadID, fl.base)
	if err != nil {
		return fmt.Errorf("%s: %w", fl.res.Path, err)
	}
	fl.stage = st
	l.mu.Lock()
	defer l.mu.Unlock()
	l.staged[st] = true
	return nil
}

// write writes the records of table i to each file's staged Parquet parts
// (a table writer), and reports each part closed to the commit.
func (l *loader) write(ctx context.Context, i int, in <-chan tableItem, closed chan<- partDone) error {
	for it := range in {
		switch {
		case it.end:
			p, err := it.stage.CloseTable(i)
			if err != nil {
				return err
			}
			if err := send(ctx, closed, partDone{stage: it.stage, table: i, path: p, last: true}); err != nil {
				return err
			}
		case it.roll:
			p, err := it.stage.Roll(i, l.cfg.PartRows)
			if err != nil {
				return err
			}
			if p == "" {
				continue
			}
			if err := send(ctx, closed, partDone{stage: it.stage, table: i, path: p}); err != nil {
				return err
			}
		default:
			err := it.stage.Write(i, it.rec)
			it.rec.Release()
			if err != nil {
				return err // cancels the order stage, which then stops sending
			}
		}
	}
	return nil
}

// commit merges each file into the warehouse, in input order. The merge
// of a file begins with its first closed part: DuckDB ingests the parts of
// the oldest file not yet committed as they come (those of later files
// wait their turn, on disk), and the file is committed once every table
// writer has closed its last part.
func (l *loader) commit(ctx context.Context, files <-chan *fileLoad, closed <-chan partDone) error {
	var waiting []*fileLoad // interrupted, what waits is discarded (see discard)
	// The stages reported so far, oldest first, until committed: a writer
	// reports a file's parts after the last of the file before, so stages
	// are first seen in input order, and only order[0] ingests.
	var order []*stageParts
	ingest := func(sp *stageParts, d partDone) error {
		if sp.err != nil {
			return nil // the file fails at its commit
		}
		if err := l.wh.Ingest(ctx, d.stage, d.table, d.path); err != nil {
			if ctx.Err() != nil {
				return err
			}
			sp.err = err
		}
		return nil
	}
	for {
		for len(waiting) > 0 {
			fl := waiting[0]
			var sp *stageParts
			if fl.stage != nil {
				// A file with a stage waits until every writer reported its
				// last part; the stage is then the oldest in order.
				if len(order) == 0 || order[0].stage != fl.stage || order[0].closed < len(l.tables) {
					break
				}
				sp, order = order[0], order[1:]
			}
			waiting = waiting[1:]
			var ingestErr error
			if sp != nil {
				ingestErr = sp.err
			}
			if err := l.finish(ctx, fl, ingestErr); err != nil {
				return err
			}
			if len(order) > 0 { // the next file's parts may go in now
				next := order[0]
				for _, d := range next.queued {
					if err := ingest(next, d); err != nil {
						return err
					}
				}
				next.queued = nil
			}
		}
		if files == nil && len(waiting) == 0 {
			return nil
		}
		select {
		case fl, ok := <-files:
			if !ok {
				files = nil
				continue
			}
			waiting = append(waiting, fl)
		case d, ok := <-closed:
			if !ok {
				closed = nil
				continue
			}
			i := slices.IndexFunc(order, func(sp *stageParts) bool { return sp.stage == d.stage })
			if i < 0 {
				i, order = len(order), append(order, &stageParts{stage: d.stage})
			}
			sp := order[i]
			if d.last {
				sp.closed++
			}
			if i > 0 {
				sp.queued = append(sp.queued, d)
				continue
			}
			if err := ingest(sp, d); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stageParts is what commit knows of a file's stage: how many writers
// reported its last part, the parts waiting for the files before it to be
// committed, and the first part that did not go in.
type stageParts struct {
	stage  *load.Stage
	closed int
	queued []partDone
	err    error
}

// finish commits one file, or records why it was not loaded (ingestErr:
// a part of it failed to go into DuckDB).
func (l *loader) finish(ctx context.Context, fl *fileLoad, ingestErr error) error {
	if fl.stage != nil {
		defer l.done(fl.stage)
	}
	res := fl.res
	switch {
	case fl.superseded:
		if fl.stage != nil {
			fl.stage.Abort()
		}
		return nil // read again after a new download: that one counts
	case res.Err != nil:
		if fl.stage != nil {
			fl.stage.Abort()
		}
	case res.Skipped:
		l.cfg.Log.Info("already loaded, skipped (use --force to reload)", "file", res.Path, "load_id", res.LoadID)
	case ingestErr != nil:
		fl.stage.Abort()
		res.Err = fmt.Errorf("%s: %w", res.Path, ingestErr)
	default:
		started := time.Now() // commit_seconds: the end of the merge, after the file's transform
		res.Rows = fl.stage.Rows()
		id, err := l.wh.Commit(ctx, fl.stage, load.LoadRecord{
			RunID: l.runID, SourceFile: res.Path, SHA256: res.SHA256, Bytes: res.Bytes,
			Rows: res.EOBs + res.Issues, Rejects: res.Rejects,
		}, l.cfg.Force)
		var pe *load.PublishError
		switch {
		case errors.As(err, &pe):
			return err // committed: the next Open publishes the files
		case err != nil && ctx.Err() != nil:
			return err
		case err != nil:
			res.Err = err
		case id != "":
			res.LoadID, res.Skipped, res.Rows = id, true, nil
			l.cfg.Log.Info("already loaded, skipped (use --force to reload)", "file", res.Path, "load_id", res.LoadID)
		default:
			l.cfg.Log.Info("file loaded", "file", res.Path, "load_id", res.LoadID, "eobs", res.EOBs, "rejects", res.Rejects,
				"field_issues", res.Fields, "export_errors", res.Issues, "commit_seconds", fmt.Sprintf("%.2f", time.Since(started).Seconds()))
			if res.Rejects > 0 {
				l.cfg.Log.Warn("lines rejected; see the rejects table", "file", res.Path, "rejects", res.Rejects)
			}
			if res.Fields > 0 {
				l.cfg.Log.Warn("values did not fit their column and were kept in field_issues", "file", res.Path, "field_issues", res.Fields)
			}
		}
	}
	if res.Err != nil {
		l.cfg.Log.Error("file not loaded; nothing of it was written", "file", res.Path, "err", res.Err)
	}
	l.results = append(l.results, res)
	if l.cfg.Hooks.FileDone != nil {
		l.cfg.Hooks.FileDone(res)
	}
	if res.Err != nil && l.failFast {
		return res.Err
	}
	return nil
}

// notResources says what the content that starts with head is when it
// cannot be NDJSON of FHIR resources (or one resource, or a Bundle): those
// start with "{", after an optional byte order mark and white space.
func notResources(head []byte) error {
	b := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(b) == 0 || b[0] == '{' {
		return nil
	}
	kind := http.DetectContentType(head)
	if i := strings.IndexByte(kind, ';'); i >= 0 {
		kind = kind[:i]
	}
	sample := b[:min(len(b), 24)]
	if kind != "application/octet-stream" && !strings.HasPrefix(kind, "text/") {
		return fmt.Errorf("is not NDJSON but %s", kind)
	}
	if !utf8.Valid(sample) || bytes.ContainsFunc(sample, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }) {
		return fmt.Errorf("is not NDJSON but binary data (%s)", kind)
	}
	return fmt.Errorf("is not NDJSON of FHIR resources: it starts with %q", sample)
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

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close() // read-only
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
