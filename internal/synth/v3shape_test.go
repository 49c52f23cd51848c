package synth

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// What AB2D's v3 trimmer (ExplanationOfBenefitTrimmerR4V3, reference
// ab2d-v3.md) keeps of a BFD v3 EOB.
var (
	v3KeptTop = []string{
		"resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "identifier",
		"type", "subType", "status", "use", "outcome", "patient", "facility", "provider",
		"billablePeriod", "careTeam", "supportingInfo", "diagnosis", "procedure", "item", "insurance",
	}
	v3KeptRoles = []string{"attending", "referring", "operating", "otheroperating", "rendering"}
	v3KeptItem  = []string{
		"sequence", "careTeamSequence", "diagnosisSequence", "procedureSequence", "productOrService",
		"servicedDate", "servicedPeriod", "locationCodeableConcept", "locationAddress", "locationReference",
		"quantity", "extension",
	}
	v3KeptItemExt = []string{extV3Ansthsa, extV3PrcngLclty, extV3PrvdrType}
)

// trimV3 applies AB2D's v3 trim to a raw BFD v3 EOB (without adding the
// MBI extension).
func trimV3(m map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range v3KeptTop {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	list := func(k string) []any { l, _ := out[k].([]any); return l }
	codes := func(cc any, key string) (systems, codes []string) {
		c, _ := cc.(map[string]any)[key].(map[string]any)
		codings, _ := c["coding"].([]any)
		for _, x := range codings {
			x := x.(map[string]any)
			s, _ := x["system"].(string)
			cd, _ := x["code"].(string)
			systems, codes = append(systems, s), append(codes, cd)
		}
		return systems, codes
	}

	var team []any
	refs := map[string]bool{}
	for _, m := range list("careTeam") {
		if _, roles := codes(m, "role"); slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(v3KeptRoles, r) }) {
			team = append(team, m)
			if r, _ := m.(map[string]any)["provider"].(map[string]any)["reference"].(string); strings.HasPrefix(r, "#") {
				refs[r[1:]] = true
			}
		}
	}
	if team != nil {
		out["careTeam"] = team
	} else {
		delete(out, "careTeam")
	}
	if p, ok := out["provider"].(map[string]any); ok {
		if r, _ := p["reference"].(string); strings.HasPrefix(r, "#") {
			refs[r[1:]] = true
		}
	}

	var info []any
	for _, s := range list("supportingInfo") {
		systems, _ := codes(s, "code")
		_, cats := codes(s, "category")
		if slices.Contains(systems, sysV3NearLine) || (slices.Contains(cats, "drg") && slices.Contains(systems, sysV3DRG)) {
			info = append(info, s)
		}
	}
	if _, ok := out["supportingInfo"]; ok {
		out["supportingInfo"] = info
	}

	var items []any
	for _, it := range list("item") {
		kept := map[string]any{}
		for k, v := range it.(map[string]any) {
			if !slices.Contains(v3KeptItem, k) {
				continue
			}
			if k == "extension" {
				var exts []any
				for _, x := range v.([]any) {
					if slices.Contains(v3KeptItemExt, x.(map[string]any)["url"].(string)) {
						exts = append(exts, x)
					}
				}
				if exts == nil {
					continue
				}
				v = exts
			}
			kept[k] = v
		}
		items = append(items, kept)
	}
	if _, ok := out["item"]; ok {
		out["item"] = items
	}

	var ins []any
	for _, i := range list("insurance") {
		kept := map[string]any{}
		for _, k := range []string{"focal", "coverage"} {
			if v, ok := i.(map[string]any)[k]; ok {
				kept[k] = v
			}
		}
		ins = append(ins, kept)
	}
	if _, ok := out["insurance"]; ok {
		out["insurance"] = ins
	}

	var contained []any
	for _, c := range list("contained") {
		c := c.(map[string]any)
		if t := c["resourceType"]; (t == "Practitioner" || t == "Organization") && refs[c["id"].(string)] {
			contained = append(contained, c)
		}
	}
	if contained != nil {
		out["contained"] = contained
	} else {
		delete(out, "contained")
	}
	return out
}

