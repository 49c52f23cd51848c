// Command ab2d-etl loads Medicare Part A/B claims from the CMS AB2D bulk
// export API into an analytics warehouse: Parquet files and DuckDB tables.
//
// Usage:
//
//	ab2d-etl sandbox [flags]          serve an AB2D-compatible API with synthetic data on loopback
//	ab2d-etl load   [flags] PATH...   transform + load local NDJSON files (plain or .gz) or folders
//	ab2d-etl query  [flags] SQL       run SQL against the warehouse and print the result
//	ab2d-etl schema [flags]           print the tables, columns, types and FHIR source paths
//	ab2d-etl runs   [flags]           list past runs
//
// Run `ab2d-etl COMMAND -h` for a command's flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
