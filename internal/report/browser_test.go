package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// screenshotsEnv names a folder to copy the browser test's screenshots
// and PDF into, for a person to look at; by default they stay in the
// test's temporary folder.
const screenshotsEnv = "AB2D_REPORT_SHOTS"

// browser starts headless Chromium (Debian's chromium package) for the
// test, with no network but loopback and nothing that phones home. Without
// Chromium the test is skipped, or fails when CI is set.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not found: CI must have it (.ci/run installs Debian's chromium package)")
		}
		t.Skip("chromium not found: install Debian's chromium package to run the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	// Start the browser now, so that a failure to start says so.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// visit is what the browser made of a page.
type visit struct {
	problems []string // console errors, exceptions, requests that left the file
	shot     []byte   // PNG of the whole page on screen
	print    []byte   // PNG of the whole page as printed (print media)
	pdf      []byte
}

// open loads the file in a new tab of the browser, offline, and records
// every console error, uncaught exception, browser log error and request
// for anything but the file itself.
func open(t *testing.T, bctx context.Context, file string) visit {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	// Create the tab, then cut it off from the network.
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: true, DownloadThroughput: -1, UploadThroughput: -1,
	}); err != nil {
		t.Fatalf("going offline: %v", err)
	}
	page := (&url.URL{Scheme: "file", Path: file}).String()
	var mu sync.Mutex // problems is written on chromedp's reading goroutine
	var problems []string
	add := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	var v visit
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				add("console.%s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			add("exception: %s", (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				add("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; u != page && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "about:") {
				add("request for %s", u)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatalf("opening %s: %v", page, err)
	}
	// One more round trip: the events the load caused have arrived.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.readyState")); err != nil {
		t.Fatal(err)
	}
	if v.shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatalf("print media: %v", err)
	}
	if v.print, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatalf("print screenshot: %v", err)
	}
	if v.pdf, err = chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground())); err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	v.problems = problems
	return v
}

// TestBrowser opens the report in headless Chromium with the network off:
// no console error, no request, and a screenshot that shows something.
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	tw := buildWarehouse(t, nil)
	_, _, doc := openReport(t, tw.dir)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("report", func(t *testing.T) {
		v := open(t, bctx, file)
		for _, p := range v.problems {
			t.Errorf("report.html: %s", p)
		}
		for name, img := range map[string][]byte{"report.png": v.shot, "report-print.png": v.print} {
			checkScreenshot(t, name, img)
			keep(t, dir, name, img)
		}
		if !bytes.HasPrefix(v.pdf, []byte("%PDF-")) {
			t.Errorf("the print to PDF gave %d bytes that are not a PDF", len(v.pdf))
		}
		keep(t, dir, "report.pdf", v.pdf)
	})

	// The check can fail: a page with each kind of problem.
	t.Run("broken page", func(t *testing.T) {
		broken := filepath.Join(dir, "broken.html")
		page := `<!DOCTYPE html><html><head><title>broken</title>
<link rel="stylesheet" href="missing.css"></head><body>
<img src="http://127.0.0.1:9/deliberately-offline.png" alt="">
<script>console.error("deliberate console error")</script>
<script>null.deliberateException</script>
</body></html>`
		if err := os.WriteFile(broken, []byte(page), 0o600); err != nil {
			t.Fatal(err)
		}
		v := open(t, bctx, broken)
		t.Logf("reported for the broken page:\n%s", strings.Join(v.problems, "\n"))
		want := []string{"console.error: \"deliberate console error\"", "exception:", "missing.css", "request for http://127.0.0.1:9/"}
		for _, w := range want {
			found := false
			for _, p := range v.problems {
				found = found || strings.Contains(p, w)
			}
			if !found {
				t.Errorf("not reported: %s; reported: %q", w, v.problems)
			}
		}
	})
}

// checkScreenshot fails unless img is a PNG of a page of some size with
// more than one colour in it.
func checkScreenshot(t *testing.T, name string, img []byte) {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	b := m.Bounds()
	if b.Dx() < 800 || b.Dy() < 2000 {
		t.Errorf("%s is %dx%d: the page did not render at full length", name, b.Dx(), b.Dy())
	}
	if colors := distinctColors(m, 3); colors < 3 {
		t.Errorf("%s has %d colours: a blank page", name, colors)
	}
}

// distinctColors counts the colours of img, up to limit.
func distinctColors(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// keep writes a file into the test's folder, and into $AB2D_REPORT_SHOTS
// when that is set.
func keep(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	dirs := []string{dir}
	if extra := os.Getenv(screenshotsEnv); extra != "" {
		dirs = append(dirs, extra)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), data, 0o600); err != nil {
			t.Error(errors.Join(fmt.Errorf("keeping %s", name), err))
		}
	}
}
