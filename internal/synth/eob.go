package synth

import (
	"math/rand/v2"
	"strconv"
)

// Date range of billable periods (days since 1970-01-01). AB2D exports no
// claim ending before 2020-01-01. With the lags below, meta.lastUpdated stays
// within 2020-2026.
var (
	firstServiceDay = daysFromCivil(2020, 1, 1)
	lastServiceDay  = daysFromCivil(2025, 6, 30)
)

const msPerDay = 86_400_000

// claimHeader holds the claim-level values drawn before writing.
type claimHeader struct {
	start, end int   // billablePeriod (days)
	updated    int64 // meta.lastUpdated of the first version (Unix ms)
	offMin     int   // lastUpdated zone offset, minutes east of UTC
	nch        code
	nearLine   code
	facility   code
	query      code // claim_query_cd ("" if none)
}

var zoneOffsets = []int{0, 0, 0, -240, -300}

var (
	queryFinal   = code{"3", "Final bill"}
	queryInterim = code{"1", "Interim bill"}
	queryDebit   = code{"5", "Debit adjustment"}
)

// drawHeader draws the claim-level values of claim type t from the claim
// stream.
func (g *Generator) drawHeader(t int) claimHeader {
	r := g.cr
	ct := &claimTypes[t]
	var h claimHeader
	h.start = firstServiceDay + r.IntN(lastServiceDay-firstServiceDay+1)
	var los int
	switch t {
	case tCarrier:
		if r.IntN(10) >= 7 {
			los = 1 + r.IntN(3)
		}
	case tDME:
		if r.IntN(10) >= 4 {
			los = 29 + r.IntN(2)
		}
	case tOutpatient:
		if r.IntN(4) == 0 {
			los = 1 + r.IntN(30)
		}
	case tInpatient:
		los = 1 + geom(r, 24, 4)
	case tSNF:
		los = 5 + geom(r, 55, 20)
	case tHHA:
		los = 29
		if r.IntN(5) == 0 {
			los = 59
		}
	case tHospice:
		los = 29 + r.IntN(2)
		if r.IntN(4) == 0 {
			los = 3 + r.IntN(25)
		}
	}
	h.end = h.start + los
	lag := 3 + geom(r, 150, 30)
	h.updated = int64(h.end+lag)*msPerDay + int64(r.IntN(msPerDay))
	h.offMin = zoneOffsets[r.IntN(len(zoneOffsets))]
	h.nch = ct.nch[0]
	if len(ct.nch) > 1 && r.IntN(10) == 0 {
		h.nch = ct.nch[1+r.IntN(len(ct.nch)-1)]
	}
	h.nearLine = ct.nearLine[r.IntN(len(ct.nearLine))]
	if len(ct.facility) > 0 {
		h.facility = ct.facility[r.IntN(len(ct.facility))]
	}
	switch t {
	case tInpatient, tOutpatient, tSNF:
		switch r.IntN(20) {
		case 0:
			h.query = queryInterim
		case 1:
			h.query = queryDebit
		default:
			h.query = queryFinal
		}
	}
	return h
}

// careTeam describes the care team written for a claim.
type careTeam struct {
	n          int    // members
	performing [3]int // sequences of performing providers
	nPerf      int
	primary    int // sequence of the carrier organization (0: none)
}

