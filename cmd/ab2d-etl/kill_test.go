package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGKILLMidLoad kills the real command (a subprocess) in the middle of
// a load: afterwards the database opens, holds exactly the earlier loads,
// and a rerun completes.
func TestSIGKILLMidLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and loads 100 MB")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "wh")
	small := filepath.Join(dir, "small.ndjson")
	if err := os.WriteFile(small, []byte(goodEOB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "load", "--out", out, small)

	big := filepath.Join(dir, "big.ndjson")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const n = 150000
	for i := range n {
		w.WriteString(strings.Replace(goodEOB, `"carrier-1"`, `"carrier-big-`+strconv.Itoa(i)+`"`, 1))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "load", "--out", out, big)
	cmd.Env = append(os.Environ(), "AB2D_ETL_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the load is visibly under way (its temporary Parquet files
	// exist), then kill it. Polling observes progress; nothing is timed.
	killed := false
	for range 60000 {
		tmps, _ := filepath.Glob(filepath.Join(out, "parquet", "*", "*", "*.tmp"))
		if len(tmps) > 0 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the load finished before it could be killed (%v); make the input larger", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("process was not killed: %v", err)
	}

	// The database opens and holds exactly the earlier load.
	got := mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT (SELECT count(*) FROM loads) || '/' || (SELECT count(*) FROM claims) AS state")
	if got != "state\n1/1\n" {
		t.Fatalf("after the kill: %q, want 1 load and 1 claim", got)
	}
	// A rerun completes and leaves no temporary file behind.
	mustCLI(t, "load", "--out", out, big)
	got = mustCLI(t, "query", "--out", out, "--format", "csv", "SELECT count(*) FROM claims")
	if got != "count_star()\n"+strconv.Itoa(n+1)+"\n" {
		t.Fatalf("after the rerun: %q", got)
	}
	if tmps, _ := filepath.Glob(filepath.Join(out, "parquet", "*", "*", "*.tmp")); len(tmps) != 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}
}
