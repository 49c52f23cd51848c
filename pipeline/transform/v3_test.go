package transform

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
)

func TestDetectVersion(t *testing.T) {
	for _, tc := range []struct {
		name, members, api string
	}{
		{"nothing R4 or v3: STU3", ``, "v1"},
		{"C4BB profile", `"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"]}`, "v2"},
		{"versioned C4BB profile alone", `"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional|2.2.0"]}`, "v2"},
		{"v2 eob-type", `"type":{"coding":[{"system":"` + sysEOBType + `","code":"CARRIER"}]},"supportingInfo":[]`, "v2"},
		{"CLM-TYPE-CD", `"type":{"coding":[{"system":"` + sysV3ClmType + `","code":"60"}]}`, "v3"},
		{"EOB-TYPE", `"type":{"coding":[{"system":"` + sysV3EOBType + `","code":"CARRIER"}]}`, "v3"},
		{"Final-Action tag", `"meta":{"tag":[{"system":"` + sysV3FinalAction + `","code":"FinalAction"}]}`, "v3"},
		{"CMS profile", `"meta":{"profile":["https://bluebutton.cms.gov/fhir/StructureDefinition/CMS-ExplanationOfBenefit-Professional-NonClinician"]}`, "v3"},
		{"claim control number", `"identifier":[{"system":"` + sysV3CtrlNum + `","value":"1"}]`, "v3"},
		{"v3 marker beside v2 ones", `"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"]},"type":{"coding":[{"system":"` + sysV3ClmType + `","code":"60"}]}`, "v3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec Record
			if err := NewFlattener().Flatten(eob(tc.members), &rec); err != nil {
				t.Fatal(err)
			}
			if got := rec.Claims[0].APIVersion; got != tc.api {
				t.Errorf("api_version %s, want %s", got, tc.api)
			}
		})
	}
}

// v3Line returns the v3 rendering of the first synthetic EOB of claim type
// typ of contract Z0001, and the EOB.
func v3Line(t *testing.T, typ string) ([]byte, *synth.EOB) {
	t.Helper()
	for e := range synth.NewContract(synth.ContractOptions{Seed: 1, Contract: "Z0001", Beneficiaries: 20}).EOBs() {
		if e.ClaimType() == typ && e.Active() {
			return e.AppendV3(nil), e
		}
	}
	t.Fatalf("no %s claim", typ)
	return nil, nil
}

// TestV3CareTeamForms flattens a v3 claim as BFD sends it now (NPIs
// inline) and as it did before 2026-04 (each member a reference to a
// contained Practitioner): the care team and the claim's NPI columns are
// the same.
func TestV3CareTeamForms(t *testing.T) {
	for _, typ := range []string{"INPATIENT", "CARRIER"} {
		inline, _ := v3Line(t, typ)
		var doc map[string]any
		if err := json.Unmarshal(inline, &doc); err != nil {
			t.Fatal(err)
		}
		contained, _ := doc["contained"].([]any)
		for i, m := range doc["careTeam"].([]any) {
			member := m.(map[string]any)
			prov := member["provider"].(map[string]any)
			id := "careteam-provider-" + string(rune('1'+i))
			contained = append(contained, map[string]any{"resourceType": "Practitioner", "id": id, "identifier": []any{prov["identifier"]}})
			member["provider"] = map[string]any{"reference": "#" + id}
		}
		doc["contained"] = contained
		referenced, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var a, b Record
		if err := NewFlattener().Flatten(inline, &a); err != nil {
			t.Fatal(err)
		}
		if err := NewFlattener().Flatten(referenced, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.ClaimCareTeam, b.ClaimCareTeam) {
			t.Errorf("%s: care teams differ:\n inline     %+v\n referenced %+v", typ, a.ClaimCareTeam, b.ClaimCareTeam)
		}
		ca, cb := a.Claims[0], b.Claims[0]
		if ca != cb {
			t.Errorf("%s: claims differ:\n inline     %+v\n referenced %+v", typ, ca, cb)
		}
		if ca.RenderingNPI == "" || (typ == "INPATIENT" && ca.AttendingNPI == "") {
			t.Errorf("%s: no NPI: %+v", typ, ca)
		}
		if len(b.ClaimContained) <= len(a.ClaimContained) {
			t.Errorf("%s: the Practitioners are not claim_contained rows", typ)
		}
	}
}

