package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFull fills a size-limited filesystem (a tmpfs, as root) so that a
// load runs out of space at different points — Parquet writing, DuckDB's
// commit — and checks that each failure is clean (exit 1, a message
// naming the problem, nothing of the file visible) and that the rerun after
// freeing space completes with the same rows as a load with room to spare.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs")
	}
	in := filepath.Join("..", "..", "testdata", "demo", "Z0000_0001.ndjson")
	ref := filepath.Join(t.TempDir(), "ref")
	mustCLI(t, "load", "--out", ref, in)
	want := warehouseDigest(t, ref)

	var used int64
	if fi, err := dirSize(ref); err == nil {
		used = fi
	}
	for _, free := range []int64{64 << 10, used / 3, used * 2 / 3} {
		t.Run(strconv.FormatInt(free>>10, 10)+"KiB", func(t *testing.T) {
			mnt := t.TempDir()
			size := used*3 + (8 << 20)
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.FormatInt(size, 10), "tmpfs", mnt).CombinedOutput(); err != nil {
				if os.Getenv("CI") != "" && os.Geteuid() == 0 {
					t.Fatalf("cannot mount a tmpfs as root: %v %s", err, out)
				}
				t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
			out := filepath.Join(mnt, "wh")
			filler := filepath.Join(mnt, "filler")
			fill(t, filler, mnt, free)
			code, _, stderr := cli(t, "load", "--out", out, in)
			if code == 0 {
				t.Skipf("the load fit in %d KiB", free>>10)
			}
			if code != exitFailed || !strings.Contains(strings.ToLower(stderr), "no space left") {
				t.Fatalf("exit %d, stderr %q; want exit 1 naming the full disk", code, stderr)
			}
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			mustCLI(t, "load", "--out", out, in)
			if got := warehouseDigest(t, out); got != want {
				t.Errorf("after freeing space: %s, want %s", got, want)
			}
			if got := queryCSV(t, out, "SELECT count(*) FROM loads"); got != "1" {
				t.Errorf("loads: %s, want 1", got)
			}
		})
	}
}

// fill writes a file in dir until only free bytes are left on its filesystem.
func fill(t *testing.T, path, dir string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail) * st.Bsize
	if avail <= free {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for n := avail - free; n > 0; n -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), n)]); err != nil {
			break
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

// TestDiskFullDuringDownload: the landing zone runs out of space while a
// file downloads; the run fails cleanly (no half-written file is kept or
// loaded) and the rerun after freeing space resumes and completes.
func TestDiskFullDuringDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs")
	}
	ref := filepath.Join(t.TempDir(), "ref")
	mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--out", ref)
	want := warehouseDigest(t, ref)

	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" && os.Geteuid() == 0 {
			t.Fatalf("cannot mount a tmpfs as root: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	out := filepath.Join(mnt, "wh")
	// An export error only: the tables compared below stay as a clean run's.
	first := filepath.Join(mnt, "first.ndjson")
	if err := os.WriteFile(first, []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","details":{"text":"x"}}]}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "load", "--out", out, first) // the warehouse exists; now the disk fills up
	filler := filepath.Join(mnt, "filler")
	fill(t, filler, mnt, 256<<10)
	code, _, stderr := cli(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--out", out)
	if code != exitFailed || !strings.Contains(strings.ToLower(stderr), "no space left") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming the full disk", code, stderr)
	}
	if parts, _ := filepath.Glob(filepath.Join(out, "landing", "*", "*.part")); len(parts) != 0 {
		t.Errorf("half-written downloads left: %v", parts)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "run", "--sandbox", "--sandbox-job-seconds", "0", "--out", out)
	if got := warehouseDigest(t, out); got != want {
		t.Errorf("after freeing space: %s, want %s", got, want)
	}
}
