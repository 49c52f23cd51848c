// Package progress shows a command's progress to a person at a terminal:
// one progress bar that follows it through its phases (the export job
// running on the AB2D side, then files landing and loading), with the job
// id and how long it has run, files, bytes, EOBs and throughput, and the
// EOBs and megabytes of the file being loaded as they go. Machines get
// structured logs instead; a Bar made for a non-terminal writer shows
// nothing.
package progress

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Mode is the command a Bar follows.
type Mode int

const (
	// Load follows `load`: files read and loaded.
	Load Mode = iota
	// Run follows `run`: the export, then files landing and loading.
	Run
	// Extract follows `extract`: the export, then files landing.
	Extract
)

// barWidth is the width of the bar itself.
const barWidth = 20

// Bar is the progress display of one command. Its methods are safe for
// concurrent use; on a disabled Bar they do nothing.
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	mode   Mode
	width  int // of the terminal; 0: unknown
	now    func() time.Time
	bar    *progressbar.ProgressBar
	phase  string // "", "export" or "files"
	files  int    // in the manifest, or given to load
	landed int
	bytes  int64 // landed
	done   int   // files loaded
	eobs   int64 // in the files loaded
	// The file being loaded: its name, EOBs and uncompressed bytes so far.
	current      string
	curEOBs      int64
	curBytes     int64
	filesStarted time.Time
	shown        string // the description set last (the bar draws it when its throttle allows)
}

// New returns a Bar following a command of the given mode on w, or a
// disabled one when enabled is false.
func New(w io.Writer, enabled bool, mode Mode) *Bar {
	if !enabled {
		return &Bar{}
	}
	b := &Bar{w: w, mode: mode, now: time.Now}
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			b.width = width
		}
	}
	return b
}

// newBar replaces the bar by one counting to max.
func (b *Bar) newBar(max int64, count bool) {
	if b.bar != nil {
		_ = b.bar.Finish() // a display: nothing to do on error
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetWidth(barWidth),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
	}
	if count {
		opts = append(opts, progressbar.OptionShowCount())
	}
	b.bar = progressbar.NewOptions64(max, opts...)
}

// Export shows the export job's X-Progress percentage (negative when AB2D
// sent none), its id and how long it has been running.
func (b *Bar) Export(job string, percent int, elapsed time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil {
		return
	}
	if b.phase != "export" {
		b.phase = "export"
		b.newBar(100, false)
	}
	b.describe(exportTexts(job, elapsed))
	if percent >= 0 {
		_ = b.bar.Set(percent)
	}
}

// exportTexts describes the wait for AB2D, from the most detailed text to
// the shortest.
func exportTexts(job string, elapsed time.Duration) []string {
	e := elapsed.Round(time.Second)
	return []string{
		fmt.Sprintf("AB2D export running for %s, job %s", e, job),
		fmt.Sprintf("AB2D job %s, %s", job, e),
		fmt.Sprintf("AB2D export running for %s", e),
	}
}

// Files switches to the files phase: n files to land and load (Run), to
// land (Extract) or to load (Load).
func (b *Bar) Files(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.phase == "files" {
		return
	}
	b.phase, b.files, b.filesStarted = "files", n, b.now()
	b.newBar(int64(n), true)
	b.describe(b.texts())
}

// Landed counts a landed file of size bytes.
func (b *Bar) Landed(bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.bar == nil {
		return
	}
	b.landed++
	b.bytes += bytes
	if b.mode == Extract {
		_ = b.bar.Add(1)
	}
	b.describe(b.texts())
}

// Loading shows the progress of the file being loaded: its EOBs and
// uncompressed bytes so far.
func (b *Bar) Loading(file string, eobs, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.bar == nil {
		return
	}
	b.current, b.curEOBs, b.curBytes = filepath.Base(file), eobs, bytes
	b.describe(b.texts())
}

// Loaded counts a loaded file and its EOBs.
func (b *Bar) Loaded(eobs int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil || b.bar == nil {
		return
	}
	b.done++
	b.eobs += eobs
	b.current, b.curEOBs, b.curBytes = "", 0, 0
	_ = b.bar.Add(1)
	b.describe(b.texts())
}

// describe sets the bar's description: the first of texts that fits the
// terminal, else the last one cut to fit.
func (b *Bar) describe(texts []string) {
	if b.bar == nil {
		return
	}
	text := texts[len(texts)-1]
	for _, t := range texts {
		if b.fits(t) {
			text = t
			break
		}
	}
	b.shown = b.fit(text)
	b.bar.Describe(b.shown)
}

// texts describes the files phase, from the most detailed text to the
// shortest, e.g. for Run
//
//	landed 2/3 (19.0 MB) · Z0002_0001.ndjson.gz: 12000 EOBs, 81.0 MB · 15184 EOBs in all, 3036/s
//	landed 2/3 (19.0 MB) · Z0002_0001.ndjson.gz: 12000 EOBs, 81.0 MB
//	landed 2/3 · loading 12000 EOBs, 81.0 MB
//	12000 EOBs, 81.0 MB
//
// so that the longest that fits the terminal can be shown.
func (b *Bar) texts() []string {
	landed := fmt.Sprintf("landed %d/%d (%.1f MB)", b.landed, b.files, float64(b.bytes)/1e6)
	if b.mode == Extract {
		return []string{landed, fmt.Sprintf("landed %d/%d", b.landed, b.files)}
	}
	eobs := b.eobs + b.curEOBs
	secs := b.now().Sub(b.filesStarted).Seconds()
	total := fmt.Sprintf("%s in all, %.0f/s", count(eobs, "EOB"), float64(eobs)/max(secs, 0.001))
	if b.current == "" {
		if b.mode == Run {
			return []string{landed + " · " + total, landed}
		}
		return []string{total}
	}
	cur := fmt.Sprintf("%s, %.1f MB", count(b.curEOBs, "EOB"), float64(b.curBytes)/1e6)
	named := b.current + ": " + cur
	if b.mode == Run {
		short := fmt.Sprintf("landed %d/%d · loading %s", b.landed, b.files, cur)
		return []string{landed + " · " + named + " · " + total, landed + " · " + named, short, cur}
	}
	return []string{named + " · " + total, named, "loading " + cur, cur}
}

// count is "1 EOB", "2 EOBs".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// room is the width left for the description on a line of the terminal
// (0: unknown): the bar adds its percentage, itself and, in the files
// phase, the count of files.
func (b *Bar) room() int {
	if b.width <= 0 {
		return 0
	}
	extra := len(" 100% || ") + 2 // and a margin
	if b.phase == "files" {
		extra += len(fmt.Sprintf("(%d/%d) ", b.files, b.files))
	}
	return b.width - barWidth - extra
}

// fits reports whether s fits the terminal.
func (b *Bar) fits(s string) bool {
	return b.width <= 0 || utf8.RuneCountInString(s) <= b.room()
}

// fit cuts a description so that the line fits the terminal: a line
// longer than the terminal would wrap, and the bar could not redraw it.
func (b *Bar) fit(s string) string {
	if b.fits(s) {
		return s
	}
	room := b.room()
	if room < 2 {
		return ""
	}
	return string([]rune(s)[:room-1]) + "…"
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