// appendEOB appends the current version of the current claim with clm_id
// clmID.
func (g *Generator) appendEOB(b []byte, clmID int64) []byte {
	g.cpcg.Seed(g.cseed, stream2)
	r := g.cr
	t := g.ctype
	ct := &claimTypes[t]
	h := g.drawHeader(t)
	updated := h.updated
	if g.ver > 0 {
		// a later version: updated between one hour and ~4 months later
		updated = g.updated + 3_600_000 + int64(g.r.IntN(120*msPerDay))
	}
	g.updated = updated
	status := "active"
	if g.ver < g.nver-1 {
		status = "cancelled"
	}

	b = append(b, `{"resourceType":"ExplanationOfBenefit","id":"`...)
	b = append(b, ct.idPrefix...)
	b = append(b, '-')
	b = strconv.AppendInt(b, clmID, 10)
	b = append(b, `","meta":{"lastUpdated":"`...)
	b = appendTimestamp(b, updated, h.offMin)
	b = append(b, `","profile":["`...)
	b = append(b, urlProfile...)
	b = append(b, ct.profile...)
	b = append(b, `"]},"extension":[`...)
	b = appendExtCoding(b, sysNearLine, h.nearLine)
	b = append(b, ',')
	b = appendMBIExt(b, g.mbi[:], "current")
	if g.hasHist {
		b = append(b, ',')
		b = appendMBIExt(b, g.histMBI[:], "historic")
	}
	b = append(b, `],"identifier":[`...)
	b = appendClaimIdentifier(b, sysClmID, clmID)
	b = append(b, ',')
	b = appendClaimIdentifier(b, sysClaimGroup, g.group)
	b = append(b, `],"status":"`...)
	b = append(b, status...)
	b = append(b, `","type":{"coding":[`...)
	b = appendCoding(b, sysNchClmType, h.nch)
	b = append(b, ',')
	b = appendCoding(b, sysEOBType, code{ct.eobType, ""})
	b = append(b, ',')
	b = appendCoding(b, sysClaimType, code{ct.carin, ct.carinDsp})
	b = append(b, `]},"patient":{"reference":"Patient/-`...)
	b = strconv.AppendInt(b, firstBeneID+1+int64(g.bene), 10)
	b = append(b, `"},"billablePeriod":{`...)
	if h.query.c != "" {
		b = append(b, `"extension":[`...)
		b = appendExtCoding(b, sysClaimQuery, h.query)
		b = append(b, `],`...)
	}
	b = append(b, `"start":"`...)
	b = appendDate(b, h.start)
	b = append(b, `","end":"`...)
	b = appendDate(b, h.end)
	b = append(b, `"}`...)
	if h.facility.c != "" {
		b = append(b, `,"facility":{"extension":[`...)
		b = appendExtCoding(b, sysFacType, h.facility)
		b = append(b, `]}`...)
	}

	var team careTeam
	b, team = g.appendCareTeam(b, t)

	if t == tInpatient || (t == tSNF && r.IntN(2) == 0) {
		b = append(b, `,"supportingInfo":[{"sequence":`...)
		b = appendInt(b, 2+r.IntN(8))
		b = append(b, `,"category":{"coding":[`...)
		b = appendCoding(b, sysInfoCat, code{"info", "Information"})
		b = append(b, ',')
		b = appendCoding(b, sysBBInfo, code{sysDRG, "Claim Diagnosis Related Group Code (or MS-DRG Code)"})
		b = append(b, `]},"code":{"coding":[`...)
		b = appendCoding(b, sysDRG, code{drgs[r.IntN(len(drgs))], ""})
		b = append(b, `]}}]`...)
	}

	var nDx int
	b, nDx = g.appendDiagnoses(b, t)
	b = g.appendProcedures(b, t, h)
	b = g.appendItems(b, t, h, team, nDx)
	return append(b, '}')
}

// appendCoding appends {"system":S,"code":C[,"display":D]}.
func appendCoding(b []byte, system string, c code) []byte {
	b = append(b, `{"system":"`...)
	b = append(b, system...)
	b = append(b, `","code":"`...)
	b = append(b, c.c...)
	if c.d != "" {
		b = append(b, `","display":"`...)
		b = append(b, c.d...)
	}
	return append(b, `"}`...)
}

// appendExtCoding appends a BFD variable extension: {"url":U,"valueCoding":
// {"system":U,"code":C[,"display":D]}}.
func appendExtCoding(b []byte, url string, c code) []byte {
	b = append(b, `{"url":"`...)
	b = append(b, url...)
	b = append(b, `","valueCoding":`...)
	b = appendCoding(b, url, c)
	return append(b, '}')
}

