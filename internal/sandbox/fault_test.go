package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	good := []string{
		"download:reset:after=65536,nth=1", "status:500:rate=0.3", "token:429:nth=2", "manifest:checksum",
		"download:slow:bps=1048576", "download:truncate:at=0.5", "token:expire:after=10s", "job:fail", "maintenance",
		"maintenance:count=2", "token:expire:nth=5", "kickoff:429:retry=30,count=2", "download:503:every=3",
		"job:errors:lines=10", "job:stall", "job:cancel:nth=2", "manifest:length:rate=1", "download:corrupt:at=0",
		"status:599", "token:expire:after=30", "Download:Reset", " kickoff:502 ",
	}
	for _, s := range good {
		f, err := ParseFault(s)
		if err != nil {
			t.Errorf("ParseFault(%q): %v", s, err)
		} else if f.String() != strings.TrimSpace(s) {
			t.Errorf("String() = %q", f.String())
		}
	}
	bad := []string{
		"", "download", "download:", "nowhere:500", "token:404", "token:reset", "status:slow", "download:expire",
		"manifest:500", "job:explode", "maintenance:on", "maintenance:503:count=1", "download:reset:after=-1",
		"download:truncate:at=1", "download:truncate:at=0.5,after=10", "status:500:rate=0", "status:500:rate=1.5",
		"status:500:nth=0", "status:500:nth=1,rate=0.5", "status:500:foo=1", "status:500:retry=3",
		"status:429:retry=-1", "token:expire:after=0s", "token:expire:after=soon", "download:slow:bps=0",
		"job:errors:lines=0", "job:fail:lines=2", "status:500:nth", "status:500:nth=1,nth=2", "download:reset:bps=3",
	}
	for _, s := range bad {
		if f, err := ParseFault(s); err == nil {
			t.Errorf("ParseFault(%q) = %+v, want an error", s, f)
		}
	}
	if _, err := ParseFaults([]string{"job:fail", "bogus"}); err == nil {
		t.Error("ParseFaults accepted a bad spec")
	}
}

