package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStatusLifecycle walks a job from 202 with progress, through the
// polling limit, to the 200 manifest.
func TestStatusLifecycle(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.JobDuration = 10 * time.Minute })
	tok := h.token(z0000)
	start := h.clock.Now()
	id := h.kickoff(tok, "v1", "?_outputFormat=application%2Ffhir%2Bndjson&_type=ExplanationOfBenefit")
	sp := statusPath("v1", id)

	steps := []struct {
		advance  time.Duration
		code     int
		progress string
		text     string
	}{
		{0, 202, "0% complete", ""},
		{0, 429, "", msgPolling},
		{4 * time.Second, 429, "", msgPolling},
		{time.Second, 202, "0% complete", ""}, // 5 s after the first poll
		{3 * time.Minute, 202, "30% complete", ""},
		{2 * time.Minute, 202, "50% complete", ""},
		{4 * time.Second, 429, "", msgPolling},
		{4*time.Minute + 50*time.Second, 202, "99% complete", ""}, // 9:59

	}
	for i, st := range steps {
		h.clock.Advance(st.advance)
		r := h.do("GET", sp, tok, "accept", "application/json")
		if r.code != st.code {
			t.Fatalf("step %d: status %d, want %d: %s", i, r.code, st.code, r.body)
		}
		if r.header.Get("Retry-After") != "5" {
			t.Fatalf("step %d: Retry-After %q", i, r.header.Get("Retry-After"))
		}
		if st.code == 202 {
			if got := r.header.Get("X-Progress"); got != st.progress || len(r.body) != 0 {
				t.Fatalf("step %d: X-Progress %q, body %q", i, got, r.body)
			}
			if r.header.Get("Expires") != "0" {
				t.Fatalf("step %d: Expires %q", i, r.header.Get("Expires"))
			}
		} else if got := outcomeText(t, r.body); got != st.text {
			t.Fatalf("step %d: text %q", i, got)
		}
	}

	// Done: 10 minutes after kick-off.
	h.wait(id)
	h.clock.Advance(5 * time.Second)
	r := h.do("GET", sp, tok)
	if r.code != 200 {
		t.Fatalf("final status %d: %s", r.code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	done := start.Add(10 * time.Minute)
	wantExp := done.Add(72 * time.Hour) // Thu, 6 Jun 2024 14:15:09 GMT
	if got := r.header.Get("Expires"); got != "Thu, 6 Jun 2024 14:15:09 GMT" || got != wantExp.Format(javaRFC1123) {
		t.Fatalf("Expires %q", got)
	}
	// The raw JSON: field order and human transactionTime as the service.
	wantPrefix := `{"transactionTime":"Jun 3, 2024, 2:05:09 PM","request":"` + h.ts.URL +
		`/api/v1/fhir/Patient/$export?_outputFormat=application%252Ffhir%252Bndjson&_type=ExplanationOfBenefit","requiresAccessToken":true,"output":[{"type":"ExplanationOfBenefit","url":"` +
		h.ts.URL + `/api/v1/fhir/Job/` + id + `/file/Z0000_0001.ndjson","extension":[{"url":"https://ab2d.cms.gov/checksum","valueString":"sha256:`
	if !strings.HasPrefix(string(r.body), wantPrefix) || !strings.HasSuffix(string(r.body), `}]}],"error":[]}`) {
		t.Fatalf("manifest\n%s\nwant prefix\n%s", r.body, wantPrefix)
	}
	if !regexp.MustCompile(`"valueString":"sha256:[0-9a-f]{64}"},\{"url":"https://ab2d.cms.gov/file_length","valueDecimal":\d+\}`).Match(r.body) {
		t.Fatalf("extensions in %s", r.body)
	}
}

// TestManifestMatchesFiles checks rollover, names, and that every file's
// checksum and length are those of the served uncompressed bytes.
func TestManifestMatchesFiles(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.FileMaxBytes = 1000
		c.Scale = 0.3 // 30 beneficiaries, 60 lines
		c.MaxDownloads = -1
	})
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	_, m := h.complete(tok, "v2", id)
	if len(m.Output) < 3 || len(m.Error) != 0 {
		t.Fatalf("%d outputs, %d errors", len(m.Output), len(m.Error))
	}
	var all bytes.Buffer
	for i, o := range m.Output {
		if want := fmt.Sprintf("%s/api/v2/fhir/Job/%s/file/Z0000_%04d.ndjson", h.ts.URL, id, i+1); o.URL != want || o.Type != "ExplanationOfBenefit" {
			t.Fatalf("output %d: %+v", i, o)
		}
		sum, n := ext(t, o)
		for _, enc := range []string{"", "gzip"} {
			var hdr []string
			if enc != "" {
				hdr = []string{"Accept-Encoding", enc}
			}
			r := h.do("GET", h.path(o.URL), tok, hdr...)
			if r.code != 200 || r.header.Get("Content-Encoding") != enc {
				t.Fatalf("download %s (%q): %d %q", o.URL, enc, r.code, r.header.Get("Content-Encoding"))
			}
			body := r.body
			if enc == "gzip" {
				body = gunzip(t, body)
			} else {
				all.Write(body)
			}
			got := sha256.Sum256(body)
			if sum != "sha256:"+hex.EncodeToString(got[:]) || int64(len(body)) != n {
				t.Fatalf("file %d (%q): manifest %s %d, served %x %d", i, enc, sum, n, got, len(body))
			}
			if len(body) > 1000 {
				t.Fatalf("file %d has %d bytes, over FileMaxBytes", i, len(body))
			}
		}
	}
	// The files, concatenated, are the Source's lines in order.
	sc := bufio.NewScanner(&all)
	n := 0
	for sc.Scan() {
		if want := fmt.Sprintf(`"id":"carrier-%d"`, n); !strings.Contains(sc.Text(), want) {
			t.Fatalf("line %d: %s", n, sc.Text())
		}
		n++
	}
	if n != 60 {
		t.Fatalf("%d lines", n)
	}
}

