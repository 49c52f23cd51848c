package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"100MB": 100e6, "1GB": 1e9, "512kb": 512e3, "1.5G": 15e8,
		"2MiB": 2 << 20, "1GiB": 1 << 30, "12345": 12345, "10B": 10,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "0", "ten", "1TB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) succeeded", in)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-seed", "7", "-size", "1MB", "-o", "x.ndjson"})
	if err != nil || o.gen.Seed != 7 || o.size != 1e6 || o.out != "x.ndjson" || o.gzip || o.gen.FHIRVersion != synth.R4 {
		t.Errorf("parseFlags = %+v, %v", o, err)
	}
	for in, want := range map[string]synth.FHIRVersion{"R4": synth.R4, "stu3": synth.STU3, "R4V3": synth.R4V3, "v3": synth.R4V3} {
		if o, err := parseFlags([]string{"-count", "1", "-fhir-version", in}); err != nil || o.gen.FHIRVersion != want {
			t.Errorf("-fhir-version %s: %q, %v", in, o.gen.FHIRVersion, err)
		}
	}
	for _, args := range [][]string{
		{},                              // neither -size nor -count
		{"-size", "1MB", "-count", "3"}, // both
		{"-count", "-2"},
		{"-size", "lots"},
		{"-count", "3", "extra"},
		{"-count", "3", "-version-rate", "2"},
		{"-count", "3", "-fhir-version", "R5"},
		{"-count", "3", "-shape", "real"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
}

func TestParseFlagsShape(t *testing.T) {
	for _, c := range []struct {
		args    []string
		shape   synth.Shape
		version float64
	}{
		{[]string{"-count", "3"}, synth.ShapeDefault, synth.DefaultVersionRate},
		{[]string{"-count", "3", "-shape", "default"}, synth.ShapeDefault, synth.DefaultVersionRate},
		{[]string{"-count", "3", "-shape", "ab2d-sample"}, synth.ShapeAB2DSample, -1},
		{[]string{"-count", "3", "-shape", "ab2d-sample", "-version-rate", "0.2"}, synth.ShapeAB2DSample, 0.2},
	} {
		o, err := parseFlags(c.args)
		if err != nil || o.gen.Shape != c.shape || o.gen.VersionRate != c.version {
			t.Errorf("parseFlags(%q): shape %q, version rate %v, %v; want %q, %v", c.args, o.gen.Shape, o.gen.VersionRate, err, c.shape, c.version)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer

	plain := filepath.Join(dir, "a.ndjson")
	o, err := parseFlags([]string{"-seed", "1", "-count", "20", "-o", plain})
	if err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), o, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("\n")); n != 20 {
		t.Errorf("%d lines, want 20", n)
	}
	if !strings.Contains(stderr.String(), "20 EOBs") {
		t.Errorf("stderr %q lacks the count", stderr.String())
	}

	gz := filepath.Join(dir, "a.ndjson.gz")
	o, _ = parseFlags([]string{"-seed", "1", "-count", "20", "-gzip", "-o", gz})
	if err := run(context.Background(), o, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unz, data) {
		t.Errorf("gzip output differs from plain output (%v)", err)
	}

	// -size to stdout
	var out bytes.Buffer
	o, _ = parseFlags([]string{"-size", "100KB"})
	if err := run(context.Background(), o, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if out.Len() < 100e3 {
		t.Errorf("wrote %d bytes for -size 100KB", out.Len())
	}

	// a cancelled run leaves no file behind
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gone := filepath.Join(dir, "gone.ndjson")
	o, _ = parseFlags([]string{"-size", "10MB", "-o", gone})
	if err := run(ctx, o, io.Discard, io.Discard); err == nil {
		t.Error("cancelled run succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("directory holds %d entries after a cancelled run, want 2", len(entries))
	}
}
