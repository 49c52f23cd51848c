package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeBar is an enabled Bar writing to a buffer (a fake terminal of the
// given width; 0: unknown), on a clock that stands still at start+elapsed.
func fakeBar(mode Mode, width int, elapsed *time.Duration) (*Bar, *bytes.Buffer) {
	var buf bytes.Buffer
	b := New(&buf, true, mode)
	b.width = width
	start := time.Date(2026, 11, 30, 2, 30, 0, 0, time.UTC)
	b.now = func() time.Time { return start.Add(*elapsed) }
	return b, &buf
}

// TestDescriptions follows each mode through its phases and checks the
// text the bar shows, and that it reached the writer.
func TestDescriptions(t *testing.T) {
	const job = "8ed04ec4-fe5d-43e2-a060-6b920bb6be62"
	type step struct {
		at   time.Duration // the clock; the files phase begins at 0
		do   func(b *Bar)
		want string
	}
	for _, tt := range []struct {
		name  string
		mode  Mode
		width int
		steps []step
	}{
		{name: "load", mode: Load, steps: []step{
			{0, func(b *Bar) { b.Files(2) }, "0 EOBs in all, 0/s"},
			{2 * time.Second, func(b *Bar) { b.Loading("/in/a.ndjson.gz", 1, 2_500_000) }, "a.ndjson.gz: 1 EOB, 2.5 MB · 1 EOB in all, 0/s"},
			{2 * time.Second, func(b *Bar) { b.Loaded(1000) }, "1000 EOBs in all, 500/s"},
			{2 * time.Second, func(b *Bar) { b.Loading("/in/b.ndjson", 500, 1_000_000) }, "b.ndjson: 500 EOBs, 1.0 MB · 1500 EOBs in all, 750/s"},
		}},
		{name: "run", mode: Run, steps: []step{
			{0, func(b *Bar) { b.Export(job, 16, 65*time.Second) }, "AB2D export running for 1m5s, job " + job},
			{0, func(b *Bar) { b.Files(3) }, "landed 0/3 (0.0 MB) · 0 EOBs in all, 0/s"},
			{0, func(b *Bar) { b.Landed(19_000_000) }, "landed 1/3 (19.0 MB) · 0 EOBs in all, 0/s"},
			{2 * time.Second, func(b *Bar) { b.Loading("Z0002_0001.ndjson.gz", 4000, 81_000_000) }, "landed 1/3 (19.0 MB) · Z0002_0001.ndjson.gz: 4000 EOBs, 81.0 MB · 4000 EOBs in all, 2000/s"},
		}},
		{name: "run at 80 columns", mode: Run, width: 80, steps: []step{
			{0, func(b *Bar) { b.Export(job, -1, 3*time.Second) }, "AB2D job " + job + ", 3s"},
			{0, func(b *Bar) { b.Files(3); b.Landed(19_000_000) }, "landed 1/3 (19.0 MB) · 0 EOBs in all, 0/s"},
			{0, func(b *Bar) { b.Loading("Z0002_0001.ndjson.gz", 4000, 81_000_000) }, "landed 1/3 · loading 4000 EOBs, 81.0 MB"},
		}},
		{name: "extract", mode: Extract, steps: []step{
			{0, func(b *Bar) { b.Files(2) }, "landed 0/2 (0.0 MB)"},
			{0, func(b *Bar) { b.Landed(1_500_000) }, "landed 1/2 (1.5 MB)"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			elapsed := time.Duration(0)
			b, buf := fakeBar(tt.mode, tt.width, &elapsed)
			for i, s := range tt.steps {
				elapsed = s.at
				s.do(b)
				if b.shown != s.want {
					t.Errorf("step %d: description %q, want %q", i, b.shown, s.want)
				}
			}
			b.Done()
			// The first description is drawn at once (later ones are
			// throttled), and every line drawn fits the terminal.
			if first := tt.steps[0].want; !strings.Contains(buf.String(), first) {
				t.Errorf("writer got %q, want %q in it", buf.String(), first)
			}
			for _, line := range strings.Split(buf.String(), "\r") {
				if n := len([]rune(line)); tt.width > 0 && n > tt.width {
					t.Errorf("%d cells on a %d-cell terminal: %q", n, tt.width, line)
				}
			}
		})
	}
}

// TestLoadSaysNothingOfLanding: `load` reads files it did not download.
func TestLoadSaysNothingOfLanding(t *testing.T) {
	elapsed := time.Second
	b, buf := fakeBar(Load, 0, &elapsed)
	b.Files(1)
	b.Loading("x.ndjson", 10, 100)
	b.Loaded(10)
	b.Done()
	if s := buf.String(); strings.Contains(s, "landed") || !strings.Contains(s, "EOB") {
		t.Errorf("load bar: %q", s)
	}
}

// TestDisabled: a disabled Bar writes nothing and does not fail.
func TestDisabled(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, false, Run)
	b.Export("j", 50, time.Second)
	b.Files(1)
	b.Landed(1)
	b.Loading("f", 1, 1)
	b.Loaded(1)
	b.Done()
	if buf.Len() != 0 {
		t.Errorf("disabled bar wrote %q", buf.String())
	}
}
