package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

// exportLines runs the Synthetic source and returns copies of its lines.
func exportLines(t testing.TB, req ExportRequest) [][]byte {
	t.Helper()
	var lines [][]byte
	err := SyntheticSource().Export(context.Background(), req, func(line []byte) error {
		lines = append(lines, bytes.Clone(line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// lastUpdated returns meta.lastUpdated of an EOB line.
func lastUpdated(t testing.TB, line []byte) time.Time {
	t.Helper()
	var e struct {
		Meta struct {
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, line)
	}
	lu, err := time.Parse(time.RFC3339Nano, e.Meta.LastUpdated)
	if err != nil {
		t.Fatal(err)
	}
	return lu
}

func TestSyntheticFilter(t *testing.T) {
	for _, ver := range []string{"R4", "STU3", "R4V3"} {
		req := ExportRequest{Contract: "Z0000", FHIRVersion: ver, Beneficiaries: 40, Seed: 1}
		all := exportLines(t, req)
		if len(all) < 40*8 {
			t.Fatalf("%s: %d EOBs for 40 beneficiaries", ver, len(all))
		}
		times := make([]time.Time, len(all))
		for i, line := range all {
			times[i] = lastUpdated(t, line)
		}
		sorted := slices.SortedFunc(slices.Values(times), time.Time.Compare)
		ny := time.FixedZone("EST", -5*3600)
		for _, b := range []struct{ since, until time.Time }{
			{time.Date(2023, 1, 1, 0, 0, 0, 0, ny), time.Date(2024, 6, 30, 12, 0, 0, 0, time.UTC)},
			{time.Date(2025, 3, 1, 0, 0, 0, 0, ny), time.Time{}},
			{time.Time{}, time.Date(2021, 2, 13, 0, 0, 0, 0, time.UTC)},
			{times[7], times[7]},                           // empty: (t, t]
			{sorted[len(sorted)/4], sorted[len(sorted)/2]}, // exact bounds: since excluded, until included
		} {
			r := req
			r.Since, r.Until = b.since, b.until
			var want [][]byte
			for i, lu := range times {
				if (b.since.IsZero() || lu.After(b.since)) && (b.until.IsZero() || !lu.After(b.until)) {
					want = append(want, all[i])
				}
			}
			got := exportLines(t, r)
			if len(got) != len(want) || !bytes.Equal(bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n"))) {
				t.Errorf("%s (%v, %v]: %d EOBs, want %d of %d", ver, b.since, b.until, len(got), len(want), len(all))
			}
			if len(want) == len(all) || (len(want) == 0 && b.since != b.until) {
				t.Errorf("%s (%v, %v]: the filter should select a real subset, got %d of %d", ver, b.since, b.until, len(want), len(all))
			}
		}
	}
}

func TestSyntheticVersionsAndDeterminism(t *testing.T) {
	req := ExportRequest{Contract: "Z0001", Beneficiaries: 15, Seed: 7}
	var ids [2][]string
	for k, ver := range []string{"R4", "STU3"} {
		req.FHIRVersion = ver
		lines := exportLines(t, req)
		if again := exportLines(t, req); !bytes.Equal(bytes.Join(lines, nil), bytes.Join(again, nil)) {
			t.Errorf("%s: the same request gave different lines", ver)
		}
		f := transform.NewFlattener()
		var rec transform.Record
		for i, line := range lines {
			if err := f.Flatten(line, &rec); err != nil {
				t.Fatalf("%s line %d: %v", ver, i, err)
			}
			if rec.Claims[0].FHIRVersion != ver {
				t.Fatalf("%s line %d flattens as %s", ver, i, rec.Claims[0].FHIRVersion)
			}
			ids[k] = append(ids[k], rec.Claims[0].EOBID+" "+rec.Claims[0].ClaimGroupID+" "+rec.Claims[0].MBI)
		}
	}
	if strings.Join(ids[0], ",") != strings.Join(ids[1], ",") {
		t.Error("the R4 and STU3 exports have different claims")
	}
	other := req
	other.Contract = "Z0002"
	if bytes.Equal(bytes.Join(exportLines(t, req), nil), bytes.Join(exportLines(t, other), nil)) {
		t.Error("two contracts have the same claims")
	}
}

func TestSyntheticCancelAndErrors(t *testing.T) {
	src := SyntheticSource()
	req := ExportRequest{Contract: "Z0000", FHIRVersion: "R4", Beneficiaries: 1000, Seed: 1}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := src.Export(ctx, req, func([]byte) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("cancelled context: %v after %d lines", err, calls)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	calls = 0
	err = src.Export(ctx, req, func([]byte) error {
		if calls++; calls == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls > 10+ctxCheckEvery {
		t.Errorf("cancelled during the export: %v after %d lines", err, calls)
	}

	boom := errors.New("disk full")
	calls = 0
	err = src.Export(context.Background(), req, func([]byte) error {
		if calls++; calls == 3 {
			return boom
		}
		return nil
	})
	if err != boom || calls != 3 {
		t.Errorf("emit error: %v after %d lines", err, calls)
	}

	req.FHIRVersion = "DSTU2"
	if err := src.Export(context.Background(), req, func([]byte) error { return nil }); err == nil {
		t.Error("an unknown FHIR version was accepted")
	}
}

// TestSyntheticAllocs: the allocations of an export do not depend on its
// number of beneficiaries (none per EOB).
func TestSyntheticAllocs(t *testing.T) {
	allocs := func(benes int, ver string) float64 {
		req := ExportRequest{Contract: "Z0010", FHIRVersion: ver, Beneficiaries: benes, Seed: 2,
			Since: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}
		return testing.AllocsPerRun(3, func() {
			_ = SyntheticSource().Export(context.Background(), req, func([]byte) error { return nil })
		})
	}
	for _, ver := range []string{"R4", "STU3", "R4V3"} {
		small, large := allocs(5, ver), allocs(300, ver)
		if large != small || large > 20 {
			t.Errorf("%s: %v allocations for 5 beneficiaries, %v for 300", ver, small, large)
		}
	}
}

// TestSyntheticServer runs v1 and v2 exports through the server.
func TestSyntheticServer(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Source = SyntheticSource()
		c.Scale = 0.2 // 20 beneficiaries for Z0000
		c.MaxActiveJobs = -1
	})
	tok := h.token(z0000)
	for _, v := range []struct{ api, fhir string }{{"v1", "STU3"}, {"v2", "R4"}} {
		id := h.kickoff(tok, v.api, "?_since=2024-01-01T00:00:00.000-05:00")
		_, m := h.complete(tok, v.api, id)
		var got [][]byte
		for _, o := range m.Output {
			r := h.do("GET", h.path(o.URL), tok)
			if r.code != 200 {
				t.Fatalf("%s download: %d %s", v.api, r.code, r.body)
			}
			got = append(got, bytes.Split(bytes.TrimSuffix(r.body, []byte("\n")), []byte("\n"))...)
		}
		want := exportLines(t, ExportRequest{Contract: "Z0000", FHIRVersion: v.fhir, Beneficiaries: 20, Seed: 42,
			Since: time.Date(2024, 1, 1, 5, 0, 0, 0, time.UTC)})
		if len(want) == 0 || !bytes.Equal(bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n"))) {
			t.Errorf("%s: the files hold %d lines, the source %d", v.api, len(got), len(want))
		}
	}
}

func BenchmarkSyntheticExport(b *testing.B) {
	for _, ver := range []string{"R4", "STU3"} {
		b.Run(ver, func(b *testing.B) {
			req := ExportRequest{Contract: "Z0010", FHIRVersion: ver, Beneficiaries: 100, Seed: 1}
			var total int64
			b.ReportAllocs()
			for range b.N {
				_ = SyntheticSource().Export(context.Background(), req, func(line []byte) error {
					total += int64(len(line))
					return nil
				})
			}
			b.SetBytes(total / int64(b.N))
		})
	}
}

// TestSyntheticProgress: the synthetic source reports the share of the
// contract's beneficiaries done, from 0 to 1, never going back.
func TestSyntheticProgress(t *testing.T) {
	var got []float64
	req := ExportRequest{Contract: "Z0000", FHIRVersion: "R4", Beneficiaries: 10, Seed: 1}
	err := Synthetic{}.ExportProgress(context.Background(), req, func([]byte) error { return nil }, func(done float64) { got = append(got, done) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 11 || got[0] != 0 || got[len(got)-1] != 1 || !slices.IsSorted(got) {
		t.Fatalf("progress %v: want 0, 0.1, …, 1", got)
	}
}

// v3Line is what the v3 tests read of a v3 line.
type v3Line struct {
	ID   string `json:"id"`
	Meta struct {
		Source string `json:"source"`
		Tag    []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"tag"`
	} `json:"meta"`
	Type struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
	} `json:"type"`
	BillablePeriod struct {
		End string `json:"end"`
	} `json:"billablePeriod"`
}

// parseV3 parses a v3 line.
func parseV3(t testing.TB, line []byte) v3Line {
	t.Helper()
	var l v3Line
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, line)
	}
	return l
}

// tag returns the code of the meta.tag of system …/CodeSystem/<name>.
func (l v3Line) tag(name string) string {
	for _, tg := range l.Meta.Tag {
		if strings.HasSuffix(tg.System, "/CodeSystem/"+name) {
			return tg.Code
		}
	}
	return ""
}

// TestSyntheticV3: a v3 export holds the final-action versions of the
// contract's NCH claims, the same claims as v2's active versions, selected
// by service date; V3Strays adds the others.
func TestSyntheticV3(t *testing.T) {
	req := ExportRequest{Contract: "Z0001", FHIRVersion: "R4V3", Beneficiaries: 30, Seed: 3}
	lines := exportLines(t, req)
	v2 := req
	v2.FHIRVersion = "R4"
	active := 0
	for _, line := range exportLines(t, v2) {
		if bytes.Contains(line, []byte(`"status":"active"`)) {
			active++
		}
	}
	if len(lines) != active || active == 0 {
		t.Fatalf("%d v3 EOBs, %d active v2 EOBs", len(lines), active)
	}
	ends := make([]string, len(lines))
	for i, line := range lines {
		l := parseV3(t, line)
		if l.Meta.Source != "NCH" || l.tag("Final-Action") != "FinalAction" || l.tag("System-Type") != "NationalClaimsHistory" {
			t.Fatalf("line %d: %+v", i, l.Meta)
		}
		ends[i] = l.BillablePeriod.End
	}

	// _typeFilter: the terms select by billablePeriod.end, day by day;
	// complementary filters split the export.
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		terms []ServiceDate
		keep  func(end string) bool
	}{
		{[]ServiceDate{{"ge", day("2024-01-01")}}, func(e string) bool { return e >= "2024-01-01" }},
		{[]ServiceDate{{"lt", day("2024-01-01")}}, func(e string) bool { return e < "2024-01-01" }},
		{[]ServiceDate{{"gt", day("2022-03-01")}, {"le", day("2023-03-01")}}, func(e string) bool { return e > "2022-03-01" && e <= "2023-03-01" }},
		{[]ServiceDate{{"eq", day(ends[3])}}, func(e string) bool { return e == ends[3] }},
	} {
		r := req
		r.ServiceDates = tc.terms
		var want [][]byte
		for i, e := range ends {
			if tc.keep(e) {
				want = append(want, lines[i])
			}
		}
		got := exportLines(t, r)
		if !bytes.Equal(bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n"))) || len(want) == 0 || len(want) == len(lines) {
			t.Errorf("%v: %d EOBs, want %d of %d", tc.terms, len(got), len(want), len(lines))
		}
	}

	// The strays: superseded versions and, per beneficiary, a shared-system
	// copy and a Part D event.
	var strays [][]byte
	err := Synthetic{V3Strays: true}.Export(context.Background(), req, func(line []byte) error {
		strays = append(strays, bytes.Clone(line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, line := range strays {
		l := parseV3(t, line)
		switch {
		case l.Meta.Source == "DDPS":
			kinds["Part D"]++
		case l.tag("System-Type") == "SharedSystem":
			kinds["shared system"]++
		case l.tag("Final-Action") == "NotFinalAction":
			kinds["not final"]++
		default:
			kinds["NCH"]++
		}
	}
	if kinds["NCH"] != len(lines) || kinds["Part D"] != 30 || kinds["shared system"] != 30 || kinds["not final"] == 0 {
		t.Errorf("with strays: %v", kinds)
	}
}

// TestSyntheticServerV3 runs a v3 export with a _typeFilter through the
// server.
func TestSyntheticServerV3(t *testing.T) {
	h := v3Harness(t, func(c *Config) {
		c.Source = SyntheticSource()
		c.Scale = 0.02 // 20 beneficiaries for Z0001
	})
	tok := h.token(z0001)
	id := h.kickoff(tok, "v3", "?_since=2026-04-01T00:00:00.000-05:00&_typeFilter=ExplanationOfBenefit%3Fservice-date%3Dge2026-01-01")
	_, m := h.complete(tok, "v3", id)
	var got [][]byte
	for _, o := range m.Output {
		r := h.do("GET", h.path(o.URL), tok)
		if r.code != 200 {
			t.Fatalf("download: %d %s", r.code, r.body)
		}
		got = append(got, bytes.Split(bytes.TrimSuffix(r.body, []byte("\n")), []byte("\n"))...)
	}
	want := exportLines(t, ExportRequest{Contract: "Z0001", FHIRVersion: "R4V3", Beneficiaries: 20, Seed: 42,
		Since:        time.Date(2026, 4, 1, 5, 0, 0, 0, time.UTC),
		ServiceDates: []ServiceDate{{"ge", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	if len(want) == 0 || !bytes.Equal(bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n"))) {
		t.Errorf("the files hold %d lines, the source %d", len(got), len(want))
	}
	for _, line := range got {
		if l := parseV3(t, line); l.BillablePeriod.End < "2026-01-01" {
			t.Errorf("service ended %s", l.BillablePeriod.End)
		}
	}
}
