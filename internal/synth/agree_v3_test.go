package synth

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Tests that the v2 (R4) and the v3 rendering of the same claim flatten to
// the same values in every column both carry.

// v3Differs are the columns the v2 and v3 renderings of the same claim do
// not agree on, and why ("table.column"; "table" alone for its rows, which
// differ in number). TestFlattenAgreeV3 compares every other column
// strictly, and fails on an entry whose column agrees on every claim: the
// list stays true.
var v3Differs = map[string]string{
	// Ids: different schemes, no documented key joins them.
	"claims.eob_id":                   "v3's id is the IDR claim key CLM_UNIQ_ID, v2's the type-prefixed CCW clm_id",
	"claims.claim_id":                 "v3: CLM_UNIQ_ID, v2: CCW clm_id, different schemes",
	"claims.claim_group_id":           "v2 only: v3 sends no claim group (each version is a claim of its own)",
	"claims.beneficiary_id":           "v2 only: v3 removed the CCW beneficiary id (Element Removed)",
	"claims.beneficiary_source_key":   "v3 only: BENE_SK, the IDR beneficiary key",
	"claim_lines.eob_id":              "as claims.eob_id",
	"claim_diagnoses.eob_id":          "as claims.eob_id",
	"claim_procedures.eob_id":         "as claims.eob_id",
	"claim_care_team.eob_id":          "as claims.eob_id",
	"claims.api_version":              "by definition",
	"claims.claim_category":           "BFD v2 labels HHA claims professional, BFD v3 institutional (C4BB 2.x)",
	"claims.profile":                  "v3 declares C4BB 2.2.0 and CMS profiles, v2 C4BB's unversioned one",
	"claims.claim_type_display":       "different vocabularies: v3 shows IDR's CLM-TYPE-CD displays (MEDICARE INPATIENT CLAIM), v2 the CCW's (Inpatient claim); claim_type_code agrees",
	"claim_diagnoses.code_system":     "v2 names ICD-10 diagnoses' system …/sid/icd-10 (AB2D's R4 samples), v3 …/sid/icd-10-cm; the codes agree (v3's dots removed)",
	"claim_procedures.code_system":    "v2 names ICD-10-PCS procedures' system …/sid/icd-10, v3 http://www.cms.gov/Medicare/Coding/ICD10; the codes agree",
	"claim_care_team.role":            "v2 C4BB performing, v3 rendering (role_normalized agrees)",
	"claim_care_team.role_display":    "the display of role",
	"claim_lines.care_team_sequences": "v2 carrier lines also link the organization member and DME lines the supplier member, which v3 gives as the claim's provider",
	// Final action: v3 says it in a tag, and only its final-action claims
	// are exported.
	"claims.status":          "v3 sends status active always; a superseded version is final_action NotFinalAction (v2: cancelled)",
	"claims.final_action":    "v3 only: the Final-Action tag",
	"claims.excluded_reason": "v3 only: a superseded version rendered as v3 is not_final_action (AB2D's v3 export leaves it out)",
	// What AB2D's v2 export leaves out and v3 keeps.
	"claims.claim_sub_type":       "v3 only in the generated data: AB2D's v2 samples have no subType",
	"claims.provider_id":          "v3 only: AB2D's v2 allow-list does not copy provider; v3 references the contained billing provider",
	"claims.provider_id_system":   "as provider_id",
	"claims.claim_control_number": "v3 only: AB2D's v2 trimmer drops it",
	"claims.outcome":              "v3 only",
	"claims.claim_use":            "v3 only",
	"claims.insurance_coverage":   "v3 only",
	"claims.claim_source":         "v3 only: meta.source NCH",
	"claims.claim_system_type":    "v3 only: the System-Type tag",
	// What AB2D's v3 export leaves out (its trimmer) or v3 removed.
	"claims.claim_query_code":              "v2 only: BFD v3 puts it in supportingInfo (CLM_QUERY_CD), which AB2D's v3 trimmer removes but for the near-line code and the DRG",
	"claims.facility_type_code":            "v2 only: BFD v3 puts it in the typeofbill supportingInfo, which AB2D's v3 trimmer removes",
	"claims.facility_type_display":         "as facility_type_code",
	"claim_lines.provider_state_code":      "v2 only: v3 removed it (Element Removed)",
	"claim_lines.provider_zip_code":        "v2 only: v3 has the billing provider's address, which the generated v3 Organization lacks",
	"claim_lines.place_of_service_display": "v2 only: v3 sends the place of service without a display",
	"claim_lines.clia_lab_number":          "v2 only: v3 references a contained Observation from supportingInfo, which AB2D's v3 trimmer removes",
	"claim_lines.ndc_code":                 "v2 only: v3 puts the NDC in item.detail, which AB2D's v3 trimmer removes",
	"claim_lines.ndc_quantity":             "v2 only: v2's institutional item.quantity is the NDC quantity; v3's is the unit count and its NDC quantity is in item.detail",
	"claim_care_team.participating_code":   "v2 only: BFD v3 gives it as the line extension CLM-RNDRG-PRVDR-PRTCPTG-CD, which AB2D's v3 trimmer removes",
	// Rows.
	"beneficiary_mbis":      "v2 only: v3 sends no CCW beneficiary id (and the current MBI only, claims.mbi)",
	"claim_contained":       "v3 only: the billing provider Organization",
	"claim_supporting_info": "v3 carries the near-line record code there as well as the DRG, v2 the DRG only (both fill claims.near_line_record_code and drg_code)",
}

