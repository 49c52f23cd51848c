package synth

import "strconv"

// STU3 rendering: an EOB as the AB2D v1 API exports it, i.e. as BFD v1
// emits it (see the STU3 fixtures) after AB2D's STU3 deny-list trim: all
// EOB-level extensions, provider, organization and facility are kept; the
// financial elements (payment, totalCost, benefitBalance, item.adjudication
// …), information, referral, revenue and hospitalization are removed;
// precedence is 0; the MBI extensions are appended last.

// stu3Type holds what STU3 adds to a claim type.
type stu3Type struct {
	exType  code   // http://hl7.org/fhir/ex-claimtype ("" for none, as BFD v1 for DME and HHA)
	clsfctn string // clm_srvc_clsfctn_type_cd ("" for none)
}

var stu3Types = [numTypes]stu3Type{
	tCarrier:    {code{"professional", "Professional"}, ""},
	tOutpatient: {code{"professional", "Professional"}, "3"},
	tDME:        {code{}, ""},
	tInpatient:  {code{"institutional", "Institutional"}, "1"},
	tSNF:        {code{"institutional", "Institutional"}, "1"},
	tHHA:        {code{}, "2"},
	tHospice:    {code{"institutional", "Institutional"}, "1"},
}

// Diagnosis type codings of BFD v1
// (https://bluebutton.cms.gov/resources/codesystem/diagnosis-type).
var (
	dx1Principal     = code{"principal", "The single medical diagnosis that is most relevant to the patient's chief complaint or need for treatment."}
	dx1Admitting     = code{"admitting", "The diagnosis given as the reason why the patient was admitted to the hospital."}
	dx1Other         = code{"other", "Required when other conditions coexist or develop subsequently during the treatment"}
	dx1ExternalFirst = code{"external-first", "The code used to identify the 1st external cause of injury, poisoning, or other adverse effect."}
	dx1External      = code{"external", "A code used to identify an external cause of injury, poisoning, or other adverse effect."}
	dx1Reason        = code{"reason-for-visit", "A diagnosis code used to identify the patient's reason for the visit."}
)

// STU3 care-team roles (http://hl7.org/fhir/claimcareteamrole). BFD v1
// gives attending and rendering providers "primary", operating ones
// "assist" and other operating ones "other".
var (
	role1Primary = code{"primary", displayPrimary}
	role1Assist  = code{"assist", displayAssist}
	role1Other   = code{"other", displayOtherRole}
)

// Money sources of the STU3 EOB-level amount extensions.
const (
	srcZero = iota
	srcCharge
	srcAllowed
	srcPaid
	srcDeductible
	srcCoins
	srcNonCovered // charge - allowed
	srcDeductions // deductible + coinsurance
)

// moneyExt is an EOB-level valueMoney extension: bp/10,000 of a source.
type moneyExt struct {
	url string
	src uint8
	bp  int64
}

