package synth

import (
	"strconv"
	"strings"
)

// v3 rendering: an EOB as the AB2D v3 API exports it, i.e. as BFD's v3
// server builds it from the IDR in its current shape (the
// testdata/fixtures/v3/CMSgov-bfd__idr-* fixtures: C4BB 2.2.0 profiles,
// care-team NPIs inline, EOB-TYPE and CLM-TYPE-CD, IDR code systems) after
// AB2D's v3 trimmer (ExplanationOfBenefitTrimmerR4V3): no EOB-level BFD
// extension, created, insurer, adjudication, total or payment; supportingInfo
// only the near-line record code and the DRG; careTeam only attending,
// referring, operating, other operating and rendering; items without
// revenue, modifiers, adjudication or detail (so no NDC), their extensions
// only anesthesia units, pricing locality and provider type; insurance only
// focal and coverage; and the current MBI appended as an extension.

// V3Stray is a kind of claim that BFD's v3 server holds but AB2D's v3
// export should not contain, rendered from an EOB's facts for tests of a
// client's own guards: AB2D asks BFD for NCH claims only, and its Part D
// filter cannot match v3 codes.
type V3Stray int

const (
	// V3SharedSystem renders the claim as the shared system that processed
	// it sends it: meta.source MCS for a carrier claim (CLM-TYPE-CD 2700),
	// VMS for DME (1800), FISS for the institutional types (whose FISS
	// type codes the references do not give: the NCH code is kept, so only
	// meta.source and the System-Type tag "SharedSystem" tell), with its
	// own CLM_UNIQ_ID.
	V3SharedSystem V3Stray = iota + 1
	// V3PartD renders a Part D prescription drug event of the claim's
	// beneficiary, filled on the claim's first day: CLM-TYPE-CD 1, EOB-TYPE
	// PDE, meta.source DDPS, the Pharmacy profile, with its own
	// CLM_UNIQ_ID; its one line is a compound, as in BFD's Pharmacy sample
	// (the NDCs are in item.detail, which the trimmer removes).
	V3PartD
)

// AppendV3 appends the EOB as one AB2D v3 JSON line, without a line break,
// to dst. A superseded version (Active false) is tagged NotFinalAction;
// AB2D's export, and the sandbox's, contain only the final-action ones.
//
// The v3 and the v2 (or v1) rendering of the same facts relate as the
// references say real ones do, except where noted:
//
//   - id and the C4BB "uc" identifier are the IDR claim key, CLM_UNIQ_ID
//     ([EOB.V3ClaimID]): a scheme of its own, −(7·x + 10^12) for the v2
//     clm_id −(10,000,000,999,999 + x). Real CLM_UNIQ_IDs have no known
//     relation to clm_ids; only the synthetic data has this one.
//   - patient.reference is Patient/<BENE_SK> ([EOB.V3BeneficiaryKey]):
//     −7919·n for the v2 bene_id −(10^13 + n). Synthetic only too: real
//     BENE_SKs and CCW bene_ids are unrelated.
//   - the CLM-CNTL-NUM identifier is the claim control number
//     ([EOB.ClaimControlNumber]), which the v1 rendering sends as
//     carr_clm_cntl_num (carrier, DME) or fi_doc_clm_cntl_num
//     (institutional). BFD maps IDR CLM_CNTL_NUM from those CCW columns, so
//     real v1 and v3 data share it; AB2D's v2 trimmer drops them, so v2
//     never sends it.
//   - v2's claim group has no v3 counterpart: v3 versions of a claim are
//     separate claims, and only the final-action one is exported.
//   - both carry, as real data does: the current MBI (v3 sends no historic
//     one), the claim type (CLM-TYPE-CD holds the NCH claim type code,
//     EOB-TYPE the eob-type code), the billable period, the diagnosis codes
//     (v3 writes ICD-10-CM with its dot, E11.9 for v2's E119) in the same
//     sequence with the same present-on-admission flags, the ICD-10-PCS
//     procedure codes and dates, the lines' HCPCS/CPT codes, service dates,
//     places of service and quantities, the DRG and the near-line record
//     code, and the care-team NPIs (v2's carrier organization and DME
//     supplier are v3's provider; an institution, v3's provider, is in v1
//     but not in v2).
//   - meta.lastUpdated is the same instant in both renderings, a synthetic
//     choice: real IDR and CCW load times differ.
func (e *EOB) AppendV3(dst []byte) []byte { return appendV3(dst, e.facts(), 0) }

