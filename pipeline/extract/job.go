package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Request is what an export asks for.
type Request struct {
	Since time.Time // exclusive lower bound on meta.lastUpdated; zero: none
	Until time.Time // inclusive upper bound (v2 and v3); zero: none
	// ServiceDates select claims by service date (v3 only): the terms of
	// the _typeFilter, all of which a claim must satisfy.
	ServiceDates []ServiceDate
}

// Job is a started export job.
type Job struct {
	ID        string    `json:"job_id"`
	StatusURL string    `json:"status_url"`
	KickoffAt time.Time `json:"kickoff_at"` // this client's clock, when it asked
	Adopted   bool      `json:"adopted,omitempty"`
}

// File is one output or error file of a completed job.
type File struct {
	Name   string `json:"name"` // validated base name, e.g. Z0000_0001.ndjson
	URL    string `json:"url"`
	SHA256 string `json:"sha256,omitempty"` // hex of the uncompressed content, when the manifest gives it
	Length int64  `json:"length"`           // uncompressed length; -1 when unknown
	Error  bool   `json:"error,omitempty"`  // listed in error[] (OperationOutcome lines)
}

// Manifest is the completed job's status body, reduced to what the ETL uses.
type Manifest struct {
	TransactionTime string    `json:"transaction_time"`  // the server's display string; opaque
	Request         string    `json:"request,omitempty"` // the kick-off URL as the server recorded it
	Expires         time.Time `json:"expires,omitzero"`
	Files           []File    `json:"files"`
}

const (
	extChecksum = "https://ab2d.cms.gov/checksum"
	extLength   = "https://ab2d.cms.gov/file_length"
)

// fileNameRE is what a landing file name may look like: no path separators,
// no "..", nothing absolute.
var fileNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// ValidFileName reports whether a name taken from a manifest URL is safe to
// use as a file name in the landing zone.
func ValidFileName(name string) bool {
	return fileNameRE.MatchString(name) && !strings.Contains(name, "..")
}

// ErrActiveJob reports a 429 on kick-off whose active job could not be
// adopted.
var ErrActiveJob = errors.New("AB2D says an export is already running for this client")

// Kickoff starts an export. On 429 "active export requests in progress" it
// adopts the running job from Content-Location when it belongs to this API
// and adopt accepts it (its parameters match), instead of failing.
func (c *Client) Kickoff(ctx context.Context, r Request, adopt func(statusURL string) bool) (Job, error) {
	if err := r.Check(c.version); err != nil {
		return Job{}, fmt.Errorf("kick-off: %w", err)
	}
	q := url.Values{}
	q.Set("_type", "ExplanationOfBenefit")
	q.Set("_outputFormat", "application/fhir+ndjson") // Encode writes + as %2B
	// No since means everything. On v2 the service would otherwise fill in
	// its own default (the last job whose files were all downloaded), so
	// the earliest value it accepts is sent explicitly; v1 and v3 have no
	// default.
	since := r.Since
	if since.IsZero() && c.version == V2 {
		since = SinceFloor
	}
	if !since.IsZero() {
		q.Set("_since", since.Format(time.RFC3339Nano))
	}
	if !r.Until.IsZero() {
		q.Set("_until", r.Until.Format(time.RFC3339Nano))
	}
	if tf := r.TypeFilter(); tf != "" {
		q.Set("_typeFilter", tf) // Encode escapes its ?, = and &
	}
	u := c.api.String() + "/Patient/$export?" + q.Encode()
	var job Job
	err := c.retry.run(ctx, "kick-off", c.logRetry("kick-off"), func() error {
		at := c.now()
		resp, err := c.do(ctx, http.MethodGet, u, http.Header{"Accept": {"application/fhir+json"}, "Prefer": {"respond-async"}})
		if err != nil {
			return err
		}
		defer drain(resp)
		switch {
		case resp.StatusCode == http.StatusAccepted:
			loc := resp.Header.Get("Content-Location")
			id, err := c.jobIDFromStatusURL(loc)
			if err != nil {
				return fmt.Errorf("kick-off: %w", err)
			}
			job = Job{ID: id, StatusURL: loc, KickoffAt: at}
			return nil
		case resp.StatusCode == http.StatusTooManyRequests:
			e := apiError("kick-off", resp)
			if loc := resp.Header.Get("Content-Location"); strings.Contains(e.Text, "active export") && loc != "" {
				for _, loc := range strings.Split(loc, ",") {
					loc = strings.TrimSpace(loc)
					id, err := c.jobIDFromStatusURL(loc)
					if err == nil && adopt != nil && adopt(loc) {
						c.log.Info("adopting the export job already running", "job_id", id)
						job = Job{ID: id, StatusURL: loc, KickoffAt: at, Adopted: true}
						return nil
					}
				}
				return fmt.Errorf("%w (%s); it must finish or be cancelled before a new one: %v", ErrActiveJob, resp.Header.Get("Content-Location"), e)
			}
			return &transientError{err: e, retryAfter: parseRetryAfter(resp.Header, c.now())}
		case retryable(resp.StatusCode):
			return &transientError{err: apiError("kick-off", resp), retryAfter: parseRetryAfter(resp.Header, c.now())}
		default:
			return apiError("kick-off", resp)
		}
	})
	return job, err
}

