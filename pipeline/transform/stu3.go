package transform

import (
	"bytes"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// stu3Dialect holds the FHIR STU3 (AB2D v1, BFD v1) rules.
var stu3Dialect = dialect{
	name:                versionSTU3,
	api:                 "v1",
	hcpcs:               []string{sysHCPCS, sysHCPCSVar},
	placeOfService:      sysPlaceOfSrvc,
	productKey:          "service",
	productElem:         "item.service",
	careTeamLinkKey:     "careTeamLinkId",
	infoKey:             "information",
	diagnosisLinkKey:    "diagnosisLinkId",
	providerIDType:      stu3ProviderIDType,
	drg:                 stu3DRG,
	lineNDC:             stu3LineNDC,
	isLineRenderingRole: stu3IsRenderingRole,
	careTeamRoles:       stu3CareTeamRoles,
}

// urlRevCntrNDC is the BFD v1 revenue-center NDC/UPC extension on
// item.service of institutional claims (the same value BFD v2 puts in the
// …/sid/ndc extension).
const urlRevCntrNDC = "https://bluebutton.cms.gov/resources/variables/rev_cntr_ide_ndc_upc_num"

// stu3ProviderIDType classifies a care-team provider identifier from its
// system: …/sid/us-npi (or …/sid/npi) is "npi", a system containing "upin"
// (or "UPIN") is "upin", another system is kept as is. Without a system, a type code
// decides as in R4.
func stu3ProviderIDType(f *Flattener, system, typeCode []byte) string {
	switch {
	case string(system) == sysNPI || string(system) == sysNPIAlt:
		return "npi"
	case bytes.Contains(system, []byte("upin")) || bytes.Contains(system, []byte("UPIN")):
		return "upin"
	case len(system) > 0:
		return f.in(system)
	case len(typeCode) > 0:
		return r4ProviderIDType(f, nil, typeCode)
	}
	return ""
}

// stu3DRG returns diagnosis[].packageCode.coding[system=…/clm_drg_cd].code.
func stu3DRG(f *Flattener, root *jsontree.Value) string {
	for i, d := range f.arr(root, "diagnosis") {
		if !f.enterElem("diagnosis", i, d) {
			return ""
		}
		code := f.codeBySystem(d, "packageCode", sysDRG)
		f.leave()
		if len(code) > 0 {
			return f.in(code)
		}
	}
	return ""
}

// stu3LineNDC returns the first of item.extension[url=…/sid/ndc],
// item.service.extension[url=…/sid/ndc or …/rev_cntr_ide_ndc_upc_num]
// (.valueCoding.code), and item.service.coding[system=…/sid/ndc].code
// (Part D events).
func stu3LineNDC(f *Flattener, item *jsontree.Value) []byte {
	if ndc := f.extCode(item, sysNDC); len(ndc) > 0 {
		return ndc
	}
	svc := f.get(item, "service")
	if svc == nil {
		return nil
	}
	f.enter("service")
	ndc := f.extCode(svc, sysNDC, urlRevCntrNDC)
	f.leave()
	if len(ndc) == 0 {
		ndc = f.codeBySystem(item, "service", sysNDC)
	}
	return ndc
}

// stu3IsRenderingRole: BFD v1 gives the line's rendering/performing
// provider the role "primary" ("performing" is accepted too).
func stu3IsRenderingRole(role string) bool {
	return role == "primary" || role == "performing"
}

// stu3CareTeamRoles normalizes the STU3 claimcareteamrole roles (primary,
// assist, other, …) as the STU3 data dictionary and the BFD v1 fixtures
// use them:
//   - assist (or operating) is operating (OP_PHYSN_NPI); other is the other
//     physician (OT_PHYSN_NPI); referring stays (BFD v1 puts the carrier
//     referring NPI in EOB.referral, which AB2D v1 removes, so it is rare);
//     performing is rendering;
//   - on institutional claims (INPATIENT, OUTPATIENT, SNF, HHA, HOSPICE) a
//     primary member that no item links to via careTeamLinkId is the
//     attending (AT_PHYSN_NPI is claim-level), one an item links to is
//     rendering (RNDRNG_PHYSN_NPI is per revenue line). When every primary
//     member with an identifier of a type (NPI, UPIN) is linked, the first
//     of them is the attending too ("attending,rendering"): BFD v1 makes
//     one member of an attending whose NPI is a line's rendering NPI;
//   - on other claims (CARRIER, DME, PDE) primary is rendering
//     (PRF_PHYSN_NPI / PRVDR_NPI); there is no attending.
//
// Other codes are kept. The organization NPI (ORG_NPI_NUM) is a careTeam
// extension, read with the care team.
func stu3CareTeamRoles(f *Flattener) {
	inst := isInstitutional(f.c.ClaimType, f.c.ClaimTypeCode)
	team := f.rec.ClaimCareTeam
	for i := range team {
		m := &team[i]
		switch m.Role {
		case "assist", "operating":
			m.RoleNormalized = roleOperating
		case "other":
			m.RoleNormalized = roleOther
		case "referring":
			m.RoleNormalized = roleReferring
		case "performing":
			m.RoleNormalized = roleRendering
		case "primary":
			if inst && !f.linkedMember(*m) {
				m.RoleNormalized = roleAttending
			} else {
				m.RoleNormalized = roleRendering
			}
		default:
			m.RoleNormalized = m.Role
		}
	}
	if inst {
		stu3LinkedAttending(f, "npi")
		stu3LinkedAttending(f, "upin")
	}
}

// stu3LinkedAttending marks the first primary member whose identifier is
// of type idType "attending,rendering" when an item links to every such
// member (stu3Institutional takes it as the attending then).
func stu3LinkedAttending(f *Flattener, idType string) {
	first := -1
	for i, m := range f.rec.ClaimCareTeam {
		if m.Role != "primary" || m.ProviderIDType != idType || m.ProviderID == "" {
			continue
		}
		if !f.linkedMember(m) {
			return // the attending is this unlinked member
		}
		if first < 0 {
			first = i
		}
	}
	if first >= 0 {
		f.rec.ClaimCareTeam[first].RoleNormalized = roleAttendingRendering
	}
}

// isInstitutional says whether a claim is an institutional (Part A / FI)
// claim, from the eob-type code or, failing that, the NCH claim type code
// (10 HHA, 20/30 SNF, 40 outpatient, 50 hospice, 60/61 inpatient).
func isInstitutional(claimType, nchType string) bool {
	switch claimType {
	case "INPATIENT", "OUTPATIENT", "SNF", "HHA", "HOSPICE":
		return true
	case "":
		return len(nchType) == 2 && nchType[0] >= '1' && nchType[0] <= '6'
	}
	return false
}