// firings returns which of n events of target fire for spec under seed.
func firings(t *testing.T, seed int64, spec, target string, n int) string {
	t.Helper()
	f, err := ParseFault(spec)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Seed: seed, Source: &fakeSource{}, Faults: []Fault{f}, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b strings.Builder
	for range n {
		if s.fault(target, nil) != nil {
			b.WriteByte('x')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// TestFaultSchedule checks nth, every, rate and count, and that rate
// decisions depend only on the seed.
func TestFaultSchedule(t *testing.T) {
	for spec, want := range map[string]string{
		"status:500":                 "xxxxxxxxxx",
		"status:500:nth=3":           "..x.......",
		"status:500:every=3":         "..x..x..x.",
		"status:500:count=2":         "xx........",
		"status:500:every=2,count=2": ".x.x......",
	} {
		if got := firings(t, 1, spec, "status", 10); got != want {
			t.Errorf("%s: %s, want %s", spec, got, want)
		}
	}
	a := firings(t, 7, "status:500:rate=0.3", "status", 200)
	if b := firings(t, 7, "status:500:rate=0.3", "status", 200); a != b {
		t.Fatalf("same seed, different firings:\n%s\n%s", a, b)
	}
	if c := firings(t, 8, "status:500:rate=0.3", "status", 200); a == c {
		t.Fatal("another seed gives the same firings")
	}
	if n := strings.Count(a, "x"); n < 40 || n > 80 {
		t.Fatalf("rate=0.3 fired %d of 200 times", n)
	}
	if got := firings(t, 7, "status:500:rate=0.3,count=3", "status", 200); strings.Count(got, "x") != 3 || !strings.HasPrefix(a, strings.TrimRight(got, ".")) {
		t.Fatalf("count=3: %s", got)
	}

	// The first fault that fires wins; the others still count the event.
	fs, _ := ParseFaults([]string{"status:500:nth=2", "status:502:nth=2", "status:503:nth=3"})
	s, err := New(Config{Source: &fakeSource{}, Faults: fs, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []int
	for range 4 {
		st := 0
		if f := s.fault("status", nil); f != nil {
			st = f.status
		}
		got = append(got, st)
	}
	if want := []int{0, 500, 503, 0}; !equalInts(got, want) {
		t.Fatalf("firings %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// withFaults returns a Config modifier that parses specs.
func withFaults(t *testing.T, specs ...string) func(*Config) {
	return func(c *Config) {
		fs, err := ParseFaults(specs)
		if err != nil {
			t.Fatal(err)
		}
		c.Faults = fs
	}
}

// tokenStatus requests a token for z0000 and returns the response.
func (h *harness) tokenResp() resp {
	h.t.Helper()
	return h.doAuth("POST", TokenPath+"?grant_type=client_credentials&scope=clientCreds", basic(z0000.ID, z0000.Secret))
}

func (h *harness) doAuth(method, path, auth string) resp {
	return h.do(method, path, "", "Authorization", auth)
}

func TestFaultToken5xx(t *testing.T) {
	h := newHarness(t, withFaults(t, "token:500:nth=2", "token:503:nth=3"))
	for i, want := range []int{200, 500, 503, 200} {
		r := h.tokenResp()
		if r.code != want {
			t.Fatalf("request %d: %d, want %d", i+1, r.code, want)
		}
		if want >= 500 && !bytes.Contains(r.body, []byte(`"errorCode":"E0000009"`)) {
			t.Fatalf("request %d: body %s", i+1, r.body)
		}
	}
	// Bad credentials are not events.
	h2 := newHarness(t, withFaults(t, "token:500:nth=1"))
	if r := h2.doAuth("POST", TokenPath+"?grant_type=client_credentials&scope=clientCreds", basic(z0000.ID, "x")); r.code != 401 {
		t.Fatalf("bad secret: %d", r.code)
	}
	if r := h2.tokenResp(); r.code != 500 {
		t.Fatalf("first valid request: %d", r.code)
	}
}

func TestFaultToken429(t *testing.T) {
	h := newHarness(t, withFaults(t, "token:429:nth=1,retry=7"))
	r := h.tokenResp()
	if r.code != 429 || !bytes.Contains(r.body, []byte(`"errorCode":"E0000047"`)) {
		t.Fatalf("%d %s", r.code, r.body)
	}
	if got, want := r.header.Get("X-Rate-Limit-Reset"), strconv.FormatInt(h.clock.Now().Unix()+7, 10); got != want || r.header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Fatalf("X-Rate-Limit-Reset %q, want %q", got, want)
	}
	if r := h.tokenResp(); r.code != 200 {
		t.Fatalf("second: %d", r.code)
	}
}

func TestFaultTokenExpireAfter(t *testing.T) {
	h := newHarness(t, withFaults(t, "token:expire:after=10s,nth=1"))
	r := h.tokenResp()
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil || tr.ExpiresIn != 3600 {
		t.Fatalf("token response %s", r.body)
	}
	long := h.token(z0000) // the second token is not affected
	probe := statusPath("v2", newUUID())
	h.clock.Advance(9 * time.Second)
	if r := h.do("GET", probe, tr.AccessToken); r.code != 404 {
		t.Fatalf("at 9s: %d", r.code)
	}
	h.clock.Advance(time.Second)
	if r := h.do("GET", probe, tr.AccessToken); r.code != 403 || len(r.body) != 0 {
		t.Fatalf("at 10s: %d %q", r.code, r.body)
	}
	if r := h.do("GET", probe, long); r.code != 404 {
		t.Fatalf("other token: %d", r.code)
	}
}

func TestFaultTokenRevoke(t *testing.T) {
	h := newHarness(t, withFaults(t, "token:expire:nth=3"))
	old := h.token(z0000)
	other := h.token(z0001)
	probe := statusPath("v2", newUUID())
	for i, want := range []int{404, 404, 403, 403} {
		if r := h.do("GET", probe, old); r.code != want {
			t.Fatalf("request %d: %d, want %d", i+1, r.code, want)
		}
	}
	if r := h.do("GET", probe, other); r.code != 403 {
		t.Fatalf("another client's old token: %d", r.code)
	}
	if r := h.do("GET", probe, h.token(z0000)); r.code != 404 {
		t.Fatalf("new token: %d", r.code)
	}
}

func TestFaultKickoff(t *testing.T) {
	tests := []struct {
		spec string
		code int
		text string // "": empty body; "html": gateway page
	}{
		{"kickoff:500:count=1", 500, "An internal error occurred"},
		{"kickoff:503:count=1", 503, ""},
		{"kickoff:502:count=1", 502, "html"},
		{"kickoff:429:retry=9,count=1", 429, msgTooManyJobs},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			h := newHarness(t, withFaults(t, tc.spec))
			tok := h.token(z0000)
			r := h.do("GET", "/api/v2/fhir/Patient/$export", tok)
			if r.code != tc.code {
				t.Fatalf("%d %s", r.code, r.body)
			}
			switch tc.text {
			case "":
				if len(r.body) != 0 {
					t.Fatalf("body %q", r.body)
				}
			case "html":
				if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
					t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
				}
			default:
				if got := outcomeText(t, r.body); got != tc.text {
					t.Fatalf("text %q", got)
				}
			}
			if tc.code == 429 && r.header.Get("Retry-After") != "9" {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
			h.kickoff(tok, "v2", "") // count=1: the retry works
		})
	}
}

func TestFaultStatus(t *testing.T) {
	h := newHarness(t, withFaults(t, "status:500:nth=1", "status:429:nth=2,retry=3", "status:504:nth=3"))
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	h.wait(id)
	sp := statusPath("v2", id)
	r := h.do("GET", sp, tok)
	if r.code != 500 || outcomeText(t, r.body) != "An internal error occurred" {
		t.Fatalf("1: %d %s", r.code, r.body)
	}
	r = h.do("GET", sp, tok)
	if r.code != 429 || outcomeText(t, r.body) != msgPolling || r.header.Get("Retry-After") != "3" {
		t.Fatalf("2: %d %s", r.code, r.body)
	}
	if r = h.do("GET", sp, tok); r.code != 504 {
		t.Fatalf("3: %d", r.code)
	}
	// Faulted polls do not count for the polling limit.
	if r = h.do("GET", sp, tok); r.code != 200 {
		t.Fatalf("4: %d %s", r.code, r.body)
	}
}

// TestFaultDownloadStatus: 5xx and 429 on a download do not use up a download.
func TestFaultDownloadStatus(t *testing.T) {
	h := newHarness(t, withFaults(t, "download:500:nth=1", "download:429:nth=2", "download:503:nth=3"))
	tok := h.token(z0000)
	path, _, _ := h.completedJob(tok)
	r := h.do("GET", path, tok)
	if r.code != 500 || outcomeText(t, r.body) != "An internal error occurred" {
		t.Fatalf("1: %d %s", r.code, r.body)
	}
	r = h.do("GET", path, tok)
	if r.code != 429 || r.header.Get("Retry-After") != "5" {
		t.Fatalf("2: %d %s", r.code, r.body)
	}
	if r = h.do("GET", path, tok); r.code != 503 || len(r.body) != 0 {
		t.Fatalf("3: %d", r.code)
	}
	if r = h.do("GET", path, tok); r.code != 200 {
		t.Fatalf("4: %d %s", r.code, r.body)
	}
	if r = h.do("GET", path, tok); r.code != 500 || outcomeText(t, r.body) != msgMaxDownloads {
		t.Fatalf("5: %d %s", r.code, r.body)
	}
}

// get downloads path without buffering errors away.
func (h *harness) get(path, tok string, hdr ...string) (*http.Response, []byte, error) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func TestFaultDownloadReset(t *testing.T) {
	h := newHarness(t, withFaults(t, "download:reset:after=100,nth=1", "download:reset:nth=2"))
	tok := h.token(z0000)
	path, _, n := h.completedJob(tok)
	for i, limit := range []int64{100, n / 2} {
		res, b, err := h.get(path, tok)
		if err == nil {
			t.Fatalf("download %d: no error, %d bytes", i+1, len(b))
		}
		if int64(len(b)) > limit {
			t.Fatalf("download %d: %d bytes after a reset at %d", i+1, len(b), limit)
		}
		if res != nil && res.ContentLength != n {
			t.Fatalf("download %d: Content-Length %d", i+1, res.ContentLength)
		}
		t.Logf("download %d: %d bytes, %v", i+1, len(b), err)
	}
	// Not counted: the retry succeeds although MaxDownloads is 1.
	if _, b, err := h.get(path, tok); err != nil || int64(len(b)) != n {
		t.Fatalf("retry: %d bytes, %v", len(b), err)
	}
}

func TestFaultDownloadTruncate(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		withFaults(t, "download:truncate:nth=1", "download:truncate:after=10,nth=2")(c)
		c.MaxDownloads = -1
	})
	tok := h.token(z0000)
	path, _, n := h.completedJob(tok)
	res, b, err := h.get(path, tok)
	if !errors.Is(err, io.ErrUnexpectedEOF) || int64(len(b)) != n/2 || res.ContentLength != n {
		t.Fatalf("at=0.5: %d of %d bytes (Content-Length %d), %v", len(b), n, res.ContentLength, err)
	}
	res, b, err = h.get(path, tok, "Accept-Encoding", "gzip")
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(b) != 10 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("after=10 gzip: %d bytes, %v", len(b), err)
	}
	if _, b, err = h.get(path, tok); err != nil || int64(len(b)) != n {
		t.Fatalf("third: %d bytes, %v", len(b), err)
	}
}

func TestFaultDownloadSlow(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	h := newHarnessS(t, withFaults(t, "download:slow:bps=100"), func(s *Server) {
		s.sleep = func(_ context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			return nil
		}
	})
	tok := h.token(z0000)
	path, sum, n := h.completedJob(tok)
	_, b, err := h.get(path, tok)
	if err != nil || int64(len(b)) != n {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	got := sha256.Sum256(b)
	if "sha256:"+hex.EncodeToString(got[:]) != sum {
		t.Fatal("checksum")
	}
	// The handler pauses after the last chunk too, once the client may
	// have read it: wait for the handler to count the download.
	waitFor(t, "the download to be counted", func() bool {
		h.s.mu.Lock()
		defer h.s.mu.Unlock()
		for _, j := range h.s.jobs {
			for _, f := range j.files {
				if f.downloads > 0 {
					return true
				}
			}
		}
		return false
	})
	mu.Lock()
	defer mu.Unlock()
	var total time.Duration
	for _, d := range slept {
		total += d
		if d > 100*time.Millisecond {
			t.Fatalf("a pause of %v", d)
		}
	}
	if want := time.Duration(n) * time.Second / 100; total != want || len(slept) != int((n+9)/10) {
		t.Fatalf("%d pauses, %v in all, want %v for %d bytes at 100 B/s", len(slept), total, want, n)
	}
	// It counted as the one allowed download.
	if r := h.do("GET", path, tok); r.code != 500 {
		t.Fatalf("second download: %d", r.code)
	}
}

func TestFaultDownloadCorrupt(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		withFaults(t, "download:corrupt:every=2")(c)
		c.MaxDownloads = -1
	})
	tok := h.token(z0000)
	path, sum, n := h.completedJob(tok)
	_, good, err := h.get(path, tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{"", "gzip"} {
		_, b, err := h.get(path, tok, "Accept-Encoding", enc)
		if err != nil {
			t.Fatal(err)
		}
		h.get(path, tok) // an even download is a good one again
		if enc == "gzip" {
			b = gunzip(t, b)
		}
		got := sha256.Sum256(b)
		if int64(len(b)) != n || "sha256:"+hex.EncodeToString(got[:]) == sum {
			t.Fatalf("%q: %d bytes, checksum %x", enc, len(b), got)
		}
		diff := 0
		for i := range b {
			if b[i] != good[i] {
				diff++
				if int64(i) != n/2 {
					t.Fatalf("%q: byte %d changed", enc, i)
				}
			}
		}
		if diff != 1 {
			t.Fatalf("%q: %d bytes changed", enc, diff)
		}
	}
}

// TestFaultManifest: wrong checksum for the first file, wrong length for the second.
func TestFaultManifest(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		withFaults(t, "manifest:checksum:nth=1", "manifest:length:nth=2")(c)
		c.FileMaxBytes = 1000
		c.Scale = 0.3
		c.MaxDownloads = -1
	})
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	_, m := h.complete(tok, "v2", id)
	if len(m.Output) < 3 {
		t.Fatalf("%d files", len(m.Output))
	}
	for i, o := range m.Output {
		sum, n := ext(t, o)
		_, b, err := h.get(h.path(o.URL), tok)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(b)
		sumOK := sum == "sha256:"+hex.EncodeToString(got[:])
		lenOK := n == int64(len(b))
		if sumOK != (i != 0) || lenOK != (i != 1) || (i == 1 && n != int64(len(b))+1) || len(sum) != 71 {
			t.Fatalf("file %d: checksum ok %v, length ok %v (%d vs %d)", i+1, sumOK, lenOK, n, len(b))
		}
	}
	// The manifest is stable across polls.
	h.clock.Advance(5 * time.Second)
	r := h.do("GET", statusPath("v2", id), tok)
	var m2 manifest
	json.Unmarshal(r.body, &m2)
	if s1, _ := ext(t, m.Output[0]); s1 != m2.Output[0].Extension[0].ValueString {
		t.Fatal("checksum changed between polls")
	}
}

