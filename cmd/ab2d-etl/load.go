package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ab2d-etl/ab2d-etl/internal/progress"
	"github.com/ab2d-etl/ab2d-etl/pipeline"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

// loadCommand is `load`: NDJSON files (or folders of them) into the
// warehouse.
func (a *app) loadCommand() *cobra.Command {
	var cfg pipeline.LoadConfig
	maxLine := byteSize(transform.DefaultMaxLine)
	cmd := &cobra.Command{
		Use:   "load [flags] PATH...",
		Short: "transform + load NDJSON files (plain or .gz) or folders of them",
		Long: `Loads AB2D ExplanationOfBenefit NDJSON (*.ndjson, *.jsonl, *.json, each optionally .gz) into the
warehouse, each file as one all-or-nothing load. A folder is searched for such files; the landing
folders of 'ab2d-etl extract' can be given as they are.`,
		Example: "  ab2d-etl load --out ./warehouse landing/*/Z0000_*.ndjson.gz",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{"no input: give NDJSON files or folders, e.g. ab2d-etl load landing/"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Workers < 0 {
				return usagef("--workers %d: want a positive number, or 0 for one per CPU", cfg.Workers)
			}
			files, err := pipeline.Inputs(args)
			if err != nil {
				return err
			}
			// A person at a terminal gets a progress bar, and only warnings
			// as log lines, which would break the bar's line; anything
			// else gets the structured log.
			showBar := progress.IsTerminal(a.stderr) && !a.quiet && a.logFormat == "text"
			a.quiet = a.quiet || showBar
			cfg.Out, cfg.MaxLine, cfg.Log = a.out, int(maxLine), a.logger()
			return a.load(cmd, cfg, files, progress.New(a.stderr, showBar, progress.Load))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&cfg.Force, "force", false, "reload files already in the ledger (same sha256)")
	f.IntVar(&cfg.Workers, "workers", 0, "parallel flatten workers (0: one per CPU)")
	f.Var(&maxLine, "max-line", "longest accepted input line, e.g. 64MiB; longer lines are rejected")
	f.StringVar(&cfg.JobID, "job-id", "", "AB2D job id to record with export errors (default: the landing folder's name)")
	return cmd
}

// load loads files, showing its progress on bar, and prints the summary.
func (a *app) load(cmd *cobra.Command, cfg pipeline.LoadConfig, files []string, bar *progress.Bar) error {
	defer bar.Done()
	bar.Files(len(files))
	cfg.Hooks = pipeline.Hooks{
		Loading:  bar.Loading,
		FileDone: func(r pipeline.FileResult) { bar.Loaded(r.EOBs) },
	}
	started := time.Now()
	sum, err := pipeline.LoadFiles(cmd.Context(), cfg, files)
	bar.Done()
	if err != nil {
		return err
	}
	status := "succeeded"
	failed := sum.Failed()
	if len(failed) > 0 {
		status = "failed"
	}
	dur := time.Since(started)
	a.summary(fmt.Sprintf("load %s: %s", status, describe(sum, dur, a.out)), summaryAttrs("load", status, sum, dur)...)
	switch {
	case len(failed) == 1 && len(sum.Files) == 1:
		return errors.New(failedNames(failed))
	case len(failed) > 0:
		return fmt.Errorf("%d of %s failed (nothing of them was loaded; the others were): %s",
			len(failed), plural(len(sum.Files), "file"), failedNames(failed))
	}
	return nil
}
