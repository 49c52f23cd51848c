package extract

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/samber/lo"
	"golang.org/x/sync/errgroup"
)

// Options configure Extract.
type Options struct {
	// Landing is the landing folder (DIR/landing); each job lands in
	// Landing/<job_id>/.
	Landing string
	// Workers is the number of parallel downloads (default 4).
	Workers int
	// MaxWait bounds the wait for the job to complete (default 30 h).
	MaxWait time.Duration
	// NewJob starts a new export even when an unfinished one for the same
	// request could be resumed.
	NewJob bool
	// OnProgress is called on every status poll while the job runs.
	OnProgress func(Progress)
	// VerifyInLoad lands files as they arrive, at network speed, and leaves
	// the check of their sha256 and length to the loader, which inflates
	// every byte anyway (Landed.Verified is false until then). Only a
	// stage that verifies before it commits may set it: `run` does.
	VerifyInLoad bool
	// OnState is called with the job's state as soon as it exists, for a
	// later stage to record what it does to landed files (Land, Failed).
	OnState func(*State)
	// OnManifest is called once the job's manifest is known.
	OnManifest func(Manifest)
	// Verifiers is the number of files checked at once (default
	// runtime.GOMAXPROCS(0)); checking is CPU-bound: it inflates and
	// hashes every byte.
	Verifiers int
	// OnLanded is called when a file is on disk, before it is verified
	// (or when it is found landed by an earlier run). Download workers
	// call it, several at once.
	OnLanded func(l Landed, resumed bool)
	// OnVerified is called when a landed file was checked against the
	// manifest (never with VerifyInLoad). Verifiers call it, several at
	// once.
	OnVerified func(l Landed)
}

// Defaults of Options.
const (
	DefaultWorkers = 4
	DefaultMaxWait = 30 * time.Hour
)

// Extract runs the export for r, or resumes the unfinished one for the same
// request, and sends every landed, verified file on out (files an earlier
// run landed and verified first, then the others, output files before
// error files, as they are ready), closing out when it returns. The job's
// state is saved after every step.
//
// Downloads land at network speed: o.Workers download workers stream each
// file to disk, and verifiers check landed files against the manifest,
// downloading again a file that does not match (while AB2D allows), and
// sync them to disk. The two stages are apart so that a download never
// waits for the inflating and hashing of another file. While files are
// downloading one verifier runs, which keeps up with downloads over a
// network (about 60 MB/s of gzip a core) and leaves the other cores to
// them; all o.Verifiers run once the downloads are done. With VerifyInLoad
// there are no verifiers: landed files go out unverified.
func Extract(ctx context.Context, c *Client, r Request, o Options, out chan<- Landed) (*State, error) {
	defer close(out)
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
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
		c.log.Info("export started", "job_id", job.ID, "since", fmtTime(r.Since), "until", fmtTime(r.Until), "adopted", job.Adopted)
	}

	if s.Manifest == nil {
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
	}

	if o.OnState != nil {
		o.OnState(s)
	}
	if o.OnManifest != nil {
		o.OnManifest(*s.Manifest)
	}
	if o.Verifiers <= 0 {
		o.Verifiers = runtime.GOMAXPROCS(0)
	}
	send := func(ctx context.Context, l Landed) error {
		select {
		case out <- l:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Files landed by an earlier run go first, without a download; those
	// not verified yet go to the verifiers with the new ones. The loader
	// may record a re-download while they are sent: read a copy.
	s.mu.Lock()
	earlier := maps.Clone(s.Landed)
	s.mu.Unlock()
	var todo []File
	var unverified []Landed
	for _, f := range s.Manifest.Files {
		l, ok := earlier[f.Name]
		if !ok || !landedOnDisk(l) {
			todo = append(todo, f)
			continue
		}
		if o.OnLanded != nil {
			o.OnLanded(l, true)
		}
		if !l.Verified && !o.VerifyInLoad {
			unverified = append(unverified, l)
			continue
		}
		if err := send(ctx, l); err != nil {
			return s, err
		}
	}

	// Download the rest with o.Workers parallel workers, data files first.
	data, errorFiles := lo.FilterReject(todo, func(f File, _ int) bool { return !f.Error })
	todo = append(data, errorFiles...)
	g, gctx := errgroup.WithContext(ctx)
	files := make(chan File) // unbuffered: a file is taken only by a free worker
	g.Go(func() error {
		defer close(files)
		for _, f := range todo {
			select {
			case files <- f:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	// landed holds files on disk waiting for a verifier. Its capacity is
	// every file of the job, so a download worker never waits for one: the
	// data is on disk, only the small records queue.
	landed := make(chan Landed, len(todo)+len(unverified))
	for _, l := range unverified {
		landed <- l
	}
	forward := func(l Landed) error { // what a download worker does with a landed file
		if o.VerifyInLoad {
			return send(gctx, l)
		}
		landed <- l // never blocks, see landed's capacity
		return nil
	}
	var downloading sync.WaitGroup
	for range o.Workers {
		downloading.Add(1)
		g.Go(func() error {
			defer downloading.Done()
			for f := range files {
				if err := gctx.Err(); err != nil {
					return err // interrupted: start no new download
				}
				l, err := c.DownloadUnverified(gctx, f, s.dir)
				if err != nil {
					return s.failed(err)
				}
				if err := s.Land(l); err != nil {
					return err
				}
				if o.OnLanded != nil {
					o.OnLanded(l, false)
				}
				if err := forward(l); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		downloading.Wait()
		close(landed)
		return nil
	})
	if !o.VerifyInLoad {
		for i := range o.Verifiers {
			g.Go(func() error {
				if i > 0 {
					downloading.Wait() // see the doc comment
				}
				for l := range landed {
					v, err := c.verifyLanded(gctx, l)
					if err != nil {
						return s.failed(err)
					}
					if err := s.Land(v); err != nil {
						return err
					}
					if o.OnVerified != nil {
						o.OnVerified(v)
					}
					if err := send(gctx, v); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	return s, g.Wait()
}

// maxVerifyAttempts bounds the downloads of a file that keeps arriving
// different from what the manifest says.
const maxVerifyAttempts = 3

// verifyLanded checks l against the manifest and, when it does not match,
// downloads it again (see settle). It returns the verified file.
func (c *Client) verifyLanded(ctx context.Context, l Landed) (Landed, error) {
	return c.settle(ctx, l, Verify(ctx, l))
}

// Redownload downloads again a landed file that a later stage found not to
// match the manifest (mismatch says how), and verifies it as Extract's
// verifiers do; it returns the verified file. Only a stage that checks
// files itself needs it: the loader with Options.VerifyInLoad.
func (c *Client) Redownload(ctx context.Context, l Landed, mismatch error) (Landed, error) {
	return c.settle(ctx, l, fmt.Errorf("%w: %v", ErrVerify, mismatch))
}

// settle takes l and the result of its check: while the check finds a
// mismatch, it downloads the file again and checks again, at most
// maxVerifyAttempts downloads in all; a verified file is synced.
func (c *Client) settle(ctx context.Context, l Landed, checked error) (Landed, error) {
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

// RecordFailure is failed for a later stage: when err is a refusal of AB2D
// to serve a file again, it is recorded so that the next run starts a new
// export. It returns err with the job id.
func (s *State) RecordFailure(err error) error { return s.failed(err) }

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
	return nil
}
