package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Exit codes, as the SPEC fixes them.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

const usage = `ab2d-etl: AB2D claims into Parquet and DuckDB

Usage:
  ab2d-etl sandbox [flags]          serve an AB2D-compatible API with synthetic data on loopback
  ab2d-etl run    [flags]           extract → transform → load, end to end (the nightly job)
  ab2d-etl extract [flags]          extract only: export, poll, download and verify files into the landing zone
  ab2d-etl load   [flags] PATH...   transform + load local NDJSON files (plain or .gz) or folders of them
  ab2d-etl query  [flags] SQL       run SQL against the warehouse and print the result
  ab2d-etl schema [flags]           print the tables, columns, types, FHIR source paths and descriptions
  ab2d-etl runs   [flags]           list past runs: when, what, how many rows, how it ended
  ab2d-etl report [flags]           write an HTML page of the warehouse: totals, charts, data quality, runs

Run 'ab2d-etl COMMAND -h' for the flags of a command.
`

// usageError marks errors in the command line or configuration (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run dispatches a command and maps its outcome to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Protected health information: whatever the caller's umask, what this
	// process creates (folders, Parquet, DuckDB's own files and WAL, the
	// landing zone) is readable by its owner only.
	syscall.Umask(0o077)
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "load":
		err = cmdLoad(ctx, args[1:], stdout, stderr)
	case "query":
		err = cmdQuery(ctx, args[1:], stdout, stderr)
	case "schema":
		err = cmdSchema(args[1:], stdout, stderr)
	case "runs":
		err = cmdRuns(ctx, args[1:], stdout, stderr)
	case "report":
		err = cmdReport(ctx, args[1:], stdout, stderr)
	case "sandbox":
		err = cmdSandbox(ctx, args[1:], stdout, stderr)
	case "run", "extract":
		err = cmdExtract(ctx, args[0], args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "ab2d-etl: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ab2d-etl %s: %v\n", args[0], err)
		return exitUsage
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		fmt.Fprintf(stderr, "ab2d-etl %s: interrupted; the warehouse holds every file loaded before the interruption, rerun to continue\n", args[0])
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "ab2d-etl %s: %v\n", args[0], err)
		return exitFailed
	}
}

// common are the flags every command takes.
type common struct {
	out       string
	logFormat string
	quiet     bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.out, "out", "./warehouse", "warehouse `DIR`")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&c.quiet, "quiet", false, "log warnings and errors only")
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	level := slog.LevelInfo
	if c.quiet {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: want text or json", c.logFormat)}
}

// parse parses a command's flags; errors are usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ab2d-etl %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// loadOptions are the options of `load`.
type loadOptions struct {
	common
	paths   []string
	force   bool
	workers int
	maxLine int
	jobID   string
}

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o loadOptions
	fs := newFlagSet("load", "load [flags] PATH...", stderr)
	o.register(fs)
	fs.BoolVar(&o.force, "force", false, "reload files already in the ledger (same sha256)")
	fs.IntVar(&o.workers, "workers", 0, "parallel flatten workers (default: number of CPUs)")
	fs.IntVar(&o.maxLine, "max-line", transform.DefaultMaxLine, "longest accepted input line in `BYTES`; longer lines are rejected")
	fs.StringVar(&o.jobID, "job-id", "", "AB2D job id to record with export errors (default: the landing folder's name)")
	if err := parse(fs, args); err != nil {
		return err
	}
	o.paths = fs.Args()
	if len(o.paths) == 0 {
		return usageError{"no input: give NDJSON files or folders"}
	}
	if o.maxLine <= 0 || o.workers < 0 {
		return usageError{"--max-line must be positive and --workers not negative"}
	}
	log, err := o.logger(stderr)
	if err != nil {
		return err
	}
	return runLoad(ctx, o, log, stdout)
}

