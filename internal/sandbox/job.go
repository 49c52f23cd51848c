package sandbox

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"time"
)

// Job statuses, named as the service's JobStatus enum (they appear in the
// "cannot be cancelled" message).
const (
	statusSubmitted  = "SUBMITTED"
	statusInProgress = "IN_PROGRESS"
	statusSuccessful = "SUCCESSFUL"
	statusFailed     = "FAILED"
	statusCancelled  = "CANCELLED"
)

// job is one export job. Fields after mu's comment are guarded by Server.mu.
type job struct {
	id         string
	client     *Client
	ver        apiVersion
	req        ExportRequest
	requestURL string // the kick-off URL, as in the manifest's "request"
	createdAt  time.Time
	dir        string
	cancel     context.CancelFunc
	done       chan struct{} // closed when generation has ended

	// fault decisions made at kick-off
	fail, cancelled, stall bool
	errorLines             int

	// guarded by Server.mu:
	genDone       bool
	genErr        error
	genFinishedAt time.Time
	files         []*outFile // data files, then error files
	final         string     // SUCCESSFUL, FAILED or CANCELLED once decided
	completedAt   time.Time
	expiresAt     time.Time
	lastPoll      time.Time
	purged        bool // files deleted at expiry
}

// outFile is one output file of a job, stored gzip-compressed.
type outFile struct {
	name     string // e.g. Z0000_0001.ndjson
	path     string // the .ndjson.gz on disk
	isError  bool
	length   int64  // uncompressed bytes
	gzLength int64  // stored bytes
	sha256   string // hex of the uncompressed bytes
	// guarded by Server.mu:
	downloads   int
	badChecksum bool
	badLength   bool
}

// stateLocked returns the job's status at now, deciding its outcome once the
// job has ended. s.mu must be held.
func (s *Server) stateLocked(j *job, now time.Time) string {
	if j.final != "" {
		return j.final
	}
	due := j.createdAt.Add(s.cfg.JobDuration)
	if !j.genDone || j.stall || now.Before(due) {
		if j.genDone || now.After(j.createdAt) {
			return statusInProgress
		}
		return statusSubmitted
	}
	j.completedAt = due
	if j.genFinishedAt.After(due) {
		j.completedAt = j.genFinishedAt
	}
	switch {
	case j.genErr != nil || j.fail:
		if j.genErr != nil {
			s.log.Warn("sandbox job failed", "job", j.id, "err", j.genErr)
		}
		j.final = statusFailed
		s.removeFilesLocked(j)
	case j.cancelled:
		j.final = statusCancelled
		s.removeFilesLocked(j)
	default:
		j.final = statusSuccessful
		j.expiresAt = j.completedAt.Add(s.cfg.FileTTL)
		for _, f := range j.files {
			if ft := s.fault("manifest", nil); ft != nil {
				f.badChecksum = ft.Kind == "checksum"
				f.badLength = ft.Kind == "length"
			}
		}
		s.log.Info("sandbox job completed", "job", j.id, "files", len(j.files))
	}
	return j.final
}

// active reports whether the job counts against the client's active jobs.
func (s *Server) activeLocked(j *job, now time.Time) bool {
	st := s.stateLocked(j, now)
	return st == statusSubmitted || st == statusInProgress
}

// progressLocked returns the job's percent complete: elapsed time over
// JobDuration, at most 99 while the job runs.
func (s *Server) progressLocked(j *job, now time.Time) int {
	pct := 99
	if d := s.cfg.JobDuration; d > 0 {
		el := float64(now.Sub(j.createdAt)) / float64(d) * 100
		pct = int(min(max(el, 0), 99))
	}
	return pct
}

// removeFilesLocked deletes the job's files from disk and forgets them.
func (s *Server) removeFilesLocked(j *job) {
	if !j.genDone {
		return // the generator removes them when it ends
	}
	j.files = nil
	if err := os.RemoveAll(j.dir); err != nil {
		s.log.Warn("sandbox: removing job files", "job", j.id, "err", err)
	}
}

