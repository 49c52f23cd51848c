// Package progress shows a run's progress to a person at a terminal: one
// progress bar that follows the run through its phases (the export job
// running on the AB2D side, then files landing and loading), with bytes,
// EOBs and throughput. Machines get structured logs instead; a Bar made for
// a non-terminal writer shows nothing.
package progress

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Bar is the progress display of one run. Its methods are safe for
// concurrent use; on a disabled Bar they do nothing.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	bar     *progressbar.ProgressBar
	phase   string
	files   int
	landed  int
	bytes   int64
	eobs    int64
	current string // the file being loaded
	started time.Time
}

// New returns a Bar writing to w, or a disabled one when enabled is false.
func New(w io.Writer, enabled bool) *Bar {
	if !enabled {
		return &Bar{}
	}
	return &Bar{w: w, started: time.Now()}
}

func (b *Bar) newBar(max int64, desc string) {
	if b.bar != nil {
		_ = b.bar.Finish() // a display: nothing to do on error
	}
	b.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
	)
}

// Export shows the export job's X-Progress percentage and how long it has
// been running.
func (b *Bar) Export(job string, percent int, elapsed time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil {
		return
	}
	if b.phase != "export" {
		b.phase = "export"
		b.newBar(100, "")
	}
	b.bar.Describe(fmt.Sprintf("AB2D export job %s running for %s (%%)", job, elapsed.Round(time.Second)))
	if percent >= 0 {
		_ = b.bar.Set(percent)
	}
}

// Files switches to the download/load phase with the manifest's file count.
func (b *Bar) Files(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.phase == "files" {
		return
	}
	b.phase, b.files = "files", n
	b.newBar(int64(n), "files")
}

// Landed counts a landed file of size bytes.
func (b *Bar) Landed(bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil {
		return
	}
	b.landed++
	b.bytes += bytes
	b.describe()
}

// Loading shows the progress of the file being loaded: its EOBs and
// uncompressed bytes so far.
func (b *Bar) Loading(file string, eobs, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.bar == nil {
		return
	}
	b.current = fmt.Sprintf(" · %s: %d EOBs, %.1f MB", filepath.Base(file), eobs, float64(bytes)/1e6)
	b.describe()
}

// Loaded counts a loaded file and its EOBs.
func (b *Bar) Loaded(eobs int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.bar == nil {
		return
	}
	b.eobs += eobs
	b.current = ""
	_ = b.bar.Add(1)
	b.describe()
}

func (b *Bar) describe() {
	if b.bar == nil {
		return
	}
	secs := time.Since(b.started).Seconds()
	b.bar.Describe(fmt.Sprintf("landed %d/%d (%.1f MB) · loaded %d EOBs (%.0f EOBs/s)%s",
		b.landed, b.files, float64(b.bytes)/1e6, b.eobs, float64(b.eobs)/max(secs, 0.001), b.current))
}

// Done removes the bar from the terminal.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Finish()
		_ = b.bar.Clear()
	}
}
