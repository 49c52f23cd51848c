package sandbox

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 6, 3, 14, 5, 9, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeSource emits perBene lines per beneficiary, with meta.lastUpdated one
// hour apart from 2023-01-01, filtered by (Since, Until].
type fakeSource struct {
	perBene int
	block   chan struct{} // if set, Export waits for it (or ctx) first
	err     error         // if set, Export fails after the lines

	mu   sync.Mutex
	reqs []ExportRequest
}

var fakeEpoch = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

func (f *fakeSource) Export(ctx context.Context, req ExportRequest, emit func([]byte) error) error {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var buf []byte
	for b := range req.Beneficiaries {
		for k := range f.perBene {
			n := b*f.perBene + k
			lu := fakeEpoch.Add(time.Duration(n) * time.Hour)
			if (!req.Since.IsZero() && !lu.After(req.Since)) || (!req.Until.IsZero() && lu.After(req.Until)) {
				continue
			}
			buf = fmt.Appendf(buf[:0], `{"resourceType":"ExplanationOfBenefit","id":"carrier-%d","meta":{"lastUpdated":"%s"},"patient":{"reference":"Patient/-%d"},"x":"%s"}`,
				n, lu.Format(time.RFC3339), 1000+b, req.FHIRVersion)
			if err := emit(buf); err != nil {
				return err
			}
		}
	}
	return f.err
}

// sourceFunc is a Source made of a function.
type sourceFunc func(emit func([]byte) error) error

func (f sourceFunc) Export(_ context.Context, _ ExportRequest, emit func([]byte) error) error {
	return f(emit)
}

// sourceReq waits for job id and returns the request its Source got.
func (h *harness) sourceReq(id string) ExportRequest {
	h.t.Helper()
	h.wait(id)
	h.src.mu.Lock()
	defer h.src.mu.Unlock()
	for _, r := range h.src.reqs {
		if r.JobID == id {
			return r
		}
	}
	h.t.Fatalf("the Source got no request for job %s", id)
	return ExportRequest{}
}

// harness is a sandbox behind an httptest server with a fake clock.
type harness struct {
	t     *testing.T
	s     *Server
	ts    *httptest.Server
	clock *fakeClock
	src   *fakeSource
	hc    *http.Client
}

// newHarness starts a sandbox: Scale 0.05 (5 beneficiaries for Z0000), two
// lines per beneficiary, JobDuration 0, after mod has changed the config.
func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	return newHarnessS(t, mod, nil)
}

// newHarnessS is newHarness with smod applied to the server before it serves.
func newHarnessS(t *testing.T, mod func(*Config), smod func(*Server)) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock(), src: &fakeSource{perBene: 2}}
	cfg := Config{Seed: 42, Scale: 0.05, Now: h.clock.Now, Source: h.src, Dir: t.TempDir()}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	if smod != nil {
		smod(s)
	}
	h.ts = httptest.NewServer(s)
	tr := &http.Transport{DisableCompression: true}
	h.hc = &http.Client{Transport: tr}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		h.ts.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

var z0000, z0001 = clients[0], clients[1]

// resp is a buffered response.
type resp struct {
	code   int
	header http.Header
	body   []byte
	err    error // error reading the body
}

// do sends a request with an optional bearer token and header pairs.
func (h *harness) do(method, path, tok string, hdr ...string) resp {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, body, err}
}

// token gets a token for c with the parameters in the query string.
func (h *harness) token(c Client) string {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+TokenPath+"?grant_type=client_credentials&scope=clientCreds", nil)
	req.SetBasicAuth(c.ID, c.Secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(res.Body).Decode(&tr); err != nil || res.StatusCode != 200 {
		h.t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	return tr.AccessToken
}

// kickoff starts a v-version Patient export and returns the job id.
func (h *harness) kickoff(tok, ver, query string) string {
	h.t.Helper()
	r := h.do("GET", "/api/"+ver+"/fhir/Patient/$export"+query, tok)
	if r.code != http.StatusAccepted {
		h.t.Fatalf("kickoff: %d %s", r.code, r.body)
	}
	loc := r.header.Get("Content-Location")
	id := strings.TrimSuffix(loc[strings.LastIndex(loc, "/Job/")+5:], "/$status")
	if !isUUID(id) {
		h.t.Fatalf("kickoff: Content-Location %q", loc)
	}
	return id
}

// wait blocks until the job's files are written.
func (h *harness) wait(id string) {
	h.s.mu.Lock()
	j := h.s.jobs[id]
	h.s.mu.Unlock()
	<-j.done
}

// statusPath returns the status path of a job.
func statusPath(ver, id string) string { return "/api/" + ver + "/fhir/Job/" + id + "/$status" }

// complete waits for the job, moves the clock past JobDuration and the
// polling limit, and returns the 200 status response and its manifest.
func (h *harness) complete(tok, ver, id string) (resp, manifest) {
	h.t.Helper()
	h.wait(id)
	h.clock.Advance(h.s.cfg.JobDuration + h.s.cfg.RetryAfter)
	r := h.do("GET", statusPath(ver, id), tok)
	if r.code != http.StatusOK {
		h.t.Fatalf("status: %d %s", r.code, r.body)
	}
	var m manifest
	if err := json.Unmarshal(r.body, &m); err != nil {
		h.t.Fatalf("manifest: %v: %s", err, r.body)
	}
	return r, m
}

// path returns the path of an absolute URL of the test server.
func (h *harness) path(url string) string {
	h.t.Helper()
	p, ok := strings.CutPrefix(url, h.ts.URL)
	if !ok {
		h.t.Fatalf("URL %q is not on %s", url, h.ts.URL)
	}
	return p
}

// outcomeText returns the text of a one-issue OperationOutcome body.
func outcomeText(t *testing.T, body []byte) string {
	t.Helper()
	var oo outcome
	if err := json.Unmarshal(body, &oo); err != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) != 1 {
		t.Fatalf("not an OperationOutcome: %v: %s", err, body)
	}
	return oo.Issue[0].Details.Text
}

// gunzip decompresses b.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// basic returns the value of a Basic Authorization header.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// ext returns the checksum and length extensions of an output entry.
func ext(t *testing.T, e outputEntry) (string, int64) {
	t.Helper()
	if len(e.Extension) != 2 || e.Extension[0].URL != extChecksum || e.Extension[1].URL != extLength || e.Extension[1].ValueDecimal == nil {
		t.Fatalf("extensions %+v", e.Extension)
	}
	return e.Extension[0].ValueString, *e.Extension[1].ValueDecimal
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
