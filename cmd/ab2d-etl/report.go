package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/report"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/spf13/cobra"
)

// reportMemoryLimit bounds DuckDB while it builds the report; the
// aggregations spill to disk past it.
const reportMemoryLimit = "1GB"

// reportCommand is `report`: one HTML page of the warehouse.
func (a *app) reportCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "report [flags]",
		Short: "write an HTML page of the warehouse: totals, charts, data quality, runs",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q: report takes flags only", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				output = filepath.Join(a.out, "report.html")
			}
			started := time.Now()
			if err := writeReport(cmd.Context(), a.out, output); err != nil {
				return err
			}
			a.logger().Info("report written", "file", output, "seconds", fmt.Sprintf("%.2f", time.Since(started).Seconds()))
			a.summary("report: "+output, "command", "report", "file", output)
			return nil
		},
	}
	cmd.Flags().StringVar(&output, "output", "", "HTML `FILE` to write (default: DIR/report.html)")
	return cmd
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
