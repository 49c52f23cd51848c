package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	wh := loadedWarehouse(t)
	dir := filepath.Dir(wh)

	def := filepath.Join(wh, "report.html")
	if got, want := mustCLI(t, "report", "--quiet", "--out", wh), "report: "+def+"\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	page, err := os.ReadFile(def)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(page), "<!DOCTYPE html>") || !strings.Contains(string(page), `data-total="claims">1<`) {
		t.Errorf("%s is not the report of one claim:\n%.300s", def, page)
	}
	// The page holds figures of protected health information: owner only.
	if fi, err := os.Stat(def); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, %v; want 0600", def, fi.Mode().Perm(), err)
	}

	other := filepath.Join(dir, "elsewhere.html")
	mustCLI(t, "report", "--quiet", "--out", wh, "--output", other)
	if _, err := os.Stat(other); err != nil {
		t.Error(err)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no warehouse", []string{"report", "--out", filepath.Join(dir, "none")}, exitFailed, "no warehouse"},
		{"argument", []string{"report", "--out", wh, "extra"}, exitUsage, "unexpected argument"},
		{"output folder missing", []string{"report", "--out", wh, "--output", filepath.Join(dir, "no", "r.html")}, exitFailed, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
	// Nothing half-written is left beside the report.
	left, err := filepath.Glob(filepath.Join(wh, ".report-*"))
	if err != nil || len(left) > 0 {
		t.Errorf("temporary files left: %v %v", left, err)
	}
}

// TestRunReport: run --report writes DIR/report.html at the end of a
// successful run.
func TestRunReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	code, stdout, stderr := cli(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--out", out, "--report")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "report: "+filepath.Join(out, "report.html")) || !strings.Contains(string(page), "<html") {
		t.Errorf("stdout %q; page of %d bytes", stdout, len(page))
	}
}
