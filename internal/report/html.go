package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var pageTemplate string

//go:embed report.css
var pageCSS string

// Colors of the claim types (Okabe–Ito, distinguishable with the common
// colour-vision deficiencies), then of any other type in turn.
var (
	typeColors = map[string]string{
		"CARRIER": "#0072b2", "OUTPATIENT": "#e69f00", "INPATIENT": "#d55e00", "DME": "#009e73",
		"HHA": "#cc79a7", "SNF": "#56b4e9", "HOSPICE": "#b8a200", "PDE": "#6a3d9a",
	}
	otherColors  = []string{"#7f7f7f", "#882255", "#44aa99", "#999933", "#332288", "#aa4499"}
	statusColors = map[string]string{
		"succeeded": "#0072b2", "failed": "#c62828", "interrupted": "#e69f00", "running": "#9e9e9e",
	}
)

const (
	colorCancelled   = "#d55e00"
	colorOther       = "#9e9e9e"
	colorReplacement = "#e69f00"
	colorRejects     = "#c62828"
	colorErrors      = "#6a3d9a"
)

// page is what the template draws: the report and its charts.
type page struct {
	*Report
	CSS            template.CSS
	TypeLegend     []legendItem
	MonthsChart    barChart
	BenesChart     barChart
	VersionsChart  barChart
	VersionsLegend []legendItem
	LoadsChart     barChart
	LoadsLegend    []legendItem
	QualityChart   barChart
	QualityLegend  []legendItem
	RunsChart      barChart
	RunsLegend     []legendItem
}

