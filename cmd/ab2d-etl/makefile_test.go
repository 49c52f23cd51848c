package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeDeletesOnlyWarehouses: make demo and make clean delete the
// folder of DEMO_OUT only, and only when it holds warehouse.duckdb; an OUT
// in the environment (a common name) is never deleted.
func TestMakeDeletesOnlyWarehouses(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(env []string, args ...string) (string, error) {
		cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", root}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	dir := t.TempDir()
	precious := filepath.Join(dir, "home")
	if err := os.MkdirAll(precious, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"demo", "clean"} {
		out, err := mk([]string{"OUT=" + precious}, "-n", target)
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", target, err, out)
		}
		if strings.Contains(out, precious) || !strings.Contains(out, "./warehouse") {
			t.Errorf("OUT=%s make -n %s:\n%s", precious, target, out)
		}
	}

	// A folder that is not a warehouse is refused, and kept.
	keep := filepath.Join(precious, "notes.txt")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := mk(nil, "clean-demo", "DEMO_OUT="+precious)
	if err == nil || !strings.Contains(out, "refusing to delete "+precious) {
		t.Errorf("make clean-demo DEMO_OUT=%s: %v\n%s", precious, err, out)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a folder that is not a warehouse was deleted: %v", err)
	}
	// A warehouse is deleted; a missing folder is fine.
	wh := filepath.Join(dir, "wh")
	if err := os.MkdirAll(wh, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wh, "warehouse.duckdb"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if out, err := mk(nil, "clean-demo", "DEMO_OUT="+wh); err != nil {
			t.Errorf("make clean-demo DEMO_OUT=%s: %v\n%s", wh, err, out)
		}
		if _, err := os.Stat(wh); err == nil {
			t.Errorf("the warehouse %s is still there", wh)
		}
	}
}
