package extract

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// lines is a fixed Source: n small EOB lines per export, each with its own
// lastUpdated, a day apart from 2021-01-01 (or from), so that _since
// filters.
type lines struct {
	n    int
	from time.Time
}

func (s lines) Export(ctx context.Context, req sandbox.ExportRequest, emit func([]byte) error) error {
	base := s.from
	if base.IsZero() {
		base = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for i := range s.n {
		updated := base.Add(time.Duration(i) * 24 * time.Hour)
		if !req.Since.IsZero() && !updated.After(req.Since) {
			continue
		}
		if !req.Until.IsZero() && updated.After(req.Until) {
			continue
		}
		line := fmt.Sprintf(`{"resourceType":"ExplanationOfBenefit","id":"carrier-%s-%d","meta":{"lastUpdated":%q},"status":"active","padding":%q}`,
			req.Contract, i, updated.Format(time.RFC3339), strings.Repeat("x", 200))
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit([]byte(line)); err != nil {
			return err
		}
	}
	return nil
}

// fakeClock is a fake clock shared by the sandbox and the client: the client's
// sleeps advance it, so polling and backoff take no real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// harness is a sandbox on loopback and a client of contract Z0000.
type harness struct {
	srv    *httptest.Server
	sb     *sandbox.Server
	clk    *fakeClock
	client *Client
	dir    string
	hits   *hits
}

// hits counts requests per path.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *hits) add(p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n[p]++
}

func (h *hits) get(p string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[p]
}

