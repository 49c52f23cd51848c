package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

// landedEOBs reads every landed data file of the warehouse independently of
// the loader and returns the number of EOB lines and of distinct EOB ids.
func landedEOBs(t *testing.T, out string) (lines int, ids map[string]bool) {
	t.Helper()
	ids = map[string]bool{}
	landedLines(t, out, "*", func(f string, line []byte) {
		var r struct{ ResourceType, ID string }
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if r.ResourceType == "ExplanationOfBenefit" {
			lines++
			ids[r.ID] = true
		}
	})
	return lines, ids
}

// landedLines calls each with every line of the data files landed for the
// jobs job matches (a job id, or "*"), uncompressed.
func landedLines(t *testing.T, out, job string, each func(file string, line []byte)) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "landing", job, "*.ndjson*"))
	for _, f := range files {
		if strings.Contains(f, "_error") || strings.HasSuffix(f, ".part") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			each(f, sc.Bytes())
		}
	}
}

// parquetRows counts the rows of a table's Parquet history (0 without files).
func parquetRows(t *testing.T, out, table string) int {
	t.Helper()
	glob := filepath.Join(out, "parquet", table, "*", "*.parquet")
	if files, _ := filepath.Glob(glob); len(files) == 0 {
		return 0
	}
	n, err := strconv.Atoi(queryCSV(t, out, "SELECT count(*) FROM read_parquet('"+glob+"')"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func queryCSV(t *testing.T, out, q string) string {
	t.Helper()
	s := mustCLI(t, "query", "--out", out, "--format", "csv", q)
	_, body, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(body)
}

// TestRunSandbox: run against the embedded sandbox loads exactly the EOBs
// the export delivered, counted from the landed files independently, with
// no duplicate eob_id; a second run with --since auto asks only for what
// changed since the first run's kick-off.
func TestRunSandbox(t *testing.T) {
	for _, version := range []string{"stu3", "r4"} {
		t.Run(version, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "wh")
			stdout := mustCLI(t, "run", "--sandbox", "--fhir-version", version, "--sandbox-job-seconds", "0", "--out", out)
			if !strings.Contains(stdout, "run succeeded") {
				t.Fatalf("summary: %s", stdout)
			}
			lines, ids := landedEOBs(t, out)
			if lines == 0 {
				t.Fatal("nothing landed")
			}
			if got := parquetRows(t, out, "claims"); got != lines {
				t.Errorf("parquet claims %d, landed EOB lines %d", got, lines)
			}
			if got := queryCSV(t, out, "SELECT count(*) || '/' || count(DISTINCT eob_id) FROM claims"); got != strconv.Itoa(len(ids))+"/"+strconv.Itoa(len(ids)) {
				t.Errorf("claims (rows,distinct) %s, landed distinct ids %d", got, len(ids))
			}
			want := map[string]string{"stu3": "STU3", "r4": "R4"}[version]
			if got := queryCSV(t, out, "SELECT string_agg(DISTINCT fhir_version, ',') FROM claims"); got != want {
				t.Errorf("fhir_version %s, want %s", got, want)
			}
			if got := queryCSV(t, out, "SELECT count(*) FROM rejects"); got != "0" {
				t.Errorf("%s rejects", got)
			}
			// The second night: since = the first run's kick-off. The
			// sandbox's claims were all updated before it, so nothing new.
			stdout = mustCLI(t, "run", "--sandbox", "--fhir-version", version, "--sandbox-job-seconds", "0", "--out", out)
			if !strings.Contains(stdout, " 0 EOBs") {
				t.Errorf("second run: %s", stdout)
			}
			runs := queryCSV(t, out, "SELECT count(*) || '/' || count(DISTINCT job_id) || '/' || bool_and(status = 'succeeded') FROM runs")
			if runs != "2/2/true" {
				t.Errorf("runs: %s", runs)
			}
			since := queryCSV(t, out, "SELECT (SELECT since FROM runs ORDER BY started_at DESC LIMIT 1) = (SELECT kickoff_at FROM runs ORDER BY started_at LIMIT 1)")
			if since != "true" {
				t.Errorf("the second run's since is not the first run's kick-off")
			}
		})
	}
}

// TestRunSinceUntil: an export cut in two by --until and then --since auto
// (which starts where the --until ended) gives the same warehouse as one
// export of everything.
func TestRunSinceUntil(t *testing.T) {
	dir := t.TempDir()
	full, split := filepath.Join(dir, "full"), filepath.Join(dir, "split")
	mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--since", "none", "--out", full)
	const until = "2023-06-30T00:00:00Z"
	if out := mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--since", "none", "--until", until, "--out", split); !strings.Contains(out, "next --since auto: "+until) {
		t.Errorf("the run up to %s does not say the next starts there:\n%s", until, out)
	}
	first := queryCSV(t, split, "SELECT count(*) FROM claims")
	mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--out", split)
	if got := queryCSV(t, split, "SELECT since = '"+until+"'::TIMESTAMPTZ FROM runs ORDER BY started_at DESC LIMIT 1"); got != "true" {
		t.Errorf("--since auto after --until %s: the run's since is not the until", until)
	}
	q := "SELECT count(*) || '/' || count(DISTINCT eob_id) || '/' || sum(hash(eob_id, status, last_updated, mbi)) FROM claims"
	if a, b := queryCSV(t, full, q), queryCSV(t, split, q); a != b || first == "0" || strings.HasPrefix(a, first+"/") {
		t.Errorf("full %s, split %s (first part %s)", a, b, first)
	}
}

