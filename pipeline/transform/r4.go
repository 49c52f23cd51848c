package transform

import (
	"bytes"

	"github.com/valyala/fastjson"
)

// r4Dialect holds the FHIR R4 (AB2D v2, BFD v2, CARIN Blue Button) rules.
var r4Dialect = dialect{
	name:                versionR4,
	productKey:          "productOrService",
	productElem:         "item.productOrService",
	careTeamLinkKey:     "careTeamSequence",
	infoKey:             "supportingInfo",
	diagnosisLinkKey:    "diagnosisSequence",
	providerIDType:      r4ProviderIDType,
	drg:                 r4DRG,
	lineNDC:             r4LineNDC,
	isLineRenderingRole: r4IsRenderingRole,
	claimNPIs:           r4ClaimNPIs,
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
func r4DRG(f *Flattener, root *fastjson.Value) string {
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
func r4LineNDC(f *Flattener, item *fastjson.Value) []byte {
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

// r4ClaimNPIs sets the claim NPIs from the care team (R4 data dictionary):
//   - attending_npi: role attending (AT_PHYSN_NPI);
//   - operating_npi: role operating (OP_PHYSN_NPI);
//   - rendering_npi: role performing or rendering (RNDRNG_PHYSN_NPI on
//     institutional claims, PRF_PHYSN_NPI / PRVDR_NPI on carrier and DME);
//   - referring_npi: role referring (carrier and DME).
//
// Only members whose identifier is an NPI count, and the first one in
// careTeam order wins. Role "primary" is the carrier organization NPI
// (organization_npi, ORG_NPI_NUM) and "otheroperating" the other physician
// (other_npi, OT_PHYSN_NPI). The *_upin columns take the members of the
// same roles whose identifier is a UPIN.
func r4ClaimNPIs(f *Flattener) {
	c := &f.rec.Claim
	c.AttendingNPI = f.firstNPIWithRole("attending")
	c.OperatingNPI = f.firstNPIWithRole("operating")
	c.RenderingNPI = f.firstNPIWithRole("performing", "rendering")
	c.ReferringNPI = f.firstNPIWithRole("referring")
	c.OtherNPI = f.firstNPIWithRole("otheroperating")
	c.AttendingUPIN = f.firstIDWithRole("upin", "attending")
	c.OperatingUPIN = f.firstIDWithRole("upin", "operating")
	c.RenderingUPIN = f.firstIDWithRole("upin", "performing", "rendering")
	c.OtherUPIN = f.firstIDWithRole("upin", "otheroperating")
	if npi := f.firstNPIWithRole("primary"); npi != "" {
		c.OrganizationNPI = npi
	}
}

// r4CareTeamRoles normalizes the C4BB and HL7 care-team roles by the rules
// of r4ClaimNPIs: attending, operating and referring stay; otheroperating
// becomes other; performing and rendering become rendering; primary (the
// carrier organization) becomes organization. Other codes are kept.
func r4CareTeamRoles(f *Flattener) {
	for i := range f.rec.CareTeam {
		m := &f.rec.CareTeam[i]
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
