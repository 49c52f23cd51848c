package transform

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// TestSamplePairsAgree flattens the real sample EOBs published in both
// API versions — AB2D's own for each claim type, and BFD's endpoint
// responses, each pair the same claim (the same claim id) — and compares
// every column either version fills. What differs, or only one version
// fills, is listed below with the reason: the source itself says something
// else, not the flattener; an entry that stops being true fails the test.
// The sandbox's synthetic claims get the stricter test (internal/synth
// TestFlattenAgree); this one is real data.
func TestSamplePairsAgree(t *testing.T) {
	single, _ := loadFixtures(t)
	byFile := map[string][]byte{}
	for _, f := range single {
		byFile[f.dir+"/"+f.file] = f.data
	}
	// Columns whose values differ in the samples, by pair ("*": all; "AB2D
	// *", "BFD *": every pair of that source), with the reason.
	differ := exceptions{
		"*": {
			"Claim.BeneficiaryID": "the two samples use different synthetic beneficiaries",
			"Claim.FHIRVersion":   "by definition",
			"Claim.APIVersion":    "by definition",
			"Line.CareTeamSequences": "the versions number the care team differently " +
				"(compare claim_care_team.role_normalized instead)",
		},
		"Carrier": {"Line.NDCCode": "the samples carry different NDCs"},
		"DME":     {"Line.NDCCode": "the samples carry different NDCs (R4: 000000000)"},
		"HHA": {
			"Line.Quantity": "R4 item.quantity is the NDC quantity on institutional lines (documented on the column)",
			"Diagnosis.DiagnosisRole": "BFD v2 types the external-cause diagnoses R2222 and R3333 `secondary`, " +
				"BFD v1 `external-first` and `external`",
		},
		"Hospice":   {"Line.Quantity": "R4 item.quantity is the NDC quantity on institutional lines"},
		"Inpatient": {"Line.Quantity": "R4 item.quantity is the NDC quantity on institutional lines"},
		"Outpatient": {
			"Line.Quantity":       "R4 item.quantity is the NDC quantity on institutional lines",
			"Claim.ClaimCategory": "BFD v1 labels outpatient claims professional, BFD v2 institutional",
		},
		"SNF": {
			"Line.Quantity": "R4 item.quantity is the NDC quantity on institutional lines",
			"Diagnosis.DiagnosisRole": "BFD v2 types the admitting diagnosis R4444 `other`, BFD v1 `admitting` " +
				"(so R4 has no admitting_diagnosis_code either, see oneSided)",
		},
		"BFD *": {
			"Diagnosis.CodeSystem": "BFD v2 names ICD-10 diagnoses' system icd-10-cm, v1 icd-10",
			"Procedure.CodeSystem": "BFD v2 names ICD-10 procedures' system …/Medicare/Coding/ICD10, v1 icd-10",
		},
		"BFD Hha":        {"Line.Quantity": "as in HHA", "Diagnosis.DiagnosisRole": "as in HHA"},
		"BFD Hospice":    {"Line.Quantity": "as in Hospice"},
		"BFD Inpatient":  {"Line.Quantity": "as in Inpatient"},
		"BFD Outpatient": {"Line.Quantity": "as in Outpatient", "Claim.ClaimCategory": "as in Outpatient"},
		"BFD Snf":        {"Line.Quantity": "as in SNF", "Diagnosis.DiagnosisRole": "as in SNF"},
	}
	// Columns only one version fills in the samples, by pair or source, as
	// "column side", with the reason.
	oneSided := exceptions{
		"*": {
			"Claim.Profile R4":            "meta.profile is CARIN's, which only v2 declares",
			"Claim.LastUpdated R4":        "the STU3 samples have no meta.lastUpdated",
			"Claim.ProviderID STU3":       "the v2 samples have no provider identifier on institutional claims",
			"Claim.ProviderIDSystem STU3": "the v2 samples have no provider identifier on institutional claims",
			"Claim.OrganizationNPI STU3":  "the v2 samples have no organization member with an NPI on institutional claims",
			"Claim.ReferringNPI R4":       "AB2D v1 removes EOB.referral, where BFD v1 puts the referring provider",
		},
		"Carrier": {"Line.AnesthesiaUnitCount R4": "the STU3 sample has no carr_line_ansthsa_unit_cnt"},
		"DME":     {"Claim.ClaimCategory R4": "BFD v1 gives DME claims no ex-claimtype coding"},
		"HHA":     {"Claim.ClaimCategory R4": "BFD v1 gives HHA claims no ex-claimtype coding"},
		"BFD Dme": {"Claim.ClaimCategory R4": "as in DME"},
		"BFD Hha": {"Claim.ClaimCategory R4": "as in HHA"},
		"Hospice": {"Claim.RenderingUPIN R4": "the R4 sample's extra performing member has the UPIN 0"},
		"BFD *": {
			"Claim.ClaimSubType R4":     "the C4BB institutional sub type is v2's",
			"Claim.ClaimQueryCode R4":   "the v1 samples have no claim_query_cd",
			"Claim.ProviderID R4":       "the v1 samples have no billing provider identifier on professional claims",
			"Claim.ProviderIDSystem R4": "the v1 samples have no billing provider identifier on professional claims",
		},
		"BFD Hospice": {"Claim.RenderingUPIN R4": "as in Hospice"},
		"BFD Snf":     {"Claim.AdmittingDiagnosisCode STU3": "as in SNF"},
		"BFD Pde":     {"Claim.RenderingNPI STU3": "PDE (never in AB2D exports): v1 makes the prescriber `primary`, v2 `prescribing`"},
		"SNF": {
			"Claim.AdmittingDiagnosisCode STU3": "BFD v2 types the admitting diagnosis `other`",
			"Line.ServiceStart STU3":            "the R4 sample's line has no servicedPeriod",
			"Line.ServiceEnd STU3":              "the R4 sample's line has no servicedPeriod",
			"Line.NDCQuantity R4":               "R4 item.quantity (0) is the NDC quantity; the STU3 line has no rev_cntr_ndc_qty",
			"Line.DiagnosisSequences STU3":      "the R4 sample's line has no diagnosisSequence",
		},
	}
	seen := map[string]bool{} // "key/entry" of the exceptions that held
	type pair struct{ group, typ, r4, stu3 string }
	var pairs []pair
	for _, typ := range []string{"Carrier", "DME", "HHA", "Hospice", "Inpatient", "Outpatient", "SNF"} {
		pairs = append(pairs, pair{"AB2D *", typ, "r4/CMSgov-ab2d__EOB-for-" + typ + "-R4.json", "stu3/CMSgov-ab2d__EOB-for-" + typ + "-Claims.json"})
	}
	for _, typ := range []string{"Carrier", "Dme", "Hha", "Hospice", "Inpatient", "Outpatient", "Snf", "Pde"} {
		pairs = append(pairs, pair{"BFD *", "BFD " + typ, "r4/CMSgov-beneficiary-fhir-data__eobRead" + typ + ".json", "stu3/CMSgov-beneficiary-fhir-data__eobRead" + typ + ".json"})
	}
	for _, p := range pairs {
		typ := p.typ
		t.Run(typ, func(t *testing.T) {
			var r4, stu3 Record
			for _, x := range []struct {
				file string
				rec  *Record
			}{
				{p.r4, &r4},
				{p.stu3, &stu3},
			} {
				data, ok := byFile[x.file]
				if !ok {
					t.Fatalf("fixture %s missing", x.file)
				}
				// A flattener each: a record's strings may live in its
				// flattener's buffers.
				if err := NewFlattener().Flatten(data, x.rec); err != nil {
					t.Fatalf("%s: %v", x.file, err)
				}
			}
			if r4.Claims[0].ClaimID == "" || r4.Claims[0].ClaimID != stu3.Claims[0].ClaimID {
				t.Fatalf("not the same claim: claim ids %q and %q", r4.Claims[0].ClaimID, stu3.Claims[0].ClaimID)
			}
			keys := []string{"*", p.group, typ}
			compared := 0
			compare := func(prefix string, a, b any) {
				va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
				for i := range va.NumField() {
					fa, fb := va.Field(i), vb.Field(i)
					col := prefix + va.Type().Field(i).Name
					if fa.IsZero() != fb.IsZero() {
						side := "R4"
						if fa.IsZero() {
							side = "STU3"
						}
						if !oneSided.allow(seen, keys, col+" "+side) {
							t.Errorf("%s %s: only %s has a value (%v%v)", typ, col, side, fa.Interface(), fb.Interface())
						}
						continue
					}
					if fa.IsZero() {
						continue
					}
					compared++
					if !reflect.DeepEqual(fa.Interface(), fb.Interface()) && !differ.allow(seen, keys, col) {
						t.Errorf("%s %s: R4 %v, STU3 %v", typ, col, fa.Interface(), fb.Interface())
					}
				}
			}
			compare("Claim.", r4.Claims[0], stu3.Claims[0])
			if len(r4.ClaimLines) != len(stu3.ClaimLines) || len(r4.ClaimDiagnoses) != len(stu3.ClaimDiagnoses) || len(r4.ClaimProcedures) != len(stu3.ClaimProcedures) {
				t.Fatalf("%d/%d/%d lines/diagnoses/procedures in R4, %d/%d/%d in STU3", len(r4.ClaimLines), len(r4.ClaimDiagnoses),
					len(r4.ClaimProcedures), len(stu3.ClaimLines), len(stu3.ClaimDiagnoses), len(stu3.ClaimProcedures))
			}
			for i := range r4.ClaimLines {
				compare("Line.", r4.ClaimLines[i], stu3.ClaimLines[i])
			}
			for i := range r4.ClaimDiagnoses {
				a, b := r4.ClaimDiagnoses[i], stu3.ClaimDiagnoses[i]
				a.Sequence, b.Sequence = Int{}, Int{}     // numbered differently when v1 lists the DRG first
				a.DiagnosisType, b.DiagnosisType = "", "" // two vocabularies: DiagnosisRole is compared
				compare("Diagnosis.", a, b)
			}
			for i := range r4.ClaimProcedures {
				compare("Procedure.", r4.ClaimProcedures[i], stu3.ClaimProcedures[i])
			}
			// The care teams' normalized roles, as sets: the members are
			// numbered and split differently.
			roles := func(r *Record) []string {
				var out []string
				for _, m := range r.ClaimCareTeam {
					if m.RoleNormalized != "organization" && m.RoleNormalized != "referring" { // not sent in v1
						out = append(out, fmt.Sprintf("%s %s", m.ProviderID, m.RoleNormalized))
					}
				}
				slices.Sort(out)
				return slices.Compact(out)
			}
			a, b := roles(&r4), roles(&stu3)
			switch typ {
			case "Hospice", "BFD Hospice":
				// The R4 sample has one more performing member, with NPI 0.
				a = slices.DeleteFunc(a, func(s string) bool { return s == "0 rendering" })
			case "BFD Pde":
				// v2 `prescribing` is v1 `primary` (PDE: not in AB2D exports).
				a, b = nil, nil
			}
			if !sameRoles(a, b) {
				t.Errorf("care-team roles: R4 %q, STU3 %q", a, b)
			}
			if compared < 10 {
				t.Errorf("only %d values compared", compared)
			}
		})
	}
	for _, ex := range []exceptions{differ, oneSided} {
		for key, entries := range ex {
			for entry := range entries {
				if !seen[key+"/"+entry] {
					t.Errorf("%s: %q is listed as an exception but holds no more: remove it", key, entry)
				}
			}
		}
	}
}

// exceptions are entries (a column, with its side for one-sided ones) and
// their reasons, by the pair or source they apply to.
type exceptions map[string]map[string]string

// allow reports whether entry is an exception under one of keys, and
// records in seen that it held.
func (ex exceptions) allow(seen map[string]bool, keys []string, entry string) bool {
	for _, k := range keys {
		if _, ok := ex[k][entry]; ok {
			seen[k+"/"+entry] = true
			return true
		}
	}
	return false
}

// sameRoles compares care-team "provider role" lists, where STU3's single
// member for an attending who also renders ("attending,rendering") stands
// for R4's two.
func sameRoles(r4, stu3 []string) bool {
	var split []string
	for _, s := range stu3 {
		var id, roles string
		fmt.Sscanf(s, "%s %s", &id, &roles)
		if roles == "attending,rendering" {
			split = append(split, id+" attending", id+" rendering")
			continue
		}
		split = append(split, s)
	}
	slices.Sort(split)
	return slices.Equal(r4, slices.Compact(split))
}
