package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// v1Removed are the top-level elements AB2D v1 removes
// (ExplanationOfBenefitTrimmerSTU3, a deny-list).
var v1Removed = []string{
	"patientTarget", "created", "enterer", "insurer", "providerTarget", "organizationTarget",
	"referral", "facilityTarget", "claim", "claimResponse", "outcome", "disposition", "related",
	"prescription", "originalPrescription", "payee", "information", "insurance", "accident",
	"employmentImpacted", "hospitalization", "addItem", "totalCost", "unallocDeductable",
	"totalBenefit", "payment", "form", "contained", "processNote", "benefitBalance",
}

// v1ItemRemoved are the item elements AB2D v1 clears.
var v1ItemRemoved = []string{
	"informationLinkId", "revenue", "category", "modifier", "programCode", "unitPrice", "factor",
	"net", "udi", "bodySite", "subSite", "encounter", "noteNumber", "adjudication", "detail",
}

// v1Kept are the top-level elements AB2D v1 keeps (of those BFD v1 sets),
// plus the precedence it sets to 0.
var v1Kept = []string{
	"resourceType", "id", "meta", "text", "extension", "identifier", "status", "type", "subType",
	"patient", "billablePeriod", "provider", "organization", "facility", "careTeam", "diagnosis",
	"procedure", "item", "precedence",
}

// v1ItemKept are the item elements AB2D v1 keeps.
var v1ItemKept = []string{
	"sequence", "careTeamLinkId", "diagnosisLinkId", "procedureLinkId", "service",
	"servicedDate", "servicedPeriod", "locationCodeableConcept", "locationAddress",
	"locationReference", "quantity", "extension",
}

// trimV1 applies AB2D's STU3 trim to a raw BFD v1 EOB.
func trimV1(m map[string]any) {
	for _, k := range v1Removed {
		delete(m, k)
	}
	items, _ := m["item"].([]any)
	for _, it := range items {
		for _, k := range v1ItemRemoved {
			delete(it.(map[string]any), k)
		}
	}
	m["precedence"] = 0.0
}