// Amount extensions of BFD v1, per claim type, in the fixtures' order.
var (
	moneyCarrier = []moneyExt{
		{urlBB + "carr_clm_cash_ddctbl_apld_amt", srcDeductible, 10_000},
		{urlBB + "nch_clm_prvdr_pmt_amt", srcPaid, 10_000},
		{urlBB + "nch_clm_bene_pmt_amt", srcZero, 0},
		{urlBB + "nch_carr_clm_sbmtd_chrg_amt", srcCharge, 10_000},
		{urlBB + "nch_carr_clm_alowd_amt", srcAllowed, 10_000},
	}
	moneyInpatient = []moneyExt{
		{urlBB + "ime_op_clm_val_amt", srcPaid, 400},
		{urlBB + "dsh_op_clm_val_amt", srcPaid, 200},
		{urlBB + "clm_pass_thru_per_diem_amt", srcZero, 0},
		{urlBB + "nch_profnl_cmpnt_chrg_amt", srcCharge, 150},
		{urlBB + "clm_tot_pps_cptl_amt", srcPaid, 600},
		{urlBB + "clm_uncompd_care_pmt_amt", srcPaid, 100},
		{urlBB + "nch_bene_ip_ddctbl_amt", srcDeductible, 10_000},
		{urlBB + "nch_bene_pta_coinsrnc_lblty_amt", srcCoins, 10_000},
		{urlBB + "nch_ip_ncvrd_chrg_amt", srcNonCovered, 10_000},
		{urlBB + "nch_ip_tot_ddctn_amt", srcDeductions, 10_000},
		{urlBB + "clm_pps_cptl_dsprprtnt_shr_amt", srcPaid, 24},
		{urlBB + "clm_pps_cptl_excptn_amt", srcZero, 0},
		{urlBB + "clm_pps_cptl_fsp_amt", srcPaid, 510},
		{urlBB + "clm_pps_cptl_ime_amt", srcPaid, 66},
		{urlBB + "clm_pps_cptl_outlier_amt", srcZero, 0},
		{urlBB + "clm_pps_old_cptl_hld_hrmls_amt", srcZero, 0},
		{urlBB + "nch_drg_outlier_aprvd_pmt_amt", srcZero, 0},
		{urlBB + "nch_bene_blood_ddctbl_lblty_am", srcZero, 0},
	}
	moneySNF = []moneyExt{
		{urlBB + "nch_bene_ip_ddctbl_amt", srcDeductible, 10_000},
		{urlBB + "nch_bene_pta_coinsrnc_lblty_amt", srcCoins, 10_000},
		{urlBB + "nch_ip_ncvrd_chrg_amt", srcNonCovered, 10_000},
		{urlBB + "nch_ip_tot_ddctn_amt", srcDeductions, 10_000},
		{urlBB + "clm_pps_cptl_dsprprtnt_shr_amt", srcZero, 0},
		{urlBB + "clm_pps_cptl_excptn_amt", srcZero, 0},
		{urlBB + "clm_pps_cptl_fsp_amt", srcZero, 0},
		{urlBB + "clm_pps_cptl_ime_amt", srcZero, 0},
		{urlBB + "clm_pps_cptl_outlier_amt", srcZero, 0},
		{urlBB + "clm_pps_old_cptl_hld_hrmls_amt", srcZero, 0},
		{urlBB + "nch_bene_blood_ddctbl_lblty_am", srcZero, 0},
	}
	moneyOutpatient = []moneyExt{
		{urlBB + "nch_profnl_cmpnt_chrg_amt", srcCharge, 150},
		{urlBB + "nch_bene_ptb_ddctbl_amt", srcDeductible, 10_000},
		{urlBB + "nch_bene_ptb_coinsrnc_amt", srcCoins, 10_000},
		{urlBB + "clm_op_prvdr_pmt_amt", srcPaid, 10_000},
		{urlBB + "clm_op_bene_pmt_amt", srcZero, 0},
		{urlBB + "nch_bene_blood_ddctbl_lblty_am", srcZero, 0},
	}
)

// moneyOf returns the amount extensions of claim type t.
func moneyOf(t int) []moneyExt {
	switch t {
	case tCarrier, tDME:
		return moneyCarrier
	case tInpatient:
		return moneyInpatient
	case tSNF:
		return moneySNF
	case tOutpatient:
		return moneyOutpatient
	}
	return nil // HHA, hospice
}

// amount returns the cents of an amount extension of claim c.
func (m *moneyExt) amount(c *claim) int64 {
	var v int64
	switch m.src {
	case srcCharge:
		v = c.charge
	case srcAllowed:
		v = c.allowed
	case srcPaid:
		v = c.paid
	case srcDeductible:
		v = c.deductible
	case srcCoins:
		v = c.coins
	case srcNonCovered:
		v = c.charge - c.allowed
	case srcDeductions:
		v = c.deductible + c.coins
	}
	return v * m.bp / 10_000
}