func runLoad(ctx context.Context, o loadOptions, log *slog.Logger, stdout io.Writer) (err error) {
	files, err := load.Inputs(o.paths)
	if err != nil {
		return err
	}
	wh, err := load.Open(ctx, o.out)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, wh.Close()) }()

	runID := load.NewID()
	started := time.Now()
	if err := wh.StartRun(ctx, load.Run{RunID: runID, Command: "load", JobID: o.jobID, StartedAt: started}); err != nil {
		return err
	}
	var total load.FileResult
	var failed []string
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		l := load.NewLoader(wh, load.Options{Workers: o.workers, MaxLine: o.maxLine, Force: o.force, RunID: runID, JobID: jobIDFor(o.jobID, f)})
		t0 := time.Now()
		res, err := l.LoadFile(ctx, f)
		switch {
		case err != nil && ctx.Err() != nil:
			// interrupted: reported below
		case err != nil:
			log.Error("file not loaded; nothing of it was written", "file", f, "err", err)
			failed = append(failed, f)
		case res.Skipped:
			log.Info("already loaded, skipped (use --force to reload)", "file", f, "load_id", res.LoadID)
		default:
			secs := time.Since(t0).Seconds()
			log.Info("loaded", "file", f, "load_id", res.LoadID, "eobs", res.EOBs, "rejects", res.Rejects,
				"export_errors", res.Issues, "mb_per_s", fmt.Sprintf("%.1f", float64(res.Bytes)/1e6/secs))
			if res.Rejects > 0 {
				log.Warn("lines rejected; see the rejects table", "file", f, "rejects", res.Rejects)
			}
		}
		total.Bytes += res.Bytes
		total.EOBs += res.EOBs
		total.Issues += res.Issues
		total.Rejects += res.Rejects
	}
	status, msg := "succeeded", fmt.Sprintf("%d files, %d EOBs, %d rejects", len(files), total.EOBs, total.Rejects)
	switch {
	case ctx.Err() != nil:
		status, msg = "interrupted", "interrupted; "+msg
	case len(failed) > 0:
		status, msg = "failed", fmt.Sprintf("%d of %d files failed: %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	if err := wh.FinishRun(context.WithoutCancel(ctx), runID, status, msg); err != nil {
		return err
	}
	dur := time.Since(started)
	fmt.Fprintf(stdout, "load %s: %d files, %.1f MB, %d EOBs, %d export errors, %d rejects in %s (%.1f MB/s) into %s\n",
		status, len(files), float64(total.Bytes)/1e6, total.EOBs, total.Issues, total.Rejects,
		dur.Round(time.Millisecond), float64(total.Bytes)/1e6/dur.Seconds(), o.out)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case len(failed) > 0:
		return errors.New(msg)
	}
	return nil
}

// jobIDFor returns the AB2D job id recorded with export errors: the flag, or
// the name of the landing folder (DIR/landing/<job_id>/<file>).
func jobIDFor(flagValue, file string) string {
	if flagValue != "" {
		return flagValue
	}
	dir := filepath.Dir(file)
	if filepath.Base(filepath.Dir(dir)) == "landing" {
		return filepath.Base(dir)
	}
	return ""
}

func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var format string
	fs := newFlagSet("query", "query [flags] SQL", stderr)
	c.register(fs)
	fs.StringVar(&format, "format", "table", "output format: table, csv or json (one object per line)")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := queryfmt.ParseFormat(format)
	if err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		return usageError{"no SQL given, e.g. ab2d-etl query 'SELECT claim_type, count(*) FROM claims GROUP BY 1'"}
	}
	q := strings.Join(fs.Args(), " ")
	db, err := load.OpenReadOnly(ctx, c.out)
	if err != nil {
		return err
	}
	defer db.Close() // read-only handle
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("SQL error: %w", err)
	}
	defer rows.Close()
	if _, err := queryfmt.Write(stdout, rows, f); err != nil {
		return fmt.Errorf("SQL error: %w", err)
	}
	return nil
}

func cmdSchema(args []string, stdout, stderr io.Writer) error {
	var format string
	fs := newFlagSet("schema", "schema [--format markdown|json]", stderr)
	fs.StringVar(&format, "format", "markdown", "markdown or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	cat := schema.Warehouse()
	switch format {
	case "markdown", "md":
		return cat.WriteMarkdown(stdout)
	case "json":
		return cat.WriteJSON(stdout)
	}
	return usageError{fmt.Sprintf("--format %q: want markdown or json", format)}
}

func cmdRuns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var format string
	var limit int
	fs := newFlagSet("runs", "runs [flags]", stderr)
	c.register(fs)
	fs.StringVar(&format, "format", "table", "output format: table, csv or json")
	fs.IntVar(&limit, "limit", 20, "newest `N` runs")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := queryfmt.ParseFormat(format)
	if err != nil {
		return usageError{err.Error()}
	}
	db, err := load.OpenReadOnly(ctx, c.out)
	if err != nil {
		return err
	}
	defer db.Close() // read-only handle
	rows, err := db.QueryContext(ctx, `SELECT r.run_id, r.command, r.status, r.started_at,
  round(epoch(r.finished_at - r.started_at), 1) AS seconds,
  (SELECT count(*) FROM loads l WHERE l.run_id = r.run_id) AS files,
  (SELECT coalesce(sum(l.rows), 0) FROM loads l WHERE l.run_id = r.run_id) AS resources,
  (SELECT coalesce(sum(l.rejects), 0) FROM loads l WHERE l.run_id = r.run_id) AS rejects,
  r.job_id, r.message
FROM runs r ORDER BY r.started_at DESC LIMIT ?`, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	_, err = queryfmt.Write(stdout, rows, f)
	return err
}
