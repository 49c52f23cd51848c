package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/samber/lo"
	"golang.org/x/sync/errgroup"

	"github.com/ab2d-etl/ab2d-etl/internal/progress"
	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// extractOptions are the options of `run` and `extract`.
type extractOptions struct {
	common
	command         string // "run" or "extract"
	apiURL          string
	tokenURL        string
	environment     string
	fhirVersion     string
	credentialsFile string
	sandbox         bool
	client          string
	since           string
	until           string
	workers         int
	maxWait         time.Duration
	newJob          bool
	maxLine         int
	sandboxJobSecs  float64
	sandboxFaults   []string
	sandboxMaxDL    int
}

func (o *extractOptions) register(fs *flag.FlagSet) {
	o.common.register(fs)
	fs.StringVar(&o.apiURL, "api-url", "", "API base up to and including /fhir, e.g. https://sandbox.ab2d.cms.gov/api/v2/fhir")
	fs.StringVar(&o.tokenURL, "token-url", "", "Okta token endpoint")
	fs.StringVar(&o.environment, "environment", "", "sandbox or production: fills --api-url and --token-url with the public AB2D values (explicit flags win)")
	fs.StringVar(&o.fhirVersion, "fhir-version", "", "stu3 (AB2D v1) or r4 (AB2D v2); default: from /v1/ or /v2/ in --api-url, else r4")
	fs.StringVar(&o.credentialsFile, "credentials-file", "", "`FILE` with the client id and secret (two lines, or AB2D_CLIENT_ID=… and AB2D_CLIENT_SECRET=… lines); default: those environment variables")
	fs.BoolVar(&o.sandbox, "sandbox", false, "start the embedded AB2D sandbox on a free loopback port and use it")
	fs.StringVar(&o.client, "client", "Z0000", "with --sandbox: the sandbox contract (Z0000, Z0001, Z0002, Z0005, Z0010)")
	fs.StringVar(&o.since, "since", "auto", "RFC3339 time, auto (the kick-off time of the last successful run for this client and API version) or none")
	fs.StringVar(&o.until, "until", "", "RFC3339 time (v2 only)")
	fs.IntVar(&o.workers, "workers", extract.DefaultWorkers, "parallel downloads")
	fs.DurationVar(&o.maxWait, "max-wait", extract.DefaultMaxWait, "give up waiting for the export job after this long")
	fs.BoolVar(&o.newJob, "new-job", false, "start a new export even if an unfinished one for the same request could be resumed")
	fs.IntVar(&o.maxLine, "max-line", transform.DefaultMaxLine, "longest accepted input line in `BYTES`")
	fs.Float64Var(&o.sandboxJobSecs, "sandbox-job-seconds", 2, "with --sandbox: how long the export job runs")
	fs.Var((*repeated)(&o.sandboxFaults), "sandbox-fault", "with --sandbox: inject a fault (repeatable; see ab2d-etl sandbox -h)")
	fs.IntVar(&o.sandboxMaxDL, "sandbox-max-downloads", 6, "with --sandbox: downloads allowed per file")
}

// endpoints resolves --environment, --api-url, --token-url and --fhir-version.
func (o *extractOptions) endpoints() (api, token string, err error) {
	version := strings.ToLower(o.fhirVersion)
	switch version {
	case "", "r4", "stu3":
	default:
		return "", "", usageError{fmt.Sprintf("--fhir-version %q: want stu3 or r4", o.fhirVersion)}
	}
	api, token = o.apiURL, o.tokenURL
	var defAPI1, defAPI2, defToken string
	switch o.environment {
	case "":
	case "sandbox":
		defAPI1, defAPI2, defToken = extract.SandboxAPIv1, extract.SandboxAPIv2, extract.SandboxTokenURL
	case "production":
		defAPI1, defAPI2, defToken = extract.ProdAPIv1, extract.ProdAPIv2, extract.ProdTokenURL
	default:
		return "", "", usageError{fmt.Sprintf("--environment %q: want sandbox or production", o.environment)}
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
		return "", "", usageError{"give --api-url and --token-url, or --environment sandbox|production, or --sandbox"}
	}
	if version != "" {
		got, err := extract.VersionOf(api)
		if err == nil && !strings.EqualFold(got, version) {
			return "", "", usageError{fmt.Sprintf("--fhir-version %s does not match --api-url %s", o.fhirVersion, api)}
		}
	}
	return api, token, nil
}