// appendSTU3 appends claim c as one AB2D v1 (FHIR STU3) JSON line.
func appendSTU3(b []byte, c *claim) []byte {
	ct := &claimTypes[c.typ]
	st3 := &stu3Types[c.typ]
	institutional := c.typ != tCarrier && c.typ != tDME
	b = append(b, `{"resourceType":"ExplanationOfBenefit","id":"`...)
	b = appendEOBID(b, c)
	b = append(b, `","meta":{"lastUpdated":"`...)
	b = appendTimestamp(b, c.updated, c.offMin)
	b = append(b, `"},"extension":[`...)
	b = appendSTU3Extensions(b, c)
	b = appendMBIExts(b, c.bene)
	b = append(b, `],"identifier":[{"system":"`+sysClmID+`","value":"`...)
	b = strconv.AppendInt(b, c.clmID, 10)
	b = append(b, `"},{"system":"`+sysClaimGroup+`","value":"`...)
	b = strconv.AppendInt(b, c.group, 10)
	b = append(b, `"}],"status":"`...)
	b = appendStatus(b, c)
	b = append(b, `","type":{"coding":[`...)
	b = appendCoding(b, sysNchClmType, c.nch)
	b = append(b, ',')
	b = appendCoding(b, sysEOBType, code{ct.eobType, ""})
	if st3.exType.c != "" {
		b = append(b, ',')
		b = appendCoding(b, sysExClaimType, st3.exType)
	}
	b = append(b, ',')
	b = appendCoding(b, sysNearLine, c.nearLine)
	if st3.clsfctn != "" {
		b = append(b, ',')
		b = appendCoding(b, sysSrvcClsfctn, code{st3.clsfctn, ""})
	}
	b = append(b, `]},"patient":{"reference":"Patient/`...)
	b = strconv.AppendInt(b, c.bene.id, 10)
	b = append(b, `"},"billablePeriod":{`...)
	b = appendBillablePeriod(b, c)
	b = append(b, '}')
	if institutional {
		b = append(b, `,"provider":{"identifier":{"system":"`+sysPrvdrNum+`","value":"`...)
		b = append(b, c.ccn[:]...)
		b = append(b, `"}},"organization":{`...)
		b = appendSTU3OrgRef(b, c)
		b = append(b, `},"facility":{"extension":[`...)
		b = appendExtCoding(b, sysFacType, c.facility)
		b = append(b, `],`...)
		b = appendSTU3OrgRef(b, c)
		b = append(b, '}')
	}
	var team stu3Team
	b, team = appendSTU3CareTeam(b, c)
	off := 0
	b = append(b, `,"diagnosis":[`...)
	if c.drg != "" {
		// BFD v1 carries the DRG as a first diagnosis with only a packageCode.
		off = 1
		b = append(b, `{"sequence":1,"packageCode":{"coding":[`...)
		b = appendCoding(b, sysDRG, code{c.drg, ""})
		b = append(b, `]}},`...)
	}
	b = appendSTU3Diagnoses(b, c, off)
	b = append(b, ']')
	b = appendProcedures(b, c)
	b = append(b, `,"precedence":0`...)
	b = appendSTU3Items(b, c, &team, off)
	return append(b, '}')
}

// appendSTU3OrgRef appends the members of a reference to the claim's
// organization: "identifier":{NPI},"display":name.
func appendSTU3OrgRef(b []byte, c *claim) []byte {
	b = append(b, `"identifier":{"system":"`+sysNPI+`","value":"`...)
	b = strconv.AppendUint(b, c.org, 10)
	b = append(b, `"},"display":"`...)
	b = append(b, c.orgName...)
	return append(b, '"')
}

// appendMoney appends cents as a JSON number with at least one decimal
// (0.0, 777.0, 123.45), as BFD writes amounts.
func appendMoney(b []byte, cents int64) []byte {
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.')
	c := cents % 100
	b = append(b, byte('0'+c/10))
	if c%10 != 0 {
		b = append(b, byte('0'+c%10))
	}
	return b
}

// appendMoneyExt appends {"url":U,"valueMoney":{"value":V,USD}}.
func appendMoneyExt(b []byte, url string, cents int64) []byte {
	b = append(b, `{"url":"`...)
	b = append(b, url...)
	b = append(b, `","valueMoney":{"value":`...)
	b = appendMoney(b, cents)
	return append(b, `,"system":"`+sysMoney+`","code":"USD"}}`...)
}

// appendIdentifierExt appends {"url":U,"valueIdentifier":{"system":U,"value":V}}.
func appendIdentifierExt(b []byte, url string, v int64) []byte {
	b = append(b, `{"url":"`...)
	b = append(b, url...)
	b = append(b, `","valueIdentifier":{"system":"`...)
	b = append(b, url...)
	b = append(b, `","value":"`...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, `"}}`...)
}

