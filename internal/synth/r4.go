package synth

import "strconv"

// R4 rendering: an EOB as the AB2D v2 API exports it (a BFD v2 EOB trimmed
// by AB2D's R4 allow-list, with the MBI extensions appended).

// r4Team maps the providers of a claim to R4 careTeam sequences.
type r4Team struct {
	rendering [maxRendering]int // sequence of each rendering provider
	org       int               // sequence of the carrier organization (0: none)
}

// appendR4 appends claim c as one AB2D v2 (FHIR R4) JSON line.
func appendR4(b []byte, c *claim) []byte {
	ct := &claimTypes[c.typ]
	b = append(b, `{"resourceType":"ExplanationOfBenefit","id":"`...)
	b = appendEOBID(b, c)
	b = append(b, `","meta":{"lastUpdated":"`...)
	b = appendTimestamp(b, c.updated, c.offMin)
	b = append(b, `","profile":["`...)
	b = append(b, urlProfile...)
	b = append(b, ct.profile...)
	b = append(b, `"]},"extension":[`...)
	b = appendExtCoding(b, sysNearLine, c.nearLine)
	b = append(b, ',')
	b = appendMBIExts(b, c.bene)
	b = append(b, `],"identifier":[`...)
	b = appendClaimIdentifier(b, sysClmID, c.clmID)
	b = append(b, ',')
	b = appendClaimIdentifier(b, sysClaimGroup, c.group)
	b = append(b, `],"status":"`...)
	b = appendStatus(b, c)
	b = append(b, `","type":{"coding":[`...)
	b = appendCoding(b, sysNchClmType, c.nch)
	b = append(b, ',')
	b = appendCoding(b, sysEOBType, code{ct.eobType, ""})
	b = append(b, ',')
	b = appendCoding(b, sysClaimType, code{ct.carin, ct.carinDsp})
	b = append(b, `]},"patient":{"reference":"Patient/`...)
	b = strconv.AppendInt(b, c.bene.id, 10)
	b = append(b, `"},"billablePeriod":{`...)
	b = appendBillablePeriod(b, c)
	b = append(b, '}')
	if c.facility.c != "" {
		b = append(b, `,"facility":{"extension":[`...)
		b = appendExtCoding(b, sysFacType, c.facility)
		b = append(b, `]}`...)
	}

	var team r4Team
	b, team = appendR4CareTeam(b, c)

	if c.drg != "" {
		b = append(b, `,"supportingInfo":[{"sequence":`...)
		b = appendInt(b, c.drgSeq)
		b = append(b, `,"category":{"coding":[`...)
		b = appendCoding(b, sysInfoCat, code{"info", "Information"})
		b = append(b, ',')
		b = appendCoding(b, sysBBInfo, code{sysDRG, "Claim Diagnosis Related Group Code (or MS-DRG Code)"})
		b = append(b, `]},"code":{"coding":[`...)
		b = appendCoding(b, sysDRG, code{c.drg, ""})
		b = append(b, `]}}]`...)
	}

	b = appendR4Diagnoses(b, c)
	b = appendProcedures(b, c)
	b = appendR4Items(b, c, &team)
	return append(b, '}')
}

// appendEOBID appends the EOB id, e.g. carrier--10000001000001.
func appendEOBID(b []byte, c *claim) []byte {
	b = append(b, claimTypes[c.typ].idPrefix...)
	b = append(b, '-')
	return strconv.AppendInt(b, c.clmID, 10)
}

// appendStatus appends active or cancelled.
func appendStatus(b []byte, c *claim) []byte {
	if c.active() {
		return append(b, "active"...)
	}
	return append(b, "cancelled"...)
}

// appendBillablePeriod appends the members of billablePeriod (without
// braces).
func appendBillablePeriod(b []byte, c *claim) []byte {
	if c.query.c != "" {
		b = append(b, `"extension":[`...)
		b = appendExtCoding(b, sysClaimQuery, c.query)
		b = append(b, `],`...)
	}
	b = append(b, `"start":"`...)
	b = appendDate(b, c.start)
	b = append(b, `","end":"`...)
	b = appendDate(b, c.end)
	return append(b, '"')
}