// AppendV3Stray appends the EOB's facts rendered as the v3 claim of kind k
// that AB2D should not export, without a line break, to dst.
func (e *EOB) AppendV3Stray(dst []byte, k V3Stray) []byte {
	if k == V3PartD {
		return appendV3PartD(dst, e.facts())
	}
	return appendV3(dst, e.facts(), k)
}

// V3ClaimID returns the CLM_UNIQ_ID of the v3 rendering: its id and "uc"
// identifier.
func (e *EOB) V3ClaimID() int64 { return v3ClaimID(e.c.clmID, 0) }

// V3BeneficiaryKey returns the BENE_SK of the v3 rendering's
// patient.reference.
func (e *EOB) V3BeneficiaryKey() int64 { return v3BeneSK(e.bene.id) }

// ClaimControlNumber returns the claim control number: v3's CLM-CNTL-NUM
// identifier and v1's carr_clm_cntl_num or fi_doc_clm_cntl_num.
func (e *EOB) ClaimControlNumber() int64 { return e.facts().ctrlNum }

// v3ClaimID returns the CLM_UNIQ_ID of clm_id clm, or of its stray of
// kind k: −(7·x + 10^12 + k·10^17), x = |clm| − firstClmID + 1. The
// synthetic clm_ids of every contract and of a Generator keep 7·x below
// 10^17, so the ids of all kinds are distinct.
func v3ClaimID(clm int64, k V3Stray) int64 {
	x := -clm - firstClmID + 1
	return -(7*x + 1_000_000_000_000 + int64(k)*100_000_000_000_000_000)
}

// v3BeneSK returns the BENE_SK of the beneficiary with bene_id id: −7919·n
// for id −(10^13 + n).
func v3BeneSK(id int64) int64 {
	n1 := -id - firstBeneID
	return -7919 * n1
}

// v3Type holds what the v3 rendering says of a claim type.
type v3Type struct {
	carin   string // claim-type code (BFD v3: DME professional, HHA institutional)
	profile string // C4BB and CMS profile suffix
	subType string // C4BBInstitutionalClaimSubType ("" for none)
}

var v3Types = [numTypes]v3Type{
	tCarrier:    {"professional", "Professional-NonClinician", ""},
	tOutpatient: {"institutional", "Outpatient-Institutional", "outpatient"},
	tDME:        {"professional", "Professional-NonClinician", ""},
	tInpatient:  {"institutional", v3ProfileInpatient, "inpatient"},
	tSNF:        {"institutional", v3ProfileInpatient, "inpatient"},
	tHHA:        {"institutional", v3ProfileInpatient, "inpatient"},
	tHospice:    {"institutional", v3ProfileInpatient, "inpatient"},
}

// v3ClmTypeDisplay returns the IDR display of a CLM-TYPE-CD, "" for the
// codes whose display the fixtures do not show.
func v3ClmTypeDisplay(c string) string {
	switch c {
	case "1":
		return "MEDICARE PART D ORIGINAL CLAIM"
	case "10":
		return "MEDICARE HHA CLAIM"
	case "30":
		return "MEDICARE SWING BED SNF CLAIM"
	case "40":
		return "MEDICARE OUTPATIENT CLAIM"
	case "50":
		return "MEDICARE HOSPICE CLAIM"
	case "60":
		return "MEDICARE INPATIENT CLAIM"
	case "71":
		return "MEDICARE PART B PROFESSIONAL PHYSICIAN/SUPPLIER CLAIM (NON-DMEPOS)"
	case "72":
		return "MEDICARE PART B PROFESSIONAL PHYSICIAN/SUPPLIER CLAIM (DMEPOS)"
	case "82":
		return "MEDICARE PART B DME REGIONAL CARRIER (DMERC) CLAIM (DMEPOS)"
	case "1800":
		return "DME MEDICARE SS DME - PHASE 1"
	case "2700":
		return "PROF MEDICARE SS PART B PROFESSIONAL"
	}
	return ""
}

// v3Source returns meta.source, the System-Type tag code and the
// CLM-TYPE-CD of claim c rendered as stray kind k (0: the NCH claim).
func v3Source(c *claim, k V3Stray) (source, system, typ string) {
	if k != V3SharedSystem {
		return "NCH", "NationalClaimsHistory", c.nch.c
	}
	switch c.typ {
	case tCarrier:
		return "MCS", "SharedSystem", "2700"
	case tDME:
		return "VMS", "SharedSystem", "1800"
	}
	return "FISS", "SharedSystem", c.nch.c
}

