package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ab2d-etl/ab2d-etl/internal/progress"
	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
	"github.com/ab2d-etl/ab2d-etl/pipeline"
	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

// remoteOptions are the flags `run` and `extract` share: where AB2D is,
// who asks, what for.
type remoteOptions struct {
	apiURL, tokenURL, environment, fhirVersion string
	credentialsFile                            string
	embedded                                   bool // --sandbox
	client                                     string
	since, until                               string
	downloads                                  int
	maxWait                                    time.Duration
	newJob                                     bool
	maxLine                                    byteSize
	sandboxJobSecs                             float64
	sandboxFaults                              []string
	sandboxMaxDL                               int
}

func (o *remoteOptions) register(f *pflag.FlagSet, loads bool) {
	f.StringVar(&o.apiURL, "api-url", "", "API base up to and including /fhir, e.g. https://sandbox.ab2d.cms.gov/api/v2/fhir")
	f.StringVar(&o.tokenURL, "token-url", "", "Okta token endpoint")
	f.StringVar(&o.environment, "environment", "", "AB2D's public sandbox or production: fills --api-url and --token-url (explicit flags win); see --sandbox for the embedded one")
	f.StringVar(&o.fhirVersion, "fhir-version", "", "stu3 (AB2D v1) or r4 (AB2D v2); default: from /v1/ or /v2/ in --api-url, else r4")
	f.StringVar(&o.credentialsFile, "credentials-file", "", "`FILE` with the client id and secret (two lines, or AB2D_CLIENT_ID=… and AB2D_CLIENT_SECRET=… lines); default: those environment variables")
	f.BoolVar(&o.embedded, "sandbox", false, "start the embedded AB2D sandbox (synthetic data, no credentials needed) on a free loopback port and use it")
	f.StringVar(&o.client, "client", "Z0000", "with --sandbox: the sandbox contract (Z0000, Z0001, Z0002, Z0005, Z0010)")
	f.StringVar(&o.since, "since", "auto", "auto (the kick-off time of the last successful run for this client and API version), none, a date (2026-11-29), an RFC 3339 time or a duration back from now (24h, 7d)")
	f.StringVar(&o.until, "until", "", "a date or an RFC 3339 time (v2 only)")
	f.IntVar(&o.downloads, "workers", extract.DefaultWorkers, "parallel downloads (0: the default)")
	f.DurationVar(&o.maxWait, "max-wait", extract.DefaultMaxWait, "give up waiting for the export job after this long")
	f.BoolVar(&o.newJob, "new-job", false, "start a new export even if an unfinished one for the same request could be resumed")
	f.Float64Var(&o.sandboxJobSecs, "sandbox-job-seconds", 2, "with --sandbox: how long the export job runs")
	f.StringArrayVar(&o.sandboxFaults, "sandbox-fault", nil, "with --sandbox: inject a fault (repeatable; see ab2d-etl sandbox --help)")
	f.IntVar(&o.sandboxMaxDL, "sandbox-max-downloads", 6, "with --sandbox: downloads allowed per file")
	if loads {
		o.maxLine = byteSize(transform.DefaultMaxLine)
		f.Var(&o.maxLine, "max-line", "longest accepted input line, e.g. 64MiB; longer lines are rejected")
	}
}

