package queryfmt_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
)

// openDB opens an in-memory DuckDB for one test.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// render runs q and returns what WriteOptions prints for it.
func render(t *testing.T, db *sql.DB, q string, o queryfmt.Options) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer func() {
		if err := rows.Close(); err != nil {
			t.Error(err)
		}
	}()
	var b strings.Builder
	if _, err := queryfmt.WriteOptions(&b, rows, o); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return b.String()
}

// decode parses one JSON value keeping numbers' exact text.
func decode(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %s: %v", s, err)
	}
	return v
}

// valueCase is one SQL expression and how JSON and CSV must show its value.
type valueCase struct {
	expr string
	json string // the JSON value, exactly
	csv  string // the CSV field, exactly (quoted where CSV quotes)
}

// checkValues selects each case's expression as column v and compares the
// JSON line and the CSV record with the expected text, and the JSON decoded
// with UseNumber with the expected value decoded the same way.
func checkValues(t *testing.T, cases []valueCase) {
	t.Helper()
	db := openDB(t)
	for _, c := range cases {
		q := "SELECT " + c.expr + " AS v"
		got := render(t, db, q, queryfmt.Options{Format: queryfmt.JSON})
		if want := `{"v":` + c.json + "}\n"; got != want {
			t.Errorf("%s: json\n got %s want %s", c.expr, got, want)
		} else if g, w := decode(t, got), decode(t, want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: json decodes to %#v, want %#v", c.expr, g, w)
		}
		got = render(t, db, q, queryfmt.Options{Format: queryfmt.CSV})
		if want := "v\n" + c.csv + "\n"; got != want {
			t.Errorf("%s: csv\n got %q\nwant %q", c.expr, got, want)
		}
	}
}

func TestIntegers(t *testing.T) {
	checkValues(t, []valueCase{
		{"(-128)::TINYINT", "-128", "-128"},
		{"32767::SMALLINT", "32767", "32767"},
		{"(-2147483648)::INTEGER", "-2147483648", "-2147483648"},
		{"(-9223372036854775807 - 1)::BIGINT", "-9223372036854775808", "-9223372036854775808"},
		{"255::UTINYINT", "255", "255"},
		{"65535::USMALLINT", "65535", "65535"},
		{"4294967295::UINTEGER", "4294967295", "4294967295"},
		{"18446744073709551615::UBIGINT", "18446744073709551615", "18446744073709551615"},
		{"170141183460469231731687303715884105727::HUGEINT", "170141183460469231731687303715884105727", "170141183460469231731687303715884105727"},
		{"(-170141183460469231731687303715884105727)::HUGEINT", "-170141183460469231731687303715884105727", "-170141183460469231731687303715884105727"},
		{"340282366920938463463374607431768211455::UHUGEINT", "340282366920938463463374607431768211455", "340282366920938463463374607431768211455"},
		{"'123456789012345678901234567890123456789012'::BIGNUM", "123456789012345678901234567890123456789012", "123456789012345678901234567890123456789012"},
		// sum() of integers is a HUGEINT: a number, so jq's '.v > 0' is false for 0.
		{"(SELECT sum(0) FROM range(3))", "0", "0"},
		{"(SELECT count(*) FROM range(3))", "3", "3"},
	})
}

func TestDecimals(t *testing.T) {
	checkValues(t, []valueCase{
		{"'1234567890123456789012345678.0123456789'::DECIMAL(38,10)", "1234567890123456789012345678.0123456789", "1234567890123456789012345678.0123456789"},
		{"'-9999999999999999999999999999.9999999999'::DECIMAL(38,10)", "-9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999"},
		{"1.50::DECIMAL(4,2)", "1.50", "1.50"},
		{"-0.05::DECIMAL(4,2)", "-0.05", "-0.05"},
		{"0::DECIMAL(4,2)", "0.00", "0.00"},
		{"123456789012345.678::DECIMAL(18,3)", "123456789012345.678", "123456789012345.678"},
		{"42::DECIMAL(9,0)", "42", "42"},
		{"0.1 + 0.2", "0.3", "0.3"},
	})
}

