package sandbox

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestKickoffValidation runs each kick-off check, and pairs of failing checks
// to show which wins (reference §4.1 order). The fake clock is 2024-06-03.
func TestKickoffValidation(t *testing.T) {
	const (
		isEmpty   = "<empty>"
		isProblem = "<problem>"
	)
	tests := []struct {
		name   string
		ver    string
		path   string // after /fhir; default /Patient/$export
		query  string // raw query
		faults []string
		code   int
		text   string // OperationOutcome text, empty or problem
	}{
		{name: "defaults", code: 202},
		{name: "walkthrough query", query: "_outputFormat=application%2Ffhir%2Bndjson&_type=ExplanationOfBenefit", code: 202},
		{name: "group own contract", path: "/Group/Z0000/$export", code: 202},
		{name: "group v1", ver: "v1", path: "/Group/Z0000/$export", code: 202},
		{name: "group other contract", path: "/Group/Z0001/$export", code: 403, text: isEmpty},
		{name: "contract before maintenance", path: "/Group/Z0001/$export", faults: []string{"maintenance"}, code: 403, text: isEmpty},
		{name: "maintenance", faults: []string{"maintenance"}, code: 503, text: isEmpty},
		{name: "maintenance before _type", query: "_type=Patient", faults: []string{"maintenance"}, code: 503, text: isEmpty},
		{name: "_type Patient", query: "_type=Patient", code: 400, text: msgType},
		{name: "_type list", query: "_type=ExplanationOfBenefit,Patient", code: 400, text: msgType},
		{name: "_type twice", query: "_type=ExplanationOfBenefit&_type=ExplanationOfBenefit", code: 400, text: msgType},
		{name: "_type empty is default", query: "_type=", code: 202},
		{name: "_type case", query: "_type=explanationofbenefit", code: 400, text: msgType},
		{name: "_outputFormat unencoded plus", query: "_outputFormat=application/fhir+ndjson", code: 400, text: "An _outputFormat of application/fhir ndjson is not valid"},
		{name: "_outputFormat encoded plus", query: "_outputFormat=application/fhir%2Bndjson", code: 202},
		{name: "_outputFormat application/ndjson", query: "_outputFormat=application/ndjson", code: 202},
		{name: "_outputFormat ndjson", query: "_outputFormat=ndjson", code: 202},
		{name: "_outputFormat zip", query: "_outputFormat=application/zip", code: 400, text: "An _outputFormat of application/zip is not valid"},
		{name: "_outputFormat json", query: "_outputFormat=application%2Fjson", code: 400, text: "An _outputFormat of application/json is not valid"},
		{name: "_type before _outputFormat", query: "_outputFormat=csv&_type=Patient", code: 400, text: msgType},
		{name: "_since no offset", query: "_since=2021-01-01T00:00:00", code: 400, text: isProblem},
		{name: "_since date only", query: "_since=2021-01-01", code: 400, text: isProblem},
		{name: "_since unencoded plus offset", query: "_since=2021-01-01T00:00:00+02:00", code: 400, text: isProblem},
		{name: "_since binding before contract", path: "/Group/Z0001/$export", query: "_since=yesterday", code: 400, text: isProblem},
		{name: "_since encoded plus offset", query: "_since=2021-01-01T00:00:00%2B02:00", code: 202},
		{name: "_since Z", query: "_since=2021-01-01T00:00:00Z", code: 202},
		{name: "_since no seconds", query: "_since=2021-01-01T00:00-05:00", code: 202},
		{name: "_since fraction", query: "_since=2021-01-01T00:00:00.123-05:00", code: 202},
		{name: "_since floor", query: "_since=2020-02-13T00:00:00.000-05:00", code: 202},
		{name: "_since before floor", query: "_since=2020-02-12T23:59:59-05:00", code: 400, text: msgSinceFloor},
		{name: "_since before floor in UTC", query: "_since=2020-02-13T04:59:59Z", code: 400, text: msgSinceFloor},
		{name: "_since future", query: "_since=2024-06-03T14:05:10Z", code: 400, text: msgSinceFuture},
		{name: "_since now", query: "_since=2024-06-03T14:05:09Z", code: 202},
		{name: "_outputFormat before _since", query: "_since=2019-01-01T00:00:00Z&_outputFormat=x", code: 400, text: "An _outputFormat of x is not valid"},
		{name: "_until v1", ver: "v1", query: "_until=2023-01-01T00:00:00Z", code: 400, text: msgUntilV1},
		{name: "_since before _until on v1", ver: "v1", query: "_since=2019-01-01T00:00:00Z&_until=2023-01-01T00:00:00Z", code: 400, text: msgSinceFloor},
		{name: "_until v2", query: "_until=2023-01-01T00:00:00Z", code: 202},
		{name: "_until future v2", query: "_until=2030-01-01T00:00:00Z", code: 202},
		{name: "_until before _since", query: "_since=2021-03-01T00:00:00-05:00&_until=2021-02-01T00:00:00Z", code: 400, text: "_until must be after _since 2021-03-01T00:00-05:00"},
		{name: "_until before _since seconds", query: "_since=2021-03-01T10:20:30.5Z&_until=2021-02-01T00:00:00Z", code: 400, text: "_until must be after _since 2021-03-01T10:20:30.500Z"},
		{name: "_until before floor", query: "_until=2020-01-01T00:00:00Z", code: 400, text: msgUntilFloor},
		{name: "_until malformed", query: "_until=soon", code: 400, text: isProblem},
		{name: "Prefer and Accept ignored", query: "_type=ExplanationOfBenefit", code: 202},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				var err error
				if c.Faults, err = ParseFaults(tc.faults); err != nil {
					t.Fatal(err)
				}
			})
			ver, path := tc.ver, tc.path
			if ver == "" {
				ver = "v2"
			}
			if path == "" {
				path = "/Patient/$export"
			}
			u := "/api/" + ver + "/fhir" + path
			if tc.query != "" {
				u += "?" + tc.query
			}
			r := h.do("GET", u, h.token(z0000), "Prefer", "respond-async", "Accept", "application/fhir+json")
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.body)
			}
			switch tc.text {
			case "":
				if len(r.body) != 0 {
					t.Fatalf("body %q", r.body)
				}
				loc := r.header.Get("Content-Location")
				if !regexp.MustCompile(`^` + regexp.QuoteMeta(h.ts.URL+"/api/"+ver+"/fhir/Job/") + `[0-9a-f-]{36}/\$status$`).MatchString(loc) {
					t.Fatalf("Content-Location %q", loc)
				}
			case isEmpty:
				if len(r.body) != 0 {
					t.Fatalf("body %q, want empty", r.body)
				}
			case isProblem:
				var p problem
				if err := json.Unmarshal(r.body, &p); err != nil || p.Status != 400 || !strings.HasPrefix(p.Detail, "Failed to convert '_") {
					t.Fatalf("problem body %s (%v)", r.body, err)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
					t.Fatalf("Content-Type %q", ct)
				}
			default:
				if got := outcomeText(t, r.body); got != tc.text {
					t.Fatalf("text %q, want %q", got, tc.text)
				}
				if !strings.Contains(string(r.body), `"code":"invalid"`) {
					t.Fatalf("body %s", r.body)
				}
			}
		})
	}
}

