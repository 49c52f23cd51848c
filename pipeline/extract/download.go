package extract

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Landed is a downloaded file in the landing zone: complete, and verified
// against the manifest once Verified is set.
type Landed struct {
	File
	Path  string `json:"path"`  // where it is stored
	Gzip  bool   `json:"gzip"`  // stored as gzip, as the server sent it
	Bytes int64  `json:"bytes"` // bytes on disk
	// Verified says the content was checked against the manifest's sha256
	// and length (State.Verify); until then nothing may use it but a stage
	// that checks it first (File.Check), as the loader of `run` does.
	Verified bool `json:"verified"`
}

// ErrVerify reports a download whose content does not match the manifest.
var ErrVerify = errors.New("download does not match the manifest")

// RefusedError reports a file this job cannot deliver intact any more
// (AB2D's download limit reached, the job's files expired, or downloads
// that keep differing from the manifest): only a new export can get it.
type RefusedError struct {
	File   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s: this export job cannot deliver it intact (%s); nothing of it was loaded. Rerun: this job is marked failed, so the next run starts a new export that includes its data", e.File, e.Reason)
}

// maxUnknownLength caps a download whose length the manifest does not give,
// so that an endless response cannot fill the disk.
const maxUnknownLength = 64 << 30

// DownloadUnverified fetches f into dir at network speed and returns where
// it landed: the body streams to NAME.part, renamed once complete, so a
// half-written file is never taken for a landed one. It neither checks the
// content against the manifest (inflating and hashing every byte) nor syncs
// it: the caller verifies it before using it (State.Verify, or File.Check
// on the digest of what it reads) and syncs it then.
// Transient failures (network, 5xx, 429, truncation) are retried while the
// server allows; a refusal is a *RefusedError.
func (c *Client) DownloadUnverified(ctx context.Context, f File, dir string) (Landed, error) {
	var out Landed
	err := c.retry.run(ctx, "download "+f.Name, c.logRetry("download "+f.Name), func() error {
		var err error
		out, err = c.downloadOnce(ctx, f, dir)
		return err
	})
	return out, err
}

// downloadGrace is how long a download in flight may go on after an
// interruption: finishing it keeps a file AB2D may already have counted as
// downloaded (the walkthrough allows one download per file).
const downloadGrace = 30 * time.Second

// graceful returns a context that ends downloadGrace after ctx does.
func graceful(ctx context.Context) (context.Context, context.CancelFunc) {
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var timer *time.Timer
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(downloadGrace, cancel)
	})
	return dctx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

func (c *Client) downloadOnce(ctx context.Context, f File, dir string) (Landed, error) {
	if err := ctx.Err(); err != nil {
		return Landed{}, err // interrupted: start no new download
	}
	ctx, cancel := graceful(ctx)
	defer cancel()
	resp, err := c.do(ctx, http.MethodGet, f.URL, http.Header{
		// Set explicitly, so Go's transport does not decompress: the gzip
		// is kept on disk as sent, and the loader reads it.
		"Accept-Encoding": {"gzip"},
		"Accept":          {"application/fhir+ndjson"},
	})
	if err != nil {
		return Landed{}, err
	}
	defer resp.Body.Close() // read to the end or abandoned on error
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusInternalServerError:
		e := apiError("download "+f.Name, resp)
		if strings.Contains(e.Text, "maximum number of allowed times") || strings.Contains(e.Text, "expired") || strings.Contains(e.Text, "not present") {
			return Landed{}, &RefusedError{File: f.Name, Reason: e.Text}
		}
		return Landed{}, &transientError{err: e, retryAfter: parseRetryAfter(resp.Header, c.now())}
	case retryable(resp.StatusCode):
		return Landed{}, &transientError{err: apiError("download "+f.Name, resp), retryAfter: parseRetryAfter(resp.Header, c.now())}
	default:
		return Landed{}, apiError("download "+f.Name, resp)
	}

	gz := strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip")
	name := f.Name
	if gz {
		name += ".gz"
	}
	final := filepath.Join(dir, name)
	part := final + ".part"
	fh, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return Landed{}, fmt.Errorf("download %s: %w", f.Name, err)
	}
	// 1 MiB reads: a tenth of the system calls of io.Copy's 32 KiB. No
	// fsync: whoever verifies the file syncs it (a crash of the machine
	// before that leaves a file its check rejects).
	n, err := io.CopyBuffer(onlyWriter{fh}, io.LimitReader(resp.Body, maxUnknownLength+1), make([]byte, 1<<20))
	if err == nil && n > maxUnknownLength {
		err = fmt.Errorf("%w: larger than %d bytes", ErrVerify, int64(maxUnknownLength))
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(part) // never leave a half-written file
		if ctx.Err() != nil {
			return Landed{}, ctx.Err()
		}
		if errors.Is(err, os.ErrPermission) || isDiskFull(err) {
			return Landed{}, fmt.Errorf("download %s: %w", f.Name, err)
		}
		return Landed{}, &transientError{err: fmt.Errorf("download %s: %w", f.Name, err)}
	}
	if err := os.Rename(part, final); err != nil {
		return Landed{}, fmt.Errorf("download %s: %w", f.Name, err)
	}
	return Landed{File: f, Path: final, Gzip: gz, Bytes: n}, nil
}

// Verify checks a landed file against its manifest entry: the sha256 and
// length of its uncompressed content. A file that does not match, or whose
// gzip is corrupt, gives an error wrapping ErrVerify. It reads the file
// once, and stops early when ctx ends.
func Verify(ctx context.Context, l Landed) error {
	fh, err := os.Open(l.Path)
	if err != nil {
		return fmt.Errorf("verify %s: %w", l.Name, err)
	}
	defer fh.Close() // read only
	limit := int64(maxUnknownLength)
	if l.Length >= 0 {
		limit = l.Length
	}
	var r io.Reader = bufio.NewReaderSize(ctxReader{ctx, fh}, 256<<10)
	if l.Gzip {
		zr, err := gzip.NewReader(r)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("verify %s: %w: corrupt gzip: %v", l.Name, ErrVerify, err)
		}
		r = zr
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, limit+1))
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && l.Gzip:
		return fmt.Errorf("verify %s: %w: corrupt gzip: %v", l.Name, ErrVerify, err)
	case err != nil:
		return fmt.Errorf("verify %s: %w", l.Name, err)
	case n > limit:
		return fmt.Errorf("verify %s: %w: more than the %d bytes announced", l.Name, ErrVerify, limit)
	}
	if err := l.File.Check(hex.EncodeToString(h.Sum(nil)), n); err != nil {
		return fmt.Errorf("verify %s: %w", l.Name, err)
	}
	return nil
}

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// onlyWriter hides the ReaderFrom of an *os.File, whose generic path would
// copy through a 32 KiB buffer of its own instead of the one given.
type onlyWriter struct{ io.Writer }

// Check compares what arrived with the manifest entry: the SHA-256 (hex)
// and length of the uncompressed content. A mismatch is an error wrapping
// ErrVerify. It is the one check of a file against its manifest, whoever
// computed the digest (Verify reading the landed file, or the loader of
// `run` while it reads it).
func (f File) Check(sum string, length int64) error {
	if f.Length >= 0 && length != f.Length {
		return fmt.Errorf("%w: %d bytes, the manifest says %d (truncated or broken transfer)", ErrVerify, length, f.Length)
	}
	if f.SHA256 != "" && sum != f.SHA256 {
		return fmt.Errorf("%w: sha256 %s, the manifest says %s", ErrVerify, sum, f.SHA256)
	}
	return nil
}

func isDiskFull(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no space left on device")
}
