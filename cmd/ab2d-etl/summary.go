package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/ab2d-etl/ab2d-etl/pipeline"
)

// describe is the text of a summary line: what was moved, how fast, where.
// The speed is of the NDJSON: a gzip file's decompressed bytes, which are
// what the load works through.
func describe(sum pipeline.Summary, dur time.Duration, out string) string {
	t := sum.Totals()
	unit := "MB/s"
	if t.NDJSON != t.Bytes {
		unit = "MB/s of NDJSON"
	}
	return fmt.Sprintf("%s in %s (%.1f %s) into %s", sum.Counts(), dur.Round(time.Millisecond), float64(t.NDJSON)/1e6/max(dur.Seconds(), 1e-3), unit, out)
}

// summaryAttrs are the fields of a summary as a JSON log record.
func summaryAttrs(command, status string, sum pipeline.Summary, dur time.Duration) []any {
	t := sum.Totals()
	attrs := []any{"command", command, "status", status, "run_id", sum.RunID, "files", len(sum.Files), "bytes", t.Bytes, "ndjson_bytes", t.NDJSON,
		"eobs", t.EOBs, "export_errors", t.Issues, "rejects", t.Rejects, "field_issues", t.Fields,
		"seconds", dur.Seconds()}
	if sum.Job != nil {
		attrs = append(attrs, "job_id", sum.Job.Job.ID)
	}
	rows := map[string]int64{}
	for _, tr := range sum.Tables() {
		rows[tr.Table] = tr.Rows
	}
	if len(rows) > 0 {
		attrs = append(attrs, "rows", rows)
	}
	return attrs
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// failedNames lists the failed files with why.
func failedNames(failed []pipeline.FileResult) string {
	parts := make([]string, len(failed))
	for i, f := range failed {
		parts[i] = f.Err.Error()
		if !strings.Contains(parts[i], f.Path) {
			parts[i] = f.Path + ": " + parts[i]
		}
	}
	return strings.Join(parts, "; ")
}
