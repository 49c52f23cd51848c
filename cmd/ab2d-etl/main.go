// Command ab2d-etl loads Medicare claims from the CMS AB2D bulk export API
// into an analytics warehouse: Parquet files and DuckDB tables.
//
// Usage:
//
//	ab2d-etl run      [flags]           extract → transform → load, end to end (the nightly job)
//	ab2d-etl extract  [flags]           export, poll, download and verify files into the landing zone only
//	ab2d-etl load     [flags] PATH...   transform + load local NDJSON files (plain or .gz) or folders of them
//	ab2d-etl query    [flags] SQL       run SQL against the warehouse and print the result
//	ab2d-etl schema   [flags] [TABLE]   print the tables, columns, types and FHIR source paths
//	ab2d-etl runs     [flags]           list past runs
//	ab2d-etl sandbox  [flags]           serve an AB2D-compatible API with synthetic data on loopback
//
// Run `ab2d-etl help COMMAND` for a command's flags. Each command is in the
// file of its name; root.go holds what they share.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the Go heap's growth between collections (GOGC), unless the
// environment sets GOGC. The Go heap shares the load's memory with DuckDB,
// whose memory grows with the tables: 75 instead of Go's 100 took a 20 GB
// load's peak RSS from 397 to 376 MB (one run each) for about 1 % more CPU
// (300 MB, 7 alternated rounds: 6.41 vs 6.49 CPU-s, medians).
const gcPercent = 75

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
