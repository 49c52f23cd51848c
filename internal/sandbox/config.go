package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// TokenPath is the path of the token endpoint, the same as on the AB2D
// sandbox identity provider (https://test.idp.idm.cms.gov).
const TokenPath = "/oauth2/aus2r7y3gdaFMKBol297/v1/token"

// Defaults applied by [New] to zero [Config] fields.
const (
	// DefaultMaxDownloads is how often a file may be downloaded: once, as the
	// getting-started walkthrough says (the current service allows 6).
	DefaultMaxDownloads = 1
	// DefaultTokenTTL is the lifetime of an access token (the walkthrough's
	// "1 hour"; the current docs say 30 minutes).
	DefaultTokenTTL = time.Hour
	// DefaultFileMaxBytes is the uncompressed size at which output files roll
	// over (the service's job.file.rollover.ndjson=200 MB).
	DefaultFileMaxBytes int64 = 200 << 20
	// DefaultMaxActiveJobs is the number of unfinished jobs a client may have
	// (the PdpClient.maxParallelJobs column default).
	DefaultMaxActiveJobs = 1
	// DefaultRetryAfter is the Retry-After delay of status responses and the
	// minimum interval between two polls of one job (api.retry-after.delay).
	DefaultRetryAfter = 5 * time.Second
	// DefaultFileTTL is how long after completion a job's files can be
	// downloaded (audit.files.ttl.hours=72); it is also the manifest's Expires.
	DefaultFileTTL = 72 * time.Hour
)

// Config configures a [Server]. The zero value of every field except Source
// selects a default.
type Config struct {
	// Seed is passed to the Source and decides rate-based faults: the same
	// seed gives the same data and the same fault decisions.
	Seed int64
	// Scale multiplies every contract's beneficiary count (0 means 1).
	Scale float64
	// MaxDownloads is how many times each file can be downloaded
	// (0: DefaultMaxDownloads, negative: unlimited).
	MaxDownloads int
	// TokenTTL is the lifetime of issued tokens and their expires_in
	// (0: DefaultTokenTTL).
	TokenTTL time.Duration
	// JobDuration is how long an export runs at least, on the Now clock; a
	// job completes when its files are written and JobDuration has passed.
	// Zero completes jobs as soon as their files are written.
	JobDuration time.Duration
	// FileMaxBytes is the uncompressed size at which an output file rolls
	// over to the next part (0: DefaultFileMaxBytes). A file is never larger
	// unless a single line is.
	FileMaxBytes int64
	// Faults are the faults to inject (see ParseFault and FaultHelp).
	Faults []Fault
	// MaxActiveJobs is how many unfinished jobs one client may have before a
	// kick-off gets 429 (0: DefaultMaxActiveJobs, negative: unlimited).
	MaxActiveJobs int
	// RetryAfter is the status Retry-After delay and polling limit, sent in
	// whole seconds (0: DefaultRetryAfter).
	RetryAfter time.Duration
	// FileTTL is how long after completion files remain downloadable
	// (0: DefaultFileTTL).
	FileTTL time.Duration
	// Dir is the directory in which the server creates its private temporary
	// directory (empty: os.TempDir()).
	Dir string
	// Now is the clock for tokens, job progress, polling and expiry
	// (nil: time.Now). Slow-download pacing always uses real time.
	Now func() time.Time
	// V3Off turns the v3 API off, as the service's v3.on=false does: every
	// /api/v3 call but metadata gets 403 "The V3 API is currently
	// unavailable".
	V3Off bool
	// V3Contracts is the v3 allow-list (v3.allowlisted.contracts): a v3
	// call of another contract gets 403 "V3 access not enabled for this
	// PDP". Nil means the service's default, Z0001 to Z0010 (so not
	// Z0000); an empty, non-nil list allows none.
	V3Contracts []string
	// Source produces the claims of an export. Required.
	Source Source
	// Logger receives the server's log (nil: discard).
	Logger *slog.Logger
}

