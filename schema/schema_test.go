package schema

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/schema.md from the catalog")

// TestDocsSchemaUpToDate fails when docs/schema.md, the checked-in data
// dictionary, differs from what the catalog generates (go test -update).
func TestDocsSchemaUpToDate(t *testing.T) {
	var b bytes.Buffer
	if err := Warehouse().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "schema.md")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("docs/schema.md is stale: run go test ./schema -update")
	}
}

func TestCatalogInvariants(t *testing.T) {
	cat := Warehouse()
	seen := map[string]bool{}
	for _, tbl := range cat.Tables {
		if seen[tbl.Name] {
			t.Errorf("table %s defined twice", tbl.Name)
		}
		seen[tbl.Name] = true
		cols := map[string]bool{}
		for _, c := range tbl.Columns {
			if cols[c.Name] {
				t.Errorf("%s.%s defined twice", tbl.Name, c.Name)
			}
			cols[c.Name] = true
			if c.Description == "" {
				t.Errorf("%s.%s has no description", tbl.Name, c.Name)
			}
			if c.Name != strings.ToLower(c.Name) || strings.ContainsAny(c.Name, " -") {
				t.Errorf("%s.%s is not snake_case", tbl.Name, c.Name)
			}
		}
		if tbl.Parquet {
			for _, l := range []string{"load_id", "source_file", "source_line"} {
				if !cols[l] {
					t.Errorf("%s lacks lineage column %s", tbl.Name, l)
				}
			}
		}
		if got := tbl.ArrowSchema().NumFields(); got != len(tbl.Columns) {
			t.Errorf("%s: arrow schema has %d fields, want %d", tbl.Name, got, len(tbl.Columns))
		}
		if ddl := tbl.CreateSQL(); strings.Count(ddl, "\n") != len(tbl.Columns)+1 {
			t.Errorf("%s: DDL has the wrong number of lines:\n%s", tbl.Name, ddl)
		}
	}
	// Codes are never numbers: leading zeros matter.
	for _, name := range []string{"claim_type_code", "drg_code", "facility_type_code", "principal_diagnosis_code"} {
		c := cat.Table(Claims).Columns[cat.Table(Claims).Index(name)]
		if c.Type != String {
			t.Errorf("claims.%s is %s, want VARCHAR", name, c.Type)
		}
	}
}
