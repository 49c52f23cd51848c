package transform

// Dates, instants and small helpers.

import (
	"time"
	"unicode/utf8"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// ---- dates and instants ----

// parseDate parses a FHIR date "YYYY-MM-DD", or the date part of a dateTime
// "YYYY-MM-DDThh:mm:ss…". Partial dates, invalid dates and anything else
// give NULL.
func parseDate(b []byte) Date {
	if len(b) < 10 || (len(b) > 10 && b[10] != 'T') || b[4] != '-' || b[7] != '-' {
		return Date{}
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return Date{}
	}
	return Date{Days: daysFromCivil(y, m, d), Valid: true}
}

// digits parses an unsigned decimal of only ASCII digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= 0 here
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// parseInstant parses meta.lastUpdated (RFC 3339 with optional fractional
// seconds and a required offset) into UTC microseconds; anything else gives
// NULL.
func parseInstant(b []byte) Instant {
	if len(b) < 20 {
		return Instant{}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return Instant{}
	}
	return Instant{Micros: t.UnixMicro(), Valid: true}
}

// ---- small utilities ----

// typeName names a JSON type for error messages.
func typeName(t jsontree.Type) string {
	switch t {
	case jsontree.TypeArray:
		return "an array"
	case jsontree.TypeString:
		return "a string"
	case jsontree.TypeNumber:
		return "a number"
	case jsontree.TypeTrue, jsontree.TypeFalse:
		return "a boolean"
	case jsontree.TypeNull:
		return "null"
	}
	return t.String()
}

// clip shortens b to at most n bytes for error messages, on a rune boundary.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}
