package transform

// FHIR version detection and what differs between the versions (the dialects).

import (
	"bytes"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// ---- FHIR version detection ----

// detectVersion decides per resource whether an EOB is AB2D v3 (R4 with
// the IDR code systems), R4 (v2) or STU3 (v1).
//
// Rule for v3, tested first: the EOB is v3 when a code system, identifier
// system or profile of BFD's v3 server is present (see isV3):
//   - type.coding[].system or meta.tag[].system starting with
//     https://bluebutton.cms.gov/fhir/ (CLM-TYPE-CD, EOB-TYPE, Final-Action,
//     System-Type, Adjudication-Status);
//   - identifier[].system https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM;
//   - meta.profile[] starting with https://bluebutton.cms.gov/fhir/ (the CMS
//     profiles of current BFD).
//
// BFD v1 and v2 name every code system of theirs under
// https://bluebutton.cms.gov/resources/, never under …/fhir/, and AB2D's v3
// trimmer keeps meta, identifier and type, so an AB2D v3 EOB always carries
// the CLM-TYPE-CD coding and the CLM-CNTL-NUM identifier; AB2D's older v3
// samples (no EOB-TYPE, no Final-Action tag) carry them too.
//
// Rule for R4: the EOB is R4 when any element or code system that only R4 uses is
// present:
//   - meta.profile[] containing "/us/carin-bb/" (BFD v2 always sets a C4BB profile);
//   - type.coding[].system http://terminology.hl7.org/CodeSystem/claim-type
//     (STU3 uses http://hl7.org/fhir/ex-claimtype);
//   - supportingInfo (STU3 calls it information);
//   - item[].productOrService, careTeamSequence, diagnosisSequence,
//     procedureSequence or informationSequence (STU3: service, *LinkId);
//   - diagnosis[].onAdmission (no STU3 equivalent element);
//   - careTeam[].role.coding[].system starting with
//     http://hl7.org/fhir/us/carin-bb or http://terminology.hl7.org
//     (STU3 uses http://hl7.org/fhir/claimcareteamrole).
//
// Otherwise it is STU3. AB2D v2 output keeps meta, type and careTeam, so a
// trimmed R4 EOB always carries several of these markers; STU3 output
// carries none of them. Malformed parts are ignored here; they are reported
// when the fields are read.
func detectVersion(root *jsontree.Value) *dialect {
	if isV3(root) {
		return &v3Dialect
	}
	if isR4(root) {
		return &r4Dialect
	}
	return &stu3Dialect
}

func isR4(root *jsontree.Value) bool {
	for _, p := range arrayOf(root.Get("meta", "profile")) {
		if bytes.Contains(p.GetStringBytes(), []byte("/us/carin-bb/")) {
			return true
		}
	}
	for _, c := range arrayOf(root.Get("type", "coding")) {
		if string(c.GetStringBytes("system")) == "http://terminology.hl7.org/CodeSystem/claim-type" {
			return true
		}
	}
	if root.Get("supportingInfo") != nil {
		return true
	}
	for _, it := range arrayOf(root.Get("item")) {
		if hasKey(it, "productOrService", "careTeamSequence", "diagnosisSequence", "procedureSequence", "informationSequence") {
			return true
		}
	}
	for _, d := range arrayOf(root.Get("diagnosis")) {
		if hasKey(d, "onAdmission") {
			return true
		}
	}
	for _, m := range arrayOf(root.Get("careTeam")) {
		for _, c := range arrayOf(m.Get("role", "coding")) {
			s := c.GetStringBytes("system")
			if hasPrefix(s, "http://hl7.org/fhir/us/carin-bb") || hasPrefix(s, "http://terminology.hl7.org") {
				return true
			}
		}
	}
	return false
}

// hasKey says whether object v has one of keys, in one pass over v.
func hasKey(v *jsontree.Value, keys ...string) bool {
	o, err := v.Object()
	if err != nil {
		return false
	}
	found := false
	o.Visit(func(k []byte, _ *jsontree.Value) {
		for _, key := range keys {
			found = found || string(k) == key
		}
	})
	return found
}

// arrayOf returns v's elements when v is an array, else nil.
func arrayOf(v *jsontree.Value) []*jsontree.Value {
	if v == nil || v.Type() != jsontree.TypeArray {
		return nil
	}
	a, _ := v.Array()
	return a
}

// dialect holds what differs between the FHIR versions (and AB2D API
// versions: v3 is R4 with other code systems).
type dialect struct {
	name             string   // Claim.FHIRVersion
	api              string   // Claim.APIVersion
	hcpcs            []string // code systems of item HCPCS/CPT codings
	placeOfService   string   // code system of item.locationCodeableConcept's place of service
	productKey       string   // item element holding the HCPCS coding
	productElem      string   // "item." + productKey, for claim_extensions.element
	careTeamLinkKey  string   // item element listing care-team sequences
	diagnosisLinkKey string   // item element listing diagnosis sequences
	infoKey          string   // supportingInfo (R4) or information (STU3)

	// providerIDType classifies a care-team provider identifier.
	providerIDType func(f *Flattener, system, typeCode []byte) string
	// drg returns the DRG code of the EOB.
	drg func(f *Flattener, root *jsontree.Value) string
	// lineNDC returns the NDC of an item.
	lineNDC func(f *Flattener, item *jsontree.Value) []byte
	// isLineRenderingRole says whether a role linked from an item marks
	// its rendering/performing provider.
	isLineRenderingRole func(role string) bool
	// careTeamRoles sets the RoleNormalized of each f.rec.ClaimCareTeam member
	// (from its role, and f.lnk); the claim's provider columns follow from
	// them (see claimNPIs).
	careTeamRoles func(f *Flattener)

	// What a dialect reads beyond the shared code (v3; nil for the
	// others), see v3.go.
	//
	// resourceID returns the id of an EOB without one.
	resourceID func(f *Flattener, root *jsontree.Value) string
	// header reads the dialect's own header elements, after header.
	header func(f *Flattener, root *jsontree.Value)
	// providerRef returns the identifier of a care-team member whose
	// provider is a reference to a contained resource.
	providerRef func(f *Flattener, root, member *jsontree.Value) (value, system, typeCode []byte)
	// lineExtension takes an item extension for a claim_lines column, as
	// lineExtension does for the shared ones.
	lineExtension func(f *Flattener, row *ClaimLinesRow, url []byte, ext *jsontree.Value) bool
	// finish completes the record once everything else is read.
	finish func(f *Flattener, root *jsontree.Value)
}
