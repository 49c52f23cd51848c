package extract

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

// afterFloor is the first lastUpdated of the v3 tests' lines: a day after
// v3's _since floor.
var afterFloor = time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)

// recorder is a Source of 60 lines from afterFloor that records the
// request of every export the sandbox runs.
type recorder struct {
	lines
	mu   sync.Mutex
	reqs []sandbox.ExportRequest
}

func newRecorder() *recorder { return &recorder{lines: lines{n: 60, from: afterFloor}} }

func (r *recorder) Export(ctx context.Context, req sandbox.ExportRequest, emit func([]byte) error) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.lines.Export(ctx, req, emit)
}

// last returns the request of the last export.
func (r *recorder) last(t *testing.T) sandbox.ExportRequest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no export ran")
	}
	return r.reqs[len(r.reqs)-1]
}

// newClient returns a client of the harness's sandbox for a contract and
// an API version, on the harness's clock.
func (h *harness) newClient(t *testing.T, contract, version string) *Client {
	t.Helper()
	cl, ok := sandbox.ClientByContract(contract)
	if !ok {
		t.Fatalf("no sandbox client %s", contract)
	}
	c, err := NewClient(Config{
		APIURL:      h.srv.URL + "/api/" + version + "/fhir",
		TokenURL:    h.srv.URL + sandbox.TokenPath,
		Credentials: Credentials{ClientID: cl.ID, Secret: Secret(cl.Secret)},
		Now:         h.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.retry.sleep = h.clk.Sleep
	return c
}

func mustServiceDates(t *testing.T, terms ...string) []ServiceDate {
	t.Helper()
	var out []ServiceDate
	for _, s := range terms {
		d, err := ParseServiceDate(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func TestAPIVersionOf(t *testing.T) {
	for _, tt := range []struct{ url, version, fhir string }{
		{"https://sandbox.ab2d.cms.gov/api/v1/fhir", V1, STU3},
		{"https://api.ab2d.cms.gov/api/v2/fhir", V2, R4},
		{"https://api.ab2d.cms.gov/api/v3/fhir", V3, R4},
		{"http://127.0.0.1:8765/api/v3/fhir/", V3, R4},
		{"https://api.ab2d.cms.gov/api/v3", V3, R4},
		{"https://api.ab2d.cms.gov/api/v22/fhir", "", ""},
		{"https://api.ab2d.cms.gov/fhir", "", ""},
	} {
		v, err := APIVersionOf(tt.url)
		if v != tt.version || (err == nil) != (tt.version != "") {
			t.Errorf("%s: %q, %v; want %q", tt.url, v, err, tt.version)
		}
		if tt.version != "" && FHIRVersionOf(v) != tt.fhir {
			t.Errorf("%s: FHIR %s, want %s", tt.url, FHIRVersionOf(v), tt.fhir)
		}
	}
	for _, u := range []string{SandboxAPIv3, ProdAPIv3} {
		if v, err := APIVersionOf(u); v != V3 || err != nil {
			t.Errorf("%s: %s, %v", u, v, err)
		}
	}
}

// TestParseServiceDate: AB2D's grammar, <prefix><YYYY-MM-DD>; anything
// else is refused with the grammar in the message.
func TestParseServiceDate(t *testing.T) {
	for _, s := range []string{"eq2026-01-01", "gt2026-01-01", "ge2026-01-01", "lt2026-07-01", "le2026-12-31", "sa2025-02-28", "eb2024-02-29"} {
		d, err := ParseServiceDate(s)
		if err != nil || d.String() != s {
			t.Errorf("%s: %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "bogus", "2026-01-01", "ne2026-01-01", "GE2026-01-01", "ge2026-13-01", "ge2025-02-29", "ge2026-1-1",
		"ge2026-01-01T00:00:00Z", "ge2026", "ge2026-01", " ge2026-01-01", "ge2026-01-01&service-date=lt2026-02-01"} {
		if d, err := ParseServiceDate(s); err == nil || !strings.Contains(err.Error(), ServiceDateGrammar) {
			t.Errorf("%q: %v, %v; want an error with the grammar", s, d, err)
		}
	}
}

func TestTypeFilter(t *testing.T) {
	if tf := (Request{}).TypeFilter(); tf != "" {
		t.Errorf("no service dates: %q", tf)
	}
	a := Request{ServiceDates: mustServiceDates(t, "lt2026-07-01", "ge2026-01-01")}
	b := Request{ServiceDates: mustServiceDates(t, "ge2026-01-01", "lt2026-07-01", "ge2026-01-01")}
	const want = "ExplanationOfBenefit?service-date=ge2026-01-01&service-date=lt2026-07-01"
	if a.TypeFilter() != want || b.TypeFilter() != want {
		t.Errorf("type filters %q and %q, want %q", a.TypeFilter(), b.TypeFilter(), want)
	}
}

// TestRequestCheck: what each API version refuses, before AB2D does, and
// which parameter it names.
func TestRequestCheck(t *testing.T) {
	sd := mustServiceDates(t, "ge2026-01-01")
	justBefore := SinceFloorV3.Add(-time.Millisecond)
	for _, tt := range []struct {
		version string
		r       Request
		param   string // the refused parameter, "" when accepted
		err     string
	}{
		{V3, Request{}, "", ""},
		{V3, Request{Since: SinceFloorV3, Until: afterFloor, ServiceDates: sd}, "", ""},
		{V3, Request{Since: justBefore}, "_since", "earliest AB2D v3 accepts"},
		{V3, Request{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, "_since", "2026-04-01T00:00:00-05:00"},
		{V2, Request{Since: justBefore}, "", ""},
		{V2, Request{Since: SinceFloor.Add(-time.Second)}, "_since", "earliest AB2D v2 accepts"},
		{V2, Request{ServiceDates: sd}, "_typeFilter", "only available on AB2D v3"},
		{V1, Request{ServiceDates: sd}, "_typeFilter", "only available on AB2D v3"},
		{V1, Request{Until: afterFloor}, "_until", "_until is only available on AB2D v2 and v3"},
		{V2, Request{Until: afterFloor}, "", ""},
	} {
		err := tt.r.Check(tt.version)
		if tt.param == "" {
			if err != nil {
				t.Errorf("%s %+v: %v, want accepted", tt.version, tt.r, err)
			}
			continue
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Param != tt.param || re.Version != tt.version || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s %+v: %#v, want a RequestError of %s %s saying %q", tt.version, tt.r, err, tt.param, tt.version, tt.err)
		}
	}
}

// TestAutoSince: --since auto on v3 never goes below the floor and, with
// no earlier run, is the floor; v1 and v2 take the last kick-off as it is.
func TestAutoSince(t *testing.T) {
	h := newHarness(t, sandbox.Config{})
	v2, v3 := h.newClient(t, "Z0001", V2), h.newClient(t, "Z0001", V3)
	later := SinceFloorV3.Add(48 * time.Hour)
	for _, tt := range []struct {
		c          *Client
		last, want time.Time
	}{
		{v3, time.Time{}, SinceFloorV3},
		{v3, SinceFloorV3.Add(-time.Hour), SinceFloorV3},
		{v3, SinceFloorV3, SinceFloorV3},
		{v3, later, later},
		{v2, time.Time{}, time.Time{}},
		{v2, SinceFloorV3.Add(-time.Hour), SinceFloorV3.Add(-time.Hour)},
	} {
		if got := tt.c.AutoSince(tt.last); !got.Equal(tt.want) {
			t.Errorf("%s AutoSince(%v) = %v, want %v", tt.c.APIVersion(), tt.last, got, tt.want)
		}
	}
}

// TestV3Export: a v3 export goes to /api/v3 with the _since and the
// service dates as one _typeFilter, which the sandbox parses into the same
// terms; the state records v3 and the filter.
func TestV3Export(t *testing.T) {
	src := newRecorder()
	h := newHarness(t, sandbox.Config{Source: src})
	c := h.newClient(t, "Z0001", V3)
	if c.APIVersion() != V3 || c.FHIRVersion() != R4 {
		t.Fatalf("client versions %s %s", c.APIVersion(), c.FHIRVersion())
	}
	h.client = c
	since := afterFloor.Add(9 * 24 * time.Hour)
	r := Request{Since: since, ServiceDates: mustServiceDates(t, "lt2026-07-01", "ge2026-01-01")}
	s, got, err := h.extract(context.Background(), r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := src.last(t)
	if req.FHIRVersion != "R4V3" || !req.Since.Equal(since) || req.Contract != "Z0001" {
		t.Errorf("the sandbox got %s since %v for %s", req.FHIRVersion, req.Since, req.Contract)
	}
	var terms []string
	for _, d := range req.ServiceDates {
		terms = append(terms, d.String())
	}
	if !slices.Equal(terms, []string{"ge2026-01-01", "lt2026-07-01"}) {
		t.Errorf("the sandbox parsed the _typeFilter into %v", terms)
	}
	if n := len(contents(t, got)); n != 50 {
		t.Errorf("landed %d lines, want the 50 after since", n)
	}
	if !strings.HasPrefix(s.Job.ID, "33333333") || h.hits.get("/api/v3/fhir/Patient/$export") != 1 {
		t.Errorf("job %s, %d v3 kick-offs", s.Job.ID, h.hits.get("/api/v3/fhir/Patient/$export"))
	}
	saved, err := LoadStates(filepath.Join(h.dir, "landing"))
	if err != nil || len(saved) != 1 {
		t.Fatalf("states %v, %v", saved, err)
	}
	if st := saved[0]; st.APIVersion != V3 || st.FHIRVersion != R4 || st.TypeFilter != r.TypeFilter() || !strings.Contains(st.APIURL, "/api/v3/") {
		t.Errorf("state: %s %s %q %s", st.APIVersion, st.FHIRVersion, st.TypeFilter, st.APIURL)
	}
	// The manifest's request holds the filter as the service recorded it:
	// an adopted job is checked against it.
	if err := checkRequest(s.Manifest.Request, r); err != nil {
		t.Errorf("the job's own request: %v", err)
	}
	other := r
	other.ServiceDates = mustServiceDates(t, "ge2026-01-01")
	if err := checkRequest(s.Manifest.Request, other); err == nil || !strings.Contains(err.Error(), "service dates") {
		t.Errorf("another filter: %v", err)
	}
}

// TestV3SinceNotDefaulted: a request without _since is sent without one on
// v3 (and v1), which fill in no default, and with v2's floor on v2, which
// would fill in its own.
func TestV3SinceNotDefaulted(t *testing.T) {
	src := newRecorder()
	h := newHarness(t, sandbox.Config{Source: src})
	for _, tt := range []struct {
		version string
		want    time.Time
	}{{V3, time.Time{}}, {V2, SinceFloor}, {V1, time.Time{}}} {
		h.client = h.newClient(t, "Z0001", tt.version)
		s, err := Prepare(context.Background(), h.client, Request{}, Options{Landing: filepath.Join(h.dir, tt.version)})
		if err != nil {
			t.Fatal(err)
		}
		if got := src.last(t).Since; !got.Equal(tt.want) {
			t.Errorf("%s: the sandbox got _since %v, want %v", tt.version, got, tt.want)
		}
		if q := s.Manifest.Request; strings.Contains(q, "_since") != !tt.want.IsZero() {
			t.Errorf("%s: request %s", tt.version, q)
		}
	}
}

// TestV3Refused: AB2D's 403 refusals of v3 end the export at once, with a
// *V3AccessError saying what happened and how to keep using v2; the token
// is not renewed for them, and nothing is retried.
func TestV3Refused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		cfg      sandbox.Config
		contract string
		text     string
		says     string
	}{
		{"Z0000 is not allow-listed", sandbox.Config{}, "Z0000", TextV3NotAllowed, "not on AB2D's v3 allow-list"},
		{"v3 is off", sandbox.Config{V3Off: true}, "Z0001", TextV3Off, "turned v3 off"},
		{"an own allow-list", sandbox.Config{V3Contracts: []string{"Z0002"}}, "Z0001", TextV3NotAllowed, "allow-list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.cfg)
			c := h.newClient(t, tt.contract, V3)
			landing := filepath.Join(h.dir, "landing")
			_, err := Prepare(context.Background(), c, Request{}, Options{Landing: landing})
			var v3 *V3AccessError
			if !errors.As(err, &v3) {
				t.Fatalf("err %v (%T), want a *V3AccessError", err, err)
			}
			if v3.Text != tt.text || v3.Off() != (tt.text == TextV3Off) {
				t.Errorf("text %q, off %v", v3.Text, v3.Off())
			}
			for _, want := range []string{tt.says, "--api-version v2", "403"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "_since") {
				t.Errorf("message %q carries the query", err)
			}
			if n, tok := h.hits.get("/api/v3/fhir/Patient/$export"), h.hits.get(sandbox.TokenPath); n != 1 || tok != 1 {
				t.Errorf("%d kick-offs and %d tokens, want 1 each: a refusal is neither retried nor a reason to renew the token", n, tok)
			}
			if states, _ := LoadStates(landing); len(states) != 0 {
				t.Errorf("a refused kick-off left %d states", len(states))
			}
		})
	}
}

// TestV3RefusedMidJob: a contract taken off the allow-list after kick-off
// gets 403 on status and downloads; the run ends at the first one, and the
// job is not marked failed, so that a run after the contract is back
// resumes it.
func TestV3RefusedMidJob(t *testing.T) {
	t.Run("status", func(t *testing.T) {
		h := newHarness(t, sandbox.Config{})
		c := h.newClient(t, "Z0001", V3)
		landing := filepath.Join(h.dir, "landing")
		var statusPath string
		var before int
		_, err := Prepare(context.Background(), c, Request{}, Options{Landing: landing, OnProgress: func(p Progress) {
			if statusPath == "" {
				statusPath = "/api/v3/fhir/Job/" + p.JobID + "/$status"
				before = h.hits.get(statusPath)
				h.sb.SetV3Access(false, []string{"Z0002"})
			}
		}})
		var v3 *V3AccessError
		if !errors.As(err, &v3) || v3.Text != TextV3NotAllowed {
			t.Fatalf("err %v, want a *V3AccessError", err)
		}
		if n := h.hits.get(statusPath) - before; n != 1 {
			t.Errorf("%d status polls after the refusal began, want 1", n)
		}
		states, err := LoadStates(landing)
		if err != nil || len(states) != 1 || states[0].Failed != "" {
			t.Fatalf("states %+v, %v: want one, not failed", states, err)
		}
		// Back on the allow-list, the same request resumes the job.
		h.sb.SetV3Access(false, nil)
		s, err := Prepare(context.Background(), c, Request{}, Options{Landing: landing})
		if err != nil || s.Job.ID != states[0].Job.ID {
			t.Fatalf("resume: %v, job %v", err, s)
		}
	})
	t.Run("download", func(t *testing.T) {
		h := newHarness(t, sandbox.Config{Source: newRecorder()})
		h.client = h.newClient(t, "Z0001", V3)
		s, err := Prepare(context.Background(), h.client, Request{}, Options{Landing: filepath.Join(h.dir, "landing")})
		if err != nil {
			t.Fatal(err)
		}
		h.sb.SetV3Access(true, nil)
		f := s.Files()[0]
		_, _, err = s.Fetch(context.Background(), h.client, f)
		var v3 *V3AccessError
		if !errors.As(err, &v3) || !v3.Off() {
			t.Fatalf("err %v, want a *V3AccessError, v3 off", err)
		}
		if n := h.hits.get(urlPath(t, f.URL)); n != 1 {
			t.Errorf("%s requested %d times, want once", f.Name, n)
		}
		if s.Failed != "" {
			t.Errorf("job marked failed: %s", s.Failed)
		}
	})
}

// TestResumeKeepsVersionsApart: an unfinished v2 job is never resumed by
// a v3 run of the same client and since, nor a v3 job by a v2 run; nor a
// v3 job by a v3 run with other service dates. The same service dates in
// another order are the same request.
func TestResumeKeepsVersionsApart(t *testing.T) {
	src := newRecorder()
	h := newHarness(t, sandbox.Config{Source: src})
	v2, v3 := h.newClient(t, "Z0001", V2), h.newClient(t, "Z0001", V3)
	if v2.ClientID() != v3.ClientID() {
		t.Fatal("one client for both versions expected")
	}
	landing := filepath.Join(h.dir, "landing")
	prepare := func(c *Client, r Request) *State {
		t.Helper()
		s, err := Prepare(context.Background(), c, r, Options{Landing: landing})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	since := afterFloor // valid on both versions
	ab := Request{Since: since, ServiceDates: mustServiceDates(t, "ge2026-01-01", "lt2026-07-01")}
	ba := Request{Since: since, ServiceDates: mustServiceDates(t, "lt2026-07-01", "ge2026-01-01")}
	a := Request{Since: since, ServiceDates: mustServiceDates(t, "ge2026-01-01")}

	first2 := prepare(v2, Request{Since: since}) // unfinished: not loaded, not failed
	first3 := prepare(v3, Request{Since: since})
	if first3.Job.ID == first2.Job.ID || first3.APIVersion != V3 {
		t.Fatalf("the v3 run resumed the v2 job %s", first2.Job.ID)
	}
	if again := prepare(v2, Request{Since: since}); again.Job.ID != first2.Job.ID {
		t.Errorf("the v2 run did not resume its own job %s but %s", first2.Job.ID, again.Job.ID)
	}
	if again := prepare(v3, Request{Since: since}); again.Job.ID != first3.Job.ID {
		t.Errorf("the v3 run did not resume its own job %s but %s", first3.Job.ID, again.Job.ID)
	}
	filtered := prepare(v3, ab)
	if filtered.Job.ID == first3.Job.ID {
		t.Errorf("a filtered v3 run resumed the unfiltered job")
	}
	if again := prepare(v3, ba); again.Job.ID != filtered.Job.ID {
		t.Errorf("the same service dates in another order started job %s", again.Job.ID)
	}
	if other := prepare(v3, a); other.Job.ID == filtered.Job.ID {
		t.Errorf("other service dates resumed job %s", filtered.Job.ID)
	}
	if n := h.hits.get("/api/v3/fhir/Patient/$export"); n != 3 {
		t.Errorf("%d v3 kick-offs, want 3 (no filter, two terms, one term)", n)
	}
}
