package transform

import (
	"bytes"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// r4Dialect holds the FHIR R4 (AB2D v2, BFD v2, CARIN Blue Button) rules.
var r4Dialect = dialect{
	name:                versionR4,
	api:                 "v2",
	hcpcs:               []string{sysHCPCS, sysHCPCSVar},
	placeOfService:      sysPlaceOfSrvc,
	productKey:          "productOrService",
	productElem:         "item.productOrService",
	careTeamLinkKey:     "careTeamSequence",
	infoKey:             "supportingInfo",
	diagnosisLinkKey:    "diagnosisSequence",
	providerIDType:      r4ProviderIDType,
	drg:                 r4DRG,
	lineNDC:             r4LineNDC,
	isLineRenderingRole: r4IsRenderingRole,
	careTeamRoles:       r4CareTeamRoles,
}

// r4ProviderIDType classifies a care-team provider identifier from its
// type.coding[0].code: C4BBIdentifierType "npi" and v2-0203 "UPIN" become
// "npi" and "upin"; another code is kept as is. Without a type code the
// identifier system decides, as in STU3.
func r4ProviderIDType(f *Flattener, system, typeCode []byte) string {
	switch {
	case bytes.EqualFold(typeCode, []byte("npi")):
		return "npi"
	case bytes.EqualFold(typeCode, []byte("upin")):
		return "upin"
	case len(typeCode) > 0:
		return f.in(typeCode)
	}
	return stu3ProviderIDType(f, system, nil)
}

// r4DRG returns supportingInfo[].code.coding[system=…/clm_drg_cd].code, the
// only supportingInfo AB2D v2 keeps.
func r4DRG(f *Flattener, root *jsontree.Value) string {
	for i, si := range f.arr(root, "supportingInfo") {
		if !f.enterElem("supportingInfo", i, si) {
			return ""
		}
		code := f.codeBySystem(si, "code", sysDRG)
		f.leave()
		if len(code) > 0 {
			return f.in(code)
		}
	}
	return ""
}

// r4LineNDC returns item.productOrService.extension[url=…/sid/ndc]
// .valueCoding.code, or for Part D events (where the NDC is the product
// itself) productOrService.coding[system=…/sid/ndc].code.
func r4LineNDC(f *Flattener, item *jsontree.Value) []byte {
	prod := f.get(item, "productOrService")
	if prod == nil {
		return nil
	}
	f.enter("productOrService")
	ndc := f.extCode(prod, sysNDC)
	f.leave()
	if len(ndc) == 0 {
		ndc = f.codeBySystem(item, "productOrService", sysNDC)
	}
	return ndc
}

// r4IsRenderingRole: BFD v2 gives the line's rendering/performing provider
// the C4BB role "performing" ("rendering" is accepted too).
func r4IsRenderingRole(role string) bool {
	return role == "performing" || role == "rendering"
}

// r4CareTeamRoles normalizes the C4BB and HL7 care-team roles (R4 data
// dictionary): attending, operating and referring stay; otheroperating
// (the other physician) becomes other; performing and rendering become
// rendering; primary (the carrier organization, ORG_NPI_NUM) becomes
// organization. Other codes are kept.
func r4CareTeamRoles(f *Flattener) {
	for i := range f.rec.ClaimCareTeam {
		m := &f.rec.ClaimCareTeam[i]
		switch m.Role {
		case "attending":
			m.RoleNormalized = roleAttending
		case "operating":
			m.RoleNormalized = roleOperating
		case "otheroperating":
			m.RoleNormalized = roleOther
		case "performing", "rendering":
			m.RoleNormalized = roleRendering
		case "referring":
			m.RoleNormalized = roleReferring
		case "primary":
			m.RoleNormalized = roleOrganization
		default:
			m.RoleNormalized = m.Role
		}
	}
}
