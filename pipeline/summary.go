package pipeline

import (
	"fmt"
	"strings"
)

// ExportErrors returns the error files of the export's manifest and the
// OperationOutcome lines loaded from them.
func (s Summary) ExportErrors() (files int, lines int64) {
	if s.Job != nil && s.Job.Manifest != nil {
		for _, f := range s.Job.Manifest.Files {
			if f.Error {
				files++
			}
		}
	}
	return files, s.Totals().Issues
}

// HasExportErrors reports whether the export had error files or
// OperationOutcome lines were loaded.
func (s Summary) HasExportErrors() bool {
	files, lines := s.ExportErrors()
	return files > 0 || lines > 0
}

// ExportErrorsText says what a run or extract with export errors means.
func (s Summary) ExportErrorsText() string {
	files, lines := s.ExportErrors()
	what := plural(int64(files), "error file")
	if lines > 0 {
		what = plural(lines, "OperationOutcome line") + " in " + what
	}
	return "AB2D reported export errors (" + what + ", see the export_errors table): some claims were not exported; --since auto does not move past this export, so the next run asks for them again"
}

// Counts describes what was moved: "2 files, 1.5 MB, 1 EOB, 0 export
// errors, 0 rejects, 0 field issues". Gzip files are counted as stored,
// with the NDJSON they held beside: "1 file, 72.3 MB (2000.0 MB of
// NDJSON), …". Files that failed or were skipped are counted as files
// only (see Totals): "3 files (1 failed, not loaded; 1 skipped, loaded
// before), …".
func (s Summary) Counts() string {
	t := s.Totals()
	var failed, skipped int
	for _, f := range s.Files {
		switch {
		case f.Err != nil:
			failed++
		case f.Skipped:
			skipped++
		}
	}
	var not []string
	if failed > 0 {
		not = append(not, fmt.Sprintf("%d failed, not loaded", failed))
	}
	if skipped > 0 {
		not = append(not, fmt.Sprintf("%d skipped, loaded before", skipped))
	}
	files := plural(int64(len(s.Files)), "file")
	if len(not) > 0 {
		files += " (" + strings.Join(not, "; ") + ")"
	}
	size := fmt.Sprintf("%.1f MB", float64(t.Bytes)/1e6)
	if t.NDJSON != t.Bytes {
		size += fmt.Sprintf(" (%.1f MB of NDJSON)", float64(t.NDJSON)/1e6)
	}
	return fmt.Sprintf("%s, %s, %s, %s, %s, %s", files, size,
		plural(t.EOBs, "EOB"), plural(t.Issues, "export error"), plural(t.Rejects, "reject"), plural(t.Fields, "field issue"))
}

// plural is "1 file", "2 files".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
