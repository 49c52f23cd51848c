package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// v3Harness is a harness whose clock is in August 2026, after the v3
// _since floor.
func v3Harness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	h := newHarness(t, mod)
	h.clock.Advance(time.Date(2026, 8, 20, 12, 0, 0, 0, time.UTC).Sub(h.clock.Now()))
	return h
}

// v3Paths returns a path of every v3 operation but metadata, for job id.
func v3Paths(id string) []struct{ method, path string } {
	return []struct{ method, path string }{
		{"GET", "/api/v3/fhir/Patient/$export"},
		{"GET", statusPath("v3", id)},
		{"DELETE", statusPath("v3", id)},
		{"GET", "/api/v3/fhir/Job/" + id + "/file/Z0001_0001.ndjson"},
	}
}

// TestV3Gate: v3 answers allow-listed contracts only (Z0001 to Z0010 by
// default), and nobody when it is off; metadata always.
func TestV3Gate(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*Config)
		c     Client
		allow bool
		text  string
	}{
		{"Z0000 is not on the default allow-list", nil, z0000, false, msgV3NotAllowed},
		{"Z0001 is", nil, z0001, true, ""},
		{"Z0010 is", nil, clients[4], true, ""},
		{"off", func(c *Config) { c.V3Off = true }, z0001, false, msgV3Off},
		{"off wins over the allow-list", func(c *Config) { c.V3Off = true }, z0000, false, msgV3Off},
		{"own allow-list", func(c *Config) { c.V3Contracts = []string{"Z0000"} }, z0000, true, ""},
		{"own allow-list without Z0001", func(c *Config) { c.V3Contracts = []string{"Z0000"} }, z0001, false, msgV3NotAllowed},
		{"empty allow-list", func(c *Config) { c.V3Contracts = []string{} }, z0001, false, msgV3NotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := v3Harness(t, func(c *Config) {
				c.MaxActiveJobs = -1
				if tc.mod != nil {
					tc.mod(c)
				}
			})
			tok := h.token(tc.c)
			for _, p := range v3Paths(newUUID()) {
				r := h.do(p.method, p.path, tok)
				if refused := r.code == http.StatusForbidden; refused == tc.allow {
					t.Fatalf("%s %s: %d %s", p.method, p.path, r.code, r.body)
				}
				if !tc.allow && outcomeText(t, r.body) != tc.text {
					t.Fatalf("%s %s: %s", p.method, p.path, r.body)
				}
			}
			if r := h.do("GET", "/api/v3/fhir/metadata", ""); r.code != http.StatusOK {
				t.Fatalf("metadata: %d", r.code)
			}
			// v2 is not gated.
			h.kickoff(tok, "v2", "")
		})
	}

	// The gate comes after authentication, and only on v3's operations.
	h := v3Harness(t, nil)
	tok := h.token(z0000)
	for _, tc := range []struct {
		method, path, tok string
		code              int
		text              string
	}{
		{"GET", "/api/v3/fhir/Patient/$export", "", 401, ""},
		{"GET", "/api/v3/fhir/Patient/$export", "x.y.z", 403, ""},
		{"POST", "/api/v3/fhir/Patient/$export", tok, 405, ""},
		{"GET", "/api/v3/fhir/Patient", tok, 404, "No static resource api/v3/fhir/Patient."},
		// v3 has no Group export, whatever the method.
		{"GET", "/api/v3/fhir/Group/Z0000/$export", tok, 404, "No static resource api/v3/fhir/Group/Z0000/$export."},
		{"POST", "/api/v3/fhir/Group/Z0000/$export", tok, 404, "No static resource api/v3/fhir/Group/Z0000/$export."},
	} {
		r := h.do(tc.method, tc.path, tc.tok)
		if r.code != tc.code || (tc.text == "" && tc.code != 405 && len(r.body) != 0) || (tc.text != "" && outcomeText(t, r.body) != tc.text) {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, r.code, r.body)
		}
	}
}

