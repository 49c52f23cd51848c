package report

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// currentTable is the temporary table of the current claims' columns the
// report needs: claims_current is a window over every claim version, so it
// is computed once, not once per query.
const currentTable = "report_current_claims"

// fieldIssuesTable is the table of values that did not fit their column;
// warehouses written before it existed lack it.
const fieldIssuesTable = "field_issues"

// maxReason is the longest reason text shown, in runes.
const maxReason = 160

// The HCPCS code systems claim_lines.hcpcs_code is read from (see
// pipeline/transform): labels are looked up in codes under either.
var hcpcsSystems = []string{
	"https://bluebutton.cms.gov/resources/codesystem/hcpcs",
	"https://bluebutton.cms.gov/resources/variables/hcpcs_cd",
}

// fillColumns are the key columns whose fill rate the heat map shows:
// claims columns per current claim, claim_lines columns per line.
var fillColumns = []struct{ table, column, expr string }{
	{"claims", "claim_id", "claim_id"},
	{"claims", "claim_group_id", "claim_group_id"},
	{"claims", "beneficiary_id", "beneficiary_id"},
	{"claims", "mbi", "mbi"},
	{"claims", "billable_period_start", "billable_period_start"},
	{"claims", "billable_period_end", "billable_period_end"},
	{"claims", "last_updated", "last_updated"},
	{"claims", "principal_diagnosis_code", "principal_diagnosis_code"},
	{"claims", "drg_code", "drg_code"},
	{"claims", "facility_type_code", "facility_type_code"},
	{"claims", "provider_id", "provider_id"},
	{"claims", "organization_npi", "organization_npi"},
	{"claims", "attending_npi", "attending_npi"},
	{"claims", "rendering_npi", "rendering_npi"},
	{"claims", "referring_npi", "referring_npi"},
	{"claim_lines", "hcpcs_code", "l.hcpcs_code"},
	{"claim_lines", "revenue_center_code", "l.revenue_center_code"},
	{"claim_lines", "place_of_service", "l.place_of_service"},
	{"claim_lines", "service_date or service_start", "coalesce(l.service_date, l.service_start)"},
	{"claim_lines", "rendering_npi", "l.rendering_npi"},
}

// runTables are the tables whose rows the run history counts per run, when
// the warehouse has them.
var runTables = []string{
	"claims", "claim_lines", "claim_diagnoses", "claim_procedures", "claim_care_team",
	"claim_extensions", "claim_supporting_info", "claim_contained", "beneficiary_mbis",
}

// querier runs the report's queries on one connection.
type querier struct {
	conn   *sql.Conn
	tables map[string]bool // tables and views of the main schema
}

// each runs query and calls fn for every row, with rows positioned on it.
func (q *querier) each(ctx context.Context, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := q.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", firstLine(query), err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("%s: %w", firstLine(query), err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", firstLine(query), err)
	}
	return nil
}

// row runs a query that returns one row and scans it into dest.
func (q *querier) row(ctx context.Context, query string, dest []any, args ...any) error {
	if err := q.conn.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return fmt.Errorf("%s: %w", firstLine(query), err)
	}
	return nil
}

func firstLine(query string) string {
	s := strings.TrimSpace(query)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return "query " + s
}

func (q *querier) build(ctx context.Context) (*Report, error) {
	r := &Report{Generated: time.Now().UTC()}
	if err := q.listTables(ctx); err != nil {
		return nil, err
	}
	if _, err := q.conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE `+currentTable+` AS
SELECT eob_id, coalesce(claim_type, '') AS claim_type, beneficiary_id, mbi,
  billable_period_start, billable_period_end
FROM claims_current`); err != nil {
		return nil, fmt.Errorf("current claims: %w", err)
	}
	steps := []func(context.Context, *Report) error{
		q.runs, q.totals, q.months, q.topCodes, q.versions,
		q.loadQuality, q.reasons, q.fieldIssues, q.fill, q.mbis,
	}
	for _, step := range steps {
		if err := step(ctx, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (q *querier) listTables(ctx context.Context) error {
	q.tables = map[string]bool{}
	return q.each(ctx, `SELECT table_name FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main'`, func(rows *sql.Rows) error {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		q.tables[name] = true
		return nil
	})
}

