package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// byteSize is a flag of a number of bytes: 67108864, 64MiB, 64MB, 512KB.
type byteSize int64

func (b *byteSize) String() string { return formatBytes(int64(*b)) }

func (b *byteSize) Type() string { return "BYTES" }

func (b *byteSize) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// byteUnits are the suffixes parseBytes takes: powers of 1024 with an i,
// of 1000 without.
var byteUnits = []struct {
	suffix string
	n      int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// parseBytes parses a positive size in bytes with an optional unit.
func parseBytes(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(strings.ToUpper(num), strings.ToUpper(u.suffix)) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.n
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 || f*float64(mult) >= 1<<62 {
		return 0, fmt.Errorf("%q: want a positive size such as 64MiB, 1MB or 1048576", s)
	}
	return int64(f * float64(mult)), nil
}

// formatBytes writes n the way parseBytes reads it, in the largest binary
// unit that divides it.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return strconv.FormatInt(n, 10)
}

// parseSince parses --since: auto, none, a date (2026-11-29, midnight
// UTC), an RFC 3339 time, or a duration back from now (24h, 7d).
func parseSince(s string, now time.Time) (auto bool, t time.Time, err error) {
	switch s {
	case "auto":
		return true, time.Time{}, nil
	case "none", "":
		return false, time.Time{}, nil
	}
	if t, err := parseTime(s); err == nil {
		if t.After(now) {
			return false, time.Time{}, usagef("--since %s is in the future", s)
		}
		return false, t, nil
	}
	if d, err := parseDuration(s); err == nil && d > 0 {
		return false, now.Add(-d).UTC().Truncate(time.Second), nil
	}
	return false, time.Time{}, usagef("--since %q: want auto, none, a date (2026-11-29), an RFC 3339 time (2026-11-29T02:30:00Z) or a duration back from now (24h, 7d)", s)
}

// parseTime parses an RFC 3339 time or a date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// parseDuration is time.ParseDuration that also takes days (7d).
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, err
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}