func cmdExtract(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	o := extractOptions{command: command}
	fs := newFlagSet(command, command+" [flags]", stderr)
	o.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	if o.workers <= 0 || o.maxLine <= 0 || o.maxWait <= 0 {
		return usageError{"--workers, --max-line and --max-wait must be positive"}
	}
	// A person at a terminal gets a progress bar, and only warnings as log
	// lines; anything else gets the structured log.
	showBar := progress.IsTerminal(stderr) && !o.quiet && o.logFormat == "text"
	if showBar {
		o.quiet = true
	}
	log, err := o.logger(stderr)
	if err != nil {
		return err
	}
	bar := progress.New(stderr, showBar)
	defer bar.Done()
	var creds extract.Credentials
	if o.sandbox {
		sb, stop, err := startSandbox(ctx, &o, log)
		if err != nil {
			return err
		}
		defer stop()
		creds = sb
	} else {
		if creds, err = extract.LoadCredentials(o.credentialsFile, os.Getenv); err != nil {
			return usageError{err.Error()}
		}
	}
	api, token, err := o.endpoints()
	if err != nil {
		return err
	}
	if o.fhirVersion == "" {
		if _, err := extract.VersionOf(api); err != nil {
			return usageError{err.Error()}
		}
	}
	c, err := extract.NewClient(extract.Config{APIURL: api, TokenURL: token, Credentials: creds, Logger: log})
	if err != nil {
		return usageError{err.Error()}
	}
	return runExtract(ctx, o, c, log, bar, stdout)
}

// startSandbox starts the embedded sandbox on a free loopback port and
// points the options at it; stop shuts it down.
func startSandbox(ctx context.Context, o *extractOptions, log *slog.Logger) (extract.Credentials, func(), error) {
	cl, ok := sandbox.ClientByContract(o.client)
	if !ok {
		return extract.Credentials{}, nil, usageError{fmt.Sprintf("--client %q: want one of Z0000, Z0001, Z0002, Z0005, Z0010", o.client)}
	}
	faults, err := sandbox.ParseFaults(o.sandboxFaults)
	if err != nil {
		return extract.Credentials{}, nil, usageError{err.Error()}
	}
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
		return extract.Credentials{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return extract.Credentials{}, nil, errors.Join(err, srv.Close())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln) // returns ErrServerClosed on Shutdown
	}()
	base := "http://" + ln.Addr().String()
	v := "v2"
	if strings.EqualFold(o.fhirVersion, "stu3") {
		v = "v1"
	}
	o.apiURL = base + "/api/" + v + "/fhir"
	o.tokenURL = base + sandbox.TokenPath
	log.Info("embedded sandbox started", "url", base, "contract", cl.Contract)
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx) // best effort: the process is ending this run
		<-done
		_ = srv.Close()
	}
	return extract.Credentials{ClientID: cl.ID, Secret: extract.Secret(cl.Secret)}, stop, nil
}

