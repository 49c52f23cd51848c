package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// generate returns n EOB lines of a new Generator.
func generate(t testing.TB, opts Options, n int) [][]byte {
	t.Helper()
	g := New(opts)
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = g.Next(nil)
	}
	return lines
}

// eob is the subset of an EOB the tests look at.
type eob struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		LastUpdated string   `json:"lastUpdated"`
		Profile     []string `json:"profile"`
	} `json:"meta"`
	Extension  []extension `json:"extension"`
	Identifier []struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
	Status  string          `json:"status"`
	Type    codeableConcept `json:"type"`
	Patient struct {
		Reference string `json:"reference"`
	} `json:"patient"`
	BillablePeriod period `json:"billablePeriod"`
	CareTeam       []struct {
		Sequence int `json:"sequence"`
		Provider struct {
			Identifier struct {
				Type  codeableConcept `json:"type"`
				Value string          `json:"value"`
			} `json:"identifier"`
		} `json:"provider"`
		Role codeableConcept `json:"role"`
	} `json:"careTeam"`
	Diagnosis []struct {
		Sequence int               `json:"sequence"`
		Code     codeableConcept   `json:"diagnosisCodeableConcept"`
		Type     []codeableConcept `json:"type"`
	} `json:"diagnosis"`
	Procedure []struct {
		Sequence int             `json:"sequence"`
		Date     string          `json:"date"`
		Code     codeableConcept `json:"procedureCodeableConcept"`
	} `json:"procedure"`
	SupportingInfo []struct {
		Code codeableConcept `json:"code"`
	} `json:"supportingInfo"`
	Item []struct {
		Sequence          int             `json:"sequence"`
		CareTeamSequence  []int           `json:"careTeamSequence"`
		DiagnosisSequence []int           `json:"diagnosisSequence"`
		ProductOrService  codeableConcept `json:"productOrService"`
		ServicedDate      string          `json:"servicedDate"`
		ServicedPeriod    *period         `json:"servicedPeriod"`
		Extension         []extension     `json:"extension"`
	} `json:"item"`
}

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type codeableConcept struct {
	Coding []coding `json:"coding"`
}

type extension struct {
	URL             string  `json:"url"`
	ValueCoding     *coding `json:"valueCoding"`
	ValueIdentifier *struct {
		Extension []extension `json:"extension"`
		System    string      `json:"system"`
		Value     string      `json:"value"`
	} `json:"valueIdentifier"`
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (c codeableConcept) code(system string) string {
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd.Code
		}
	}
	return ""
}

func parse(t testing.TB, line []byte) eob {
	t.Helper()
	var e eob
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, line)
	}
	return e
}

func TestDeterministic(t *testing.T) {
	for _, v := range []FHIRVersion{R4, STU3, R4V3} {
		var a, b, c bytes.Buffer
		if _, err := WriteEOBs(&a, Options{Seed: 1, FHIRVersion: v}, 500); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteEOBs(&b, Options{Seed: 1, FHIRVersion: v}, 500); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteEOBs(&c, Options{Seed: 2, FHIRVersion: v}, 500); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: same seed gave different bytes", v)
		}
		if bytes.Equal(a.Bytes(), c.Bytes()) {
			t.Errorf("%s: different seeds gave the same bytes", v)
		}
		for i, line := range bytes.Split(bytes.TrimSuffix(a.Bytes(), []byte("\n")), []byte("\n")) {
			if !json.Valid(line) {
				t.Fatalf("%s line %d is not valid JSON", v, i)
			}
		}
	}
	// Next appends: generating into a used buffer gives the same line.
	g1, g2 := New(Options{Seed: 7}), New(Options{Seed: 7})
	buf := []byte("prefix")
	for range 50 {
		buf = g1.Next(buf[:6])
		if want := g2.Next(nil); !bytes.Equal(buf[6:], want) || string(buf[:6]) != "prefix" {
			t.Fatal("Next does not append the same line to a used buffer")
		}
	}
	// Rendering twice, or in the other version first, gives the same bytes.
	g1, g2 = New(Options{Seed: 8}), New(Options{Seed: 8})
	for range 50 {
		e1, e2 := g1.NextEOB(), g2.NextEOB()
		s := e1.AppendSTU3(nil)
		r := e1.AppendR4(nil)
		if !bytes.Equal(r, e2.AppendR4(nil)) || !bytes.Equal(s, e2.AppendSTU3(nil)) || !bytes.Equal(r, e1.AppendR4(nil)) {
			t.Fatal("rendering depends on what was rendered before")
		}
	}
}