// jobIDFromStatusURL checks that a status URL is on the API's origin and
// returns its job id.
func (c *Client) jobIDFromStatusURL(loc string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil || loc == "" {
		return "", fmt.Errorf("no usable status URL in Content-Location %q", loc)
	}
	if !sameOrigin(u, c.api) {
		return "", fmt.Errorf("status URL %s is not on the API's origin %s", loc, c.api.Host)
	}
	dir, last := path.Split(u.Path)
	if last != "$status" {
		return "", fmt.Errorf("status URL %s does not end in /$status", loc)
	}
	id := path.Base(dir)
	if !ValidFileName(id) {
		return "", fmt.Errorf("status URL %s has no valid job id", loc)
	}
	return id, nil
}

// Progress reports a status poll while the job runs.
type Progress struct {
	JobID   string
	Percent int           // from X-Progress; -1 when absent
	Elapsed time.Duration // since the job was started (on this client's clock)
	Wait    time.Duration // until the next poll
}

// ErrJobFailed reports a job AB2D failed or cancelled: a new export is
// needed.
var ErrJobFailed = errors.New("the export job failed on the AB2D side")

// Wait polls the job until it completes and returns its manifest. It never
// polls faster than Retry-After (default 5 s), honours 429 on status, and
// gives up after maxWait with the job id in the message.
func (c *Client) Wait(ctx context.Context, job Job, maxWait time.Duration, progress func(Progress)) (Manifest, error) {
	deadline := c.now().Add(maxWait)
	wait := time.Duration(0)
	failures := 0
	for {
		if err := c.retry.sleep(ctx, wait); err != nil {
			return Manifest{}, err
		}
		if maxWait > 0 && c.now().After(deadline) {
			return Manifest{}, fmt.Errorf("job %s is still running after --max-wait %s; rerun later to resume it (status: %s)", job.ID, maxWait, job.StatusURL)
		}
		resp, err := c.do(ctx, http.MethodGet, job.StatusURL, http.Header{"Accept": {"application/json"}})
		var te *transientError
		switch {
		case errors.As(err, &te):
			failures++
			if failures >= c.retry.attempts {
				return Manifest{}, fmt.Errorf("status of job %s: %w", job.ID, err)
			}
			wait = c.retry.backoff(failures, 0)
			c.log.Warn("status poll failed; retrying", "job_id", job.ID, "wait", wait.String(), "err", err.Error())
			continue
		case err != nil:
			return Manifest{}, fmt.Errorf("status of job %s: %w", job.ID, err)
		}
		retryAfter := parseRetryAfter(resp.Header, c.now())
		if retryAfter <= 0 {
			retryAfter = 5 * time.Second
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			m, err := c.parseManifest(resp)
			drain(resp)
			if err != nil {
				return Manifest{}, fmt.Errorf("job %s: %w", job.ID, err)
			}
			return m, nil
		case resp.StatusCode == http.StatusAccepted:
			failures = 0
			p := Progress{JobID: job.ID, Percent: parseProgress(resp.Header.Get("X-Progress")), Wait: retryAfter}
			if !job.KickoffAt.IsZero() {
				p.Elapsed = c.now().Sub(job.KickoffAt)
			}
			drain(resp)
			if progress != nil {
				progress(p)
			}
			wait = retryAfter
		case retryable(resp.StatusCode):
			e := apiError("status", resp)
			drain(resp)
			if resp.StatusCode == http.StatusInternalServerError && strings.Contains(e.Text, "Job failed") {
				return Manifest{}, fmt.Errorf("%w: job %s: %v; start a new export", ErrJobFailed, job.ID, e)
			}
			failures++
			if failures >= c.retry.attempts {
				return Manifest{}, fmt.Errorf("status of job %s: %w", job.ID, e)
			}
			wait = max(retryAfter, c.retry.backoff(failures, 0))
			if resp.StatusCode == http.StatusTooManyRequests {
				wait = retryAfter
			}
			c.log.Warn("status poll refused; waiting", "job_id", job.ID, "status", resp.StatusCode, "wait", wait.String())
		case resp.StatusCode == http.StatusNotFound:
			e := apiError("status", resp)
			drain(resp)
			return Manifest{}, fmt.Errorf("%w: job %s: %v; start a new export", ErrJobFailed, job.ID, e)
		default:
			e := apiError("status", resp)
			drain(resp)
			return Manifest{}, fmt.Errorf("job %s: %w", job.ID, e)
		}
	}
}

