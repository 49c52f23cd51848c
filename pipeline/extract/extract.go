package extract

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"
)

// Options configure Prepare.
type Options struct {
	// Landing is the landing folder (DIR/landing); each job lands in
	// Landing/<job_id>/.
	Landing string
	// MaxWait bounds the wait for the job to complete (default 30 h).
	MaxWait time.Duration
	// NewJob starts a new export even when an unfinished one for the same
	// request could be resumed.
	NewJob bool
	// OnProgress is called on every status poll while the job runs.
	OnProgress func(Progress)
}

// Defaults of the download stage and of Options.
const (
	DefaultWorkers = 4
	DefaultMaxWait = 30 * time.Hour
)

// Prepare resumes the unfinished export for r (the newest of an earlier
// run that was not loaded, did not fail and asked for the same) or starts
// one, waits until it completes and returns its state, with the manifest.
// The state is saved after every step, so a process killed at any moment
// resumes the same job.
func Prepare(ctx context.Context, c *Client, r Request, o Options) (*State, error) {
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if err := os.MkdirAll(o.Landing, 0o700); err != nil {
		return nil, fmt.Errorf("landing: %w", err)
	}
	states, err := LoadStates(o.Landing)
	if err != nil {
		return nil, err
	}
	s := resumable(states, c, r)
	if s != nil && !o.NewJob {
		c.log.Info("resuming the export job of an earlier run", "job_id", s.Job.ID, "landed", len(s.Landed))
	} else {
		known := map[string]bool{}
		for _, st := range states {
			known[st.Job.StatusURL] = true
		}
		// Adopt a running job only if no state knows it: it is then the
		// one this client started just before a crash, before its state
		// could be saved. Its parameters are checked once it completes.
		job, err := c.Kickoff(ctx, r, func(statusURL string) bool { return !known[statusURL] })
		if err != nil {
			return nil, err
		}
		s = newState(o.Landing, c, r, job)
		if err := s.Save(); err != nil {
			return nil, err
		}
		c.log.Info("export started", "job_id", job.ID, "api_version", c.APIVersion(), "since", fmtTime(r.Since), "until", fmtTime(r.Until), "type_filter", r.TypeFilter(), "adopted", job.Adopted)
	}
	if s.Manifest != nil {
		return s, nil
	}
	m, err := c.Wait(ctx, s.Job, o.MaxWait, o.OnProgress)
	if err != nil {
		if errors.Is(err, ErrJobFailed) {
			s.Failed = err.Error()
			err = errors.Join(err, s.Save())
		}
		return s, err
	}
	if s.Job.Adopted {
		if err := checkRequest(m.Request, r); err != nil {
			s.Failed = err.Error()
			return s, errors.Join(fmt.Errorf("adopted job %s: %w", s.Job.ID, err), s.Save())
		}
	}
	s.Manifest = &m
	if err := s.Save(); err != nil {
		return s, err
	}
	c.log.Info("export complete", "job_id", s.Job.ID, "files", len(m.Files), "transaction_time", m.TransactionTime)
	return s, nil
}

// Files returns the manifest's files in the order to fetch them: those an
// earlier run landed first (they need no download), then the data files,
// then the error files.
func (s *State) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var earlier, data, errorFiles []File
	for _, f := range s.Manifest.Files {
		l, ok := s.Landed[f.Name]
		switch {
		case ok && landedOnDisk(l):
			earlier = append(earlier, f)
		case f.Error:
			errorFiles = append(errorFiles, f)
		default:
			data = append(data, f)
		}
	}
	return append(append(earlier, data...), errorFiles...)
}

// Fetch returns f landed: as an earlier run left it when it is on disk
// (resumed), else downloaded now into the job's folder, at network speed
// and unverified (see Client.DownloadUnverified), and recorded. A refusal
// of AB2D to serve the file is recorded as the job's failure, so that the
// next run starts a new export.
func (s *State) Fetch(ctx context.Context, c *Client, f File) (l Landed, resumed bool, err error) {
	s.mu.Lock()
	l, ok := s.Landed[f.Name]
	s.mu.Unlock()
	if ok && landedOnDisk(l) {
		return l, true, nil
	}
	if l, err = c.DownloadUnverified(ctx, f, s.dir); err != nil {
		return l, false, s.failed(err)
	}
	return l, false, s.Land(l)
}

// Verify checks a landed file against the manifest (unless it was
// verified before), downloading it again while it does not match (see
// settle), syncs it to disk and records it verified.
func (s *State) Verify(ctx context.Context, c *Client, l Landed) (Landed, error) {
	if l.Verified {
		return l, nil
	}
	return s.settle(ctx, c, l, Verify(ctx, l))
}

// Redownload is Verify for a file that a later stage checked itself and
// found not to match the manifest (mismatch says how): the loader of
// `run`, which inflates every byte anyway and so checks landed files as
// it reads them.
func (s *State) Redownload(ctx context.Context, c *Client, l Landed, mismatch error) (Landed, error) {
	if !errors.Is(mismatch, ErrVerify) {
		mismatch = fmt.Errorf("%w: %v", ErrVerify, mismatch)
	}
	return s.settle(ctx, c, l, mismatch)
}