// runExtract is `extract` (download only) and `run` (download, transform,
// load): extract → load as stages connected by a channel, so the first
// file is loaded while the others are still downloading.
func runExtract(ctx context.Context, o extractOptions, c *extract.Client, log *slog.Logger, bar *progress.Bar, stdout io.Writer) (err error) {
	wh, err := load.Open(ctx, o.out)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, wh.Close()) }()

	apiVersion := extract.APIVersion(c.FHIRVersion())
	var req extract.Request
	switch o.since {
	case "auto":
		if req.Since, err = wh.LastKickoff(ctx, c.ClientID(), apiVersion); err != nil {
			return err
		}
	case "none", "":
	default:
		if req.Since, err = time.Parse(time.RFC3339Nano, o.since); err != nil {
			return usageError{fmt.Sprintf("--since %q: want RFC3339 (e.g. 2024-01-31T00:00:00Z), auto or none", o.since)}
		}
	}
	if o.until != "" {
		if req.Until, err = time.Parse(time.RFC3339Nano, o.until); err != nil {
			return usageError{fmt.Sprintf("--until %q: want RFC3339", o.until)}
		}
	}

	runID := load.NewID()
	started := time.Now()
	if err := wh.StartRun(ctx, load.Run{RunID: runID, Command: o.command, ClientID: c.ClientID(), APIVersion: apiVersion,
		Since: req.Since, Until: req.Until, StartedAt: started}); err != nil {
		return err
	}
	sum := summary{loads: o.command == "run"}
	state, err := pipeline(ctx, o, c, wh, req, runID, log, bar, &sum)
	bar.Done()
	if state != nil {
		if uerr := wh.UpdateRun(context.WithoutCancel(ctx), runID, state.Job.ID, sum.contract, state.Job.KickoffAt); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}
	status, msg := "succeeded", sum.String()
	switch {
	case err != nil && ctx.Err() != nil:
		status, msg = "interrupted", "interrupted: "+msg
	case err != nil:
		status, msg = "failed", err.Error()
	}
	if ferr := wh.FinishRun(context.WithoutCancel(ctx), runID, status, msg); ferr != nil {
		err = errors.Join(err, ferr)
	}
	if err != nil {
		return err
	}
	next := "none"
	if state != nil && o.command == "run" {
		next = state.Job.KickoffAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "%s %s in %s: job %s, %s", o.command, status, time.Since(started).Round(time.Millisecond), state.Job.ID, msg)
	if o.command == "run" {
		fmt.Fprintf(stdout, "; next --since auto: %s", next)
	}
	fmt.Fprintln(stdout)
	for _, t := range sum.tables() {
		fmt.Fprintf(stdout, "  %-22s %d rows\n", t.name, t.rows)
	}
	return nil
}

// pipeline runs the stages in one errgroup.
func pipeline(ctx context.Context, o extractOptions, c *extract.Client, wh *load.Warehouse, req extract.Request, runID string, log *slog.Logger, bar *progress.Bar, sum *summary) (*extract.State, error) {
	g, gctx := errgroup.WithContext(ctx)
	// Landed files are on disk, so downloads need not wait for the loader:
	// a queue stage holds the (small) Landed records between the two, and
	// the channels either side of it hold one each.
	landed := make(chan extract.Landed, 1)
	toLoad := make(chan extract.Landed, 1)
	g.Go(func() error { return queue(gctx, landed, toLoad) })
	var state *extract.State
	var live *extract.State // the same state, handed over before the first landed file
	g.Go(func() error {
		var err error
		state, err = extract.Extract(gctx, c, req, extract.Options{
			Landing: filepath.Join(o.out, "landing"),
			Workers: o.workers,
			MaxWait: o.maxWait,
			NewJob:  o.newJob,
			// run verifies each download while loading it, which inflates
			// it anyway: downloads go at network speed.
			VerifyInLoad: o.command == "run",
			OnState:      func(s *extract.State) { live = s },
			OnProgress: func(p extract.Progress) {
				bar.Export(p.Percent)
				log.Info("export running", "progress_percent", p.Percent, "next_poll", p.Wait.String())
			},
			OnManifest: func(m extract.Manifest) { bar.Files(len(m.Files)) },
			OnLanded: func(l extract.Landed, resumed bool) {
				bar.Landed(l.Bytes)
				log.Info("file landed", "file", l.Name, "bytes", l.Bytes, "gzip", l.Gzip, "from_earlier_run", resumed)
			},
			OnVerified: func(l extract.Landed) {
				log.Info("file verified", "file", l.Name, "bytes", l.Bytes, "length", l.Length)
			},
		}, landed)
		return err
	})
	g.Go(func() error {
		var loader *load.Loader
		for l := range toLoad {
			sum.files++
			sum.bytes += l.Bytes
			if sum.contract == "" {
				sum.contract, _, _ = strings.Cut(l.Name, "_")
			}
			if o.command != "run" {
				bar.Loaded(0) // extract only: the file is done once landed
				continue
			}
			if loader == nil {
				loader = load.NewLoader(wh, load.Options{MaxLine: o.maxLine, RunID: runID, JobID: filepath.Base(filepath.Dir(l.Path))})
			}
			res, err := loadLanded(gctx, c, loader, live, l, log)
			if err != nil {
				return err
			}
			sum.add(res)
			bar.Loaded(res.EOBs)
			log.Info("file loaded", "file", l.Name, "load_id", res.LoadID, "eobs", res.EOBs, "rejects", res.Rejects, "already_loaded", res.Skipped)
		}
		return nil
	})
	err := g.Wait()
	if err == nil && state != nil && o.command == "run" {
		err = state.MarkLoaded()
	}
	return state, err
}

