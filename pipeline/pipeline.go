// Package pipeline wires the stages of ab2d-etl into its entry points:
//
//	Run:       export → download (×W) → queue → read → flatten (×N) → order → write (×tables) → commit
//	Extract:   export → download (×W) → verify (×V) → record
//	LoadFiles: list → read → flatten (×N) → order → write (×tables) → commit
//
// Each entry point is one function below that starts its stages in one
// errgroup; the stages are the functions of stages.go. Every stage owns
// and closes its output channel, every send selects on the context, and
// the first error cancels the others. The packages it wires do not know
// each other: extract talks to AB2D and lands files, transform turns lines
// into Arrow batches (transform.Batch, the boundary with the load), and
// load stages and commits them into the warehouse.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// LoadConfig configures LoadFiles and the transform and load stages of
// Run.
type LoadConfig struct {
	// Out is the warehouse folder.
	Out string
	// Force reloads files the ledger already holds (same sha256).
	Force bool
	// Workers is the number of flatten workers (default GOMAXPROCS).
	Workers int
	// MaxLine bounds one input line (default transform.DefaultMaxLine).
	MaxLine int
	// PartBytes and PartRows set when the merge of a file begins: after
	// every PartBytes of its input (uncompressed), each table whose staged
	// Parquet part holds at least PartRows rows closes that part, and the
	// DuckDB merge takes it in while the rest of the file is transformed
	// (defaults DefaultPartBytes and DefaultPartRows). Smaller parts move
	// more of the merge out of the file's tail and make more files.
	PartBytes int64
	PartRows  int64
	// JobID is the AB2D job recorded with export errors; LoadFiles takes
	// the landing folder's name (DIR/landing/<job_id>/<file>) by default.
	JobID string
	// Log receives the pipeline's log lines (default: discarded).
	Log *slog.Logger
	// Hooks report progress (optional).
	Hooks Hooks
}

// Hooks are called as the stages go, to show progress. Any may be nil.
// Each is called from one goroutine at a time, except Landed and
// Verified, which download workers and verifiers call concurrently.
type Hooks struct {
	// ExportProgress is called on every status poll while AB2D works.
	ExportProgress func(job string, p extract.Progress)
	// Manifest is called once the export's files are known.
	Manifest func(st *extract.State)
	// Landed is called when a file is on disk (resumed: an earlier run
	// left it there).
	Landed func(l extract.Landed, resumed bool)
	// Verified is called when a landed file matched the manifest.
	Verified func(l extract.Landed)
	// Loading is called as a file's lines are flattened, in input order:
	// the EOBs and uncompressed bytes of the file so far.
	Loading func(file string, eobs, bytes int64)
	// FileDone is called when a file is committed, skipped or failed.
	FileDone func(FileResult)
}

// FileResult describes the load of one file.
type FileResult struct {
	Path    string
	LoadID  string // the new load, or the earlier one when Skipped
	Skipped bool   // already loaded (same sha256) and not forced
	SHA256  string
	Bytes   int64 // bytes of the file as stored
	// NDJSON is the bytes of NDJSON read once the file was read to its
	// end: Bytes, or what a gzip file decompressed to (0 for a file
	// skipped or not read to its end).
	NDJSON  int64
	EOBs    int64 // ExplanationOfBenefit lines accepted
	Issues  int64 // OperationOutcome lines accepted
	Rejects int64 // lines rejected (the rejects table)
	Fields  int64 // values that did not fit their column (the field_issues table)
	Rows    map[string]int64
	// Err is why nothing of the file was loaded; nil when it was.
	Err error
}

// Summary is what an entry point did.
type Summary struct {
	RunID string
	Files []FileResult
	// Job is the export job of Run and Extract.
	Job *extract.State
	// NextSince is, after a Run that ended (successfully or with export
	// errors), where the next `--since auto` of the same client, API
	// version and _typeFilter starts: load.Warehouse.LastKickoff once this
	// run is recorded. Zero: from the beginning.
	NextSince time.Time
}

// Failed returns the files that failed.
func (s Summary) Failed() []FileResult {
	var out []FileResult
	for _, f := range s.Files {
		if f.Err != nil {
			out = append(out, f)
		}
	}
	return out
}