// defaultV3Contracts returns the contracts the service's v3 allow-list is
// seeded with: the sandbox contracts Z0001 to Z0010. Z0000 is not on it.
func defaultV3Contracts() []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = fmt.Sprintf("Z%04d", i+1)
	}
	return out
}

// Source produces the NDJSON lines of one export.
type Source interface {
	// Export streams the ExplanationOfBenefit resources of req.Contract for
	// FHIR version req.FHIRVersion ("STU3" for /api/v1, "R4" for /api/v2,
	// "R4V3" for /api/v3) whose meta.lastUpdated is in (req.Since,
	// req.Until] (a zero bound is unbounded) and that match every
	// req.ServiceDates term to emit, one resource per call, as one line of
	// JSON without a line break (a single trailing "\n" is tolerated and
	// dropped; the server writes one "\n" after each line). emit does not
	// retain line, so the Source may reuse its buffer. Export must return
	// when ctx is done or emit returns an error, and must return that error.
	// The same req (ignoring JobID and CreatedAt) must give the same lines.
	Export(ctx context.Context, req ExportRequest, emit func(line []byte) error) error
}

// A ProgressSource is a [Source] that says how far an export has got, so
// that X-Progress follows the generation of an export that takes longer
// than the job's duration, as the service's follows the beneficiaries it
// has processed.
type ProgressSource interface {
	Source
	// ExportProgress is Export, calling progress (when not nil) with the
	// fraction done, from 0 to 1, as it goes.
	ExportProgress(ctx context.Context, req ExportRequest, emit func(line []byte) error, progress func(done float64)) error
}

// ExportRequest describes one export job to a [Source].
type ExportRequest struct {
	// JobID is the job's UUID.
	JobID string
	// ClientID is the Okta client id of the caller.
	ClientID string
	// Contract is the caller's contract number, e.g. "Z0000".
	Contract string
	// FHIRVersion is "STU3" (/api/v1), "R4" (/api/v2) or "R4V3" (/api/v3,
	// FHIR R4 with the claims of BFD's v3 server as AB2D's v3 trimmer leaves
	// them), the names of the service's FhirVersion enum.
	FHIRVersion string
	// Since is the exclusive lower bound on meta.lastUpdated; zero means
	// unbounded. On v2 without _since it is the creation time of the
	// client's last successful job whose files were all downloaded, as the
	// real service does; v1 and v3 never default it.
	Since time.Time
	// Until is the inclusive upper bound on meta.lastUpdated (v2 and v3
	// only); zero means unbounded.
	Until time.Time
	// ServiceDates are the terms of a v3 _typeFilter, all of which a claim
	// must match (ServiceDate.Matches); none on v1 and v2, or without one.
	ServiceDates []ServiceDate
	// Beneficiaries is the contract's beneficiary count times Scale, rounded,
	// at least 1.
	Beneficiaries int
	// Scale is Config.Scale (after defaulting).
	Scale float64
	// Seed is Config.Seed.
	Seed int64
	// CreatedAt is the kick-off time on the server clock (informational: the
	// data must not depend on it).
	CreatedAt time.Time
}

// Client is one of the public AB2D sandbox clients.
type Client struct {
	// Sponsor is the sandbox sponsor name, e.g. "PDP-100".
	Sponsor string
	// ID is the Okta client id.
	ID string
	// Secret is the Okta client secret.
	Secret string
	// Contract is the client's contract number, e.g. "Z0000".
	Contract string
	// Beneficiaries is the contract's size before Config.Scale.
	Beneficiaries int
}