func TestFloats(t *testing.T) {
	checkValues(t, []valueCase{
		{"1.5::DOUBLE", "1.5", "1.5"},
		{"0.1::FLOAT", "0.1", "0.1"},
		{"'-0.0'::DOUBLE", "-0", "-0"},
		{"1e300::DOUBLE", "1e+300", "1e+300"},
		{"1e-7::DOUBLE", "1e-7", "1e-7"},
		{"123456789.125::DOUBLE", "123456789.125", "123456789.125"},
		{"'nan'::DOUBLE", `"NaN"`, "NaN"},
		{"'inf'::DOUBLE", `"Infinity"`, "Infinity"},
		{"'-inf'::DOUBLE", `"-Infinity"`, "-Infinity"},
		{"'nan'::FLOAT", `"NaN"`, "NaN"},
		{"'-inf'::FLOAT", `"-Infinity"`, "-Infinity"},
	})
}

func TestStringsAndBooleans(t *testing.T) {
	checkValues(t, []valueCase{
		{"true", "true", "true"},
		{"false", "false", "false"},
		{"NULL::INTEGER", "null", ""},
		{"NULL", "null", ""},
		{"''", `""`, `""`},
		{"'plain'", `"plain"`, "plain"},
		{"'a,b'", `"a,b"`, `"a,b"`},
		{`'He said "hi"'`, `"He said \"hi\""`, `"He said ""hi"""`},
		{"'two' || chr(10) || 'lines'", `"two\nlines"`, "\"two\nlines\""},
		{"' padded '", `" padded "`, `" padded "`},
		{"'<a&b>'", `"<a&b>"`, "<a&b>"},
		{"'é☃日本'", `"é☃日本"`, "é☃日本"},
		{"'b'::ENUM('a', 'b')", `"b"`, "b"},
		{"'10110'::BIT", `"10110"`, "10110"},
	})
}

func TestTimes(t *testing.T) {
	checkValues(t, []valueCase{
		{"DATE '2024-02-29'", `"2024-02-29"`, "2024-02-29"},
		{"TIMESTAMP '2024-02-29 12:34:56.789'", `"2024-02-29T12:34:56.789Z"`, "2024-02-29T12:34:56.789Z"},
		{"TIMESTAMP '2024-02-29 12:34:56'", `"2024-02-29T12:34:56Z"`, "2024-02-29T12:34:56Z"},
		{"TIMESTAMPTZ '2024-02-29 12:34:56.5+02'", `"2024-02-29T10:34:56.5Z"`, "2024-02-29T10:34:56.5Z"},
		{"TIMESTAMP_S '2024-01-01 00:00:01'", `"2024-01-01T00:00:01Z"`, "2024-01-01T00:00:01Z"},
		{"TIMESTAMP_MS '2024-01-01 00:00:00.123'", `"2024-01-01T00:00:00.123Z"`, "2024-01-01T00:00:00.123Z"},
		{"TIMESTAMP_NS '2024-01-01 00:00:00.123456789'", `"2024-01-01T00:00:00.123456789Z"`, "2024-01-01T00:00:00.123456789Z"},
		{"TIME '12:34:56.5'", `"12:34:56.5"`, "12:34:56.5"},
		{"TIME '00:00:00'", `"00:00:00"`, "00:00:00"},
		{"TIMETZ '12:34:56+05:30'", `"12:34:56+05:30"`, "12:34:56+05:30"},
		{"TIMETZ '12:34:56.25-08'", `"12:34:56.25-08:00"`, "12:34:56.25-08:00"},
		{"'infinity'::DATE", `"infinity"`, "infinity"},
		{"'-infinity'::DATE", `"-infinity"`, "-infinity"},
		{"'infinity'::TIMESTAMP", `"infinity"`, "infinity"},
		{"'-infinity'::TIMESTAMPTZ", `"-infinity"`, "-infinity"},
		{"'infinity'::TIMESTAMP_NS", `"infinity"`, "infinity"},
		{"'-infinity'::TIMESTAMP_MS", `"-infinity"`, "-infinity"},
		{"'infinity'::TIMESTAMP_S", `"infinity"`, "infinity"},
		{"INTERVAL '1 year 2 months 3 days 04:05:06.7'", `"1 year 2 months 3 days 04:05:06.7"`, "1 year 2 months 3 days 04:05:06.7"},
		{"INTERVAL '0 seconds'", `"00:00:00"`, "00:00:00"},
	})
}