// config checks the flags (all of them, before anything starts) and turns
// them into the pipeline's configuration. The embedded sandbox, when asked
// for, is started last; stop shuts it down.
func (a *app) remoteConfig(ctx context.Context, o *remoteOptions) (cfg pipeline.RunConfig, stop func(), err error) {
	stop = func() {}
	if o.downloads < 0 || o.maxWait <= 0 {
		return cfg, stop, usageError{"--workers must be 0 (the default) or more, --max-wait positive"}
	}
	now := time.Now()
	cfg.Since.Auto, cfg.Since.Time, err = parseSince(o.since, now)
	if err != nil {
		return cfg, stop, err
	}
	if o.until != "" {
		if cfg.Until, err = parseTime(o.until); err != nil {
			return cfg, stop, usagef("--until %q: want a date (2026-11-29) or an RFC 3339 time", o.until)
		}
		if !cfg.Since.Time.IsZero() && !cfg.Until.After(cfg.Since.Time) {
			return cfg, stop, usagef("--until %s is not after --since %s", o.until, o.since)
		}
	}
	version := strings.ToLower(o.fhirVersion)
	switch version {
	case "", "r4", "stu3":
	default:
		return cfg, stop, usagef("--fhir-version %q: want stu3 or r4", o.fhirVersion)
	}
	if err := checkOut(a.out); err != nil {
		return cfg, stop, err
	}
	log := a.logger()
	var creds extract.Credentials
	api, token := o.apiURL, o.tokenURL
	if o.embedded {
		if o.environment != "" || api != "" || token != "" {
			return cfg, stop, usageError{"--sandbox starts the embedded sandbox: it takes no --environment, --api-url or --token-url"}
		}
		cl, ok := sandbox.ClientByContract(o.client)
		if !ok {
			return cfg, stop, usagef("--client %q: want one of Z0000, Z0001, Z0002, Z0005, Z0010", o.client)
		}
		faults, err := sandbox.ParseFaults(o.sandboxFaults)
		if err != nil {
			return cfg, stop, usageError{err.Error()}
		}
		base, stopSandbox, err := startSandbox(ctx, o, faults, log)
		if err != nil {
			return cfg, stop, err
		}
		stop = stopSandbox
		v := "v2"
		if version == "stu3" {
			v = "v1"
		}
		api, token = base+"/api/"+v+"/fhir", base+sandbox.TokenPath
		creds = extract.Credentials{ClientID: cl.ID, Secret: extract.Secret(cl.Secret)}
		log.Info("embedded sandbox started", "url", base, "contract", cl.Contract)
	} else {
		if api, token, err = endpoints(o, version); err != nil {
			return cfg, stop, err
		}
		if creds, err = extract.LoadCredentials(o.credentialsFile, os.Getenv); err != nil {
			msg := err.Error()
			if o.environment == "sandbox" {
				msg += "; AB2D's public sandbox takes the public credentials 'ab2d-etl sandbox -h' lists, " +
					"or use --sandbox (the embedded sandbox, no credentials needed; --client picks its contract)"
			}
			return cfg, stop, usageError{msg}
		}
	}
	c, err := extract.NewClient(extract.Config{APIURL: api, TokenURL: token, Credentials: creds, Logger: log})
	if err != nil {
		stop()
		return cfg, func() {}, usageError{err.Error()}
	}
	cfg.Client = c
	cfg.Out, cfg.MaxLine, cfg.Log = a.out, int(o.maxLine), log
	cfg.Downloads, cfg.MaxWait, cfg.NewJob = o.downloads, o.maxWait, o.newJob
	return cfg, stop, nil
}

// endpoints resolves --environment, --api-url, --token-url and
// --fhir-version.
func endpoints(o *remoteOptions, version string) (api, token string, err error) {
	api, token = o.apiURL, o.tokenURL
	var defAPI1, defAPI2, defToken string
	switch o.environment {
	case "":
	case "sandbox":
		defAPI1, defAPI2, defToken = extract.SandboxAPIv1, extract.SandboxAPIv2, extract.SandboxTokenURL
	case "production":
		defAPI1, defAPI2, defToken = extract.ProdAPIv1, extract.ProdAPIv2, extract.ProdTokenURL
	default:
		return "", "", usagef("--environment %q: want sandbox (AB2D's public sandbox) or production", o.environment)
	}
	if api == "" {
		api = defAPI2
		if version == "stu3" {
			api = defAPI1
		}
	}
	if token == "" {
		token = defToken
	}
	if api == "" || token == "" {
		return "", "", usageError{"where is AB2D? give --environment sandbox|production (AB2D's public endpoints), --api-url and --token-url, or --sandbox (the embedded sandbox, no credentials needed)"}
	}
	got, err := extract.VersionOf(api)
	if err != nil {
		return "", "", usageError{err.Error()}
	}
	if version != "" && !strings.EqualFold(got, version) {
		return "", "", usagef("--fhir-version %s does not match --api-url %s", o.fhirVersion, api)
	}
	return api, token, nil
}

// checkOut refuses an --out that is a file (the DuckDB file itself, as the
// duckdb CLI takes it, say).
func checkOut(out string) error {
	fi, err := os.Stat(out)
	if err == nil && !fi.IsDir() {
		return usagef("--out %s is a file; give the warehouse folder (the one holding warehouse.duckdb)", out)
	}
	return nil
}

