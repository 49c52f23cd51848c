package synth

import (
	"math/rand/v2"
	"strconv"
)

// mbiLetters are the letters allowed in an MBI: A-Z without S, L, O, I, B, Z.
const mbiLetters = "ACDEFGHJKMNPQRTUVWXY"

// mbiAlnum are the characters allowed in the alphanumeric MBI positions.
const mbiAlnum = mbiLetters + "0123456789"

// newMBI returns a random Medicare Beneficiary Identifier in the CMS format
// C A AN N A AN N A A N N (C: 1-9, A: letter, AN: letter or digit, N: 0-9).
func newMBI(r *rand.Rand) [11]byte {
	var m [11]byte
	m[0] = byte('1' + r.IntN(9))
	m[1] = mbiLetters[r.IntN(len(mbiLetters))]
	m[2] = mbiAlnum[r.IntN(len(mbiAlnum))]
	m[3] = byte('0' + r.IntN(10))
	m[4] = mbiLetters[r.IntN(len(mbiLetters))]
	m[5] = mbiAlnum[r.IntN(len(mbiAlnum))]
	m[6] = byte('0' + r.IntN(10))
	m[7] = mbiLetters[r.IntN(len(mbiLetters))]
	m[8] = mbiLetters[r.IntN(len(mbiLetters))]
	m[9] = byte('0' + r.IntN(10))
	m[10] = byte('0' + r.IntN(10))
	return m
}

// validMBI reports whether s has the MBI format.
func validMBI(s string) bool {
	if len(s) != 11 {
		return false
	}
	isLetter := func(c byte) bool {
		for i := 0; i < len(mbiLetters); i++ {
			if mbiLetters[i] == c {
				return true
			}
		}
		return false
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i < 11; i++ {
		c := s[i]
		var ok bool
		switch i {
		case 0:
			ok = c >= '1' && c <= '9'
		case 1, 4, 7, 8:
			ok = isLetter(c)
		case 2, 5:
			ok = isLetter(c) || isDigit(c)
		default:
			ok = isDigit(c)
		}
		if !ok {
			return false
		}
	}
	return true
}

// newNPI returns a random 10-digit NPI starting with 1 or 2 whose last digit
// is the Luhn check digit computed over "80840" + the first nine digits.
func newNPI(r *rand.Rand) uint64 {
	base := uint64(100_000_000 + r.IntN(200_000_000)) // 9 digits, 1xxxxxxxx or 2xxxxxxxx
	return base*10 + npiCheckDigit(base)
}

// npiCheckDigit returns the Luhn check digit of the 9-digit NPI base with the
// ISO card-issuer prefix 80840.
func npiCheckDigit(base uint64) uint64 {
	// Payload digits right to left: base digits, then 0,4,8,0,8. The digit
	// next to the check digit is doubled, then every other one.
	sum := uint64(0)
	double := true
	add := func(d uint64) {
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	for i := 0; i < 9; i++ {
		add(base % 10)
		base /= 10
	}
	for _, d := range []uint64{0, 4, 8, 0, 8} { // "80840" right to left
		add(d)
	}
	return (10 - sum%10) % 10
}

// luhnValid reports whether the digit string s passes the Luhn check.
func luhnValid(s string) bool {
	if s == "" {
		return false
	}
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// validNPI reports whether s is a 10-digit NPI with a valid check digit.
func validNPI(s string) bool {
	return len(s) == 10 && luhnValid("80840"+s)
}

// Dates are days since 1970-01-01 (UTC); timestamps are Unix milliseconds.

// daysFromCivil returns the day number of y-m-d (proleptic Gregorian).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil (for days >= 0).
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// append2 appends n (0-99) as two digits.
func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// appendDate appends day number z as YYYY-MM-DD.
func appendDate(b []byte, z int) []byte {
	y, m, d := civilFromDays(z)
	b = append2(b, y/100)
	b = append2(b, y%100)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendTimestamp appends Unix milliseconds ms as an RFC 3339 timestamp with
// milliseconds, shown in the zone offMin minutes east of UTC
// (2021-08-17T13:47:58.887-04:00).
func appendTimestamp(b []byte, ms int64, offMin int) []byte {
	local := ms + int64(offMin)*60_000
	day := int(local / 86_400_000)
	rem := int(local % 86_400_000)
	b = appendDate(b, day)
	b = append(b, 'T')
	b = append2(b, rem/3_600_000)
	b = append(b, ':')
	b = append2(b, rem/60_000%60)
	b = append(b, ':')
	b = append2(b, rem/1000%60)
	b = append(b, '.')
	ms3 := rem % 1000
	b = append(b, byte('0'+ms3/100), byte('0'+ms3/10%10), byte('0'+ms3%10))
	if offMin < 0 {
		b = append(b, '-')
		offMin = -offMin
	} else {
		b = append(b, '+')
	}
	b = append2(b, offMin/60)
	b = append(b, ':')
	return append2(b, offMin%60)
}

// appendInt appends a decimal integer.
func appendInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }
