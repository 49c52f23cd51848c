package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// v3EOB is the part of a v3 EOB the tests compare.
type v3EOB struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		LastUpdated string   `json:"lastUpdated"`
		Source      string   `json:"source"`
		Profile     []string `json:"profile"`
		Tag         []coding `json:"tag"`
	} `json:"meta"`
	Contained []struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Identifier   []struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
	} `json:"contained"`
	Extension  []anyExt `json:"extension"`
	Identifier []struct {
		Type   anyCC  `json:"type"`
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
	Status   string `json:"status"`
	Type     anyCC  `json:"type"`
	Patient  anyRef `json:"patient"`
	Provider anyRef `json:"provider"`
	Period   period `json:"billablePeriod"`
	Team     []struct {
		Sequence int `json:"sequence"`
		Provider struct {
			Identifier struct {
				System string `json:"system"`
				Value  string `json:"value"`
			} `json:"identifier"`
		} `json:"provider"`
		Role anyCC `json:"role"`
	} `json:"careTeam"`
	SupportingInfo []struct {
		Category anyCC `json:"category"`
		Code     anyCC `json:"code"`
	} `json:"supportingInfo"`
	Diagnosis []struct {
		Sequence    int    `json:"sequence"`
		Code        anyCC  `json:"diagnosisCodeableConcept"`
		OnAdmission *anyCC `json:"onAdmission"`
	} `json:"diagnosis"`
	Procedure []struct {
		Sequence int    `json:"sequence"`
		Date     string `json:"date"`
		Code     anyCC  `json:"procedureCodeableConcept"`
	} `json:"procedure"`
	Item []struct {
		Sequence         int      `json:"sequence"`
		CareTeamSequence []int    `json:"careTeamSequence"`
		Extension        []anyExt `json:"extension"`
		ProductOrService anyCC    `json:"productOrService"`
		ServicedDate     string   `json:"servicedDate"`
		ServicedPeriod   *period  `json:"servicedPeriod"`
		Location         *anyCC   `json:"locationCodeableConcept"`
		Quantity         struct {
			Value float64 `json:"value"`
		} `json:"quantity"`
	} `json:"item"`
}

// tag returns the code of the meta.tag of system.
func (e *v3EOB) tag(system string) string { return codeableConcept{e.Meta.Tag}.code(system) }

func parseV3(t testing.TB, line []byte) v3EOB {
	t.Helper()
	var e v3EOB
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, line)
	}
	return e
}

// v3Facts extracts from a v3 EOB the facts the v2 rendering carries too,
// written as v2 writes them (factsOf), with the v2-only ones (ids, claim
// group, status, facility, query code, NDC) left empty.
func v3Facts(t testing.TB, e v3EOB) facts {
	t.Helper()
	f := facts{
		EOBType: e.Type.code(sysV3EOBType), NCH: e.Type.code(sysV3ClmType),
		Start: e.Period.Start, End: e.Period.End,
	}
	for _, x := range e.Extension {
		if x.URL == urlMBIExt {
			f.MBIs = append(f.MBIs, x.ValueIdentifier.Extension[0].ValueCoding.Code+":"+x.ValueIdentifier.Value)
		}
	}
	for _, s := range e.SupportingInfo {
		if d := s.Code.code(sysV3DRG); d != "" {
			f.DRG = d
		}
	}
	for _, d := range e.Diagnosis {
		f.Dx = append(f.Dx, strings.Replace(d.Code.code(sysV3ICD10CM), ".", "", 1))
		poa := ""
		if d.OnAdmission != nil {
			poa = d.OnAdmission.code(sysV3POA)
		}
		f.POA = append(f.POA, poa)
	}
	for _, p := range e.Procedure {
		f.Proc = append(f.Proc, fmt.Sprintf("%d|%s@%sT00:00:00+00:00", p.Sequence, p.Code.code(sysV3ICD10PCS), p.Date))
	}
	for _, it := range e.Item {
		per := ""
		if it.ServicedPeriod != nil {
			per = it.ServicedPeriod.Start + ".." + it.ServicedPeriod.End
		}
		hcpcs := it.ProductOrService.code(sysV3CPT) + it.ProductOrService.code(sysV3HCPCS)
		f.Lines = append(f.Lines, fmt.Sprintf("%d|%s|%s|%s|%g||%s", it.Sequence, hcpcs,
			it.ServicedDate, per, it.Quantity.Value, it.Location.code(sysV3POS)))
	}
	return f
}

// v2Shared blanks the facts of a v2 EOB that v3 does not carry: the ids,
// claim group, status, facility, claim query code, NDCs and historic MBIs.
func v2Shared(f facts) facts {
	f.ID, f.ClmID, f.Group, f.Status, f.Patient, f.LastUpdated, f.Facility, f.Query = "", "", "", "", "", "", "", ""
	f.MBIs = f.MBIs[:1]
	for i, l := range f.Lines {
		p := strings.Split(l, "|")
		p[5] = ""
		f.Lines[i] = strings.Join(p, "|")
	}
	return f
}