// appendMBIExts appends the MBI extensions AB2D adds: the current MBI, then
// the historic one.
func appendMBIExts(b []byte, bene *beneficiary) []byte {
	b = appendMBIExt(b, bene.mbi[:], "current")
	if bene.hasHist {
		b = append(b, ',')
		b = appendMBIExt(b, bene.histMBI[:], "historic")
	}
	return b
}

// appendR4CareTeam appends ,"careTeam":[...] in BFD v2 order: carrier and
// DME referring, performing, carrier organization ("primary");
// institutional attending, operating, other operating, performing.
func appendR4CareTeam(b []byte, c *claim) ([]byte, r4Team) {
	var team r4Team
	n := 0
	start := len(b)
	b = append(b, `,"careTeam":[`...)
	member := func(npi uint64, role code, roleSys string) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"sequence":`...)
		b = appendInt(b, n)
		b = append(b, ',')
		b = appendNPIProvider(b, npi, "")
		b = append(b, ',')
		b = appendRole(b, roleSys, role)
		b = append(b, '}')
	}
	switch c.typ {
	case tCarrier, tDME:
		if c.referring != 0 {
			member(c.referring, roleReferring, sysCareRole)
		}
		for k := range c.nRendering {
			p := &c.rendering[k]
			if n > 0 {
				b = append(b, ',')
			}
			n++
			team.rendering[k] = n
			b = append(b, `{"extension":[`...)
			if p.prvdrType >= 0 {
				b = appendExtCoding(b, sysPrvdrType, code{digits[p.prvdrType], ""})
				b = append(b, ',')
			}
			b = appendExtCoding(b, sysPrtcptng, code{"1", "Participating"})
			b = append(b, `],"sequence":`...)
			b = appendInt(b, n)
			b = append(b, ',')
			b = appendNPIProvider(b, p.npi, "")
			b = append(b, `,"responsible":true,`...)
			b = appendRole(b, sysCareRole, rolePerforming)
			b = append(b, `,"qualification":{"coding":[`...)
			b = appendCoding(b, sysSpclty, specialtyOf(c, p))
			b = append(b, `]}}`...)
		}
		if c.typ == tCarrier && c.org != 0 {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			team.org = n
			b = append(b, `{"sequence":`...)
			b = appendInt(b, n)
			b = append(b, ',')
			b = appendNPIProvider(b, c.org, c.orgName)
			b = append(b, ',')
			b = appendRole(b, sysCareRoleHL7, rolePrimary)
			b = append(b, '}')
		}
	default:
		if c.attending != 0 {
			member(c.attending, roleAttending, sysCareRole)
		}
		if c.operating != 0 {
			member(c.operating, roleOperating, sysCareRole)
		}
		if c.otherOp != 0 {
			member(c.otherOp, roleOtherOperating, sysCareRole)
		}
		for k := range c.nRendering {
			member(c.rendering[k].npi, rolePerforming, sysCareRole)
			team.rendering[k] = n
		}
	}
	if n == 0 {
		return b[:start], team // no care team (ShapeAB2DSample HHA and SNF claims)
	}
	return append(b, ']'), team
}

// digits are the strings of 0-9.
var digits = [10]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// specialtyOf returns the specialty code of a carrier or DME performing
// provider.
func specialtyOf(c *claim, p *provider) code {
	if c.typ == tDME {
		return dmeSpecialties[p.specialty]
	}
	return specialties[p.specialty]
}

// Diagnosis type codings of BFD v2.
var (
	dxPrincipal     = code{"principal", "Principal Diagnosis"}
	dxPrincipalLow  = code{"principal", "principal"}
	dxAdmitting     = code{"admitting", "Admitting Diagnosis"}
	dxOther         = code{"other", "Other"}
	dxSecondary     = code{"secondary", "Secondary"}
	dxReasonVisit   = code{"patientreasonforvisit", "Patient Reason for Visit"}
	dxExternalCause = code{"externalcauseofinjury", "External Cause of Injury"}
)

// r4DxType returns the system and coding of the R4 type of a diagnosis.
func r4DxType(t int, kind uint8) (string, code) {
	switch kind {
	case dkAdmitting:
		return sysExDxType, dxAdmitting
	case dkPrincipal:
		if t == tCarrier || t == tHHA {
			return sysExDxType, dxPrincipalLow
		}
		return sysExDxType, dxPrincipal
	case dkOther:
		return sysC4BBDxType, dxOther
	case dkSecondary:
		return sysC4BBDxType, dxSecondary
	case dkReason:
		return sysC4BBDxType, dxReasonVisit
	}
	return sysC4BBDxType, dxExternalCause
}

// appendPOAExt appends the clm_poa_ind_swN or clm_e_poa_ind_swN extension
// of an inpatient diagnosis.
func appendPOAExt(b []byte, d *diagnosis) []byte {
	prefix := sysPOAPrefix
	if d.kind == dkExternal {
		prefix = sysExtPOAPrefix
	}
	poa := poaCodes[d.poa-1]
	b = append(b, `{"url":"`...)
	b = append(b, prefix...)
	b = appendInt(b, int(d.poaN))
	b = append(b, `","valueCoding":{"system":"`...)
	b = append(b, prefix...)
	b = appendInt(b, int(d.poaN))
	b = append(b, `","code":"`...)
	b = append(b, poa.c...)
	b = append(b, `","display":"`...)
	b = append(b, poa.d...)
	return append(b, `"}}`...)
}

// appendR4Diagnoses appends ,"diagnosis":[...].
func appendR4Diagnoses(b []byte, c *claim) []byte {
	b = append(b, `,"diagnosis":[`...)
	for i := range c.nDx {
		d := &c.dx[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if d.poa != 0 {
			b = append(b, `"extension":[`...)
			b = appendPOAExt(b, d)
			b = append(b, `],`...)
		}
		b = append(b, `"sequence":`...)
		b = appendInt(b, i+1)
		b = append(b, `,"diagnosisCodeableConcept":{"coding":[`...)
		if c.dxNoDisplay {
			b = appendCoding(b, sysICD10, code{d.code.c, ""})
		} else {
			b = appendCoding(b, sysICD10, d.code)
		}
		b = append(b, `]},"type":[{"coding":[`...)
		sys, typ := r4DxType(c.typ, d.kind)
		b = appendCoding(b, sys, typ)
		b = append(b, `]}]}`...)
	}
	return append(b, ']')
}

// appendProcedures appends ,"procedure":[...] if the claim has procedures
// (the same in both versions).
func appendProcedures(b []byte, c *claim) []byte {
	if c.nProc == 0 {
		return b
	}
	b = append(b, `,"procedure":[`...)
	for i := range c.nProc {
		p := &c.proc[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"sequence":`...)
		b = appendInt(b, i+1)
		b = append(b, `,"date":"`...)
		b = appendDate(b, p.day)
		b = append(b, `T00:00:00+00:00","procedureCodeableConcept":{"coding":[`...)
		b = appendCoding(b, sysICD10, p.code)
		b = append(b, `]}}`...)
	}
	return append(b, ']')
}

// appendServiced appends ,"servicedDate" or ,"servicedPeriod" of a line.
func appendServiced(b []byte, c *claim, l *line) []byte {
	switch l.dates {
	case datesDay:
		b = append(b, `,"servicedDate":"`...)
		b = appendDate(b, l.day)
		b = append(b, '"')
	case datesDayPeriod, datesClaim:
		start, end := l.day, l.day
		if l.dates == datesClaim {
			start, end = c.start, c.end
		}
		b = append(b, `,"servicedPeriod":{"start":"`...)
		b = appendDate(b, start)
		b = append(b, `","end":"`...)
		b = appendDate(b, end)
		b = append(b, `"}`...)
	}
	return b
}

// appendDxLinks appends the diagnosis sequences a line links to, offset by
// off, separated by commas.
func appendDxLinks(b []byte, l *line, off int) []byte {
	for j := range int(l.dxN) {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendInt(b, int(l.dxFrom)+j+off)
	}
	return b
}

// appendCarrierLocationExts appends the provider state, ZIP, pricing
// locality and CLIA extensions of a carrier line's location.
func appendCarrierLocationExts(b []byte, c *claim, l *line) []byte {
	st := c.state
	b = appendExtCoding(b, sysPrvdrState, code{st.st, ""})
	b = append(b, `,{"url":"`+sysPrvdrZip+`","valueCoding":{"system":"`+sysPrvdrZip+`","code":"`...)
	b = append(b, st.zip3...)
	b = append(b, l.zip[:]...)
	b = append(b, `"}},`...)
	b = appendExtCoding(b, sysPrcngLclty, code{st.lclty, st.lcltyDsp})
	if l.hasCLIA {
		b = append(b, `,{"url":"`+sysCLIA+`","valueIdentifier":{"system":"`+sysCLIA+`","value":"`...)
		b = append(b, l.clia[:]...)
		b = append(b, `"}}`...)
	}
	return b
}

// appendR4Items appends ,"item":[...].
func appendR4Items(b []byte, c *claim, team *r4Team) []byte {
	t := c.typ
	st := c.state
	b = append(b, `,"item":[`...)
	for i := range c.nLine {
		l := &c.lines[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		switch t {
		case tCarrier:
			b = append(b, `"extension":[{"url":"`+sysAnsthsa+`","valueQuantity":{"value":`...)
			b = appendTenths(b, l.anesthUnits)
			b = append(b, `}}],`...)
		case tDME:
			b = append(b, `"extension":[`...)
			b = appendExtCoding(b, sysDMEPrcState, code{st.st, ""})
			b = append(b, ',')
			b = appendExtCoding(b, sysDMESupplr, supplierTypes[l.supplier])
			b = append(b, `],`...)
		}
		b = append(b, `"sequence":`...)
		b = appendInt(b, i+1)
		if l.rendering >= 0 {
			b = append(b, `,"careTeamSequence":[`...)
			b = appendInt(b, team.rendering[l.rendering])
			if l.withOrg && team.org > 0 {
				b = append(b, ',')
				b = appendInt(b, team.org)
			}
			b = append(b, ']')
		}
		if l.dxN > 0 {
			b = append(b, `,"diagnosisSequence":[`...)
			b = appendDxLinks(b, l, 0)
			b = append(b, ']')
		}
		b = append(b, `,"productOrService":{`...)
		if l.ndc != "" {
			b = append(b, `"extension":[{"url":"`+sysNDC+`","valueCoding":{"system":"`+sysNDC+`","code":"`...)
			b = append(b, l.ndc...)
			b = append(b, `"}}],`...)
		}
		b = append(b, `"coding":[`...)
		if t == tInpatient {
			b = appendCoding(b, sysHCPCSCd, code{l.hcpcs, ""})
			b = append(b, ',')
		}
		b = appendCoding(b, sysHCPCS, code{l.hcpcs, ""})
		b = append(b, `]}`...)
		b = appendServiced(b, c, l)

		switch t {
		case tCarrier:
			b = append(b, `,"locationCodeableConcept":{"extension":[`...)
			b = appendCarrierLocationExts(b, c, l)
			b = append(b, `],"coding":[`...)
			b = appendCoding(b, sysPOS, *l.pos)
			b = append(b, `]}`...)
		case tDME:
			b = append(b, `,"locationCodeableConcept":{"extension":[`...)
			b = appendExtCoding(b, sysPrvdrState, code{st.st, ""})
			b = append(b, `],"coding":[`...)
			b = appendCoding(b, sysPOS, *l.pos)
			b = append(b, `]}`...)
		default:
			b = append(b, `,"locationAddress":{"state":"`...)
			b = append(b, st.st...)
			b = append(b, `"}`...)
		}
		b = append(b, `,"quantity":{"value":`...)
		b = appendInt(b, l.qty)
		b = append(b, `}}`...)
	}
	return append(b, ']')
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

// appendTenths appends n/10 as a JSON number (2.4, 0, 7).
func appendTenths(b []byte, n int) []byte {
	b = appendInt(b, n/10)
	if n%10 != 0 {
		b = append(b, '.', byte('0'+n%10))
	}
	return b
}
