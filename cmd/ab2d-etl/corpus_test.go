package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// expectation is one entry of testdata/badinput/expected.json.
type expectation struct {
	EOBs       int     `json:"eobs"`
	Issues     int     `json:"issues"`
	Rejects    [][]any `json:"rejects"`      // [line, reason substring] each
	Fields     [][]any `json:"field_issues"` // [line, "fhir_path: reason"] each: values kept, the EOB loaded
	RejectsMin int     `json:"rejects_min"`  // at least this many rejects (when listing each is pointless)
	Fails      string  `json:"fails"`        // the file fails as a whole with this in the message
}

// TestBadInputCorpus loads every malformed or hostile input of
// testdata/badinput and checks its expected outcome: the EOBs that load,
// each reject's line and reason, each value that did not fit its column
// (kept in field_issues), or a clear failure of the file that leaves
// nothing of it in the warehouse.
func TestBadInputCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "badinput")
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]expectation
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "wh")
			code, stdout, stderr := cli(t, "load", "--out", out, filepath.Join(dir, name))
			if want.Fails != "" {
				if code != exitFailed || !strings.Contains(stderr, want.Fails) {
					t.Fatalf("exit %d, stderr %q; want exit 1 mentioning %q", code, stderr, want.Fails)
				}
				if got := queryCSV(t, out, "SELECT (SELECT count(*) FROM loads) + (SELECT count(*) FROM claims) + (SELECT count(*) FROM rejects)"); got != "0" {
					t.Errorf("a failed file left %s rows", got)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			if got := queryCSV(t, out, "SELECT count(*) FROM claims"); got != strconv.Itoa(want.EOBs) {
				t.Errorf("claims: %s, want %d", got, want.EOBs)
			}
			if got := queryCSV(t, out, "SELECT count(*) FROM export_errors"); got != strconv.Itoa(want.Issues) {
				t.Errorf("export_errors: %s, want %d", got, want.Issues)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(mustCLI(t, "query", "--out", out, "--format", "json",
				"SELECT source_line || ' ' || reason AS r FROM rejects ORDER BY source_line")), "\n") {
				var row struct{ R string }
				if line != "" {
					if err := json.Unmarshal([]byte(line), &row); err != nil {
						t.Fatal(err)
					}
					got = append(got, row.R)
				}
				if len(row.R) > 520 {
					t.Errorf("reason of %d bytes", len(row.R))
				}
			}
			rejects := strings.Join(got, "\n")
			if want.RejectsMin > 0 {
				if len(got) < want.RejectsMin {
					t.Errorf("%d rejects, want at least %d", len(got), want.RejectsMin)
				}
			} else if len(got) != len(want.Rejects) {
				t.Fatalf("rejects:\n%s\nwant %v", rejects, want.Rejects)
			}
			var fields []string
			for _, line := range strings.Split(strings.TrimSpace(mustCLI(t, "query", "--out", out, "--format", "csv",
				"SELECT source_line || ' ' || fhir_path || ': ' || reason FROM field_issues ORDER BY source_line, fhir_path")), "\n")[1:] {
				fields = append(fields, line)
			}
			if len(fields) != len(want.Fields) {
				t.Errorf("field issues:\n%s\nwant %v", strings.Join(fields, "\n"), want.Fields)
			}
			for i, f := range want.Fields {
				if i < len(fields) && fields[i] != strconv.Itoa(int(f[0].(float64)))+" "+f[1].(string) {
					t.Errorf("field issue %d: got %q, want %v", i, fields[i], f)
				}
			}
			for i, r := range want.Rejects {
				line := strconv.Itoa(int(r[0].(float64)))
				if i >= len(got) || !strings.HasPrefix(got[i], line+" ") || !strings.Contains(got[i], r[1].(string)) {
					t.Errorf("reject %d: got %q, want line %s with %q", i, got[i:min(i+1, len(got))], line, r[1])
				}
			}
		})
	}
}
