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

	"github.com/spf13/cobra"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

// sandboxCommand is `sandbox`: the AB2D-compatible API with synthetic
// claims, on loopback, for curl and other clients.
func (a *app) sandboxCommand() *cobra.Command {
	var (
		listen       string
		allowRemote  bool
		seed         int64
		scale        float64
		maxDownloads int
		tokenTTL     time.Duration
		jobSeconds   float64
		fileMaxMB    float64
		faults       []string
	)
	cmd := &cobra.Command{
		Use:   "sandbox [flags]",
		Short: "serve an AB2D-compatible API with synthetic claims on loopback",
		Long:  "Serves an AB2D-compatible API with synthetic claims on loopback.\n\n" + clientsHelp(1) + "\n" + sandbox.FaultHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sandbox.CheckListenAddr(listen, allowRemote); err != nil {
				return usageError{err.Error()}
			}
			if scale <= 0 || jobSeconds < 0 || fileMaxMB <= 0 || tokenTTL <= 0 {
				return usageError{"--scale, --file-max-mb and --token-ttl must be positive, --job-seconds not negative"}
			}
			fs, err := sandbox.ParseFaults(faults)
			if err != nil {
				return usageError{err.Error()}
			}
			log := a.logger()
			cfg := sandbox.Config{
				Seed:         seed,
				Scale:        scale,
				MaxDownloads: maxDownloads,
				TokenTTL:     tokenTTL,
				JobDuration:  time.Duration(jobSeconds * float64(time.Second)),
				FileMaxBytes: int64(fileMaxMB * (1 << 20)),
				Faults:       fs,
				Source:       sandbox.SyntheticSource(),
				Logger:       log,
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("sandbox: %w", err)
			}
			return serveSandbox(cmd.Context(), ln, cfg, log, a.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8765", "`ADDR` to serve on (loopback only unless --allow-remote)")
	f.BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --listen address")
	f.Int64Var(&seed, "seed", 1, "data seed: the same seed serves the same data, byte for byte")
	f.Float64Var(&scale, "scale", 1, "multiplies every contract's number of beneficiaries")
	f.IntVar(&maxDownloads, "max-downloads", sandbox.DefaultMaxDownloads, "downloads allowed per file (the walkthrough says 1; the current service allows 6)")
	f.DurationVar(&tokenTTL, "token-ttl", sandbox.DefaultTokenTTL, "lifetime of access tokens")
	f.Float64Var(&jobSeconds, "job-seconds", 10, "how long an export job runs before it completes, in `SECONDS`")
	f.Float64Var(&fileMaxMB, "file-max-mb", float64(sandbox.DefaultFileMaxBytes>>20), "roll output files over at this many `MB` (uncompressed)")
	f.StringArrayVar(&faults, "fault", nil, "inject a fault (repeatable; syntax below)")
	return cmd
}

// clientsHelp lists the sandbox's clients with their public credentials.
func clientsHelp(scale float64) string {
	var b strings.Builder
	b.WriteString("Clients (the public sandbox credentials of AB2D's getting-started guide; HTTP Basic id:secret):\n")
	for _, c := range sandbox.Clients() {
		n, noun := int(float64(c.Beneficiaries)*scale), "beneficiaries"
		if n == 1 {
			noun = "beneficiary"
		}
		fmt.Fprintf(&b, "  %-9s %s  %s:%s  %d %s\n", c.Sponsor, c.Contract, c.ID, c.Secret, n, noun)
	}
	return b.String()
}

// serveSandbox serves the sandbox on ln until ctx is done.
func serveSandbox(ctx context.Context, ln net.Listener, cfg sandbox.Config, log *slog.Logger, stdout io.Writer) (err error) {
	srv, err := sandbox.New(cfg)
	if err != nil {
		return errors.Join(err, ln.Close())
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "AB2D sandbox on %s\n  token:  POST %s%s\n  API v1 (STU3): %s/api/v1/fhir\n  API v2 (R4):   %s/api/v2/fhir\n\n%s",
		base, base, sandbox.TokenPath, base, base, clientsHelp(cfg.Scale))
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
