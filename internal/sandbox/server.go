package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/clock"
)

// Server is the AB2D-compatible sandbox; it implements [http.Handler].
// Make it with [New] and release it with [Server.Close].
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	dir string // private temporary directory of the job files
	key []byte // HMAC key of the tokens

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // job generators

	// sleep waits d of real time (slow downloads); tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu         sync.Mutex
	closed     bool
	jobs       map[string]*job
	order      []*job // jobs in creation order
	tokenEpoch int64  // epoch stamped into new tokens
	minEpoch   int64  // tokens of earlier epochs are revoked
	v3Off      bool
	v3Allowed  map[string]bool // the v3 allow-list

	fmu    sync.Mutex // guards faults; never held while acquiring mu
	faults []*faultState
}

// New returns a sandbox server for cfg; see [Config] for the defaults.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(cfg.Dir, "ab2d-sandbox-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: temporary directory: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand panics instead)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger,
		dir:    dir,
		key:    key,
		ctx:    ctx,
		cancel: cancel,
		sleep:  clock.Sleep,
		jobs:   map[string]*job{},
	}
	for i, f := range cfg.Faults {
		s.faults = append(s.faults, &faultState{f: f, idx: i})
	}
	s.SetV3Access(cfg.V3Off, cfg.V3Contracts)
	s.mux = s.routes()
	return s, nil
}

// Close stops the running jobs, waits for their goroutines and removes all
// job files. Requests served after Close fail. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("sandbox: removing %s: %w", s.dir, err)
	}
	return nil
}

// SetV3Access changes the v3 settings while the server runs, as CMS
// changes the service's v3.on and v3.allowlisted.contracts: off turns v3
// off, contracts is the allow-list (nil: the service's default,
// defaultV3Contracts). The v3 calls that follow, status, download and
// cancel of jobs already started included, see the new settings.
func (s *Server) SetV3Access(off bool, contracts []string) {
	if contracts == nil {
		contracts = defaultV3Contracts()
	}
	allowed := make(map[string]bool, len(contracts))
	for _, c := range contracts {
		allowed[c] = true
	}
	s.mu.Lock()
	s.v3Off, s.v3Allowed = off, allowed
	s.mu.Unlock()
}

// v3Refusal returns why the service refuses cl a v3 call, or "".
func (s *Server) v3Refusal(cl *Client) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.v3Off:
		return msgV3Off
	case !s.v3Allowed[cl.Contract]:
		return msgV3NotAllowed
	}
	return ""
}

// now reads the configured clock.
func (s *Server) now() time.Time { return s.cfg.Now() }

// ServeHTTP serves a request; see [Server.routes] for the routing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("sandbox request", "method", r.Method, "path", r.URL.Path)
	w, rec := record(w)
	defer logRefusal(s.log, r, rec)
	s.mux.ServeHTTP(w, r)
}

// securityHeaders sets the headers Spring Security adds to every API response.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-XSS-Protection", "1; mode=block")
	h.Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "0")
	h.Set("X-Frame-Options", "DENY")
}

// empty answers status with an empty body.
func empty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// outcome is a FHIR OperationOutcome as AB2D writes it (same JSON for STU3 and R4).
type outcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []outcomeIssue `json:"issue"`
}

type outcomeIssue struct {
	Severity string         `json:"severity"`
	Code     string         `json:"code"`
	Details  outcomeDetails `json:"details"`
}

type outcomeDetails struct {
	Text string `json:"text"`
}

// newOutcome returns a one-issue error OperationOutcome.
func newOutcome(code, text string) outcome {
	return outcome{"OperationOutcome", []outcomeIssue{{"error", code, outcomeDetails{text}}}}
}

// writeOutcome answers status with an OperationOutcome of code and text.
func writeOutcome(w http.ResponseWriter, status int, code, text string) {
	writeJSON(w, status, "application/json", newOutcome(code, text))
}

// marshal encodes v as JSON without HTML escaping and without a final newline.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only our own types are encoded
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// writeJSON answers status with v as JSON of the given content type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body := marshal(v)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// baseURL returns scheme://host of the request as the service builds its
// absolute URLs: https behind X-Forwarded-Proto: https, ":80" dropped.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host := r.Host
	if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host
}

// fhirBase returns the absolute base URL of an API version, up to /fhir.
func fhirBase(r *http.Request, ver apiVersion) string {
	return baseURL(r) + "/api/" + string(ver) + "/fhir"
}

// retryAfterSeconds returns d in whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// faultStatus answers an HTTP status fault on the API: 500 with AB2D's
// internal-error outcome, 503 empty, 429 per the caller, others as a gateway
// error page.
func faultStatus(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusInternalServerError:
		writeOutcome(w, status, "invalid", "An internal error occurred")
	case http.StatusServiceUnavailable:
		empty(w, status)
	default:
		w.Header().Del("Expires")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
	}
}
