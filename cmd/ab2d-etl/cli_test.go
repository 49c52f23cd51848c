package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

// TestHelpThatHelps: a mistyped command gets a suggestion, a bad flag its
// error once with a pointer to --help (not the whole usage), help CMD and
// --version work, and sandbox -h lists the clients with their secrets.
func TestHelpThatHelps(t *testing.T) {
	code, stdout, stderr := cli(t, "rnu")
	if code != exitUsage || !strings.Contains(stderr, `unknown command "rnu" (did you mean run`) || stdout != "" {
		t.Errorf("rnu: exit %d, %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = cli(t, "run", "--sinse", "24h")
	if code != exitUsage || strings.Count(stderr, "--sinse") != 1 || !strings.Contains(stderr, "did you mean --since?") ||
		!strings.Contains(stderr, "see 'ab2d-etl run --help'") || strings.Contains(stdout+stderr, "Usage:") {
		t.Errorf("bad flag: exit %d, %q %q", code, stdout, stderr)
	}
	if got := mustCLI(t, "help", "run"); !strings.Contains(got, "ab2d-etl run [flags]") || !strings.Contains(got, "--sandbox") {
		t.Errorf("help run: %s", got)
	}
	if got := mustCLI(t, "--version"); !strings.HasPrefix(got, "ab2d-etl ") {
		t.Errorf("--version: %q", got)
	}
	help := mustCLI(t, "sandbox", "-h")
	for _, c := range sandbox.Clients() {
		if !strings.Contains(help, c.Contract) || !strings.Contains(help, c.ID+":"+c.Secret) {
			t.Errorf("sandbox -h lacks %s %s:%s", c.Contract, c.ID, c.Secret)
		}
	}
	// --environment sandbox (AB2D's) and --sandbox (the embedded one) are
	// told apart in run's help.
	if got := mustCLI(t, "run", "--help"); !strings.Contains(got, "--environment sandbox") || !strings.Contains(got, "embedded") {
		t.Errorf("run --help does not tell the two sandboxes apart:\n%s", got)
	}
}

// TestSandboxFlagsNeedSandbox: --client and the --sandbox-* flags without
// --sandbox are refused before anything is created, saying what --sandbox
// is, instead of going to AB2D and failing for want of credentials.
func TestSandboxFlagsNeedSandbox(t *testing.T) {
	t.Setenv("AB2D_CLIENT_ID", "")
	t.Setenv("AB2D_CLIENT_SECRET", "")
	for _, args := range [][]string{
		{"run", "--client", "Z0001"},
		{"extract", "--sandbox-fault", "job:errors", "--environment", "sandbox"},
	} {
		out := filepath.Join(t.TempDir(), "wh")
		code, _, stderr := cli(t, append(args, "--out", out)...)
		if code != exitUsage || !strings.Contains(stderr, "only with --sandbox, the embedded sandbox") || !strings.Contains(stderr, "--environment sandbox for AB2D's public sandbox") {
			t.Errorf("%q: exit %d, %s", args, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q created %s", args, out)
		}
	}
}

// TestRunExportErrors: a run whose export has AB2D error files says so in
// its last line and in runs, exits 3, and does not move --since auto: the
// next run asks for the same window again; once a run completes without
// export errors, the one after it asks from that run's kick-off.
func TestRunExportErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	args := []string{"run", "--sandbox", "--sandbox-job-seconds", "0", "--out", out}
	code, stdout, stderr := cli(t, append(args, "--sandbox-fault", "job:errors:lines=2")...)
	if code != exitExportErrors {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitExportErrors, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "run finished with export errors: ") || !strings.Contains(stdout, "2 OperationOutcome lines in 1 error file") ||
		!strings.Contains(stdout, "next --since auto: none") {
		t.Errorf("summary: %s", stdout)
	}
	if got := queryCSV(t, out, "SELECT status || '/' || (SELECT count(*) FROM export_errors) FROM runs"); got != "succeeded_with_export_errors/2" {
		t.Errorf("runs: %s", got)
	}
	if got := mustCLI(t, "runs", "--out", out, "--format", "csv"); !strings.Contains(got, ",run,succeeded_with_export_errors,") {
		t.Errorf("runs: %s", got)
	}
	// The next run, without errors, asks for everything again (the first
	// run's since was none), and succeeds; with --log-format json, every
	// line on stderr is a JSON object, the summary included.
	code, stdout, stderr = cli(t, append(args, "--log-format", "json")...)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	var last map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if err := json.Unmarshal([]byte(line), &last); err != nil {
			t.Errorf("not a JSON line: %q", line)
		}
	}
	if last["status"] != "succeeded" || last["command"] != "run" || last["level"] != "INFO" {
		t.Errorf("last line: %v", last)
	}
	// The one after it asks from the second run's kick-off.
	mustCLI(t, args...)
	got := queryCSV(t, out, `SELECT string_agg(coalesce(strftime(since, '%Y-%m-%dT%H:%M:%S.%f'), 'none') || ' ' || status, ';' ORDER BY started_at) FROM runs`)
	second := queryCSV(t, out, `SELECT strftime(kickoff_at, '%Y-%m-%dT%H:%M:%S.%f') FROM runs ORDER BY started_at LIMIT 1 OFFSET 1`)
	if want := "none succeeded_with_export_errors;none succeeded;" + second + " succeeded"; got != want {
		t.Errorf("runs (since status): %s, want %s", got, want)
	}
}

// TestExtractThenRun: run loads the files extract landed for the same
// request, resuming its job (one export), with the command line extract
// suggests; against a sandbox in another process, as a job of one
// embedded sandbox does not exist in the next.
func TestExtractThenRun(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	base := startSandboxProcess(t, "--job-seconds", "0")
	cl, _ := sandbox.ClientByContract("Z0000")
	t.Setenv("AB2D_CLIENT_ID", cl.ID)
	t.Setenv("AB2D_CLIENT_SECRET", cl.Secret)
	out := filepath.Join(t.TempDir(), "wh")
	stdout := mustCLI(t, "extract", "--api-url", base+"/api/v2/fhir", "--token-url", base+sandbox.TokenPath, "--out", out, "--since", "2021-01-01")
	_, next, ok := strings.Cut(strings.TrimSpace(stdout), "; next: ")
	cmdline, _, ok2 := strings.Cut(next, " (resumes this job")
	if !ok || !ok2 || !strings.HasPrefix(cmdline, "ab2d-etl run ") || !strings.Contains(cmdline, "--since 2021-01-01T00:00:00Z") {
		t.Fatalf("extract's last line suggests no run: %s", stdout)
	}
	st := readState(t, out)
	if st == nil || st.Loaded || len(st.Landed) == 0 {
		t.Fatalf("extract landed nothing: %+v", st)
	}
	if got := queryCSV(t, out, "SELECT count(*) FROM claims"); got != "0" {
		t.Fatalf("extract loaded %s claims", got)
	}
	stdout = mustCLI(t, strings.Fields(cmdline)[1:]...)
	if !strings.Contains(stdout, "run succeeded: job "+st.Job.ID) {
		t.Errorf("run: %s", stdout)
	}
	// readState fails on a second job folder: one export only.
	if s := readState(t, out); s.Job.ID != st.Job.ID || !s.Loaded {
		t.Errorf("run used job %s (loaded %v), want %s", s.Job.ID, s.Loaded, st.Job.ID)
	}
	lines, _ := landedEOBs(t, out)
	if got := queryCSV(t, out, "SELECT count(*) FROM claims"); lines == 0 || got != strconv.Itoa(lines) {
		t.Errorf("claims %s, landed %d", got, lines)
	}
	if got := queryCSV(t, out, "SELECT string_agg(command || ' ' || job_id, ';' ORDER BY started_at) FROM runs"); got != "extract "+st.Job.ID+";run "+st.Job.ID {
		t.Errorf("runs: %s", got)
	}
}

// TestJSONErrors: with --log-format json, an error is a JSON line, even
// when a flag before --log-format failed to parse.
func TestJSONErrors(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--bogus", "--log-format", "json", "x"},
		{"load", "--log-format=json", "--bogus", "x"},
		{"rnu", "--log-format", "json"},
	} {
		code, stdout, stderr := cli(t, args...)
		var line map[string]any
		if err := json.Unmarshal([]byte(stderr), &line); err != nil || code != exitUsage || stdout != "" || line["level"] != "ERROR" || line["exit_code"] != float64(exitUsage) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// TestChecksBeforeAnything: flags that cannot work are usage errors (exit
// 2) before a sandbox starts or a warehouse is created, for every command
// that takes --out.
func TestChecksBeforeAnything(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "warehouse.duckdb") // the duckdb CLI takes the file
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "--out", file, in}, "is a file; give the warehouse folder"},
		{[]string{"query", "--out", file, "SELECT 1"}, "is a file; give the warehouse folder"},
		{[]string{"runs", "--out", file}, "is a file; give the warehouse folder"},
		{[]string{"run", "--sandbox", "--out", file}, "is a file; give the warehouse folder"},
		{[]string{"run", "--sandbox", "--since", "2026-01-01", "--until", "2025-01-01", "--out", fresh}, "--until 2025-01-01 is not after --since 2026-01-01"},
		{[]string{"extract", "--sandbox", "--since", "2999-01-01", "--out", fresh}, "in the future"},
		{[]string{"run", "--sandbox", "--since", "yesterday", "--out", fresh}, "a duration back from now"},
		{[]string{"load", "--workers", "-1", "--out", fresh, in}, "--workers -1"},
	} {
		code, _, stderr := cli(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, %s; want exit 2 with %q", tt.args, code, stderr, tt.want)
		}
		if _, err := os.Stat(fresh); err == nil {
			t.Fatalf("%q created %s", tt.args, fresh)
		}
	}
}