func TestParseFHIRVersion(t *testing.T) {
	for in, want := range map[string]FHIRVersion{"R4": R4, "r4": R4, "v2": R4, "STU3": STU3, "stu3": STU3, "V1": STU3, "R4V3": R4V3, "v3": R4V3} {
		if got, err := ParseFHIRVersion(in); err != nil || got != want {
			t.Errorf("ParseFHIRVersion(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "R5", "DSTU2"} {
		if _, err := ParseFHIRVersion(in); err == nil {
			t.Errorf("ParseFHIRVersion(%q) succeeded", in)
		}
	}
}

func TestValidAndRealistic(t *testing.T) {
	lines := generate(t, Options{Seed: 42}, 2000)
	types := map[string]int{}
	groups := map[string][]eob{}
	clmIDs := map[string]bool{}
	minDay := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	maxUpdated := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	var total int
	for i, line := range lines {
		total += len(line)
		if bytes.IndexByte(line, '\n') >= 0 {
			t.Fatalf("line %d contains a newline", i)
		}
		if !json.Valid(line) {
			t.Fatalf("line %d is not valid JSON", i)
		}
		e := parse(t, line)
		if e.ResourceType != "ExplanationOfBenefit" {
			t.Fatalf("line %d: resourceType %q", i, e.ResourceType)
		}
		typ := e.Type.code(sysEOBType)
		types[typ]++
		clm := ""
		group := ""
		for _, id := range e.Identifier {
			switch id.System {
			case sysClmID:
				clm = id.Value
			case sysClaimGroup:
				group = id.Value
			}
		}
		if clm == "" || group == "" {
			t.Fatalf("line %d: clm_id %q, claim-group %q", i, clm, group)
		}
		if clmIDs[clm] {
			t.Fatalf("line %d: duplicate clm_id %s", i, clm)
		}
		clmIDs[clm] = true
		if want := strings.ToLower(typ) + "-" + clm; e.ID != want {
			t.Errorf("line %d: id %q, want %q", i, e.ID, want)
		}
		if !strings.HasPrefix(e.Patient.Reference, "Patient/-") {
			t.Errorf("line %d: patient %q", i, e.Patient.Reference)
		}
		groups[group] = append(groups[group], e)

		// MBI extensions: last, current first then historic.
		var mbis []string
		for j, x := range e.Extension {
			switch x.URL {
			case sysNearLine:
				if j != 0 {
					t.Errorf("line %d: near-line extension at %d", i, j)
				}
			case urlMBIExt:
				if x.ValueIdentifier == nil || !validMBI(x.ValueIdentifier.Value) {
					t.Fatalf("line %d: bad MBI extension %+v", i, x)
				}
				mbis = append(mbis, x.ValueIdentifier.Extension[0].ValueCoding.Code)
			default:
				t.Errorf("line %d: extension %s not kept by AB2D v2", i, x.URL)
			}
		}
		if len(mbis) == 0 || mbis[0] != "current" || (len(mbis) == 2 && mbis[1] != "historic") || len(mbis) > 2 {
			t.Errorf("line %d: MBI currencies %v", i, mbis)
		}

		// Dates.
		updated, err := time.Parse("2006-01-02T15:04:05.000-07:00", e.Meta.LastUpdated)
		if err != nil {
			t.Fatalf("line %d: lastUpdated: %v", i, err)
		}
		start, err1 := time.Parse(time.DateOnly, e.BillablePeriod.Start)
		end, err2 := time.Parse(time.DateOnly, e.BillablePeriod.End)
		if err1 != nil || err2 != nil || end.Before(start) || start.Before(minDay) {
			t.Fatalf("line %d: billablePeriod %+v", i, e.BillablePeriod)
		}
		if updated.Before(end) || !updated.Before(maxUpdated) {
			t.Errorf("line %d: lastUpdated %s vs billablePeriod end %s", i, e.Meta.LastUpdated, e.BillablePeriod.End)
		}
		inPeriod := func(s string) bool {
			d, err := time.Parse(time.DateOnly, s)
			return err == nil && !d.Before(start) && !d.After(end)
		}

		// NPIs, sequences, code formats.
		if n := len(e.CareTeam); n < 1 || n > 5 {
			t.Errorf("line %d: %d care-team members", i, n)
		}
		for j, m := range e.CareTeam {
			if m.Sequence != j+1 {
				t.Errorf("line %d: careTeam sequence %d at %d", i, m.Sequence, j)
			}
			if m.Provider.Identifier.Type.code(sysIDType) != "npi" || !validNPI(m.Provider.Identifier.Value) {
				t.Errorf("line %d: bad NPI %q", i, m.Provider.Identifier.Value)
			}
		}
		maxDx := 12
		if typ == "INPATIENT" {
			maxDx = 25
		}
		if n := len(e.Diagnosis); n < 1 || n > maxDx {
			t.Errorf("line %d: %d diagnoses", i, n)
		}
		for j, d := range e.Diagnosis {
			if d.Sequence != j+1 || d.Code.code(sysICD10) == "" || len(d.Type) != 1 {
				t.Errorf("line %d: diagnosis %d: %+v", i, j, d)
			}
		}
		for _, p := range e.Procedure {
			if c := p.Code.code(sysICD10); len(c) != 7 || !inPeriod(p.Date[:10]) || !strings.HasSuffix(p.Date, "T00:00:00+00:00") {
				t.Errorf("line %d: procedure %+v", i, p)
			}
		}
		for _, s := range e.SupportingInfo {
			if c := s.Code.code(sysDRG); len(c) != 3 {
				t.Errorf("line %d: supportingInfo %+v", i, s)
			}
		}
		if n := len(e.Item); n < 1 || n > 12 {
			t.Errorf("line %d: %d items", i, n)
		}
		for j, it := range e.Item {
			if it.Sequence != j+1 || it.ProductOrService.code(sysHCPCS) == "" {
				t.Errorf("line %d: item %d: %+v", i, j, it)
			}
			for _, s := range it.CareTeamSequence {
				if s < 1 || s > len(e.CareTeam) {
					t.Errorf("line %d: item careTeamSequence %d", i, s)
				}
			}
			for _, s := range it.DiagnosisSequence {
				if s < 1 || s > len(e.Diagnosis) {
					t.Errorf("line %d: item diagnosisSequence %d", i, s)
				}
			}
			if it.ServicedDate != "" && !inPeriod(it.ServicedDate) {
				t.Errorf("line %d: servicedDate %s outside %+v", i, it.ServicedDate, e.BillablePeriod)
			}
			if p := it.ServicedPeriod; p != nil && (!inPeriod(p.Start) || !inPeriod(p.End)) {
				t.Errorf("line %d: servicedPeriod %+v outside %+v", i, *p, e.BillablePeriod)
			}
		}
	}

	for _, ct := range claimTypes {
		if types[ct.eobType] == 0 {
			t.Errorf("no %s claim in %d EOBs", ct.eobType, len(lines))
		}
	}
	if types["CARRIER"] < 700 || types["CARRIER"] > 1100 {
		t.Errorf("unrealistic mix: %v", types)
	}
	avg := total / len(lines)
	if avg < 4000 || avg > 8500 {
		t.Errorf("average line size %d bytes, want about 4-8 KB", avg)
	}
	t.Logf("types %v, average line %d bytes", types, avg)

	// Claim versions: same group, several clm_ids; only the newest is active.
	multi := 0
	for g, versions := range groups {
		for j, v := range versions {
			want := "active"
			if j < len(versions)-1 {
				want = "cancelled"
			}
			if v.Status != want {
				t.Errorf("group %s version %d: status %s, want %s", g, j, v.Status, want)
			}
			if j > 0 {
				prev, _ := time.Parse(time.RFC3339, versions[j-1].Meta.LastUpdated)
				cur, _ := time.Parse(time.RFC3339, v.Meta.LastUpdated)
				if !cur.After(prev) {
					t.Errorf("group %s: version %d not updated after version %d", g, j, j-1)
				}
				if v.Type.code(sysEOBType) != versions[0].Type.code(sysEOBType) || v.Patient != versions[0].Patient {
					t.Errorf("group %s: versions differ in type or patient", g)
				}
			}
		}
		if len(versions) > 1 {
			multi++
		}
	}
	if multi < 40 {
		t.Errorf("only %d claims with several versions in %d EOBs", multi, len(lines))
	}
}

func TestNPI(t *testing.T) {
	if !validNPI("1234567893") { // the CMS example NPI
		t.Error("1234567893 should be valid")
	}
	if validNPI("1234567890") {
		t.Error("1234567890 should be invalid")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		n := newNPI(r)
		s := strconv.FormatUint(n, 10)
		if !validNPI(s) || (s[0] != '1' && s[0] != '2') {
			t.Fatalf("newNPI gave %s", s)
		}
	}
}

func TestMBI(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 10_000 {
		m := newMBI(r)
		if !validMBI(string(m[:])) {
			t.Fatalf("newMBI gave %s", m[:])
		}
		if strings.ContainsAny(string(m[:]), "SLOIBZ") {
			t.Fatalf("MBI %s has an excluded letter", m[:])
		}
	}
	if validMBI("1S00E00DP42") { // the AB2D sandbox example uses an S
		t.Error("1S00E00DP42 should not pass the strict format")
	}
	if !validMBI("1EG4TE5MK73") { // the CMS example
		t.Error("1EG4TE5MK73 should be valid")
	}
}

func TestDates(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		z := daysFromCivil(d.Year(), int(d.Month()), d.Day())
		if got := string(appendDate(nil, z)); got != d.Format(time.DateOnly) {
			t.Errorf("appendDate(%d) = %s, want %s", z, got, d.Format(time.DateOnly))
		}
	}
	ms := time.Date(2021, 8, 17, 17, 47, 58, 887e6, time.UTC).UnixMilli()
	if got, want := string(appendTimestamp(nil, ms, -240)), "2021-08-17T13:47:58.887-04:00"; got != want {
		t.Errorf("appendTimestamp = %s, want %s", got, want)
	}
	if got, want := string(appendTimestamp(nil, ms, 0)), "2021-08-17T17:47:58.887+00:00"; got != want {
		t.Errorf("appendTimestamp = %s, want %s", got, want)
	}
}

func TestWriteNDJSON(t *testing.T) {
	var buf bytes.Buffer
	n, err := WriteNDJSON(&buf, Options{Seed: 3}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 1<<20 || buf.Len() > 1<<20+64<<10 {
		t.Errorf("wrote %d bytes for 1 MiB", buf.Len())
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	var lines int64
	for sc.Scan() {
		lines++
	}
	if lines != n {
		t.Errorf("WriteNDJSON returned %d, wrote %d lines", n, lines)
	}
	buf.Reset()
	written, err := WriteEOBs(&buf, Options{Seed: 3}, 25)
	if err != nil || written != int64(buf.Len()) || bytes.Count(buf.Bytes(), []byte("\n")) != 25 {
		t.Errorf("WriteEOBs: %d bytes, %v, %d lines", written, err, bytes.Count(buf.Bytes(), []byte("\n")))
	}
}

// allowedTop are the top-level elements AB2D v2 keeps (ExplanationOfBenefitTrimmerR4).
var allowedTop = []string{
	"resourceType", "id", "meta", "type", "identifier", "status", "patient",
	"billablePeriod", "facility", "careTeam", "diagnosis", "procedure", "item",
	"supportingInfo", "extension",
}

// allowedItem are the item elements AB2D v2 keeps.
var allowedItem = []string{
	"sequence", "careTeamSequence", "diagnosisSequence", "procedureSequence",
	"productOrService", "servicedDate", "servicedPeriod",
	"locationCodeableConcept", "locationAddress", "quantity", "extension",
}

// allowedItemExt are the item extensions AB2D v2 keeps.
var allowedItemExt = []string{sysAnsthsa, sysDMEPrcState, sysDMESupplr}

// fixtures returns the raw AB2D R4 EOB fixtures (testdata/fixtures/r4).
func fixtures(t *testing.T) []map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testinputs.Dir(t, "fixtures", "r4"), "CMSgov-ab2d__EOB-for-*-R4.json"))
	if len(files) == 0 {
		t.Fatal("no R4 fixtures in testdata/fixtures/r4")
	}
	var out []map[string]any
	for _, f := range files {
		out = append(out, readJSON(t, f))
	}
	return out
}