// v3Lines returns the R4, STU3 and v3 renderings of the first n EOBs of
// contract Z0001 (seed 1), and their V3ClaimID and V3BeneficiaryKey.
func v3Lines(t testing.TB, n int) (r4, stu3, v3 [][]byte, keys [][2]int64) {
	t.Helper()
	c := NewContract(ContractOptions{Seed: 1, Contract: "Z0001", Beneficiaries: n})
	for e := range c.EOBs() {
		if len(v3) == n {
			break
		}
		r4 = append(r4, e.AppendR4(nil))
		stu3 = append(stu3, e.AppendSTU3(nil))
		v3 = append(v3, e.AppendV3(nil))
		keys = append(keys, [2]int64{e.V3ClaimID(), e.V3BeneficiaryKey()})
	}
	return r4, stu3, v3, keys
}

// TestV3AgreesWithV2 checks what the v3 rendering of a fact shares with
// its v2 and v1 renderings, and what it does not (see the identity notes
// in v3.go).
func TestV3AgreesWithV2(t *testing.T) {
	r4, stu3, v3, keys := v3Lines(t, 500)
	v2IDs := map[string]bool{}
	for i := range r4 {
		a := parseAny(t, r4[i])
		for _, id := range a.Identifier {
			v2IDs[id.Value] = true
		}
		v2IDs[strings.TrimPrefix(a.Patient.Reference, "Patient/")] = true
		v2IDs[a.ID] = true
	}
	seen := map[string]bool{}
	for i := range v3 {
		a, s, e := parseAny(t, r4[i]), parseAny(t, stu3[i]), parseV3(t, v3[i])
		var s1 struct{ Provider, Organization anyRef }
		if err := json.Unmarshal(stu3[i], &s1); err != nil {
			t.Fatal(err)
		}
		if got, want := v3Facts(t, e), v2Shared(factsOf(a)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("EOB %d: v3 and v2 differ:\n  v3 %+v\n  v2 %+v", i, got, want)
		}

		// The same instant, written differently.
		lu2, err2 := time.Parse(time.RFC3339, a.Meta.LastUpdated)
		lu3, err3 := time.Parse(time.RFC3339, e.Meta.LastUpdated)
		if err2 != nil || err3 != nil || !lu2.Equal(lu3) || !strings.HasSuffix(e.Meta.LastUpdated, "000Z") {
			t.Fatalf("EOB %d: lastUpdated v2 %s, v3 %s", i, a.Meta.LastUpdated, e.Meta.LastUpdated)
		}
		// Final action is v2's active status.
		if want := map[bool]string{true: "FinalAction", false: "NotFinalAction"}[a.Status == "active"]; e.tag(sysV3FinalAction) != want || e.Status != "active" {
			t.Fatalf("EOB %d: v2 status %s, v3 status %s and final action %s", i, a.Status, e.Status, e.tag(sysV3FinalAction))
		}

		// Ids: CLM_UNIQ_ID and BENE_SK as documented, neither a v2 id; the
		// claim control number is v1's.
		uniq, ctrl := "", ""
		for _, id := range e.Identifier {
			switch {
			case id.Type.code(sysIDType) == "uc" && id.System == "":
				uniq = id.Value
			case id.System == sysV3CtrlNum:
				ctrl = id.Value
			default:
				t.Fatalf("EOB %d: identifier %+v", i, id)
			}
		}
		sk := strings.TrimPrefix(e.Patient.Reference, "Patient/")
		if uniq != e.ID || uniq != strconv.FormatInt(keys[i][0], 10) || sk != strconv.FormatInt(keys[i][1], 10) {
			t.Fatalf("EOB %d: id %s, uc %s, patient %s", i, e.ID, uniq, e.Patient.Reference)
		}
		if v2IDs[uniq] || v2IDs[sk] || seen[uniq] {
			t.Fatalf("EOB %d: v3 id %s or BENE_SK %s is a v2 id or repeats", i, uniq, sk)
		}
		seen[uniq] = true
		v1Ctrl := ""
		for _, x := range s.Extension {
			if (x.URL == sysCarrCtrlNum || x.URL == sysFIDocCtrlNum) && x.ValueIdentifier != nil {
				v1Ctrl = x.ValueIdentifier.Value
			}
		}
		if ctrl == "" || ctrl != v1Ctrl {
			t.Fatalf("EOB %d: claim control number v3 %s, v1 %s", i, ctrl, v1Ctrl)
		}
		for _, id := range a.Identifier {
			if id.Value == ctrl {
				t.Fatalf("EOB %d: v2 sends the claim control number", i)
			}
		}

		// NPIs: v2's care team and carrier organization are v3's care team
		// and provider; v2's DME supplier (performing) is v3's provider. An
		// institution, v3's provider, is not in v2 but in v1's organization
		// (NPI) and provider (CCN).
		if len(e.Contained) != 1 || e.Provider.Reference != "#"+e.Contained[0].ID || e.Contained[0].Identifier[0].Value != e.Contained[0].ID {
			t.Fatalf("EOB %d: provider %+v, contained %+v", i, e.Provider, e.Contained)
		}
		org := e.Contained[0]
		if typ := e.Type.code(sysV3EOBType); typ != "CARRIER" && typ != "DME" {
			if len(org.Identifier) != 2 || org.Identifier[1].System != sysV3CCN || org.Identifier[1].Value != s1.Provider.Identifier.Value ||
				org.ID != s1.Organization.Identifier.Value {
				t.Fatalf("EOB %d: institution %+v, v1 provider %+v, organization %+v", i, org, s1.Provider, s1.Organization)
			}
			org.ID = "" // not in v2
		}
		var want, got []string
		for _, m := range a.Team {
			want = append(want, m.Provider.Identifier.Value)
		}
		for _, m := range e.Team {
			if m.Provider.Identifier.System != sysNPI || len(m.Role.Coding) != 2 {
				t.Fatalf("EOB %d: care team %+v", i, m)
			}
			got = append(got, m.Provider.Identifier.Value)
		}
		if org.ID != "" {
			got = append(got, org.ID)
		}
		slices.Sort(want)
		want = slices.Compact(want)
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(want, got) {
			t.Fatalf("EOB %d: NPIs v2 %v, v3 %v", i, want, got)
		}
	}
}