var progressRE = regexp.MustCompile(`(\d+)\s*%`)

func parseProgress(h string) int {
	m := progressRE.FindStringSubmatch(h)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// maxManifest bounds the manifest body.
const maxManifest = 32 << 20

func (c *Client) parseManifest(resp *http.Response) (Manifest, error) {
	var body struct {
		TransactionTime string `json:"transactionTime"`
		Request         string `json:"request"`
		Output          []struct {
			Type      string `json:"type"`
			URL       string `json:"url"`
			Extension []struct {
				URL          string          `json:"url"`
				ValueString  string          `json:"valueString"`
				ValueDecimal json.RawMessage `json:"valueDecimal"`
			} `json:"extension"`
		} `json:"output"`
		Error []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"error"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return Manifest{}, fmt.Errorf("reading the manifest: %w", err)
	}
	if len(data) > maxManifest {
		return Manifest{}, fmt.Errorf("manifest larger than %d bytes: refusing it", maxManifest)
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return Manifest{}, fmt.Errorf("manifest is not valid JSON: %w", err)
	}
	m := Manifest{TransactionTime: body.TransactionTime, Request: body.Request}
	if exp := resp.Header.Get("Expires"); exp != "" {
		for _, layout := range []string{http.TimeFormat, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 GMT"} {
			if t, err := time.Parse(layout, exp); err == nil {
				m.Expires = t
				break
			}
		}
	}
	seen := map[string]bool{}
	add := func(raw string, isErr bool) (*File, error) {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("manifest file URL %q: %w", raw, err)
		}
		if !sameOrigin(u, c.api) {
			return nil, fmt.Errorf("manifest file URL %s is not on the API's origin %s: refusing to send the token there", raw, c.api.Host)
		}
		name := path.Base(u.Path)
		if path.Clean(u.Path) != u.Path || strings.Contains(strings.ToLower(u.EscapedPath()), "%2f") || !ValidFileName(name) {
			return nil, fmt.Errorf("manifest file URL %s has an unsafe file name %q", raw, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("manifest lists %s twice", name)
		}
		seen[name] = true
		m.Files = append(m.Files, File{Name: name, URL: raw, Length: -1, Error: isErr})
		return &m.Files[len(m.Files)-1], nil
	}
	for _, o := range body.Output {
		f, err := add(o.URL, false)
		if err != nil {
			return Manifest{}, err
		}
		for _, e := range o.Extension {
			switch e.URL {
			case extChecksum:
				sum, ok := strings.CutPrefix(e.ValueString, "sha256:")
				if !ok || len(sum) != 64 {
					return Manifest{}, fmt.Errorf("manifest checksum of %s is not sha256:<64 hex>: %q", f.Name, e.ValueString)
				}
				f.SHA256 = strings.ToLower(sum)
			case extLength:
				n, err := strconv.ParseFloat(string(e.ValueDecimal), 64)
				if err != nil || n < 0 {
					return Manifest{}, fmt.Errorf("manifest file_length of %s is not a number: %s", f.Name, e.ValueDecimal)
				}
				f.Length = int64(n)
			}
		}
	}
	for _, e := range body.Error {
		if _, err := add(e.URL, true); err != nil {
			return Manifest{}, err
		}
	}
	return m, nil
}
