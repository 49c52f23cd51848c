package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

var (
	chaosRuns  = flag.Int("chaos.runs", 4, "faulty runs of TestChaos (make chaos sets 60)")
	chaosSeed  = flag.Uint64("chaos.seed", 20261125, "seed of TestChaos's choices")
	chaosKills = flag.Float64("chaos.kill-rate", 0.3, "share of TestChaos runs killed with SIGKILL at a random moment")
)

// chaosFaults are the sandbox faults TestChaos draws from. Each fires a
// bounded number of times, so that reruns can succeed, as they would once
// a real outage passes.
var chaosFaults = []string{
	"token:500:nth=1", "token:429:nth=1,retry=1", "kickoff:503:nth=1", "kickoff:429:nth=1,retry=1",
	"status:500:nth=2", "status:429:nth=1", "download:500:rate=0.3,count=2", "download:429:nth=2,retry=1",
	"download:reset:at=0.4,nth=1", "download:truncate:at=0.6,nth=2", "download:slow:bps=3000000,count=2",
	"download:corrupt:nth=1", "token:expire:nth=4", "job:fail:nth=1", "maintenance:nth=1",
	"manifest:checksum:nth=1",
}

// warehouseDigest is a row count and an order-independent checksum per
// table of the current state, lineage excluded.
func warehouseDigest(t *testing.T, out string) string {
	t.Helper()
	var parts []string
	for _, q := range []struct{ table, cols string }{
		{"claims", "eob_id, claim_id, claim_group_id, status, claim_type, beneficiary_id, mbi, billable_period_start, billable_period_end, last_updated, principal_diagnosis_code, drg_code, attending_npi, rendering_npi"},
		{"claim_lines", "eob_id, line_number, hcpcs_code, service_date, service_start, service_end, place_of_service, quantity, ndc_code, rendering_npi"},
		{"claim_diagnoses", "eob_id, sequence, code, code_system, diagnosis_type, present_on_admission"},
		{"claim_procedures", "eob_id, sequence, code, procedure_date"},
		{"claim_care_team", "eob_id, sequence, provider_id, role"},
		{"beneficiary_mbis", "beneficiary_id, mbi, currency, first_seen, last_seen"},
	} {
		parts = append(parts, q.table+"="+queryCSV(t, out, fmt.Sprintf("SELECT count(*) || ':' || coalesce(sum(hash(%s)::HUGEINT), 0) FROM %s", q.cols, q.table)))
	}
	return strings.Join(parts, " ")
}

// TestChaos runs `ab2d-etl run` (a subprocess) against sandboxes with
// random mixes of faults, kills some runs with SIGKILL at a random moment
// and reruns them, and compares every final warehouse with a fault-free
// run's: no row lost, none duplicated. `make chaos` runs 60 of them.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocesses")
	}
	rng := rand.New(rand.NewPCG(*chaosSeed, 1))
	cl, _ := sandbox.ClientByContract("Z0000")
	// Every file merges in parts of one batch: a kill can strike while
	// DuckDB ingests them.
	env := append(os.Environ(), "AB2D_ETL_MAIN=1", "AB2D_CLIENT_ID="+cl.ID, "AB2D_CLIENT_SECRET="+cl.Secret, "AB2D_ETL_PART_BYTES=1")
	newSandbox := func(faults []string) *httptest.Server {
		fs, err := sandbox.ParseFaults(faults)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := sandbox.New(sandbox.Config{Seed: 1, Source: sandbox.SyntheticSource(), Faults: fs, MaxDownloads: 2,
			FileMaxBytes: 256 << 10, JobDuration: 500 * time.Millisecond, RetryAfter: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sb)
		t.Cleanup(func() { srv.Close(); _ = sb.Close() })
		return srv
	}
	runCmd := func(srv *httptest.Server, out string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "run", "--api-url", srv.URL+"/api/v2/fhir", "--token-url", srv.URL+sandbox.TokenPath,
			"--out", out, "--since", "none", "--log-format", "json")
		cmd.Env = env
		return cmd
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if b, err := runCmd(newSandbox(nil), ref).CombinedOutput(); err != nil {
		t.Fatalf("fault-free run: %v\n%s", err, b)
	}
	want := warehouseDigest(t, ref)

	var injected, kills, reruns, retries, mismatches int
	for i := range *chaosRuns {
		var faults []string
		for _, j := range rng.Perm(len(chaosFaults))[:1+rng.IntN(3)] {
			faults = append(faults, chaosFaults[j])
		}
		injected += len(faults)
		srv := newSandbox(faults)
		out := filepath.Join(t.TempDir(), "wh")
		kill := rng.Float64() < *chaosKills
		var logs bytes.Buffer
		if kill {
			cmd := runCmd(srv, out)
			cmd.Stdout, cmd.Stderr = &logs, &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rng.IntN(2500)) * time.Millisecond) // a random moment
			if cmd.Process.Signal(syscall.SIGKILL) == nil {
				kills++
			}
			_ = cmd.Wait()
		}
		ok := false
		for attempt := 0; attempt < 4 && !ok; attempt++ {
			if kill || attempt > 0 {
				reruns++
			}
			cmd := runCmd(srv, out)
			b, err := cmd.CombinedOutput()
			logs.Write(b)
			ok = err == nil
		}
		retries += strings.Count(logs.String(), `"msg":"retrying"`) + strings.Count(logs.String(), "refused; waiting")
		if !ok {
			t.Errorf("run %d (faults %v, killed %v) did not complete in 4 attempts:\n%s", i, faults, kill, tail(logs.String(), 2000))
			continue
		}
		if got := warehouseDigest(t, out); got != want {
			mismatches++
			t.Errorf("run %d (faults %v, killed %v): warehouse differs\n got %s\nwant %s", i, faults, kill, got, want)
		}
	}
	t.Logf("chaos: %d runs, %d faults configured, %d retries logged, %d kills survived, %d reruns, %d warehouses differing (rows lost or duplicated)",
		*chaosRuns, injected, retries, kills, reruns, mismatches)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
