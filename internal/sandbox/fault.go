package sandbox

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FaultHelp documents the --fault SPEC syntax; print it in `ab2d-etl sandbox --help`.
const FaultHelp = `Fault injection: --fault SPEC (repeatable)

SPEC is TARGET:KIND[:KEY=VALUE,...], or maintenance[:KEY=VALUE,...].

When a fault fires (keys common to all faults):
  (no nth, every or rate)  on every event of its target
  nth=N      on the Nth event only (1-based)
  every=N    on events N, 2N, 3N, ...
  rate=P     on each event with probability P (0 < P <= 1); the decision for
             the k-th event depends only on --seed, the fault's position in the
             --fault list and k, so the same run fires the same way
  count=K    at most K times in all (status:500:count=2 fails the first two polls)
The first listed fault of a target that fires wins; the others still count the event.

Events (only requests that pass authentication count; on /api/v3, but for api,
only those the v3 allow-list lets through):
  token       a token request that would get a token
  kickoff     an export kick-off (Patient or Group) with a valid token
  status      a status poll (GET .../$status) with a valid token
  download    a download that would otherwise be served
  manifest    an output file of a job that completes successfully
  job         a new export job
  maintenance a kick-off that passed the contract check
  api         any /api request that carries a Bearer token (token:expire without after)

Kinds:
  token:5NN                 HTTP 5NN from the token endpoint (500-599)
  token:429[:retry=S]       Okta rate limit: 429, X-Rate-Limit-Reset now+S (default 60)
  token:expire:after=D      tokens issued expire after D (10s, 2m) although
                            expires_in still says --token-ttl
  token:expire              counted over api events: every token issued so far
                            stops working (403) from that request on
  kickoff:5NN               HTTP 5NN on kick-off (503 has an empty body, like maintenance)
  kickoff:429[:retry=S]     the "active export requests" 429, Retry-After S (default 5)
  status:5NN                HTTP 5NN on a status poll
  status:429[:retry=S]      the "polling too frequently" 429
  download:5NN              HTTP 5NN on a download (not counted as a download)
  download:429[:retry=S]    HTTP 429 on a download (not counted)
  download:reset[:after=B|at=F]
                            send the headers and B bytes (or fraction F, default
                            0.5) of the body, then reset the TCP connection
  download:truncate[:after=B|at=F]
                            promise the full Content-Length, send B bytes (or
                            fraction F, default 0.5), close the connection
  download:slow[:bps=N]     send the body at N bytes per second (default 65536)
  download:corrupt[:at=F]   flip one byte of the content at fraction F (default
                            0.5); the manifest keeps the true checksum
  manifest:checksum         a wrong sha256 for the file in the manifest
  manifest:length           a wrong file_length for the file in the manifest
  job:fail                  the job ends FAILED: status 500 "Job failed while processing"
  job:cancel                the job ends CANCELLED (as if cancelled by CMS): status 404
  job:stall                 the job never completes (202, 99% complete)
  job:errors[:lines=N]      add an error file, Z0000_0001_error.ndjson, with N
                            OperationOutcome lines (default 3) to the manifest's error[]
  maintenance               /status says maintenanceMode "true" while the fault can
                            still fire, and kick-offs get 503 with an empty body

Examples:
  --fault download:reset:after=65536,nth=1   reset the first download after 64 KiB
  --fault status:500:rate=0.3                30% of status polls fail
  --fault token:429:nth=2                    the second token request is rate limited
  --fault token:expire:after=10s             tokens die after 10s
  --fault token:expire:nth=5                 all tokens are revoked at the 5th API request
  --fault manifest:checksum:nth=1            the first file's checksum is wrong
  --fault download:slow:bps=1048576          1 MiB/s downloads
  --fault download:truncate:at=0.5           every download stops half way
  --fault job:fail                           every job fails
  --fault maintenance:count=2                the first two kick-offs get 503
`

