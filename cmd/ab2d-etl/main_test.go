package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// TestMain lets tests run the real command in a subprocess (the test binary
// re-executed with AB2D_ETL_MAIN=1), for SIGKILL tests, and a reader of the
// published warehouse in another process (readerEnv, see publish_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("AB2D_ETL_MAIN") == "1" {
		main()
	}
	if mode := os.Getenv(readerEnv); mode != "" {
		os.Exit(readerMain(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fixtures(t *testing.T) string {
	t.Helper()
	return testinputs.Dir(t, "fixtures")
}

// cli runs the command in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := cli(t, args...)
	if code != 0 {
		t.Fatalf("ab2d-etl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

const goodEOB = `{"resourceType":"ExplanationOfBenefit","id":"carrier-1","meta":{"lastUpdated":"2021-04-01T10:00:00.000-04:00"},"identifier":[{"system":"https://bluebutton.cms.gov/resources/variables/clm_id","value":"1"}],"status":"active","type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"CARRIER"}]},"patient":{"reference":"Patient/-1"},"item":[{"sequence":1,"productOrService":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/hcpcs","code":"99213"}]}}]}`

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBadInput: each malformed input gives either a reject row with the
// expected reason (and the good lines beside it still load) or a clear
// error that loads nothing of the file.
func TestBadInput(t *testing.T) {
	good := []byte(goodEOB + "\n")
	corrupt := gzipBytes(t, bytes.Repeat(good, 200))
	corrupt = corrupt[:len(corrupt)*2/3]
	tests := []struct {
		name    string
		content []byte
		// For a rejected line: the line number and a substring of the reason.
		rejectLine int
		reason     string
		eobs       int // EOBs loaded from the file
		// For a file-level failure: a substring of stderr.
		fails string
	}{
		{name: "invalid JSON", content: []byte(goodEOB + "\n{\"resourceType\": ExplanationOfBenefit}\n"), rejectLine: 2, reason: "invalid JSON", eobs: 1},
		{name: "truncated last line", content: []byte(goodEOB + "\n" + goodEOB[:120]), rejectLine: 2, reason: "invalid JSON", eobs: 1},
		{name: "empty file", content: nil, fails: "holds no FHIR resource (ExplanationOfBenefit or OperationOutcome): it is empty"},
		{name: "non-EOB resource", content: []byte(`{"resourceType":"Patient","id":"p1"}` + "\n" + goodEOB + "\n"), rejectLine: 1, reason: "Patient", eobs: 1},
		{name: "EOB without id", content: []byte(goodEOB + "\n" + strings.Replace(goodEOB, `"id":"carrier-1",`, "", 1) + "\n"), rejectLine: 2, reason: "without id", eobs: 1},
		{name: "invalid UTF-8", content: []byte(goodEOB + "\n" + strings.Replace(goodEOB, "active", "act\xffive", 1) + "\n"), rejectLine: 2, reason: "UTF-8", eobs: 1},
		{name: "JSON array", content: []byte("[" + goodEOB + "]\n"), fails: `is not NDJSON of FHIR resources: it starts with "[{`},
		{name: "only rejects", content: []byte(strings.Replace(goodEOB, `"id":"carrier-1",`, "", 1) + "\n"), fails: "1 line, all rejected (first: line 1: ExplanationOfBenefit without id)"},
		{name: "corrupt gzip", content: corrupt, fails: "corrupt"},
		{name: "PNG", content: append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...), fails: "in.ndjson is not NDJSON but image/png"},
		{name: "CSV", content: []byte("eob_id,claim_id\ncarrier-1,1\n"), fails: `in.ndjson is not NDJSON of FHIR resources: it starts with "eob_id,claim_id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.ndjson")
			if err := os.WriteFile(in, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "wh")
			code, stdout, stderr := cli(t, "load", "--out", out, in)
			if tt.fails != "" {
				if code != exitFailed || !strings.Contains(stderr, tt.fails) {
					t.Fatalf("exit %d, stderr %q; want exit 1 mentioning %q", code, stderr, tt.fails)
				}
				if got := mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT (SELECT count(*) FROM loads) || '/' || (SELECT count(*) FROM claims)"); !strings.Contains(got, "\n0/0\n") {
					t.Errorf("a failed file left data: %q", got)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			got := mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT source_file, source_line, reason, excerpt FROM rejects")
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if tt.reason == "" {
				if len(lines) != 1 {
					t.Errorf("unexpected rejects: %s", got)
				}
			} else {
				if len(lines) != 2 || !strings.HasPrefix(lines[1], "in.ndjson,"+strconv.Itoa(tt.rejectLine)+",") || !strings.Contains(lines[1], tt.reason) {
					t.Errorf("rejects:\n%s\nwant line %d with reason containing %q", got, tt.rejectLine, tt.reason)
				}
			}
			n := mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT count(*) FROM claims")
			if want := "count_star()\n" + strconv.Itoa(tt.eobs) + "\n"; n != want {
				t.Errorf("claims: %q, want %q", n, want)
			}
		})
	}
}

// TestHugeLine: a 100 MB line is rejected (not fatal), memory stays bounded
// by the line limit, and the lines around it load.
func TestHugeLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "huge.ndjson")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	huge := append([]byte(`{"resourceType":"ExplanationOfBenefit","id":"x","text":"`), bytes.Repeat([]byte("a"), 100<<20)...)
	huge = append(huge, "\"}\n"...)
	for _, b := range [][]byte{[]byte(goodEOB + "\n"), huge, []byte(strings.Replace(goodEOB, "carrier-1", "carrier-2", 1) + "\n")} {
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "wh")
	mustCLI(t, "load", "--out", out, in)
	got := mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT source_line, reason, length(excerpt) FROM rejects")
	if !strings.Contains(got, "\n2,line longer than the 67108864-byte limit (--max-line),200\n") {
		t.Errorf("rejects: %q", got)
	}
	if got := mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT string_agg(eob_id, ' ' ORDER BY eob_id) FROM claims"); !strings.Contains(got, "carrier-1 carrier-2") {
		t.Errorf("claims: %q", got)
	}
}

func TestNoInputFolder(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := cli(t, "load", "--out", filepath.Join(dir, "wh"), dir)
	if code != exitFailed || !strings.Contains(stderr, "has no *.ndjson") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestReadOnlyOut: an --out that cannot be written fails at once with the
// folder's name. As root, permission bits do not stop writes, so the folder
// is made immutable instead.
func TestReadOnlyOut(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", ro).CombinedOutput(); err != nil {
			t.Skipf("cannot make a read-only folder as root here: %v %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", ro).Run() })
	}
	code, _, stderr := cli(t, "load", "--out", ro, in)
	if code != exitFailed || !strings.Contains(stderr, "not writable") || !strings.Contains(stderr, ro) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestQuery(t *testing.T) {
	out := loadedWarehouse(t)
	dir := filepath.Dir(out)
	q := "SELECT eob_id, claim_type, billable_period_start, last_updated, 1.5 AS x, NULL AS n FROM claims"
	table := mustCLI(t, "query", "--out", out, q)
	want := "eob_id    | claim_type | billable_period_start | last_updated         |   x |    n\n" +
		"----------+------------+-----------------------+----------------------+-----+-----\n" +
		"carrier-1 | CARRIER    | NULL                  | 2021-04-01T14:00:00Z | 1.5 | NULL\n" +
		"(1 row)\n"
	if table != want {
		t.Errorf("table:\n%s\nwant:\n%s", table, want)
	}
	if got := mustCLI(t, "query", "--out", out, "--format", "csv", q); got != "eob_id,claim_type,billable_period_start,last_updated,x,n\ncarrier-1,CARRIER,,2021-04-01T14:00:00Z,1.5,\n" {
		t.Errorf("csv: %q", got)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, "query", "--out", out, "--format", "json", q)), &obj); err != nil {
		t.Fatal(err)
	}
	if obj["eob_id"] != "carrier-1" || obj["x"] != 1.5 || obj["n"] != nil {
		t.Errorf("json: %v", obj)
	}
	code, _, stderr := cli(t, "query", "--out", out, "SELEC nonsense")
	if code != exitFailed || !strings.Contains(stderr, "SQL error") || !strings.Contains(stderr, "syntax error") {
		t.Errorf("bad SQL: exit %d, %q", code, stderr)
	}
	code, _, stderr = cli(t, "query", "--out", filepath.Join(dir, "none"), "SELECT 1")
	if code != exitFailed || !strings.Contains(stderr, "no warehouse") {
		t.Errorf("missing warehouse: exit %d, %q", code, stderr)
	}
	if code, _, _ := cli(t, "query", "--out", out, "--format", "xml", "SELECT 1"); code != exitUsage {
		t.Errorf("bad format: exit %d, want 2", code)
	}
}

func TestSchemaCommand(t *testing.T) {
	md := mustCLI(t, "schema")
	for _, name := range []string{"claims", "claim_lines", "claim_diagnoses", "claim_procedures", "claim_care_team", "beneficiary_mbis", "rejects", "export_errors", "loads", "runs", "claim_extensions", "claim_supporting_info", "claim_contained", "claims_current", "claim_lines_detail", "codes", "field_issues"} {
		if !strings.Contains(md, "`"+name+"`") {
			t.Errorf("markdown lacks %s", name)
		}
	}
	var doc struct {
		Tables []struct {
			Name    string
			Columns []struct{ Name, Type string }
		}
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "schema", "--format", "json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tables) != 15 || doc.Tables[0].Name != "claims" || doc.Tables[0].Columns[0].Type == "" {
		t.Errorf("json schema: %d tables, %+v", len(doc.Tables), doc.Tables[0])
	}
	// A table named: that table only.
	if err := json.Unmarshal([]byte(mustCLI(t, "schema", "field_issues", "--format", "json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tables) != 1 || doc.Tables[0].Name != "field_issues" {
		t.Errorf("schema field_issues: %+v", doc.Tables)
	}
	if code, _, stderr := cli(t, "schema", "claimz"); code != exitUsage || !strings.Contains(stderr, "claim_lines") {
		t.Errorf("schema claimz: exit %d, %s", code, stderr)
	}
}

func TestExitCodes(t *testing.T) {
	if code, _, _ := cli(t); code != exitUsage {
		t.Errorf("no command: %d", code)
	}
	if code, _, _ := cli(t, "frobnicate"); code != exitUsage {
		t.Errorf("unknown command: %d", code)
	}
	if code, _, _ := cli(t, "load"); code != exitUsage {
		t.Errorf("load without paths: %d", code)
	}
	if code, _, _ := cli(t, "load", "--bogus", "x"); code != exitUsage {
		t.Errorf("unknown flag: %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"load", "--out", filepath.Join(dir, "wh"), in}, nil, &out, &errb); code != exitInterrupted {
		t.Errorf("interrupted: exit %d (%s)", code, errb.String())
	}
}

// TestFixturesCLI loads every fixture through the command.
func TestFixturesCLI(t *testing.T) {
	dir := fixtures(t)
	out := filepath.Join(t.TempDir(), "wh")
	stdout := mustCLI(t, "load", "--out", out, filepath.Join(dir, "r4"), filepath.Join(dir, "stu3"))
	if !strings.Contains(stdout, "load succeeded: 32 files") || !strings.Contains(stdout, " 0 rejects") {
		t.Errorf("summary: %s", stdout)
	}
	runs := mustCLI(t, "runs", "--out", out, "--format", "csv")
	if !strings.Contains(runs, ",load,succeeded,") {
		t.Errorf("runs: %s", runs)
	}
}
