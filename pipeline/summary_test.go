package pipeline

import (
	"errors"
	"testing"
)

// TestCounts: the summary counts what was loaded. A failed or skipped
// file is a file of the command, but what was read of it is not in the
// warehouse for it and is not counted; a gzip file's NDJSON is given
// beside its size.
func TestCounts(t *testing.T) {
	loaded := FileResult{Path: "a.ndjson", Bytes: 2_000_000, NDJSON: 2_000_000, EOBs: 300, Issues: 1, Rejects: 2, Fields: 3, Rows: map[string]int64{"claims": 300}}
	packed := FileResult{Path: "b.ndjson.gz", Bytes: 500_000, NDJSON: 9_000_000, EOBs: 1000, Rows: map[string]int64{"claims": 1000}}
	failed := FileResult{Path: "c.ndjson.gz", Bytes: 5_000_000, EOBs: 20003, Rejects: 7, Err: errors.New("corrupt or truncated gzip data")}
	// Found loaded before only at the commit, after it was read.
	skipped := FileResult{Path: "d.ndjson", Bytes: 4_000_000, NDJSON: 4_000_000, EOBs: 600, Skipped: true}
	for _, tc := range []struct {
		name  string
		files []FileResult
		want  string
	}{
		{"one file", []FileResult{loaded}, "1 file, 2.0 MB, 300 EOBs, 1 export error, 2 rejects, 3 field issues"},
		{"gzip", []FileResult{loaded, packed}, "2 files, 2.5 MB (11.0 MB of NDJSON), 1300 EOBs, 1 export error, 2 rejects, 3 field issues"},
		{"a failed file", []FileResult{loaded, failed}, "2 files (1 failed, not loaded), 2.0 MB, 300 EOBs, 1 export error, 2 rejects, 3 field issues"},
		{"only a failed file", []FileResult{failed}, "1 file (1 failed, not loaded), 0.0 MB, 0 EOBs, 0 export errors, 0 rejects, 0 field issues"},
		{"failed and skipped", []FileResult{packed, failed, skipped}, "3 files (1 failed, not loaded; 1 skipped, loaded before), 0.5 MB (9.0 MB of NDJSON), 1000 EOBs, 0 export errors, 0 rejects, 0 field issues"},
	} {
		sum := Summary{Files: tc.files}
		if got := sum.Counts(); got != tc.want {
			t.Errorf("%s: Counts() = %q, want %q", tc.name, got, tc.want)
		}
	}
	sum := Summary{Files: []FileResult{loaded, packed, failed, skipped}}
	if got := sum.Totals().Rows["claims"]; got != 1300 {
		t.Errorf("claims rows %d, want 1300", got)
	}
}