// TestRunFaults: each sandbox fault ends in success with the same rows as a
// fault-free run, or in a clear failure that loads nothing unverified.
func TestRunFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end runs with retries")
	}
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean")
	mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--out", clean)
	digest := "SELECT count(*) || '/' || sum(hash(eob_id, status, last_updated, mbi, principal_diagnosis_code)) FROM claims"
	want := queryCSV(t, clean, digest)
	for _, tt := range []struct {
		faults []string
		maxDL  string
		fails  string
	}{
		{faults: []string{"token:503:nth=1"}},
		{faults: []string{"kickoff:500:nth=1", "status:429:nth=1"}},
		{faults: []string{"download:reset:at=0.5,nth=1", "download:truncate:at=0.3,nth=2"}},
		{faults: []string{"download:500:rate=0.3,count=3"}},
		{faults: []string{"token:expire:nth=3"}},
		{faults: []string{"download:corrupt:nth=1"}, maxDL: "2"},
		{faults: []string{"manifest:checksum:nth=1"}, maxDL: "1", fails: "maximum number of allowed times"},
		{faults: []string{"manifest:checksum:nth=1"}, maxDL: "6", fails: "did not match the manifest in 3 downloads"},
		{faults: []string{"job:fail"}, fails: "Job failed while processing"},
	} {
		name := strings.Join(tt.faults, "+")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "wh")
			args := []string{"run", "--sandbox", "--sandbox-job-seconds", "0", "--out", out}
			for _, f := range tt.faults {
				args = append(args, "--sandbox-fault", f)
			}
			if tt.maxDL != "" {
				args = append(args, "--sandbox-max-downloads", tt.maxDL)
			}
			code, stdout, stderr := cli(t, args...)
			if tt.fails != "" {
				if code != exitFailed || !strings.Contains(stderr, tt.fails) {
					t.Fatalf("exit %d, stderr %s; want exit 1 mentioning %q", code, stderr, tt.fails)
				}
				// Whatever was loaded was verified: its lines are all in the
				// landed (verified) files.
				lines, _ := landedEOBs(t, out)
				if got := parquetRows(t, out, "claims"); got != lines {
					t.Errorf("loaded %d EOBs, landed and verified %d", got, lines)
				}
				if got := queryCSV(t, out, "SELECT status FROM runs"); got != "failed" {
					t.Errorf("run status %q", got)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if got := queryCSV(t, out, digest); got != want {
				t.Errorf("warehouse %s, fault-free %s", got, want)
			}
		})
	}
}