// v3Specialties are the carrier specialties with their displays in upper
// case, as IDR writes them.
var v3Specialties = func() []code {
	out := make([]code, len(specialties))
	for i, c := range specialties {
		out[i] = code{c.c, strings.ToUpper(c.d)}
	}
	return out
}()

// v3Team maps the rendering providers of a claim to v3 careTeam sequences.
type v3Team struct {
	rendering [maxRendering]int
}

// appendV3 appends claim c as one AB2D v3 JSON line, as stray kind k if
// not 0.
func appendV3(b []byte, c *claim, k V3Stray) []byte {
	vt := &v3Types[c.typ]
	source, system, typ := v3Source(c, k)
	uniq := v3ClaimID(c.clmID, k)

	b = append(b, `{"resourceType":"ExplanationOfBenefit","id":"`...)
	b = strconv.AppendInt(b, uniq, 10)
	b = append(b, `","meta":{"lastUpdated":"`...)
	b = appendV3Timestamp(b, c.updated)
	b = append(b, `","source":"`...)
	b = append(b, source...)
	b = append(b, `","profile":["`...)
	b = appendV3Profiles(b, vt.profile)
	b = append(b, `],"tag":[`...)
	b = appendV3Tag(b, sysV3SystemType, system)
	b = append(b, ',')
	final := "FinalAction"
	if !c.active() {
		final = "NotFinalAction"
	}
	b = appendV3Tag(b, sysV3FinalAction, final)
	b = append(b, `]}`...)

	// The billing provider: the institution, the carrier organization or
	// the DME supplier.
	provider := c.org
	if c.typ == tDME && c.nRendering > 0 {
		provider = c.rendering[0].npi
	}
	if provider != 0 {
		b = append(b, `,"contained":[`...)
		b = appendV3Organization(b, c, provider)
		b = append(b, ']')
	}
	b = append(b, `,"extension":[`...)
	b = appendMBIExt(b, c.bene.mbi[:], "current")
	b = append(b, `],"identifier":[`...)
	b = appendV3Identifiers(b, uniq, c.ctrlNum+int64(k)*100_000_000_000_000)
	b = append(b, `],"status":"active","type":{"coding":[`...)
	b = appendV3Type(b, vt.carin, typ, claimTypes[c.typ].eobType)
	b = append(b, `]}`...)
	if vt.subType != "" {
		b = append(b, `,"subType":{"coding":[`...)
		b = appendCoding(b, sysV3InstSubType, code{vt.subType, ""})
		b = append(b, `]}`...)
	}
	b = append(b, `,"use":"claim","patient":{"reference":"Patient/`...)
	b = strconv.AppendInt(b, v3BeneSK(c.bene.id), 10)
	b = append(b, `"},"billablePeriod":{"start":"`...)
	b = appendDate(b, c.start)
	b = append(b, `","end":"`...)
	b = appendDate(b, c.end)
	b = append(b, `"}`...)
	if provider != 0 {
		b = append(b, `,"provider":{"reference":"#`...)
		b = strconv.AppendUint(b, provider, 10)
		b = append(b, `"}`...)
	}
	b = append(b, `,"outcome":"complete"`...)

	var team v3Team
	b, team = appendV3CareTeam(b, c)
	b = appendV3SupportingInfo(b, c)
	b = appendV3Diagnoses(b, c)
	b = appendV3Procedures(b, c)
	b = append(b, `,"insurance":[{"focal":true,"coverage":{"display":"`...)
	b = append(b, v3Part(c)...)
	b = append(b, `"}}]`...)
	b = appendV3Items(b, c, &team)
	return append(b, '}')
}

// v3Part returns the insurance coverage of a claim: Part A for the Part A
// institutional records (near-line code V), else Part B.
func v3Part(c *claim) string {
	if c.nearLine.c == nlV.c {
		return "Part A"
	}
	return "Part B"
}

// appendV3Timestamp appends Unix milliseconds ms in UTC with microseconds,
// as BFD v3 writes meta.lastUpdated (2026-01-01T03:02:28.887000Z).
func appendV3Timestamp(b []byte, ms int64) []byte {
	b = appendTimestamp(b, ms, 0)
	return append(b[:len(b)-len("+00:00")], "000Z"...)
}