// TestKickoffTooManyJobs checks the 429 with Retry-After and the status URLs
// of the active jobs, oldest first, and that finished jobs stop counting.
func TestKickoffTooManyJobs(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.MaxActiveJobs = 2
		c.JobDuration = time.Minute
	})
	tok := h.token(z0000)
	a := h.kickoff(tok, "v1", "")
	b := h.kickoff(tok, "v2", "")
	// Another client is not affected.
	h.kickoff(h.token(z0001), "v2", "")

	r := h.do("GET", "/api/v2/fhir/Patient/$export", tok)
	if r.code != http.StatusTooManyRequests {
		t.Fatalf("status %d", r.code)
	}
	if got := outcomeText(t, r.body); got != msgTooManyJobs {
		t.Fatalf("text %q", got)
	}
	if ra := r.header.Get("Retry-After"); ra != "5" {
		t.Fatalf("Retry-After %q", ra)
	}
	want := h.ts.URL + statusPath("v1", a) + ", " + h.ts.URL + statusPath("v2", b)
	if loc := r.header.Get("Content-Location"); loc != want {
		t.Fatalf("Content-Location %q, want %q", loc, want)
	}

	// Cancelling one frees a slot.
	if r := h.do("DELETE", statusPath("v1", a), tok); r.code != 202 {
		t.Fatalf("cancel %d", r.code)
	}
	c := h.kickoff(tok, "v2", "")
	if r := h.do("GET", "/api/v2/fhir/Patient/$export", tok); r.code != 429 {
		t.Fatalf("third kickoff %d", r.code)
	}
	// Completed jobs do not count.
	h.wait(b)
	h.wait(c)
	h.clock.Advance(time.Minute)
	h.kickoff(tok, "v2", "")
}