// stu3Fixtures returns the STU3 fixtures as AB2D v1 exports them: the raw
// BFD v1 EOBs (Part D excluded) trimmed, and the lines of the AB2D sample
// export (testdata/fixtures/stu3).
func stu3Fixtures(t *testing.T) (bfd []map[string]any, sample []map[string]any) {
	t.Helper()
	stu3FixtureDir := testinputs.Dir(t, "fixtures", "stu3")
	files, _ := filepath.Glob(filepath.Join(stu3FixtureDir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no STU3 fixtures in testdata/fixtures/stu3")
	}
	for _, f := range files {
		if strings.Contains(f, "Part-D") || strings.Contains(f, "Pde") {
			continue // AB2D drops Part D events
		}
		m := readJSON(t, f)
		trimV1(m)
		bfd = append(bfd, m)
	}
	data, err := os.ReadFile(filepath.Join(stu3FixtureDir, "CMSgov-ab2d-website__sample-data-stu3.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		sample = append(sample, m)
	}
	return bfd, sample
}

// eobType returns the eob-type code of a parsed EOB.
func eobTypeOf(m map[string]any) string {
	typ, _ := m["type"].(map[string]any)
	codings, _ := typ["coding"].([]any)
	for _, c := range codings {
		if c := c.(map[string]any); c["system"] == sysEOBType {
			return c["code"].(string)
		}
	}
	return ""
}

// extURLs returns the EOB-level extension URLs of a parsed EOB.
func extURLs(m map[string]any) []string {
	var out []string
	exts, _ := m["extension"].([]any)
	for _, x := range exts {
		out = append(out, x.(map[string]any)["url"].(string))
	}
	return out
}

// stu3Lines returns STU3 lines of a contract and a Generator.
func stu3Lines(t testing.TB, n int) [][]byte {
	_, lines := both(t, n)
	return lines
}

func TestSTU3ShapeMatchesAB2Dv1(t *testing.T) {
	bfd, sample := stu3Fixtures(t)
	fxURIs := map[string]bool{urlMBIExt: true, sysIDCurrency: true, sysMBI: true} // AB2D adds them
	fxTypeSystems := map[string][]string{}                                        // per eob-type
	fxExts := map[string]map[string]bool{}                                        // per eob-type
	for _, m := range append(bfd, sample...) {
		collectURIs(m, fxURIs)
	}
	for _, m := range bfd {
		typ := eobTypeOf(m)
		fxTypeSystems[typ] = typeSystems(m)
		if fxExts[typ] == nil {
			fxExts[typ] = map[string]bool{}
		}
		for _, u := range extURLs(m) {
			fxExts[typ][u] = true
		}
	}

	lines := stu3Lines(t, 3000)
	genURIs := map[string]bool{}
	types := map[string]int{}
	for i, line := range lines {
		if !json.Valid(line) || bytes.IndexByte(line, '\n') >= 0 {
			t.Fatalf("line %d is not one line of valid JSON", i)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		typ := eobTypeOf(m)
		types[typ]++
		for k := range m {
			if !slices.Contains(v1Kept, k) {
				t.Fatalf("line %d: top-level %q is not kept by AB2D v1", i, k)
			}
		}
		if p, ok := m["precedence"].(float64); !ok || p != 0 {
			t.Fatalf("line %d: precedence %v, want 0", i, m["precedence"])
		}
		if meta := m["meta"].(map[string]any); len(meta) != 1 || meta["lastUpdated"] == nil {
			t.Fatalf("line %d: meta %v", i, meta)
		}
		items, _ := m["item"].([]any)
		for _, it := range items {
			for k := range it.(map[string]any) {
				if !slices.Contains(v1ItemKept, k) {
					t.Fatalf("line %d: item.%s is not kept by AB2D v1", i, k)
				}
			}
		}
		// BFD v1 extensions, then the MBI extensions last, current first.
		urls := extURLs(m)
		nMBI := 0
		for _, u := range urls {
			if u == urlMBIExt {
				nMBI++
				continue
			}
			if nMBI > 0 {
				t.Fatalf("line %d: extension %s after the MBI", i, u)
			}
			if !fxExts[typ][u] {
				t.Errorf("line %d: %s extension %s is not one BFD v1 sets on %s claims", i, typ, u, typ)
			}
		}
		if nMBI < 1 || nMBI > 2 {
			t.Fatalf("line %d: %d MBI extensions", i, nMBI)
		}
		if got, want := typeSystems(m), fxTypeSystems[typ]; !slices.Equal(got, want) {
			t.Errorf("line %d: %s type.coding systems %v, BFD v1 has %v", i, typ, got, want)
		}
		for _, id := range m["identifier"].([]any) {
			if len(id.(map[string]any)) != 2 {
				t.Fatalf("line %d: identifier %v is not {system, value}", i, id)
			}
		}
		collectURIs(m, genURIs)
	}
	for _, ct := range claimTypes {
		if types[ct.eobType] == 0 {
			t.Errorf("no %s claim", ct.eobType)
		}
	}
	for _, u := range sortedKeys(genURIs) {
		if !fxURIs[u] {
			t.Errorf("STU3 system/url %s does not appear in the STU3 fixtures", u)
		}
	}
}

// TestSTU3NoR4Markers: a STU3 line carries none of the elements or code
// systems only R4 uses (the flattener's version detection relies on it).
func TestSTU3NoR4Markers(t *testing.T) {
	for i, line := range stu3Lines(t, 1000) {
		for _, marker := range []string{
			`"supportingInfo"`, `"productOrService"`, `"careTeamSequence"`, `"diagnosisSequence"`,
			`"onAdmission"`, "carin-bb", "terminology.hl7.org", `"profile"`,
		} {
			if bytes.Contains(line, []byte(marker)) {
				t.Fatalf("line %d contains %s", i, marker)
			}
		}
	}
}
