package schema

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// dictionaries are the AB2D data dictionaries (CMSgov/ab2d-website JSON),
// in testdata/reference.
var dictionaries = []string{
	"CMSgov-ab2d-website__r4-v2.json",
	"CMSgov-ab2d-website__stu3-v1.json",
}

// readReference decodes the JSON file testdata/reference/name into v.
func readReference(t *testing.T, name string, v any) {
	t.Helper()
	path := testinputs.Dir(t, "reference", name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readDictionary returns the section titles of one data dictionary.
func readDictionary(t *testing.T, name string) []string {
	t.Helper()
	var doc struct {
		Sections []struct {
			Title string `json:"title"`
		} `json:"sections"`
	}
	readReference(t, name, &doc)
	if len(doc.Sections) == 0 {
		t.Fatalf("%s: no sections", name)
	}
	titles := make([]string, len(doc.Sections))
	for i, s := range doc.Sections {
		titles[i] = s.Title
	}
	return titles
}

// TestDictionaryCoverage fails on any section of the AB2D data dictionaries
// that no column claims (Column.Dictionary), and on any claimed title that
// is in neither dictionary (a typo).
func TestDictionaryCoverage(t *testing.T) {
	claimed := map[string][]string{} // title → table.column
	for _, tbl := range Warehouse().Tables {
		for _, c := range tbl.Columns {
			for _, title := range c.Dictionary {
				claimed[title] = append(claimed[title], tbl.Name+"."+c.Name)
			}
		}
	}
	known := map[string]bool{}
	for _, name := range dictionaries {
		titles := readDictionary(t, name)
		unclaimed := 0
		for _, title := range titles {
			known[title] = true
			if len(claimed[title]) == 0 {
				t.Errorf("%s: section %q is carried by no column", name, title)
				unclaimed++
			}
		}
		t.Logf("%s: %d sections, %d claimed, %d unclaimed", name, len(titles), len(titles)-unclaimed, unclaimed)
	}
	var unknown []string
	for title := range claimed {
		if !known[title] {
			unknown = append(unknown, title)
		}
	}
	slices.Sort(unknown)
	for _, title := range unknown {
		t.Errorf("%v claim %q, which is in no data dictionary", claimed[title], title)
	}
}

func TestCompactTitles(t *testing.T) {
	for _, tc := range []struct {
		titles []string
		want   string
	}{
		{
			[]string{"Principal Diagnosis Code", "Diagnosis Code 1", "Diagnosis Code 2", "Diagnosis Code 3", "External Diagnosis 1", "Claim Period"},
			"Principal Diagnosis Code; Diagnosis Code 1–3; External Diagnosis 1; Claim Period",
		},
		{
			[]string{"Procedure Code 1 Date", "Procedure Code 2 Date", "Procedure Code 3 Version", "Procedure Code 4 Version", "Procedure Code 5"},
			"Procedure Code 1–2 Date; Procedure Code 3–4 Version; Procedure Code 5",
		},
	} {
		if got := compactTitles(tc.titles); got != tc.want {
			t.Errorf("compactTitles(%q) = %q, want %q", tc.titles, got, tc.want)
		}
	}
}

// migrationField is one field of AB2D's v2 → v3 migration dictionary.
type migrationField struct {
	Field      string `json:"field"`
	V3Element  string `json:"v3_element"`
	ChangeType string `json:"change_type"`
}

// readMigrationDictionary returns the fields of the v3 migration
// dictionary (testdata/reference/ab2d-v3-migration-dictionary.json).
func readMigrationDictionary(t *testing.T) []migrationField {
	t.Helper()
	var doc struct {
		Fields []migrationField `json:"fields"`
	}
	readReference(t, "ab2d-v3-migration-dictionary.json", &doc)
	if len(doc.Fields) == 0 {
		t.Fatal("the v3 migration dictionary has no fields")
	}
	return doc.Fields
}

// removed says whether the migration dictionary maps a field to no v3
// element ("Not Mapped", "Element Removed").
func (f migrationField) removed() bool {
	return strings.EqualFold(strings.TrimSpace(f.V3Element), "not mapped") || f.ChangeType == "Element Removed"
}

// TestV3DictionaryCoverage fails on any field of the v3 migration
// dictionary whose v3 element is mapped but that no column claims
// (Column.V3Fields) with a v3 path; on any field marked "Element Removed"
// that is not documented as NULL in v3 (claimed by the column that holds
// it in v1/v2, whose V3 path is empty); and on any claimed name that is
// not a field of the dictionary (a typo).
func TestV3DictionaryCoverage(t *testing.T) {
	type claim struct {
		col    string // table.column
		filled bool   // the column has a v3 path
	}
	claimed := map[string][]claim{}
	for _, tbl := range Warehouse().Tables {
		for _, c := range tbl.Columns {
			for _, name := range c.V3Fields {
				claimed[name] = append(claimed[name], claim{tbl.Name + "." + c.Name, c.V3 != ""})
			}
		}
	}
	fields := readMigrationDictionary(t)
	known := map[string]bool{}
	mapped, removed, unclaimed := 0, 0, 0
	for _, f := range fields {
		known[f.Field] = true
		if f.removed() {
			removed++
			if len(claimed[f.Field]) == 0 {
				t.Errorf("removed field %q: no column says it is NULL in v3 (list it in the V3Fields of the column that holds it in v1/v2)", f.Field)
			}
			for _, c := range claimed[f.Field] {
				if c.filled {
					t.Errorf("removed field %q is claimed by %s, which has a v3 path", f.Field, c.col)
				}
			}
			continue
		}
		mapped++
		ok := false
		for _, c := range claimed[f.Field] {
			ok = ok || c.filled
		}
		if !ok {
			t.Errorf("field %q (v3 %s) is carried by no column with a v3 path", f.Field, f.V3Element)
			unclaimed++
		}
	}
	t.Logf("%d fields: %d mapped in v3, %d of them claimed; %d removed, NULL in v3", len(fields), mapped, mapped-unclaimed, removed)
	if mapped == 0 || removed == 0 {
		t.Errorf("%d mapped and %d removed fields: the dictionary did not read as expected", mapped, removed)
	}
	var unknown []string
	for name := range claimed {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		t.Errorf("%v claim %q, which is no field of the v3 migration dictionary", claimed[name], name)
	}
}
