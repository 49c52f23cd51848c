package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
)

// v3Floor is v3's earliest _since as the runs table shows it.
const v3Floor = "2026-04-01T05:00:00Z"

// eobHead is what the v3 tests read of a landed EOB.
type eobHead struct {
	ID   string `json:"id"`
	Meta struct {
		LastUpdated time.Time `json:"lastUpdated"`
	} `json:"meta"`
	BillablePeriod struct {
		End string `json:"end"`
	} `json:"billablePeriod"`
}

// jobEOBs reads the EOB lines of the data files a job landed.
func jobEOBs(t *testing.T, out, jobID string) []eobHead {
	t.Helper()
	var eobs []eobHead
	landedLines(t, out, jobID, func(f string, line []byte) {
		var e eobHead
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		eobs = append(eobs, e)
	})
	return eobs
}

// v3State is what the v3 tests read of a job's state.json.
type v3State struct {
	APIVersion string    `json:"api_version"`
	APIURL     string    `json:"api_url"`
	Since      time.Time `json:"since"`
	TypeFilter string    `json:"type_filter"`
	Loaded     bool      `json:"loaded"`
}

// jobStateOf reads the state.json of a job.
func jobStateOf(t *testing.T, out, jobID string) v3State {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "landing", jobID, extract.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var s v3State
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// runRecord is a row of the runs table, its times as `query --format
// csv` writes them (RFC 3339, UTC; empty when NULL).
type runRecord struct{ apiVersion, since, kickoff, jobID, status string }

// lastRun returns the newest row of the runs table.
func lastRun(t *testing.T, out string) runRecord {
	t.Helper()
	row := queryCSV(t, out, "SELECT api_version, since, kickoff_at, job_id, status FROM runs ORDER BY started_at DESC LIMIT 1")
	f := strings.Split(row, ",")
	if len(f) != 5 {
		t.Fatalf("runs row %q", row)
	}
	return runRecord{f[0], f[1], f[2], f[3], f[4]}
}

// TestRunV3Sandbox: `run --sandbox --api-version v3 --client Z0001` end to
// end, after a v2 run of the same client. The v3 run asks from v3's floor
// (not from the v2 run's kick-off), lands only claims updated after it
// from a v3 job, and is recorded as v3; the next v3 run asks from the
// first v3 run's kick-off, the next v2 run from the v2 run's.
func TestRunV3Sandbox(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	sb := []string{"--sandbox", "--client", "Z0001", "--sandbox-job-seconds", "0", "--out", out}
	runV := func(version string) runRecord {
		t.Helper()
		stdout := mustCLI(t, append([]string{"run", "--api-version", version}, sb...)...)
		if !strings.Contains(stdout, "run succeeded") {
			t.Fatalf("summary: %s", stdout)
		}
		return lastRun(t, out)
	}

	v2 := runV("v2")
	v3 := runV("v3")
	if v3.apiVersion != "v3" || v3.status != "succeeded" {
		t.Errorf("v3 run recorded as %+v", v3)
	}
	if v3.since != v3Floor || v3.since == v2.kickoff {
		t.Errorf("v3 run since %s, want v3's floor %s (the v2 run's kick-off is %s)", v3.since, v3Floor, v2.kickoff)
	}
	if !strings.HasPrefix(v3.jobID, "33333333") {
		t.Errorf("v3 job id %s: not a v3 job", v3.jobID)
	}
	st := jobStateOf(t, out, v3.jobID)
	if st.APIVersion != "v3" || !strings.HasSuffix(st.APIURL, "/api/v3/fhir") || !st.Loaded {
		t.Errorf("v3 job state: %s %s loaded=%v", st.APIVersion, st.APIURL, st.Loaded)
	}
	floor := extract.SinceFloorV3
	eobs := jobEOBs(t, out, v3.jobID)
	if len(eobs) == 0 {
		t.Fatal("the v3 run landed no EOB")
	}
	for _, e := range eobs {
		if !e.Meta.LastUpdated.After(floor) {
			t.Fatalf("EOB %s updated %v, before v3's floor", e.ID, e.Meta.LastUpdated)
		}
	}
	if got := queryCSV(t, out, "SELECT count(*) FROM runs WHERE api_version = 'v3' AND command = 'run'"); got != "1" {
		t.Errorf("%s v3 runs recorded", got)
	}

	again3 := runV("v3")
	if again3.since != v3.kickoff {
		t.Errorf("second v3 run since %s, want the first v3 run's kick-off %s", again3.since, v3.kickoff)
	}
	again2 := runV("v2")
	if again2.since != v2.kickoff || v2.kickoff == "" {
		t.Errorf("second v2 run since %s, want the v2 run's kick-off %s", again2.since, v2.kickoff)
	}
}

// TestRunV3NotAllowListed: Z0000 is not on v3's allow-list: the run ends
// with exit 2 and a message saying so and how to keep using v2, lands
// nothing, and is recorded as a failed v3 run.
func TestRunV3NotAllowListed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	code, _, stderr := cli(t, "run", "--sandbox", "--api-version", "v3", "--sandbox-job-seconds", "0", "--out", out)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, exitUsage, stderr)
	}
	for _, want := range []string{"V3 access not enabled for this PDP", "not on AB2D's v3 allow-list", "--api-version v2", "try --client Z0001"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if got := lastRun(t, out); got.apiVersion != "v3" || got.status != "failed" {
		t.Errorf("run recorded as %+v", got)
	}
	if states, _ := filepath.Glob(filepath.Join(out, "landing", "*", extract.StateFile)); len(states) != 0 {
		t.Errorf("a refused run left job states: %v", states)
	}
}