// TestExportRequest checks what the Source is asked for.
func TestExportRequest(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxActiveJobs = -1 })
	tok := h.token(z0000)

	id := h.kickoff(tok, "v1", "?_since=2023-01-01T05:30:00Z")
	req := h.sourceReq(id)
	want := ExportRequest{
		JobID: id, ClientID: z0000.ID, Contract: "Z0000", FHIRVersion: "STU3",
		Since:         time.Date(2023, 1, 1, 5, 30, 0, 0, time.UTC),
		Beneficiaries: 5, Scale: 0.05, Seed: 42, CreatedAt: h.clock.Now(),
	}
	if !req.Since.Equal(want.Since) || req.Until != (time.Time{}) {
		t.Fatalf("since/until %v %v", req.Since, req.Until)
	}
	req.Since = want.Since
	if !reflect.DeepEqual(req, want) {
		t.Fatalf("request\n %+v, want\n %+v", req, want)
	}

	if req := h.sourceReq(h.kickoff(tok, "v2", "?_since=2023-01-01T00:00:00Z&_until=2023-01-01T03:00:00Z")); req.FHIRVersion != "R4" || !req.Until.Equal(time.Date(2023, 1, 1, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("v2 request %+v", req)
	}
	// A future _until is dropped, as the worker ignores it.
	if req := h.sourceReq(h.kickoff(tok, "v2", "?_until=2030-01-01T00:00:00Z")); !req.Until.IsZero() {
		t.Fatalf("future until kept: %v", req.Until)
	}

	// Scale applies to every contract.
	if req := h.sourceReq(h.kickoff(h.token(clients[4]), "v2", "")); req.Beneficiaries != 500 || req.Contract != "Z0010" {
		t.Fatalf("Z0010 request %+v", req)
	}
}

// TestDefaultSince checks the v2 default _since: the creation time of the
// last successful job whose data files were all downloaded.
func TestDefaultSince(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token(z0000)

	first := h.kickoff(tok, "v2", "")
	firstAt := h.clock.Now()
	if req := h.sourceReq(first); !req.Since.IsZero() {
		t.Fatalf("first job since %v", req.Since)
	}
	_, m := h.complete(tok, "v2", first)

	// Not downloaded yet: still no default.
	h.clock.Advance(time.Minute)
	second := h.kickoff(tok, "v2", "")
	if req := h.sourceReq(second); !req.Since.IsZero() {
		t.Fatalf("second job since %v", req.Since)
	}
	h.complete(tok, "v2", second)

	for _, o := range m.Output {
		if r := h.do("GET", h.path(o.URL), tok); r.code != 200 {
			t.Fatalf("download %d", r.code)
		}
	}
	h.clock.Advance(time.Minute)
	third := h.kickoff(tok, "v2", "")
	if req := h.sourceReq(third); !req.Since.Equal(firstAt) {
		t.Fatalf("third job since %v, want %v", req.Since, firstAt)
	}
	h.complete(tok, "v2", third)
	// v1 never defaults.
	if req := h.sourceReq(h.kickoff(tok, "v1", "")); !req.Since.IsZero() {
		t.Fatalf("v1 since %v", req.Since)
	}
}

func TestJavaOffsetDateTime(t *testing.T) {
	for in, want := range map[string]string{
		"2021-03-01T00:00:00-05:00":        "2021-03-01T00:00-05:00",
		"2021-03-01T10:20:30+01:00":        "2021-03-01T10:20:30+01:00",
		"2021-03-01T10:20:00.5Z":           "2021-03-01T10:20:00.500Z",
		"2021-03-01T10:20:00.000001+00:00": "2021-03-01T10:20:00.000001Z",
		"2021-03-01T10:20:00.000000001Z":   "2021-03-01T10:20:00.000000001Z",
	} {
		tm, err := parseOffsetTime(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := javaOffsetDateTime(tm); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
