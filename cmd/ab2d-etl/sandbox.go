package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

// sandboxOptions are the options of `sandbox`.
type sandboxOptions struct {
	logFormat    string
	quiet        bool
	listen       string
	allowRemote  bool
	seed         int64
	scale        float64
	maxDownloads int
	tokenTTL     time.Duration
	jobSeconds   float64
	fileMaxMB    float64
	faults       []string
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func cmdSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o sandboxOptions
	fs := newFlagSet("sandbox", "sandbox [flags]", stderr)
	fs.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&o.quiet, "quiet", false, "log warnings and errors only")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8765", "`ADDR` to serve on (loopback only unless --allow-remote)")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --listen address")
	fs.Int64Var(&o.seed, "seed", 1, "data seed: the same seed serves the same data, byte for byte")
	fs.Float64Var(&o.scale, "scale", 1, "multiplies every contract's number of beneficiaries")
	fs.IntVar(&o.maxDownloads, "max-downloads", sandbox.DefaultMaxDownloads, "downloads allowed per file (the walkthrough says 1; the current service allows 6)")
	fs.DurationVar(&o.tokenTTL, "token-ttl", sandbox.DefaultTokenTTL, "lifetime of access tokens")
	fs.Float64Var(&o.jobSeconds, "job-seconds", 10, "how long an export job runs before it completes, in `SECONDS`")
	fs.Float64Var(&o.fileMaxMB, "file-max-mb", float64(sandbox.DefaultFileMaxBytes>>20), "roll output files over at this many `MB` (uncompressed)")
	fs.Var((*repeated)(&o.faults), "fault", "inject a fault (repeatable; syntax below)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ab2d-etl sandbox [flags]\n\nServes an AB2D-compatible API with synthetic claims on loopback.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\n%s\n", sandbox.FaultHelp)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	if err := sandbox.CheckListenAddr(o.listen, o.allowRemote); err != nil {
		return usageError{err.Error()}
	}
	if o.scale <= 0 || o.jobSeconds < 0 || o.fileMaxMB <= 0 || o.tokenTTL <= 0 {
		return usageError{"--scale, --file-max-mb and --token-ttl must be positive, --job-seconds not negative"}
	}
	faults, err := sandbox.ParseFaults(o.faults)
	if err != nil {
		return usageError{err.Error()}
	}
	c := common{logFormat: o.logFormat, quiet: o.quiet}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	cfg := sandbox.Config{
		Seed:         o.seed,
		Scale:        o.scale,
		MaxDownloads: o.maxDownloads,
		TokenTTL:     o.tokenTTL,
		JobDuration:  time.Duration(o.jobSeconds * float64(time.Second)),
		FileMaxBytes: int64(o.fileMaxMB * (1 << 20)),
		Faults:       faults,
		Source:       sandbox.SyntheticSource(),
		Logger:       log,
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return serveSandbox(ctx, ln, cfg, log, stdout)
}

// serveSandbox serves the sandbox on ln until ctx is done.
func serveSandbox(ctx context.Context, ln net.Listener, cfg sandbox.Config, log *slog.Logger, stdout io.Writer) (err error) {
	srv, err := sandbox.New(cfg)
	if err != nil {
		return errors.Join(err, ln.Close())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "AB2D sandbox on %s\n  token:  POST %s%s\n  API v1 (STU3): %s/api/v1/fhir\n  API v2 (R4):   %s/api/v2/fhir\n\nClients (HTTP Basic id:secret):\n",
		base, base, sandbox.TokenPath, base, base)
	for _, c := range sandbox.Clients() {
		fmt.Fprintf(stdout, "  %-9s %s  %s:%s  %d beneficiaries\n", c.Sponsor, c.Contract, c.ID, c.Secret, int(float64(c.Beneficiaries)*cfg.Scale))
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx) // a stop on request is a normal end
		<-serveErr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, srv.Close())
}