// appendMBIExt appends the MBI extension AB2D adds (currency "current" or
// "historic").
func appendMBIExt(b []byte, mbi []byte, currency string) []byte {
	b = append(b, `{"url":"`+urlMBIExt+`","valueIdentifier":{"extension":[{"url":"`+sysIDCurrency+`","valueCoding":{"code":"`...)
	b = append(b, currency...)
	b = append(b, `"}}],"system":"`+sysMBI+`","value":"`...)
	b = append(b, mbi...)
	return append(b, `"}}`...)
}

// appendClaimIdentifier appends a C4BB "uc" identifier with system sys.
func appendClaimIdentifier(b []byte, sys string, v int64) []byte {
	b = append(b, `{"type":{"coding":[{"system":"`+sysIDType+`","code":"uc","display":"Unique Claim ID"}]},"system":"`...)
	b = append(b, sys...)
	b = append(b, `","value":"`...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, `"}`...)
}

// appendNPIProvider appends "provider":{"identifier":{C4BB npi type, value}[,"display":D]}.
func appendNPIProvider(b []byte, npi uint64, display string) []byte {
	b = append(b, `"provider":{"identifier":{"type":{"coding":[{"system":"`+sysIDType+`","code":"npi","display":"National Provider Identifier"}]},"value":"`...)
	b = strconv.AppendUint(b, npi, 10)
	b = append(b, `"}`...)
	if display != "" {
		b = append(b, `,"display":"`...)
		b = append(b, display...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// appendRole appends "role":{"coding":[{system, code, display}]}.
func appendRole(b []byte, system string, role code) []byte {
	b = append(b, `"role":{"coding":[`...)
	b = appendCoding(b, system, role)
	return append(b, `]}`...)
}

// npi picks an individual provider NPI near the beneficiary's usual ones.
func (g *Generator) npi() uint64 {
	base := g.bene * 37
	return g.npis[(base+g.cr.IntN(60))%len(g.npis)]
}

// org picks an organization NPI and its name.
func (g *Generator) org() (uint64, string) {
	i := (g.bene*11 + g.cr.IntN(12)) % len(g.orgNPIs)
	return g.orgNPIs[i], orgNames[i%len(orgNames)]
}

// orgNames are the synthetic organization names, one per word combination.
var orgNames = func() []string {
	names := make([]string, 0, len(orgWords1)*len(orgWords2))
	for _, w2 := range orgWords2 {
		for _, w1 := range orgWords1 {
			names = append(names, w1+" "+w2)
		}
	}
	return names
}()

// appendCareTeam appends ,"careTeam":[...] for claim type t.
func (g *Generator) appendCareTeam(b []byte, t int) ([]byte, careTeam) {
	r := g.cr
	var team careTeam
	b = append(b, `,"careTeam":[`...)
	member := func(role code, roleSys string) {
		if team.n > 0 {
			b = append(b, ',')
		}
		team.n++
		b = append(b, `{"sequence":`...)
		b = appendInt(b, team.n)
		b = append(b, ',')
		b = appendNPIProvider(b, g.npi(), "")
		b = append(b, ',')
		b = appendRole(b, roleSys, role)
		b = append(b, '}')
	}
	switch t {
	case tCarrier, tDME:
		if (t == tCarrier && r.IntN(2) == 0) || (t == tDME && r.IntN(10) != 0) {
			member(roleReferring, sysCareRole)
		}
		nPerf := 1
		if t == tCarrier && r.IntN(4) == 0 {
			nPerf = 2
		}
		for range nPerf {
			if team.n > 0 {
				b = append(b, ',')
			}
			team.n++
			team.performing[team.nPerf] = team.n
			team.nPerf++
			b = append(b, `{"extension":[`...)
			if t == tCarrier {
				b = appendExtCoding(b, sysPrvdrType, code{strconv.Itoa(r.IntN(2)), ""})
				b = append(b, ',')
			}
			b = appendExtCoding(b, sysPrtcptng, code{"1", "Participating"})
			b = append(b, `],"sequence":`...)
			b = appendInt(b, team.n)
			b = append(b, ',')
			b = appendNPIProvider(b, g.npi(), "")
			b = append(b, `,"responsible":true,`...)
			b = appendRole(b, sysCareRole, rolePerforming)
			b = append(b, `,"qualification":{"coding":[`...)
			if t == tCarrier {
				b = appendCoding(b, sysSpclty, specialties[r.IntN(len(specialties))])
			} else {
				b = appendCoding(b, sysSpclty, dmeSpecialties[r.IntN(len(dmeSpecialties))])
			}
			b = append(b, `]}}`...)
		}
		if t == tCarrier {
			npi, name := g.org()
			team.n++
			team.primary = team.n
			b = append(b, `,{"sequence":`...)
			b = appendInt(b, team.n)
			b = append(b, ',')
			b = appendNPIProvider(b, npi, name)
			b = append(b, ',')
			b = appendRole(b, sysCareRoleHL7, rolePrimary)
			b = append(b, '}')
		}
	default:
		member(roleAttending, sysCareRole)
		var pOp, pOther, pPerf int // percent chances
		switch t {
		case tInpatient:
			pOp, pOther, pPerf = 70, 30, 50
		case tOutpatient:
			pOp, pOther, pPerf = 30, 10, 80
		case tSNF:
			pOp, pOther, pPerf = 10, 5, 50
		default: // HHA, hospice
			pPerf = 60
		}
		if r.IntN(100) < pOp {
			member(roleOperating, sysCareRole)
		}
		if r.IntN(100) < pOther {
			member(roleOtherOperating, sysCareRole)
		}
		if r.IntN(100) < pPerf {
			n := 1
			if r.IntN(5) == 0 {
				n = 2
			}
			for range n {
				member(rolePerforming, sysCareRole)
				team.performing[team.nPerf] = team.n
				team.nPerf++
			}
		}
	}
	return append(b, ']'), team
}

// dxSet tracks the diagnosis codes used on a claim (no duplicates).
type dxSet [2]uint64

func (s *dxSet) add(i int) bool {
	w, bit := i/64, uint64(1)<<(i%64)
	if s[w]&bit != 0 {
		return false
	}
	s[w] |= bit
	return true
}

// Diagnosis type codings.
var (
	dxPrincipal     = code{"principal", "Principal Diagnosis"}
	dxPrincipalLow  = code{"principal", "principal"}
	dxAdmitting     = code{"admitting", "Admitting Diagnosis"}
	dxOther         = code{"other", "Other"}
	dxSecondary     = code{"secondary", "Secondary"}
	dxReasonVisit   = code{"patientreasonforvisit", "Patient Reason for Visit"}
	dxExternalCause = code{"externalcauseofinjury", "External Cause of Injury"}
)

// appendDiagnoses appends ,"diagnosis":[...] and returns the count.
func (g *Generator) appendDiagnoses(b []byte, t int) ([]byte, int) {
	r := g.cr
	var used dxSet
	seq := 0
	poa := 0  // clm_poa_ind_swN counter (inpatient)
	epoa := 0 // clm_e_poa_ind_swN counter (inpatient)
	b = append(b, `,"diagnosis":[`...)
	one := func(c code, typeSys string, typ code, poaURL string, poaN int) {
		if seq > 0 {
			b = append(b, ',')
		}
		seq++
		b = append(b, '{')
		if poaURL != "" {
			url := urlBB + poaURL + strconv.Itoa(poaN)
			b = append(b, `"extension":[`...)
			b = appendExtCoding(b, url, poaCodes[r.IntN(len(poaCodes))])
			b = append(b, `],`...)
		}
		b = append(b, `"sequence":`...)
		b = appendInt(b, seq)
		b = append(b, `,"diagnosisCodeableConcept":{"coding":[`...)
		b = appendCoding(b, sysICD10, c)
		b = append(b, `]},"type":[{"coding":[`...)
		b = appendCoding(b, typeSys, typ)
		b = append(b, `]}]}`...)
	}
	pick := func() code {
		for {
			i := skewed(r, len(diagnoses))
			if used.add(i) {
				return diagnoses[i]
			}
		}
	}
	principal := func() code {
		if r.IntN(2) == 0 {
			i := int(g.beneDx[r.IntN(len(g.beneDx))])
			used.add(i)
			return diagnoses[i]
		}
		return pick()
	}
	external := func(max int) int {
		n := 0
		if r.IntN(20) == 0 {
			n = 1 + r.IntN(max)
		}
		return n
	}

	switch t {
	case tInpatient:
		one(pick(), sysExDxType, dxAdmitting, "", 0)
		poa++
		one(principal(), sysExDxType, dxPrincipal, "clm_poa_ind_sw", poa)
		for range 1 + geom(r, maxInpatientD-5, 7) {
			poa++
			one(pick(), sysC4BBDxType, dxOther, "clm_poa_ind_sw", poa)
		}
		for range external(2) {
			epoa++
			one(externalCauses[r.IntN(len(externalCauses))], sysC4BBDxType, dxExternalCause, "clm_e_poa_ind_sw", epoa)
		}
	case tSNF:
		one(pick(), sysExDxType, dxAdmitting, "", 0)
		one(principal(), sysExDxType, dxPrincipal, "", 0)
		for range geom(r, maxDiagnoses-3, 2.5) {
			one(pick(), sysC4BBDxType, dxOther, "", 0)
		}
		for range external(1) {
			one(externalCauses[r.IntN(len(externalCauses))], sysC4BBDxType, dxExternalCause, "", 0)
		}
	case tOutpatient:
		one(principal(), sysExDxType, dxPrincipal, "", 0)
		for range geom(r, maxDiagnoses-5, 2) {
			one(pick(), sysC4BBDxType, dxOther, "", 0)
		}
		for range r.IntN(3) {
			one(pick(), sysC4BBDxType, dxReasonVisit, "", 0)
		}
		for range external(2) {
			one(externalCauses[r.IntN(len(externalCauses))], sysC4BBDxType, dxExternalCause, "", 0)
		}
	case tHospice:
		one(principal(), sysExDxType, dxPrincipal, "", 0)
		for range geom(r, maxDiagnoses-1, 2.5) {
			one(pick(), sysC4BBDxType, dxOther, "", 0)
		}
	case tHHA:
		one(principal(), sysExDxType, dxPrincipalLow, "", 0)
		for range geom(r, maxDiagnoses-1, 3) {
			one(pick(), sysC4BBDxType, dxSecondary, "", 0)
		}
	default: // carrier, DME
		typ := dxPrincipal
		if t == tCarrier {
			typ = dxPrincipalLow
		}
		one(principal(), sysExDxType, typ, "", 0)
		for range geom(r, maxDiagnoses-1, 2) {
			one(pick(), sysC4BBDxType, dxSecondary, "", 0)
		}
	}
	return append(b, ']'), seq
}

// appendProcedures appends ,"procedure":[...] for the claim types that have
// ICD procedures (inpatient, outpatient, SNF), if the claim has any.
func (g *Generator) appendProcedures(b []byte, t int, h claimHeader) []byte {
	r := g.cr
	var n int
	switch t {
	case tInpatient:
		if r.IntN(5) != 0 {
			n = 1 + geom(r, 5, 1)
		}
	case tOutpatient:
		if r.IntN(7) == 0 {
			n = 1 + r.IntN(2)
		}
	case tSNF:
		if r.IntN(10) == 0 {
			n = 1
		}
	}
	if n == 0 {
		return b
	}
	b = append(b, `,"procedure":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"sequence":`...)
		b = appendInt(b, i+1)
		b = append(b, `,"date":"`...)
		b = appendDate(b, h.start+r.IntN(h.end-h.start+1))
		b = append(b, `T00:00:00+00:00","procedureCodeableConcept":{"coding":[`...)
		b = appendCoding(b, sysICD10, procedures[r.IntN(len(procedures))])
		b = append(b, `]}}`...)
	}
	return append(b, ']')
}

// isAnesthesia reports whether a CPT code is an anesthesia code (00100-01999).
func isAnesthesia(c string) bool { return len(c) == 5 && c[0] == '0' && c[1] <= '1' }

// isLab reports whether a CPT code is a lab code (80000-89999 or 36415).
func isLab(c string) bool { return (len(c) == 5 && c[0] == '8') || c == "36415" }

// isDrug reports whether a HCPCS code is a drug (J code).
func isDrug(c string) bool { return c[0] == 'J' }

// appendItems appends ,"item":[...].
func (g *Generator) appendItems(b []byte, t int, h claimHeader, team careTeam, nDx int) []byte {
	r := g.cr
	var n int
	var codes []string
	switch t {
	case tCarrier:
		n, codes = 1+geom(r, 11, 1.3), hcpcsCarrier
	case tOutpatient:
		n, codes = 1+geom(r, 11, 3.5), hcpcsOutpatient
	case tDME:
		n, codes = 1+geom(r, 5, 0.8), hcpcsDME
	case tInpatient:
		n, codes = 1+geom(r, 11, 5), hcpcsInpatient
	case tSNF:
		n, codes = 1+geom(r, 9, 3), hcpcsSNF
	case tHHA:
		n, codes = 1+geom(r, 9, 3.5), hcpcsHHA
	default:
		n, codes = 1+geom(r, 5, 1.8), hcpcsHospice
	}
	// A later version of a claim may carry an extra line (an adjustment).
	if g.ver > 0 && g.cseed>>(g.ver%32)&1 == 1 && n < 12 {
		n++
	}
	st := &states[g.beneState]
	if r.IntN(10) == 0 {
		st = &states[r.IntN(len(states))]
	}
	b = append(b, `,"item":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		hc := codes[skewed(r, len(codes))]
		qty := 1
		switch {
		case t == tDME:
			qty = 1 + geom(r, 89, 15)
		case t != tCarrier:
			qty = 1 + geom(r, 11, 1.5)
		case r.IntN(5) == 0:
			qty = 2 + r.IntN(3)
		}
		if i == 0 {
			qty += g.ver // adjusted versions change the first line's units
		}
		b = append(b, '{')
		switch t {
		case tCarrier:
			units := 0
			if isAnesthesia(hc) {
				units = 30 + r.IntN(90) // tenths of units
			}
			b = append(b, `"extension":[{"url":"`+sysAnsthsa+`","valueQuantity":{"value":`...)
			b = appendTenths(b, units)
			b = append(b, `}}],`...)
		case tDME:
			b = append(b, `"extension":[`...)
			b = appendExtCoding(b, sysDMEPrcState, code{st.st, ""})
			b = append(b, ',')
			b = appendExtCoding(b, sysDMESupplr, supplierTypes[r.IntN(len(supplierTypes))])
			b = append(b, `],`...)
		}
		b = append(b, `"sequence":`...)
		b = appendInt(b, i+1)
		if team.nPerf > 0 {
			b = append(b, `,"careTeamSequence":[`...)
			b = appendInt(b, team.performing[r.IntN(team.nPerf)])
			if team.primary > 0 && r.IntN(2) == 0 {
				b = append(b, ',')
				b = appendInt(b, team.primary)
			}
			b = append(b, ']')
		}
		if t == tCarrier || t == tDME {
			k := 1 + r.IntN(min(3, nDx))
			s := 1 + r.IntN(nDx-k+1)
			b = append(b, `,"diagnosisSequence":[`...)
			for j := range k {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendInt(b, s+j)
			}
			b = append(b, ']')
		}
		b = append(b, `,"productOrService":{`...)
		ndc := (t == tCarrier || t == tOutpatient || t == tInpatient) && isDrug(hc) ||
			t == tDME && r.IntN(5) < 2 || t == tCarrier && r.IntN(10) == 0
		if ndc {
			b = append(b, `"extension":[{"url":"`+sysNDC+`","valueCoding":{"system":"`+sysNDC+`","code":"`...)
			b = append(b, ndcs[r.IntN(len(ndcs))]...)
			b = append(b, `"}}],`...)
		}
		b = append(b, `"coding":[`...)
		if t == tInpatient {
			b = appendCoding(b, sysHCPCSCd, code{hc, ""})
			b = append(b, ',')
		}
		b = appendCoding(b, sysHCPCS, code{hc, ""})
		b = append(b, `]}`...)

		day := h.start + r.IntN(h.end-h.start+1)
		switch t {
		case tCarrier:
			if r.IntN(7) == 0 {
				b = append(b, `,"servicedDate":"`...)
				b = appendDate(b, day)
				b = append(b, '"')
			} else {
				b = append(b, `,"servicedPeriod":{"start":"`...)
				b = appendDate(b, day)
				b = append(b, `","end":"`...)
				b = appendDate(b, day)
				b = append(b, `"}`...)
			}
		case tDME:
			b = append(b, `,"servicedPeriod":{"start":"`...)
			b = appendDate(b, h.start)
			b = append(b, `","end":"`...)
			b = appendDate(b, h.end)
			b = append(b, `"}`...)
		case tOutpatient, tHHA, tHospice:
			b = append(b, `,"servicedDate":"`...)
			b = appendDate(b, day)
			b = append(b, '"')
		}

		switch t {
		case tCarrier:
			pos := posCarrier[r.IntN(len(posCarrier))]
			if isLab(hc) && r.IntN(2) == 0 {
				pos = posLab
			}
			b = append(b, `,"locationCodeableConcept":{"extension":[`...)
			b = appendExtCoding(b, sysPrvdrState, code{st.st, ""})
			b = append(b, `,{"url":"`+sysPrvdrZip+`","valueCoding":{"system":"`+sysPrvdrZip+`","code":"`...)
			b = append(b, st.zip3...)
			b = append2(b, r.IntN(100))
			b = append2(b, r.IntN(100))
			b = append2(b, r.IntN(100))
			b = append(b, `"}},`...)
			b = appendExtCoding(b, sysPrcngLclty, code{st.lclty, st.lcltyDsp})
			if isLab(hc) {
				b = append(b, `,{"url":"`+sysCLIA+`","valueIdentifier":{"system":"`+sysCLIA+`","value":"`...)
				b = append2(b, r.IntN(100))
				b = append(b, 'D')
				b = append2(b, r.IntN(100))
				b = append2(b, r.IntN(100))
				b = append2(b, r.IntN(100))
				b = append(b, byte('0'+r.IntN(10)))
				b = append(b, `"}}`...)
			}
			b = append(b, `],"coding":[`...)
			b = appendCoding(b, sysPOS, pos)
			b = append(b, `]}`...)
		case tDME:
			b = append(b, `,"locationCodeableConcept":{"extension":[`...)
			b = appendExtCoding(b, sysPrvdrState, code{st.st, ""})
			b = append(b, `],"coding":[`...)
			b = appendCoding(b, sysPOS, posDME[r.IntN(len(posDME))])
			b = append(b, `]}`...)
		default:
			b = append(b, `,"locationAddress":{"state":"`...)
			b = append(b, st.st...)
			b = append(b, `"}`...)
		}
		b = append(b, `,"quantity":{"value":`...)
		b = appendInt(b, qty)
		b = append(b, `}}`...)
	}
	return append(b, ']')
}

// skewed returns an index in [0, n) where low indices are the most common
// (the code tables list the frequent codes first).
func skewed(r *rand.Rand, n int) int {
	u := r.Float64()
	return int(u * u * float64(n))
}

// appendTenths appends n/10 as a JSON number (2.4, 0, 7).
func appendTenths(b []byte, n int) []byte {
	b = appendInt(b, n/10)
	if n%10 != 0 {
		b = append(b, '.', byte('0'+n%10))
	}
	return b
}
