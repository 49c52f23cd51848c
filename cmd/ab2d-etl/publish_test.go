package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// The publish tests' readers run in another process: the test binary
// re-executed with readerEnv set to the reader's mode (see TestMain and
// readerMain), like a BI tool beside the nightly job.
const readerEnv = "AB2D_ETL_TEST_READER"

// publishDelayEnv is load's crash-test hook: the pause at each step of
// publishing.
const publishDelayEnv = "AB2D_ETL_PUBLISH_STEP_DELAY"

// readerMain is the reader process. Arguments: the warehouse folder and a
// query returning one value. Modes:
//
//	hold  open DIR/warehouse.duckdb read-only, keep one connection, and run
//	      the query on it for each line read from stdin, printing its value
//	loop  until stdin closes: resolve DIR/current/latest, open
//	      DIR/warehouse.duckdb read-only, run the query, also on the
//	      resolved snapshot's Parquet (every table's rows, counted), close;
//	      print "state DB|PARQUET" when it changed, "error …" on any error,
//	      and "iterations N" at the end
func readerMain(mode string, args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "reader: want DIR QUERY")
		return 2
	}
	dir, query := args[0], args[1]
	ctx := context.Background()
	path := filepath.Join(dir, load.DBFile) + "?access_mode=read_only"
	in := bufio.NewScanner(os.Stdin)
	switch mode {
	case "hold":
		db, err := sql.Open("duckdb", path)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		defer db.Close()
		conn, err := db.Conn(ctx)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		defer conn.Close()
		for in.Scan() {
			var v string
			if err := conn.QueryRowContext(ctx, query).Scan(&v); err != nil {
				fmt.Println("error", err)
				continue
			}
			fmt.Println(v)
		}
		return 0
	case "loop":
		done := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(done)
		}()
		last, n := "", 0
		for {
			select {
			case <-done:
				fmt.Println("iterations", n)
				return 0
			default:
			}
			n++
			state, err := readPublished(ctx, dir, path, query)
			if err != nil {
				fmt.Println("error", strings.ReplaceAll(err.Error(), "\n", " "))
				continue
			}
			if state != last {
				fmt.Println("state", state)
				last = state
			}
		}
	}
	fmt.Fprintln(os.Stderr, "reader: unknown mode", mode)
	return 2
}

// readPublished is one iteration of the loop reader: a new connection to the
// published file, and the Parquet snapshot `latest` points to, resolved
// once, as README tells Parquet readers to.
func readPublished(ctx context.Context, dir, path, query string) (string, error) {
	snap, err := filepath.EvalSymlinks(filepath.Join(dir, load.CurrentDir, load.LatestLink))
	if err != nil {
		return "", err
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return "", err
	}
	var v, p string
	err = db.QueryRowContext(ctx, query).Scan(&v)
	if err == nil {
		err = db.QueryRowContext(ctx, parquetState(snap)).Scan(&p)
	}
	return v + "|" + p, errors.Join(err, db.Close())
}

// parquetState counts the rows of claims, claim_lines and loads in a
// current-state snapshot.
func parquetState(snap string) string {
	var parts []string
	for _, t := range []string{"claims", "claim_lines", "loads"} {
		parts = append(parts, fmt.Sprintf("(SELECT count(*) FROM read_parquet('%s'))", filepath.Join(snap, t, "*.parquet")))
	}
	return "SELECT " + strings.Join(parts, " || '/' || ")
}

// reader is a reader process of the test.
type reader struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startReader(t *testing.T, mode, dir, query string) *reader {
	t.Helper()
	cmd := exec.Command(os.Args[0], dir, query)
	cmd.Env = append(os.Environ(), readerEnv+"="+mode)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &reader{t: t, cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill() // ends a reader a failed test left running
		_ = cmd.Wait()
	})
	return r
}

// line returns the reader's next line of output.
func (r *reader) line() string {
	r.t.Helper()
	if !r.out.Scan() {
		r.t.Fatalf("reader ended: %v", r.out.Err())
	}
	return r.out.Text()
}

// ask makes a holding reader run its query again and returns the value.
func (r *reader) ask() string {
	r.t.Helper()
	if _, err := io.WriteString(r.stdin, "\n"); err != nil {
		r.t.Fatal(err)
	}
	return r.line()
}

// stop closes the reader's stdin and returns the rest of its output.
func (r *reader) stop() []string {
	r.t.Helper()
	if err := r.stdin.Close(); err != nil {
		r.t.Fatal(err)
	}
	var rest []string
	for r.out.Scan() {
		rest = append(rest, r.out.Text())
	}
	if err := r.cmd.Wait(); err != nil {
		r.t.Fatalf("reader: %v (%q)", err, rest)
	}
	return rest
}

