package sandbox

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Download error texts of the service (reference/ab2d-api.md §4.4), verbatim.
const (
	msgMaxDownloads = "The file has already been download the maximum number of allowed times."
	msgExpired      = "The file is not present as it has expired. Please resubmit the job."
	msgFileError    = "The file is not present as there was an error. Please resubmit the job."
	ndjsonType      = "application/fhir+ndjson"
)

// acceptsGzip reports whether a comma-separated token of Accept-Encoding,
// trimmed, equals "gzip" (case-insensitive), as the service decides: a token
// with parameters such as "gzip;q=1.0" does not match.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "gzip") {
				return true
			}
		}
	}
	return false
}

// acceptsNDJSON reports whether the Accept header allows application/fhir+ndjson.
func acceptsNDJSON(r *http.Request) bool {
	vals := r.Header.Values("Accept")
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		for _, rng := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(rng, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "*/*", "application/*", ndjsonType, "":
				return true
			}
		}
	}
	return false
}

// download is what a download needs to know of a file, copied under the lock.
type download struct {
	file     *outFile
	path     string
	name     string
	length   int64
	gzLength int64
}

// handleDownload serves GET /Job/{id}/file/{name}. Every error has an
// OperationOutcome body.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request, _ apiVersion, cl *Client) {
	id, name := r.PathValue("id"), r.PathValue("name")
	if !acceptsNDJSON(r) {
		writeOutcome(w, http.StatusNotAcceptable, "invalid", "No acceptable representation; this endpoint produces "+ndjsonType)
		return
	}
	if !isUUID(id) {
		writeOutcome(w, http.StatusNotFound, "invalid", "Invalid job UUID provided: '"+id+"'")
		return
	}
	now := s.now()
	s.mu.Lock()
	j := s.jobs[strings.ToLower(id)]
	if j == nil {
		s.mu.Unlock()
		writeOutcome(w, http.StatusNotFound, "invalid", "No job with jobUuid "+id+" was found")
		return
	}
	if j.client != cl {
		s.mu.Unlock()
		writeOutcome(w, http.StatusForbidden, "invalid", "Unauthorized")
		return
	}
	var f *outFile
	if s.stateLocked(j, now) == statusSuccessful {
		for _, o := range j.files {
			if o.name == name {
				f = o
			}
		}
	}
	if f == nil {
		s.mu.Unlock()
		writeOutcome(w, http.StatusNotFound, "invalid", "No Job Output with the file name "+name+" exists in our records")
		return
	}
	if s.cfg.MaxDownloads > 0 && f.downloads >= s.cfg.MaxDownloads {
		s.mu.Unlock()
		writeOutcome(w, http.StatusInternalServerError, "invalid", msgMaxDownloads)
		return
	}
	if now.After(j.expiresAt) {
		if !j.purged {
			j.purged = true
			os.RemoveAll(j.dir)
		}
		s.mu.Unlock()
		writeOutcome(w, http.StatusInternalServerError, "invalid", msgExpired)
		return
	}
	d := download{file: f, path: f.path, name: f.name, length: f.length, gzLength: f.gzLength}
	s.mu.Unlock()

	ft := s.fault("download", nil)
	if ft != nil && ft.status != 0 {
		if ft.status == http.StatusTooManyRequests {
			ra := retryAfterSeconds(s.cfg.RetryAfter)
			if ft.retry > 0 {
				ra = strconv.Itoa(ft.retry)
			}
			w.Header().Set("Retry-After", ra)
			writeOutcome(w, http.StatusTooManyRequests, "invalid", "Too many requests")
		} else {
			faultStatus(w, ft.status)
		}
		return
	}
	fh, err := os.Open(d.path)
	if err != nil {
		writeOutcome(w, http.StatusInternalServerError, "invalid", msgFileError)
		return
	}
	defer fh.Close()
	if s.serveFile(w, r, fh, d, ft) {
		s.mu.Lock()
		f.downloads++
		s.mu.Unlock()
		s.log.Info("sandbox file downloaded", "job", j.id, "file", d.name, "downloads", f.downloads)
	}
}

// serveFile writes the file's body, gzip-compressed if the client accepts
// gzip, applying a body fault. It reports whether the whole body was sent.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, fh *os.File, d download, ft *Fault) bool {
	gz := acceptsGzip(r)
	h := w.Header()
	h.Set("Content-Type", ndjsonType)
	h.Set("Content-Disposition", `inline; swaggerDownload="attachment"; filename="`+d.name+`"`)
	h.Set("Vary", "Accept-Encoding")
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	var body io.Reader = fh
	size := d.gzLength
	if !gz || (ft != nil && ft.Kind == "corrupt") {
		zr, err := gzip.NewReader(fh)
		if err != nil {
			h.Del("Content-Encoding")
			writeOutcome(w, http.StatusInternalServerError, "invalid", msgFileError)
			return false
		}
		defer zr.Close()
		body, size = zr, d.length
	}
	kind := ""
	if ft != nil {
		kind = ft.Kind
	}
	switch kind {
	case "corrupt":
		body = &flipReader{r: body, at: int64(ft.at * float64(d.length))}
		if gz { // re-compress on the fly: the length is not known in advance
			w.WriteHeader(http.StatusOK)
			zw := gzip.NewWriter(w)
			_, err := io.Copy(zw, body)
			return err == nil && zw.Close() == nil
		}
	case "reset", "truncate":
		n := int64(ft.at * float64(size))
		if ft.after >= 0 {
			n = ft.after
		}
		n = max(min(n, size-1), 0)
		if kind == "reset" {
			s.resetAfter(w, body, size, n)
			return false
		}
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		io.CopyN(w, body, n)
		// Returning short of Content-Length makes net/http close the
		// connection: the client sees an unexpected EOF.
		return false
	case "slow":
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		return s.slowCopy(r, w, body, size, ft.bps)
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	n, err := io.Copy(w, body)
	return err == nil && n == size
}

// resetAfter sends the response head and n bytes of body, then resets the
// TCP connection (RST, by closing with SO_LINGER 0).
func (s *Server) resetAfter(w http.ResponseWriter, body io.Reader, size, n int64) {
	h := w.Header()
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	hj, ok := w.(http.Hijacker)
	if !ok { // HTTP/2: abort the stream instead
		w.WriteHeader(http.StatusOK)
		io.CopyN(w, body, n)
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	writeHead(rw.Writer, h)
	io.CopyN(rw.Writer, body, n)
	rw.Writer.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
}

// writeHead writes an HTTP/1.1 200 status line and h.
func writeHead(bw *bufio.Writer, h http.Header) {
	fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\n")
	h.Write(bw)
	bw.WriteString("\r\n")
}

// slowCopy copies size bytes at bps bytes per second of real time.
func (s *Server) slowCopy(r *http.Request, w http.ResponseWriter, body io.Reader, size, bps int64) bool {
	// Stop when the client goes away or the server closes.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()
	rc := http.NewResponseController(w)
	chunk := max(bps/10, 1) // about ten writes a second
	var sent int64
	for sent < size {
		n, err := io.CopyN(w, body, min(chunk, size-sent))
		sent += n
		if err != nil {
			return false
		}
		if rc.Flush() != nil {
			return false
		}
		wait := time.Duration(float64(n) / float64(bps) * float64(time.Second))
		if s.sleep(ctx, wait) != nil {
			return false
		}
	}
	return true
}

// flipReader flips the low bit of the byte at offset at.
type flipReader struct {
	r       io.Reader
	at, off int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if f.at >= f.off && f.at < f.off+int64(n) {
		p[f.at-f.off] ^= 0x01
	}
	f.off += int64(n)
	return n, err
}