// settle records the outcome of settleFile: the verified file, or the
// job's failure when only a new export can help.
func (s *State) settle(ctx context.Context, c *Client, l Landed, checked error) (Landed, error) {
	v, err := c.settleFile(ctx, l, checked)
	if err != nil {
		return v, s.failed(err)
	}
	return v, s.Land(v)
}

// maxVerifyAttempts bounds the downloads of a file that keeps arriving
// different from what the manifest says.
const maxVerifyAttempts = 3

// settleFile takes l and the result of its check: while the check finds a
// mismatch, it downloads the file again and checks again, at most
// maxVerifyAttempts downloads in all; a verified file is synced.
func (c *Client) settleFile(ctx context.Context, l Landed, checked error) (Landed, error) {
	for attempt := 1; ; attempt++ {
		if checked == nil {
			if err := syncFile(l.Path); err != nil {
				return l, fmt.Errorf("landing %s: %w", l.Name, err)
			}
			l.Verified = true
			return l, nil
		}
		if !errors.Is(checked, ErrVerify) {
			return l, checked
		}
		if attempt == maxVerifyAttempts {
			// The job's copy itself is wrong, or the manifest: only a new
			// export can help. The wrong copy goes.
			if err := os.Remove(l.Path); err != nil {
				return l, fmt.Errorf("download %s: %w", l.Name, err)
			}
			return l, &RefusedError{File: l.Name, Reason: fmt.Sprintf("it did not match the manifest in %d downloads: %v", attempt, checked)}
		}
		c.log.Warn("a downloaded file does not match the manifest; downloading it again", "file", l.Name, "attempt", attempt, "err", checked.Error())
		if err := os.Remove(l.Path); err != nil {
			return l, fmt.Errorf("download %s: %w", l.Name, err)
		}
		var err error
		if l, err = c.DownloadUnverified(ctx, l.File, filepath.Dir(l.Path)); err != nil {
			return l, err
		}
		checked = Verify(ctx, l)
	}
}

// resumable returns the newest unfinished, resumable state of the same
// request, or nil.
func resumable(states []*State, c *Client, r Request) *State {
	var best *State
	for _, s := range states {
		if s.Loaded || s.Failed != "" || !s.matches(c.ClientID(), c.api.String(), r) {
			continue
		}
		if best == nil || s.Updated.After(best.Updated) {
			best = s
		}
	}
	return best
}

// MarkLoaded records that every file of the job is in the warehouse.
func (s *State) MarkLoaded() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Loaded = true
	return s.save()
}

// Land records a landed file (after a download or a re-download).
func (s *State) Land(l Landed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Landed[l.Name] = l
	return s.save()
}

// failed records why the job cannot be completed when err is a refusal
// (only a new export can get the file), and returns err with the job id.
func (s *State) failed(err error) error {
	err = fmt.Errorf("job %s: %w", s.Job.ID, err)
	var re *RefusedError
	if !errors.As(err, &re) {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Failed = err.Error()
	return errors.Join(err, s.save())
}

// syncFile flushes a landed file to disk.
func syncFile(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(fh.Sync(), fh.Close())
}

func landedOnDisk(l Landed) bool {
	fi, err := os.Stat(l.Path)
	return err == nil && fi.Size() == l.Bytes
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.RFC3339)
}

// checkRequest compares the _since/_until of a manifest's request URL (which
// the service may percent-encode twice) with what this run asks for.
func checkRequest(raw string, r Request) error {
	if raw == "" {
		return nil // nothing to compare with
	}
	for range 3 {
		u, err := url.QueryUnescape(raw)
		if err != nil || u == raw {
			break
		}
		raw = u
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	q := u.Query()
	for _, p := range []struct {
		name string
		want time.Time
	}{{"_since", r.Since}, {"_until", r.Until}} {
		got := q.Get(p.name)
		if got == "" && p.want.IsZero() {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, got)
		if err == nil && p.name == "_since" && p.want.IsZero() && t.Equal(SinceFloor) {
			continue // "everything", sent as the floor on v2
		}
		if err != nil || !t.Equal(p.want) {
			return fmt.Errorf("it was started with %s=%q, this run asks for %s; let it finish or cancel it, then rerun", p.name, got, fmtTime(p.want))
		}
	}
	// The _typeFilter's own ?, = and & were decoded with the rest above:
	// what counts is the service-date terms the URL holds.
	if got, want := serviceDateTerms(raw), serviceDateTerms(r.TypeFilter()); !slices.Equal(got, want) {
		return fmt.Errorf("it was started with the service dates %v, this run asks for %v; let it finish or cancel it, then rerun", got, want)
	}
	return nil
}

// serviceDateTermRE matches the service-date terms of a _typeFilter, the
// term as the first submatch.
var serviceDateTermRE = regexp.MustCompile(`service-date=(` + serviceDateTerm + `)`)

// serviceDateTerms returns the service-date terms in s, sorted, each once.
func serviceDateTerms(s string) []string {
	var terms []string
	for _, m := range serviceDateTermRE.FindAllStringSubmatch(s, -1) {
		terms = append(terms, m[1])
	}
	slices.Sort(terms)
	return slices.Compact(terms)
}
