package queryfmt

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// renderer turns the values duckdb-go scans into JSON or text. It is not
// safe for concurrent use.
type renderer struct {
	scratch bytes.Buffer
	enc     *json.Encoder // writes to scratch, without HTML escaping
}

func newRenderer() *renderer {
	r := new(renderer)
	r.enc = json.NewEncoder(&r.scratch)
	r.enc.SetEscapeHTML(false)
	return r
}

// appendEncoded appends v as encoding/json writes it, but leaves <, > and &
// as they are. A value encoding/json refuses is written as its Go text in a
// JSON string, so that one odd value never aborts a query's output.
func (r *renderer) appendEncoded(b []byte, v any) []byte {
	r.scratch.Reset()
	if err := r.enc.Encode(v); err != nil {
		r.scratch.Reset()
		_ = r.enc.Encode(fmt.Sprint(v)) // a string always encodes
	}
	return append(b, bytes.TrimSuffix(r.scratch.Bytes(), []byte("\n"))...)
}

// appendJSON appends v, a value of type t, as JSON; see the package
// documentation for the mapping.
func (r *renderer) appendJSON(b []byte, v any, t *colType) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return r.appendEncoded(b, x)
	case float64:
		if s := nonFinite(x); s != "" {
			return strconv.AppendQuote(b, s)
		}
		return r.appendEncoded(b, x)
	case float32:
		if s := nonFinite(float64(x)); s != "" {
			return strconv.AppendQuote(b, s)
		}
		return r.appendEncoded(b, x)
	case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint, *big.Int, duckdb.Decimal:
		return appendScalar(b, x, t)
	case []byte, time.Time, duckdb.Interval:
		// Their text has no character that JSON needs to escape.
		b = append(b, '"')
		b = appendScalar(b, x, t)
		return append(b, '"')
	case duckdb.Union:
		return r.appendJSON(b, x.Value, t.member(x.Tag))
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.appendJSON(b, e, t.child())
		}
		return append(b, ']')
	case map[string]any:
		return r.appendStruct(b, x, t)
	case duckdb.OrderedMap:
		return r.appendMap(b, x, t)
	case fmt.Stringer: // a BIT inside a nested value
		return r.appendEncoded(b, x.String())
	}
	return r.appendEncoded(b, v)
}

// appendStruct appends a STRUCT as an object with its fields in the order of
// the type. Without the type (a value of a JSON column, which the driver
// decodes into a map) the keys are sorted, as that order is lost.
func (r *renderer) appendStruct(b []byte, m map[string]any, t *colType) []byte {
	var keys []string
	if t.kind() == "STRUCT" && len(t.fields) == len(m) {
		keys = make([]string, len(t.fields))
		for i, f := range t.fields {
			keys[i] = f.name
		}
	} else {
		keys = slices.Sorted(maps.Keys(m))
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.appendEncoded(b, k)
		b = append(b, ':')
		b = r.appendJSON(b, m[k], t.member(k))
	}
	return append(b, '}')
}

// appendMap appends a MAP in its own order: an object if its keys are
// strings, else an array of {"key": …, "value": …} objects, as JSON object
// keys can only be strings.
func (r *renderer) appendMap(b []byte, m duckdb.OrderedMap, t *colType) []byte {
	keys, values := m.Keys(), m.Values()
	var keyType, valueType *colType
	if t.kind() == "MAP" {
		keyType, valueType = t.key, t.value
	}
	asObject := true
	switch keyType.kind() {
	case "VARCHAR", "ENUM":
	case "":
		for _, k := range keys {
			if _, ok := k.(string); !ok {
				asObject = false
			}
		}
	default:
		asObject = false
	}
	if asObject {
		b = append(b, '{')
	} else {
		b = append(b, '[')
	}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if asObject {
			b = r.appendJSON(b, k, keyType)
			b = append(b, ':')
		} else {
			b = append(b, `{"key":`...)
			b = r.appendJSON(b, k, keyType)
			b = append(b, `,"value":`...)
		}
		b = r.appendJSON(b, values[i], valueType)
		if !asObject {
			b = append(b, '}')
		}
	}
	if asObject {
		return append(b, '}')
	}
	return append(b, ']')
}

// appendText appends v as text, for CSV fields and table cells: scalars as
// their plain text, nested values (LIST, ARRAY, STRUCT, MAP) as their JSON.
// NULL appends nothing; callers that show NULL differently check for nil.
func (r *renderer) appendText(b []byte, v any, t *colType) []byte {
	switch x := v.(type) {
	case nil:
		return b
	case string:
		return append(b, x...)
	case float64:
		if s := nonFinite(x); s != "" {
			return append(b, s...)
		}
		return r.appendEncoded(b, x)
	case float32:
		if s := nonFinite(float64(x)); s != "" {
			return append(b, s...)
		}
		return r.appendEncoded(b, x)
	case duckdb.Union:
		return r.appendText(b, x.Value, t.member(x.Tag))
	case []any, map[string]any, duckdb.OrderedMap:
		return r.appendJSON(b, v, t)
	}
	return appendScalar(b, v, t)
}

