package pipeline

import (
	"context"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadFile loads an NDJSON file end to end (flatten, Parquet,
// DuckDB merge) into a fresh warehouse per iteration. The input is
// $AB2D_BENCH_FILE, or the 500-line STU3 sample of testdata/fixtures.
func BenchmarkLoadFile(b *testing.B) {
	path := os.Getenv("AB2D_BENCH_FILE")
	if path == "" {
		path = filepath.Join(fixtures(b), "stu3", "CMSgov-ab2d-website__sample-data-stu3.ndjson")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var eobs int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		wh, err := load.Open(context.Background(), filepath.Join(b.TempDir(), "wh"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := loadOne(context.Background(), wh, path, LoadConfig{})
		if err != nil {
			b.Fatal(err)
		}
		eobs += res.EOBs
		b.StopTimer()
		if err := wh.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(eobs)/b.Elapsed().Seconds(), "EOBs/s")
}