func (q *querier) totals(ctx context.Context, r *Report) error {
	t := &r.Totals
	var first, last sql.NullTime
	if err := q.row(ctx, `SELECT count(*), count(DISTINCT beneficiary_id),
  min(least(billable_period_start, billable_period_end)), max(greatest(billable_period_start, billable_period_end)),
  (SELECT count(*) FROM claims),
  (SELECT count(*) FROM claim_lines WHERE eob_id IN (SELECT eob_id FROM `+currentTable+`))
FROM `+currentTable, []any{&t.Claims, &t.Beneficiaries, &first, &last, &t.ClaimVersions, &t.Lines}); err != nil {
		return err
	}
	t.FirstDate, t.LastDate = first.Time, last.Time
	if len(r.Runs) > 0 {
		t.LastRun = &r.Runs[0]
	}
	return nil
}

// months fills r.Months: the window ends at the newest billable month, or
// at the current month when claims lie ahead, and spans at most MonthWindow
// months back to the oldest.
func (q *querier) months(ctx context.Context, r *Report) error {
	var lo, hi sql.NullTime
	if err := q.row(ctx, `SELECT date_trunc('month', min(billable_period_start)), date_trunc('month', max(billable_period_start))
FROM `+currentTable, []any{&lo, &hi}); err != nil {
		return err
	}
	var months []time.Time
	if hi.Valid {
		end := hi.Time
		if now := monthOf(r.Generated); now.Before(end) {
			end = now
		}
		start := end.AddDate(0, -(MonthWindow - 1), 0)
		if lo.Time.After(start) {
			start = lo.Time
		}
		for m := start; !m.After(end); m = m.AddDate(0, 1, 0) {
			months = append(months, m)
		}
	}
	const (
		earlier = "earlier"
		later   = "later"
		undated = "no billable period"
	)
	start, end := time.Time{}, time.Time{}
	if len(months) > 0 {
		start, end = months[0], months[len(months)-1]
	}
	bucket := `CASE WHEN billable_period_start IS NULL THEN '` + undated + `'
  WHEN billable_period_start < ?::DATE THEN '` + earlier + `'
  WHEN billable_period_start >= (?::DATE + INTERVAL 1 MONTH) THEN '` + later + `'
  ELSE strftime(billable_period_start, '%Y-%m') END`
	counts := map[string]map[string]int64{}
	typeTotals := map[string]int64{}
	err := q.each(ctx, `SELECT `+bucket+` AS bucket, claim_type, count(*) FROM `+currentTable+` GROUP BY ALL`,
		func(rows *sql.Rows) error {
			var b, typ string
			var n int64
			if err := rows.Scan(&b, &typ, &n); err != nil {
				return err
			}
			if counts[b] == nil {
				counts[b] = map[string]int64{}
			}
			counts[b][typ] += n
			typeTotals[typ] += n
			return nil
		}, start, end)
	if err != nil {
		return err
	}
	benes := map[string]int64{}
	err = q.each(ctx, `SELECT `+bucket+` AS bucket, count(DISTINCT beneficiary_id) FROM `+currentTable+` GROUP BY ALL`,
		func(rows *sql.Rows) error {
			var b string
			var n int64
			if err := rows.Scan(&b, &n); err != nil {
				return err
			}
			benes[b] = n
			return nil
		}, start, end)
	if err != nil {
		return err
	}
	r.Months.Types = byCount(typeTotals)
	row := func(label string) Month {
		m := Month{Label: label, ByType: make([]int64, len(r.Months.Types)), Beneficiaries: benes[label]}
		for i, typ := range r.Months.Types {
			m.ByType[i] = counts[label][typ]
			m.Total += m.ByType[i]
		}
		return m
	}
	for _, m := range months {
		r.Months.Rows = append(r.Months.Rows, row(m.Format("2006-01")))
	}
	for _, label := range []string{earlier, later, undated} {
		if _, ok := counts[label]; ok {
			out := row(label)
			switch label {
			case earlier:
				out.Label = "before " + start.Format("2006-01")
			case later:
				out.Label = "after " + end.Format("2006-01")
			}
			r.Months.Outside = append(r.Months.Outside, out)
		}
	}
	return nil
}

func monthOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// byCount returns the keys of m, the largest count first, ties by key.
func byCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	return keys
}

func (q *querier) topCodes(ctx context.Context, r *Report) error {
	// Labels are the display of the same (system, code) in codes; HCPCS
	// lines keep no system, so the display under either HCPCS system.
	const bySystem = `SELECT system, code, max(display) AS display FROM codes GROUP BY ALL`
	lists := []struct {
		dst           *[]CodeCount
		counts, label string
		args          []any
	}{
		{&r.Diagnoses, `SELECT code, code_system AS system, count(DISTINCT eob_id) AS claims, count(*) AS n
FROM claim_diagnoses WHERE code IS NOT NULL AND eob_id IN (SELECT eob_id FROM ` + currentTable + `)
GROUP BY ALL`, bySystem, nil},
		{&r.Procedures, `SELECT code, code_system AS system, count(DISTINCT eob_id) AS claims, count(*) AS n
FROM claim_procedures WHERE code IS NOT NULL AND eob_id IN (SELECT eob_id FROM ` + currentTable + `)
GROUP BY ALL`, bySystem, nil},
		{&r.HCPCS, `SELECT hcpcs_code AS code, '' AS system, count(DISTINCT eob_id) AS claims, count(*) AS n
FROM claim_lines WHERE hcpcs_code IS NOT NULL AND eob_id IN (SELECT eob_id FROM ` + currentTable + `)
GROUP BY ALL`, `SELECT '' AS system, code, max(display) AS display FROM codes WHERE system IN (?, ?) GROUP BY ALL`,
			[]any{hcpcsSystems[0], hcpcsSystems[1]}},
	}
	for _, l := range lists {
		query := `WITH top AS (` + l.counts + ` ORDER BY claims DESC, n DESC, code, system LIMIT ?),
label AS (` + l.label + `)
SELECT top.code, coalesce(top.system, ''), top.claims, top.n, coalesce(label.display, '')
FROM top LEFT JOIN label ON label.system = top.system AND label.code = top.code
ORDER BY top.claims DESC, top.n DESC, top.code, top.system`
		err := q.each(ctx, query, func(rows *sql.Rows) error {
			var c CodeCount
			if err := rows.Scan(&c.Code, &c.System, &c.Claims, &c.Rows, &c.Label); err != nil {
				return err
			}
			if r.Totals.Claims > 0 {
				c.Share = float64(c.Claims) / float64(r.Totals.Claims)
			}
			*l.dst = append(*l.dst, c)
			return nil
		}, append([]any{TopCodes}, l.args...)...)
		if err != nil {
			return err
		}
	}
	return nil
}