// TestRunV3Off: with v3 turned off, any contract gets exit 2 and a message
// saying v3 is off (the sandbox served over --api-url, as AB2D would be).
func TestRunV3Off(t *testing.T) {
	sb, err := sandbox.New(sandbox.Config{Source: sandbox.SyntheticSource(), Seed: 1, V3Off: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		srv.Close()
		_ = sb.Close()
	})
	cl, _ := sandbox.ClientByContract("Z0001")
	t.Setenv(extract.EnvClientID, cl.ID)
	t.Setenv(extract.EnvClientSecret, cl.Secret)
	out := filepath.Join(t.TempDir(), "wh")
	code, _, stderr := cli(t, "extract", "--api-url", srv.URL+"/api/v3/fhir", "--token-url", srv.URL+sandbox.TokenPath, "--out", out)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, exitUsage, stderr)
	}
	for _, want := range []string{"The V3 API is currently unavailable", "turned v3 off", "--api-version v2"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "--client") {
		t.Errorf("stderr suggests a sandbox contract without --sandbox:\n%s", stderr)
	}
}

// TestExtractV3ServiceDates: --service-date terms reach AB2D as one
// _typeFilter; every landed claim's service ended in the range, and the
// job state records the filter.
func TestExtractV3ServiceDates(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	mustCLI(t, "extract", "--sandbox", "--api-version", "v3", "--client", "Z0001", "--sandbox-job-seconds", "0", "--since", "none",
		"--service-date", "lt2026-04-01", "--service-date", "ge2026-01-01", "--out", out)
	run := lastRun(t, out)
	st := jobStateOf(t, out, run.jobID)
	if want := "ExplanationOfBenefit?service-date=ge2026-01-01&service-date=lt2026-04-01"; st.TypeFilter != want {
		t.Errorf("state type filter %q, want %q", st.TypeFilter, want)
	}
	if !st.Since.IsZero() || run.since != "" {
		t.Errorf("--since none sent since %v (runs: %q)", st.Since, run.since)
	}
	eobs := jobEOBs(t, out, run.jobID)
	if len(eobs) == 0 {
		t.Fatal("nothing landed")
	}
	for _, e := range eobs {
		if end := e.BillablePeriod.End; len(end) < 10 || end[:10] < "2026-01-01" || end[:10] >= "2026-04-01" {
			t.Fatalf("EOB %s: service ended %q, outside the filter", e.ID, end)
		}
	}
}

// TestV3ServiceDatesSinceAuto: --since auto follows only the runs with
// the same --service-date terms, so that a one-off filtered run does not
// move the --since of the unfiltered nightly runs, nor the reverse.
func TestV3ServiceDatesSinceAuto(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	v3 := []string{"run", "--sandbox", "--api-version", "v3", "--client", "Z0001", "--sandbox-job-seconds", "0", "--out", out}
	filtered := append(slices.Clip(v3), "--service-date", "ge2026-01-01")
	mustCLI(t, v3...)       // unfiltered: from the floor
	mustCLI(t, filtered...) // filtered, first of its kind: from the floor
	mustCLI(t, v3...)       // unfiltered: from the first run
	mustCLI(t, filtered...) // filtered: from the second run
	got := queryCSV(t, out, `WITH r AS (SELECT row_number() OVER (ORDER BY started_at) AS n, * FROM runs)
SELECT string_agg(n || ':' || coalesce(type_filter, '-') || ':' || CASE
  WHEN since = '2026-04-01T00:00:00-05:00'::TIMESTAMPTZ THEN 'floor'
  ELSE coalesce('run' || (SELECT p.n FROM r p WHERE p.kickoff_at = r.since), 'other') END, ' ' ORDER BY n) FROM r`)
	const f = "ExplanationOfBenefit?service-date=ge2026-01-01"
	if want := "1:-:floor 2:" + f + ":floor 3:-:run1 4:" + f + ":run2"; got != want {
		t.Errorf("runs (n:type_filter:since)\n got %s\nwant %s", got, want)
	}
}