// typeSystems returns the sorted set of type.coding systems of an EOB.
func typeSystems(m map[string]any) []string {
	set := map[string]bool{}
	typ, _ := m["type"].(map[string]any)
	codings, _ := typ["coding"].([]any)
	for _, c := range codings {
		if s, ok := c.(map[string]any)["system"].(string); ok {
			set[s] = true
		}
	}
	return sortedKeys(set)
}

func sortedKeys[V any](set map[string]V) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// collectURIs adds every "system" and "url" string under v to set, with a
// trailing index (clm_poa_ind_sw12) removed.
func collectURIs(v any, set map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "system" || k == "url") {
				set[strings.TrimRight(s, "0123456789")] = true
			}
			collectURIs(x, set)
		}
	case []any:
		for _, x := range v {
			collectURIs(x, set)
		}
	}
}

func TestShapeMatchesAB2Dv2(t *testing.T) {
	lines := generate(t, Options{Seed: 5}, 2000)
	genSystems := map[string]bool{}
	genURIs := map[string]bool{}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !slices.Contains(allowedTop, k) {
				t.Fatalf("line %d: top-level %q is not kept by AB2D v2", i, k)
			}
		}
		items, _ := m["item"].([]any)
		for _, it := range items {
			for k, v := range it.(map[string]any) {
				if !slices.Contains(allowedItem, k) {
					t.Fatalf("line %d: item.%s is not kept by AB2D v2", i, k)
				}
				if k == "extension" {
					for _, x := range v.([]any) {
						if u := x.(map[string]any)["url"].(string); !slices.Contains(allowedItemExt, u) {
							t.Fatalf("line %d: item extension %s is not kept by AB2D v2", i, u)
						}
					}
				}
			}
		}
		if si, ok := m["supportingInfo"].([]any); ok {
			for _, s := range si {
				var e struct {
					Code codeableConcept `json:"code"`
				}
				b, _ := json.Marshal(s)
				_ = json.Unmarshal(b, &e)
				if e.Code.code(sysDRG) == "" {
					t.Fatalf("line %d: supportingInfo other than DRG", i)
				}
			}
		}
		for _, s := range typeSystems(m) {
			genSystems[s] = true
		}
		collectURIs(m, genURIs)
	}

	fx := fixtures(t)
	fxSystems := map[string]bool{}
	fxURIs := map[string]bool{
		// added by AB2D, not in the raw BFD fixtures
		urlMBIExt: true, sysIDCurrency: true, sysMBI: true,
	}
	for _, m := range fx {
		for _, s := range typeSystems(m) {
			fxSystems[s] = true
		}
		collectURIs(m, fxURIs)
	}
	if got, want := sortedKeys(genSystems), sortedKeys(fxSystems); !reflect.DeepEqual(got, want) {
		t.Errorf("type.coding systems:\n got %v\nwant %v", got, want)
	}
	// Every system and extension URL generated is one BFD uses.
	for u := range genURIs {
		if !fxURIs[u] {
			t.Errorf("system/url %s does not appear in the fixtures", u)
		}
	}
}

