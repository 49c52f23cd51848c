package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/sandbox"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// tokenRecorder wraps the sandbox and remembers every access token it
// issues, so a test can search for them.
type tokenRecorder struct {
	h      http.Handler
	mu     sync.Mutex
	tokens []string
}

func (tr *tokenRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != sandbox.TokenPath {
		tr.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, r)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &body) == nil && body.AccessToken != "" {
		tr.mu.Lock()
		tr.tokens = append(tr.tokens, body.AccessToken)
		tr.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func newRecordingSandbox(t *testing.T, cfg sandbox.Config) (*httptest.Server, *tokenRecorder) {
	t.Helper()
	cfg.Source = sandbox.SyntheticSource()
	cfg.Seed = 1
	cfg.MaxDownloads = 6
	cfg.RetryAfter = time.Second
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := &tokenRecorder{h: sb}
	srv := httptest.NewServer(tr)
	t.Cleanup(func() {
		srv.Close()
		_ = sb.Close()
	})
	return srv, tr
}

// TestSecretsNeverLeak runs extract, run, load, query and runs with a known
// client secret, including failing runs (a wrong secret, a refused file),
// and searches stdout, stderr, the log, the warehouse, the landing zone and
// /proc/<pid>/cmdline for the secret and every access token issued: zero
// hits. (Checked to fail when the secret is logged once.)
func TestSecretsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocesses")
	}
	srv, tr := newRecordingSandbox(t, sandbox.Config{Faults: mustFaults(t, "download:500:nth=1")})
	cl, _ := sandbox.ClientByContract("Z0000")
	dir := t.TempDir()
	out := filepath.Join(dir, "wh")
	credFile := filepath.Join(dir, "creds")
	if err := os.WriteFile(credFile, []byte("AB2D_CLIENT_ID="+cl.ID+"\nAB2D_CLIENT_SECRET="+cl.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	api := []string{"--api-url", srv.URL + "/api/v2/fhir", "--token-url", srv.URL + sandbox.TokenPath, "--out", out}
	envCreds := []string{"AB2D_CLIENT_ID=" + cl.ID, "AB2D_CLIENT_SECRET=" + cl.Secret}
	type invocation struct {
		args []string
		env  []string
	}
	runs := []invocation{
		{append([]string{"extract", "--log-format", "json"}, api...), envCreds},
		{append([]string{"run", "--credentials-file", credFile}, api...), nil},
		{append([]string{"run", "--log-format", "json"}, api...), []string{"AB2D_CLIENT_ID=" + cl.ID, "AB2D_CLIENT_SECRET=wrong-" + cl.Secret}},
		{[]string{"load", "--out", out, filepath.Join(out, "landing")}, nil},
		{[]string{"query", "--out", out, "SELECT * FROM runs"}, nil},
		{[]string{"runs", "--out", out, "--format", "json"}, nil},
	}
	var captured bytes.Buffer
	for _, inv := range runs {
		cmd := exec.Command(os.Args[0], inv.args...)
		cmd.Env = append(append(os.Environ(), "AB2D_ETL_MAIN=1"), inv.env...)
		var outb, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &outb, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Sample the process's command line while it runs.
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = cmd.Wait()
		}()
		for sampling := true; sampling; {
			if b, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline"); err == nil {
				captured.Write(b)
			}
			select {
			case <-done:
				sampling = false
			case <-time.After(5 * time.Millisecond):
			}
		}
		captured.Write(outb.Bytes())
		captured.Write(errb.Bytes())
		if !strings.Contains(inv.args[0], "run") || !strings.Contains(strings.Join(inv.env, " "), "wrong-") {
			continue
		}
		if !strings.Contains(errb.String(), "check the client id and secret") {
			t.Errorf("a wrong secret does not say so: %s", errb.String())
		}
	}
	// Everything written under the warehouse: DuckDB, its WAL, Parquet,
	// the landing zone and the job state.
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || p == credFile {
			return err // folders, and current/latest: a symlink to a folder read anyway
		}
		b, err := os.ReadFile(p)
		captured.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.tokens) == 0 {
		t.Fatal("no token was issued: the runs did not reach the API")
	}
	for _, secret := range append([]string{cl.Secret}, tr.tokens...) {
		if n := bytes.Count(captured.Bytes(), []byte(secret)); n != 0 {
			t.Errorf("secret or token %.6s… found %d times in output, cmdline or files", secret, n)
		}
	}
	if !bytes.Contains(captured.Bytes(), []byte(cl.ID)) {
		t.Errorf("sanity: the client id (not secret) should appear in the runs table")
	}
}