// TestReaderHeldThroughRuns is issue #12's check: another process holds
// DIR/warehouse.duckdb read-only while `run --sandbox` runs twice into the
// same DIR. Both runs succeed, the held connection keeps working on the
// snapshot it opened, and a new connection sees every claim.
func TestReaderHeldThroughRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	dir := t.TempDir()
	out, full := filepath.Join(dir, "wh"), filepath.Join(dir, "full")
	run := func(out string, args ...string) {
		mustCLI(t, append([]string{"run", "--sandbox", "--sandbox-job-seconds", "0", "--out", out}, args...)...)
	}
	run(full, "--since", "none")
	run(out, "--since", "none", "--until", "2023-06-30T00:00:00Z")
	const q = "SELECT count(*) || '/' || count(DISTINCT eob_id) || '/' || coalesce(sum(hash(eob_id, status, last_updated)), 0) FROM claims"
	r := startReader(t, "hold", out, q)
	before := r.ask()
	if strings.HasPrefix(before, "0/") || strings.HasPrefix(before, "error") {
		t.Fatalf("the reader sees %q after the first run", before)
	}
	run(out, "--since", "2023-06-30T00:00:00Z")
	run(out) // --since auto
	if got := r.ask(); got != before {
		t.Errorf("the held connection sees %q after the runs, want its snapshot %q", got, before)
	}
	if got, want := queryCSV(t, out, q), queryCSV(t, full, q); got != want || got == before {
		t.Errorf("a new connection sees %q, want every claim: %q (held: %q)", got, want, before)
	}
	if got := queryCSV(t, out, "SELECT string_agg(status, ' ' ORDER BY started_at) FROM runs"); got != "succeeded succeeded succeeded" {
		t.Errorf("runs: %s", got)
	}
	r.stop()
}

// stateQuery is the state a reader compares: claims, loads and runs of the
// published file, from one connection.
const stateQuery = "SELECT (SELECT count(*) FROM claims) || '/' || (SELECT count(*) FROM loads) || '/' || (SELECT count(*) FROM runs)"

// writeEOBs writes n copies of goodEOB with ids prefix-0 … prefix-(n-1).
func writeEOBs(t *testing.T, path, prefix string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Replace(goodEOB, `"carrier-1"`, strconv.Quote(prefix+"-"+strconv.Itoa(i)), 1))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// publishedState returns the state of the published file and of the
// Parquet snapshot `latest` points to, as a reader would see them.
func publishedState(t *testing.T, out string) string {
	t.Helper()
	snap, err := filepath.EvalSymlinks(filepath.Join(out, load.CurrentDir, load.LatestLink))
	if err != nil {
		t.Fatal(err)
	}
	return queryCSV(t, out, stateQuery) + "|" + queryCSV(t, out, parquetState(snap))
}

// TestReadersDuringPublish: connections opened one after the other by
// another process while a load publishes (slowed down step by step) each
// see the state before the load or after it, in the database and in the
// Parquet snapshot: never an error, never a mix.
func TestReadersDuringPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "wh")
	a, b := filepath.Join(dir, "a.ndjson"), filepath.Join(dir, "b.ndjson")
	writeEOBs(t, a, "a", 300)
	writeEOBs(t, b, "b", 200)
	mustCLI(t, "load", "--out", out, a)
	before := publishedState(t, out)
	r := startReader(t, "loop", out, stateQuery)
	if got := r.line(); got != "state "+before {
		t.Fatalf("reader: %q, want state %s", got, before)
	}
	t.Setenv(publishDelayEnv, "5ms")
	mustCLI(t, "load", "--out", out, b)
	after := publishedState(t, out)
	if after == before {
		t.Fatalf("the load changed nothing: %s", after)
	}
	// Every state the reader reports until it sees the final one, then
	// the rest of its output. The database and the Parquet snapshot are
	// published one after the other: each must be before or after.
	var seen []string
	for {
		l := r.line()
		seen = append(seen, l)
		if l == "state "+after || strings.HasPrefix(l, "iterations") {
			break
		}
	}
	seen = append(seen, r.stop()...)
	for _, l := range seen {
		if strings.HasPrefix(l, "iterations") {
			continue
		}
		db, pq := splitState(strings.TrimPrefix(l, "state "))
		if !strings.HasPrefix(l, "state ") || (db != dbPart(before) && db != dbPart(after)) || (pq != pqPart(before) && pq != pqPart(after)) {
			t.Errorf("reader saw %q; want each part as before (%q) or after (%q)", l, before, after)
		}
	}
	if last := seen[len(seen)-2]; last != "state "+after {
		t.Errorf("the reader's last state is %q, want %q", last, after)
	}
	t.Logf("reader output after %q: %q", before, seen)
}

