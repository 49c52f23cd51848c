package transform

// The AB2D v3 dialect: FHIR R4 with CARIN Blue Button 2.x profiles and the
// code systems of CMS's Integrated Data Repository, as BFD's v3 server
// builds it (reference/ab2d-v3.md, the v3 migration dictionary and BFD's v3
// mapping). It fills the same columns as v1 and v2, and those of the v3
// facts (claims.claim_control_number, beneficiary_source_key, …).

import (
	"bytes"
	"strings"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// Code systems, identifier systems and extension URLs of BFD's v3 server.
const (
	bbV3             = "https://bluebutton.cms.gov/fhir/"
	sysV3ClmType     = bbV3 + "CodeSystem/CLM-TYPE-CD"
	sysV3EOBType     = bbV3 + "CodeSystem/EOB-TYPE"
	sysV3FinalAction = bbV3 + "CodeSystem/Final-Action"
	sysV3SystemType  = bbV3 + "CodeSystem/System-Type"
	sysV3SupportInfo = bbV3 + "CodeSystem/Supporting-Information"
	sysV3NearLine    = bbV3 + "CodeSystem/CLM-NRLN-RIC-CD"
	sysV3Spclty      = bbV3 + "CodeSystem/CLM-PRVDR-SPCLTY-CD"
	sysV3BillFacType = bbV3 + "CodeSystem/CLM-BILL-FAC-TYPE-CD"
	sysV3BillClsfctn = bbV3 + "CodeSystem/CLM-BILL-CLSFCTN-CD"
	urlV3QueryCd     = bbV3 + "StructureDefinition/CLM-QUERY-CD"
	urlV3Ansthsa     = bbV3 + "StructureDefinition/CLM-LINE-ANSTHSA-UNIT-CNT"
	urlV3PrcngLclty  = bbV3 + "StructureDefinition/CLM-PRCNG-LCLTY-CD"
	urlV3PrvdrType   = bbV3 + "StructureDefinition/CLM-PRVDR-TYPE-CD"
	urlV3Spclty      = bbV3 + "StructureDefinition/CLM-PRVDR-SPCLTY-CD"
	urlV3Prtcptg     = bbV3 + "StructureDefinition/CLM-RNDRG-PRVDR-PRTCPTG-CD"
	sysV3CtrlNum     = "https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM"
	sysC4BBIDType    = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType"
	sysC4BBSupport   = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType"
	sysV3HCPCS       = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	sysCPT           = "http://www.ama-assn.org/go/cpt"
	sysV3POS         = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
	sysMSDRG         = "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software"
	sysCLIA          = "http://terminology.hl7.org/NamingSystem/CLIA"
)

// v3Dialect holds the AB2D v3 rules: R4's (the same element names and
// links, and what v2 reads the same way: billable period, MBI extension,
// diagnoses and their onAdmission, procedures, item sequences, dates,
// quantities and links, supportingInfo and contained rows) with v3's code
// systems and the hooks for what v3 holds elsewhere.
var v3Dialect = func() dialect {
	d := r4Dialect
	d.api = "v3"
	d.hcpcs = []string{sysV3HCPCS, sysCPT, sysHCPCS}
	d.placeOfService = sysV3POS
	d.drg = v3DRG
	d.lineNDC = v3LineNDC
	d.careTeamRoles = v3CareTeamRoles
	d.resourceID = v3ResourceID
	d.header = v3Header
	d.providerRef = v3ProviderRef
	d.lineExtension = v3LineExtension
	d.finish = v3Finish
	return d
}()

// isV3 applies the v3 rule of detectVersion.
func isV3(root *jsontree.Value) bool {
	for _, c := range arrayOf(root.Get("type", "coding")) {
		if hasPrefix(c.GetStringBytes("system"), bbV3) {
			return true
		}
	}
	for _, t := range arrayOf(root.Get("meta", "tag")) {
		if hasPrefix(t.GetStringBytes("system"), bbV3) {
			return true
		}
	}
	for _, p := range arrayOf(root.Get("meta", "profile")) {
		if hasPrefix(p.GetStringBytes(), bbV3) {
			return true
		}
	}
	for _, id := range arrayOf(root.Get("identifier")) {
		if string(id.GetStringBytes("system")) == sysV3CtrlNum {
			return true
		}
	}
	return false
}

// isUniqueClaimID says whether an identifier is the C4BB "uc" one, v3's
// CLM_UNIQ_ID (the migration dictionary's Claim ID).
func isUniqueClaimID(id *jsontree.Value) bool {
	for _, c := range arrayOf(id.Get("type", "coding")) {
		if string(c.GetStringBytes("system")) == sysC4BBIDType && string(c.GetStringBytes("code")) == "uc" {
			return true
		}
	}
	return false
}

// v3ResourceID returns the CLM_UNIQ_ID of an EOB without id: BFD's v3
// server makes it the id, and BFD's v3 samples leave the id out.
func v3ResourceID(f *Flattener, root *jsontree.Value) string {
	for _, id := range arrayOf(root.Get("identifier")) {
		if isUniqueClaimID(id) {
			return f.copyString(id.GetStringBytes("value"))
		}
	}
	return ""
}

// v3Header reads what the v3 header holds beyond v2's: the claim id and
// control number, the beneficiary key, the claim type codings, the meta
// tags and source, created, outcome, use and insurance.
func v3Header(f *Flattener, root *jsontree.Value) {
	c := f.c
	// patient is BENE_SK, not the CCW beneficiary id (v1/v2's
	// beneficiary_id), which v3 removed.
	c.BeneficiarySourceKey, c.BeneficiaryID = c.BeneficiaryID, ""

	f.buf = f.buf[:0]
	for i, id := range f.arr(root, "identifier") {
		if !f.enterElem("identifier", i, id) {
			break
		}
		switch {
		case isUniqueClaimID(id):
			if c.ClaimID == "" {
				c.ClaimID = f.text(colClaimsClaimID, id, "value")
			}
		case string(f.strb(id, "system")) == sysV3CtrlNum:
			prev := f.col
			f.col = colClaimsClaimControlNumber
			if v := f.strb(id, "value"); len(v) > 0 {
				if len(f.buf) > 0 {
					f.buf = append(f.buf, ',')
				}
				f.buf = append(f.buf, v...)
			}
			f.col = prev
		}
		f.leave()
	}
	c.ClaimControlNumber = f.copyString(f.buf)

	codings := f.arr(root, "type", "coding")
	f.enter("type")
	for i, cd := range codings {
		if !f.enterElem("coding", i, cd) {
			break
		}
		switch string(f.strb(cd, "system")) {
		case sysV3ClmType:
			if c.ClaimTypeCode == "" {
				c.ClaimTypeCode = f.code(colClaimsClaimTypeCode, cd, "code")
				c.ClaimTypeDisplay = f.code(colClaimsClaimTypeDisplay, cd, "display")
			}
		case sysV3EOBType:
			if c.ClaimType == "" {
				c.ClaimType = f.code(colClaimsClaimType, cd, "code")
			}
		}
		f.leave()
	}
	f.leave()
	if c.ClaimType == "" {
		c.ClaimType = v3ClaimTypeOf(c.ClaimTypeCode)
	}

	if meta := f.get(root, "meta"); meta != nil {
		f.enter("meta")
		c.ClaimSource = f.code(colClaimsClaimSource, meta, "source")
		for i, t := range f.arr(meta, "tag") {
			if !f.enterElem("tag", i, t) {
				break
			}
			switch string(f.strb(t, "system")) {
			case sysV3FinalAction:
				c.FinalAction = f.code(colClaimsFinalAction, t, "code")
			case sysV3SystemType:
				c.ClaimSystemType = f.code(colClaimsClaimSystemType, t, "code")
			}
			f.leave()
		}
		f.leave()
	}
	c.ClaimEffectiveDate = f.date(colClaimsClaimEffectiveDate, root, "created")
	c.Outcome = f.code(colClaimsOutcome, root, "outcome")
	c.ClaimUse = f.code(colClaimsClaimUse, root, "use")

	// insurance: the focal coverage's display ("Part A"), and the
	// extensions of the insurance elements (Part D: the submitting
	// contract), which no column claims.
	for i, ins := range f.arr(root, "insurance") {
		if !f.enterElem("insurance", i, ins) {
			break
		}
		if c.InsuranceCoverage == "" || ins.GetBool("focal") {
			if d := f.code(colClaimsInsuranceCoverage, ins, "coverage", "display"); d != "" {
				c.InsuranceCoverage = d
			}
		}
		f.extensions(ins, extCtx{element: elemInsurance}, nil)
		f.leave()
	}
	// The header adjudication's extensions (BFD's older v3 shape: the DRG
	// weight), which no column claims.
	for i, adj := range f.arr(root, "adjudication") {
		if !f.enterElem("adjudication", i, adj) {
			break
		}
		f.extensions(adj, extCtx{element: elemHeaderAdjudication, seq: Int{int64(i + 1), true}}, nil)
		f.leave()
	}
}

// The claim_extensions elements of extensions only v3 data has.
const (
	elemInsurance          = "insurance"
	elemHeaderAdjudication = "adjudication"
)

// v3ClaimTypeOf returns the claim type (the EOB-TYPE code) a CLM-TYPE-CD
// stands for, for the v3 claims without an EOB-TYPE coding: the NCH claim
// type codes, and 1 to 4 for Part D events. Shared-system codes give "".
func v3ClaimTypeOf(code string) string {
	switch code {
	case "10":
		return "HHA"
	case "20", "30":
		return "SNF"
	case "40":
		return "OUTPATIENT"
	case "50":
		return "HOSPICE"
	case "60", "61":
		return "INPATIENT"
	case "71", "72":
		return "CARRIER"
	case "81", "82":
		return "DME"
	case "1", "2", "3", "4":
		return "PDE"
	}
	return ""
}

// v3Contained returns the contained resource a local reference "#id"
// names, or nil.
func v3Contained(root *jsontree.Value, ref []byte) *jsontree.Value {
	if len(ref) < 2 || ref[0] != '#' {
		return nil
	}
	for _, r := range arrayOf(root.Get("contained")) {
		if bytes.Equal(r.GetStringBytes("id"), ref[1:]) {
			return r
		}
	}
	return nil
}

// npiIdentifier returns the NPI identifier of a contained resource (system
// us-npi, or type code NPI), else its first identifier.
func npiIdentifier(r *jsontree.Value) (value, system, typeCode []byte) {
	ids := arrayOf(r.Get("identifier"))
	for _, id := range ids {
		sys := id.GetStringBytes("system")
		tc := id.GetStringBytes("type", "coding", "0", "code")
		if string(sys) == sysNPI || string(sys) == sysNPIAlt || bytes.EqualFold(tc, []byte("npi")) {
			return id.GetStringBytes("value"), sys, tc
		}
	}
	if len(ids) > 0 {
		return ids[0].GetStringBytes("value"), ids[0].GetStringBytes("system"), ids[0].GetStringBytes("type", "coding", "0", "code")
	}
	return nil, nil, nil
}

// v3ProviderRef returns the identifier of a care-team member given as a
// reference to a contained Practitioner ("#careteam-provider-1"), BFD's v3
// form before 2026-04 (BFD-4621 put the NPI inline again). The contained
// resources are read leniently, as contained does.
func v3ProviderRef(f *Flattener, root, member *jsontree.Value) (value, system, typeCode []byte) {
	r := v3Contained(root, member.GetStringBytes("provider", "reference"))
	if r == nil {
		return nil, nil, nil
	}
	return npiIdentifier(r)
}

// v3DRG returns supportingInfo[category=C4BB drg].code: its MS-DRG coding,
// else its first one.
func v3DRG(f *Flattener, root *jsontree.Value) string {
	for _, si := range arrayOf(root.Get("supportingInfo")) {
		if !hasCoding(si.Get("category"), sysC4BBSupport, "drg") {
			continue
		}
		var first []byte
		for i, cd := range arrayOf(si.Get("code", "coding")) {
			if string(cd.GetStringBytes("system")) == sysMSDRG {
				return f.in(cd.GetStringBytes("code"))
			}
			if i == 0 {
				first = cd.GetStringBytes("code")
			}
		}
		return f.in(first)
	}
	return ""
}

// hasCoding says whether the CodeableConcept cc has a coding of system
// and code.
func hasCoding(cc *jsontree.Value, system, code string) bool {
	for _, cd := range arrayOf(cc.Get("coding")) {
		if string(cd.GetStringBytes("system")) == system && string(cd.GetStringBytes("code")) == code {
			return true
		}
	}
	return false
}

// v3NDCDetail returns the first item.detail whose productOrService is an
// NDC, and the NDC.
func v3NDCDetail(item *jsontree.Value) (*jsontree.Value, []byte) {
	for _, d := range arrayOf(item.Get("detail")) {
		for _, cd := range arrayOf(d.Get("productOrService", "coding")) {
			if string(cd.GetStringBytes("system")) == sysNDC {
				return d, cd.GetStringBytes("code")
			}
		}
	}
	return nil, nil
}

// v3LineNDC returns item.detail[].productOrService.coding[system=ndc].code
// (the migration dictionary's Line and Revenue Center National Drug Code),
// else, for Part D events, productOrService.coding[system=ndc].code.
func v3LineNDC(f *Flattener, item *jsontree.Value) []byte {
	if _, ndc := v3NDCDetail(item); len(ndc) > 0 {
		return ndc
	}
	return f.codeBySystem(item, "productOrService", sysNDC)
}

// v3CareTeamRoles normalizes the v3 roles (claimcareteamrole and
// C4BBClaimCareTeamRole, the same codes) as r4CareTeamRoles does, and
// supervisor, which the migration dictionary maps to OT_PHYSN_NPI beside
// otheroperating, to other.
func v3CareTeamRoles(f *Flattener) {
	r4CareTeamRoles(f)
	for i := range f.rec.ClaimCareTeam {
		if m := &f.rec.ClaimCareTeam[i]; m.Role == "supervisor" {
			m.RoleNormalized = roleOther
		}
	}
}

// v3LineExtension takes the item extensions of v3 that map to claim_lines
// columns: the anesthesia units, the pricing locality (carrier) or state
// (DME: the migration dictionary maps DMERC_LINE_PRCNG_STATE_CD there
// too), and on DME claims the supplier type. The carrier provider type,
// specialty and participating code belong to the line's care-team member
// and are moved there by v3Finish.
func v3LineExtension(f *Flattener, row *ClaimLinesRow, url []byte, ext *jsontree.Value) bool {
	dme := f.c.ClaimType == "DME"
	switch string(url) {
	case urlV3Ansthsa:
		row.AnesthesiaUnitCount = f.num(colClaimLinesAnesthesiaUnitCount, ext, "valueDecimal")
	case urlV3PrcngLclty:
		if dme {
			row.PricingStateCode = f.code(colClaimLinesPricingStateCode, ext, "valueCoding", "code")
		} else {
			row.PricingLocalityCode = f.code(colClaimLinesPricingLocalityCode, ext, "valueCoding", "code")
		}
	case urlV3PrvdrType:
		if !dme {
			return false
		}
		row.SupplierTypeCode = f.code(colClaimLinesSupplierTypeCode, ext, "valueCoding", "code")
	default:
		return false
	}
	return true
}

// v3Finish completes a v3 record: the header facts that v3 keeps in
// supportingInfo (near-line record code, claim query code, type of bill),
// the billing provider, what the lines take from item.detail and
// supportingInfo, the care-team facts v3 gives per line, the ICD codes in
// the CCW form, and the reasons a claim is kept out of claims_current.
func v3Finish(f *Flattener, root *jsontree.Value) {
	c := f.c
	v3SupportingInfo(f, root)
	v3Provider(f, root)
	v3Lines(f, root)
	v3CareTeamFromLines(f)
	v3Undot(f)
	c.ExcludedReason = v3ExcludedReason(f)
}

// v3SupportingInfo reads the header columns v3 moved into supportingInfo
// (whose entries are claim_supporting_info rows too): the near-line record
// code, the claim query code and, from the type of bill, the facility type
// and the service classification.
func v3SupportingInfo(f *Flattener, root *jsontree.Value) {
	c := f.c
	for _, si := range arrayOf(root.Get("supportingInfo")) {
		cat := si.Get("category")
		for _, cd := range arrayOf(si.Get("code", "coding")) {
			sys, code := cd.GetStringBytes("system"), cd.GetStringBytes("code")
			switch {
			case string(sys) == sysV3NearLine:
				c.NearLineRecordCode = f.in(code)
			case string(sys) == sysV3BillFacType && hasCoding(cat, sysC4BBSupport, "typeofbill"):
				c.FacilityTypeCode = f.in(code)
				c.FacilityTypeDisplay = f.in(cd.GetStringBytes("display"))
			case string(sys) == sysV3BillClsfctn && hasCoding(cat, sysC4BBSupport, "typeofbill"):
				c.ServiceClassificationCode = f.in(code)
			case hasCoding(cat, sysV3SupportInfo, "CLM_QUERY_CD") && c.ClaimQueryCode == "":
				c.ClaimQueryCode = f.in(code)
			}
		}
	}
}

// v3Provider reads the billing provider, the contained Organization or
// Practitioner provider.reference names: provider_id is its NPI, which is
// also the organization NPI (ORG_NPI_NUM) of an Organization but on DME
// claims, whose
// provider is the supplier, given by v1/v2 as the rendering (performing)
// member of the claim and of its lines; its ZIP code is the lines'
// provider ZIP code (the migration dictionary's PRVDR_ZIP).
func v3Provider(f *Flattener, root *jsontree.Value) {
	c := f.c
	r := v3Contained(root, root.GetStringBytes("provider", "reference"))
	if r == nil {
		return
	}
	value, system, typeCode := npiIdentifier(r)
	c.ProviderID = f.copyString(value)
	c.ProviderIDSystem = f.in(system)
	if len(value) > 0 && r4ProviderIDType(f, system, typeCode) == "npi" {
		npi := c.ProviderID
		switch {
		case c.ClaimType == "DME":
			if c.RenderingNPI == "" {
				c.RenderingNPI = npi
			}
			for i := range f.rec.ClaimLines {
				if l := &f.rec.ClaimLines[i]; l.RenderingNPI == "" {
					l.RenderingNPI = npi
				}
			}
		case c.OrganizationNPI == "" && string(r.GetStringBytes("resourceType")) == "Organization":
			c.OrganizationNPI = npi
		}
	}
	var zip []byte
	for _, a := range arrayOf(r.Get("address")) {
		if zip = a.GetStringBytes("postalCode"); len(zip) > 0 {
			break
		}
	}
	if len(zip) > 0 {
		z := f.copyString(zip)
		for i := range f.rec.ClaimLines {
			if l := &f.rec.ClaimLines[i]; l.ProviderZipCode == "" {
				l.ProviderZipCode = z
			}
		}
	}
}

// v3Lines completes the lines with what v3 keeps elsewhere: the NDC
// quantity and its unit from item.detail (item.quantity is the unit count
// in v3), and the CLIA lab number, the performer of the contained
// Observation that a supportingInfo entry the item points to
// (informationSequence) references. Lines and items are in the same order.
func v3Lines(f *Flattener, root *jsontree.Value) {
	items := arrayOf(root.Get("item"))
	for i := range f.rec.ClaimLines {
		if i >= len(items) {
			break
		}
		l, it := &f.rec.ClaimLines[i], items[i]
		if d, _ := v3NDCDetail(it); d != nil {
			l.NDCQuantity = lenientNum(d.Get("quantity", "value"))
			l.NDCQuantityUnit = f.in(d.GetStringBytes("quantity", "code"))
		}
		for _, s := range arrayOf(it.Get("informationSequence")) {
			if lab := v3CLIA(f, root, s.GetInt64()); lab != "" {
				l.CLIALabNumber = lab
				break
			}
		}
	}
}

// v3CLIA returns the CLIA number of the Observation that supportingInfo
// entry seq references, or "".
func v3CLIA(f *Flattener, root *jsontree.Value, seq int64) string {
	for _, si := range f.rec.ClaimSupportingInfo {
		if !si.Sequence.Valid || si.Sequence.V != seq || si.ValueReference == "" {
			continue
		}
		obs := v3Contained(root, []byte(si.ValueReference))
		if obs == nil || string(obs.GetStringBytes("resourceType")) != "Observation" {
			continue
		}
		for _, p := range arrayOf(obs.Get("performer")) {
			id := p.Get("identifier")
			if id != nil && (string(id.GetStringBytes("system")) == sysCLIA || len(id.GetStringBytes("system")) == 0) {
				return f.copyString(id.GetStringBytes("value"))
			}
		}
	}
	return ""
}

// v3CareTeamFromLines moves the facts v1/v2 give on a care-team member and
// v3 on the lines it renders (provider type, specialty, participating
// code: the item extensions CLM-PRVDR-TYPE-CD on non-DME claims,
// CLM-PRVDR-SPCLTY-CD and CLM-RNDRG-PRVDR-PRTCPTG-CD) from
// claim_extensions to the member the line links to first: a member takes
// the first value its lines give, and an extension row whose value the
// member holds is dropped (it is a column now); others stay.
func v3CareTeamFromLines(f *Flattener) {
	exts := f.rec.ClaimExtensions
	kept := exts[:0]
	for _, e := range exts {
		if e.Element != elemItem || !v3MemberExtension(e.URL, f.c.ClaimType) || !f.v3MemberTakes(e) {
			kept = append(kept, e)
		}
	}
	clear(exts[len(kept):])
	f.rec.ClaimExtensions = kept
}

// v3MemberExtension says whether an item extension of a claim of type
// claimType belongs to the line's care-team member.
func v3MemberExtension(url, claimType string) bool {
	switch url {
	case urlV3PrvdrType:
		return claimType != "DME" // supplier_type_code there
	case urlV3Spclty, urlV3Prtcptg:
		return true
	}
	return false
}

// v3MemberTakes gives the value of item extension e to the care-team
// member its line links to first, and says whether the member holds that
// value now.
func (f *Flattener) v3MemberTakes(e ClaimExtensionsRow) bool {
	if !e.LineNumber.Valid || e.ValueCode == "" {
		return false
	}
	var m *ClaimCareTeamRow
	for _, l := range f.rec.ClaimLines {
		if l.LineNumber == e.LineNumber {
			if seq, ok := firstInt(l.CareTeamSequences); ok {
				m = f.member(seq)
			}
			break
		}
	}
	if m == nil {
		return false
	}
	var field *string
	switch e.URL {
	case urlV3PrvdrType:
		field = &m.ProviderTypeCode
	case urlV3Spclty:
		field = &m.Qualification
	case urlV3Prtcptg:
		field = &m.ParticipatingCode
	}
	if *field == "" {
		*field = e.ValueCode
	}
	return *field == e.ValueCode
}

// firstInt returns the first number of a comma-separated list.
func firstInt(list string) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(list) && list[i] >= '0' && list[i] <= '9'; i++ {
		n = n*10 + int64(list[i]-'0')
	}
	return n, i > 0
}

