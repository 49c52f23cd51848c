package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
)

// options are the parsed command line.
type options struct {
	gen   synth.Options
	size  int64  // stop once this many (uncompressed) bytes are written; 0: unset
	count int64  // or after this many EOBs; 0: unset
	out   string // output file, "-" for stdout
	gzip  bool
}

// parseFlags parses and validates the command line.
func parseFlags(args []string) (options, error) {
	var (
		o                    options
		size, shape, version string
	)
	fs := flag.NewFlagSet("ab2d-gen", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "ab2d-gen: write synthetic AB2D ExplanationOfBenefit NDJSON\n\n"+
			"Usage: ab2d-gen [-seed N] [-fhir-version R4|STU3|R4V3] (-size SIZE | -count N) [-shape default|ab2d-sample] [-gzip] [-o FILE]\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&version, "fhir-version", "R4", "rendering: R4 (AB2D v2), STU3 (v1) or R4V3 (v3, final-action claims only)")
	fs.Int64Var(&o.gen.Seed, "seed", 1, "random seed: the same seed gives the same bytes")
	fs.StringVar(&size, "size", "", "approximate uncompressed output size, e.g. 100MB, 1GB, 512KB (powers of 1000; KiB, MiB, GiB: 1024)")
	fs.Int64Var(&o.count, "count", 0, "number of EOBs to write (instead of -size)")
	fs.StringVar(&o.out, "o", "-", "output file (- for stdout); written to a temporary file and renamed when complete")
	fs.BoolVar(&o.gzip, "gzip", false, "gzip the output")
	fs.IntVar(&o.gen.Beneficiaries, "beneficiaries", synth.DefaultBeneficiaries, "size of the beneficiary population")
	fs.Float64Var(&o.gen.VersionRate, "version-rate", synth.DefaultVersionRate, "share of claims exported in several versions (0 for none; -shape ab2d-sample: 0 unless given)")
	fs.StringVar(&shape, "shape", "default", "claim-type mix and per-EOB counts: default, or ab2d-sample (the statistics of AB2D's sample export: about 19 rows and 6.9 KB per EOB)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.gen.Shape, err = synth.ParseShape(shape); err != nil {
		return o, fmt.Errorf("-shape: %w", err)
	}
	if o.gen.Shape == synth.ShapeAB2DSample {
		given := false
		fs.Visit(func(f *flag.Flag) { given = given || f.Name == "version-rate" })
		if !given {
			o.gen.VersionRate = 0 // none, as in the sample
		}
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	v, err := synth.ParseFHIRVersion(version)
	if err != nil {
		return o, fmt.Errorf("-fhir-version: %w", err)
	}
	o.gen.FHIRVersion = v
	if size != "" {
		n, err := parseSize(size)
		if err != nil {
			return o, fmt.Errorf("-size: %w", err)
		}
		o.size = n
	}
	switch {
	case o.size == 0 && o.count == 0:
		return o, errors.New("one of -size or -count is required")
	case o.size != 0 && o.count != 0:
		return o, errors.New("use either -size or -count, not both")
	case o.count < 0:
		return o, errors.New("-count must be positive")
	case o.gen.Beneficiaries < 1:
		return o, errors.New("-beneficiaries must be positive")
	case o.gen.VersionRate < 0 || o.gen.VersionRate > 1:
		return o, errors.New("-version-rate must be between 0 and 1")
	case o.out == "":
		return o, errors.New("-o must not be empty")
	}
	if o.gen.VersionRate == 0 {
		o.gen.VersionRate = -1 // synth: negative means none, zero the default
	}
	return o, nil
}

// parseSize parses a positive byte count with an optional B, KB, MB or GB
// suffix (case-insensitive, powers of 1000 like the MB ab2d-etl reports;
// KiB, MiB and GiB are powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{
		{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
		{"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || f*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 100MB, 1GB, 512KB)", s)
	}
	return int64(f * float64(mult)), nil
}

// run writes the NDJSON and reports the EOB count on stderr.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	var (
		w      io.Writer = stdout
		commit           = func() error { return nil }
	)
	if o.out != "-" {
		f, cerr := os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".tmp-*")
		if cerr != nil {
			return cerr
		}
		tmp := f.Name()
		defer func() {
			if err != nil {
				f.Close()
				os.Remove(tmp)
			}
		}()
		w = f
		commit = func() error {
			if err := f.Chmod(0o644); err != nil {
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			return os.Rename(tmp, o.out)
		}
	}
	w = ctxWriter{ctx, w}
	var zw *gzip.Writer
	if o.gzip {
		zw = gzip.NewWriter(w)
		w = zw
	}

	var n int64
	if o.count > 0 {
		_, err = synth.WriteEOBs(w, o.gen, o.count)
		n = o.count
	} else {
		n, err = synth.WriteNDJSON(w, o.gen, o.size)
	}
	if err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if err := commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ab2d-gen: %d EOBs -> %s\n", n, o.out)
	return nil
}

// ctxWriter fails writes once ctx is done, so an interrupt stops generation.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
