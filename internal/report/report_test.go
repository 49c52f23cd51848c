package report

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/html"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
	"github.com/ab2d-etl/ab2d-etl/pipeline"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql keeps one opener goroutine per open *sql.DB; tests
		// close theirs in t.Cleanup, which runs before this check.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
	)
}

// testRun is what a run of the test warehouse loaded, as the loader
// reported it: the figures the run history must show.
type testRun struct {
	id, status                 string
	files, eobs, rejects, errs int64 // files: those loaded
}

// testWarehouse is a warehouse built from the demo export, the R4 fixtures,
// bad input and a new version of a demo claim, in two runs.
type testWarehouse struct {
	dir  string
	runs []testRun // oldest first
	// replacementFile holds one EOB: a new version (new eob_id, same claim
	// group) of a claim of the first run.
	replacementFile string
}

// buildWarehouse loads the test warehouse into a new folder in two runs:
// the demo export, the R4 fixtures and bad input that loads (rejects, an
// export error); then a new version of a demo claim beside a truncated
// gzip file, which fails that run. extra, when not nil, then runs on the
// warehouse, writable.
func buildWarehouse(t *testing.T, extra func(*sql.DB)) testWarehouse {
	t.Helper()
	tw := testWarehouse{dir: t.TempDir()}
	demo := filepath.Join(testinputs.Dir(t, "demo"), "Z0000_0001.ndjson")
	r4, err := pipeline.Inputs([]string{testinputs.Dir(t, "fixtures", "r4")})
	if err != nil {
		t.Fatal(err)
	}
	bad := testinputs.Dir(t, "badinput")
	first := append([]string{demo}, r4...)
	first = append(first,
		filepath.Join(bad, "01-broken-json.ndjson"),
		filepath.Join(bad, "07-patient-resource.ndjson"),
		filepath.Join(bad, "35-operation-outcome.ndjson"),
	)
	tw.replacementFile = writeReplacement(t, demo)
	tw.runs = append(tw.runs, loadRun(t, tw.dir, first))
	tw.runs = append(tw.runs, loadRun(t, tw.dir, []string{tw.replacementFile, filepath.Join(bad, "37-gzip-truncated.ndjson.gz")}))
	if tw.runs[0].status != "succeeded" || tw.runs[1].status != "failed" {
		t.Fatalf("runs %+v: want the first to succeed, the second to fail", tw.runs)
	}
	if extra != nil {
		// The report reads the published database: change that copy, as
		// the warehouse of another version would have it.
		path := filepath.Join(tw.dir, load.DBFile)
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("duckdb", path)
		if err != nil {
			t.Fatal(err)
		}
		extra(db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	return tw
}

// loadRun loads files into the warehouse in dir as one run, as
// `ab2d-etl load` does: a file that fails is left out and fails the run.
func loadRun(t *testing.T, dir string, files []string) testRun {
	t.Helper()
	sum, err := pipeline.LoadFiles(context.Background(), pipeline.LoadConfig{Out: dir}, files)
	if err != nil {
		t.Fatal(err)
	}
	run := testRun{id: sum.RunID, status: "succeeded"}
	if len(sum.Failed()) > 0 {
		run.status = "failed"
	}
	for _, f := range sum.Files {
		if f.Err != nil || f.Skipped {
			continue
		}
		run.files++
		run.eobs += f.EOBs
		run.rejects += f.Rejects
		run.errs += f.Issues
	}
	return run
}

// writeReplacement writes a new version of the first EOB of the demo file:
// a new id and claim id in the same claim group, updated later.
func writeReplacement(t *testing.T, demo string) string {
	t.Helper()
	f, err := os.Open(demo)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	if !sc.Scan() {
		t.Fatalf("%s: no first line: %v", demo, sc.Err())
	}
	var eob map[string]any
	if err := json.Unmarshal(sc.Bytes(), &eob); err != nil {
		t.Fatal(err)
	}
	eob["id"] = eob["id"].(string) + "-v2"
	eob["meta"].(map[string]any)["lastUpdated"] = "2030-01-01T00:00:00Z"
	for _, id := range eob["identifier"].([]any) {
		id := id.(map[string]any)
		if strings.HasSuffix(id["system"].(string), "/clm_id") {
			id["value"] = id["value"].(string) + "2"
		}
	}
	line, err := json.Marshal(eob)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "replacement.ndjson")
	if err := os.WriteFile(p, append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// openReport opens the warehouse read-only, builds its report and writes
// its HTML.
func openReport(t *testing.T, dir string) (*sql.DB, *Report, []byte) {
	t.Helper()
	ctx := context.Background()
	db, err := load.OpenReadOnly(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	r, err := Build(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r.Warehouse = dir
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return db, r, buf.Bytes()
}

// page is a parsed report.
type parsedPage struct{ root *html.Node }

func parsePage(t *testing.T, doc []byte) parsedPage {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return parsedPage{root}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// find returns the first node, in document order, for which match is true.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if m := find(c, match); m != nil {
			return m
		}
	}
	return nil
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if match(n) {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, findAll(c, match)...)
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.Data == "title":
			return // SVG tooltips are not the cell's text
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func (p parsedPage) byID(id string) *html.Node {
	return find(p.root, func(n *html.Node) bool {
		v, ok := attr(n, "id")
		return n.Type == html.ElementNode && ok && v == id
	})
}

// table returns the rows of the table with the id, header rows first, as
// the text of their cells; it fails the test when there is no such table.
func (p parsedPage) table(t *testing.T, id string) [][]string {
	t.Helper()
	tbl := p.byID(id)
	if tbl == nil || tbl.Data != "table" {
		t.Fatalf("no table #%s on the page", id)
	}
	var rows [][]string
	for _, tr := range findAll(tbl, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "tr" }) {
		var cells []string
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
				cells = append(cells, text(c))
			}
		}
		rows = append(rows, cells)
	}
	return rows
}

// total returns the text of the element with data-total=name.
func (p parsedPage) total(t *testing.T, name string) string {
	t.Helper()
	n := find(p.root, func(n *html.Node) bool {
		v, ok := attr(n, "data-total")
		return ok && v == name
	})
	if n == nil {
		t.Fatalf("no data-total=%q on the page", name)
	}
	return text(n)
}

// num parses a number as the page shows it: "1,234", "12.5%".
func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), "%"), 64)
	if err != nil {
		t.Fatalf("not a number on the page: %q", s)
	}
	return v
}

func sqlInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// sqlCounts runs a query of (key, count) rows and returns them as a map.
func sqlCounts(t *testing.T, db *sql.DB, q string, args ...any) map[string]int64 {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		m[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// column returns the index of the header cell named name.
func column(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, header)
	}
	return i
}

// cell checks the number in the named column of a table row.
func cell(t *testing.T, header, row []string, col string, want int64, what string) {
	t.Helper()
	if got := num(t, row[column(t, header, col)]); got != float64(want) {
		t.Errorf("%s, %s: page %v, want %d", what, col, got, want)
	}
}

// TestNumbersEqualSQL checks every figure of the page against SQL written
// independently of the report's queries, over the same warehouse; one
// written before field_issues existed, so that section says so.
func TestNumbersEqualSQL(t *testing.T) {
	tw := buildWarehouse(t, func(db *sql.DB) {
		if _, err := db.Exec(`DROP VIEW IF EXISTS field_issues`); err != nil {
			t.Fatal(err)
		}
	})
	db, _, doc := openReport(t, tw.dir)
	p := parsePage(t, doc)

	t.Run("totals", func(t *testing.T) {
		// claims_current keeps one row per claim group (or lone EOB).
		checks := []struct{ name, query string }{
			{"claims", `SELECT count(DISTINCT coalesce(claim_group_id, eob_id)) FROM claims`},
			{"beneficiaries", `SELECT count(DISTINCT beneficiary_id) FROM claims_current`},
			{"lines", `SELECT count(*) FROM claim_lines_detail d WHERE EXISTS (SELECT 1 FROM claims_current c WHERE c.eob_id = d.eob_id)`},
			{"clean-loads", `SELECT count(*) FROM loads WHERE rejects = 0 AND load_id NOT IN (SELECT load_id FROM export_errors)`},
		}
		for _, c := range checks {
			if got, want := num(t, p.total(t, c.name)), float64(sqlInt(t, db, c.query)); got != want {
				t.Errorf("%s: page %v, SQL %v", c.name, got, want)
			}
		}
		var first, last time.Time
		if err := db.QueryRow(`SELECT min(billable_period_start), max(billable_period_end) FROM claims_current`).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		if got := p.total(t, "first-date"); got != first.Format(time.DateOnly) {
			t.Errorf("first date %s, SQL %s", got, first.Format(time.DateOnly))
		}
		if got := p.total(t, "last-date"); got != last.Format(time.DateOnly) {
			t.Errorf("last date %s, SQL %s", got, last.Format(time.DateOnly))
		}
		if got := p.total(t, "last-run-status"); got != "failed" {
			t.Errorf("last run: %q, want failed", got)
		}
	})

	t.Run("months", func(t *testing.T) {
		rows := p.table(t, "months-table")
		header := rows[0]
		perType := sqlCounts(t, db, `SELECT strftime(billable_period_start, '%Y-%m') || '|' || coalesce(claim_type, '(none)'), count(*)
FROM claims_current WHERE billable_period_start IS NOT NULL GROUP BY 1`)
		benes := sqlCounts(t, db, `SELECT strftime(billable_period_start, '%Y-%m'), count(DISTINCT beneficiary_id)
FROM claims_current WHERE billable_period_start IS NOT NULL GROUP BY 1`)
		var all float64
		charted := 0
		for _, row := range rows[1:] {
			all += num(t, row[column(t, header, "all types")])
			if _, err := time.Parse("2006-01", row[0]); err != nil {
				continue // a row of claims outside the chart
			}
			charted++
			var sum float64
			for i, typ := range header[1 : len(header)-2] {
				got := num(t, row[i+1])
				if want := float64(perType[row[0]+"|"+typ]); got != want {
					t.Errorf("%s %s: page %v, SQL %v", row[0], typ, got, want)
				}
				sum += got
			}
			if got := num(t, row[column(t, header, "all types")]); got != sum {
				t.Errorf("%s: all types %v, sum of types %v", row[0], got, sum)
			}
			if got, want := num(t, row[len(row)-1]), float64(benes[row[0]]); got != want {
				t.Errorf("%s beneficiaries: page %v, SQL %v", row[0], got, want)
			}
		}
		if charted == 0 {
			t.Fatal("no month on the page")
		}
		// Window and outside rows together account for every current claim.
		if want := float64(sqlInt(t, db, `SELECT count(*) FROM claims_current`)); all != want {
			t.Errorf("the month table holds %v claims, claims_current %v", all, want)
		}
	})

	t.Run("top codes", func(t *testing.T) {
		lists := []struct{ id, query string }{
			{"diagnoses", `SELECT d.code || '|' || d.code_system, count(DISTINCT d.eob_id) FROM claim_diagnoses d
JOIN claims_current c ON c.eob_id = d.eob_id WHERE d.code IS NOT NULL GROUP BY 1`},
			{"procedures", `SELECT d.code || '|' || d.code_system, count(DISTINCT d.eob_id) FROM claim_procedures d
JOIN claims_current c ON c.eob_id = d.eob_id WHERE d.code IS NOT NULL GROUP BY 1`},
			{"hcpcs", `SELECT hcpcs_code || '|HCPCS', count(DISTINCT eob_id) FROM claim_lines
WHERE hcpcs_code IS NOT NULL AND eob_id IN (SELECT eob_id FROM claims_current) GROUP BY 1`},
		}
		claims := float64(sqlInt(t, db, `SELECT count(*) FROM claims_current`))
		for _, l := range lists {
			want := sqlCounts(t, db, l.query)
			rows := p.table(t, l.id)
			header := rows[0]
			if len(rows)-1 != min(TopCodes, len(want)) {
				t.Errorf("%s: %d rows, want %d", l.id, len(rows)-1, min(TopCodes, len(want)))
			}
			var counts []int64
			for _, n := range want {
				counts = append(counts, n)
			}
			slices.Sort(counts)
			slices.Reverse(counts)
			for i, row := range rows[1:] {
				code, sys := row[column(t, header, "code")], row[column(t, header, "system")]
				key := ""
				for k := range want {
					c, s, _ := strings.Cut(k, "|")
					if c == code && (s == sys || strings.HasSuffix(s, "/"+sys)) {
						key = k
					}
				}
				got := num(t, row[column(t, header, "claims")])
				if float64(want[key]) != got {
					t.Errorf("%s %s (%s): page %v claims, SQL %v", l.id, code, sys, got, want[key])
				}
				// The list is the top of the ranking.
				if got != float64(counts[i]) {
					t.Errorf("%s row %d: %v claims, the %d-th largest count is %v", l.id, i+1, got, i+1, counts[i])
				}
				if share := num(t, row[column(t, header, "share of claims")]); fmt.Sprintf("%.1f", share) != fmt.Sprintf("%.1f", got/claims*100) {
					t.Errorf("%s %s: share %v%%, want %.1f%%", l.id, code, share, got/claims*100)
				}
			}
		}
		// Labels come from codes.
		rows := p.table(t, "diagnoses")
		var display string
		if err := db.QueryRow(`SELECT display FROM codes WHERE system = 'http://hl7.org/fhir/sid/icd-10' AND code = ?`, rows[1][1]).Scan(&display); err != nil {
			t.Fatal(err)
		}
		if got := rows[1][column(t, rows[0], "label")]; got != display {
			t.Errorf("label of %s: %q, codes has %q", rows[1][1], got, display)
		}
	})

	t.Run("versions", func(t *testing.T) {
		rows := p.table(t, "versions-by-type")
		want := sqlCounts(t, db, `SELECT coalesce(claim_type, '(none)') || '|' || status, count(*) FROM claims GROUP BY 1`)
		var sum float64
		for _, row := range rows[1:] {
			for i, status := range []string{"active", "cancelled"} {
				got := num(t, row[i+1])
				sum += got
				if w := float64(want[row[0]+"|"+status]); got != w {
					t.Errorf("%s %s: page %v, SQL %v", row[0], status, got, w)
				}
			}
			sum += num(t, row[3])
		}
		if all := float64(sqlInt(t, db, `SELECT count(*) FROM claims`)); sum != all {
			t.Errorf("versions by type add up to %v, claims has %v", sum, all)
		}

		rows = p.table(t, "versions-by-load")
		header := rows[0]
		held := sqlCounts(t, db, `SELECT c.source_file, count(*) FROM claims c GROUP BY 1`)
		cancelled := sqlCounts(t, db, `SELECT source_file, count(*) FROM claims WHERE status = 'cancelled' GROUP BY 1`)
		found := false
		for _, row := range rows[1:] {
			file := row[column(t, header, "file")]
			cell(t, header, row, "claim versions", held[file], file)
			cell(t, header, row, "cancelled", cancelled[file], file)
			if file == filepath.Base(tw.replacementFile) {
				found = true
				if got := num(t, row[column(t, header, "replacements")]); got != 1 {
					t.Errorf("the replacement's load shows %v replacements, want 1", got)
				}
				if got := num(t, row[column(t, header, "new claims")]); got != 0 {
					t.Errorf("the replacement's load shows %v new claims, want 0", got)
				}
			}
			if file == "Z0000_0001.ndjson" {
				if got := num(t, row[column(t, header, "replacements")]); got != 0 {
					t.Errorf("the first load shows %v replacements, want 0", got)
				}
			}
		}
		if !found {
			t.Errorf("no row for the replacement's load in %v", rows)
		}
	})

	t.Run("quality", func(t *testing.T) {
		rows := p.table(t, "quality-loads")
		header := rows[0]
		rejects := sqlCounts(t, db, `SELECT source_file, count(*) FROM rejects GROUP BY 1`)
		errs := sqlCounts(t, db, `SELECT source_file, count(*) FROM export_errors GROUP BY 1`)
		if got, want := len(rows)-1, len(rejects)+len(errs); got != want {
			t.Errorf("%d loads with rejects or export errors, want %d", got, want)
		}
		for _, row := range rows[1:] {
			file := row[column(t, header, "file")]
			cell(t, header, row, "rejects", rejects[file], file)
			cell(t, header, row, "export errors", errs[file], file)
		}
		reasons := sqlCounts(t, db, `SELECT reason, count(*) FROM rejects GROUP BY 1`)
		rows = p.table(t, "reject-reasons")
		if len(rows)-1 != min(TopReasons, len(reasons)) {
			t.Errorf("%d reject reasons, want %d", len(rows)-1, min(TopReasons, len(reasons)))
		}
		for _, row := range rows[1:] {
			if got := num(t, row[1]); got != float64(reasons[row[0]]) {
				t.Errorf("reason %q: %v, SQL %v", row[0], got, reasons[row[0]])
			}
		}
		rows = p.table(t, "export-errors")
		if got, want := num(t, rows[1][1]), float64(sqlInt(t, db, `SELECT count(*) FROM export_errors`)); got != want {
			t.Errorf("export errors %v, SQL %v", got, want)
		}
		if p.byID("field-issues-absent") == nil {
			t.Error("no field_issues table, but the page does not say it is not recorded")
		}
		if p.byID("field-issues") != nil {
			t.Error("no field_issues table, but the page shows one")
		}
	})

	t.Run("fill", func(t *testing.T) {
		rows := p.table(t, "fill")
		header := rows[0]
		for _, row := range rows[2:] {
			table, col, _ := strings.Cut(row[0], ".")
			for i, typ := range header[1:] {
				var q string
				if table == "claims" {
					q = fmt.Sprintf(`SELECT count(%s), count(*) FROM claims_current WHERE coalesce(claim_type, '(none)') = ?`, col)
				} else {
					expr := "l." + col
					if col == "service_date or service_start" {
						expr = "coalesce(l.service_date, l.service_start)"
					}
					q = fmt.Sprintf(`SELECT count(%s), count(*) FROM claim_lines l JOIN claims_current c USING (eob_id)
WHERE coalesce(c.claim_type, '(none)') = ?`, expr)
				}
				var filled, all int64
				if err := db.QueryRow(q, typ).Scan(&filled, &all); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				want := "—"
				if all > 0 {
					want = fmt.Sprintf("%.1f%%", float64(filled)/float64(all)*100)
				}
				if got := row[i+1]; got != want {
					t.Errorf("fill of %s for %s: page %s, SQL %s", row[0], typ, got, want)
				}
			}
		}
	})

	t.Run("mbis", func(t *testing.T) {
		rows := p.table(t, "mbis")
		want := map[string]int64{
			"beneficiaries with an MBI":                           sqlInt(t, db, `SELECT count(DISTINCT beneficiary_id) FROM beneficiary_mbis`),
			"beneficiaries whose MBI changed (more than one MBI)": sqlInt(t, db, `SELECT count(*) FROM (SELECT beneficiary_id FROM beneficiary_mbis GROUP BY 1 HAVING count(DISTINCT mbi) > 1)`),
			"historic MBIs": sqlInt(t, db, `SELECT count(*) FROM beneficiary_mbis WHERE currency = 'historic'`),
			"beneficiaries with more than one current MBI": sqlInt(t, db, `SELECT count(*) FROM (SELECT beneficiary_id FROM beneficiary_mbis WHERE currency = 'current' GROUP BY 1 HAVING count(*) > 1)`),
			"current claims without an MBI":                sqlInt(t, db, `SELECT count(*) FROM claims_current WHERE mbi IS NULL`),
		}
		if len(rows) != len(want) {
			t.Errorf("%d MBI rows, want %d", len(rows), len(want))
		}
		for _, row := range rows {
			w, ok := want[row[0]]
			if !ok {
				t.Errorf("unexpected MBI row %q", row[0])
				continue
			}
			if got := num(t, row[1]); got != float64(w) {
				t.Errorf("%s: page %v, SQL %v", row[0], got, w)
			}
		}
	})

	t.Run("runs", func(t *testing.T) {
		rows := p.table(t, "runs-table")
		header := rows[0]
		if len(rows)-1 != len(tw.runs) {
			t.Fatalf("%d runs on the page, want %d", len(rows)-1, len(tw.runs))
		}
		for i, row := range rows[1:] {
			want := tw.runs[len(tw.runs)-1-i] // the page lists the newest first
			if got := row[column(t, header, "outcome")]; !strings.HasSuffix(got, want.status) {
				t.Errorf("run %d: outcome %q, want %s", i, got, want.status)
			}
			what := fmt.Sprintf("run %d", i)
			cell(t, header, row, "files", want.files, what)
			cell(t, header, row, "EOBs", want.eobs, what)
			cell(t, header, row, "rejects", want.rejects, what)
			cell(t, header, row, "export errors", want.errs, what)
		}
		rows = p.table(t, "run-rows")
		header = rows[0]
		for i, row := range rows[1:] {
			runID := tw.runs[len(tw.runs)-1-i].id
			for j, name := range header[1:] {
				table := "claim_" + strings.ReplaceAll(name, " ", "_")
				if name == "claims" || name == "beneficiary mbis" {
					table = strings.ReplaceAll(name, " ", "_")
				}
				want := sqlInt(t, db, `SELECT count(*) FROM `+table+` WHERE load_id IN (SELECT load_id FROM loads WHERE run_id = ?)`, runID)
				if got := num(t, row[j+1]); got != float64(want) {
					t.Errorf("%s %s: page %v, SQL %d", runID, table, got, want)
				}
			}
		}
	})
}

