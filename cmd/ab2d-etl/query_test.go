package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
)

// cliIn is cli with stdin.
func cliIn(t *testing.T, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdin, &out, &errb)
	return code, out.String(), errb.String()
}

// loadedWarehouse loads one EOB into a new warehouse and returns its folder.
func loadedWarehouse(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "wh")
	mustCLI(t, "load", "--out", out, in)
	return out
}

func TestSplitStatements(t *testing.T) {
	for _, tt := range []struct {
		script string
		want   []string
		lines  []int
	}{
		{"SELECT 1", []string{"SELECT 1"}, []int{1}},
		{"SELECT 1;", []string{"SELECT 1"}, []int{1}},
		{"SELECT 1; SELECT 2;\n\nSELECT 3", []string{"SELECT 1", "SELECT 2", "SELECT 3"}, []int{1, 1, 3}},
		{"SELECT 'a;b', 'it''s;'; SELECT 2", []string{"SELECT 'a;b', 'it''s;'", "SELECT 2"}, []int{1, 1}},
		{`SELECT E'\';' AS x; SELECT 2`, []string{`SELECT E'\';' AS x`, "SELECT 2"}, []int{1, 1}},
		{`SELECT 1 AS "a;""b"; SELECT 2`, []string{`SELECT 1 AS "a;""b"`, "SELECT 2"}, []int{1, 1}},
		{"SELECT $$a;b$$, $t$ $$; $t$; SELECT 2", []string{"SELECT $$a;b$$, $t$ $$; $t$", "SELECT 2"}, []int{1, 1}},
		{"-- a comment; still\nSELECT 1 -- ; no end\n; SELECT 2", []string{"-- a comment; still\nSELECT 1 -- ; no end", "SELECT 2"}, []int{2, 3}},
		{"/* a /* nested; */ ; */ SELECT 1; /* only a comment; */", []string{"/* a /* nested; */ ; */ SELECT 1"}, []int{1}},
		{"  ;; -- nothing\n ; ", nil, nil},
		{"SELECT 'unclosed; SELECT 2", []string{"SELECT 'unclosed; SELECT 2"}, []int{1}},
	} {
		got := splitStatements(tt.script)
		var sqls []string
		var lines []int
		for _, s := range got {
			sqls = append(sqls, s.sql)
			lines = append(lines, s.line)
		}
		if !slices.Equal(sqls, tt.want) || !slices.Equal(lines, tt.lines) {
			t.Errorf("splitStatements(%q) = %q at lines %v, want %q at %v", tt.script, sqls, lines, tt.want, tt.lines)
		}
	}
}

// TestSplitAgreesWithDuckDB: DuckDB's own parser takes every piece of a
// script full of traps as exactly one statement (and refuses two).
func TestSplitAgreesWithDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	script := `SELECT 'a;b' AS s, 'it''s' AS t; -- one; not two
SELECT E'x\';y' AS e; SELECT $$;$$ AS d, $tag$ $$ ; $tag$ AS d2;
/* block; /* nested; */ still; */ SELECT "we;ird" FROM (SELECT 1 AS "we;ird");
SELECT 1 AS a$b; SET threads = 1; SELECT 2`
	stmts := splitStatements(script)
	if len(stmts) != 7 {
		t.Fatalf("%d statements: %+v", len(stmts), stmts)
	}
	for _, st := range stmts {
		if _, err := checkStatement(conn, st.sql); err != nil {
			t.Errorf("%q: %v", st.sql, err)
		}
	}
	if _, err := checkStatement(conn, "SELECT 1; SELECT 2"); err == nil {
		t.Error("two statements were taken for one")
	}
}

// TestQueryStatements: every statement's result prints, in order; SET
// prints nothing and carries over; an error names the statement, after
// the results before it.
func TestQueryStatements(t *testing.T) {
	out := loadedWarehouse(t)
	script := "SET threads = 1; SELECT 'a;b' AS first; -- a comment; with a semicolon\nSELECT current_setting('threads') AS threads, count(*) AS claims FROM claims;"
	got := mustCLI(t, "query", "--out", out, "--format", "csv", script)
	if want := "first\na;b\nthreads,claims\n1,1\n"; got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
	got = mustCLI(t, "query", "--out", out, "SELECT 1 AS a; SELECT 2 AS b")
	if want := "a\n-\n1\n(1 row)\n\nb\n-\n2\n(1 row)\n"; got != want {
		t.Errorf("tables:\n%s\nwant:\n%s", got, want)
	}
	code, stdout, stderr := cli(t, "query", "--out", out, "--format", "csv", "SELECT 1 AS a;\nSELEC 2")
	if code != exitFailed || stdout != "a\n1\n" || !strings.Contains(stderr, "SQL error in statement 2 (line 2)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := cliIn(t, strings.NewReader("-- nothing but a comment;"), "query", "--out", out); code != exitUsage || !strings.Contains(stderr, "no statement") {
		t.Errorf("comment only: exit %d, %q", code, stderr)
	}
}