func TestTablesNeedNoEscaping(t *testing.T) {
	var all []string
	for _, ct := range claimTypes {
		all = append(all, ct.eobType, ct.idPrefix, ct.carin, ct.carinDsp, ct.profile)
		for _, cs := range [][]code{ct.nch, ct.nearLine, ct.facility} {
			for _, c := range cs {
				all = append(all, c.c, c.d)
			}
		}
	}
	for _, cs := range [][]code{diagnoses, externalCauses, procedures, posCarrier, posDME,
		specialties, dmeSpecialties, supplierTypes, poaCodes} {
		for _, c := range cs {
			all = append(all, c.c, c.d)
		}
	}
	for _, ss := range [][]string{hcpcsCarrier, hcpcsDME, hcpcsOutpatient, hcpcsInpatient,
		hcpcsSNF, hcpcsHHA, hcpcsHospice, drgs, ndcs, orgNames} {
		all = append(all, ss...)
	}
	for _, s := range states {
		all = append(all, s.st, s.zip3, s.lclty, s.lcltyDsp)
	}
	for _, s := range all {
		q, _ := json.Marshal(s)
		if string(q) != `"`+s+`"` {
			t.Errorf("%q needs JSON escaping", s)
		}
	}
	for _, p := range procedures {
		if len(p.c) != 7 {
			t.Errorf("ICD-10-PCS %s is not 7 characters", p.c)
		}
	}
	for _, d := range drgs {
		if len(d) != 3 {
			t.Errorf("DRG %s is not 3 digits", d)
		}
	}
	if len(diagnoses) > 128 {
		t.Error("dxSet holds at most 128 diagnosis codes")
	}
	sum := 0
	for _, ct := range claimTypes {
		sum += ct.weight
	}
	if sum != 100 {
		t.Errorf("claim type weights sum to %d", sum)
	}
}

func BenchmarkGenerate(b *testing.B) {
	g := New(Options{Seed: 1})
	buf := make([]byte, 0, 64<<10)
	var total int64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf = g.Next(buf[:0])
		total += int64(len(buf))
	}
	b.SetBytes(total / int64(b.N))
}
