// Package report builds a one-page HTML report of an ab2d-etl warehouse for
// the people who read it: what is in it (claims, beneficiaries, lines, claims
// per month, the most frequent codes), how the claim versions moved, how
// clean the data is (rejects, export errors, values that did not fit their
// column, fill rate of the key columns, MBI changes) and how the last runs
// went.
//
// [Build] runs the DuckDB queries and keeps only the aggregates, so its
// memory does not grow with the warehouse; [Report.WriteHTML] writes one
// self-contained file: inline CSS, charts drawn as inline SVG, no script and
// nothing fetched from anywhere, so it opens from disk with no network and
// prints as it shows. Every chart has its numbers in a table beside it.
package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Limits of what the page lists.
const (
	// MonthWindow is the most months the monthly chart spans, ending at the
	// newest billable month (or the current one, when claims lie ahead).
	MonthWindow = 96
	// TopCodes is the length of each top-codes list.
	TopCodes = 15
	// RecentRuns is the number of runs in the run history.
	RecentRuns = 30
	// RecentLoads is the most loads listed per load.
	RecentLoads = 30
	// TopReasons is the length of the lists of reasons.
	TopReasons = 10
)

// Report is what the page shows: aggregates only, no claim-level rows.
type Report struct {
	Generated time.Time // when Build ran
	Warehouse string    // where the warehouse is, for the header; set by the caller

	Totals     Totals
	Months     Months
	Diagnoses  []CodeCount // most frequent diagnosis codes of current claims
	Procedures []CodeCount // most frequent ICD procedure codes of current claims
	HCPCS      []CodeCount // most frequent HCPCS codes of current claims' lines
	Versions   Versions
	Quality    Quality
	RunTables  []string // tables counted in Run.Rows, in order
	Runs       []Run    // newest first
}

// Totals are the headline figures.
type Totals struct {
	Claims        int64 // current claims: rows of claims_current
	ClaimVersions int64 // every claim version held (rows of claims)
	Beneficiaries int64 // distinct beneficiaries of current claims
	Lines         int64 // lines of current claims
	// FirstDate and LastDate span the current claims' billable periods
	// (zero when none has one).
	FirstDate, LastDate time.Time
	LastRun             *Run // nil when no run is recorded
}

// Months are the current claims per billable month (of
// billable_period_start) and claim type, and the beneficiaries with claims
// in each month.
type Months struct {
	Types []string // claim types, most claims first; "" is a claim without one
	Rows  []Month  // every month of the window, oldest first
	// Outside are the claims the chart does not show: before the window,
	// after it, and without a billable period; only those that hold claims.
	Outside []Month
}

// Month is one row of Months.
type Month struct {
	Label         string  // "2024-03", or what an Outside row holds
	ByType        []int64 // claims per Months.Types
	Total         int64
	Beneficiaries int64 // distinct beneficiaries with a claim in the month
}

// CodeCount is one code of a top-codes list.
type CodeCount struct {
	Code   string
	System string // the code system URI
	Label  string // display from the codes table; "" when it has none
	Claims int64  // current claims that carry the code
	Rows   int64  // diagnoses, procedures or lines that carry it
	Share  float64
}

// Versions are the claim versions the warehouse holds.
type Versions struct {
	ByType    []VersionCount
	Loads     []LoadVersions // newest loads that still hold claims, oldest first
	MoreLoads int            // further such loads, not listed
}

// VersionCount counts the claim versions of a claim type by status.
type VersionCount struct {
	ClaimType                string
	Active, Cancelled, Other int64
}

// LoadRef names a load.
type LoadRef struct {
	ID      string
	File    string // base name of the input file
	Started time.Time
}

// LoadVersions are the claim versions a load wrote that are still held.
type LoadVersions struct {
	Load   LoadRef
	Claims int64 // claim versions held from this load
	// Replacements are those of them whose claim group already had a
	// version from an earlier load: new versions of known claims.
	Replacements int64
	Cancelled    int64 // those of them whose status is cancelled
}

// New is the number of claims of the load that are not replacements.
func (l LoadVersions) New() int64 { return l.Claims - l.Replacements }

// Quality is the data-quality section.
type Quality struct {
	Loads         []LoadQuality // newest loads with rejects or export errors, oldest first
	MoreLoads     int           // further such loads, not listed
	CleanLoads    int64         // loads with neither
	RejectReasons []Reason
	ExportErrors  []Reason
	FieldIssues   FieldIssues
	Fill          Fill
	MBIs          MBIs
}

// LoadQuality is a load's rejects and export errors.
type LoadQuality struct {
	Load         LoadRef
	Rows         int64 // resources accepted
	Rejects      int64
	ExportErrors int64
	TopReject    string // most frequent reject reason
	TopError     string // most frequent export error text
}

// Reason is a reason and how often it occurred.
type Reason struct {
	Text  string
	Count int64
	Files int64 // distinct input files it occurred in
}

// FieldIssues are the values that did not fit their column (table
// field_issues), when the warehouse records them.
type FieldIssues struct {
	Recorded bool // the warehouse has the field_issues table
	Total    int64
	ByColumn []FieldIssue // most frequent first
}

// FieldIssue counts the values of one column that did not fit, by reason.
type FieldIssue struct {
	Table, Column, Reason string
	Count                 int64
	Files                 int64 // distinct input files
}

// Fill is the fill rate of key columns per claim type.
type Fill struct {
	Types  []string // claim types, as Months.Types
	Claims []int64  // current claims per type
	Lines  []int64  // their lines per type
	Rows   []FillRow
}

// FillRow is a column's fill rate per claim type.
type FillRow struct {
	Table, Column string
	Filled        []int64   // non-null values per type
	Rates         []float64 // Filled over the type's claims or lines; -1 when it has none
}

// MBIs are the Medicare Beneficiary Identifier counts.
type MBIs struct {
	Beneficiaries   int64 // beneficiaries in beneficiary_mbis
	Changed         int64 // with more than one MBI
	Historic        int64 // MBIs marked historic
	MultipleCurrent int64 // beneficiaries with more than one current MBI
	ClaimsNoMBI     int64 // current claims without an MBI
}

// Run is one run of the history.
type Run struct {
	ID, Command, Status, JobID, Message string
	Started, Finished                   time.Time // Finished is zero while running
	Files, EOBs, Rejects, ExportErrors  int64
	FieldIssues                         int64   // -1 when not recorded
	Rows                                []int64 // rows held per Report.RunTables
}

// Duration is how long the run took; zero when it has not finished.
func (r Run) Duration() time.Duration {
	if r.Finished.IsZero() {
		return 0
	}
	return r.Finished.Sub(r.Started)
}

// Failed tells whether the run ended without succeeding: failed,
// interrupted or any status but succeeded and running.
func (r Run) Failed() bool { return r.Status != "succeeded" && r.Status != "running" }

// Build queries the warehouse behind db (opened read-only, e.g. with
// load.OpenReadOnly) and returns the report. It keeps one connection for
// its temporary table of the current claims.
func Build(ctx context.Context, db *sql.DB) (*Report, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	q := &querier{conn: conn}
	r, err := q.build(ctx)
	// The temporary table goes with the connection it lives in.
	_, derr := conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+currentTable)
	if err := errors.Join(err, derr, conn.Close()); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return r, nil
}