// TestIntervalText checks INTERVAL text against DuckDB's own cast to VARCHAR.
func TestIntervalText(t *testing.T) {
	db := openDB(t)
	got := render(t, db, `SELECT i, CAST(i AS VARCHAR) AS duckdb FROM (VALUES
		(INTERVAL '1 year'), (INTERVAL '2 years 1 month'), (INTERVAL '1 month'), (INTERVAL '-1 year -1 day -1 second'),
		(INTERVAL '1 day'), (INTERVAL '-3 days'), (INTERVAL '100 hours 0.000001 seconds'), (INTERVAL '-0.5 seconds'),
		(INTERVAL '25 months 10 days 00:00:00.120'), (INTERVAL '0 seconds'), (INTERVAL '-13 months')) t(i)`,
		queryfmt.Options{Format: queryfmt.CSV})
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 12 {
		t.Fatalf("got %d lines, want 12:\n%s", len(lines), got)
	}
	for _, l := range lines[1:] {
		ours, duck, ok := strings.Cut(l, ",")
		if !ok || ours != duck {
			t.Errorf("interval %q, DuckDB writes %q", ours, duck)
		}
	}
}

func TestBinary(t *testing.T) {
	checkValues(t, []valueCase{
		{"'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID", `"6ba7b810-9dad-11d1-80b4-00c04fd430c8"`, "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
		{"'00000000-0000-0000-0000-000000000000'::UUID", `"00000000-0000-0000-0000-000000000000"`, "00000000-0000-0000-0000-000000000000"},
		{`'\xAA\xBB\x00hi'::BLOB`, `"qrsAaGk="`, "qrsAaGk="},
		{`''::BLOB`, `""`, `""`},
	})
}

func TestNested(t *testing.T) {
	checkValues(t, []valueCase{
		{"[1, 2]", "[1,2]", `"[1,2]"`},
		{"[]::INTEGER[]", "[]", "[]"},
		{"[[1], [2, NULL]]", "[[1],[2,null]]", `"[[1],[2,null]]"`},
		{"[1, 2, 3]::INTEGER[3]", "[1,2,3]", `"[1,2,3]"`},
		{"['a', NULL]", `["a",null]`, `"[""a"",null]"`},
		// LIST of STRUCT, fields in the struct's order, not sorted.
		{"[{'x': 1, 'b': 'a'}, {'x': 2, 'b': NULL}]", `[{"x":1,"b":"a"},{"x":2,"b":null}]`, `"[{""x"":1,""b"":""a""},{""x"":2,""b"":null}]"`},
		{"{'zeta': 1, 'alpha': [1.5], 'mid': {'b': 2, 'a': 1}}", `{"zeta":1,"alpha":[1.5],"mid":{"b":2,"a":1}}`, `"{""zeta"":1,""alpha"":[1.5],""mid"":{""b"":2,""a"":1}}"`},
		{`{'a"b': 1, 'c d': 2, 'x,y': 3}`, `{"a\"b":1,"c d":2,"x,y":3}`, `"{""a\""b"":1,""c d"":2,""x,y"":3}"`},
		{"{'a': NULL}", `{"a":null}`, `"{""a"":null}"`},
		{"NULL::STRUCT(a INTEGER)", "null", ""},
		{"[NULL::STRUCT(a INTEGER)]", "[null]", "[null]"},
		// Typed values inside nested ones keep their rendering.
		{"[DATE '2024-01-01']", `["2024-01-01"]`, `"[""2024-01-01""]"`},
		{"['6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID]", `["6ba7b810-9dad-11d1-80b4-00c04fd430c8"]`, `"[""6ba7b810-9dad-11d1-80b4-00c04fd430c8""]"`},
		{"{'h': 170141183460469231731687303715884105727::HUGEINT, 'd': 1.50::DECIMAL(4,2), 'f': 'nan'::DOUBLE}", `{"h":170141183460469231731687303715884105727,"d":1.50,"f":"NaN"}`, `"{""h"":170141183460469231731687303715884105727,""d"":1.50,""f"":""NaN""}"`},
		{`[{'b': '\x01'::BLOB, 't': TIMESTAMPTZ '2024-01-01 00:00:00+00', 'i': INTERVAL '1 day'}]`, `[{"b":"AQ==","t":"2024-01-01T00:00:00Z","i":"1 day"}]`, `"[{""b"":""AQ=="",""t"":""2024-01-01T00:00:00Z"",""i"":""1 day""}]"`},
		// MAP: an object in the map's order when the keys are strings…
		{"MAP {'k2': 1, 'k1': 2}", `{"k2":1,"k1":2}`, `"{""k2"":1,""k1"":2}"`},
		{"MAP {'a': NULL}", `{"a":null}`, `"{""a"":null}"`},
		{"MAP {'a': [{'x': 1}]}", `{"a":[{"x":1}]}`, `"{""a"":[{""x"":1}]}"`},
		// …else key/value pairs.
		{"MAP {2: 'b', 1: 'a'}", `[{"key":2,"value":"b"},{"key":1,"value":"a"}]`, `"[{""key"":2,""value"":""b""},{""key"":1,""value"":""a""}]"`},
		{"MAP {DATE '2024-01-01': 1}", `[{"key":"2024-01-01","value":1}]`, `"[{""key"":""2024-01-01"",""value"":1}]"`},
		{"MAP {}::MAP(VARCHAR, INTEGER)", `{}`, `{}`},
		{"['101'::BIT]", `["101"]`, `"[""101""]"`},
		{"['b'::ENUM('a', 'b')]", `["b"]`, `"[""b""]"`},
		{"[TIMETZ '01:02:03+01', NULL]", `["01:02:03+01:00",null]`, `"[""01:02:03+01:00"",null]"`},
		{"[union_value(num := 2)::UNION(num INTEGER, str VARCHAR)]", "[2]", "[2]"},
		{"union_value(num := 2)::UNION(num INTEGER, str VARCHAR)", "2", "2"},
		{"union_value(str := 'x')::UNION(num INTEGER, str VARCHAR)", `"x"`, "x"},
		// JSON columns come decoded from the driver: nested, keys sorted.
		{`'{"b": 1, "a": [1, 2.5, "s", null, true]}'::JSON`, `{"a":[1,2.5,"s",null,true],"b":1}`, `"{""a"":[1,2.5,""s"",null,true],""b"":1}"`},
	})
}

func TestJSONKeysInSelectOrder(t *testing.T) {
	db := openDB(t)
	got := render(t, db, "SELECT 3 AS zeta, 1 AS alpha, 2 AS mid, 'x' AS beta", queryfmt.Options{Format: queryfmt.JSON})
	if want := `{"zeta":3,"alpha":1,"mid":2,"beta":"x"}` + "\n"; got != want {
		t.Errorf("got %s want %s", got, want)
	}
	got = render(t, db, "SELECT 3 AS zeta, 1 AS alpha, 2 AS mid, 'x' AS beta", queryfmt.Options{Format: queryfmt.CSV})
	if want := "zeta,alpha,mid,beta\n3,1,2,x\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

// TestDuplicateNames checks that repeated column names stay apart in JSON
// and CSV, renamed as DuckDB renames a subquery's columns: the names of
// SELECT * FROM (q) are what the keys of q must be.
func TestDuplicateNames(t *testing.T) {
	db := openDB(t)
	for _, names := range [][]string{
		{"a", "a"},
		{"a", "a", "a"},
		{"a", "a", "a_1"},
		{"a_1", "a", "a"},
		{"a", "A", "a"},
		{"id", "name", "id", "id_2", "id"},
		{"x", "b", "x_1", "x", "X_1"},
		{"É", "é", "Straße", "STRASSE"},
	} {
		var sel []string
		for i, n := range names {
			sel = append(sel, string(rune('1'+i))+` AS "`+n+`"`)
		}
		q := "SELECT " + strings.Join(sel, ", ")
		rows, err := db.Query("SELECT * FROM (" + q + ")")
		if err != nil {
			t.Fatal(err)
		}
		duck, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}

		line := render(t, db, q, queryfmt.Options{Format: queryfmt.JSON})
		d := json.NewDecoder(strings.NewReader(line))
		var keys []string
		if _, err := d.Token(); err != nil { // {
			t.Fatal(err)
		}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k.(string))
			if _, err := d.Token(); err != nil { // the value
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(keys, duck) {
			t.Errorf("%v: json keys %v, DuckDB names %v", names, keys, duck)
		}
		header, _, _ := strings.Cut(render(t, db, q, queryfmt.Options{Format: queryfmt.CSV}), "\n")
		if want := strings.Join(duck, ","); header != want {
			t.Errorf("%v: csv header %q, want %q", names, header, want)
		}
	}
}

// TestNonFiniteDoesNotAbort: NaN and infinities among other rows.
func TestNonFiniteDoesNotAbort(t *testing.T) {
	db := openDB(t)
	got := render(t, db, "SELECT x FROM (VALUES ('nan'::DOUBLE), ('inf'), ('-inf'), (1.5), (NULL)) t(x)", queryfmt.Options{Format: queryfmt.JSON})
	want := `{"x":"NaN"}` + "\n" + `{"x":"Infinity"}` + "\n" + `{"x":"-Infinity"}` + "\n" + `{"x":1.5}` + "\n" + `{"x":null}` + "\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCSVHeaderOnlyWhenEmpty(t *testing.T) {
	db := openDB(t)
	got := render(t, db, "SELECT 1 AS a, 'x' AS \"b,c\" WHERE false", queryfmt.Options{Format: queryfmt.CSV})
	if want := "a,\"b,c\"\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got := render(t, db, "SELECT 1 AS a WHERE false", queryfmt.Options{Format: queryfmt.JSON}); got != "" {
		t.Errorf("json of no rows: %q, want nothing", got)
	}
}

