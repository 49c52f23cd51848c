package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sinceFloor is the earliest _since (and _until) the service accepts;
// sinceFloorV3 the earliest _since of v3 (Constants.java
// V3_SINCE_EARLIEST_DATE_TIME).
var (
	sinceFloor   = time.Date(2020, 2, 13, 0, 0, 0, 0, time.FixedZone("", -5*3600))
	sinceFloorV3 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.FixedZone("", -5*3600))
)

// Kick-off error texts of the service (reference/ab2d-api.md §4.1, §4.5;
// reference/ab2d-v3.md for v3).
const (
	msgType        = "_type must be ExplanationOfBenefit"
	msgSinceFloor  = "_since must be after 2020-02-13T00:00:00-05:00"
	msgSinceFuture = "You can not use a time after the current time for _since"
	msgUntilV1     = "The _until parameter is only available with version 2 and version 3 of the API"
	msgUntilFloor  = "_until must be after 2020-02-13T00:00:00-05:00"
	msgTooManyJobs = "You already have active export requests in progress. Please wait until they complete before submitting a new one."
	// msgSinceFloorV3 is "_since must be after … for V3" with the floor
	// written as the v1/v2 text writes its own (the reference elides it).
	msgSinceFloorV3       = "_since must be after 2026-04-01T00:00:00-05:00 for V3"
	msgTypeFilterResource = "The _typeFilter parameter must be for the ExplanationOfBenefit resource"
	msgTypeFilterParam    = "The _typeFilter parameter must be for the service-date parameter"
	msgTypeFilterInvalid  = "Invalid _typeFilter parameter"
	msgV3Off              = "The V3 API is currently unavailable"
	msgV3NotAllowed       = "V3 access not enabled for this PDP"
	eobType               = "ExplanationOfBenefit"
	defaultOutFormat      = "application/fhir+ndjson"
)

// outputFormats are the accepted _outputFormat values (application/zip only
// with a feature flag that is off).
var outputFormats = map[string]bool{"application/fhir+ndjson": true, "application/ndjson": true, "ndjson": true}

// problem is the RFC 9457 body Spring writes when a parameter fails to bind.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

// param returns a query parameter as Spring binds a String: all values
// joined with commas; empty counts as absent.
func param(q url.Values, name string) string {
	return strings.Join(q[name], ",")
}