// clients are the five sandbox clients of the getting-started walkthrough.
var clients = []Client{
	{"PDP-100", "0oa2t0lsrdZw5uWRx297", "HHduWG6LogIvDIQuWgp3Zlo9OYMValTtH5OBcuHw", "Z0000", 100},
	{"PDP-1000", "0oa2t0lc65ErV8OmY297", "1Bl3HGO6eglkXUDtjVjto3L-3C0offzTMk2qlz9r", "Z0001", 1000},
	{"PDP-2000", "0oa2t0lkicpxFGkGt297", "eDpanJTtw90vY2viYlX4o2rgVRIR4tDRH0mWr9vN", "Z0002", 2000},
	{"PDP-5000", "0oa2t0l6c1tQbTikz297", "80zX-7GeiMiiA6zVghiqYZL82oLAWSxhgfBkfo0T", "Z0005", 5000},
	{"PDP-10000", "0oa2t0lm9qoAtJHqC297", "ybR60JmtcpRt6SAeLmvbq6l-3YDRCZP-WN1At6t_", "Z0010", 10000},
}

// Clients returns the five public sandbox clients of the AB2D getting-started
// walkthrough, smallest contract first: PDP-100 (Z0000), PDP-1000 (Z0001),
// PDP-2000 (Z0002), PDP-5000 (Z0005) and PDP-10000 (Z0010).
func Clients() []Client {
	out := make([]Client, len(clients))
	copy(out, clients)
	return out
}

// ClientByContract returns the sandbox client of a contract number.
func ClientByContract(contract string) (Client, bool) {
	for _, c := range clients {
		if c.Contract == contract {
			return c, true
		}
	}
	return Client{}, false
}

// CheckListenAddr reports whether addr (host:port) may be used to serve the
// sandbox: the host must be a loopback IP or "localhost" unless allowRemote.
// An empty host (all interfaces) counts as remote.
func CheckListenAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen address %q: %w", addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("sandbox: listen address %q: port must be a number from 0 to 65535", addr)
	}
	if allowRemote {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return fmt.Errorf("sandbox: refusing to listen on %s (%q): the sandbox serves loopback only, e.g. 127.0.0.1:8765", host, addr)
}

// withDefaults validates cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Source == nil {
		return cfg, errors.New("sandbox: Config.Source is required")
	}
	switch {
	case math.IsNaN(cfg.Scale) || math.IsInf(cfg.Scale, 0) || cfg.Scale < 0:
		return cfg, fmt.Errorf("sandbox: scale %v must be a positive number", cfg.Scale)
	case cfg.Scale == 0:
		cfg.Scale = 1
	}
	if cfg.MaxDownloads == 0 {
		cfg.MaxDownloads = DefaultMaxDownloads
	}
	if cfg.MaxActiveJobs == 0 {
		cfg.MaxActiveJobs = DefaultMaxActiveJobs
	}
	durations := []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{
		{"token TTL", &cfg.TokenTTL, DefaultTokenTTL},
		{"job duration", &cfg.JobDuration, 0},
		{"retry-after", &cfg.RetryAfter, DefaultRetryAfter},
		{"file TTL", &cfg.FileTTL, DefaultFileTTL},
	}
	for _, d := range durations {
		if *d.d < 0 {
			return cfg, fmt.Errorf("sandbox: %s %v must not be negative", d.name, *d.d)
		}
		if *d.d == 0 {
			*d.d = d.def
		}
	}
	if cfg.TokenTTL < time.Second {
		return cfg, fmt.Errorf("sandbox: token TTL %v must be at least 1s", cfg.TokenTTL)
	}
	switch {
	case cfg.FileMaxBytes < 0:
		return cfg, fmt.Errorf("sandbox: file max bytes %d must not be negative", cfg.FileMaxBytes)
	case cfg.FileMaxBytes == 0:
		cfg.FileMaxBytes = DefaultFileMaxBytes
	}
	for i, f := range cfg.Faults {
		if f.spec == "" {
			return cfg, fmt.Errorf("sandbox: fault %d was not made by ParseFault", i+1)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// beneficiaries returns the scaled beneficiary count of a client.
func (cfg *Config) beneficiaries(c Client) int {
	n := int(math.Round(float64(c.Beneficiaries) * cfg.Scale))
	return max(n, 1)
}