// Fault is one fault-injection rule; make it with [ParseFault].
type Fault struct {
	// Target is where the fault applies: token, kickoff, status, download,
	// manifest, job or maintenance.
	Target string
	// Kind is what happens: an HTTP status code such as "500" or "429", or
	// expire, reset, truncate, slow, corrupt, checksum, length, fail, cancel,
	// stall or errors; empty for maintenance.
	Kind string

	spec   string
	nth    int64
	every  int64
	rate   float64
	count  int64
	status int           // numeric kinds
	retry  int           // 429: Retry-After seconds; 0: default
	after  int64         // reset, truncate: bytes; -1: use at
	at     float64       // reset, truncate, corrupt: fraction of the body
	ttl    time.Duration // token:expire: lifetime of issued tokens; 0: revocation
	bps    int64         // slow
	lines  int           // job:errors
}

// String returns the spec the fault was parsed from.
func (f Fault) String() string { return f.spec }

// ParseFaults parses several --fault specs; see [ParseFault].
func ParseFaults(specs []string) ([]Fault, error) {
	out := make([]Fault, 0, len(specs))
	for _, s := range specs {
		f, err := ParseFault(s)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// ParseFault parses one --fault spec, TARGET:KIND[:KEY=VALUE,...]; see
// [FaultHelp] for the targets, kinds and keys.
func ParseFault(spec string) (Fault, error) {
	f := Fault{spec: strings.TrimSpace(spec), after: -1, at: 0.5}
	bad := func(format string, a ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("sandbox: --fault %q: %s (see --help for the syntax)", spec, fmt.Sprintf(format, a...))
	}
	parts := strings.SplitN(f.spec, ":", 3)
	f.Target = strings.ToLower(parts[0])
	opts := ""
	if f.Target == "maintenance" {
		if len(parts) == 3 {
			return bad("maintenance takes no kind, only options")
		}
		if len(parts) == 2 {
			opts = parts[1]
		}
	} else {
		if len(parts) < 2 || parts[1] == "" {
			return bad("missing kind: expected TARGET:KIND[:KEY=VALUE,...]")
		}
		f.Kind = strings.ToLower(parts[1])
		if len(parts) == 3 {
			opts = parts[2]
		}
	}

	// Allowed kinds per target, and the kind-specific keys they take.
	var keys []string
	numeric := func() bool {
		n, err := strconv.Atoi(f.Kind)
		if err != nil {
			return false
		}
		f.status = n
		return n == 429 || (n >= 500 && n <= 599)
	}
	switch f.Target {
	case "token", "kickoff", "status", "download":
		switch {
		case numeric():
			if f.status == 429 {
				keys = []string{"retry"}
			}
		case f.Target == "token" && f.Kind == "expire":
			keys = []string{"after"}
		case f.Target == "download" && (f.Kind == "reset" || f.Kind == "truncate"):
			keys = []string{"after", "at"}
		case f.Target == "download" && f.Kind == "slow":
			keys = []string{"bps"}
			f.bps = 65536
		case f.Target == "download" && f.Kind == "corrupt":
			keys = []string{"at"}
		default:
			return bad("unknown kind %q for target %s", f.Kind, f.Target)
		}
	case "manifest":
		if f.Kind != "checksum" && f.Kind != "length" {
			return bad("unknown kind %q for manifest (checksum or length)", f.Kind)
		}
	case "job":
		switch f.Kind {
		case "fail", "cancel", "stall":
		case "errors":
			keys = []string{"lines"}
			f.lines = 3
		default:
			return bad("unknown kind %q for job (fail, cancel, stall or errors)", f.Kind)
		}
	case "maintenance":
	default:
		return bad("unknown target %q (token, kickoff, status, download, manifest, job or maintenance)", f.Target)
	}

	seen := map[string]bool{}
	if opts != "" {
		for _, kv := range strings.Split(opts, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			k = strings.ToLower(strings.TrimSpace(k))
			v = strings.TrimSpace(v)
			if !ok || k == "" || v == "" {
				return bad("option %q is not KEY=VALUE", kv)
			}
			if seen[k] {
				return bad("option %s given twice", k)
			}
			seen[k] = true
			switch k {
			case "nth", "every", "count":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 {
					return bad("%s=%s: want a whole number >= 1", k, v)
				}
				switch k {
				case "nth":
					f.nth = n
				case "every":
					f.every = n
				default:
					f.count = n
				}
				continue
			case "rate":
				p, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(p) || p <= 0 || p > 1 {
					return bad("rate=%s: want a probability in (0, 1]", v)
				}
				f.rate = p
				continue
			}
			allowed := false
			for _, a := range keys {
				allowed = allowed || a == k
			}
			if !allowed {
				return bad("option %s does not apply to %s", k, strings.TrimSuffix(f.Target+":"+f.Kind, ":"))
			}
			switch k {
			case "retry":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return bad("retry=%s: want whole seconds >= 0", v)
				}
				f.retry = n
			case "after":
				if f.Kind == "expire" {
					d, err := parseSeconds(v)
					if err != nil || d < time.Second {
						return bad("after=%s: want a duration of at least 1s, e.g. 10s", v)
					}
					f.ttl = d
					break
				}
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return bad("after=%s: want a byte count >= 0", v)
				}
				f.after = n
			case "at":
				p, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(p) || p < 0 || p >= 1 {
					return bad("at=%s: want a fraction in [0, 1)", v)
				}
				f.at = p
			case "bps":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 {
					return bad("bps=%s: want bytes per second >= 1", v)
				}
				f.bps = n
			case "lines":
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return bad("lines=%s: want a whole number >= 1", v)
				}
				f.lines = n
			}
		}
	}
	if seen["after"] && seen["at"] {
		return bad("give after or at, not both")
	}
	n := 0
	for _, k := range []string{"nth", "every", "rate"} {
		if seen[k] {
			n++
		}
	}
	if n > 1 {
		return bad("give at most one of nth, every and rate")
	}
	return f, nil
}