// TestQueryInput: the SQL comes from the argument, --file (-f), --file -,
// the argument - or standard input when no SQL is given, as psql and the
// duckdb CLI read it.
func TestQueryInput(t *testing.T) {
	out := loadedWarehouse(t)
	file := filepath.Join(t.TempDir(), "q.sql")
	if err := os.WriteFile(file, []byte("SELECT 1 AS one;\nSELECT eob_id FROM claims;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const want = "one\n1\neob_id\ncarrier-1\n"
	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"--file", "", []string{"--file", file}},
		{"-f", "", []string{"-f", file}},
		{"--file -", "SELECT 1 AS one; SELECT eob_id FROM claims", []string{"--file", "-"}},
		{"argument -", "SELECT 1 AS one; SELECT eob_id FROM claims", []string{"-"}},
		{"standard input", "SELECT 1 AS one; SELECT eob_id FROM claims", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"query", "--out", out, "--format", "csv"}, tt.args...)
			code, stdout, stderr := cliIn(t, strings.NewReader(tt.stdin), args...)
			if code != 0 || stdout != want {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
			}
		})
	}
	for _, args := range [][]string{{"--file", file, "SELECT 1"}, {"--file", filepath.Join(t.TempDir(), "none.sql")}} {
		if code, _, stderr := cliIn(t, strings.NewReader(""), append([]string{"query", "--out", out}, args...)...); code != exitUsage {
			t.Errorf("%q: exit %d, %s", args, code, stderr)
		}
	}
	if code, _, stderr := cliIn(t, strings.NewReader(""), "query", "--out", out); code != exitUsage || !strings.Contains(stderr, "no statement") {
		t.Errorf("empty standard input: exit %d, %s", code, stderr)
	}
}

// TestQueryFormats: --format vertical and its duckdb CLI name line, and a
// table that fits $COLUMNS when standard output is a file.
func TestQueryFormats(t *testing.T) {
	out := loadedWarehouse(t)
	q := "SELECT eob_id, claim_type, 1.5 AS x FROM claims"
	want := "    eob_id = carrier-1\nclaim_type = CARRIER\n         x = 1.5\n\n(1 row)\n"
	for _, f := range []string{"vertical", "line"} {
		if got := mustCLI(t, "query", "--out", out, "--format", f, q); got != want {
			t.Errorf("--format %s:\n%s\nwant:\n%s", f, got, want)
		}
	}
	t.Setenv("COLUMNS", "24")
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var errb bytes.Buffer
	if code := run(context.Background(), []string{"query", "--out", out, q}, nil, f, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	for _, l := range lines {
		if len([]rune(l)) > 24 {
			t.Errorf("line of %d cells at COLUMNS=24: %q", len([]rune(l)), l)
		}
	}
	if !strings.HasPrefix(lines[0], "eob_id    | claim_type") || !strings.Contains(string(got), "not shown") || !strings.Contains(string(got), ": x") {
		t.Errorf("table at COLUMNS=24:\n%s", got)
	}
}

// TestRunsColumns: runs shows the client, contract and _since/_until
// window of each run, and its JSON has numbers as numbers.
func TestRunsColumns(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--since", "2021-01-02", "--until", "2030-01-01T00:00:00Z", "--out", out)
	got := mustCLI(t, "runs", "--out", out, "--format", "json")
	cl, _ := sandbox.ClientByContract("Z0000")
	for _, want := range []string{`"command":"run"`, `"status":"succeeded"`, `"contract":"Z0000"`, `"client_id":"` + cl.ID + `"`,
		`"since":"2021-01-02T00:00:00Z"`, `"until":"2030-01-01T00:00:00Z"`, `"files":1,`, `"rejects":0,`, `"export_errors":0,`} {
		if !strings.Contains(got, want) {
			t.Errorf("runs lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "1 files") {
		t.Errorf("runs: %s", got)
	}
}

// TestFlagsAnywhere: flags after the SQL or the paths are flags, as in gh,
// rclone, dbt and the duckdb CLI (a --format after the SQL was a SQL
// comment, and load FILE --out DIR failed with "stat --out").
func TestFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "wh")
	mustCLI(t, "load", in, "--out", out)
	if got := mustCLI(t, "query", "SELECT count(*) AS n FROM claims", "--out", out, "--format", "csv"); got != "n\n1\n" {
		t.Errorf("query SQL --format csv: %q", got)
	}
}