// elementPaths adds the element paths under v (arrays are transparent,
// e.g. item.extension.url) to set.
func elementPaths(v any, prefix string, set map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			set[p] = true
			elementPaths(x, p, set)
		}
	case []any:
		for _, x := range v {
			elementPaths(x, prefix, set)
		}
	}
}

// v3Fixture is a current-shape BFD v3 fixture, trimmed as AB2D does.
type v3Fixture struct {
	name string
	eob  map[string]any
}

// v3Fixtures returns the current-shape BFD v3 fixtures
// (testdata/fixtures/v3/CMSgov-bfd__idr-*.json), trimmed.
func v3Fixtures(t *testing.T) []v3Fixture {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testinputs.Dir(t, "fixtures", "v3"), "CMSgov-bfd__idr-ExplanationOfBenefit-*.json"))
	if len(files) != 9 {
		t.Fatalf("%d current-shape v3 fixtures, want 9", len(files))
	}
	var out []v3Fixture
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "CMSgov-bfd__idr-ExplanationOfBenefit-"), ".json")
		out = append(out, v3Fixture{name, trimV3(readJSON(t, f))})
	}
	return out
}

// readJSON reads the JSON object of a fixture file.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// v3Coding returns the code of system in the codings of m[key].
func v3Coding(m map[string]any, key, system string) (code, display string) {
	cc, _ := m[key].(map[string]any)
	codings, _ := cc["coding"].([]any)
	for _, x := range codings {
		if x := x.(map[string]any); x["system"] == system {
			c, _ := x["code"].(string)
			d, _ := x["display"].(string)
			return c, d
		}
	}
	return "", ""
}

// v3Added are what AB2D adds to a v3 EOB: the MBI extension.
var (
	v3AddedPaths = []string{
		"extension", "extension.url", "extension.valueIdentifier", "extension.valueIdentifier.extension",
		"extension.valueIdentifier.extension.url", "extension.valueIdentifier.extension.valueCoding",
		"extension.valueIdentifier.extension.valueCoding.code", "extension.valueIdentifier.system",
		"extension.valueIdentifier.value",
	}
	v3AddedURIs = []string{urlMBIExt, sysIDCurrency, sysMBI}
	// v3Identified: every EOB AB2D sends has an id (the old-shape v3
	// fixtures do), the current-shape BFD samples lack it.
	v3Identified = "id"
)

// v3NotEmitted are the element paths, code systems and URLs of the trimmed
// NCH fixtures that the renderer never emits, and why.
var v3NotEmitted = map[string]string{
	"careTeam.provider.display":            "no practitioner names in the facts",
	"contained.address":                    "no billing-provider ZIP in the facts (v2 has a line ZIP, carrier only)",
	"contained.address.postalCode":         "as contained.address",
	"contained.name.family":                "a contained Practitioner's name: the facts have no practitioner names",
	"contained.name.given":                 "as contained.name.family",
	"item.productOrService.coding.display": "only data-absent-reason codings have one, and every synthetic line has a HCPCS/CPT code",
	sysV3DataAbsent:                        "as item.productOrService.coding.display",
	"http://nucc.org/provider-taxonomy":    "no provider taxonomy in the facts",
	"urn:oid:2.16.840.1.113883.4.":         "no tax numbers in the facts (collectURIs drops the trailing 4)",
	"https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/ProspMedicareFeeSvcPmtGen/HIPPSCodes": "no HIPPS codes in the facts",
}

// v3Shape is what the shape tests collect of EOBs: element paths, code
// systems and URLs, and the displays of CLM-TYPE-CD codes.
type v3Shape struct {
	paths, uris     map[string]bool
	clmTypeDisplays map[string]string
}

func newV3Shape() v3Shape {
	return v3Shape{map[string]bool{}, map[string]bool{}, map[string]string{}}
}

