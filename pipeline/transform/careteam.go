package transform

// The care team: its rows, their normalized roles and the claim's provider columns.

import (
	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// careTeam reads one CareTeam row per careTeam entry.
func (f *Flattener) careTeam(root *jsontree.Value) {
	for i, m := range f.arr(root, "careTeam") {
		if !f.enterElem("careTeam", i, m) {
			return
		}
		seq := f.seq(colClaimCareTeamSequence, m, "sequence")
		ident := f.get(m, "provider", "identifier")
		var row ClaimCareTeamRow
		row.Sequence = seq
		if ident != nil {
			f.enter("provider")
			f.enter("identifier")
			row.ProviderID = f.str(ident, "value")
			system := f.strb(ident, "system")
			code, _ := f.firstCoding(ident, "type")
			row.ProviderIDType = f.d.providerIDType(f, system, code)
			f.leave()
			f.leave()
		} else if f.d.providerRef != nil {
			value, system, code := f.d.providerRef(f, root, m)
			row.ProviderID = f.copyString(value)
			if len(value) > 0 {
				row.ProviderIDType = f.d.providerIDType(f, system, code)
			}
		}
		role, _, roleDisplay := f.coding(m, "role", nil)
		row.Role = f.in(role)
		row.RoleDisplay = f.in(roleDisplay)
		qual, _, _ := f.coding(m, "qualification", isSpecialtySystem)
		row.Qualification = f.in(qual)
		row.TaxonomyCode = f.in(f.codeBySystem(m, "qualification", sysNUCCTaxonomy))
		f.extensions(m, extCtx{element: elemCareTeam, seq: seq}, func(url []byte, ext *jsontree.Value) bool {
			switch string(url) {
			case urlPrvdrTypeCd:
				row.ProviderTypeCode = f.in(f.extValueCode(ext))
			case urlPrtcptngIndCd:
				row.ParticipatingCode = f.in(f.extValueCode(ext))
			case sysNPI, sysNPIAlt:
				// STU3: the organization NPI (ORG_NPI_NUM) rides on the
				// performing member.
				if npi := f.extValueCode(ext); len(npi) > 0 {
					f.c.OrganizationNPI = f.copyString(npi)
				}
			default:
				return false
			}
			return true
		})
		f.rec.ClaimCareTeam = append(f.rec.ClaimCareTeam, row)
		f.leave()
	}
}

// Normalized care-team roles (claim_care_team.role_normalized), the same in
// both FHIR versions; see r4CareTeamRoles and stu3CareTeamRoles.
const (
	roleAttending          = "attending"
	roleOperating          = "operating"
	roleOther              = "other"
	roleRendering          = "rendering"
	roleReferring          = "referring"
	roleOrganization       = "organization"
	roleAttendingRendering = "attending,rendering"
)

// isSpecialtySystem says whether system is a BFD provider specialty code
// system (PRVDR_SPCLTY; v3 CLM-PRVDR-SPCLTY-CD).
func isSpecialtySystem(system []byte) bool {
	return string(system) == sysPrvdrSpclty || string(system) == sysV3Spclty
}

// member returns the first care-team row with the given sequence, or nil.
func (f *Flattener) member(seq int64) *ClaimCareTeamRow {
	team := f.rec.ClaimCareTeam
	if len(team) <= smallSet {
		for i := range team {
			if team[i].Sequence.Valid && team[i].Sequence.V == seq {
				return &team[i]
			}
		}
		return nil
	}
	if f.teamIdx == nil {
		f.teamIdx = make(map[int64]int, len(team))
		for i := len(team) - 1; i >= 0; i-- {
			if team[i].Sequence.Valid {
				f.teamIdx[team[i].Sequence.V] = i
			}
		}
	}
	if i, ok := f.teamIdx[seq]; ok {
		return &team[i]
	}
	return nil
}

// linkedMember says whether an item links to the care-team member m.
func (f *Flattener) linkedMember(m ClaimCareTeamRow) bool {
	return m.Sequence.Valid && f.linked(m.Sequence.V)
}

// linked says whether an item links to the care-team member seq.
func (f *Flattener) linked(seq int64) bool {
	if len(f.lnk) <= smallSet {
		for _, s := range f.lnk {
			if s == seq {
				return true
			}
		}
		return false
	}
	if f.lnkSet == nil {
		f.lnkSet = make(map[int64]bool, len(f.lnk))
		for _, s := range f.lnk {
			f.lnkSet[s] = true
		}
	}
	return f.lnkSet[seq]
}

// claimNPIs sets the claim's provider columns from the care team's
// normalized roles (see the dialects' careTeamRoles), the first member in
// careTeam order whose identifier is an NPI (a UPIN for the *_upin
// columns) winning: attending_npi (AT_PHYSN_NPI), operating_npi
// (OP_PHYSN_NPI), other_npi (OT_PHYSN_NPI), rendering_npi (RNDRNG_PHYSN_NPI
// on institutional claims, PRF_PHYSN_NPI / PRVDR_NPI on carrier and DME),
// referring_npi, and organization_npi (ORG_NPI_NUM) when an R4 carrier
// organization member carries it (STU3 gives it as an extension instead).
func (f *Flattener) claimNPIs() {
	c := f.c
	c.AttendingNPI = f.firstIDWithRole("npi", roleAttending)
	c.OperatingNPI = f.firstIDWithRole("npi", roleOperating)
	c.OtherNPI = f.firstIDWithRole("npi", roleOther)
	c.RenderingNPI = f.firstIDWithRole("npi", roleRendering)
	c.ReferringNPI = f.firstIDWithRole("npi", roleReferring)
	c.AttendingUPIN = f.firstIDWithRole("upin", roleAttending)
	c.OperatingUPIN = f.firstIDWithRole("upin", roleOperating)
	c.OtherUPIN = f.firstIDWithRole("upin", roleOther)
	c.RenderingUPIN = f.firstIDWithRole("upin", roleRendering)
	if npi := f.firstIDWithRole("npi", roleOrganization); npi != "" {
		c.OrganizationNPI = npi
	}
}

// firstIDWithRole returns the provider id of the first care-team member
// whose identifier is of type idType and whose normalized role includes
// role.
func (f *Flattener) firstIDWithRole(idType, role string) string {
	for _, m := range f.rec.ClaimCareTeam {
		if m.ProviderIDType == idType && m.ProviderID != "" && hasToken(m.RoleNormalized, role) {
			return m.ProviderID
		}
	}
	return ""
}