func (q *querier) versions(ctx context.Context, r *Report) error {
	v := &r.Versions
	err := q.each(ctx, `SELECT coalesce(claim_type, ''), count(*) FILTER (status = 'active'),
  count(*) FILTER (status = 'cancelled'), count(*) FILTER (status IS DISTINCT FROM 'active' AND status IS DISTINCT FROM 'cancelled')
FROM claims GROUP BY ALL ORDER BY count(*) DESC, 1`, func(rows *sql.Rows) error {
		var c VersionCount
		if err := rows.Scan(&c.ClaimType, &c.Active, &c.Cancelled, &c.Other); err != nil {
			return err
		}
		v.ByType = append(v.ByType, c)
		return nil
	})
	if err != nil {
		return err
	}
	// A claim version replaces when its claim group already had a version
	// from a load that started earlier.
	var total int
	err = q.each(ctx, `WITH c AS (
  SELECT c.load_id, c.status,
    c.claim_group_id IS NOT NULL
      AND l.started_at > min(l.started_at) OVER (PARTITION BY c.claim_group_id) AS replaces
  FROM claims c JOIN loads l USING (load_id)),
per AS (
  SELECT load_id, count(*) AS claims, count(*) FILTER (replaces) AS replacements,
    count(*) FILTER (status = 'cancelled') AS cancelled
  FROM c GROUP BY load_id)
SELECT per.*, l.source_file, l.started_at, count(*) OVER () AS loads
FROM per JOIN loads l USING (load_id)
ORDER BY l.started_at DESC, load_id DESC LIMIT ?`, func(rows *sql.Rows) error {
		var lv LoadVersions
		var file string
		if err := rows.Scan(&lv.Load.ID, &lv.Claims, &lv.Replacements, &lv.Cancelled, &file, &lv.Load.Started, &total); err != nil {
			return err
		}
		lv.Load.File = path.Base(file)
		v.Loads = append(v.Loads, lv)
		return nil
	}, RecentLoads)
	if err != nil {
		return err
	}
	slices.Reverse(v.Loads)
	v.MoreLoads = total - len(v.Loads)
	return nil
}

func (q *querier) loadQuality(ctx context.Context, r *Report) error {
	qu := &r.Quality
	var total int
	err := q.each(ctx, `WITH e AS (SELECT load_id, count(*) AS n, mode(text) AS top FROM export_errors GROUP BY load_id),
j AS (SELECT load_id, mode(reason) AS top FROM rejects GROUP BY load_id),
q AS (
  SELECT l.load_id, l.source_file, l.started_at, l.rows, l.rejects, coalesce(e.n, 0) AS errors,
    coalesce(j.top, '') AS top_reject, coalesce(e.top, '') AS top_error
  FROM loads l LEFT JOIN e USING (load_id) LEFT JOIN j USING (load_id)
  WHERE l.rejects > 0 OR e.n > 0)
SELECT *, count(*) OVER () FROM q ORDER BY started_at DESC, load_id DESC LIMIT ?`, func(rows *sql.Rows) error {
		var lq LoadQuality
		var file string
		if err := rows.Scan(&lq.Load.ID, &file, &lq.Load.Started, &lq.Rows, &lq.Rejects, &lq.ExportErrors,
			&lq.TopReject, &lq.TopError, &total); err != nil {
			return err
		}
		lq.Load.File = path.Base(file)
		lq.TopReject, lq.TopError = clip(lq.TopReject), clip(lq.TopError)
		qu.Loads = append(qu.Loads, lq)
		return nil
	}, RecentLoads)
	if err != nil {
		return err
	}
	slices.Reverse(qu.Loads)
	qu.MoreLoads = total - len(qu.Loads)
	return q.row(ctx, `SELECT count(*) FROM loads l
WHERE l.rejects = 0 AND NOT EXISTS (SELECT 1 FROM export_errors e WHERE e.load_id = l.load_id)`, []any{&qu.CleanLoads})
}

// clip shortens a reason to maxReason runes.
func clip(s string) string {
	if n := 0; len(s) > maxReason {
		for i := range s {
			if n == maxReason {
				return s[:i] + "…"
			}
			n++
		}
	}
	return s
}