// v3Undot writes the ICD diagnosis codes in the CCW form v1 and v2 use,
// without the dot v3 puts after the category (E11.9 is E119), in
// claim_diagnoses and the claim's principal and admitting diagnosis.
func v3Undot(f *Flattener) {
	c := f.c
	for i := range f.rec.ClaimDiagnoses {
		d := &f.rec.ClaimDiagnoses[i]
		if !isICDSystem([]byte(d.CodeSystem)) || !strings.Contains(d.Code, ".") {
			continue
		}
		f.buf = f.buf[:0]
		for j := 0; j < len(d.Code); j++ {
			if d.Code[j] != '.' {
				f.buf = append(f.buf, d.Code[j])
			}
		}
		undotted := f.copyString(f.buf)
		if c.PrincipalDiagnosisCode == d.Code {
			c.PrincipalDiagnosisCode = undotted
		}
		if c.AdmittingDiagnosisCode == d.Code {
			c.AdmittingDiagnosisCode = undotted
		}
		d.Code = undotted
	}
}

// Reasons a v3 claim is kept out of claims_current (claims.excluded_reason).
const (
	excludedPartD          = "part_d"
	excludedSharedSystem   = "shared_system"
	excludedNotFinalAction = "not_final_action"
)

// v3ExcludedReason returns why a v3 claim is one AB2D should not have
// sent, comma-separated, or "": a Part D event (CLM-TYPE-CD 1 to 4,
// EOB-TYPE PDE or source DDPS), a shared-system claim (source FISS, MCS or
// VMS, or System-Type SharedSystem), a claim that is not final action
// (Final-Action NotFinalAction; a claim without the tag, as in AB2D's older
// samples, counts as final).
func v3ExcludedReason(f *Flattener) string {
	c := f.c
	f.buf = f.buf[:0]
	switch {
	case v3ClaimTypeOf(c.ClaimTypeCode) == "PDE", c.ClaimType == "PDE", c.ClaimSource == "DDPS":
		f.buf = appendToken(f.buf, excludedPartD)
	}
	switch {
	case c.ClaimSystemType == "SharedSystem", c.ClaimSource == "FISS", c.ClaimSource == "MCS", c.ClaimSource == "VMS":
		f.buf = appendToken(f.buf, excludedSharedSystem)
	}
	if c.FinalAction == "NotFinalAction" {
		f.buf = appendToken(f.buf, excludedNotFinalAction)
	}
	return f.in(f.buf)
}