// appendSTU3Extensions appends the EOB-level BFD v1 extensions, each
// followed by a comma (the MBI extensions come last).
func appendSTU3Extensions(b []byte, c *claim) []byte {
	money := moneyOf(c.typ)
	if c.typ == tCarrier || c.typ == tDME {
		b = appendMoneyExt(b, urlBB+"prpayamt", 0)
		b = append(b, ',')
		b = appendIdentifierExt(b, sysCarrNum, int64(c.contractor))
		b = append(b, ',')
		b = appendIdentifierExt(b, sysCarrCtrlNum, c.ctrlNum)
		b = append(b, ',')
		b = appendExtCoding(b, sysCarrPmtDnl, code{"1", "Physician/supplier"})
		b = append(b, ',')
		b = appendExtCoding(b, sysAsgmnt, code{"A", "Assigned claim"})
		b = append(b, ',')
		b = appendIdentifierExt(b, sysClnclTril, 0)
		b = append(b, ',')
		for i := range money {
			b = appendMoneyExt(b, money[i].url, money[i].amount(c))
			b = append(b, ',')
		}
		return b
	}
	for i := range money {
		b = appendMoneyExt(b, money[i].url, money[i].amount(c))
		b = append(b, ',')
	}
	if c.nonPay.c != "" {
		b = appendExtCoding(b, sysNonPmtRsn, c.nonPay)
		b = append(b, ',')
	}
	b = appendMoneyExt(b, urlBB+"prpayamt", 0)
	b = append(b, ',')
	b = appendIdentifierExt(b, sysFINum, int64(c.contractor))
	b = append(b, ',')
	b = appendIdentifierExt(b, sysFIDocCtrlNum, c.ctrlNum)
	b = append(b, ',')
	b = appendIdentifierExt(b, sysFIOrigCtrlNum, c.origCtrl)
	return append(b, ',')
}

// stu3Team maps the rendering providers of a claim to STU3 careTeam
// sequences.
type stu3Team struct {
	rendering [maxRendering]int
}

// appendSTU3Member appends a careTeam member with an NPI and a
// claimcareteamrole role.
func appendSTU3Member(b []byte, seq int, npi uint64, role code) []byte {
	b = append(b, `{"sequence":`...)
	b = appendInt(b, seq)
	b = append(b, `,"provider":{"identifier":{"system":"`+sysNPI+`","value":"`...)
	b = strconv.AppendUint(b, npi, 10)
	b = append(b, `"}},`...)
	b = appendRole(b, sysCareRoleSTU3, role)
	return append(b, '}')
}

// appendSTU3CareTeam appends ,"careTeam":[...] as BFD v1 builds it:
// sequences from 2; carrier and DME performing providers with role primary
// (the carrier organization NPI as an extension of each, the referring
// provider being in EOB.referral, which AB2D drops); institutional
// operating (assist), other (other), attending (primary), then the lines'
// rendering providers (primary; one that is also the attending is the same
// member).
func appendSTU3CareTeam(b []byte, c *claim) ([]byte, stu3Team) {
	var team stu3Team
	seq := 1
	start := len(b)
	b = append(b, `,"careTeam":[`...)
	if c.typ == tCarrier || c.typ == tDME {
		if c.nRendering == 0 {
			return b[:start], team // no care team (ShapeAB2DSample)
		}
		for k := range c.nRendering {
			p := &c.rendering[k]
			if k > 0 {
				b = append(b, ',')
			}
			seq++
			team.rendering[k] = seq
			b = append(b, `{"extension":[`...)
			if p.prvdrType >= 0 {
				b = appendExtCoding(b, sysPrvdrType, code{digits[p.prvdrType], ""})
				b = append(b, ',')
			}
			b = appendExtCoding(b, sysPrtcptng, code{"1", "Participating"})
			if c.org != 0 {
				b = append(b, `,{"url":"`+sysNPI+`","valueCoding":{"system":"`+sysNPI+`","code":"`...)
				b = strconv.AppendUint(b, c.org, 10)
				b = append(b, `","display":"`...)
				b = append(b, c.orgName...)
				b = append(b, `"}}`...)
			}
			b = append(b, `],"sequence":`...)
			b = appendInt(b, seq)
			b = append(b, `,"provider":{"identifier":{"system":"`+sysNPI+`","value":"`...)
			b = strconv.AppendUint(b, p.npi, 10)
			b = append(b, `"}},"responsible":true,`...)
			b = appendRole(b, sysCareRoleSTU3, role1Primary)
			b = append(b, `,"qualification":{"coding":[`...)
			b = appendCoding(b, sysSpclty, specialtyOf(c, p))
			b = append(b, `]}}`...)
		}
		return append(b, ']'), team
	}
	member := func(npi uint64, role code) int {
		if seq > 1 {
			b = append(b, ',')
		}
		seq++
		b = appendSTU3Member(b, seq, npi, role)
		return seq
	}
	if c.operating != 0 {
		member(c.operating, role1Assist)
	}
	if c.otherOp != 0 {
		member(c.otherOp, role1Other)
	}
	attending := 0
	if c.attending != 0 {
		attending = member(c.attending, role1Primary)
	}
	for k := range c.nRendering {
		npi := c.rendering[k].npi
		if npi == c.attending && attending != 0 {
			team.rendering[k] = attending
			continue
		}
		team.rendering[k] = member(npi, role1Primary)
	}
	if seq == 1 {
		return b[:start], team // no care team (ShapeAB2DSample HHA and SNF claims)
	}
	return append(b, ']'), team
}