// add collects m.
func (s v3Shape) add(m map[string]any) {
	elementPaths(m, "", s.paths)
	collectURIs(m, s.uris)
	if c, d := v3Coding(m, "type", sysV3ClmType); d != "" {
		s.clmTypeDisplays[c] = d
	}
}

// within reports what of s is not in the fixtures' shape fx, nor added by
// AB2D.
func (s v3Shape) within(t *testing.T, what string, fx v3Shape) {
	t.Helper()
	for _, p := range sortedKeys(s.paths) {
		if !fx.paths[p] && !slices.Contains(v3AddedPaths, p) && p != v3Identified {
			t.Errorf("%s: element %s is not in the trimmed BFD v3 fixtures", what, p)
		}
	}
	for _, u := range sortedKeys(s.uris) {
		if !fx.uris[u] && !slices.Contains(v3AddedURIs, u) {
			t.Errorf("%s: system/url %s is not in the trimmed BFD v3 fixtures", what, u)
		}
	}
}

// allV3ClmTypeDisplays returns the CLM-TYPE-CD displays of every v3
// fixture, old shape included, untrimmed.
func allV3ClmTypeDisplays(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testinputs.Dir(t, "fixtures", "v3"), "*.json"))
	out := map[string]string{}
	for _, f := range files {
		if c, d := v3Coding(readJSON(t, f), "type", sysV3ClmType); d != "" {
			out[c] = d
		}
	}
	return out
}

// TestV3ShapeMatchesBFD: every element path, extension URL and code system
// the v3 renderer emits is one the current-shape BFD v3 NCH fixtures carry
// after AB2D's trim (or one AB2D adds), and every one of theirs is emitted
// but the listed exceptions; AB2D's trim leaves the output as it is; per
// claim type, the profiles, type codings and subType are BFD's; the
// CLM-TYPE-CD displays are those of the fixtures.
func TestV3ShapeMatchesBFD(t *testing.T) {
	fx := newV3Shape()
	byType := map[string]map[string]any{} // EOB-TYPE -> NCH fixture
	for _, f := range v3Fixtures(t) {
		typ, _ := v3Coding(f.eob, "type", sysV3EOBType)
		if source, _ := f.eob["meta"].(map[string]any)["source"].(string); source == "NCH" {
			byType[typ] = f.eob
			fx.add(f.eob)
		}
	}
	if len(byType) != numTypes {
		t.Fatalf("NCH fixtures of %d claim types, want %d", len(byType), numTypes)
	}
	displays := allV3ClmTypeDisplays(t)

	gen := newV3Shape()
	types := map[string]int{}
	c := NewContract(ContractOptions{Seed: 5, Contract: "Z0005", Beneficiaries: 150})
	for e := range c.EOBs() {
		line := e.AppendV3(nil)
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		gen.add(m)
		noMBI := maps.Clone(m)
		delete(noMBI, "extension")
		if !reflect.DeepEqual(trimV3(m), noMBI) {
			t.Fatalf("AB2D's v3 trim would change %s", line)
		}

		typ, _ := v3Coding(m, "type", sysV3EOBType)
		types[typ]++
		want := byType[typ]
		if want == nil {
			t.Fatalf("EOB-TYPE %q", typ)
		}
		if got, exp := m["meta"].(map[string]any)["profile"], want["meta"].(map[string]any)["profile"]; !reflect.DeepEqual(got, exp) {
			t.Fatalf("%s: profiles %v, BFD %v", typ, got, exp)
		}
		if got, exp := typeSystems(m), typeSystems(want); !slices.Equal(got, exp) {
			t.Fatalf("%s: type systems %v, BFD %v", typ, got, exp)
		}
		gotCarin, _ := v3Coding(m, "type", sysClaimType)
		expCarin, _ := v3Coding(want, "type", sysClaimType)
		gotSub, _ := v3Coding(m, "subType", sysV3InstSubType)
		expSub, _ := v3Coding(want, "subType", sysV3InstSubType)
		if gotCarin != expCarin || gotSub != expSub {
			t.Fatalf("%s: claim-type %q subType %q, BFD %q %q", typ, gotCarin, gotSub, expCarin, expSub)
		}
	}
	for _, ct := range claimTypes {
		if types[ct.eobType] == 0 {
			t.Errorf("no %s claim", ct.eobType)
		}
	}
	gen.within(t, "NCH claims", fx)
	for _, p := range sortedKeys(fx.paths) {
		if _, ok := v3NotEmitted[p]; !ok && !gen.paths[p] {
			t.Errorf("element %s of the BFD v3 fixtures is never emitted", p)
		}
	}
	for _, u := range sortedKeys(fx.uris) {
		if _, ok := v3NotEmitted[u]; !ok && !gen.uris[u] {
			t.Errorf("system/url %s of the BFD v3 fixtures is never emitted", u)
		}
	}
	for k := range v3NotEmitted {
		if gen.paths[k] || gen.uris[k] || (!fx.paths[k] && !fx.uris[k]) {
			t.Errorf("v3NotEmitted lists %s, which is emitted or not in the fixtures", k)
		}
	}
	for c, d := range gen.clmTypeDisplays {
		if want, ok := displays[c]; !ok || d != want {
			t.Errorf("CLM-TYPE-CD %s display %q, the fixtures %q", c, d, want)
		}
	}
}