// TestEmptyExport: no matching claims, no files.
func TestEmptyExport(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "?_since=2024-01-01T00:00:00Z")
	r, m := h.complete(tok, "v2", id)
	if len(m.Output) != 0 || len(m.Error) != 0 || !strings.Contains(string(r.body), `"output":[],"error":[]`) {
		t.Fatalf("manifest %s", r.body)
	}
}

// TestCancel covers DELETE on running, cancelled and finished jobs.
func TestCancel(t *testing.T) {
	block := make(chan struct{})
	h := newHarness(t, func(c *Config) { c.MaxActiveJobs = -1 })
	h.src.block = block
	tok := h.token(z0000)

	id := h.kickoff(tok, "v2", "")
	sp := statusPath("v2", id)
	if r := h.do("DELETE", sp, tok); r.code != 202 || len(r.body) != 0 {
		t.Fatalf("cancel: %d %q", r.code, r.body)
	}
	h.wait(id) // the generator stopped although the Source was blocked
	r := h.do("GET", sp, tok)
	if r.code != 404 || string(r.body) != `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"deleted","details":{"text":"Job is canceled."}}]}` {
		t.Fatalf("status of cancelled job: %d %s", r.code, r.body)
	}
	if r := h.do("DELETE", sp, tok); r.code != 400 || outcomeText(t, r.body) != "Job has a status of CANCELLED, so it cannot be cancelled" {
		t.Fatalf("cancel again: %d %s", r.code, r.body)
	}

	close(block)
	done := h.kickoff(tok, "v2", "")
	h.complete(tok, "v2", done)
	if r := h.do("DELETE", statusPath("v2", done), tok); r.code != 400 || outcomeText(t, r.body) != "Job has a status of SUCCESSFUL, so it cannot be cancelled" {
		t.Fatalf("cancel finished: %d %s", r.code, r.body)
	}
	// Cancelling after the files were written removes them.
	h.s.mu.Lock() // JobDuration is read under mu
	h.s.cfg.JobDuration = time.Hour
	h.s.mu.Unlock()
	late := h.kickoff(tok, "v2", "")
	h.wait(late)
	h.s.mu.Lock()
	dir := h.s.jobs[late].dir
	h.s.mu.Unlock()
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if r := h.do("DELETE", statusPath("v2", late), tok); r.code != 202 {
		t.Fatalf("cancel: %d", r.code)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("files of cancelled job: %v", err)
	}
}

// TestJobAccess covers unknown jobs and other clients' jobs.
func TestJobAccess(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.JobDuration = time.Minute })
	tokA, tokB := h.token(z0000), h.token(z0001)
	id := h.kickoff(tokA, "v2", "")

	unknown := newUUID()
	tests := []struct {
		name, method, path, tok string
		code                    int
		text                    string // "" means empty body
	}{
		{"status of another client's job", "GET", statusPath("v2", id), tokB, 403, ""},
		{"cancel of another client's job", "DELETE", statusPath("v2", id), tokB, 403, ""},
		{"download of another client's job", "GET", "/api/v2/fhir/Job/" + id + "/file/Z0000_0001.ndjson", tokB, 403, "Unauthorized"},
		{"status of unknown job", "GET", statusPath("v2", unknown), tokA, 404, "No job with jobUuid " + unknown + " was found"},
		{"cancel of unknown job", "DELETE", statusPath("v1", unknown), tokA, 404, "No job with jobUuid " + unknown + " was found"},
		{"status of non-UUID job", "GET", statusPath("v2", "42"), tokA, 404, "No job with jobUuid 42 was found"},
		{"download with non-UUID job", "GET", "/api/v2/fhir/Job/nope/file/Z0000_0001.ndjson", tokA, 404, "Invalid job UUID provided: 'nope'"},
		{"download of unknown job", "GET", "/api/v2/fhir/Job/" + unknown + "/file/Z0000_0001.ndjson", tokA, 404, "No job with jobUuid " + unknown + " was found"},
		{"download before completion", "GET", "/api/v2/fhir/Job/" + id + "/file/Z0000_0001.ndjson", tokA, 404, "No Job Output with the file name Z0000_0001.ndjson exists in our records"},
		{"unknown route", "GET", "/api/v2/fhir/Patient", tokA, 404, "No static resource api/v2/fhir/Patient."},
		{"POST export", "POST", "/api/v2/fhir/Patient/$export", tokA, 405, "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, tc.tok)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.body)
			}
			switch tc.text {
			case "":
				if len(r.body) != 0 {
					t.Fatalf("body %q", r.body)
				}
			case "-":
			default:
				if got := outcomeText(t, r.body); got != tc.text {
					t.Fatalf("text %q, want %q", got, tc.text)
				}
			}
		})
	}
}