// stu3DxType returns the BFD v1 type of a diagnosis (c == "": untyped).
func stu3DxType(t int, d *diagnosis, firstExternal bool) code {
	switch d.kind {
	case dkAdmitting:
		return dx1Admitting
	case dkPrincipal:
		return dx1Principal
	case dkOther:
		if t == tInpatient {
			return dx1Other
		}
	case dkReason:
		return dx1Reason
	case dkExternal:
		if firstExternal {
			return dx1ExternalFirst
		}
		return dx1External
	}
	return code{}
}

// appendSTU3Diagnoses appends the diagnoses (sequences offset by off),
// separated by commas.
func appendSTU3Diagnoses(b []byte, c *claim, off int) []byte {
	firstExternal := true
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
		b = appendInt(b, i+1+off)
		b = append(b, `,"diagnosisCodeableConcept":{"coding":[`...)
		b = appendCoding(b, sysICD10, d.code)
		b = append(b, `]}`...)
		typ := stu3DxType(c.typ, d, firstExternal)
		if d.kind == dkExternal {
			firstExternal = false
		}
		if typ.c != "" {
			b = append(b, `,"type":[{"coding":[`...)
			b = appendCoding(b, sysDxTypeSTU3, typ)
			b = append(b, `]}]`...)
		}
		b = append(b, '}')
	}
	return b
}

// appendSTU3Items appends ,"item":[...].
func appendSTU3Items(b []byte, c *claim, team *stu3Team, dxOff int) []byte {
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
			b = append(b, `"extension":[`...)
			b = appendExtCoding(b, sysCarrMtusCd, code{"3", displayServices})
			b = append(b, `,{"url":"`+sysCarrMtusCnt+`","valueQuantity":{"value":`...)
			b = appendInt(b, l.qty)
			b = append(b, `}}`...)
			b = appendSTU3LineNDC(b, l)
			b = append(b, `],`...)
		case tDME:
			b = append(b, `"extension":[{"url":"`+sysSuplrNum+`","valueIdentifier":{"system":"`+sysSuplrNum+`","value":"`...)
			b = strconv.AppendUint(b, l.supplierNum, 10)
			b = append(b, `"}},{"url":"`+sysDMEMtusCnt+`","valueQuantity":{"value":`...)
			b = appendInt(b, l.qty)
			b = append(b, `,"unit":"`+displayNumService+`","system":"`+sysDMEMtusCd+`","code":"3"}}`...)
			b = appendSTU3LineNDC(b, l)
			b = append(b, `],`...)
		default:
			// REV_CNTR_NDC_QTY with its qualifier, on every revenue line as in
			// the BFD v1 fixtures: the quantity the R4 rendering gives as
			// item.quantity (BFD v2 puts REV_CNTR_NDC_QTY there).
			b = append(b, `"extension":[{"url":"`+sysRevNDCQty+`","valueQuantity":{"value":`...)
			b = appendInt(b, l.qty)
			b = append(b, `,"system":"`+sysUCUM+`","code":"UN"}}],`...)
		}
		b = append(b, `"sequence":`...)
		b = appendInt(b, i+1)
		if l.rendering >= 0 {
			b = append(b, `,"careTeamLinkId":[`...)
			b = appendInt(b, team.rendering[l.rendering])
			b = append(b, ']')
		}
		if l.dxN > 0 {
			b = append(b, `,"diagnosisLinkId":[`...)
			b = appendDxLinks(b, l, dxOff)
			b = append(b, ']')
		}
		b = append(b, `,"service":{`...)
		if l.ndc != "" && t != tCarrier && t != tDME {
			b = append(b, `"extension":[`...)
			b = appendExtCoding(b, sysRevNDC, code{l.ndc, ""})
			b = append(b, `],`...)
		}
		b = append(b, `"coding":[`...)
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
			b = append(b, ',')
			b = appendExtCoding(b, sysDMEPrcState, code{st.st, ""})
			b = append(b, ',')
			b = appendExtCoding(b, sysDMESupplr, supplierTypes[l.supplier])
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

// appendSTU3LineNDC appends ,{NDC extension} of a carrier or DME line with
// an NDC.
func appendSTU3LineNDC(b []byte, l *line) []byte {
	if l.ndc == "" {
		return b
	}
	b = append(b, ',')
	return appendExtCoding(b, sysNDC, code{l.ndc, ""})
}