// TestV3SupportingFacts checks the header facts v3 moved: present on
// admission in diagnosis.onAdmission, DRG and near-line record code in
// supportingInfo, ICD-10-CM codes with their dot (stored without).
func TestV3SupportingFacts(t *testing.T) {
	line, _ := v3Line(t, "INPATIENT")
	var rec Record
	if err := NewFlattener().Flatten(line, &rec); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SupportingInfo []struct {
			Category struct{ Coding []struct{ Code string } }
			Code     struct {
				Coding []struct{ System, Code string }
			}
		}
		Diagnosis []struct {
			Code        struct{ Coding []struct{ Code string } } `json:"diagnosisCodeableConcept"`
			OnAdmission *struct{ Coding []struct{ Code string } }
		}
	}
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatal(err)
	}
	var drg, nearLine string
	for _, si := range doc.SupportingInfo {
		switch {
		case si.Category.Coding[0].Code == "drg":
			drg = si.Code.Coding[0].Code
		case si.Code.Coding[0].System == sysV3NearLine:
			nearLine = si.Code.Coding[0].Code
		}
	}
	c := rec.Claims[0]
	if drg == "" || c.DRGCode != drg || nearLine == "" || c.NearLineRecordCode != nearLine {
		t.Errorf("drg_code %q near_line_record_code %q, want %q %q", c.DRGCode, c.NearLineRecordCode, drg, nearLine)
	}
	if len(rec.ClaimDiagnoses) != len(doc.Diagnosis) {
		t.Fatalf("%d diagnoses, want %d", len(rec.ClaimDiagnoses), len(doc.Diagnosis))
	}
	dotted, poa := 0, 0
	for i, d := range doc.Diagnosis {
		sent := d.Code.Coding[0].Code
		if strings.Contains(sent, ".") {
			dotted++
		}
		if got := rec.ClaimDiagnoses[i].Code; got != strings.ReplaceAll(sent, ".", "") {
			t.Errorf("diagnosis %d: code %q, sent %q", i+1, got, sent)
		}
		want := ""
		if d.OnAdmission != nil {
			want = d.OnAdmission.Coding[0].Code
			poa++
		}
		if got := rec.ClaimDiagnoses[i].PresentOnAdmission; got != want {
			t.Errorf("diagnosis %d: present_on_admission %q, want %q", i+1, got, want)
		}
	}
	if dotted == 0 || poa == 0 || strings.Contains(c.PrincipalDiagnosisCode, ".") || c.PrincipalDiagnosisCode == "" {
		t.Errorf("the claim should have dotted codes (%d), POA flags (%d) and an undotted principal diagnosis (%q)", dotted, poa, c.PrincipalDiagnosisCode)
	}
}