type legendItem struct{ Name, Color string }

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	t, err := template.New("report").Funcs(funcs).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	bw := bufio.NewWriter(w)
	if err := t.Execute(bw, r.page()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func (r *Report) page() *page {
	p := &page{Report: r, CSS: template.CSS(pageCSS)}
	colors := make([]string, len(r.Months.Types))
	other := 0
	for i, typ := range r.Months.Types {
		c, ok := typeColors[typ]
		if !ok {
			c = otherColors[other%len(otherColors)]
			other++
		}
		colors[i] = c
		p.TypeLegend = append(p.TypeLegend, legendItem{typeName(typ), c})
	}

	// Claims and beneficiaries per month.
	months := make([]string, len(r.Months.Rows))
	benes := make([]float64, len(r.Months.Rows))
	ss := make([]series, len(r.Months.Types))
	for i, typ := range r.Months.Types {
		ss[i] = series{Name: typeName(typ), Color: colors[i], Values: make([]float64, len(r.Months.Rows))}
	}
	for j, m := range r.Months.Rows {
		months[j] = m.Label
		benes[j] = float64(m.Beneficiaries)
		for i, n := range m.ByType {
			ss[i].Values[j] = float64(n)
		}
	}
	p.MonthsChart = stackedBars("Current claims per billable month, by claim type", months, ss, nil, "claims")
	p.BenesChart = stackedBars("Beneficiaries with claims per billable month", months,
		[]series{{Name: "beneficiaries", Color: "#0072b2", Values: benes}}, nil, "beneficiaries")

	// Claim versions by type and per load.
	var types []string
	active := series{Name: "active", Color: "#0072b2"}
	cancelled := series{Name: "cancelled", Color: colorCancelled}
	otherStatus := series{Name: "other status", Color: colorOther}
	for _, v := range r.Versions.ByType {
		types = append(types, typeName(v.ClaimType))
		active.Values = append(active.Values, float64(v.Active))
		cancelled.Values = append(cancelled.Values, float64(v.Cancelled))
		otherStatus.Values = append(otherStatus.Values, float64(v.Other))
	}
	p.VersionsChart = stackedBars("Claim versions by claim type and status", types, []series{active, cancelled, otherStatus}, nil, "versions")
	p.VersionsLegend = []legendItem{{active.Name, active.Color}, {cancelled.Name, cancelled.Color}, {otherStatus.Name, otherStatus.Color}}

	var loads []string
	fresh := series{Name: "new claims", Color: "#0072b2"}
	repl := series{Name: "replacements", Color: colorReplacement}
	for i, l := range r.Versions.Loads {
		loads = append(loads, loadLabel(i))
		fresh.Values = append(fresh.Values, float64(l.New()))
		repl.Values = append(repl.Values, float64(l.Replacements))
	}
	p.LoadsChart = stackedBars("Claim versions per load: new claims and replacements", loads, []series{fresh, repl}, nil, "claims")
	p.LoadsLegend = []legendItem{{fresh.Name, fresh.Color}, {repl.Name, repl.Color}}

	// Rejects and export errors per load.
	loads = nil
	rej := series{Name: "rejects", Color: colorRejects}
	errs := series{Name: "export errors", Color: colorErrors}
	for i, l := range r.Quality.Loads {
		loads = append(loads, loadLabel(i))
		rej.Values = append(rej.Values, float64(l.Rejects))
		errs.Values = append(errs.Values, float64(l.ExportErrors))
	}
	p.QualityChart = stackedBars("Rejected lines and export errors per load", loads, []series{rej, errs}, nil, "")
	p.QualityLegend = []legendItem{{rej.Name, rej.Color}, {errs.Name, errs.Color}}

	// Run durations, oldest first, coloured by outcome.
	var runs []string
	var runColors []string
	dur := series{Name: "duration", Color: statusColors["succeeded"]}
	seen := map[string]bool{}
	for i := len(r.Runs) - 1; i >= 0; i-- {
		run := r.Runs[i]
		runs = append(runs, run.Started.UTC().Format("01-02 15:04"))
		dur.Values = append(dur.Values, math.Round(run.Duration().Seconds()*10)/10)
		c, ok := statusColors[run.Status]
		if !ok {
			c = statusColors["failed"]
		}
		runColors = append(runColors, c)
		if !seen[run.Status] {
			seen[run.Status] = true
			p.RunsLegend = append(p.RunsLegend, legendItem{run.Status, c})
		}
	}
	p.RunsChart = stackedBars("Duration of the last runs in seconds, coloured by outcome", runs, []series{dur}, runColors, "s")
	return p
}

// loadLabel numbers the loads of a per-load chart and its table.
func loadLabel(i int) string { return fmt.Sprintf("#%d", i+1) }

// typeName shows a claim type; claims without one get a name.
func typeName(t string) string {
	if t == "" {
		return "(none)"
	}
	return t
}

var funcs = template.FuncMap{
	"int":      formatInt,
	"pct":      pct,
	"heat":     heatClass,
	"typeName": typeName,
	"load":     loadLabel,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02")
	},
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// stamp is a time in a table whose header says UTC.
	"stamp": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"tableTitle": func(t string) string {
		return strings.ReplaceAll(strings.TrimPrefix(t, "claim_"), "_", " ")
	},
	"dur": func(r Run) string {
		if r.Finished.IsZero() {
			return "—"
		}
		return formatFloat(math.Round(r.Duration().Seconds()*10)/10) + " s"
	},
	"system": func(s string) string { return path.Base(strings.TrimRight(s, "/")) },
	// barWidth is the width, out of 100, of a value's bar against the
	// largest of a list.
	"barWidth": func(v, peak int64) string {
		if peak <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", float64(v)/float64(peak)*100)
	},
	"add": func(a, b int) int { return a + b },
	// plural counts a noun: "1 load", "2 loads".
	"plural": func(n int, noun string) string {
		if n == 1 {
			return "1 " + noun
		}
		return formatInt(int64(n)) + " " + noun + "s"
	},
	"f":   func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"sub": func(a, b float64) float64 { return a - b },
	"codes": func(id, title, rows string, items []CodeCount) codeTable {
		return codeTable{ID: id, Title: title, RowsName: rows, Items: items}
	},
}

// codeTable is the argument of the template that draws a top-codes list.
type codeTable struct {
	ID, Title, RowsName string
	Items               []CodeCount
}

// Peak is the largest claim count of the list, which the bars are scaled to.
func (c codeTable) Peak() int64 {
	if len(c.Items) == 0 {
		return 0
	}
	return c.Items[0].Claims
}

// pct formats a share (0..1) as a percentage with one decimal; a negative
// share (nothing to divide by) as a dash.
func pct(v float64) string {
	if v < 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", v*100)
}