func (q *querier) reasons(ctx context.Context, r *Report) error {
	lists := []struct {
		dst   *[]Reason
		query string
	}{
		{&r.Quality.RejectReasons, `SELECT reason, count(*), count(DISTINCT source_file) FROM rejects
GROUP BY reason ORDER BY 2 DESC, 1 LIMIT ?`},
		{&r.Quality.ExportErrors, `SELECT concat_ws(': ', coalesce(severity, '?') || ' ' || coalesce(code, '?'), text) AS t,
  count(*), count(DISTINCT source_file) FROM export_errors GROUP BY t ORDER BY 2 DESC, 1 LIMIT ?`},
	}
	for _, l := range lists {
		err := q.each(ctx, l.query, func(rows *sql.Rows) error {
			var x Reason
			if err := rows.Scan(&x.Text, &x.Count, &x.Files); err != nil {
				return err
			}
			x.Text = clip(x.Text)
			*l.dst = append(*l.dst, x)
			return nil
		}, TopReasons)
		if err != nil {
			return err
		}
	}
	return nil
}

func (q *querier) fieldIssues(ctx context.Context, r *Report) error {
	fi := &r.Quality.FieldIssues
	if fi.Recorded = q.tables[fieldIssuesTable]; !fi.Recorded {
		return nil
	}
	err := q.each(ctx, `SELECT coalesce(table_name, ''), coalesce(column_name, ''), coalesce(reason, ''), count(*),
  count(DISTINCT source_file), sum(count(*)) OVER ()::BIGINT
FROM `+fieldIssuesTable+` GROUP BY ALL ORDER BY 4 DESC, 1, 2, 3`, func(rows *sql.Rows) error {
		var x FieldIssue
		if err := rows.Scan(&x.Table, &x.Column, &x.Reason, &x.Count, &x.Files, &fi.Total); err != nil {
			return err
		}
		if len(fi.ByColumn) < TopReasons*2 {
			x.Reason = clip(x.Reason)
			fi.ByColumn = append(fi.ByColumn, x)
		}
		return nil
	})
	return err
}