// TestKillDuringPublish kills `load` (SIGKILL) at random moments while it
// publishes, slowed down step by step. After each kill the published
// database opens and holds the state before the load or after it, so does
// the Parquet snapshot `latest` points to, and the next load completes and
// publishes the state after.
func TestKillDuringPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, seed))
	dir := t.TempDir()
	out := filepath.Join(dir, "wh")
	first := filepath.Join(dir, "first.ndjson")
	writeEOBs(t, first, "first", 100)
	mustCLI(t, "load", "--out", out, first)
	const delay = 10 * time.Millisecond
	for i := range 6 {
		in := filepath.Join(dir, fmt.Sprintf("in%d.ndjson", i))
		writeEOBs(t, in, fmt.Sprintf("f%d", i), 100)
		before := publishedState(t, out)

		cmd := exec.Command(os.Args[0], "load", "--out", out, in)
		cmd.Env = append(os.Environ(), "AB2D_ETL_MAIN=1", publishDelayEnv+"="+delay.String())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			_ = cmd.Wait() // killed, or finished first: both are fine
			close(exited)
		}()
		// Wait until it publishes (its copy appears in the writer's
		// folder), then kill it after a random number of steps. Polling
		// observes progress; nothing is timed.
		for !publishing(out) && !isClosed(exited) {
			time.Sleep(time.Millisecond)
		}
		// Half the kills within the first steps (the database's copy, a
		// MiB a step), the others anywhere (the Parquet snapshot).
		steps := 60
		if rnd.IntN(2) == 0 {
			steps = 6
		}
		time.Sleep(time.Duration(rnd.IntN(steps)) * delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited

		killed := publishedState(t, out)
		mustCLI(t, "load", "--out", out, in) // completes what was killed
		after := publishedState(t, out)
		// The load committed before it published, so the rerun skips the
		// file and adds only its run row: the state after the killed load
		// has one run less than after the rerun.
		db, pq := splitState(killed)
		okDB := db == dbPart(before) || db == runsMinusOne(after)
		okPQ := pq == pqPart(before) || pq == pqPart(after)
		if !okDB || !okPQ {
			t.Errorf("kill %d: published %q, want the state before (%q) or after (%q)", i, killed, before, after)
		}
		t.Logf("kill %d: %s (before %s, after %s)", i, killed, before, after)
		if publishing(out) {
			t.Errorf("kill %d: the rerun left temporary files in %s", i, load.WriterDir)
		}
	}
}

// publishing reports whether a publish is under way in the warehouse: its
// temporary copy or snapshot is in the writer's folder.
func publishing(out string) bool {
	for _, pattern := range []string{"publish-*.tmp", "takeover-*.tmp", "snapshot-*.tmp", "latest.tmp"} {
		// Not *.tmp: DuckDB spills into writer.duckdb.tmp.
		if found, _ := filepath.Glob(filepath.Join(out, load.WriterDir, pattern)); len(found) > 0 {
			return true
		}
	}
	return false
}

// isClosed reports whether c is closed.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// splitState splits "claims/loads/runs|parquet" into its two parts.
func splitState(s string) (string, string) {
	db, pq, _ := strings.Cut(s, "|")
	return db, pq
}

func dbPart(s string) string { db, _ := splitState(s); return db }

func pqPart(s string) string { _, pq := splitState(s); return pq }

// runsMinusOne is the database part of a state with one run less: the
// state after the killed load, whose rerun added a run.
func runsMinusOne(s string) string {
	f := strings.Split(dbPart(s), "/")
	n, _ := strconv.Atoi(f[2])
	return f[0] + "/" + f[1] + "/" + strconv.Itoa(n-1)
}

// TestTakeOverWhileHeld: the first command of this version on a warehouse
// of the previous one (DIR/warehouse.duckdb the writer's own file, no
// DIR/.ab2d) while a dashboard holds that file read-only succeeds without
// losing a row; the dashboard keeps its snapshot and a new connection sees
// the old rows and the new.
func TestTakeOverWhileHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess")
	}
	dir := t.TempDir()
	src, out := filepath.Join(dir, "src"), filepath.Join(dir, "wh")
	a, b := filepath.Join(dir, "a.ndjson"), filepath.Join(dir, "b.ndjson")
	writeEOBs(t, a, "a", 30)
	writeEOBs(t, b, "b", 20)
	mustCLI(t, "load", "--out", src, a)
	// The previous version's layout: its database at DIR/warehouse.duckdb,
	// beside the Parquet history.
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(out, "parquet"), os.DirFS(filepath.Join(src, "parquet"))); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join(src, load.WriterDir, "writer.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, load.DBFile), old, 0o600); err != nil {
		t.Fatal(err)
	}
	const q = "SELECT count(*) FROM claims"
	r := startReader(t, "hold", out, q)
	if got := r.ask(); got != "30" {
		t.Fatalf("the reader sees %q claims in the old warehouse, want 30", got)
	}
	mustCLI(t, "load", "--out", out, b)
	if got := r.ask(); got != "30" {
		t.Errorf("the held connection sees %q claims, want its 30", got)
	}
	if got := queryCSV(t, out, "SELECT (SELECT count(*) FROM claims) || '/' || (SELECT count(*) FROM loads)"); got != "50/2" {
		t.Errorf("a new connection sees %q claims/loads, want 50/2", got)
	}
	if got := queryCSV(t, out, fmt.Sprintf("SELECT count(*) FROM read_parquet('%s')", filepath.Join(out, "parquet", "claims", "*", "*.parquet"))); got != "50" {
		t.Errorf("Parquet history: %s claims, want 50", got)
	}
	r.stop()
}