// TestV3Strays: the stray renderings are what a client's guards must
// catch, with ids of their own.
func TestV3Strays(t *testing.T) {
	c := NewContract(ContractOptions{Seed: 2, Contract: "Z0002", Beneficiaries: numTypes})
	for i := range numTypes {
		for e := range c.BeneficiaryEOBs(i) {
			nch := parseV3(t, e.AppendV3(nil))
			ss := parseV3(t, e.AppendV3Stray(nil, V3SharedSystem))
			pd := parseV3(t, e.AppendV3Stray(nil, V3PartD))
			wantSource, wantType := map[string][2]string{"CARRIER": {"MCS", "2700"}, "DME": {"VMS", "1800"}}[e.ClaimType()], ""
			if wantSource == [2]string{} {
				wantSource, wantType = [2]string{"FISS", nch.Type.code(sysV3ClmType)}, nch.Type.code(sysV3ClmType)
			} else {
				wantType = wantSource[1]
			}
			if ss.Meta.Source != wantSource[0] || ss.tag(sysV3SystemType) != "SharedSystem" || ss.Type.code(sysV3ClmType) != wantType ||
				ss.Type.code(sysV3EOBType) != e.ClaimType() {
				t.Errorf("%s shared system: %+v %+v", e.ClaimType(), ss.Meta, ss.Type)
			}
			if pd.Meta.Source != "DDPS" || pd.tag(sysV3SystemType) != "DDPS" || pd.Type.code(sysV3ClmType) != "1" ||
				pd.Type.code(sysV3EOBType) != "PDE" || pd.Type.code(sysClaimType) != "pharmacy" ||
				!strings.Contains(pd.Meta.Profile[0], "Pharmacy") || pd.Patient.Reference != nch.Patient.Reference {
				t.Errorf("%s Part D: %+v %+v", e.ClaimType(), pd.Meta, pd.Type)
			}
			if nch.Meta.Source != "NCH" || nch.tag(sysV3SystemType) != "NationalClaimsHistory" {
				t.Errorf("%s NCH: %+v", e.ClaimType(), nch.Meta)
			}
			if ids := []string{nch.ID, ss.ID, pd.ID}; len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 3 {
				t.Errorf("%s: ids %v", e.ClaimType(), ids)
			}
			break
		}
	}
}

// TestV3Generator: a Generator in R4V3 renders only final-action claims,
// deterministically.
func TestV3Generator(t *testing.T) {
	var a, b bytes.Buffer
	if _, err := WriteEOBs(&a, Options{Seed: 4, FHIRVersion: R4V3}, 300); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteEOBs(&b, Options{Seed: 4, FHIRVersion: R4V3}, 300); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same seed gave different bytes")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(a.Bytes(), []byte("\n")), []byte("\n")) {
		if e := parseV3(t, line); e.tag(sysV3FinalAction) != "FinalAction" {
			t.Fatalf("line %d is not final action", i)
		}
	}
}

func TestICD10CMDot(t *testing.T) {
	for in, want := range map[string]string{"E119": "E11.9", "I10": "I10", "W19XXXA": "W19.XXXA", "Z0000": "Z00.00", "L89154": "L89.154"} {
		if got := string(appendICD10CM(nil, in)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