// generate runs the Source for j and writes its files; it runs in its own
// goroutine and ends when the Source returns.
func (s *Server) generate(ctx context.Context, j *job) {
	defer s.wg.Done()
	defer close(j.done)
	files, err := s.writeFiles(ctx, j)
	if err != nil {
		os.RemoveAll(j.dir)
		files = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j.genDone = true
	j.genErr = err
	j.genFinishedAt = s.now()
	j.files = files
	if j.final != "" { // cancelled while generating
		s.removeFilesLocked(j)
	}
}

// writeFiles streams the export and the optional error lines to disk.
func (s *Server) writeFiles(ctx context.Context, j *job) (files []*outFile, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sandbox: source panicked: %v", p)
		}
	}()
	if err := os.Mkdir(j.dir, 0o700); err != nil {
		return nil, err
	}
	data := &roller{dir: j.dir, prefix: j.client.Contract + "_", suffix: ".ndjson", max: s.cfg.FileMaxBytes}
	defer data.abort()
	err = s.cfg.Source.Export(ctx, j.req, func(line []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return errors.New("sandbox: source emitted an empty line")
		}
		if bytes.IndexByte(line, '\n') >= 0 {
			return errors.New("sandbox: source emitted a line containing a line break")
		}
		return data.write(line)
	})
	if err == nil {
		err = ctx.Err() // a Source that ignored cancellation
	}
	if err != nil {
		return nil, err
	}
	if err := data.finish(); err != nil {
		return nil, err
	}
	files = data.files
	if j.errorLines > 0 {
		errs := &roller{dir: j.dir, prefix: j.client.Contract + "_", suffix: "_error.ndjson", max: s.cfg.FileMaxBytes, isError: true}
		defer errs.abort()
		for i := range j.errorLines {
			if err := errs.write(errorLine(s.cfg.Seed, j.client.Contract, i)); err != nil {
				return nil, err
			}
		}
		if err := errs.finish(); err != nil {
			return nil, err
		}
		files = append(files, errs.files...)
	}
	return files, nil
}

// errorLine returns the i-th OperationOutcome line of a job:errors fault.
func errorLine(seed int64, contract string, i int) []byte {
	bene := 10000000000000 + int64(splitmix64(uint64(seed)^uint64(i)*0x9e3779b97f4a7c15)%90000000000000)
	return marshal(map[string]any{
		"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{
			"severity": "error",
			"code":     "exception",
			"details":  map[string]string{"text": fmt.Sprintf("Error retrieving claims for Patient/-%d of contract %s (sandbox fault job:errors)", bene, contract)},
		}},
	})
}

// roller writes lines to numbered gzip files, rolling over before a file
// would exceed max uncompressed bytes, hashing the uncompressed stream.
type roller struct {
	dir, prefix, suffix string
	max                 int64
	isError             bool
	files               []*outFile

	cur *outFile
	f   *os.File
	bw  *bufio.Writer
	gz  *gzip.Writer
	h   hash.Hash
}

var newline = []byte{'\n'}

// write appends line and a newline.
func (r *roller) write(line []byte) error {
	n := int64(len(line)) + 1
	if r.cur != nil && r.cur.length > 0 && r.cur.length+n > r.max {
		if err := r.finish(); err != nil {
			return err
		}
	}
	if r.cur == nil {
		if err := r.open(); err != nil {
			return err
		}
	}
	r.h.Write(line)
	r.h.Write(newline)
	if _, err := r.gz.Write(line); err != nil {
		return err
	}
	if _, err := r.gz.Write(newline); err != nil {
		return err
	}
	r.cur.length += n
	return nil
}

// open starts the next file.
func (r *roller) open() error {
	name := fmt.Sprintf("%s%04d%s", r.prefix, len(r.files)+1, r.suffix)
	path := filepath.Join(r.dir, name+".gz")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	r.f = f
	if r.bw == nil {
		r.bw = bufio.NewWriterSize(f, 256<<10)
		r.gz, _ = gzip.NewWriterLevel(r.bw, gzip.BestSpeed)
		r.h = sha256.New()
	} else {
		r.bw.Reset(f)
		r.gz.Reset(r.bw)
		r.h.Reset()
	}
	r.cur = &outFile{name: name, path: path, isError: r.isError}
	return nil
}

// finish completes the current file, if any.
func (r *roller) finish() error {
	if r.cur == nil {
		return nil
	}
	err := r.gz.Close()
	if err == nil {
		err = r.bw.Flush()
	}
	if err == nil {
		var st os.FileInfo
		if st, err = r.f.Stat(); err == nil {
			r.cur.gzLength = st.Size()
		}
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	r.cur.sha256 = hex.EncodeToString(r.h.Sum(nil))
	r.files = append(r.files, r.cur)
	r.cur, r.f = nil, nil
	return nil
}

// abort closes an unfinished file; the caller removes the directory.
func (r *roller) abort() {
	if r.f != nil {
		r.f.Close()
		r.cur, r.f = nil, nil
	}
}
