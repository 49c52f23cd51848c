package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// Status error texts of the service (reference/ab2d-api.md §4.2, §4.3).
const (
	msgPolling   = "You are polling too frequently"
	msgJobFailed = "Job failed while processing"
	msgCanceled  = "Job is canceled."
	// Extension URLs of the output entries.
	extChecksum = "https://ab2d.cms.gov/checksum"
	extLength   = "https://ab2d.cms.gov/file_length"
)

// Time formats of the service: HAPI's DateTimeType.toHumanDisplay() for
// transactionTime, and Java's DateTimeFormatter.RFC_1123_DATE_TIME (day of
// month not zero-padded) for Expires.
const (
	humanTime   = "Jan 2, 2006, 3:04:05 PM"
	javaRFC1123 = "Mon, 2 Jan 2006 15:04:05 GMT"
)

// manifest is the body of a completed job's status.
type manifest struct {
	TransactionTime     string        `json:"transactionTime"`
	Request             string        `json:"request"`
	RequiresAccessToken bool          `json:"requiresAccessToken"`
	Output              []outputEntry `json:"output"`
	Error               []outputEntry `json:"error"`
}

type outputEntry struct {
	Type      string      `json:"type"`
	URL       string      `json:"url"`
	Extension []extension `json:"extension"`
}

type extension struct {
	URL          string `json:"url"`
	ValueString  string `json:"valueString,omitempty"`
	ValueDecimal *int64 `json:"valueDecimal,omitempty"`
}

// lookupJob finds a job of cl for status and cancel: 404 with an outcome if
// unknown, 403 with an empty body if another client's.
func (s *Server) lookupJobLocked(w http.ResponseWriter, cl *Client, id string) *job {
	j := s.jobs[id]
	if j == nil {
		writeOutcome(w, http.StatusNotFound, "invalid", "No job with jobUuid "+id+" was found")
		return nil
	}
	if j.client != cl {
		empty(w, http.StatusForbidden)
		return nil
	}
	return j
}

// handleStatus serves GET /Job/{id}/$status.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, _ apiVersion, cl *Client) {
	id := r.PathValue("id")
	if f := s.fault("status", nil); f != nil {
		if f.status == http.StatusTooManyRequests {
			s.pollingTooFrequently(w, f.retry)
		} else {
			faultStatus(w, f.status)
		}
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.lookupJobLocked(w, cl, id)
	if j == nil {
		return
	}
	if !j.lastPoll.IsZero() && j.lastPoll.Add(s.cfg.RetryAfter).After(now) {
		s.pollingTooFrequently(w, 0)
		return
	}
	j.lastPoll = now
	switch st := s.stateLocked(j, now); st {
	case statusSubmitted, statusInProgress:
		w.Header().Set("X-Progress", strconv.Itoa(s.progressLocked(j, now))+"% complete")
		w.Header().Set("Retry-After", retryAfterSeconds(s.cfg.RetryAfter))
		empty(w, http.StatusAccepted)
	case statusCancelled:
		writeOutcome(w, http.StatusNotFound, "deleted", msgCanceled)
	case statusFailed:
		writeOutcome(w, http.StatusInternalServerError, "invalid", msgJobFailed)
	default:
		m := manifest{
			TransactionTime:     j.createdAt.UTC().Format(humanTime),
			Request:             strings.ReplaceAll(j.requestURL, "%", "%25"),
			RequiresAccessToken: true,
			Output:              []outputEntry{},
			Error:               []outputEntry{},
		}
		base := fhirBase(r, j.ver) + "/Job/" + j.id + "/file/"
		for _, f := range j.files {
			sum, n := f.sha256, f.length
			if f.badChecksum {
				b := sha256.Sum256([]byte("sandbox fault manifest:checksum " + sum))
				sum = hex.EncodeToString(b[:])
			}
			if f.badLength {
				n++
			}
			e := outputEntry{Type: eobType, URL: base + f.name, Extension: []extension{
				{URL: extChecksum, ValueString: "sha256:" + sum},
				{URL: extLength, ValueDecimal: &n},
			}}
			if f.isError {
				m.Error = append(m.Error, e)
			} else {
				m.Output = append(m.Output, e)
			}
		}
		h := w.Header()
		h.Del("Cache-Control")
		h.Del("Pragma")
		h.Set("Expires", j.expiresAt.UTC().Format(javaRFC1123))
		h.Set("Vary", "accept-encoding")
		writeJSON(w, http.StatusOK, "application/json", m)
	}
}

// pollingTooFrequently answers the polling-limit 429.
func (s *Server) pollingTooFrequently(w http.ResponseWriter, retry int) {
	ra := retryAfterSeconds(s.cfg.RetryAfter)
	if retry > 0 {
		ra = strconv.Itoa(retry)
	}
	w.Header().Set("Retry-After", ra)
	writeOutcome(w, http.StatusTooManyRequests, "invalid", msgPolling)
}

// handleCancel serves DELETE /Job/{id}/$status.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request, _ apiVersion, cl *Client) {
	id := r.PathValue("id")
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.lookupJobLocked(w, cl, id)
	if j == nil {
		return
	}
	if st := s.stateLocked(j, now); st != statusSubmitted && st != statusInProgress {
		writeOutcome(w, http.StatusBadRequest, "invalid", "Job has a status of "+st+", so it cannot be cancelled")
		return
	}
	j.final = statusCancelled
	j.completedAt = now
	j.cancel()
	s.removeFilesLocked(j)
	s.log.Info("sandbox job cancelled", "job", j.id)
	empty(w, http.StatusAccepted)
}
