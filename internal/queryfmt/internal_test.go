package queryfmt

import (
	"os"
	"reflect"
	"testing"
)

// describe writes t back in the driver's notation, to compare parses.
func describe(t *colType) string {
	switch t.kind() {
	case "":
		return "?"
	case "LIST":
		return describe(t.elem) + "[]"
	case "ARRAY":
		return describe(t.elem) + "[n]"
	case "MAP":
		return "MAP(" + describe(t.key) + ", " + describe(t.value) + ")"
	case "STRUCT", "UNION":
		s := t.name + "("
		for i, f := range t.fields {
			if i > 0 {
				s += ", "
			}
			s += "<" + f.name + "> " + describe(f.typ)
		}
		return s + ")"
	}
	return t.name
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]string{
		"INTEGER":                      "INTEGER",
		"DECIMAL(38,10)":               "DECIMAL",
		"TIMESTAMP_NS":                 "TIMESTAMP_NS",
		"VARCHAR[]":                    "VARCHAR[]",
		"INTEGER[3][]":                 "INTEGER[n][]",
		"MAP(VARCHAR, DECIMAL(4,2)[])": "MAP(VARCHAR, DECIMAL[])",
		`STRUCT("zeta" INTEGER, "alpha" DECIMAL(2,1)[], "mid" STRUCT("b" INTEGER, "a" UUID))[]`: "STRUCT(<zeta> INTEGER, <alpha> DECIMAL[], <mid> STRUCT(<b> INTEGER, <a> UUID))[]",
		`STRUCT("a""b" INTEGER, "c d" MAP(INTEGER, VARCHAR))`:                                   `STRUCT(<a"b> INTEGER, <c d> MAP(INTEGER, VARCHAR))`,
		`STRUCT("x,y" INTEGER, ")" VARCHAR)`:                                                    `STRUCT(<x,y> INTEGER, <)> VARCHAR)`,
		`UNION("num" INTEGER, "str" VARCHAR)`:                                                   `UNION(<num> INTEGER, <str> VARCHAR)`,
	} {
		got, err := parseType(in)
		if err != nil {
			t.Errorf("parseType(%s): %v", in, err)
			continue
		}
		if d := describe(got); d != want {
			t.Errorf("parseType(%s) = %s, want %s", in, d, want)
		}
	}
	for _, bad := range []string{"", "STRUCT(", `STRUCT("a INTEGER)`, "MAP(INTEGER)", "INTEGER[", "INTEGER junk"} {
		if got, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q) = %s, want an error", bad, describe(got))
		}
	}
}

func TestUniqueNames(t *testing.T) {
	// TestDuplicateNames checks the rule against DuckDB; this pins the cases.
	for _, c := range []struct{ in, want []string }{
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"a", "a", "a_1"}, []string{"a", "a_1", "a_1_1"}},
		{[]string{"a_1", "a", "a"}, []string{"a_1", "a", "a_2"}},
		{[]string{"a", "A", "A"}, []string{"a", "A_1", "A_2"}},
	} {
		if got := uniqueNames(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("uniqueNames(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"abcdef", 6, "abcdef"},
		{"abcdef", 5, "abcd…"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, ""},
		{"日本語", 6, "日本語"},
		{"日本語", 5, "日本…"},
		{"日本語", 4, "日…"}, // a wide character does not fit the last cell
		{"e\u0301te\u0301", 3, "e\u0301te\u0301"},
		{"e\u0301te\u0301", 2, "e\u0301…"}, // the accent stays with its letter
	} {
		if got := truncate(c.in, c.width); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("3 columns not shown: alpha, beta, a_very_long_column_name", 20)
	want := []string{"3 columns not shown:", "  alpha, beta,", "  a_very_long_colum…"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wrap = %q, want %q", got, want)
	}
	if got := wrap("no limit at all", 0); !reflect.DeepEqual(got, []string{"no limit at all"}) {
		t.Errorf("wrap with no width = %q", got)
	}
}

func TestTerminalWidth(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := terminalWidth(w, getenv); got != 0 {
		t.Errorf("pipe: %d, want 0", got)
	}
	env["COLUMNS"] = "77"
	if got := terminalWidth(w, getenv); got != 77 {
		t.Errorf("COLUMNS=77: %d", got)
	}
	for _, bad := range []string{"0", "-5", "wide"} {
		env["COLUMNS"] = bad
		if got := terminalWidth(w, getenv); got != 0 {
			t.Errorf("COLUMNS=%s on a pipe: %d, want 0", bad, got)
		}
	}
	if got := terminalWidth(nil, getenv); got != 0 {
		t.Errorf("nil file: %d", got)
	}
}