// parseOffsetTime parses an ISO-8601 date-time with a mandatory offset, as
// Spring's @DateTimeFormat(iso = DATE_TIME) into OffsetDateTime (seconds and
// fraction optional).
func parseOffsetTime(v string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		var t time.Time
		if t, err = time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// javaOffsetDateTime formats t as Java's OffsetDateTime.toString does.
func javaOffsetDateTime(t time.Time) string {
	s := t.Format("2006-01-02T15:04")
	ns := t.Nanosecond()
	if t.Second() != 0 || ns != 0 {
		s += fmt.Sprintf(":%02d", t.Second())
	}
	switch {
	case ns == 0:
	case ns%1e6 == 0:
		s += fmt.Sprintf(".%03d", ns/1e6)
	case ns%1e3 == 0:
		s += fmt.Sprintf(".%06d", ns/1e3)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	if _, off := t.Zone(); off == 0 {
		return s + "Z"
	}
	return s + t.Format("-07:00")
}

// handleExport serves GET /Patient/$export and /Group/{contract}/$export.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, ver apiVersion, cl *Client) {
	group := r.PathValue("contract")
	if f := s.fault("kickoff", nil); f != nil {
		if f.status == http.StatusTooManyRequests {
			s.mu.Lock()
			actives := s.activeJobsLocked(cl, s.now())
			s.mu.Unlock()
			s.tooManyJobs(w, r, actives, f.retry)
			return
		}
		faultStatus(w, f.status)
		return
	}

	// Spring binds the date-time parameters before the controller runs, so
	// a malformed one wins over every other check.
	q := r.URL.Query()
	var since, until time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"_since", &since}, {"_until", &until}} {
		v := param(q, p.name)
		if v == "" {
			continue
		}
		t, err := parseOffsetTime(v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, "application/problem+json", problem{
				Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest,
				Detail:   fmt.Sprintf("Failed to convert '%s' with value: '%s'", p.name, v),
				Instance: r.URL.Path,
			})
			return
		}
		*p.t = t
	}

	// 1. contract
	if group != "" && group != cl.Contract {
		empty(w, http.StatusForbidden)
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// 2. maintenance mode
	if s.closed || s.fault("maintenance", nil) != nil {
		empty(w, http.StatusServiceUnavailable)
		return
	}
	// 3. concurrency limit
	if actives := s.activeJobsLocked(cl, now); s.cfg.MaxActiveJobs > 0 && len(actives) >= s.cfg.MaxActiveJobs {
		s.tooManyJobs(w, r, actives, 0)
		return
	}
	// 4. _type and _outputFormat
	if t := param(q, "_type"); t != "" && t != eobType {
		writeOutcome(w, http.StatusBadRequest, "invalid", msgType)
		return
	}
	if of := param(q, "_outputFormat"); of != "" && !outputFormats[of] {
		writeOutcome(w, http.StatusBadRequest, "invalid", "An _outputFormat of "+of+" is not valid")
		return
	}
	// 5. _since
	if !since.IsZero() {
		if ver == v3 && since.Before(sinceFloorV3) {
			writeOutcome(w, http.StatusBadRequest, "invalid", msgSinceFloorV3)
			return
		}
		if since.Before(sinceFloor) {
			writeOutcome(w, http.StatusBadRequest, "invalid", msgSinceFloor)
			return
		}
		if since.After(now) {
			writeOutcome(w, http.StatusBadRequest, "invalid", msgSinceFuture)
			return
		}
	}
	// 6. _until
	if !until.IsZero() {
		if ver == v1 {
			writeOutcome(w, http.StatusBadRequest, "invalid", msgUntilV1)
			return
		}
		if !since.IsZero() && until.Before(since) {
			writeOutcome(w, http.StatusBadRequest, "invalid", "_until must be after _since "+javaOffsetDateTime(since))
			return
		}
		if until.Before(sinceFloor) {
			writeOutcome(w, http.StatusBadRequest, "invalid", msgUntilFloor)
			return
		}
		if until.After(now) {
			until = time.Time{} // the worker ignores a future _until
		}
	}
	// 7. service-date (v3 only; the other versions ignore _typeFilter)
	var serviceDates []ServiceDate
	if tf := param(q, "_typeFilter"); tf != "" && ver == v3 {
		var msg string
		if serviceDates, msg = parseTypeFilter(tf); msg != "" {
			writeOutcome(w, http.StatusBadRequest, "invalid", msg)
			return
		}
	}
	// v2 defaults _since; v1 and v3 never do.
	if since.IsZero() && ver == v2 {
		since = s.defaultSinceLocked(cl, now)
	}

	id := newUUID()
	if ver == v3 {
		id = "33333333" + id[8:] // JobServiceImpl.generateJobUuid
	}
	j := &job{
		id:         id,
		client:     cl,
		ver:        ver,
		createdAt:  now,
		dir:        filepath.Join(s.dir, id),
		done:       make(chan struct{}),
		requestURL: baseURL(r) + r.URL.EscapedPath(),
		req: ExportRequest{
			JobID:         id,
			ClientID:      cl.ID,
			Contract:      cl.Contract,
			FHIRVersion:   ver.fhir(),
			Since:         since,
			Until:         until,
			ServiceDates:  serviceDates,
			Beneficiaries: s.cfg.beneficiaries(*cl),
			Scale:         s.cfg.Scale,
			Seed:          s.cfg.Seed,
			CreatedAt:     now,
		},
	}
	if r.URL.RawQuery != "" {
		j.requestURL += "?" + r.URL.RawQuery
	}
	if _, ok := s.cfg.Source.(ProgressSource); !ok {
		j.generated.Store(-1) // progress by time only
	}
	if f := s.fault("job", func(f *Fault) bool { return f.Kind != "errors" }); f != nil {
		j.fail = f.Kind == "fail"
		j.cancelled = f.Kind == "cancel"
		j.stall = f.Kind == "stall"
	}
	if f := s.fault("job", func(f *Fault) bool { return f.Kind == "errors" }); f != nil {
		j.errorLines = f.lines
	}
	ctx, cancel := context.WithCancel(s.ctx)
	j.cancel = cancel
	s.jobs[id] = j
	s.order = append(s.order, j)
	s.wg.Add(1)
	go s.generate(ctx, j)
	s.log.Info("sandbox export started", "job", id, "client", cl.ID, "contract", cl.Contract,
		"fhir", ver.fhir(), "since", since, "until", until, "typeFilter", param(q, "_typeFilter"),
		"beneficiaries", j.req.Beneficiaries)

	w.Header().Set("Content-Location", fhirBase(r, ver)+"/Job/"+id+"/$status")
	empty(w, http.StatusAccepted)
}

// activeJobsLocked returns the client's unfinished jobs, oldest first.
func (s *Server) activeJobsLocked(cl *Client, now time.Time) []*job {
	var out []*job
	for _, j := range s.order {
		if j.client == cl && s.activeLocked(j, now) {
			out = append(out, j)
		}
	}
	return out
}

// defaultSinceLocked returns the v2 default _since: the creation time of the
// client's latest successful job whose data files were all downloaded.
func (s *Server) defaultSinceLocked(cl *Client, now time.Time) time.Time {
	for i := len(s.order) - 1; i >= 0; i-- {
		j := s.order[i]
		if j.client != cl || s.stateLocked(j, now) != statusSuccessful {
			continue
		}
		all := true
		for _, f := range j.files {
			all = all && (f.isError || f.downloads > 0)
		}
		if all {
			return j.createdAt
		}
	}
	return time.Time{}
}

// tooManyJobs answers the 429 of a kick-off over the concurrency limit.
func (s *Server) tooManyJobs(w http.ResponseWriter, r *http.Request, actives []*job, retry int) {
	urls := make([]string, len(actives))
	for i, j := range actives {
		urls[i] = fhirBase(r, j.ver) + "/Job/" + j.id + "/$status"
	}
	if len(urls) > 0 {
		w.Header().Set("Content-Location", strings.Join(urls, ", "))
	}
	ra := retryAfterSeconds(s.cfg.RetryAfter)
	if retry > 0 {
		ra = strconv.Itoa(retry)
	}
	w.Header().Set("Retry-After", ra)
	writeOutcome(w, http.StatusTooManyRequests, "invalid", msgTooManyJobs)
}