// TestV3AccessRevoked: a contract that leaves the allow-list after its
// kick-off gets 403 on status, download and cancel; back on it, the job
// is there.
func TestV3AccessRevoked(t *testing.T) {
	h := v3Harness(t, nil)
	tok := h.token(z0001)
	id := h.kickoff(tok, "v3", "")
	h.wait(id)
	h.s.SetV3Access(false, []string{"Z0002"})
	for _, p := range v3Paths(id)[1:] {
		if r := h.do(p.method, p.path, tok); r.code != 403 || outcomeText(t, r.body) != msgV3NotAllowed {
			t.Fatalf("%s %s: %d %s", p.method, p.path, r.code, r.body)
		}
	}
	h.s.SetV3Access(true, nil)
	if r := h.do("GET", statusPath("v3", id), tok); r.code != 403 || outcomeText(t, r.body) != msgV3Off {
		t.Fatalf("off: %d %s", r.code, r.body)
	}
	h.s.SetV3Access(false, nil)
	if _, m := h.complete(tok, "v3", id); len(m.Output) != 1 {
		t.Fatalf("manifest %+v", m)
	}
}

// TestV3Export: a v3 job runs like a v2 job, under /api/v3, with an id
// starting 33333333 and the R4V3 rendering.
func TestV3Export(t *testing.T) {
	h := v3Harness(t, func(c *Config) { c.MaxActiveJobs, c.JobDuration = -1, time.Minute })
	tok := h.token(z0001)
	r := h.do("GET", "/api/v3/fhir/Patient/$export?_outputFormat=ndjson", tok)
	if r.code != http.StatusAccepted {
		t.Fatalf("kick-off: %d %s", r.code, r.body)
	}
	loc := r.header.Get("Content-Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, h.ts.URL+"/api/v3/fhir/Job/"), "/$status")
	if !strings.HasPrefix(id, "33333333-") || !isUUID(id) || loc != h.ts.URL+statusPath("v3", id) {
		t.Fatalf("Content-Location %q", loc)
	}
	req := h.sourceReq(id)
	if req.FHIRVersion != "R4V3" || req.Contract != "Z0001" || !req.Since.IsZero() || req.ServiceDates != nil {
		t.Fatalf("request %+v", req)
	}
	_, m := h.complete(tok, "v3", id)
	if len(m.Output) != 1 || !strings.HasPrefix(m.Output[0].URL, h.ts.URL+"/api/v3/fhir/Job/"+id+"/file/Z0001_0001.ndjson") {
		t.Fatalf("manifest %+v", m)
	}
	if !strings.Contains(m.Request, "/api/v3/fhir/Patient/$export") {
		t.Fatalf("request %q", m.Request)
	}
	d := h.do("GET", h.path(m.Output[0].URL), tok)
	if d.code != 200 || !strings.Contains(string(d.body), `"x":"R4V3"`) {
		t.Fatalf("download: %d %.200s", d.code, d.body)
	}

	// v3 never defaults _since, even after a downloaded job; v2 does.
	if req := h.sourceReq(h.kickoff(tok, "v3", "")); !req.Since.IsZero() {
		t.Fatalf("v3 default _since %v", req.Since)
	}
	v2 := h.kickoff(tok, "v2", "")
	_, m2 := h.complete(tok, "v2", v2)
	for _, o := range m2.Output {
		h.do("GET", h.path(o.URL), tok)
	}
	if req := h.sourceReq(h.kickoff(tok, "v3", "")); !req.Since.IsZero() {
		t.Fatalf("v3 default _since %v", req.Since)
	}
	if req := h.sourceReq(h.kickoff(tok, "v2", "")); req.Since.IsZero() {
		t.Fatal("v2 has no default _since")
	}

	// Status, download and cancel of a v3 job under v3.
	late := h.kickoff(tok, "v3", "")
	if r := h.do("DELETE", statusPath("v3", late), tok); r.code != http.StatusAccepted {
		t.Fatalf("cancel: %d %s", r.code, r.body)
	}
	h.clock.Advance(h.s.cfg.RetryAfter)
	if r := h.do("GET", statusPath("v3", late), tok); r.code != http.StatusNotFound || outcomeText(t, r.body) != msgCanceled {
		t.Fatalf("status after cancel: %d %s", r.code, r.body)
	}
}

// TestV3KickoffValidation: the _since floor and _typeFilter, in the
// service's order.
func TestV3KickoffValidation(t *testing.T) {
	h := v3Harness(t, func(c *Config) { c.MaxActiveJobs = -1 })
	tok := h.token(z0001)
	q := url.QueryEscape
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		ver, query string
		text       string        // 400 text; "" for a 202
		dates      []ServiceDate // of a 202
	}{
		{"v3", "?_since=" + q("2026-03-31T23:59:59.999-05:00"), msgSinceFloorV3, nil},
		{"v3", "?_since=" + q("2026-04-01T04:59:59Z"), msgSinceFloorV3, nil},
		{"v3", "?_since=" + q("2020-01-01T00:00:00Z"), msgSinceFloorV3, nil},
		{"v3", "?_since=" + q("2026-04-01T00:00:00.000-05:00"), "", nil},
		{"v3", "?_since=" + q("2026-08-21T00:00:00Z"), msgSinceFuture, nil},
		{"v2", "?_since=" + q("2026-03-31T00:00:00-05:00"), "", nil},
		{"v3", "?_until=" + q("2026-05-01T00:00:00Z"), "", nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ge2026-01-01"), "", []ServiceDate{{"ge", day("2026-01-01")}}},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ge2025-01-01&service-date=lt2025-07-01"), "",
			[]ServiceDate{{"ge", day("2025-01-01")}, {"lt", day("2025-07-01")}}},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=eb2025-12-31"), "", []ServiceDate{{"eb", day("2025-12-31")}}},
		{"v3", "?_typeFilter=" + q("Patient?service-date=ge2026-01-01"), msgTypeFilterResource, nil},
		{"v3", "?_typeFilter=" + q("service-date=ge2026-01-01"), msgTypeFilterResource, nil},
		{"v3", "?_typeFilter=ExplanationOfBenefit", msgTypeFilterParam, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?type=carrier"), msgTypeFilterParam, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ge2026-01-01&_lastUpdated=gt2026-01-01"), msgTypeFilterParam, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=2026-01-01"), msgTypeFilterInvalid, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ne2026-01-01"), msgTypeFilterInvalid, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ge2026-13-01"), msgTypeFilterInvalid, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ge2026-01-01T00:00:00Z"), msgTypeFilterInvalid, nil},
		{"v3", "?_typeFilter=" + q("ExplanationOfBenefit?service-date="), msgTypeFilterInvalid, nil},
		// Unencoded, the second term is a parameter of its own: ignored.
		{"v3", "?_typeFilter=ExplanationOfBenefit?service-date=ge2026-01-01&service-date=lt2026-02-01", "", []ServiceDate{{"ge", day("2026-01-01")}}},
		// Order: _since, then _until, then the filter.
		{"v3", "?_since=" + q("2026-01-01T00:00:00Z") + "&_typeFilter=Patient", msgSinceFloorV3, nil},
		{"v3", "?_since=" + q("2026-05-01T00:00:00Z") + "&_until=" + q("2026-04-15T00:00:00Z") + "&_typeFilter=Patient",
			"_until must be after _since 2026-05-01T00:00Z", nil},
		{"v3", "?_type=Patient&_typeFilter=Patient", msgType, nil},
		// v1 and v2 ignore _typeFilter.
		{"v2", "?_typeFilter=Patient", "", nil},
		{"v1", "?_typeFilter=" + q("ExplanationOfBenefit?service-date=ge2026-01-01"), "", nil},
	}
	for _, tc := range tests {
		r := h.do("GET", "/api/"+tc.ver+"/fhir/Patient/$export"+tc.query, tok)
		if tc.text != "" {
			if r.code != http.StatusBadRequest || outcomeText(t, r.body) != tc.text {
				t.Errorf("%s %s: %d %s, want 400 %q", tc.ver, tc.query, r.code, r.body, tc.text)
			}
			continue
		}
		if r.code != http.StatusAccepted {
			t.Errorf("%s %s: %d %s", tc.ver, tc.query, r.code, r.body)
			continue
		}
		loc := r.header.Get("Content-Location")
		id := strings.TrimSuffix(loc[strings.LastIndex(loc, "/Job/")+5:], "/$status")
		if got := h.sourceReq(id).ServiceDates; !reflect.DeepEqual(got, tc.dates) {
			t.Errorf("%s %s: service dates %v, want %v", tc.ver, tc.query, got, tc.dates)
		}
	}
}

