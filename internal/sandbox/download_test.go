package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// completedJob runs a v2 export to completion and returns the first file's
// path, checksum and length.
func (h *harness) completedJob(tok string) (path, sum string, n int64) {
	h.t.Helper()
	id := h.kickoff(tok, "v2", "")
	_, m := h.complete(tok, "v2", id)
	if len(m.Output) == 0 {
		h.t.Fatal("no output")
	}
	sum, n = ext(h.t, m.Output[0])
	return h.path(m.Output[0].URL), sum, n
}

// TestGzipNegotiation: gzip exactly when an Accept-Encoding token is "gzip".
func TestGzipNegotiation(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxDownloads = -1 })
	tok := h.token(z0000)
	path, sum, n := h.completedJob(tok)
	tests := []struct {
		accept []string // Accept-Encoding header values; nil: none
		gzip   bool
	}{
		{nil, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"deflate, gzip"}, true},
		{[]string{"gzip, deflate, br"}, true}, // what the e2e test sends
		{[]string{" br ,gzip "}, true},
		{[]string{"deflate", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=1.0"}, false}, // the service compares whole tokens
		{[]string{"x-gzip"}, false},
		{[]string{"identity"}, false},
		{[]string{"br, deflate"}, false},
		{[]string{"*"}, false},
		{[]string{""}, false},
	}
	for _, tc := range tests {
		var hdr []string
		for _, v := range tc.accept {
			hdr = append(hdr, "Accept-Encoding", v)
		}
		r := h.do("GET", path, tok, hdr...)
		if r.code != 200 {
			t.Fatalf("%q: status %d %s", tc.accept, r.code, r.body)
		}
		body := r.body
		if tc.gzip {
			if r.header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%q: not gzip", tc.accept)
			}
			body = gunzip(t, body)
		} else if ce := r.header.Get("Content-Encoding"); ce != "" {
			t.Fatalf("%q: Content-Encoding %q", tc.accept, ce)
		}
		if r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
			t.Fatalf("%q: Content-Length %q for %d bytes", tc.accept, r.header.Get("Content-Length"), len(r.body))
		}
		got := sha256.Sum256(body)
		if "sha256:"+hex.EncodeToString(got[:]) != sum || int64(len(body)) != n {
			t.Fatalf("%q: content does not match the manifest", tc.accept)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/fhir+ndjson" {
			t.Fatalf("Content-Type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); cd != `inline; swaggerDownload="attachment"; filename="Z0000_0001.ndjson"` {
			t.Fatalf("Content-Disposition %q", cd)
		}
	}
}

// TestDownloadAccept: the download produces application/fhir+ndjson only.
func TestDownloadAccept(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxDownloads = -1 })
	tok := h.token(z0000)
	path, _, _ := h.completedJob(tok)
	for accept, code := range map[string]int{
		"application/fhir+ndjson":  200,
		"*/*":                      200,
		"application/*;q=0.8":      200,
		"text/plain, */*":          200,
		"application/json":         406,
		"application/fhir+json":    406,
		"text/html, application/x": 406,
	} {
		if r := h.do("GET", path, tok, "Accept", accept); r.code != code {
			t.Errorf("Accept %q: %d, want %d", accept, r.code, code)
		}
	}
}

// TestDownloadLimit: the (MaxDownloads+1)-th download of a file is refused.
func TestDownloadLimit(t *testing.T) {
	for _, limit := range []int{0, 1, 6} { // 0: the default, 1
		h := newHarness(t, func(c *Config) { c.MaxDownloads = limit; c.Scale = 0.5; c.FileMaxBytes = 2000 })
		tok := h.token(z0000)
		id := h.kickoff(tok, "v2", "")
		_, m := h.complete(tok, "v2", id)
		if len(m.Output) < 2 {
			t.Fatalf("%d files", len(m.Output))
		}
		allowed := max(limit, 1)
		first, second := h.path(m.Output[0].URL), h.path(m.Output[1].URL)
		for i := range allowed {
			if r := h.do("GET", first, tok, "Accept-Encoding", "gzip"); r.code != 200 {
				t.Fatalf("max %d: download %d: %d", limit, i+1, r.code)
			}
		}
		r := h.do("GET", first, tok)
		if r.code != 500 || outcomeText(t, r.body) != msgMaxDownloads || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("max %d: download %d: %d %s", limit, allowed+1, r.code, r.body)
		}
		// Counted per file.
		if r := h.do("GET", second, tok); r.code != 200 {
			t.Fatalf("max %d: other file: %d", limit, r.code)
		}
	}
}

// TestDownloadExpired: files expire FileTTL after completion.
func TestDownloadExpired(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxDownloads = -1 })
	tok := h.token(z0000)
	path, _, _ := h.completedJob(tok) // completed at the clock's start
	h.clock.Advance(72*time.Hour - 5*time.Second)
	tok = h.token(z0000)
	if r := h.do("GET", path, tok); r.code != 200 {
		t.Fatalf("before expiry: %d", r.code)
	}
	h.clock.Advance(time.Second)
	for range 2 {
		r := h.do("GET", path, tok)
		if r.code != http.StatusInternalServerError || outcomeText(t, r.body) != msgExpired {
			t.Fatalf("after expiry: %d %s", r.code, r.body)
		}
	}
}