// TestFieldIssues: a warehouse with the field_issues table gets its
// section and its column in the run history.
func TestFieldIssues(t *testing.T) {
	tw := buildWarehouse(t, func(db *sql.DB) {
		var loadID string
		if err := db.QueryRow(`SELECT load_id FROM loads ORDER BY started_at LIMIT 1`).Scan(&loadID); err != nil {
			t.Fatal(err)
		}
		// The rows go in as the warehouse stores them
		// (schema.Table.Stored), with a load key per input file.
		keys, stored := schema.LoadKeys().Name, schema.StorageSchema+".field_issues"
		if _, err := db.Exec(`DELETE FROM ` + stored); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"a.ndjson", "b.ndjson"} {
			if _, err := db.Exec(`INSERT INTO `+keys+` SELECT coalesce(max(load_key), 0) + 1, ?, ? FROM `+keys, loadID, f); err != nil {
				t.Fatal(err)
			}
		}
		for _, v := range []string{
			`'a.ndjson', 1, 'e1', 'claims', 'billable_period_start', '2021-02-30', 'not a date'`,
			`'a.ndjson', 2, 'e2', 'claims', 'billable_period_start', '20210230', 'not a date'`,
			`'b.ndjson', 7, 'e3', 'claims', 'billable_period_start', 'soon', 'not a date'`,
			`'b.ndjson', 9, 'e4', 'claim_lines', 'quantity', '1e999', 'out of range'`,
		} {
			q := `INSERT INTO ` + stored + ` (load_key, source_line, eob_id, table_name, column_name, raw_value, reason, fhir_path)
SELECT (SELECT load_key FROM ` + keys + ` WHERE load_id = ? AND source_file = f), line, eob, tab, col, raw, reason, 'some.path'
FROM (VALUES (` + v + `)) v(f, line, eob, tab, col, raw, reason)`
			if _, err := db.Exec(q, loadID); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
	_, _, doc := openReport(t, tw.dir)
	p := parsePage(t, doc)
	if p.byID("field-issues-absent") != nil {
		t.Error("the page says field issues are not recorded")
	}
	if got := num(t, p.total(t, "field-issues")); got != 4 {
		t.Errorf("field issues total %v, want 4", got)
	}
	rows := p.table(t, "field-issues")
	want := [][]string{
		{"table", "column", "reason", "values", "files"},
		{"claims", "billable_period_start", "not a date", "3", "2"},
		{"claim_lines", "quantity", "out of range", "1", "1"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("field issues table\n%q\nwant\n%q", rows, want)
	}
	rows = p.table(t, "run-rows")
	col := column(t, rows[0], "field issues")
	if got := []string{rows[1][col], rows[2][col]}; !slices.Equal(got, []string{"0", "4"}) {
		t.Errorf("field issues per run (newest first) %v, want [0 4]", got)
	}
}

// TestEmptyWarehouse: a warehouse with nothing loaded yet still gets a
// page, with zeros and no charts.
func TestEmptyWarehouse(t *testing.T) {
	dir := t.TempDir()
	wh, err := load.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	_, r, doc := openReport(t, dir)
	p := parsePage(t, doc)
	if got := p.total(t, "claims"); got != "0" {
		t.Errorf("claims %q, want 0", got)
	}
	if got := p.total(t, "last-run-status"); got != "none recorded" {
		t.Errorf("last run %q, want none recorded", got)
	}
	if len(r.Months.Rows) != 0 || len(r.Runs) != 0 {
		t.Errorf("months %v, runs %v: want none", r.Months.Rows, r.Runs)
	}
	if n := bytes.Count(doc, []byte(`<svg class="chart"`)); n != 0 {
		t.Errorf("%d charts drawn for an empty warehouse", n)
	}
}
