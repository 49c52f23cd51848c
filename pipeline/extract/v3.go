package extract

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ServiceDate is a service-date term of the request (--service-date
// ge2026-01-01): a FHIR date-search prefix and a day. The terms of a
// request become AB2D v3's _typeFilter (see Request.TypeFilter).
type ServiceDate struct {
	Prefix string    // one of eq gt ge lt le sa eb
	Date   time.Time // midnight UTC
}

// ServiceDateGrammar says what ParseServiceDate takes, for messages.
const ServiceDateGrammar = "<prefix><YYYY-MM-DD>, prefix one of eq, gt, ge, lt, le, sa (starts after) or eb (ends before), e.g. ge2026-01-01"

// serviceDateTerm is the pattern of AB2D's service-date term: a prefix and
// a day, as the first and second submatch.
const serviceDateTerm = `(eq|gt|ge|lt|le|sa|eb)(\d{4}-\d{2}-\d{2})`

// serviceDateRE matches a whole service-date term.
var serviceDateRE = regexp.MustCompile(`^` + serviceDateTerm + `$`)

// ParseServiceDate parses a service-date term such as ge2026-01-01 (see
// ServiceDateGrammar).
func ParseServiceDate(s string) (ServiceDate, error) {
	m := serviceDateRE.FindStringSubmatch(s)
	if m == nil {
		return ServiceDate{}, fmt.Errorf("service date %q: want %s", s, ServiceDateGrammar)
	}
	day, err := time.Parse(time.DateOnly, m[2])
	if err != nil {
		return ServiceDate{}, fmt.Errorf("service date %q: %s is not a day (want %s)", s, m[2], ServiceDateGrammar)
	}
	return ServiceDate{Prefix: m[1], Date: day}, nil
}

// String returns the term as the _typeFilter writes it: ge2026-01-01.
func (d ServiceDate) String() string { return d.Prefix + d.Date.Format(time.DateOnly) }

// TypeFilter returns the _typeFilter of the request's service dates,
// ExplanationOfBenefit?service-date=ge2026-01-01&service-date=lt2026-07-01,
// with the terms sorted and each once, so that the same terms in another
// order are the same request; "" without service dates.
func (r Request) TypeFilter() string {
	if len(r.ServiceDates) == 0 {
		return ""
	}
	terms := make([]string, len(r.ServiceDates))
	for i, d := range r.ServiceDates {
		terms[i] = "service-date=" + d.String()
	}
	slices.Sort(terms)
	return "ExplanationOfBenefit?" + strings.Join(slices.Compact(terms), "&")
}

// A RequestError is a parameter of a request that an API version cannot
// take, as Request.Check reports it.
type RequestError struct {
	Param   string // the refused parameter: "_since", "_until" or "_typeFilter"
	Version string // the API version
	msg     string
}

func (e *RequestError) Error() string { return e.msg }

// Check reports what an API version cannot take in r, before AB2D does: a
// _since before the version's floor, an _until on v1, service dates on v1
// or v2. Its error is a *RequestError.
func (r Request) Check(apiVersion string) error {
	floor := SinceFloorOf(apiVersion)
	switch {
	case !r.Since.IsZero() && r.Since.Before(floor):
		return &RequestError{"_since", apiVersion, fmt.Sprintf("_since %s is before %s, the earliest AB2D %s accepts", r.Since.Format(time.RFC3339), floor.Format(time.RFC3339), apiVersion)}
	case !r.Until.IsZero() && apiVersion == V1:
		return &RequestError{"_until", apiVersion, "_until is only available on AB2D v2 and v3"}
	case len(r.ServiceDates) > 0 && apiVersion != V3:
		return &RequestError{"_typeFilter", apiVersion, "a service-date filter (_typeFilter) is only available on AB2D v3"}
	}
	return nil
}

// AutoSince returns the _since of an incremental run, given the kick-off of
// the last successful run of the same client and API version (zero: there
// is none): that kick-off, except that a v3 client never asks from before
// v3's floor. v3 fills in no _since of its own, so a v3 client always
// sends one: the floor when there is no earlier v3 run.
func (c *Client) AutoSince(last time.Time) time.Time {
	if c.version != V3 || !last.Before(SinceFloorV3) {
		return last
	}
	if last.IsZero() {
		c.log.Info("--since auto: no earlier v3 run; asking AB2D v3 from its earliest _since", "since", SinceFloorV3.Format(time.RFC3339))
	} else {
		c.log.Info("--since auto: the last v3 run's kick-off is before v3's earliest _since; asking from the floor", "last_kickoff", last.Format(time.RFC3339), "since", SinceFloorV3.Format(time.RFC3339))
	}
	return SinceFloorV3
}

// The texts of AB2D's 403 when v3 refuses a call
// (ApiCommon.checkContractIsAllowListedForV3).
const (
	TextV3NotAllowed = "V3 access not enabled for this PDP"
	TextV3Off        = "The V3 API is currently unavailable"
)

// V3AccessError is AB2D's refusal of a v3 call: v3 is off, or the
// contract is not on v3's allow-list. It is configuration, not a
// transient failure: it is never retried, and renewing the token cannot
// help.
type V3AccessError struct {
	URL  string // the refused URL, without its query
	Text string // TextV3NotAllowed or TextV3Off
}

// Off reports whether AB2D has turned v3 off (for every contract), rather
// than not allow-listed this one.
func (e *V3AccessError) Off() bool { return strings.Contains(e.Text, TextV3Off) }

func (e *V3AccessError) Error() string {
	if e.Off() {
		return fmt.Sprintf("AB2D v3 refused %s (403: %s): AB2D has turned v3 off. Keep using v2 with --api-version v2 (the default), and try v3 again later", e.URL, e.Text)
	}
	return fmt.Sprintf("AB2D v3 refused %s (403: %s): this contract is not on AB2D's v3 allow-list (v3 is open to allow-listed contracts only). Keep using v2 with --api-version v2 (the default); ask AB2D to allow-list the contract before moving it to v3", e.URL, e.Text)
}

// v3Refusal returns a *V3AccessError when a 403 answer is v3's refusal.
// Otherwise it leaves the (bounded) body readable for the caller.
func v3Refusal(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close() // what matters was read
	resp.Body = io.NopCloser(bytes.NewReader(body))
	text := outcomeText(body)
	if strings.Contains(text, TextV3NotAllowed) || strings.Contains(text, TextV3Off) {
		u := *resp.Request.URL
		u.RawQuery, u.User = "", nil
		return &V3AccessError{URL: u.String(), Text: text}
	}
	return nil
}
