package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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
	apiVersion                                 string
	credentialsFile                            string
	embedded                                   bool // --sandbox
	client                                     string
	since, until                               string
	serviceDates                               []string
	downloads                                  int
	maxWait                                    time.Duration
	newJob                                     bool
	maxLine                                    byteSize
	sandboxJobSecs                             float64
	sandboxFaults                              []string
	sandboxMaxDL                               int
	report                                     bool // run --report
}

func (o *remoteOptions) register(f *pflag.FlagSet, loads bool) {
	f.StringVar(&o.apiURL, "api-url", "", "API base up to and including /fhir, e.g. https://sandbox.ab2d.cms.gov/api/v2/fhir")
	f.StringVar(&o.tokenURL, "token-url", "", "Okta token endpoint")
	f.StringVar(&o.environment, "environment", "", "AB2D's public sandbox or production: fills --api-url and --token-url (explicit flags win); see --sandbox for the embedded one")
	f.StringVar(&o.apiVersion, "api-version", "", "`VERSION` of the AB2D API: v1 (FHIR STU3), v2 (FHIR R4) or v3 (FHIR R4 with CARIN profiles; allow-listed contracts only); default: from /vN/ in --api-url, else v2")
	f.StringVar(&o.fhirVersion, "fhir-version", "", "the older spelling of --api-version: stu3 (v1) or r4 (v2)")
	f.StringVar(&o.credentialsFile, "credentials-file", "", "`FILE` with the client id and secret (two lines, or AB2D_CLIENT_ID=… and AB2D_CLIENT_SECRET=… lines); default: those environment variables")
	f.BoolVar(&o.embedded, "sandbox", false, "start the embedded AB2D sandbox (synthetic data, no credentials needed) on a free loopback port and use it")
	f.StringVar(&o.client, "client", "Z0000", "with --sandbox: the sandbox contract (Z0000, Z0001, Z0002, Z0005, Z0010; v3 allows all but Z0000)")
	f.StringVar(&o.since, "since", "auto", "auto (the kick-off time of the last successful run for this client and API version; on v3 never before v3's earliest _since, 2026-04-01T00:00:00-05:00), none, a date (2026-11-29), an RFC 3339 time or a duration back from now (24h, 7d)")
	f.StringVar(&o.until, "until", "", "a date or an RFC 3339 time (v2 and v3)")
	f.StringArrayVar(&o.serviceDates, "service-date", nil, "v3 only: claims whose service date satisfies `TERM` ("+extract.ServiceDateGrammar+"); repeatable, every term must hold")
	f.IntVar(&o.downloads, "workers", extract.DefaultWorkers, "parallel downloads (0: the default)")
	f.DurationVar(&o.maxWait, "max-wait", extract.DefaultMaxWait, "give up waiting for the export job after this long")
	f.BoolVar(&o.newJob, "new-job", false, "start a new export even if an unfinished one for the same request could be resumed")
	f.Float64Var(&o.sandboxJobSecs, "sandbox-job-seconds", 2, "with --sandbox: how long the export job runs")
	f.StringArrayVar(&o.sandboxFaults, "sandbox-fault", nil, "with --sandbox: inject a fault (repeatable; see ab2d-etl sandbox --help)")
	f.IntVar(&o.sandboxMaxDL, "sandbox-max-downloads", 6, "with --sandbox: downloads allowed per file")
	if loads {
		f.BoolVar(&o.report, "report", false, "write DIR/report.html (see ab2d-etl report) when the run succeeded")
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
	version, err := apiVersion(o)
	if err != nil {
		return cfg, stop, err
	}
	for _, s := range o.serviceDates {
		d, err := extract.ParseServiceDate(s)
		if err != nil {
			return cfg, stop, usagef("--service-date: %v", err)
		}
		cfg.ServiceDates = append(cfg.ServiceDates, d)
	}
	if err := checkRequest(version, o, cfg); err != nil {
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
		api, token = base+"/api/"+version+"/fhir", base+sandbox.TokenPath
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

// apiVersion resolves --api-version, its older spelling --fhir-version and
// the /vN/ of --api-url, which must agree: v2 when none of them says.
func apiVersion(o *remoteOptions) (string, error) {
	v := strings.ToLower(o.apiVersion)
	if v != "" && !slices.Contains(extract.APIVersions, v) {
		return "", usagef("--api-version %q: want v1, v2 or v3", o.apiVersion)
	}
	if o.fhirVersion != "" {
		fv, ok := map[string]string{"stu3": extract.V1, "r4": extract.V2}[strings.ToLower(o.fhirVersion)]
		if !ok {
			return "", usagef("--fhir-version %q: want stu3 or r4 (or --api-version v1, v2 or v3)", o.fhirVersion)
		}
		if v != "" && v != fv {
			return "", usagef("--fhir-version %s means --api-version %s, not %s: give only --api-version", o.fhirVersion, fv, v)
		}
		v = fv
	}
	if o.apiURL != "" {
		uv, err := extract.APIVersionOf(o.apiURL)
		if err != nil {
			return "", usageError{"--api-url: " + err.Error()}
		}
		if v != "" && v != uv {
			return "", usagef("--api-url %s is AB2D %s, but --api-version (or --fhir-version) says %s", o.apiURL, uv, v)
		}
		v = uv
	}
	if v == "" {
		v = extract.V2
	}
	return v, nil
}

// checkRequest checks what the export asks for against what the API
// version takes (extract.Request.Check), before anything starts: the
// _since floor (v3's is 2026-04-01), _until (not on v1) and --service-date
// (v3 only), and words what it refuses as a usage error in terms of the
// flags.
func checkRequest(version string, o *remoteOptions, cfg pipeline.RunConfig) error {
	req := extract.Request{Since: cfg.Since.Time, Until: cfg.Until, ServiceDates: cfg.ServiceDates}
	var re *extract.RequestError
	if err := req.Check(version); !errors.As(err, &re) {
		return err
	}
	switch re.Param {
	case "_since":
		msg := fmt.Sprintf("--since %s is before %s, the earliest _since AB2D %s accepts", o.since, extract.SinceFloorOf(version).Format(time.RFC3339), version)
		if version == extract.V3 {
			msg += ": give a later time, auto (from the last v3 run, never before that floor) or none (no _since: all v3 has)"
		}
		return usageError{msg}
	case "_until":
		return usageError{"--until is only available on AB2D v2 and v3"}
	case "_typeFilter":
		return usagef("--service-date is an AB2D v3 filter (_typeFilter), which %s does not have: add --api-version v3 or drop --service-date", version)
	}
	return usageError{re.Error()}
}

// endpoints resolves --environment, --api-url and --token-url for an API
// version.
func endpoints(o *remoteOptions, version string) (api, token string, err error) {
	api, token = o.apiURL, o.tokenURL
	var defAPI map[string]string
	var defToken string
	switch o.environment {
	case "":
	case "sandbox":
		defAPI, defToken = map[string]string{extract.V1: extract.SandboxAPIv1, extract.V2: extract.SandboxAPIv2, extract.V3: extract.SandboxAPIv3}, extract.SandboxTokenURL
	case "production":
		defAPI, defToken = map[string]string{extract.V1: extract.ProdAPIv1, extract.V2: extract.ProdAPIv2, extract.V3: extract.ProdAPIv3}, extract.ProdTokenURL
	default:
		return "", "", usagef("--environment %q: want sandbox (AB2D's public sandbox) or production", o.environment)
	}
	if api == "" {
		api = defAPI[version]
	}
	if token == "" {
		token = defToken
	}
	if api == "" || token == "" {
		return "", "", usageError{"where is AB2D? give --environment sandbox|production (AB2D's public endpoints), --api-url and --token-url, or --sandbox (the embedded sandbox, no credentials needed)"}
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
		return v3Refused(err, o)
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
			job.ID, describe(sum, dur, a.out), sum.ExportErrorsText(), sinceText(sum.NextSince))
	case command == "run":
		msg = fmt.Sprintf("run succeeded: job %s, %s; next --since auto: %s", job.ID, describe(sum, dur, a.out), sinceText(sum.NextSince))
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
	if o.report {
		output := filepath.Join(a.out, "report.html")
		if err := writeReport(ctx, a.out, output); err != nil {
			return fmt.Errorf("the run succeeded, the report failed: %w", err)
		}
		a.summary("report: "+output, "command", "report", "file", output)
	}
	if exportErrors {
		return exitCode(exitExportErrors)
	}
	return nil
}

// v3Refused makes AB2D's refusal of v3 (the contract is not allow-listed,
// or v3 is off) a configuration error (exit 2): rerunning cannot help.
func v3Refused(err error, o *remoteOptions) error {
	var v3 *extract.V3AccessError
	if !errors.As(err, &v3) {
		return err
	}
	msg := err.Error()
	if o.embedded && !v3.Off() {
		msg += "; the embedded sandbox allow-lists Z0001 to Z0010 for v3: try --client Z0001"
	}
	return usageError{msg}
}