func TestFaultJob(t *testing.T) {
	tests := []struct {
		spec string
		code int
		text string
	}{
		{"job:fail", 500, msgJobFailed},
		{"job:cancel", 404, msgCanceled},
		{"job:stall", 202, ""},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			h := newHarness(t, withFaults(t, tc.spec+":nth=2"))
			tok := h.token(z0000)
			h.complete(tok, "v2", h.kickoff(tok, "v2", "")) // the first job is fine
			id := h.kickoff(tok, "v2", "")
			h.wait(id)
			h.clock.Advance(100 * time.Hour)
			r := h.do("GET", statusPath("v2", id), h.token(z0000))
			if r.code != tc.code {
				t.Fatalf("%d %s", r.code, r.body)
			}
			if tc.text != "" && outcomeText(t, r.body) != tc.text {
				t.Fatalf("body %s", r.body)
			}
			if tc.code == 202 && r.header.Get("X-Progress") != "99% complete" {
				t.Fatalf("X-Progress %q", r.header.Get("X-Progress"))
			}
		})
	}
}

func TestFaultJobErrors(t *testing.T) {
	h := newHarness(t, withFaults(t, "job:errors:lines=4"))
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	_, m := h.complete(tok, "v2", id)
	if len(m.Output) != 1 || len(m.Error) != 1 {
		t.Fatalf("%d outputs, %d errors", len(m.Output), len(m.Error))
	}
	e := m.Error[0]
	if e.Type != "ExplanationOfBenefit" || e.URL != h.ts.URL+"/api/v2/fhir/Job/"+id+"/file/Z0000_0001_error.ndjson" {
		t.Fatalf("error entry %+v", e)
	}
	sum, n := ext(t, e)
	_, b, err := h.get(h.path(e.URL), tok)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.Sum256(b)
	if sum != "sha256:"+hex.EncodeToString(got[:]) || n != int64(len(b)) {
		t.Fatal("error file does not match its manifest entry")
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var oo outcome
		if err := json.Unmarshal([]byte(l), &oo); err != nil || oo.ResourceType != "OperationOutcome" || oo.Issue[0].Severity != "error" {
			t.Fatalf("line %s", l)
		}
	}
	// The data files alone decide the v2 default _since.
	h.get(h.path(m.Output[0].URL), tok)
	next := h.kickoff(tok, "v2", "")
	if req := h.sourceReq(next); req.Since.IsZero() {
		t.Fatal("no default since")
	}
}

func TestFaultMaintenance(t *testing.T) {
	h := newHarness(t, withFaults(t, "maintenance:count=1"))
	tok := h.token(z0000)
	if r := h.do("GET", "/status", ""); string(r.body) != `{"maintenanceMode":"true"}` {
		t.Fatalf("/status %s", r.body)
	}
	if r := h.do("GET", "/api/v1/fhir/Patient/$export", tok); r.code != 503 || len(r.body) != 0 {
		t.Fatalf("kickoff %d %q", r.code, r.body)
	}
	if r := h.do("GET", "/status", ""); string(r.body) != `{"maintenanceMode":"false"}` {
		t.Fatalf("/status after %s", r.body)
	}
	h.kickoff(tok, "v1", "")
}