// TestV3UsageErrors: what v3 (or its absence) refuses is a usage error
// (exit 2) before anything starts, with a message that says why.
func TestV3UsageErrors(t *testing.T) {
	v3 := []string{"run", "--sandbox", "--api-version", "v3", "--client", "Z0001"}
	for _, tt := range []struct {
		args []string
		says string
	}{
		{append(v3, "--since", "2026-01-01"), "before 2026-04-01T00:00:00-05:00, the earliest _since AB2D v3 accepts"},
		{append(v3, "--since", "2026-03-31T23:59:59-05:00"), "2026-04-01T00:00:00-05:00"},
		{append(v3, "--service-date", "bogus"), extract.ServiceDateGrammar},
		{append(v3, "--service-date", "ge2026-02-30"), "<prefix><YYYY-MM-DD>"},
		{append(v3, "--service-date", "ge2026-01-01", "--service-date", "2026-07-01"), `"2026-07-01"`},
		{[]string{"run", "--sandbox", "--service-date", "ge2026-01-01"}, "--service-date is an AB2D v3 filter"},
		{[]string{"extract", "--sandbox", "--fhir-version", "stu3", "--service-date", "ge2026-01-01"}, "--service-date is an AB2D v3 filter"},
		{[]string{"run", "--sandbox", "--api-version", "v4"}, "want v1, v2 or v3"},
		{[]string{"run", "--sandbox", "--fhir-version", "r4", "--api-version", "v3"}, "--fhir-version r4 means --api-version v2"},
		{[]string{"run", "--sandbox", "--fhir-version", "stu3", "--until", "2026-01-01"}, "--until is only available on AB2D v2 and v3"},
		{[]string{"extract", "--api-url", "https://api.ab2d.cms.gov/api/v2/fhir", "--api-version", "v3"}, "is AB2D v2, but --api-version"},
		{[]string{"extract", "--api-url", "https://api.ab2d.cms.gov/fhir"}, "no /v1/, /v2/ or /v3/"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "wh")
			code, _, stderr := cli(t, append(tt.args, "--out", out)...)
			if code != exitUsage || !strings.Contains(stderr, tt.says) {
				t.Fatalf("exit %d, stderr %q; want exit 2 saying %q", code, stderr, tt.says)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a usage error created the warehouse")
			}
		})
	}
}

// TestAPIVersionFlags: --api-version, --fhir-version, --api-url and
// --environment resolve to one API version and its endpoint.
func TestAPIVersionFlags(t *testing.T) {
	for _, tt := range []struct {
		o       remoteOptions
		version string
		api     string
	}{
		{remoteOptions{environment: "production"}, "v2", extract.ProdAPIv2},
		{remoteOptions{environment: "production", apiVersion: "v3"}, "v3", extract.ProdAPIv3},
		{remoteOptions{environment: "sandbox", apiVersion: "V3"}, "v3", extract.SandboxAPIv3},
		{remoteOptions{environment: "sandbox", fhirVersion: "stu3"}, "v1", extract.SandboxAPIv1},
		{remoteOptions{environment: "sandbox", fhirVersion: "R4", apiVersion: "v2"}, "v2", extract.SandboxAPIv2},
		{remoteOptions{environment: "sandbox", apiVersion: "v1"}, "v1", extract.SandboxAPIv1},
		{remoteOptions{apiURL: "https://example.org/api/v3/fhir", tokenURL: "https://example.org/token"}, "v3", "https://example.org/api/v3/fhir"},
		{remoteOptions{environment: "production", apiURL: "https://example.org/api/v3/fhir", apiVersion: "v3"}, "v3", "https://example.org/api/v3/fhir"},
	} {
		v, err := apiVersion(&tt.o)
		if err != nil || v != tt.version {
			t.Errorf("%+v: version %q, %v; want %s", tt.o, v, err, tt.version)
			continue
		}
		api, token, err := endpoints(&tt.o, v)
		if err != nil || api != tt.api || token == "" {
			t.Errorf("%+v: %s %s, %v; want %s", tt.o, api, token, err, tt.api)
		}
	}
}