// TestV3Excluded checks the guard: the claims AB2D should not send (Part
// D, shared systems, not final action) get their excluded_reason, from the
// shared fixtures and synth's strays; the others none.
func TestV3Excluded(t *testing.T) {
	single, _ := loadFixtures(t)
	want := map[string]string{
		"CMSgov-ab2d__EOB-for-1-R4v3.json":                     "",
		"CMSgov-ab2d__EOB-for-2-R4v3.json":                     "part_d",
		"CMSgov-ab2d__EOB-for-3-R4v3.json":                     "",
		"CMSgov-ab2d__EOB-for-Carrier-R4v3.json":               "shared_system,not_final_action", // VMS DME
		"CMSgov-ab2d__EOB-for-HHA-R4v3.json":                   "part_d",
		"CMSgov-ab2d__EOB-for-Hospice-R4v3.json":               "part_d",
		"CMSgov-ab2d__EOB-for-Outpatient-R4v3.json":            "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-Carrier.json":    "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-DME.json":        "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-HHA.json":        "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-Hospice.json":    "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-Inpatient.json":  "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-MCS.json":        "shared_system",
		"CMSgov-bfd__idr-ExplanationOfBenefit-Outpatient.json": "",
		"CMSgov-bfd__idr-ExplanationOfBenefit-Pharmacy.json":   "part_d",
		"CMSgov-bfd__idr-ExplanationOfBenefit-SNF.json":        "",
	}
	f := NewFlattener()
	var rec Record
	seen := 0
	for _, fx := range single {
		if err := f.Flatten(fx.data, &rec); err != nil {
			t.Fatalf("%s: %v", fx.file, err)
		}
		got := rec.Claims[0].ExcludedReason
		if fx.dir != "v3" {
			if got != "" {
				t.Errorf("%s/%s: excluded_reason %q: only v3 claims are guarded", fx.dir, fx.file, got)
			}
			continue
		}
		w, ok := want[fx.file]
		if !ok {
			t.Errorf("v3/%s: add it to this test", fx.file)
		}
		seen++
		if got != w {
			t.Errorf("v3/%s: excluded_reason %q, want %q", fx.file, got, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%d v3 fixtures, want %d", seen, len(want))
	}

	counts := map[string]int{}
	for e := range synth.NewContract(synth.ContractOptions{Seed: 1, Contract: "Z0001", Beneficiaries: 10}).EOBs() {
		for _, tc := range []struct {
			line []byte
			want string
		}{
			{e.AppendV3Stray(nil, synth.V3SharedSystem), "shared_system"},
			{e.AppendV3Stray(nil, synth.V3PartD), "part_d"},
			{e.AppendV3(nil), map[bool]string{true: "", false: "not_final_action"}[e.Active()]},
		} {
			if tc.want == "shared_system" && !e.Active() {
				tc.want += ",not_final_action"
			}
			if err := f.Flatten(tc.line, &rec); err != nil {
				t.Fatal(err)
			}
			if got := rec.Claims[0].ExcludedReason; got != tc.want {
				t.Fatalf("%s claim %d: excluded_reason %q, want %q", e.ClaimType(), e.ClaimID(), got, tc.want)
			}
			counts[tc.want]++
		}
	}
	for _, r := range []string{"", "part_d", "shared_system", "not_final_action"} {
		if counts[r] == 0 {
			t.Errorf("no synthetic claim with excluded_reason %q", r)
		}
	}
}

// TestV3ResourceID: an EOB without id takes its uc identifier (BFD's v3
// samples); without either it is rejected as before.
func TestV3ResourceID(t *testing.T) {
	f := NewFlattener()
	var rec Record
	noID := []byte(`{"resourceType":"ExplanationOfBenefit","identifier":[{"type":{"coding":[{"system":"` + sysC4BBIDType + `","code":"uc"}]},"value":"42"}],` +
		`"type":{"coding":[{"system":"` + sysV3ClmType + `","code":"71"}]}}`)
	if err := f.Flatten(noID, &rec); err != nil {
		t.Fatal(err)
	}
	if c := rec.Claims[0]; c.EOBID != "42" || c.ClaimID != "42" || c.ClaimType != "CARRIER" {
		t.Errorf("eob_id %q claim_id %q claim_type %q, want 42, 42 and CARRIER (from CLM-TYPE-CD)", c.EOBID, c.ClaimID, c.ClaimType)
	}
	bare := []byte(`{"resourceType":"ExplanationOfBenefit","type":{"coding":[{"system":"` + sysV3ClmType + `","code":"71"}]}}`)
	if err := f.Flatten(bare, &rec); err == nil || !strings.Contains(err.Error(), "without id") {
		t.Errorf("err = %v, want without id", err)
	}
	v2 := eob(`"identifier":[{"type":{"coding":[{"system":"` + sysC4BBIDType + `","code":"uc"}]},"value":"42"}]`)
	v2 = []byte(strings.Replace(string(v2), `"id":"carrier-1",`, ``, 1))
	if err := f.Flatten(v2, &rec); err == nil {
		t.Errorf("a v1/v2 EOB without id is accepted: %+v", rec.Claims[0])
	}
}