// appendV3Profiles appends the quoted C4BB and CMS profiles of suffix,
// separated by a comma, without the opening quote of the first.
func appendV3Profiles(b []byte, suffix string) []byte {
	b = append(b, urlProfile...)
	b = append(b, suffix...)
	b = append(b, v3C4BBVersion+`","`+urlV3ProfileCMS...)
	b = append(b, suffix...)
	return append(b, '"')
}

// appendV3Tag appends a meta.tag {system, code}.
func appendV3Tag(b []byte, system, c string) []byte {
	return appendCoding(b, system, code{c, ""})
}

// appendV3Identifiers appends the C4BB "uc" identifier of CLM_UNIQ_ID and
// the claim control number.
func appendV3Identifiers(b []byte, uniq, ctrl int64) []byte {
	b = append(b, `{"type":{"coding":[{"system":"`+sysIDType+`","code":"uc","display":"Unique Claim ID"}]},"value":"`...)
	b = strconv.AppendInt(b, uniq, 10)
	b = append(b, `"},{"system":"`+sysV3CtrlNum+`","value":"`...)
	b = strconv.AppendInt(b, ctrl, 10)
	return append(b, `"}`...)
}

// appendV3Type appends the claim-type, CLM-TYPE-CD and EOB-TYPE codings.
func appendV3Type(b []byte, carin, clmType, eobType string) []byte {
	b = appendCoding(b, sysClaimType, code{carin, ""})
	b = append(b, ',')
	b = appendCoding(b, sysV3ClmType, code{clmType, v3ClmTypeDisplay(clmType)})
	b = append(b, ',')
	return appendCoding(b, sysV3EOBType, code{eobType, ""})
}

// appendV3NPI appends an NPI identifier {type v2-0203 NPI, system, value}.
func appendV3NPI(b []byte, npi uint64) []byte {
	b = append(b, `{"type":{"coding":[{"system":"`+sysV3IDType+`","code":"NPI","display":"National provider identifier"}]},"system":"`+sysNPI+`","value":"`...)
	b = strconv.AppendUint(b, npi, 10)
	return append(b, `"}`...)
}