func TestServiceDateMatches(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		term string
		end  time.Time
		want bool
	}{
		{"eq2025-03-10", day("2025-03-10"), true},
		{"eq2025-03-10", day("2025-03-11"), false},
		{"eq2025-03-10", time.Date(2025, 3, 10, 23, 30, 0, 0, ny), true}, // the day in end's own zone
		{"gt2025-03-10", day("2025-03-10"), false},
		{"gt2025-03-10", day("2025-03-11"), true},
		{"sa2025-03-10", day("2025-03-11"), true},
		{"sa2025-03-10", day("2025-03-10"), false},
		{"ge2025-03-10", day("2025-03-10"), true},
		{"ge2025-03-10", day("2025-03-09"), false},
		{"lt2025-03-10", day("2025-03-09"), true},
		{"lt2025-03-10", day("2025-03-10"), false},
		{"eb2025-03-10", day("2025-03-09"), true},
		{"eb2025-03-10", day("2025-03-10"), false},
		{"le2025-03-10", day("2025-03-10"), true},
		{"le2025-03-10", day("2025-03-11"), false},
	}
	for _, tc := range tests {
		d, err := parseServiceDate(tc.term)
		if err != nil {
			t.Fatal(err)
		}
		if d.String() != tc.term {
			t.Errorf("String() = %q, want %q", d, tc.term)
		}
		if got := d.Matches(tc.end); got != tc.want {
			t.Errorf("%s matches %v: %v", tc.term, tc.end, got)
		}
	}
	for _, bad := range []string{"", "g", "ge", "ne2025-01-01", "GE2025-01-01", "ge2025-1-1", "ge20250101"} {
		if d, err := parseServiceDate(bad); err == nil {
			t.Errorf("parseServiceDate(%q) = %v", bad, d)
		}
	}
}