// TestJSONLinesValid runs a wide mix through JSON and checks every line is
// one valid object and the row count returned.
func TestJSONLinesValid(t *testing.T) {
	db := openDB(t)
	rows, err := db.Query(`SELECT range AS i, range::DOUBLE / 3 AS d, 'r' || range AS s, [range, NULL] AS l,
		{'k': range} AS st, MAP {'m': range} AS m FROM range(100)`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rows.Close(); err != nil {
			t.Error(err)
		}
	}()
	var b bytes.Buffer
	n, err := queryfmt.Write(&b, rows, queryfmt.JSON)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if n != 100 || len(lines) != 100 {
		t.Fatalf("n = %d, %d lines; want 100", n, len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) || l[0] != '{' {
			t.Fatalf("not a JSON object: %s", l)
		}
	}
}

// TestCSVReadsBack writes a mix of types as CSV and reads it back with
// DuckDB's read_csv: every value must come back equal, NULL told apart from
// the empty string.
func TestCSVReadsBack(t *testing.T) {
	db := openDB(t)
	const src = `SELECT * FROM (VALUES
		(1, 170141183460469231731687303715884105727::HUGEINT, '1234567890123456789012345678.0123456789'::DECIMAL(38,10),
		 'nan'::DOUBLE, 'a, "quoted"' || chr(10) || 'line', DATE '2024-02-29', TIMESTAMP '2024-02-29 12:34:56.789',
		 TIMESTAMPTZ '2024-02-29 12:34:56+02', TIME '23:59:59.999999', INTERVAL '1 year 2 months 3 days 04:05:06.7',
		 '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID, true, [1, NULL, 3]),
		(2, -1, -0.5, '-inf', '', 'infinity'::DATE, '-infinity'::TIMESTAMP, 'infinity'::TIMESTAMPTZ, TIME '00:00:00',
		 -INTERVAL '1 year 1 day 1 second', NULL, false, []),
		(3, NULL, NULL, 1e-300, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
	) t(id, h, d, f, s, dt, ts, tz, tm, iv, u, b, l)`
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := os.WriteFile(path, []byte(render(t, db, src, queryfmt.Options{Format: queryfmt.CSV})), 0o644); err != nil {
		t.Fatal(err)
	}
	back := `SELECT * FROM read_csv('` + path + `', header = true, allow_quoted_nulls = false, columns = {
		'id': 'INTEGER', 'h': 'HUGEINT', 'd': 'DECIMAL(38,10)', 'f': 'DOUBLE', 's': 'VARCHAR', 'dt': 'DATE',
		'ts': 'TIMESTAMP', 'tz': 'TIMESTAMPTZ', 'tm': 'TIME', 'iv': 'INTERVAL', 'u': 'UUID', 'b': 'BOOLEAN', 'l': 'INTEGER[]'})`
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ((` + src + ` EXCEPT ` + back + `) UNION ALL (` + back + ` EXCEPT ` + src + `))`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows differ after a round trip through CSV:\n%s", n, render(t, db, back, queryfmt.Options{Format: queryfmt.Vertical}))
	}
	if err := db.QueryRow(`SELECT count(*) FROM (` + back + `)`).Scan(&n); err != nil || n != 3 {
		t.Errorf("read back %d rows, %v; want 3", n, err)
	}
}
