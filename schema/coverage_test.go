package schema

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// dictionaries are the AB2D data dictionaries (CMSgov/ab2d-website JSON),
// in testdata/reference.
var dictionaries = []string{
	"CMSgov-ab2d-website__r4-v2.json",
	"CMSgov-ab2d-website__stu3-v1.json",
}

// readDictionary returns the section titles of one data dictionary.
func readDictionary(t *testing.T, name string) []string {
	t.Helper()
	path := testinputs.Dir(t, "reference", name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sections []struct {
			Title string `json:"title"`
		} `json:"sections"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc.Sections) == 0 {
		t.Fatalf("%s: no sections", path)
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
	got := compactTitles([]string{"Principal Diagnosis Code", "Diagnosis Code 1", "Diagnosis Code 2", "Diagnosis Code 3", "External Diagnosis 1", "Claim Period"})
	want := "Principal Diagnosis Code; Diagnosis Code 1–3; External Diagnosis 1; Claim Period"
	if got != want {
		t.Errorf("compactTitles = %q, want %q", got, want)
	}
}
