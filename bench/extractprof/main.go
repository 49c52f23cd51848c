// Command extractprof runs the extract stage (pipeline/extract, as
// `ab2d-etl extract --since none` does) against an AB2D-compatible server
// with a CPU profile of the download and verification phase only: the
// profile starts when the manifest is known and stops when the last file is
// landed and verified. For bench/profile.sh.
//
// Credentials come from AB2D_CLIENT_ID / AB2D_CLIENT_SECRET.
//
// Usage:
//
//	extractprof -api-url URL -token-url URL -out DIR -cpuprofile FILE [-workers 4]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/ab2d-etl/ab2d-etl/pipeline"
	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
)

func main() {
	var apiURL, tokenURL, out, profile string
	var workers int
	flag.StringVar(&apiURL, "api-url", "", "API base up to and including /fhir (required)")
	flag.StringVar(&tokenURL, "token-url", "", "token endpoint (required)")
	flag.StringVar(&out, "out", "", "folder to land the files in (required)")
	flag.StringVar(&profile, "cpuprofile", "", "CPU profile of the download phase (required)")
	flag.IntVar(&workers, "workers", extract.DefaultWorkers, "parallel downloads")
	flag.Parse()
	if apiURL == "" || tokenURL == "" || out == "" || profile == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(apiURL, tokenURL, out, profile, workers); err != nil {
		fmt.Fprintf(os.Stderr, "extractprof: %v\n", err)
		os.Exit(1)
	}
}

func run(apiURL, tokenURL, out, profile string, workers int) error {
	creds, err := extract.LoadCredentials("", os.Getenv)
	if err != nil {
		return err
	}
	c, err := extract.NewClient(extract.Config{APIURL: apiURL, TokenURL: tokenURL, Credentials: creds})
	if err != nil {
		return err
	}
	pf, err := os.Create(profile)
	if err != nil {
		return err
	}
	defer pf.Close()
	var start time.Time
	profiling := false
	sum, err := pipeline.Extract(context.Background(), pipeline.RunConfig{
		LoadConfig: pipeline.LoadConfig{Out: out, Hooks: pipeline.Hooks{
			Manifest: func(*extract.State) {
				start = time.Now()
				profiling = pprof.StartCPUProfile(pf) == nil
			},
		}},
		Client:    c,
		Downloads: workers,
		NewJob:    true,
	})
	if profiling {
		pprof.StopCPUProfile()
	}
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	files, bytes := len(sum.Files), sum.Totals().Bytes
	fmt.Printf("files=%d gzip_bytes=%d landed_and_verified_s=%.3f mb_s=%.1f\n", files, bytes, elapsed.Seconds(), float64(bytes)/1e6/elapsed.Seconds())
	return nil
}