// parseSeconds parses a Go duration or a whole number of seconds.
func parseSeconds(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}

// faultState counts the events seen and firings of one configured fault.
type faultState struct {
	f     Fault
	idx   int
	n     int64
	fired int64
}

// exhausted reports whether the fault can no longer fire.
func (fs *faultState) exhausted() bool {
	return (fs.f.count > 0 && fs.fired >= fs.f.count) || (fs.f.nth > 0 && fs.n >= fs.f.nth)
}

// event counts one event for the fault and reports whether it fires.
func (fs *faultState) event(seed int64) bool {
	fs.n++
	if fs.f.count > 0 && fs.fired >= fs.f.count {
		return false
	}
	var hit bool
	switch {
	case fs.f.nth > 0:
		hit = fs.n == fs.f.nth
	case fs.f.every > 0:
		hit = fs.n%fs.f.every == 0
	case fs.f.rate > 0:
		hit = unitFloat(uint64(seed), uint64(fs.idx), uint64(fs.n)) < fs.f.rate
	default:
		hit = true
	}
	if hit {
		fs.fired++
	}
	return hit
}

// fault counts one event of target for every configured fault of target
// that match accepts, and returns the first that fires, or nil.
func (s *Server) fault(target string, match func(*Fault) bool) *Fault {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	var hit *Fault
	for _, fs := range s.faults {
		if fs.f.Target != target || (match != nil && !match(&fs.f)) {
			continue
		}
		if hit != nil {
			fs.n++ // shadowed: the event counts, the fault does not fire
			continue
		}
		if fs.event(s.cfg.Seed) {
			hit = &fs.f
		}
	}
	if hit != nil {
		s.log.Info("sandbox fault fired", "fault", hit.spec)
	}
	return hit
}

// maintenanceActive reports whether a maintenance fault can still fire.
func (s *Server) maintenanceActive() bool {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for _, fs := range s.faults {
		if fs.f.Target == "maintenance" && !fs.exhausted() {
			return true
		}
	}
	return false
}

// splitmix64 is a 64-bit mixing function (Steele, Lea, Flood 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unitFloat returns a number in [0, 1) determined by its three arguments.
func unitFloat(a, b, c uint64) float64 {
	x := splitmix64(splitmix64(splitmix64(a)^b) ^ c)
	return float64(x>>11) / (1 << 53)
}