// TestV3StrayShapes: the shared-system and Part D renderings have the shape
// of BFD's MCS and Pharmacy fixtures.
func TestV3StrayShapes(t *testing.T) {
	nch, mcs, pharmacy := newV3Shape(), newV3Shape(), newV3Shape()
	var mcsEOB, pharmacyEOB map[string]any
	for _, f := range v3Fixtures(t) {
		switch f.name {
		case "MCS":
			mcs.add(f.eob)
			mcsEOB = f.eob
		case "Pharmacy":
			pharmacy.add(f.eob)
			pharmacyEOB = f.eob
		default:
			nch.add(f.eob)
		}
	}
	for p := range mcs.paths {
		nch.paths[p] = true
	}
	for u := range mcs.uris {
		nch.uris[u] = true
	}
	shared, partD := newV3Shape(), newV3Shape()
	c := NewContract(ContractOptions{Seed: 6, Contract: "Z0006", Beneficiaries: 40})
	for e := range c.EOBs() {
		var s, p map[string]any
		if err := json.Unmarshal(e.AppendV3Stray(nil, V3SharedSystem), &s); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.AppendV3Stray(nil, V3PartD), &p); err != nil {
			t.Fatal(err)
		}
		shared.add(s)
		partD.add(p)
		if e.ClaimType() == "CARRIER" {
			for _, key := range []string{"source", "tag"} {
				if got, want := s["meta"].(map[string]any)[key], mcsEOB["meta"].(map[string]any)[key]; !reflect.DeepEqual(got, want) && (key == "source" || e.Active()) {
					t.Fatalf("shared-system carrier meta.%s %v, BFD's MCS %v", key, got, want)
				}
			}
			if got, want := s["type"], mcsEOB["type"]; !reflect.DeepEqual(got, want) {
				t.Fatalf("shared-system carrier type %v, BFD's MCS %v", got, want)
			}
		}
		for _, key := range []string{"type", "insurance"} {
			if got, want := p[key], pharmacyEOB[key]; !reflect.DeepEqual(got, want) {
				t.Fatalf("Part D %s %v, BFD's Pharmacy %v", key, got, want)
			}
		}
		if got, want := p["meta"].(map[string]any)["profile"], pharmacyEOB["meta"].(map[string]any)["profile"]; !reflect.DeepEqual(got, want) {
			t.Fatalf("Part D profiles %v, BFD's Pharmacy %v", got, want)
		}
	}
	shared.within(t, "shared-system claims", nch)
	partD.within(t, "Part D events", pharmacy)
}