// TestFailedJob: a Source error fails the job when it is due.
func TestFailedJob(t *testing.T) {
	h := newHarness(t, nil)
	h.src.err = errors.New("BFD is down")
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	h.wait(id)
	r := h.do("GET", statusPath("v2", id), tok)
	if r.code != http.StatusInternalServerError || outcomeText(t, r.body) != msgJobFailed {
		t.Fatalf("status %d %s", r.code, r.body)
	}
	if r := h.do("DELETE", statusPath("v2", id), tok); r.code != 400 || outcomeText(t, r.body) != "Job has a status of FAILED, so it cannot be cancelled" {
		t.Fatalf("cancel: %d %s", r.code, r.body)
	}
	h.s.mu.Lock()
	dir := h.s.jobs[id].dir
	h.s.mu.Unlock()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("files of failed job: %v", err)
	}
}

// TestBadSourceLines: a line break inside a line fails the job; a single
// trailing newline is accepted.
func TestBadSourceLines(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{`{"a":1}` + "\n", true},
		{`{"a":1}` + "\r\n", true},
		{`{"a":` + "\n" + `1}`, false},
		{"", false},
		{"\n", false},
	} {
		src := sourceFunc(func(emit func([]byte) error) error { return emit([]byte(tc.line)) })
		h := newHarness(t, func(c *Config) { c.Source = src })
		tok := h.token(z0000)
		id := h.kickoff(tok, "v2", "")
		h.wait(id)
		r := h.do("GET", statusPath("v2", id), tok)
		if (r.code == 200) != tc.ok {
			t.Errorf("line %q: status %d %s", tc.line, r.code, r.body)
		}
	}
}

// TestClose stops a blocked job and removes the files (goleak checks the
// goroutines in TestMain).
func TestClose(t *testing.T) {
	h := newHarness(t, nil)
	h.src.block = make(chan struct{})
	id := h.kickoff(h.token(z0000), "v2", "")
	if err := h.s.Close(); err != nil {
		t.Fatal(err)
	}
	h.wait(id)
	if _, err := os.Stat(h.s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp dir after Close: %v", err)
	}
	if err := h.s.Close(); err != nil {
		t.Fatal(err)
	}
}

// gatedSource is a ProgressSource that generates half of its export, then
// waits for release.
type gatedSource struct{ half, release chan struct{} }

func (g gatedSource) Export(ctx context.Context, req ExportRequest, emit func([]byte) error) error {
	return g.ExportProgress(ctx, req, emit, nil)
}

func (g gatedSource) ExportProgress(ctx context.Context, req ExportRequest, emit func([]byte) error, progress func(float64)) error {
	if progress != nil {
		progress(0.5)
	}
	close(g.half)
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := emit([]byte(`{"resourceType":"ExplanationOfBenefit","id":"1"}`)); err != nil {
		return err
	}
	if progress != nil {
		progress(1)
	}
	return nil
}

// TestProgressFollowsGeneration: X-Progress is the share of the export
// generated when that is behind the job's time, never 99% while half of it
// remains.
func TestProgressFollowsGeneration(t *testing.T) {
	src := gatedSource{half: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, func(c *Config) { c.JobDuration = time.Minute; c.Source = src })
	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	<-src.half
	for _, st := range []struct {
		advance time.Duration
		want    string
	}{
		{18 * time.Second, "30% complete"}, // time is behind: 30% of the minute
		{2 * time.Minute, "50% complete"},  // time is up, half generated
	} {
		h.clock.Advance(st.advance)
		r := h.do("GET", statusPath("v2", id), tok)
		if r.code != 202 || r.header.Get("X-Progress") != st.want {
			t.Fatalf("after %s: %d, X-Progress %q, want %q", st.advance, r.code, r.header.Get("X-Progress"), st.want)
		}
		h.clock.Advance(5 * time.Second) // Retry-After
	}
	close(src.release)
	h.wait(id)
	if r := h.do("GET", statusPath("v2", id), tok); r.code != 200 {
		t.Fatalf("once generated: %d %s", r.code, r.body)
	}
}