// appendScalar appends the text of the scalar kinds that JSON and text share:
// integers, DECIMAL, BOOLEAN, BLOB, UUID, dates, times and INTERVAL. Any other
// value is written as Go prints it.
func appendScalar(b []byte, v any, t *colType) []byte {
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(b, x)
	case int8, int16, int32, int64, int:
		return strconv.AppendInt(b, reflect.ValueOf(x).Int(), 10)
	case uint8, uint16, uint32, uint64, uint:
		return strconv.AppendUint(b, reflect.ValueOf(x).Uint(), 10)
	case *big.Int: // HUGEINT, UHUGEINT, BIGNUM
		if x == nil {
			return append(b, "null"...)
		}
		return x.Append(b, 10)
	case duckdb.Decimal:
		return appendDecimal(b, x)
	case []byte:
		if t.kind() == "UUID" && len(x) == 16 {
			return appendUUID(b, x)
		}
		return base64.StdEncoding.AppendEncode(b, x)
	case time.Time:
		return appendTime(b, x, t)
	case duckdb.Interval:
		return appendInterval(b, x)
	}
	return fmt.Append(b, v)
}

// nonFinite returns the text of NaN and the infinities, "" for other numbers.
func nonFinite(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return ""
}

// appendDecimal appends d with exactly its scale's digits after the point,
// as DuckDB prints it (1.50 for DECIMAL(4,2)), not rounded through a float.
func appendDecimal(b []byte, d duckdb.Decimal) []byte {
	if d.Value == nil {
		return append(b, "null"...)
	}
	digits := d.Value.Text(10)
	if digits[0] == '-' {
		b = append(b, '-')
		digits = digits[1:]
	}
	scale := int(d.Scale)
	if scale == 0 {
		return append(b, digits...)
	}
	for len(digits) <= scale {
		digits = "0" + digits
	}
	cut := len(digits) - scale
	b = append(b, digits[:cut]...)
	b = append(b, '.')
	return append(b, digits[cut:]...)
}

// appendUUID appends the 16 bytes of a UUID in its usual 8-4-4-4-12 hex form.
func appendUUID(b []byte, u []byte) []byte {
	for i, part := range [][]byte{u[:4], u[4:6], u[6:8], u[8:10], u[10:]} {
		if i > 0 {
			b = append(b, '-')
		}
		b = hex.AppendEncode(b, part)
	}
	return b
}

// appendTime appends a DATE as YYYY-MM-DD, a TIME as hh:mm:ss[.ffffff], a
// TIMETZ with its numeric offset and any TIMESTAMP in RFC 3339 in UTC (a
// TIMESTAMP without time zone is taken to be UTC). DuckDB's infinite dates
// and timestamps are written as "infinity" and "-infinity".
func appendTime(b []byte, x time.Time, t *colType) []byte {
	var since int64 // the value in the type's unit since the epoch
	switch t.kind() {
	case "DATE":
		since = x.Unix() / (24 * 60 * 60)
		if since == math.MaxInt32 || since == -math.MaxInt32 {
			return appendInfinity(b, since)
		}
		return x.AppendFormat(b, time.DateOnly)
	case "TIME":
		return x.AppendFormat(b, "15:04:05.999999")
	case "TIMETZ":
		return x.AppendFormat(b, "15:04:05.999999-07:00")
	case "TIMESTAMP_S":
		since = x.Unix()
	case "TIMESTAMP_MS":
		since = x.UnixMilli()
	case "TIMESTAMP_NS":
		since = x.UnixNano()
	default: // TIMESTAMP, TIMESTAMPTZ
		since = x.UnixMicro()
	}
	if since == math.MaxInt64 || since == -math.MaxInt64 {
		return appendInfinity(b, since)
	}
	return x.UTC().AppendFormat(b, time.RFC3339Nano)
}

func appendInfinity(b []byte, sign int64) []byte {
	if sign < 0 {
		b = append(b, '-')
	}
	return append(b, "infinity"...)
}

// appendInterval appends an INTERVAL as DuckDB casts it to text, e.g.
// "1 year 2 months 3 days 04:05:06.7" or "-00:00:01": years and months, days,
// then the time of day part, each left out when zero ("00:00:00" if all are).
func appendInterval(b []byte, iv duckdb.Interval) []byte {
	start := len(b)
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		if len(b) > start {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, n, 10)
		b = append(b, ' ')
		b = append(b, name...)
		if n != 1 && n != -1 {
			b = append(b, 's')
		}
	}
	unit(int64(iv.Months/12), "year")
	unit(int64(iv.Months%12), "month")
	unit(int64(iv.Days), "day")
	if iv.Micros == 0 {
		if len(b) == start {
			b = append(b, "00:00:00"...)
		}
		return b
	}
	if len(b) > start {
		b = append(b, ' ')
	}
	micros := uint64(iv.Micros)
	if iv.Micros < 0 {
		b = append(b, '-')
		micros = -micros // two's complement: also right for math.MinInt64
	}
	const perSecond = 1_000_000
	hours := micros / (3600 * perSecond)
	minutes := micros / (60 * perSecond) % 60
	seconds := micros / perSecond % 60
	fraction := micros % perSecond
	if hours < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendUint(b, hours, 10)
	b = fmt.Appendf(b, ":%02d:%02d", minutes, seconds)
	if fraction != 0 {
		b = append(b, '.')
		b = append(b, strings.TrimRight(fmt.Sprintf("%06d", fraction), "0")...)
	}
	return b
}