// Totals adds up the results of the files loaded: bytes, EOBs, export
// errors, rejects, field issues and rows per table. A file that failed or
// was skipped (loaded before) added nothing to the warehouse, so what was
// read of it does not count.
func (s Summary) Totals() FileResult {
	t := FileResult{Rows: map[string]int64{}}
	for _, f := range s.Files {
		if f.Err != nil || f.Skipped {
			continue
		}
		t.Bytes += f.Bytes
		t.NDJSON += f.NDJSON
		t.EOBs += f.EOBs
		t.Issues += f.Issues
		t.Rejects += f.Rejects
		t.Fields += f.Fields
		for k, v := range f.Rows {
			t.Rows[k] += v
		}
	}
	return t
}

// LoadFiles loads the given NDJSON files (see load.Inputs for folders),
// each as one all-or-nothing load. A file that cannot be read fails alone:
// the others are loaded and the failure is in its FileResult.Err.
func LoadFiles(ctx context.Context, cfg LoadConfig, paths []string) (sum Summary, err error) {
	cfg = cfg.withDefaults()
	wh, err := load.Open(ctx, cfg.Out)
	if err != nil {
		return sum, err
	}
	defer func() { err = errors.Join(err, wh.Close()) }()
	sum.RunID = load.NewID()
	if err := wh.StartRun(ctx, load.Run{RunID: sum.RunID, Command: "load", JobID: cfg.JobID, StartedAt: time.Now()}); err != nil {
		return sum, err
	}
	sum.Files, err = loadFiles(ctx, wh, cfg, sum.RunID, paths)
	return sum, finish(ctx, wh, cfg.Log, err, sum)
}

// finish records how the command ended and publishes the warehouse for
// readers (load.Warehouse.Publish), run record included. An interrupted
// command does not wait for the copy: the next command publishes.
func finish(ctx context.Context, wh *load.Warehouse, log *slog.Logger, err error, sum Summary) error {
	status, msg := outcome(ctx, err, sum)
	err = errors.Join(err, wh.FinishRun(context.WithoutCancel(ctx), sum.RunID, status, msg))
	if status == "interrupted" {
		log.Info("not published: interrupted (readers see the warehouse as of the last command that finished; the next one publishes)")
		return err
	}
	p, perr := wh.Publish(ctx)
	if perr != nil {
		return errors.Join(err, fmt.Errorf("what this command loaded is committed, but not published for readers; the next command publishes it: %w", perr))
	}
	log.Info("published", "database", filepath.Join(wh.Dir, load.DBFile), "bytes", p.DBBytes, "database_seconds", p.DBTime.Seconds(),
		"parquet", filepath.Join(wh.Dir, load.CurrentDir, p.Snapshot), "parquet_files_written", p.FilesWritten, "parquet_files_linked", p.FilesLinked,
		"parquet_bytes_written", p.BytesWritten, "parquet_seconds", p.ParquetTime.Seconds())
	return err
}

// loadFiles is the stage graph of LoadFiles on an open warehouse.
func loadFiles(ctx context.Context, wh *load.Warehouse, cfg LoadConfig, runID string, paths []string) ([]FileResult, error) {
	l := newLoader(wh, cfg, runID, false)
	g, ctx := errgroup.WithContext(ctx)
	sources := make(chan source, 1) // the read stage takes files one at a time
	g.Go(func() error { return list(ctx, paths, cfg.JobID, sources) })
	l.start(ctx, g, sources)
	err := g.Wait()
	l.discard()
	return l.results, err
}

// RunConfig configures Run and Extract.
type RunConfig struct {
	LoadConfig
	// Client talks to AB2D.
	Client *extract.Client
	// Since is the _since of the export: Auto (the kick-off time of the
	// last successful run for the same client and API version; on v3 never
	// before v3's floor), a time, or none (the zero value).
	Since Since
	// Until is the _until of the export (v2 and v3); zero: none.
	Until time.Time
	// ServiceDates select claims by service date (v3 only: the export's
	// _typeFilter).
	ServiceDates []extract.ServiceDate
	// Downloads is the number of parallel downloads (default 4).
	Downloads int
	// MaxWait bounds the wait for AB2D (default 30 h).
	MaxWait time.Duration
	// NewJob starts a new export even when an unfinished one could be
	// resumed.
	NewJob bool
}

// Since is the --since of Run and Extract.
type Since struct {
	Auto bool
	Time time.Time // when not Auto; zero: none
}

// Defaults of LoadConfig.PartBytes and PartRows: a 2 GB file is merged
// in about 16 steps, and no part is smaller than a Parquet row group
// unless it is its table's last.
const (
	DefaultPartBytes = 128 << 20
	DefaultPartRows  = 32 << 10
)

// partBytesEnv names an environment variable for crash tests: a number of
// bytes that replaces DefaultPartBytes (and makes PartRows 1), so that the
// small files of a test merge in many parts and a kill can strike while
// DuckDB ingests them. Unset, the defaults apply.
const partBytesEnv = "AB2D_ETL_PART_BYTES"

// withDefaults fills the zero values.
func (c LoadConfig) withDefaults() LoadConfig {
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.MaxLine <= 0 {
		c.MaxLine = transform.DefaultMaxLine
	}
	if n, err := strconv.ParseInt(os.Getenv(partBytesEnv), 10, 64); err == nil && n > 0 && c.PartBytes <= 0 {
		c.PartBytes, c.PartRows = n, 1
	}
	if c.PartBytes <= 0 {
		c.PartBytes = DefaultPartBytes
	}
	if c.PartRows <= 0 {
		c.PartRows = DefaultPartRows
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Run is the nightly job: it exports from AB2D (resuming an unfinished
// export of the same request), downloads the files and loads each as it
// lands, checking it against the manifest while it reads it. The run is
// recorded in the runs table; only a run that loaded every file moves
// `--since auto` forward.
func Run(ctx context.Context, cfg RunConfig) (Summary, error) {
	return remote(ctx, cfg, "run")
}

// Extract exports and downloads only: every file lands in
// DIR/landing/<job_id>/ and is verified against the manifest; nothing is
// loaded.
func Extract(ctx context.Context, cfg RunConfig) (Summary, error) {
	return remote(ctx, cfg, "extract")
}

// remote runs the command ("run" or "extract") with its run record around
// it.
func remote(ctx context.Context, cfg RunConfig, command string) (sum Summary, err error) {
	cfg.LoadConfig = cfg.LoadConfig.withDefaults()
	if cfg.Downloads <= 0 {
		cfg.Downloads = extract.DefaultWorkers
	}
	wh, err := load.Open(ctx, cfg.Out)
	if err != nil {
		return sum, err
	}
	defer func() { err = errors.Join(err, wh.Close()) }()
	apiVersion := cfg.Client.APIVersion()
	req := extract.Request{Since: cfg.Since.Time, Until: cfg.Until, ServiceDates: cfg.ServiceDates}
	if cfg.Since.Auto {
		last, err := wh.LastKickoff(ctx, cfg.Client.ClientID(), apiVersion, req.TypeFilter())
		if err != nil {
			return sum, err
		}
		req.Since = cfg.Client.AutoSince(last)
	}
	sum.RunID = load.NewID()
	if err := wh.StartRun(ctx, load.Run{RunID: sum.RunID, Command: command, ClientID: cfg.Client.ClientID(), APIVersion: apiVersion,
		Since: req.Since, Until: req.Until, TypeFilter: req.TypeFilter(), StartedAt: time.Now()}); err != nil {
		return sum, err
	}
	opts := extract.Options{Landing: filepath.Join(cfg.Out, "landing"), MaxWait: cfg.MaxWait, NewJob: cfg.NewJob}
	if command == "run" {
		sum, err = run(ctx, wh, cfg, req, opts, sum)
	} else {
		sum, err = extractOnly(ctx, cfg, req, opts, sum)
	}
	if sum.Job != nil {
		var contract string // AB2D names files <contract>_<n>.ndjson
		if len(sum.Files) > 0 {
			contract, _, _ = strings.Cut(filepath.Base(sum.Files[0].Path), "_")
		}
		if uerr := wh.UpdateRun(context.WithoutCancel(ctx), sum.RunID, sum.Job.Job.ID, contract, sum.Job.Job.KickoffAt); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}
	if err = finish(ctx, wh, cfg.Log, err, sum); err == nil && command == "run" {
		sum.NextSince, err = wh.LastKickoff(ctx, cfg.Client.ClientID(), apiVersion, req.TypeFilter())
	}
	return sum, err
}

// run is the stage graph of Run.
func run(ctx context.Context, wh *load.Warehouse, cfg RunConfig, req extract.Request, opts extract.Options, sum Summary) (Summary, error) {
	l := newLoader(wh, cfg.LoadConfig, sum.RunID, true)
	job := &exportJob{client: cfg.Client, hooks: cfg.Hooks}
	g, ctx := errgroup.WithContext(ctx)
	files := make(chan extract.File)       // unbuffered: a file is taken only by a free download worker
	landed := make(chan extract.Landed, 1) // see queue: downloads never wait for the loader
	sources := make(chan source, 1)        // the read stage takes files one at a time
	g.Go(func() error { return job.export(ctx, req, opts, files) })
	workers(g, cfg.Downloads, landed, func(int) error { return job.download(ctx, files, landed) })
	g.Go(func() error { return queue(ctx, landed, sources, job.source) })
	l.start(ctx, g, sources)
	err := g.Wait()
	l.discard()
	sum.Job, sum.Files = job.state, l.results
	if err == nil && job.state != nil {
		err = job.state.MarkLoaded()
	}
	return sum, err
}

// extractOnly is the stage graph of Extract. One verifier runs while files
// download, which keeps up with a download over a network (about 60 MB/s
// of gzip a core) and leaves the other cores to them; all of them run once
// the downloads are done.
func extractOnly(ctx context.Context, cfg RunConfig, req extract.Request, opts extract.Options, sum Summary) (Summary, error) {
	job := &exportJob{client: cfg.Client, hooks: cfg.Hooks}
	g, ctx := errgroup.WithContext(ctx)
	files := make(chan extract.File) // unbuffered: a file is taken only by a free download worker
	// landed holds the small records of files on disk waiting for a
	// verifier; a download worker never waits for one (see queue).
	landed := make(chan extract.Landed, 1)
	toVerify := make(chan extract.Landed, 1)
	verified := make(chan extract.Landed, 1)
	g.Go(func() error { return job.export(ctx, req, opts, files) })
	downloaded := workers(g, cfg.Downloads, landed, func(int) error { return job.download(ctx, files, landed) })
	g.Go(func() error { return queue(ctx, landed, toVerify, func(l extract.Landed) extract.Landed { return l }) })
	workers(g, runtime.GOMAXPROCS(0), verified, func(i int) error {
		if i > 0 {
			select { // see the doc comment
			case <-downloaded:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return job.verify(ctx, toVerify, verified)
	})
	var got []extract.Landed
	g.Go(func() error {
		for l := range verified {
			got = append(got, l)
		}
		return nil
	})
	err := g.Wait()
	sum.Job = job.state
	for _, l := range got {
		sum.Files = append(sum.Files, FileResult{Path: l.Path, Bytes: l.Bytes})
	}
	return sum, err
}

// outcome is the status and message of a run record.
func outcome(ctx context.Context, err error, sum Summary) (status, msg string) {
	msg = sum.Counts()
	failed := sum.Failed()
	switch {
	case err != nil && ctx.Err() != nil:
		return "interrupted", "interrupted: " + msg
	case err != nil:
		return "failed", err.Error()
	case len(failed) > 0:
		names := make([]string, len(failed))
		for i, f := range failed {
			names[i] = f.Path
		}
		return "failed", fmt.Sprintf("%d of %s failed: %s", len(failed), plural(int64(len(sum.Files)), "file"), strings.Join(names, ", "))
	}
	if sum.Job != nil && sum.HasExportErrors() {
		return load.StatusExportErrors, sum.ExportErrorsText() + "; " + msg
	}
	return "succeeded", msg
}

// Tables lists the tables a summary wrote rows to, in catalog order.
func (s Summary) Tables() []TableRows {
	rows := s.Totals().Rows
	var out []TableRows
	for _, t := range schema.Warehouse().Tables {
		if n, ok := rows[t.Name]; ok {
			out = append(out, TableRows{t.Name, n})
		}
	}
	return out
}

// TableRows is a table and a number of rows.
type TableRows struct {
	Table string
	Rows  int64
}