// TestRunResumeAfterKill kills `run` (a subprocess) while it polls and again
// while it downloads from a sandbox in another process; the reruns adopt
// the same job, download only the missing files (the sandbox serves each
// file once), and the warehouse equals that of an uninterrupted run.
func TestRunResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocesses")
	}
	base := startSandboxProcess(t, "--job-seconds", "3", "--file-max-mb", "0.5",
		"--fault", "download:slow:bps=4000000", "--max-downloads", "1")
	dir := t.TempDir()
	out := filepath.Join(dir, "wh")
	cl, _ := sandbox.ClientByContract("Z0000")
	env := append(os.Environ(), "AB2D_ETL_MAIN=1", "AB2D_CLIENT_ID="+cl.ID, "AB2D_CLIENT_SECRET="+cl.Secret)
	args := []string{"run", "--api-url", base + "/api/v2/fhir", "--token-url", base + sandbox.TokenPath, "--out", out, "--workers", "1"}

	// Kill while polling: the job is started and its state saved, no manifest yet.
	killWhen(t, env, args, func() bool {
		s := readState(t, out)
		return s != nil && s.Manifest == nil
	})
	jobID := readState(t, out).Job.ID
	// Kill while downloading: some files landed, not all.
	killWhen(t, env, args, func() bool {
		s := readState(t, out)
		return s != nil && s.Manifest != nil && len(s.Landed) >= 1 && len(s.Landed) < len(s.Manifest.Files)
	})
	if s := readState(t, out); s.Job.ID != jobID {
		t.Fatalf("second attempt used job %s, want %s", s.Job.ID, jobID)
	}
	// The rerun completes the same job; a second download of any landed
	// file would be refused by the sandbox (--max-downloads 1) and fail it.
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = env
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rerun: %v\n%s", err, outb)
	}
	if s := readState(t, out); s.Job.ID != jobID || !s.Loaded {
		t.Fatalf("rerun: job %s loaded=%v, want %s loaded", s.Job.ID, s.Loaded, jobID)
	}
	// An uninterrupted run of the same request (a new job on the same
	// sandbox) gives the same warehouse.
	ref := filepath.Join(dir, "ref")
	cmd = exec.Command(os.Args[0], []string{"run", "--api-url", base + "/api/v2/fhir", "--token-url", base + sandbox.TokenPath, "--out", ref, "--since", "none"}...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, b)
	}
	q := "SELECT count(*) || '/' || sum(hash(eob_id, status, last_updated, mbi, principal_diagnosis_code)) FROM claims"
	if a, b := queryCSV(t, out, q), queryCSV(t, ref, q); a != b {
		t.Errorf("resumed warehouse %s, uninterrupted %s", a, b)
	}
}

// startSandboxProcess runs `ab2d-etl sandbox` in a subprocess on a free
// loopback port and returns its base URL.
func startSandboxProcess(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"sandbox", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "AB2D_ETL_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`AB2D sandbox on (http://127\.0\.0\.1:\d+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return m[1]
		}
	}
	t.Fatalf("sandbox did not start: %v", sc.Err())
	return ""
}

// killWhen starts `ab2d-etl args` and SIGKILLs it once cond holds (polled:
// it observes the run's saved state; nothing is timed).
func killWhen(t *testing.T, env, args []string, cond func() bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = env
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for range 120000 {
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before the moment to kill it:\n%s", err, outb.String())
		default:
		}
		if cond() {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition never met")
}

// jobState is the part of landing/<job>/state.json the tests look at.
type jobState struct {
	Job struct {
		ID string `json:"job_id"`
	} `json:"job"`
	Manifest *struct {
		Files []struct{ Name string } `json:"files"`
	} `json:"manifest"`
	Landed map[string]any `json:"landed"`
	Loaded bool           `json:"loaded"`
}

func readState(t *testing.T, out string) *jobState {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "landing", "*", "state.json"))
	if len(paths) == 0 {
		return nil
	}
	if len(paths) > 1 {
		t.Fatalf("more than one job: %v", paths)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		return nil
	}
	var s jobState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil // being replaced; the rename is atomic, so a retry sees it whole
	}
	return &s
}