// appendV3Organization appends the contained billing Organization: NPI,
// the CCN of an institution, and the name when the facts have one.
func appendV3Organization(b []byte, c *claim, npi uint64) []byte {
	b = append(b, `{"resourceType":"Organization","id":"`...)
	b = strconv.AppendUint(b, npi, 10)
	b = append(b, `","meta":{"profile":["`+urlV3ProfileOrg+`","`+urlV3ProfileUSOrg+`"]},"identifier":[`...)
	b = appendV3NPI(b, npi)
	if c.typ != tCarrier && c.typ != tDME {
		b = append(b, `,{"system":"`+sysV3CCN+`","value":"`...)
		b = append(b, c.ccn[:]...)
		b = append(b, `"}`...)
	}
	b = append(b, `],"active":true`...)
	if c.orgName != "" && npi == c.org {
		b = append(b, `,"name":"`...)
		b = append(b, c.orgName...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// v3 care-team roles: BFD v3 codes a role in claimcareteamrole and in
// C4BBClaimCareTeamRole alike.
var (
	role3Attending      = code{"attending", "Attending"}
	role3Operating      = code{"operating", "Operating"}
	role3OtherOperating = code{"otheroperating", "Other Operating"}
	role3Rendering      = code{"rendering", "Rendering provider"}
	role3Referring      = code{"referring", "Referring provider"}
)

// appendV3CareTeam appends ,"careTeam":[...]: carrier and DME referring,
// carrier rendering (with specialty); institutional attending, operating,
// other operating, rendering. DME claims without a referring provider have
// none (their supplier is the provider).
func appendV3CareTeam(b []byte, c *claim) ([]byte, v3Team) {
	var team v3Team
	n := 0
	member := func(npi uint64, role code, specialty code) {
		if n == 0 {
			b = append(b, `,"careTeam":[`...)
		} else {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"sequence":`...)
		b = appendInt(b, n)
		b = append(b, `,"provider":{"type":"Practitioner","identifier":`...)
		b = appendV3NPI(b, npi)
		b = append(b, `},"role":{"coding":[`...)
		b = appendCoding(b, sysCareRoleHL7, role)
		b = append(b, ',')
		b = appendCoding(b, sysCareRole, role)
		b = append(b, `]}`...)
		if specialty.c != "" {
			b = append(b, `,"qualification":{"coding":[`...)
			b = appendCoding(b, sysV3Spclty, specialty)
			b = append(b, `]}`...)
		}
		b = append(b, '}')
	}
	switch c.typ {
	case tCarrier, tDME:
		if c.referring != 0 {
			member(c.referring, role3Referring, code{})
		}
		if c.typ == tCarrier {
			for k := range c.nRendering {
				member(c.rendering[k].npi, role3Rendering, v3Specialties[c.rendering[k].specialty])
				team.rendering[k] = n
			}
		}
	default:
		if c.attending != 0 {
			member(c.attending, role3Attending, code{})
		}
		if c.operating != 0 {
			member(c.operating, role3Operating, code{})
		}
		if c.otherOp != 0 {
			member(c.otherOp, role3OtherOperating, code{})
		}
		for k := range c.nRendering {
			member(c.rendering[k].npi, role3Rendering, code{})
			team.rendering[k] = n
		}
	}
	if n > 0 {
		b = append(b, ']')
	}
	return b, team
}

// appendV3SupportingInfo appends ,"supportingInfo":[...]: the near-line
// record code and the DRG, what AB2D's trimmer keeps.
func appendV3SupportingInfo(b []byte, c *claim) []byte {
	b = append(b, `,"supportingInfo":[{"sequence":1,"category":{"coding":[`...)
	b = appendCoding(b, sysInfoCat, code{"info", "Information"})
	b = append(b, ',')
	b = appendCoding(b, sysV3SupportInfo, code{"CLM_NRLN_RIC_CD", "Near Line Record Identification Code"})
	b = append(b, `]},"code":{"coding":[`...)
	b = appendCoding(b, sysV3NearLine, c.nearLine)
	b = append(b, `]}}`...)
	if c.drg != "" {
		b = append(b, `,{"sequence":`...)
		b = appendInt(b, c.drgSeq)
		b = append(b, `,"category":{"coding":[`...)
		b = appendCoding(b, sysV3SupportType, code{"drg", ""})
		b = append(b, `]},"code":{"coding":[`...)
		b = appendCoding(b, sysV3DRG, code{c.drg, ""})
		b = append(b, `]}}`...)
	}
	return append(b, ']')
}

// appendICD10CM appends an ICD-10-CM code with its dot after the category
// (E119 as E11.9).
func appendICD10CM(b []byte, c string) []byte {
	if len(c) <= 3 {
		return append(b, c...)
	}
	b = append(b, c[:3]...)
	b = append(b, '.')
	return append(b, c[3:]...)
}

// appendV3Diagnoses appends ,"diagnosis":[...], present-on-admission in
// onAdmission.
func appendV3Diagnoses(b []byte, c *claim) []byte {
	b = append(b, `,"diagnosis":[`...)
	for i := range c.nDx {
		d := &c.dx[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"sequence":`...)
		b = appendInt(b, i+1)
		b = append(b, `,"diagnosisCodeableConcept":{"coding":[{"system":"`+sysV3ICD10CM+`","code":"`...)
		b = appendICD10CM(b, d.code.c)
		b = append(b, `"}]},"type":[{"coding":[`...)
		sys, typ := r4DxType(c.typ, d.kind)
		b = appendCoding(b, sys, code{typ.c, ""})
		b = append(b, `]}]`...)
		if d.poa != 0 {
			b = append(b, `,"onAdmission":{"coding":[`...)
			b = appendCoding(b, sysV3POA, code{poaCodes[d.poa-1].c, ""})
			b = append(b, `]}`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendV3Procedures appends ,"procedure":[...] if the claim has
// procedures, the first principal.
func appendV3Procedures(b []byte, c *claim) []byte {
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
		b = append(b, `,"type":[{"coding":[`...)
		typ := code{"other", "Other"}
		if i == 0 {
			typ = code{"principal", "Principal"}
		}
		b = appendCoding(b, sysV3ProcType, typ)
		b = append(b, `]}],"date":"`...)
		b = appendDate(b, p.day)
		b = append(b, `","procedureCodeableConcept":{"coding":[`...)
		b = appendCoding(b, sysV3ICD10PCS, code{p.code.c, ""})
		b = append(b, `]}}`...)
	}
	return append(b, ']')
}

// v3ProductSystem returns the code system of a line's HCPCS code: CPT for
// the numeric (level I) codes, HCPCS for the others.
func v3ProductSystem(hcpcs string) string {
	if hcpcs[0] >= '0' && hcpcs[0] <= '9' {
		return sysV3CPT
	}
	return sysV3HCPCS
}

// appendV3Items appends ,"item":[...].
func appendV3Items(b []byte, c *claim, team *v3Team) []byte {
	t := c.typ
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
			if l.rendering >= 0 && c.rendering[l.rendering].prvdrType >= 0 {
				b = appendV3ExtCoding(b, extV3PrvdrType, sysV3PrvdrType, digits[c.rendering[l.rendering].prvdrType])
				b = append(b, ',')
			}
			b = append(b, `{"url":"`+extV3Ansthsa+`","valueDecimal":`...)
			b = appendTenths(b, l.anesthUnits)
			b = append(b, `},`...)
			b = appendV3ExtCoding(b, extV3PrcngLclty, sysV3PrcngLclty, c.state.lclty)
			b = append(b, `],`...)
		case tDME:
			b = append(b, `"extension":[`...)
			b = appendV3ExtCoding(b, extV3PrvdrType, sysV3PrvdrType, supplierTypes[l.supplier].c)
			b = append(b, ',')
			b = appendV3ExtCoding(b, extV3PrcngLclty, sysV3PrcngLclty, c.state.st)
			b = append(b, `],`...)
		}
		b = append(b, `"sequence":`...)
		b = appendInt(b, i+1)
		if l.rendering >= 0 && team.rendering[l.rendering] > 0 {
			b = append(b, `,"careTeamSequence":[`...)
			b = appendInt(b, team.rendering[l.rendering])
			b = append(b, ']')
		}
		if l.dxN > 0 {
			b = append(b, `,"diagnosisSequence":[`...)
			b = appendDxLinks(b, l, 0)
			b = append(b, ']')
		}
		b = append(b, `,"productOrService":{"coding":[`...)
		b = appendCoding(b, v3ProductSystem(l.hcpcs), code{l.hcpcs, ""})
		b = append(b, `]}`...)
		b = appendServiced(b, c, l)
		if l.pos != nil {
			b = append(b, `,"locationCodeableConcept":{"coding":[`...)
			b = appendCoding(b, sysV3POS, code{l.pos.c, ""})
			b = append(b, `]}`...)
		}
		b = append(b, `,"quantity":{"value":`...)
		b = appendInt(b, l.qty)
		b = append(b, `}}`...)
	}
	return append(b, ']')
}

// appendV3ExtCoding appends a BFD v3 extension {"url":U,"valueCoding":
// {"system":S,"code":C}}.
func appendV3ExtCoding(b []byte, url, system, c string) []byte {
	b = append(b, `{"url":"`...)
	b = append(b, url...)
	b = append(b, `","valueCoding":`...)
	b = appendCoding(b, system, code{c, ""})
	return append(b, '}')
}

// appendV3PartD appends the Part D event stray of claim c.
func appendV3PartD(b []byte, c *claim) []byte {
	b = append(b, `{"resourceType":"ExplanationOfBenefit","id":"`...)
	uniq := v3ClaimID(c.clmID, V3PartD)
	b = strconv.AppendInt(b, uniq, 10)
	b = append(b, `","meta":{"lastUpdated":"`...)
	b = appendV3Timestamp(b, c.updated)
	b = append(b, `","source":"DDPS","profile":["`...)
	b = appendV3Profiles(b, v3ProfilePharmacy)
	b = append(b, `],"tag":[`...)
	b = appendV3Tag(b, sysV3SystemType, "DDPS")
	b = append(b, `]},"extension":[`...)
	b = appendMBIExt(b, c.bene.mbi[:], "current")
	b = append(b, `],"identifier":[`...)
	b = appendV3Identifiers(b, uniq, c.ctrlNum+int64(V3PartD)*100_000_000_000_000)
	b = append(b, `],"status":"active","type":{"coding":[`...)
	b = appendV3Type(b, "pharmacy", "1", "PDE")
	b = append(b, `]},"use":"claim","patient":{"reference":"Patient/`...)
	b = strconv.AppendInt(b, v3BeneSK(c.bene.id), 10)
	b = append(b, `"},"billablePeriod":{"start":"`...)
	b = appendDate(b, c.start)
	b = append(b, `","end":"`...)
	b = appendDate(b, c.start)
	b = append(b, `"},"outcome":"complete","insurance":[{"focal":true,"coverage":{"display":"Part D"}}],"item":[{"sequence":1,"productOrService":{"coding":[`...)
	b = appendCoding(b, sysV3Compound, code{"compound", "compound"})
	b = append(b, `]},"servicedDate":"`...)
	b = appendDate(b, c.start)
	return append(b, `"}]}`...)
}