func mustFaults(t *testing.T, specs ...string) []sandbox.Fault {
	t.Helper()
	f, err := sandbox.ParseFaults(specs)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFilesAtRest: whatever the umask, the warehouse, landing zone and job
// state are 0700 folders and 0600 files. Two layers protect this: explicit
// modes where the code creates files, and a 077 umask for what DuckDB
// creates; the test fails when both are removed (checked by hand).
func TestFilesAtRest(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	srv, _ := newRecordingSandbox(t, sandbox.Config{})
	cl, _ := sandbox.ClientByContract("Z0000")
	out := filepath.Join(t.TempDir(), "wh")
	// A permissive umask in the subprocess: sh sets it, then execs the run.
	cmd := exec.Command("sh", "-c", `umask 000 && exec "$0" "$@"`, os.Args[0], "run",
		"--api-url", srv.URL+"/api/v2/fhir", "--token-url", srv.URL+sandbox.TokenPath, "--out", out)
	cmd.Env = append(os.Environ(), "AB2D_ETL_MAIN=1", "AB2D_CLIENT_ID="+cl.ID, "AB2D_CLIENT_SECRET="+cl.Secret)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, b)
	}
	n := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		switch {
		case d.IsDir():
			want = 0o700
		case d.Type()&fs.ModeSymlink != 0:
			return nil // current/latest: a symlink's own mode means nothing on Linux
		case p == filepath.Join(out, load.DBFile):
			want = 0o400 // the published copy: read-only even for its owner
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d paths checked", n)
	}
}

// TestDatabaseHeldByAnotherProcess: the published file held read-write by
// another process (a BI tool set up to write, which mode 0400 stops unless
// it runs as root) blocks queries with a clear message, not the writer:
// load publishes a new file, which queries then open. The writer's own
// database held by another process (a second ab2d-etl) makes load fail
// with a clear message and exit 1, not hang.
func TestDatabaseHeldByAnotherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "wh")
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "load", "--out", out, in)
	sub := func(args ...string) (int, string) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "AB2D_ETL_MAIN=1")
		b, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(b)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(b)
	}
	// A command and what it must end with.
	type command struct {
		args   []string
		exit   int
		output string
	}
	// This test process plays the other one, holding a file read-write
	// through the commands of each step.
	for _, step := range []struct {
		file string
		cmds []command
	}{
		{load.DBFile, []command{
			{[]string{"query", "--out", out, "SELECT 1"}, exitFailed, "in use by another process"},
			{[]string{"load", "--force", "--out", out, in}, 0, "load succeeded"},
			{[]string{"query", "--out", out, "--format", "csv", "SELECT count(*) AS n FROM loads"}, 0, "n\n2\n"},
		}},
		{filepath.Join(load.WriterDir, "writer.duckdb"), []command{
			{[]string{"load", "--force", "--out", out, in}, exitFailed, "being written by another ab2d-etl"},
		}},
	} {
		db, err := sql.Open("duckdb", filepath.Join(out, step.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(); err != nil {
			t.Fatal(err)
		}
		for _, c := range step.cmds {
			code, output := sub(c.args...)
			if code != c.exit || !strings.Contains(output, c.output) {
				t.Errorf("%s while %s is held: exit %d, want %d with %q:\n%s", c.args[0], step.file, code, c.exit, c.output, output)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