func newHarness(t *testing.T, cfg sandbox.Config, faults ...string) *harness {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	if cfg.Source == nil {
		cfg.Source = lines{n: 60}
	}
	if cfg.MaxDownloads == 0 {
		cfg.MaxDownloads = 6 // the real service's limit; tests of the walkthrough's 1 say so
	}
	if cfg.FileMaxBytes == 0 {
		cfg.FileMaxBytes = 4 << 10 // several files
	}
	if cfg.JobDuration == 0 {
		cfg.JobDuration = 20 * time.Second
	}
	cfg.Now = clk.Now
	cfg.Seed = 7
	fs, err := sandbox.ParseFaults(faults)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Faults = fs
	cfg.Dir = t.TempDir()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &hits{n: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r.URL.Path)
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Error(err)
		}
	})
	cl, _ := sandbox.ClientByContract("Z0000")
	c, err := NewClient(Config{
		APIURL:      srv.URL + "/api/v2/fhir",
		TokenURL:    srv.URL + sandbox.TokenPath,
		Credentials: Credentials{ClientID: cl.ID, Secret: Secret(cl.Secret)},
		Now:         clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.retry.sleep = clk.Sleep
	return &harness{srv: srv, sb: sb, clk: clk, client: c, dir: t.TempDir(), hits: h}
}

// extract runs the extract stages (extractAll) and collects what they
// land, verified.
func (h *harness) extract(ctx context.Context, r Request, o Options) (*State, []Landed, error) {
	return h.extractVerify(ctx, r, o, true)
}

// extractVerify is extract, verifying the landed files or, as `run` does,
// leaving that to the loader.
func (h *harness) extractVerify(ctx context.Context, r Request, o Options, verify bool) (*State, []Landed, error) {
	if o.Landing == "" {
		o.Landing = filepath.Join(h.dir, "landing")
	}
	var got []Landed
	s, err := extractAll(ctx, h.client, r, o, verify, func(l Landed) { got = append(got, l) })
	return s, got, err
}

// extractAll is what the pipeline's extract stages do, one file at a time:
// Prepare, then every file fetched and, with verify, verified; each file
// is handed to each.
func extractAll(ctx context.Context, c *Client, r Request, o Options, verify bool, each func(Landed)) (*State, error) {
	s, err := Prepare(ctx, c, r, o)
	if err != nil {
		return s, err
	}
	for _, f := range s.Files() {
		l, _, err := s.Fetch(ctx, c, f)
		if err != nil {
			return s, err
		}
		if verify {
			if l, err = s.Verify(ctx, c, l); err != nil {
				return s, err
			}
		}
		each(l)
	}
	return s, nil
}

// contents returns the uncompressed lines of the landed files, sorted.
func contents(t *testing.T, ls []Landed) []string {
	t.Helper()
	var all []string
	for _, l := range ls {
		data, err := os.ReadFile(l.Path)
		if err != nil {
			t.Fatal(err)
		}
		if l.Gzip {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if line != "" {
				all = append(all, line)
			}
		}
	}
	slices.Sort(all)
	return all
}

func TestExtract(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	var polls []int
	s, got, err := h.extract(context.Background(), Request{}, Options{OnProgress: func(p Progress) { polls = append(polls, p.Percent) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 3 {
		t.Fatalf("landed %d files, want several (rollover)", len(got))
	}
	if n := len(contents(t, got)); n != 60 {
		t.Fatalf("landed %d lines, want 60", n)
	}
	if len(polls) == 0 {
		t.Errorf("no progress reported while the job ran")
	}
	for _, l := range got {
		if !l.Gzip || !strings.HasSuffix(l.Path, ".ndjson.gz") {
			t.Errorf("%s: not kept as gzip", l.Path)
		}
		fi, err := os.Stat(l.Path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", l.Path, fi.Mode(), err)
		}
	}
	if s.Manifest == nil || len(s.Landed) != len(got) {
		t.Fatalf("state not saved: %+v", s)
	}
	saved, err := LoadStates(filepath.Join(h.dir, "landing"))
	if err != nil || len(saved) != 1 || len(saved[0].Landed) != len(got) || saved[0].Job.ID != s.Job.ID {
		t.Fatalf("persisted state: %+v, %v", saved, err)
	}
	// Polling never outran Retry-After: the sandbox answers 429 otherwise.
	if h.hits.get("/api/v2/fhir/Job/"+s.Job.ID+"/$status") != len(polls)+1 {
		t.Errorf("status polled %d times for %d progress reports", h.hits.get("/api/v2/fhir/Job/"+s.Job.ID+"/$status"), len(polls))
	}
}

// TestResume: a run interrupted after its first file resumes the same job
// and downloads only what is missing; with one download allowed per file,
// any second request for a landed file would fail the run.
func TestResume(t *testing.T) {
	h := newHarness(t, sandbox.Config{MaxDownloads: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	landing := filepath.Join(h.dir, "landing")
	var first []Landed
	_, err := extractAll(ctx, h.client, Request{}, Options{Landing: landing}, true, func(l Landed) {
		first = append(first, l)
		cancel() // interrupted after the first landed file
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	states, err := LoadStates(landing)
	if err != nil || len(states) != 1 {
		t.Fatalf("states: %v %v", states, err)
	}
	jobID := states[0].Job.ID
	if n := len(states[0].Landed); n < 1 {
		t.Fatalf("interrupted run landed %d files", n)
	}
	kickoffs := h.hits.get("/api/v2/fhir/Patient/$export")

	s, got, err := h.extract(context.Background(), Request{}, Options{Landing: landing})
	if err != nil {
		t.Fatal(err)
	}
	if s.Job.ID != jobID {
		t.Errorf("rerun used job %s, want the same job %s", s.Job.ID, jobID)
	}
	if h.hits.get("/api/v2/fhir/Patient/$export") != kickoffs {
		t.Errorf("rerun started a second export")
	}
	if n := len(contents(t, got)); n != 60 {
		t.Errorf("rerun delivered %d lines, want all 60", n)
	}
	for name := range s.Landed {
		if n := h.hits.get("/api/v2/fhir/Job/" + jobID + "/file/" + name); n != 1 {
			t.Errorf("%s requested %d times", name, n)
		}
	}
	if err := s.MarkLoaded(); err != nil {
		t.Fatal(err)
	}
	// Once loaded, the same request starts a new export.
	s2, _, err := h.extract(context.Background(), Request{}, Options{Landing: landing})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Job.ID == jobID {
		t.Errorf("a loaded job was resumed")
	}
}

func TestSinceFilters(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	since := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(49 * 24 * time.Hour)
	_, got, err := h.extract(context.Background(), Request{Since: since}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(contents(t, got)); n != 10 {
		t.Errorf("since: %d lines, want 10", n)
	}
}

// TestFaults: each fault of the sandbox either heals (same lines as a
// fault-free run) or fails clearly, landing nothing unverified.
func TestFaults(t *testing.T) {
	tests := []struct {
		fault string
		cfg   sandbox.Config
		fails string // empty: must succeed with all 60 lines
	}{
		{fault: "token:500:nth=1"},
		{fault: "token:429:nth=1,retry=2"},
		{fault: "kickoff:503:nth=1"},
		{fault: "kickoff:429:nth=1"},
		{fault: "status:500:nth=2"},
		{fault: "status:429:nth=1"},
		{fault: "download:500:nth=1"},
		{fault: "download:reset:after=1000,nth=1"},
		{fault: "download:truncate:at=0.5,nth=2"},
		{fault: "download:corrupt:nth=1"},
		{fault: "token:expire:nth=3"},
		{fault: "manifest:checksum:nth=1", cfg: sandbox.Config{MaxDownloads: 1}, fails: "maximum number of allowed times"},
		{fault: "manifest:checksum:nth=1", cfg: sandbox.Config{MaxDownloads: 6}, fails: "did not match the manifest in 3 downloads"},
		{fault: "manifest:length:nth=1", cfg: sandbox.Config{MaxDownloads: 2}, fails: "maximum number of allowed times"},
		{fault: "job:fail", fails: "Job failed while processing"},
		{fault: "maintenance:nth=1"},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			h := newHarness(t, tt.cfg, tt.fault)
			s, got, err := h.extract(context.Background(), Request{}, Options{})
			if tt.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fails) {
					t.Fatalf("err %v, want one mentioning %q", err, tt.fails)
				}
				if s != nil && s.Failed == "" {
					t.Errorf("a job that cannot complete is not marked failed")
				}
				for _, l := range got {
					if !l.Verified {
						t.Errorf("%s was sent on unverified", l.Name)
					}
				}
				parts, _ := filepath.Glob(filepath.Join(h.dir, "landing", "*", "*.part"))
				if len(parts) != 0 {
					t.Errorf("half-written files left: %v", parts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := len(contents(t, got)); n != 60 {
				t.Errorf("%d lines, want 60", n)
			}
			for _, l := range got {
				if !l.Verified || !s.Landed[l.Name].Verified {
					t.Errorf("%s: not recorded as verified", l.Name)
				}
			}
		})
	}
}

// TestHostileManifest: a manifest URL on another origin is refused, never
// requested with the bearer token; so are unsafe file names.
func TestHostileManifest(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
	}))
	defer evil.Close()
	for _, bad := range []string{evil.URL + "/file/Z0000_0001.ndjson", "{{API}}/Job/x/file/..", "{{API}}/Job/x/file/%2e%2e%2fetc"} {
		t.Run(bad, func(t *testing.T) {
			api := httptest.NewServer(nil)
			api.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/token"):
					fmt.Fprint(w, `{"access_token":"tok","expires_in":1800,"token_type":"Bearer"}`)
				case strings.HasSuffix(r.URL.Path, "/$export"):
					w.Header().Set("Content-Location", api.URL+"/api/v2/fhir/Job/abc/$status")
					w.WriteHeader(http.StatusAccepted)
				case strings.HasSuffix(r.URL.Path, "/$status"):
					u := strings.ReplaceAll(bad, "{{API}}", api.URL+"/api/v2/fhir")
					fmt.Fprintf(w, `{"transactionTime":"x","output":[{"type":"ExplanationOfBenefit","url":%q}],"error":[]}`, u)
				default:
					t.Errorf("unexpected request %s", r.URL)
				}
			})
			defer api.Close()
			c, err := NewClient(Config{APIURL: api.URL + "/api/v2/fhir", TokenURL: api.URL + "/token", Credentials: Credentials{ClientID: "id", Secret: "s3cret"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = extractAll(context.Background(), c, Request{}, Options{Landing: t.TempDir()}, true, func(Landed) {})
			if err == nil {
				t.Fatal("hostile manifest accepted")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
	if leaked.Load() != 0 {
		t.Errorf("the bearer token was sent to another host %d times", leaked.Load())
	}
}

func TestCheckURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://api.ab2d.cms.gov/api/v2/fhir", true},
		{"http://127.0.0.1:8765/api/v2/fhir", true},
		{"http://localhost:8765/api/v1/fhir", true},
		{"http://[::1]:8765/api/v1/fhir", true},
		{"http://api.ab2d.cms.gov/api/v2/fhir", false},
		{"http://10.0.0.1/api/v2/fhir", false},
		{"ftp://x/api/v2/fhir", false},
		{"/api/v2/fhir", false},
	} {
		_, err := CheckURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestValidFileName(t *testing.T) {
	for name, ok := range map[string]bool{
		"Z0000_0001.ndjson": true, "Z0000_0001_error.ndjson": true,
		"..": false, "../x": false, "/etc/passwd": false, "a/b": false, "": false, ".hidden": false, "a..b": false,
	} {
		if ValidFileName(name) != ok {
			t.Errorf("%q: want %v", name, ok)
		}
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	two := filepath.Join(dir, "two")
	kv := filepath.Join(dir, "kv")
	bad := filepath.Join(dir, "bad")
	os.WriteFile(two, []byte("myid\nmysecret\n"), 0o600)
	os.WriteFile(kv, []byte("# AB2D\nexport AB2D_CLIENT_ID=myid\nAB2D_CLIENT_SECRET='mysecret'\n"), 0o600)
	os.WriteFile(bad, []byte("AB2D_CLIENT_ID=myid\n"), 0o600)
	env := func(k string) string { return map[string]string{EnvClientID: "envid", EnvClientSecret: "envsecret"}[k] }
	for _, tt := range []struct {
		file     string
		id, sec  string
		wantFail bool
	}{
		{"", "envid", "envsecret", false},
		{two, "myid", "mysecret", false},
		{kv, "myid", "mysecret", false},
		{bad, "", "", true},
	} {
		c, err := LoadCredentials(tt.file, env)
		if (err != nil) != tt.wantFail || c.ClientID != tt.id || string(c.Secret) != tt.sec {
			t.Errorf("%s: %+v %v", tt.file, c, err)
		}
		if err != nil && strings.Contains(err.Error(), "mysecret") {
			t.Errorf("error leaks the secret")
		}
	}
	if s := fmt.Sprintf("%v %+v %#v %s", Secret("x1"), Credentials{Secret: "x1"}, Secret("x1"), Secret("x1")); strings.Contains(s, "x1") {
		t.Errorf("secret printed: %s", s)
	}
}

// TestRedirectNeverCarriesToken: a redirect to another origin is refused,
// so the bearer token never reaches it.
func TestRedirectNeverCarriesToken(t *testing.T) {
	var leaked atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
	}))
	defer evil.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			fmt.Fprint(w, `{"access_token":"tok","expires_in":1800}`)
			return
		}
		http.Redirect(w, r, evil.URL+"/steal", http.StatusFound)
	}))
	defer api.Close()
	c, err := NewClient(Config{APIURL: api.URL + "/api/v2/fhir", TokenURL: api.URL + "/token", Credentials: Credentials{ClientID: "id", Secret: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Kickoff(context.Background(), Request{}, nil)
	if err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Fatalf("err %v, want a refused redirect", err)
	}
	if leaked.Load() != 0 {
		t.Fatal("the token followed the redirect")
	}
}

// TestVerifiedByTheLoader: without State.Verify (run: the loader checks files as
// it reads them) files land unverified, so a wrong manifest checksum does
// not stop the download; with it, the same fault is caught on download.
func TestVerifiedByTheLoader(t *testing.T) {
	h := newHarness(t, sandbox.Config{MaxDownloads: 1}, "manifest:checksum:nth=1")
	_, got, err := h.extractVerify(context.Background(), Request{}, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range got {
		if l.Verified {
			t.Errorf("%s: verified on download without State.Verify", l.Name)
		}
	}
	if n := len(contents(t, got)); n != 60 {
		t.Errorf("%d lines, want 60", n)
	}
	h2 := newHarness(t, sandbox.Config{MaxDownloads: 1}, "manifest:checksum:nth=1")
	if _, _, err := h2.extract(context.Background(), Request{}, Options{}); err == nil || !strings.Contains(err.Error(), "maximum number") {
		t.Errorf("verified download of a file with a wrong checksum: %v", err)
	}
}

// TestVerifyLater: files an earlier run landed without checking them
// (run, interrupted before the loader got to them) are checked by the next
// extract without downloading them again; one that does not match is
// downloaded again.
func TestVerifyLater(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	s, got, err := h.extractVerify(context.Background(), Request{}, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	downloads := 0
	for _, l := range got {
		downloads += h.hits.get(urlPath(t, l.URL))
	}
	// Spoil one landed file, keeping its size: only a check can tell.
	spoilt := got[0]
	data, err := os.ReadFile(spoilt.Path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(spoilt.Path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, got2, err := h.extract(context.Background(), Request{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var verified []string
	for _, l := range got2 {
		if l.Verified {
			verified = append(verified, l.Name)
		}
	}
	if s2.Job.ID != s.Job.ID {
		t.Errorf("job %s, want the first run's %s", s2.Job.ID, s.Job.ID)
	}
	if len(got2) != len(got) || len(verified) != len(got) {
		t.Fatalf("%d files sent, %d verified, want %d", len(got2), len(verified), len(got))
	}
	again := 0
	for _, l := range got2 {
		if !l.Verified {
			t.Errorf("%s: not verified", l.Name)
		}
		again += h.hits.get(urlPath(t, l.URL))
	}
	if again != downloads+1 {
		t.Errorf("%d downloads after the second run, want %d: only the spoilt file again", again, downloads+1)
	}
	if n := len(contents(t, got2)); n != 60 {
		t.Errorf("%d lines, want 60", n)
	}
}

func urlPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// TestVerify checks one landed file in every way it can be wrong.
func TestVerify(t *testing.T) {
	content := []byte(strings.Repeat(`{"resourceType":"ExplanationOfBenefit"}`+"\n", 100))
	sum := sha256.Sum256(content)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(content)
	zw.Close()
	good := File{Name: "Z_0001.ndjson", SHA256: hex.EncodeToString(sum[:]), Length: int64(len(content))}
	flipped := bytes.Clone(gz.Bytes())
	flipped[len(flipped)/2] ^= 0xff
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name string
		ctx  context.Context
		f    File
		data []byte
		gz   bool
		want string // empty: verifies
	}{
		{name: "plain", f: good, data: content},
		{name: "gzip", f: good, data: gz.Bytes(), gz: true},
		{name: "unknown length and sum", f: File{Name: good.Name, Length: -1}, data: gz.Bytes(), gz: true},
		{name: "wrong sum", f: File{Name: good.Name, Length: good.Length, SHA256: strings.Repeat("0", 64)}, data: content, want: "sha256"},
		{name: "short", f: good, data: content[:len(content)-1], want: "truncated"},
		{name: "long", f: good, data: append(bytes.Clone(content), 'x'), want: "more than"},
		{name: "truncated gzip", f: good, data: gz.Bytes()[:gz.Len()/2], gz: true, want: "corrupt gzip"},
		{name: "corrupt gzip", f: good, data: flipped, gz: true, want: "corrupt gzip"},
		{name: "not gzip", f: good, data: content, gz: true, want: "corrupt gzip"},
		{name: "canceled", ctx: canceled, f: good, data: gz.Bytes(), gz: true, want: "context canceled"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			err := Verify(ctx, Landed{File: tt.f, Path: path, Gzip: tt.gz, Bytes: int64(len(tt.data))})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one mentioning %q", err, tt.want)
			}
			if tt.ctx == nil && !errors.Is(err, ErrVerify) {
				t.Errorf("%v does not wrap ErrVerify", err)
			}
		})
	}
}

// BenchmarkVerify measures the check of a landed gzip file against its
// manifest entry (inflate and SHA-256 of the uncompressed content), per
// uncompressed byte.
func BenchmarkVerify(b *testing.B) {
	var content bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&content, `{"resourceType":"ExplanationOfBenefit","id":"carrier-%d","status":"active","type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"CARRIER"}]}}`+"\n", i)
	}
	sum := sha256.Sum256(content.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(content.Bytes())
	zw.Close()
	path := filepath.Join(b.TempDir(), "f.ndjson.gz")
	if err := os.WriteFile(path, gz.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	l := Landed{File: File{Name: "f.ndjson", SHA256: hex.EncodeToString(sum[:]), Length: int64(content.Len())}, Path: path, Gzip: true, Bytes: int64(gz.Len())}
	b.SetBytes(int64(content.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(context.Background(), l); err != nil {
			b.Fatal(err)
		}
	}
}