// startSandbox starts the embedded sandbox on a free loopback port and
// returns its base URL; stop shuts it down.
func startSandbox(ctx context.Context, o *remoteOptions, faults []sandbox.Fault, log *slog.Logger) (string, func(), error) {
	srv, err := sandbox.New(sandbox.Config{
		Seed:         1,
		JobDuration:  time.Duration(o.sandboxJobSecs * float64(time.Second)),
		RetryAfter:   time.Second,
		MaxDownloads: o.sandboxMaxDL,
		Faults:       faults,
		Source:       sandbox.SyntheticSource(),
		Logger:       log.With("component", "sandbox"),
	})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, errors.Join(err, srv.Close())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln) // returns ErrServerClosed on Shutdown
	}()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx) // best effort: the process is ending this run
		<-done
		_ = srv.Close()
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// remoteHooks shows a run's progress on bar and in the log.
func remoteHooks(bar *progress.Bar, log *slog.Logger) pipeline.Hooks {
	return pipeline.Hooks{
		ExportProgress: func(job string, p extract.Progress) {
			bar.Export(job, p.Percent, p.Elapsed)
			log.Info("export running", "job_id", job, "progress_percent", p.Percent, "elapsed", p.Elapsed.Round(time.Second).String(), "next_poll", p.Wait.String())
		},
		Manifest: func(st *extract.State) { bar.Files(len(st.Manifest.Files)) },
		Landed: func(l extract.Landed, resumed bool) {
			bar.Landed(l.Bytes)
			log.Info("file landed", "file", l.Name, "bytes", l.Bytes, "gzip", l.Gzip, "from_earlier_run", resumed)
		},
		Verified: func(l extract.Landed) {
			log.Info("file verified", "file", l.Name, "bytes", l.Bytes, "length", l.Length)
		},
		Loading:  bar.Loading,
		FileDone: func(r pipeline.FileResult) { bar.Loaded(r.EOBs) },
	}
}

// runRemote runs `run` or `extract` and prints its summary.
func (a *app) runRemote(cmd *cobra.Command, o *remoteOptions, command string) error {
	ctx := cmd.Context()
	// A person at a terminal gets a progress bar, and only warnings as log
	// lines; anything else gets the structured log.
	if err := checkSandboxOnly(cmd.Flags(), o.embedded); err != nil {
		return err
	}
	showBar := progress.IsTerminal(a.stderr) && !a.quiet && a.logFormat == "text"
	if showBar {
		a.quiet = true
	}
	cfg, stop, err := a.remoteConfig(ctx, o)
	defer stop()
	if err != nil {
		return err
	}
	mode := progress.Run
	if command == "extract" {
		mode = progress.Extract
	}
	bar := progress.New(a.stderr, showBar, mode)
	defer bar.Done()
	cfg.Hooks = remoteHooks(bar, cfg.Log)
	started := time.Now()
	var sum pipeline.Summary
	if command == "run" {
		sum, err = pipeline.Run(ctx, cfg)
	} else {
		sum, err = pipeline.Extract(ctx, cfg)
	}
	bar.Done()
	if err != nil {
		return err
	}
	dur := time.Since(started)
	job := sum.Job.Job
	status, exportErrors := "succeeded", sum.HasExportErrors()
	if exportErrors {
		status = load.StatusExportErrors
	}
	var msg string
	switch {
	case command == "run" && exportErrors:
		msg = fmt.Sprintf("run finished with export errors: job %s, %s; %s (next --since auto: %s)",
			job.ID, describe(sum, dur, a.out), sum.ExportErrorsText(), sinceText(sum.Job.Since))
	case command == "run":
		msg = fmt.Sprintf("run succeeded: job %s, %s; next --since auto: %s", job.ID, describe(sum, dur, a.out), job.KickoffAt.UTC().Format(time.RFC3339))
	default:
		t := sum.Totals()
		verb, note := "succeeded", ""
		if exportErrors {
			verb, note = "finished with export errors", "; "+sum.ExportErrorsText()
		}
		msg = fmt.Sprintf("extract %s: job %s, %s landed and verified, %.1f MB in %s, in %s%s; next: %s",
			verb, job.ID, plural(len(sum.Files), "file"), float64(t.Bytes)/1e6, dur.Round(time.Millisecond), sum.Job.Dir(), note, nextStep(cmd, o, a.out, sum.Job))
	}
	a.summary(msg, summaryAttrs(command, status, sum, dur)...)
	if a.logFormat == "text" && command == "run" {
		for _, t := range sum.Tables() {
			fmt.Fprintf(a.stdout, "  %-22s %s\n", t.Table, plural(int(t.Rows), "row"))
		}
	}
	if exportErrors {
		return exitCode(exitExportErrors)
	}
	return nil
}