func (q *querier) fill(ctx context.Context, r *Report) error {
	f := &r.Quality.Fill
	f.Types = r.Months.Types
	idx := map[string]int{}
	for i, t := range f.Types {
		idx[t] = i
	}
	f.Claims = make([]int64, len(f.Types))
	f.Lines = make([]int64, len(f.Types))
	var claimExprs, lineExprs []string
	for _, c := range fillColumns {
		f.Rows = append(f.Rows, FillRow{Table: c.table, Column: c.column,
			Filled: make([]int64, len(f.Types)), Rates: make([]float64, len(f.Types))})
		if c.table == "claims" {
			claimExprs = append(claimExprs, "count("+c.expr+")")
		} else {
			lineExprs = append(lineExprs, "count("+c.expr+")")
		}
	}
	// Header columns come from claims (the temporary table keeps only a
	// few), restricted to the current versions.
	queries := []struct {
		query  string
		counts []int64
		first  int // first row of f.Rows the query fills
	}{
		{`SELECT coalesce(claim_type, ''), count(*), ` + strings.Join(claimExprs, ", ") + `
FROM claims WHERE eob_id IN (SELECT eob_id FROM ` + currentTable + `) GROUP BY ALL`, f.Claims, 0},
		{`SELECT c.claim_type, count(*), ` + strings.Join(lineExprs, ", ") + `
FROM claim_lines l JOIN ` + currentTable + ` c USING (eob_id) GROUP BY ALL`, f.Lines, len(claimExprs)},
	}
	for _, qq := range queries {
		n := len(claimExprs)
		if qq.first > 0 {
			n = len(lineExprs)
		}
		err := q.each(ctx, qq.query, func(rows *sql.Rows) error {
			var typ string
			var total int64
			vals := make([]int64, n)
			dest := []any{&typ, &total}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			i, ok := idx[typ]
			if !ok {
				return fmt.Errorf("claim type %q not among the current claims' types", typ)
			}
			qq.counts[i] = total
			for j, v := range vals {
				f.Rows[qq.first+j].Filled[i] = v
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, row := range f.Rows {
		den := f.Claims
		if row.Table != "claims" {
			den = f.Lines
		}
		for i := range row.Rates {
			row.Rates[i] = -1
			if den[i] > 0 {
				row.Rates[i] = float64(row.Filled[i]) / float64(den[i])
			}
		}
	}
	return nil
}

func (q *querier) mbis(ctx context.Context, r *Report) error {
	m := &r.Quality.MBIs
	return q.row(ctx, `WITH b AS (
  SELECT beneficiary_id, count(*) AS mbis, count(*) FILTER (currency = 'current') AS current
  FROM beneficiary_mbis GROUP BY beneficiary_id)
SELECT count(*), count(*) FILTER (mbis > 1), count(*) FILTER (current > 1),
  (SELECT count(*) FROM beneficiary_mbis WHERE currency = 'historic'),
  (SELECT count(*) FROM `+currentTable+` WHERE mbi IS NULL)
FROM b`, []any{&m.Beneficiaries, &m.Changed, &m.MultipleCurrent, &m.Historic, &m.ClaimsNoMBI})
}

func (q *querier) runs(ctx context.Context, r *Report) error {
	byID := map[string]int{}
	err := q.each(ctx, `WITH recent AS (SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?),
l AS (SELECT run_id, count(*) AS files, sum(rows) AS rows, sum(rejects) AS rejects,
  sum((SELECT count(*) FROM export_errors e WHERE e.load_id = loads.load_id)) AS errors
  FROM loads WHERE run_id IN (SELECT run_id FROM recent) GROUP BY run_id)
SELECT r.run_id, r.command, r.status, coalesce(r.job_id, ''), coalesce(r.message, ''), r.started_at, r.finished_at,
  coalesce(l.files, 0), coalesce(l.rows, 0)::BIGINT, coalesce(l.rejects, 0)::BIGINT, coalesce(l.errors, 0)::BIGINT
FROM recent r LEFT JOIN l USING (run_id) ORDER BY r.started_at DESC, r.run_id DESC`, func(rows *sql.Rows) error {
		var run Run
		var finished sql.NullTime
		var resources int64
		if err := rows.Scan(&run.ID, &run.Command, &run.Status, &run.JobID, &run.Message, &run.Started, &finished,
			&run.Files, &resources, &run.Rejects, &run.ExportErrors); err != nil {
			return err
		}
		run.Finished = finished.Time
		// loads.rows counts the EOBs and the OperationOutcomes accepted.
		run.EOBs = resources - run.ExportErrors
		run.FieldIssues = -1
		byID[run.ID] = len(r.Runs)
		r.Runs = append(r.Runs, run)
		return nil
	}, RecentRuns)
	if err != nil {
		return err
	}
	for _, t := range runTables {
		if q.tables[t] {
			r.RunTables = append(r.RunTables, t)
		}
	}
	for i := range r.Runs {
		r.Runs[i].Rows = make([]int64, len(r.RunTables))
	}
	if len(r.Runs) == 0 {
		return nil
	}
	counted := slices.Clone(r.RunTables)
	if q.tables[fieldIssuesTable] {
		counted = append(counted, fieldIssuesTable)
		for i := range r.Runs {
			r.Runs[i].FieldIssues = 0
		}
	}
	var parts []string
	for i, t := range counted {
		parts = append(parts, fmt.Sprintf(`SELECT %d AS t, l.run_id, count(*) AS n FROM %s x JOIN recent l USING (load_id) GROUP BY l.run_id`, i, t))
	}
	return q.each(ctx, `WITH recent AS (SELECT load_id, run_id FROM loads
  WHERE run_id IN (SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?))
`+strings.Join(parts, "\nUNION ALL "), func(rows *sql.Rows) error {
		var t int
		var id string
		var n int64
		if err := rows.Scan(&t, &id, &n); err != nil {
			return err
		}
		run := &r.Runs[byID[id]]
		if t < len(r.RunTables) {
			run.Rows[t] = n
		} else {
			run.FieldIssues = n
		}
		return nil
	}, RecentRuns)
}
