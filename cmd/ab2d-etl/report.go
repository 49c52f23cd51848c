package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/report"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// reportMemoryLimit bounds DuckDB while it builds the report; the
// aggregations spill to disk past it.
const reportMemoryLimit = "1GB"

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var output string
	fs := newFlagSet("report", "report [flags]", stderr)
	c.register(fs)
	fs.StringVar(&output, "output", "", "HTML `FILE` to write (default: DIR/report.html)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q: report takes flags only", fs.Arg(0))}
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if output == "" {
		output = filepath.Join(c.out, "report.html")
	}
	started := time.Now()
	if err := writeReport(ctx, c.out, output); err != nil {
		return err
	}
	log.Info("report written", "file", output, "seconds", fmt.Sprintf("%.2f", time.Since(started).Seconds()))
	fmt.Fprintf(stdout, "report: %s\n", output)
	return nil
}

// writeReport builds the report of the warehouse in dir and writes it to
// output, through a temporary file renamed into place, so that a reader
// never sees half a page.
func writeReport(ctx context.Context, dir, output string) (err error) {
	db, err := load.OpenReadOnly(ctx, dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if _, err := db.ExecContext(ctx, "SET memory_limit = '"+reportMemoryLimit+"'"); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r, err := report.Build(ctx, db)
	if err != nil {
		return err
	}
	r.Warehouse = dir
	if abs, err := filepath.Abs(dir); err == nil {
		r.Warehouse = abs
	}
	f, err := os.CreateTemp(filepath.Dir(output), ".report-*.html")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp) // best effort: the error says what went wrong
		}
	}()
	if err := r.WriteHTML(f); err != nil {
		return errors.Join(err, f.Close())
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, output); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