// queue passes what arrives on in to out in order, holding as many as the
// receiver has not taken yet, so that the sender never waits for it. It
// closes out after in is closed and drained.
func queue[T any](ctx context.Context, in <-chan T, out chan<- T) error {
	defer close(out)
	var pending []T
	for in != nil || len(pending) > 0 {
		var send chan<- T // nil, and so never ready, while nothing is pending
		var next T
		if len(pending) > 0 {
			send, next = out, pending[0]
		}
		select {
		case v, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			pending = append(pending, v)
		case send <- next:
			pending = pending[1:]
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// loadLanded loads a landed file. One that was not verified on download is
// checked while it loads; if it does not match the manifest, nothing of it
// is committed, and it is downloaded again and verified (while AB2D still
// allows) and loaded.
func loadLanded(ctx context.Context, c *extract.Client, loader *load.Loader, st *extract.State, l extract.Landed, log *slog.Logger) (load.FileResult, error) {
	if l.Verified {
		return loader.LoadFile(ctx, l.Path)
	}
	res, err := loader.LoadFileExpect(ctx, l.Path, load.Expect{SHA256: l.SHA256, Length: l.Length})
	var me *load.MismatchError
	if !errors.As(err, &me) {
		return res, err
	}
	nl, err := c.Redownload(ctx, l, err)
	if err != nil {
		return res, st.RecordFailure(err)
	}
	if err := st.Land(nl); err != nil {
		return res, err
	}
	return loader.LoadFile(ctx, nl.Path)
}

// summary counts what a run moved.
type summary struct {
	loads              bool // the command loads what lands (run, not extract)
	contract           string
	files              int
	bytes              int64
	eobs, issues, rejs int64
	rows               map[string]int64
}

func (s *summary) add(r load.FileResult) {
	s.eobs += r.EOBs
	s.issues += r.Issues
	s.rejs += r.Rejects
	if s.rows == nil {
		s.rows = map[string]int64{}
	}
	for k, v := range r.Rows {
		s.rows[k] += v
	}
}

func (s *summary) String() string {
	if !s.loads { // extract only: nothing is loaded
		return fmt.Sprintf("%d files landed and verified, %.1f MB", s.files, float64(s.bytes)/1e6)
	}
	return fmt.Sprintf("%d files, %.1f MB, %d EOBs, %d export errors, %d rejects", s.files, float64(s.bytes)/1e6, s.eobs, s.issues, s.rejs)
}

type tableRows struct {
	name string
	rows int64
}

// tables lists the tables the run wrote rows to, in catalog order.
func (s *summary) tables() []tableRows {
	return lo.FilterMap(schema.Warehouse().Tables, func(t schema.Table, _ int) (tableRows, bool) {
		n, ok := s.rows[t.Name]
		return tableRows{t.Name, n}, ok
	})
}