// TestV3Faults: the fault kinds act on v3 paths as on v2's.
func TestV3Faults(t *testing.T) {
	h := v3Harness(t, withFaults(t, "kickoff:500:nth=1", "status:429:nth=1,retry=7", "manifest:checksum:nth=1",
		"download:truncate:after=10,nth=1", "job:errors:lines=2,nth=1", "maintenance:count=1"))
	tok := h.token(z0001)
	if r := h.do("GET", "/status", ""); string(r.body) != `{"maintenanceMode":"true"}` {
		t.Fatalf("/status: %s", r.body)
	}
	if r := h.do("GET", "/api/v3/fhir/Patient/$export", tok); r.code != 500 || outcomeText(t, r.body) != "An internal error occurred" {
		t.Fatalf("kick-off 1: %d %s", r.code, r.body)
	}
	if r := h.do("GET", "/api/v3/fhir/Patient/$export", tok); r.code != 503 || len(r.body) != 0 {
		t.Fatalf("kick-off 2 (maintenance): %d %s", r.code, r.body)
	}
	id := h.kickoff(tok, "v3", "")
	h.wait(id)
	if r := h.do("GET", statusPath("v3", id), tok); r.code != 429 || r.header.Get("Retry-After") != "7" || outcomeText(t, r.body) != msgPolling {
		t.Fatalf("status: %d %s", r.code, r.body)
	}
	_, m := h.complete(tok, "v3", id)
	if len(m.Output) != 1 || len(m.Error) != 1 || !strings.Contains(m.Error[0].URL, "/api/v3/fhir/Job/"+id+"/file/Z0001_0001_error.ndjson") {
		t.Fatalf("manifest %+v", m)
	}
	sum, n := ext(t, m.Output[0])
	res, body, err := h.get(h.path(m.Output[0].URL), tok)
	if err == nil && res.StatusCode == 200 && int64(len(body)) == n {
		t.Fatalf("truncated download: %d bytes of %d, %v", len(body), n, err)
	}
	_, body, err = h.get(h.path(m.Output[0].URL), tok) // not counted: one download is allowed
	if err != nil || int64(len(body)) != n || checksum(body) == sum {
		t.Fatalf("second download: %d bytes, %v; the manifest checksum should be wrong", len(body), err)
	}
}

// checksum returns the manifest form of b's SHA-256.
func checksum(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
