package load

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestLastKickoff: the watermark of --since auto is the kick-off of the
// last successful run (its until when earlier) with the same client, API
// version and _typeFilter, except that a run with export errors holds it
// at that run's since until a successful run asked for all it asked for.
func TestLastKickoff(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 2, 30, 0, 0, time.UTC)
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	type run struct {
		status       string
		since        time.Time // zero: none
		until        time.Time // zero: none
		filter       string    // v3 _typeFilter
		kickoff      time.Time
		client, vers string // default c1, v2
		command      string // default run
	}
	ok, errs := "succeeded", StatusExportErrors
	const fq = "ExplanationOfBenefit?service-date=ge2026-01-01"
	for _, tt := range []struct {
		name     string
		runs     []run
		want     time.Time
		filtered time.Time // seen from a run filtered as fq
	}{
		{"no run", nil, time.Time{}, time.Time{}},
		{"one success", []run{{status: ok, kickoff: day(1)}}, day(1), time.Time{}},
		{"failed and interrupted runs do not count", []run{{status: ok, kickoff: day(1)}, {status: "failed", since: day(1), kickoff: day(2)}, {status: "interrupted", since: day(1), kickoff: day(3)}}, day(1), time.Time{}},
		{"other clients, versions and commands do not count", []run{{status: ok, kickoff: day(1)}, {status: ok, kickoff: day(5), client: "c2"}, {status: ok, kickoff: day(5), vers: "v1"}, {status: ok, kickoff: day(5), command: "extract"}}, day(1), time.Time{}},
		{"export errors hold the watermark", []run{{status: ok, kickoff: day(1)}, {status: errs, since: day(1), kickoff: day(2)}}, day(1), time.Time{}},
		{"a full export with errors asks for everything again", []run{{status: errs, kickoff: day(1)}}, time.Time{}, time.Time{}},
		{"errors twice: still the first's since", []run{{status: ok, kickoff: day(1)}, {status: errs, since: day(1), kickoff: day(2)}, {status: errs, since: day(1), kickoff: day(3)}}, day(1), time.Time{}},
		{"a later success from the same since clears them", []run{{status: ok, kickoff: day(1)}, {status: errs, since: day(1), kickoff: day(2)}, {status: ok, since: day(1), kickoff: day(3)}}, day(3), time.Time{}},
		{"a later success from earlier clears them", []run{{status: ok, kickoff: day(1)}, {status: errs, since: day(1), kickoff: day(2)}, {status: ok, kickoff: day(3)}}, day(3), time.Time{}},
		{"a later success from after its since does not", []run{{status: ok, kickoff: day(1)}, {status: errs, since: day(1), kickoff: day(2)}, {status: ok, since: day(2), kickoff: day(3)}}, day(1), time.Time{}},
		{"an until before the kick-off ends the run there", []run{{status: ok, kickoff: day(1)}, {status: ok, since: day(1), until: day(2), kickoff: day(4)}}, day(2), time.Time{}},
		{"an until after the kick-off does not", []run{{status: ok, since: day(0), until: day(9), kickoff: day(3)}}, day(3), time.Time{}},
		{"the latest end counts, not the latest kick-off", []run{{status: ok, kickoff: day(3)}, {status: ok, since: day(0), until: day(1), kickoff: day(4)}}, day(3), time.Time{}},
		{"filtered runs do not move unfiltered ones", []run{{status: ok, kickoff: day(1)}, {status: ok, since: day(1), kickoff: day(3), filter: fq}}, day(1), day(3)},
		{"a filtered run ends at its until too", []run{{status: ok, since: day(1), until: day(2), kickoff: day(4), filter: fq}}, time.Time{}, day(2)},
		{"filtered runs with errors hold their own watermark", []run{{status: ok, kickoff: day(1), filter: fq}, {status: errs, since: day(1), kickoff: day(2), filter: fq}, {status: ok, kickoff: day(3)}}, day(3), day(1)},
		{"a success up to an earlier until does not clear errors", []run{{status: ok, kickoff: day(1)}, {status: errs, since: day(1), kickoff: day(3)}, {status: ok, since: day(1), until: day(2), kickoff: day(4)}}, day(1), time.Time{}},
		{"a success before it does not", []run{{status: errs, since: day(1), kickoff: day(2)}, {status: ok, since: day(0), kickoff: day(1)}}, day(1), time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wh := openWH(t, "")
			ctx := context.Background()
			for i, r := range tt.runs {
				client, vers, command := "c1", "v2", "run"
				if r.client != "" {
					client = r.client
				}
				if r.vers != "" {
					vers = r.vers
				}
				if r.command != "" {
					command = r.command
				}
				id := fmt.Sprint("r", i)
				if err := wh.StartRun(ctx, Run{RunID: id, Command: command, ClientID: client, APIVersion: vers, Since: r.since, Until: r.until, TypeFilter: r.filter, StartedAt: r.kickoff}); err != nil {
					t.Fatal(err)
				}
				if err := wh.UpdateRun(ctx, id, "job", "Z0000", r.kickoff); err != nil {
					t.Fatal(err)
				}
				if err := wh.FinishRun(ctx, id, r.status, ""); err != nil {
					t.Fatal(err)
				}
			}
			got, err := wh.LastKickoff(ctx, "c1", "v2", "")
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("LastKickoff = %v, want %v", got, tt.want)
			}
			// The same runs seen from a filtered run: only filtered ones count.
			if got, err := wh.LastKickoff(ctx, "c1", "v2", fq); err != nil || !got.Equal(tt.filtered) {
				t.Errorf("LastKickoff(%q) = %v, %v; want %v", fq, got, err, tt.filtered)
			}
		})
	}
}