// v3OneSided are the columns only one rendering fills on some claims, and
// why: compared where both have a value. Each must be one-sided somewhere.
var v3OneSided = map[string]string{
	"claims.organization_npi": "institutional claims: v3 only (the institution is v3's provider; v2 has no organization member there); carrier claims agree",
}

// TestFlattenAgreeV3 flattens the v2 and v3 renderings of the same claims
// (a whole sandbox contract, every version of every claim) with
// pipeline/transform and compares every column both carry, strictly, but
// for those of v3Differs. The care teams are compared without the members
// v3 gives as the claim's provider instead (v2's carrier organization and
// DME supplier), whose NPIs agree in claims.organization_npi and
// rendering_npi.
func TestFlattenAgreeV3(t *testing.T) {
	// The whole sandbox contract Z0001 (PDP-1000: 1000 beneficiaries).
	var v2, v3 [][]byte
	for e := range NewContract(ContractOptions{Seed: 1, Contract: "Z0001", Beneficiaries: 1000}).EOBs() {
		v2 = append(v2, e.AppendR4(nil))
		v3 = append(v3, e.AppendV3(nil))
	}
	a, b := flatten(t, v2, "R4"), flatten(t, v3, "R4")
	c := &agreement{t: t, differed: map[string]int{}, compared: map[string]int{}}
	var dropped int
	for i := range a {
		ra, rb := &a[i], &b[i]
		if ra.Claims[0].APIVersion != "v2" || rb.Claims[0].APIVersion != "v3" {
			t.Fatalf("EOB %d: api versions %s and %s", i, ra.Claims[0].APIVersion, rb.Claims[0].APIVersion)
		}
		c.at = fmt.Sprintf("EOB %d (%s)", i, ra.Claims[0].ClaimType)
		c.rows(schema.Claims, ra.Claims, rb.Claims)
		c.rows(schema.ClaimLines, ra.ClaimLines, rb.ClaimLines)
		c.rows(schema.ClaimDiagnoses, ra.ClaimDiagnoses, rb.ClaimDiagnoses)
		c.rows(schema.ClaimProcedures, ra.ClaimProcedures, rb.ClaimProcedures)
		c.rows(schema.ClaimExtensions, ra.ClaimExtensions, rb.ClaimExtensions)
		c.rows(schema.BeneficiaryMBIs, ra.BeneficiaryMBIs, rb.BeneficiaryMBIs)
		c.rows(schema.ClaimContained, ra.ClaimContained, rb.ClaimContained)
		c.rows(schema.ClaimSupporting, ra.ClaimSupportingInfo, rb.ClaimSupportingInfo)
		team, n := v2TeamWithoutProvider(ra)
		dropped += n
		c.rows(schema.ClaimCareTeam, team, rb.ClaimCareTeam)
		if t.Failed() {
			t.FailNow()
		}
	}
	if dropped == 0 {
		t.Error("no v2 organization or DME supplier member: the care-team rule is untested")
	}
	for _, key := range sortedKeys(v3Differs) {
		if c.differed[key] == 0 {
			t.Errorf("%s is listed in v3Differs but agrees on every claim: remove it", key)
		}
	}
	for _, key := range sortedKeys(v3OneSided) {
		if c.differed[key] == 0 {
			t.Errorf("%s is listed in v3OneSided but is never one-sided: remove it", key)
		}
	}
	// Agreement must not be vacuous: the columns both carry hold values.
	for _, col := range []string{
		"claims.mbi", "claims.claim_type", "claims.claim_type_code", "claims.near_line_record_code", "claims.drg_code",
		"claims.billable_period_start", "claims.last_updated", "claims.principal_diagnosis_code", "claims.admitting_diagnosis_code",
		"claims.attending_npi", "claims.operating_npi", "claims.other_npi", "claims.rendering_npi", "claims.referring_npi", "claims.organization_npi",
		"claim_lines.hcpcs_code", "claim_lines.service_date", "claim_lines.service_start", "claim_lines.place_of_service", "claim_lines.quantity",
		"claim_lines.anesthesia_unit_count", "claim_lines.pricing_locality_code", "claim_lines.pricing_state_code", "claim_lines.supplier_type_code",
		"claim_lines.rendering_npi", "claim_lines.diagnosis_sequences",
		"claim_diagnoses.code", "claim_diagnoses.diagnosis_role", "claim_diagnoses.present_on_admission",
		"claim_procedures.code", "claim_procedures.procedure_date",
		"claim_care_team.provider_id", "claim_care_team.role_normalized", "claim_care_team.qualification", "claim_care_team.provider_type_code",
	} {
		if c.compared[col] == 0 {
			t.Errorf("%s: no claim has a value to compare", col)
		}
	}
	t.Logf("%d claims agree in every column both versions carry (%d values compared); %d v2 members are v3's provider",
		len(a), sum(c.compared), dropped)
	for _, key := range sortedKeys(v3Differs) {
		t.Logf("differs (%d claims): %s: %s", c.differed[key], key, v3Differs[key])
	}
	for _, key := range sortedKeys(v3OneSided) {
		t.Logf("one-sided (%d claims): %s: %s", c.differed[key], key, v3OneSided[key])
	}
}

