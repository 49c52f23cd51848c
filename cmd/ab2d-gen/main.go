// Command ab2d-gen writes synthetic AB2D-shaped ExplanationOfBenefit NDJSON
// for demos, tests and benchmarks: FHIR R4 as AB2D v2 exports it (the
// default), STU3 as v1 does, or R4V3 as v3 does. The output is deterministic
// for a given seed and contains no real person's data.
//
// Usage:
//
//	ab2d-gen [-seed N] [-fhir-version R4|STU3|R4V3] (-size SIZE | -count N) [-shape default|ab2d-sample] [-gzip] [-o FILE]
//
// -shape ab2d-sample draws the claim types and the per-EOB counts of each
// claim (diagnoses, care team, lines, procedures) from AB2D's sample export,
// the shape of real AB2D data (see synth.ShapeAB2DSample); the default shape
// is the generator's own, with more lines and fewer diagnoses per claim.
//
// SIZE is the uncompressed byte count, with an optional KB, MB or GB suffix
// (powers of 1000; KiB, MiB and GiB are powers of 1024); generation stops at
// the first line that reaches it. The EOB count goes to stderr. Interrupted
// runs leave no output file behind.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	opts, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ab2d-gen: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, opts, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ab2d-gen: %v\n", err)
		os.Exit(1)
	}
}
