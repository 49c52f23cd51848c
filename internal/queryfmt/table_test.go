package queryfmt_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// wideQuery has more columns than 60 cells hold: an id, numbers, long text,
// NULLs, wide characters and a nested value.
const wideQuery = `SELECT i AS claim_id,
	i * 1000.25::DECIMAL(10,2) AS amount,
	'claim number ' || i || ' with a description far longer than any column may be' AS description,
	CASE WHEN i = 2 THEN NULL ELSE 'active' END AS status,
	'日本語のテキスト' AS note,
	[i, i + 1] AS codes,
	DATE '2024-01-01' + i::INTEGER AS service_date,
	'provider-' || i AS provider_npi,
	i % 2 = 0 AS paid
FROM range(1, 4) t(i)`

func TestGolden(t *testing.T) {
	db := openDB(t)
	for _, c := range []struct {
		name string
		q    string
		o    queryfmt.Options
	}{
		{"table_unlimited", wideQuery, queryfmt.Options{}},
		{"table_width60", wideQuery, queryfmt.Options{Width: 60}},
		{"table_width120", wideQuery, queryfmt.Options{Width: 120, MaxColumnWidth: 24}},
		{"table_width12", wideQuery, queryfmt.Options{Width: 12}},
		{"table_numbers", `SELECT x AS n, x::VARCHAR AS s, x * 1.5 AS d, 'nan'::DOUBLE AS f, 170141183460469231731687303715884105727::HUGEINT AS h
			FROM (VALUES (1), (-22), (333)) t(x)`, queryfmt.Options{}},
		{"table_escapes", `SELECT 'a' || chr(10) || 'b' || chr(9) || 'c' || chr(27) || '[31m' AS "text", NULL AS "null", '' AS empty`, queryfmt.Options{}},
		{"table_max_rows", "SELECT range AS i FROM range(5)", queryfmt.Options{MaxRows: 3}},
		{"table_empty", "SELECT 1 AS a, 'x' AS b WHERE false", queryfmt.Options{}},
		{"vertical_unlimited", wideQuery, queryfmt.Options{Format: queryfmt.Vertical}},
		{"vertical_width40", wideQuery, queryfmt.Options{Format: queryfmt.Vertical, Width: 40}},
		{"vertical_one_row", "SELECT 1 AS a, 'x' AS long_column_name", queryfmt.Options{Format: queryfmt.Vertical}},
	} {
		t.Run(c.name, func(t *testing.T) {
			testinputs.Golden(t, filepath.Join("testdata", c.name+".golden"), []byte(render(t, db, c.q, c.o)), *update)
		})
	}
}

// TestTableFitsWidth checks, for several widths, that no line is wider than
// the width, that the header names a prefix of the columns and that the
// footer names every other one.
func TestTableFitsWidth(t *testing.T) {
	db := openDB(t)
	all := []string{"claim_id", "amount", "description", "status", "note", "codes", "service_date", "provider_npi", "paid"}
	for _, width := range []int{20, 40, 60, 80, 120, 200} {
		out := render(t, db, wideQuery, queryfmt.Options{Width: width})
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for _, l := range lines {
			if w := uniseg.StringWidth(l); w > width {
				t.Errorf("width %d: line of %d cells: %q", width, w, l)
			}
		}
		shown := 0
		for _, h := range strings.Split(lines[0], " | ") {
			if h = strings.TrimSpace(h); h != "" && h == all[shown] || strings.HasSuffix(h, "…") && strings.HasPrefix(all[shown], strings.TrimSuffix(h, "…")) {
				shown++
			}
		}
		if shown == 0 {
			t.Errorf("width %d: no column shown:\n%s", width, out)
		}
		footer := strings.Join(lines[2+3:], " ")
		hidden := all[shown:]
		if len(hidden) == 0 {
			if strings.Contains(footer, "not shown") {
				t.Errorf("width %d: all columns shown but the footer says\n%s", width, footer)
			}
			continue
		}
		if !strings.Contains(footer, "not shown") {
			t.Errorf("width %d: %d hidden columns not reported:\n%s", width, len(hidden), out)
		}
		for _, name := range hidden {
			if !strings.Contains(footer, name) {
				t.Errorf("width %d: hidden column %s not named in the footer:\n%s", width, name, out)
			}
		}
	}
	// No width: every value whole.
	out := render(t, db, wideQuery, queryfmt.Options{})
	if !strings.Contains(out, "claim number 3 with a description far longer than any column may be") || strings.Contains(out, "…") {
		t.Errorf("unlimited table cut a value:\n%s", out)
	}
}

func TestVerticalFitsWidth(t *testing.T) {
	db := openDB(t)
	out := render(t, db, wideQuery, queryfmt.Options{Format: queryfmt.Vertical, Width: 40})
	records := strings.Split(strings.TrimSuffix(out, "\n"), "\n\n")
	if len(records) != 4 { // 3 rows and the footer
		t.Fatalf("got %d blocks, want 3 rows and a footer:\n%s", len(records), out)
	}
	if records[3] != "(3 rows)" {
		t.Errorf("footer %q, want (3 rows)", records[3])
	}
	for _, rec := range records[:3] {
		lines := strings.Split(rec, "\n")
		if len(lines) != 9 {
			t.Errorf("record of %d lines, want one per column:\n%s", len(lines), rec)
		}
		for _, l := range lines {
			if uniseg.StringWidth(l) > 40 || !strings.Contains(l, " = ") {
				t.Errorf("line %q: want name = value within 40 cells", l)
			}
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]queryfmt.Format{
		"table": queryfmt.Table, "vertical": queryfmt.Vertical, "line": queryfmt.Vertical,
		"csv": queryfmt.CSV, "json": queryfmt.JSON,
	} {
		if got, err := queryfmt.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "xml", "JSON"} {
		if _, err := queryfmt.ParseFormat(in); err == nil {
			t.Errorf("ParseFormat(%q) accepted", in)
		}
	}
}