// agreement compares rows of the two renderings of a claim.
type agreement struct {
	t        *testing.T
	at       string         // the claim, for messages
	differed map[string]int // v3Differs entry → claims where it differed
	compared map[string]int // table.column → non-empty values compared equal
}

// rows compares the rows of table of the two renderings, field by field.
func (c *agreement) rows(table string, a, b any) {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if _, ok := v3Differs[table]; ok {
		if !reflect.DeepEqual(a, b) {
			c.differed[table]++
		}
		return
	}
	if va.Len() != vb.Len() {
		c.t.Errorf("%s: %d %s rows in v2, %d in v3", c.at, va.Len(), table, vb.Len())
		return
	}
	seen := map[string]bool{}
	for i := range va.Len() {
		ra, rb := va.Index(i), vb.Index(i)
		for f := range ra.NumField() {
			key := table + "." + snake(table, ra.Type().Field(f).Name)
			x, y := ra.Field(f).Interface(), rb.Field(f).Interface()
			same := reflect.DeepEqual(x, y)
			_, differs := v3Differs[key]
			_, oneSided := v3OneSided[key]
			if differs || (oneSided && (ra.Field(f).IsZero() || rb.Field(f).IsZero())) {
				if !same && !seen[key] {
					c.differed[key]++
					seen[key] = true
				}
				continue
			}
			if !same {
				c.t.Errorf("%s: %s row %d: v2 %v, v3 %v", c.at, key, i, x, y)
				continue
			}
			if !ra.Field(f).IsZero() {
				c.compared[key]++
			}
		}
	}
}

// v2TeamWithoutProvider returns the v2 care team without the members v3
// gives as the claim's provider: the carrier organization (role primary)
// and the DME supplier (the performing member of a DME claim), and how
// many it left out.
func v2TeamWithoutProvider(r *transform.Record) ([]transform.ClaimCareTeamRow, int) {
	dme := r.Claims[0].ClaimType == "DME"
	team := slices.DeleteFunc(slices.Clone(r.ClaimCareTeam), func(m transform.ClaimCareTeamRow) bool {
		return m.RoleNormalized == "organization" || (dme && m.RoleNormalized == "rendering")
	})
	return team, len(r.ClaimCareTeam) - len(team)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
