package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// A ServiceDate is one term of a v3 _typeFilter,
// ExplanationOfBenefit?service-date=<Prefix><Date>. It selects claims by the
// day their service ended, billablePeriod.end (the claim's through date,
// which the sandbox takes BFD's service-date search to compare), with FHIR's
// date-search prefixes at day precision.
type ServiceDate struct {
	// Prefix is eq, gt, ge, lt, le, sa (starts after) or eb (ends before).
	Prefix string
	// Date is the day, at midnight UTC.
	Date time.Time
}

// String returns the term as a _typeFilter writes it, e.g. ge2026-01-01.
func (d ServiceDate) String() string { return d.Prefix + d.Date.Format(time.DateOnly) }

// Matches reports whether a claim whose billablePeriod ends on the day of
// end (in end's location; the time of day does not count) satisfies the
// term. On whole days, sa is gt and eb is lt.
func (d ServiceDate) Matches(end time.Time) bool {
	y, m, dd := end.Date()
	c := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Compare(d.Date)
	switch d.Prefix {
	case "eq":
		return c == 0
	case "gt", "sa":
		return c > 0
	case "ge":
		return c >= 0
	case "lt", "eb":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// serviceDatePrefixes are the prefixes AB2D accepts.
var serviceDatePrefixes = []string{"eq", "gt", "ge", "lt", "le", "sa", "eb"}

// parseTypeFilter parses a v3 _typeFilter (already query-decoded):
// ExplanationOfBenefit?service-date=<prefix><YYYY-MM-DD>, several terms
// joined by "&". It returns the terms, or the service's 400 text.
func parseTypeFilter(v string) ([]ServiceDate, string) {
	resource, query, _ := strings.Cut(v, "?")
	if resource != eobType {
		return nil, msgTypeFilterResource
	}
	var out []ServiceDate
	for term := range strings.SplitSeq(query, "&") {
		name, value, ok := strings.Cut(term, "=")
		if !ok || name != "service-date" {
			return nil, msgTypeFilterParam
		}
		d, err := parseServiceDate(value)
		if err != nil {
			return nil, msgTypeFilterInvalid
		}
		out = append(out, d)
	}
	return out, ""
}

// parseServiceDate parses <prefix><YYYY-MM-DD>.
func parseServiceDate(v string) (ServiceDate, error) {
	if len(v) < 2 {
		return ServiceDate{}, fmt.Errorf("service-date %q: no prefix", v)
	}
	d := ServiceDate{Prefix: v[:2]}
	if !slices.Contains(serviceDatePrefixes, d.Prefix) {
		return ServiceDate{}, fmt.Errorf("service-date %q: prefix %q is not one of %s", v, d.Prefix, strings.Join(serviceDatePrefixes, ", "))
	}
	t, err := time.Parse(time.DateOnly, v[2:])
	if err != nil {
		return ServiceDate{}, fmt.Errorf("service-date %q: %w", v, err)
	}
	d.Date = t
	return d, nil
}
