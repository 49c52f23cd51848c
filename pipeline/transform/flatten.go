package transform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
)

// Code systems, extension URLs and identifier systems used by AB2D / BFD in
// both FHIR versions.
const (
	sysEOBType       = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
	sysNCHClaimType  = "https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd"
	sysClaimID       = "https://bluebutton.cms.gov/resources/variables/clm_id"
	sysPDEID         = "https://bluebutton.cms.gov/resources/variables/pde_id"
	sysClaimGroup    = "https://bluebutton.cms.gov/resources/identifier/claim-group"
	sysDRG           = "https://bluebutton.cms.gov/resources/variables/clm_drg_cd"
	sysHCPCS         = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
	sysHCPCSVar      = "https://bluebutton.cms.gov/resources/variables/hcpcs_cd"
	sysPlaceOfSrvc   = "https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd"
	sysNDC           = "http://hl7.org/fhir/sid/ndc"
	sysNPI           = "http://hl7.org/fhir/sid/us-npi"
	sysNPIAlt        = "http://hl7.org/fhir/sid/npi" // seen in the data dictionaries
	sysMBI           = "http://hl7.org/fhir/sid/us-mbi"
	sysICD10         = "http://hl7.org/fhir/sid/icd-10"
	sysICD10CM       = "http://hl7.org/fhir/sid/icd-10-cm"
	sysICD9CM        = "http://hl7.org/fhir/sid/icd-9-cm"
	sysICD9          = "http://hl7.org/fhir/sid/icd-9"
	urlMBIExt        = "http://hl7.org/fhir/StructureDefinition/elementdefinition-identifier"
	urlCurrency      = "https://bluebutton.cms.gov/resources/codesystem/identifier-currency"
	urlFacilityType  = "https://bluebutton.cms.gov/resources/variables/clm_fac_type_cd"
	urlPOAPrefix     = "https://bluebutton.cms.gov/resources/variables/clm_poa_ind_sw"   // diagnosis 1–25
	urlExtPOAPrefix  = "https://bluebutton.cms.gov/resources/variables/clm_e_poa_ind_sw" // external diagnosis 1–12
	patientRefPrefix = "Patient/"
)

// FHIR version names, as stored in Claim.FHIRVersion.
const (
	versionR4   = "R4"
	versionSTU3 = "STU3"
)

// maxIntern bounds the per-Flattener table of interned low-cardinality
// strings (codes, code systems, roles), so hostile input cannot grow it.
const maxIntern = 4096

// Flattener turns one JSON resource into a Record. Not safe for concurrent
// use; one per worker goroutine. It reuses its parser and scratch space
// between calls.
type Flattener struct {
	p fastjson.Parser

	rec *Record           // record being filled
	c   *ClaimsRow        // the claim row of rec, while an EOB is flattened
	d   *dialect          // FHIR-version specific rules of the current EOB
	err error             // first error met while flattening the current line
	at  []pathElem        // location in the resource, for error messages
	buf []byte            // scratch for building strings (diagnosis types)
	lnk []int64           // scratch: care-team sequences linked from items
	tbl map[string]string // interned strings
	mem []byte            // arena for the strings of the records, see copyString

	// The codings walk (see codings): the element path of the value being
	// visited and the element names of its prefixes (see pushKey), and a
	// hash table of the codings of the EOB (see addCoding).
	keys   [][]byte
	elems  []element
	memo   int
	seen   []int32
	seed   maphash.Seed
	recent [256]Coding // recent codings' strings by hash (pins at most 256 arena blocks), see addCoding

	teamIdx map[int64]int  // care-team index by sequence, for large care teams
	lnkSet  map[int64]bool // set of f.lnk, for long link lists

	// panics makes unexpected panics propagate instead of becoming a
	// reject, so that the fuzz test sees them.
	panics bool
}

// pathElem is one step of the location of the value being read, rendered as
// key or key[idx] in error messages.
type pathElem struct {
	key string
	idx int // -1: not an array element
}

// NewFlattener returns a Flattener ready for use.
func NewFlattener() *Flattener {
	return &Flattener{tbl: make(map[string]string, 256), seed: maphash.MakeSeed()}
}

// Flatten parses one line (one JSON resource) into rec (rec.Reset() first).
// It returns a non-nil error (a short human-readable reason, e.g. "invalid
// JSON: …", "resourceType \"Patient\" is not ExplanationOfBenefit or
// OperationOutcome", "ExplanationOfBenefit without id") when the line must
// be rejected; rec is then left empty (reset). It never panics on any
// input.
//
// The strings stored in rec do not alias line and stay valid after later
// calls, so records can be kept (e.g. batched) after the next Flatten.
//
// An ExplanationOfBenefit gives Kind KindEOB with the claim header and its
// child rows; an OperationOutcome gives KindOperationOutcome with one Issue
// per issue. The FHIR version (R4 or STU3) is detected per resource, see
// detectVersion.
func (f *Flattener) Flatten(line []byte, rec *Record) (err error) {
	rec.Reset()
	f.rec, f.d, f.err, f.at = rec, nil, nil, f.at[:0]
	f.teamIdx, f.lnkSet = nil, nil
	defer func() {
		if !f.panics {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error while flattening: %v", r)
			}
		}
		if err != nil {
			rec.Reset()
		}
		f.rec, f.d, f.c = nil, nil, nil
	}()
	return f.flatten(line)
}

// flatten does the work of Flatten into f.rec.
func (f *Flattener) flatten(line []byte) error {
	rec := f.rec
	if err := checkBytes(line); err != nil {
		return err
	}
	root, err := f.p.ParseBytes(line)
	if err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if t := root.Type(); t != fastjson.TypeObject {
		return fmt.Errorf("not a JSON object but %s", typeName(t))
	}
	rt := f.strb(root, "resourceType")
	if f.err != nil {
		return f.err
	}
	switch string(rt) {
	case "ExplanationOfBenefit":
		rec.Kind = KindEOB
		f.eob(root)
	case "OperationOutcome":
		rec.Kind = KindOperationOutcome
		f.operationOutcome(root)
	case "":
		return errors.New("missing resourceType")
	default:
		return fmt.Errorf("resourceType %q is not ExplanationOfBenefit or OperationOutcome", clip(rt, 64))
	}
	return f.err
}

// checkBytes rejects what fastjson would accept but is not JSON text we want
// to load: blank lines, invalid UTF-8 and raw control characters (JSON
// allows only tab, LF and CR, as whitespace between tokens).
func checkBytes(line []byte) error {
	if i := indexControl(line); i >= 0 {
		return fmt.Errorf("control character 0x%02x at byte %d", line[i], i)
	}
	if len(bytes.TrimLeft(line, " \t\r\n")) == 0 {
		return errors.New("empty line")
	}
	if !utf8.Valid(line) {
		for i := 0; i < len(line); {
			r, n := utf8.DecodeRune(line[i:])
			if r == utf8.RuneError && n <= 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
			i += n
		}
	}
	return nil
}

// indexControl returns the index of the first byte below 0x20 other than
// tab, LF and CR, or -1. It tests 32 bytes at a time: (x-0x20…)&^x&0x80…
// is nonzero iff a byte of the 64-bit word x is below 0x20.
func indexControl(b []byte) int {
	const highs, spaces = 0x8080808080808080, 0x2020202020202020
	below := func(x uint64) uint64 { return (x - spaces) &^ x & highs }
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		if below(binary.LittleEndian.Uint64(w))|below(binary.LittleEndian.Uint64(w[8:]))|
			below(binary.LittleEndian.Uint64(w[16:]))|below(binary.LittleEndian.Uint64(w[24:])) == 0 {
			continue
		}
		if j := indexControlSlow(w); j >= 0 {
			return i + j
		}
	}
	if j := indexControlSlow(b[i:]); j >= 0 {
		return i + j
	}
	return -1
}

func indexControlSlow(b []byte) int {
	for i, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return i
		}
	}
	return -1
}

// operationOutcome flattens an OperationOutcome into rec.Issues.
func (f *Flattener) operationOutcome(root *fastjson.Value) {
	for i, is := range f.arr(root, "issue") {
		if !f.enterElem("issue", i, is) {
			return
		}
		text := f.str(is, "details", "text")
		if text == "" {
			text = f.str(is, "diagnostics")
		}
		f.rec.ExportErrors = append(f.rec.ExportErrors, ExportErrorsRow{
			Severity: f.in(f.strb(is, "severity")),
			Code:     f.in(f.strb(is, "code")),
			Text:     text,
		})
		f.leave()
	}
}

// eob flattens an ExplanationOfBenefit. The order matters: the care team is
// read before the items, which refer to it, and the claim-level NPIs last.
func (f *Flattener) eob(root *fastjson.Value) {
	f.rec.Claims = append(f.rec.Claims, ClaimsRow{})
	f.c = &f.rec.Claims[0] // the only claim row: the pointer stays valid
	c := f.c
	c.EOBID = f.str(root, "id")
	if f.err != nil {
		return
	}
	if c.EOBID == "" {
		f.err = errors.New("ExplanationOfBenefit without id")
		return
	}
	f.d = detectVersion(root)
	c.FHIRVersion = f.d.name

	f.header(root)
	f.rootExtensions(root)
	f.careTeam(root)
	f.diagnoses(root)
	c.DRGCode = f.d.drg(f, root)
	f.procedures(root)
	f.items(root)
	f.d.careTeamRoles(f)
	f.claimNPIs()
	f.supportingInfo(root)
	f.contained(root)
	f.codings(root)
	f.rec.setEOBID(c.EOBID)
	f.mbiRows()
}

// mbiRows completes the beneficiary_mbis rows of the EOB: they belong to
// its beneficiary, and were seen when it was last updated. Without a
// beneficiary there is nothing for them to belong to.
func (f *Flattener) mbiRows() {
	if f.c.BeneficiaryID == "" {
		f.rec.BeneficiaryMBIs = f.rec.BeneficiaryMBIs[:0]
		return
	}
	for i := range f.rec.BeneficiaryMBIs {
		m := &f.rec.BeneficiaryMBIs[i]
		m.BeneficiaryID = f.c.BeneficiaryID
		m.FirstSeen, m.LastSeen = f.c.LastUpdated, f.c.LastUpdated
	}
}

// header fills the scalar claim columns.
func (f *Flattener) header(root *fastjson.Value) {
	c := f.c
	c.Status = f.in(f.strb(root, "status"))
	f.claimType(root)
	sub, _ := f.firstCoding(root, "subType")
	c.ClaimSubType = f.in(sub)

	for i, id := range f.arr(root, "identifier") {
		if !f.enterElem("identifier", i, id) {
			return
		}
		switch string(f.strb(id, "system")) {
		case sysClaimID:
			if c.ClaimID == "" { // the first one, as the schema says
				c.ClaimID = f.str(id, "value")
			}
		case sysClaimGroup:
			if c.ClaimGroupID == "" {
				c.ClaimGroupID = f.str(id, "value")
			}
		case sysPDEID:
			if c.ClaimID == "" {
				c.ClaimID = f.str(id, "value")
			}
		}
		f.leave()
	}

	ref := f.strb(root, "patient", "reference")
	c.BeneficiaryID = f.copyString(bytes.TrimPrefix(ref, []byte(patientRefPrefix)))

	if bp := f.get(root, "billablePeriod"); bp != nil {
		f.enter("billablePeriod")
		c.BillablePeriodStart = parseDate(f.strb(bp, "start"))
		c.BillablePeriodEnd = parseDate(f.strb(bp, "end"))
		f.extensions(bp, extCtx{element: elemBillablePeriod}, func(url []byte, ext *fastjson.Value) bool {
			if string(url) == urlClaimQuery {
				c.ClaimQueryCode = f.in(f.extValueCode(ext))
				return true
			}
			return false
		})
		f.leave()
	}
	if meta := f.get(root, "meta"); meta != nil {
		f.enter("meta")
		c.LastUpdated = parseInstant(f.strb(meta, "lastUpdated"))
		f.buf = f.buf[:0]
		for i, p := range f.arr(meta, "profile") {
			f.at = append(f.at, pathElem{"profile", i})
			if p.Type() != fastjson.TypeString {
				f.failHere("not a string")
			} else {
				if len(f.buf) > 0 {
					f.buf = append(f.buf, ',')
				}
				f.buf = append(f.buf, p.GetStringBytes()...)
			}
			f.leave()
		}
		c.Profile = f.in(f.buf)
		f.leave()
	}

	if fac := f.get(root, "facility"); fac != nil {
		f.enter("facility")
		f.extensions(fac, extCtx{element: elemFacility}, func(url []byte, ext *fastjson.Value) bool {
			if string(url) == urlFacilityType && c.FacilityTypeCode == "" {
				c.FacilityTypeCode = f.in(f.extValueCode(ext))
				c.FacilityTypeDisplay = f.in(f.strb(ext, "valueCoding", "display"))
				return true
			}
			return false
		})
		f.leave()
	}
	if prov := f.get(root, "provider", "identifier"); prov != nil {
		f.enter("provider")
		f.enter("identifier")
		c.ProviderID = f.str(prov, "value")
		c.ProviderIDSystem = f.in(f.strb(prov, "system"))
		f.leave()
		f.leave()
	}
	if org := f.get(root, "organization", "identifier"); org != nil {
		f.enter("organization")
		f.enter("identifier")
		if sys := f.strb(org, "system"); string(sys) == sysNPI || string(sys) == sysNPIAlt {
			c.OrganizationNPI = f.str(org, "value")
		}
		f.leave()
		f.leave()
	}
	if h := f.get(root, "hospitalization"); h != nil {
		f.enter("hospitalization")
		f.extensions(h, extCtx{element: elemHospital}, nil)
		f.leave()
	}
	f.insurance(root)
}

// claimType reads type.coding[] in one pass: the eob-type, the NCH claim
// type (code and display), and in STU3 the near-line record and service
// classification codes.
func (f *Flattener) claimType(root *fastjson.Value) {
	c := f.c
	cs := f.arr(root, "type", "coding")
	if len(cs) == 0 {
		return
	}
	f.enter("type")
	defer f.leave()
	for i, cd := range cs {
		if !f.enterElem("coding", i, cd) {
			return
		}
		switch string(f.strb(cd, "system")) {
		case sysEOBType:
			if c.ClaimType == "" {
				c.ClaimType = f.in(f.strb(cd, "code"))
			}
		case sysNCHClaimType:
			if c.ClaimTypeCode == "" {
				c.ClaimTypeCode = f.in(f.strb(cd, "code"))
				c.ClaimTypeDisplay = f.in(f.strb(cd, "display"))
			}
		case urlNearLine:
			c.NearLineRecordCode = f.in(f.strb(cd, "code"))
		case urlSrvcClsfctn:
			c.ServiceClassificationCode = f.in(f.strb(cd, "code"))
		}
		f.leave()
	}
}

// insurance sends the extensions of insurance.coverage (an array of
// insurance in R4, one object in STU3) to rec.Extensions.
func (f *Flattener) insurance(root *fastjson.Value) {
	ins := f.get(root, "insurance")
	if ins == nil {
		return
	}
	one := func(v *fastjson.Value) {
		if cov := f.get(v, "coverage"); cov != nil && cov.Type() == fastjson.TypeObject {
			f.enter("coverage")
			f.extensions(cov, extCtx{element: elemCoverage}, nil)
			f.leave()
		}
	}
	switch ins.Type() {
	case fastjson.TypeArray:
		a, _ := ins.Array()
		for i, v := range a {
			if !f.enterElem("insurance", i, v) {
				return
			}
			one(v)
			f.leave()
		}
	case fastjson.TypeObject:
		f.enter("insurance")
		one(ins)
		f.leave()
	}
}

// rootExtensions reads the EOB-level extensions: the MBI extensions AB2D
// appends (all of them to rec.MBIs in order, the first current one to
// Claim.MBI; without a value they are skipped), the near-line record and
// service classification codes (R4); every other one goes to
// rec.Extensions.
func (f *Flattener) rootExtensions(root *fastjson.Value) {
	c := f.c
	f.extensions(root, extCtx{element: elemEOB}, func(url []byte, ext *fastjson.Value) bool {
		switch string(url) {
		case urlMBIExt:
			f.mbi(ext)
			return true
		case urlNearLine:
			c.NearLineRecordCode = f.in(f.extValueCode(ext))
			return true
		case urlSrvcClsfctn:
			c.ServiceClassificationCode = f.in(f.extValueCode(ext))
			return true
		}
		return false
	})
}

// mbi reads one MBI extension.
func (f *Flattener) mbi(ext *fastjson.Value) {
	f.enter("valueIdentifier")
	defer f.leave()
	vi := f.get(ext, "valueIdentifier")
	if vi == nil || string(f.strb(vi, "system")) != sysMBI {
		return
	}
	value := f.str(vi, "value")
	currency := f.in(f.extCode(vi, urlCurrency))
	if value != "" {
		f.rec.BeneficiaryMBIs = append(f.rec.BeneficiaryMBIs, BeneficiaryMBIsRow{MBI: value, Currency: currency})
		if currency == "current" && f.c.MBI == "" {
			f.c.MBI = value
		}
	}
}

// careTeam reads one CareTeam row per careTeam entry.
func (f *Flattener) careTeam(root *fastjson.Value) {
	for i, m := range f.arr(root, "careTeam") {
		if !f.enterElem("careTeam", i, m) {
			return
		}
		seq := f.seq(m, "sequence")
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
		}
		role, _, roleDisplay := f.coding(m, "role", nil)
		row.Role = f.in(role)
		row.RoleDisplay = f.in(roleDisplay)
		qual, _, _ := f.coding(m, "qualification", isSpecialtySystem)
		row.Qualification = f.in(qual)
		row.TaxonomyCode = f.in(f.codeBySystem(m, "qualification", sysNUCCTaxonomy))
		f.extensions(m, extCtx{element: elemCareTeam, seq: Int{seq, true}}, func(url []byte, ext *fastjson.Value) bool {
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

// isSpecialtySystem says whether system is the BFD provider specialty code
// system (PRVDR_SPCLTY).
func isSpecialtySystem(system []byte) bool { return string(system) == sysPrvdrSpclty }

// diagnoses reads one Diagnosis row per diagnosis entry that has a
// diagnosisCodeableConcept (entries with only a packageCode carry the STU3
// DRG and are not diagnoses), and sets the principal diagnosis code.
//
// DiagnosisNumber is the row's 1-based position among these rows: BFD v1
// lists the DRG first, numbered 1 or without a sequence, so the STU3
// sequences of a claim with a DRG are one higher than the R4 ones while the
// numbers are the same in both versions.
func (f *Flattener) diagnoses(root *fastjson.Value) {
	for i, d := range f.arr(root, "diagnosis") {
		if !f.enterElem("diagnosis", i, d) {
			return
		}
		if f.get(d, "diagnosisCodeableConcept") == nil {
			f.leave()
			continue
		}
		var row ClaimDiagnosesRow
		row.Sequence = f.seq(d, "sequence")
		row.DiagnosisNumber = Int{int64(len(f.rec.ClaimDiagnoses) + 1), true}
		code, system := f.preferredCoding(d, "diagnosisCodeableConcept", isICDSystem)
		row.Code = f.copyString(code)
		row.CodeSystem = f.in(system)
		principal := false
		row.DiagnosisType, row.DiagnosisRole, principal = f.diagnosisType(d)
		poa, _ := f.firstCoding(d, "onAdmission")
		row.PresentOnAdmission = f.in(poa)
		f.extensions(d, extCtx{element: elemDiagnosis, seq: Int{row.Sequence, true}}, func(url []byte, ext *fastjson.Value) bool {
			if hasPrefix(url, urlPOAPrefix) || hasPrefix(url, urlExtPOAPrefix) {
				if row.PresentOnAdmission == "" {
					row.PresentOnAdmission = f.in(f.extValueCode(ext))
				}
				return true
			}
			return false
		})
		if principal && f.c.PrincipalDiagnosisCode == "" {
			f.c.PrincipalDiagnosisCode = row.Code
		}
		if f.c.AdmittingDiagnosisCode == "" && hasToken(row.DiagnosisType, "admitting") {
			f.c.AdmittingDiagnosisCode = row.Code
		}
		f.rec.ClaimDiagnoses = append(f.rec.ClaimDiagnoses, row)
		f.leave()
	}
}

// hasToken says whether the comma-separated list has the token.
func hasToken(list, token string) bool {
	for len(list) > 0 {
		i := strings.IndexByte(list, ',')
		if i < 0 {
			return list == token
		}
		if list[:i] == token {
			return true
		}
		list = list[i+1:]
	}
	return false
}

// Normalized diagnosis roles (claim_diagnoses.diagnosis_role), in the order
// they are listed when a diagnosis has several.
const (
	dxRolePrincipal = 1 << iota
	dxRoleAdmitting
	dxRoleSecondary
	dxRoleExternalCause
	dxRoleReasonForVisit
)

// dxRoleNames are the names of the dxRole bits, in bit order.
var dxRoleNames = [...]string{"principal", "admitting", dxRoleSecondaryName, "external_cause", "reason_for_visit"}

// dxRoleSecondaryName is the role of a diagnosis without a type code.
const dxRoleSecondaryName = "secondary"

// dxRoleOf maps a diagnosis type code of either vocabulary to its dxRole
// bit, or 0 for a code it does not know:
//   - principal, admitting: the same code in BFD v2 (ex-diagnosistype) and
//     BFD v1 (diagnosis-type);
//   - secondary: BFD v2 C4BB other and secondary, BFD v1 other;
//   - external_cause: BFD v2 externalcauseofinjury, BFD v1 external-first
//     and external;
//   - reason_for_visit: BFD v2 patientreasonforvisit, BFD v1
//     reason-for-visit.
func dxRoleOf(code []byte) int {
	switch string(code) {
	case "principal":
		return dxRolePrincipal
	case "admitting":
		return dxRoleAdmitting
	case "other", "secondary":
		return dxRoleSecondary
	case "externalcauseofinjury", "external-first", "external":
		return dxRoleExternalCause
	case "patientreasonforvisit", "reason-for-visit":
		return dxRoleReasonForVisit
	}
	return 0
}

// diagnosisType joins the codes of all type[].coding[] with "," (types),
// maps them to the normalized roles (see dxRoleOf; a diagnosis without a
// type code is secondary, as BFD v1 leaves the other diagnoses of most
// claim types untyped; codes it does not know are kept, after the known
// roles) and says whether one of them is "principal".
func (f *Flattener) diagnosisType(d *fastjson.Value) (types, roles string, principal bool) {
	f.buf = f.buf[:0]
	known, unknown := 0, 0
	for i, t := range f.arr(d, "type") {
		if !f.enterElem("type", i, t) {
			return "", "", false
		}
		for j, c := range f.arr(t, "coding") {
			if !f.enterElem("coding", j, c) {
				return "", "", false
			}
			code := f.strb(c, "code")
			if len(code) > 0 {
				if len(f.buf) > 0 {
					f.buf = append(f.buf, ',')
				}
				f.buf = append(f.buf, code...)
				principal = principal || string(code) == "principal"
				if r := dxRoleOf(code); r != 0 {
					known |= r
				} else {
					unknown++
				}
			}
			f.leave()
		}
		f.leave()
	}
	types = f.in(f.buf)
	switch {
	case len(f.buf) == 0:
		return types, dxRoleSecondaryName, principal
	case unknown == 0 && known&(known-1) == 0: // one known role: no allocation
		return types, dxRoleNames[bits.TrailingZeros(uint(known))], principal
	}
	f.buf = f.buf[:0]
	for i, name := range dxRoleNames {
		if known&(1<<i) != 0 {
			f.buf = appendToken(f.buf, name)
		}
	}
	if unknown > 0 {
		for _, code := range strings.Split(types, ",") {
			if dxRoleOf([]byte(code)) == 0 {
				f.buf = appendToken(f.buf, code)
			}
		}
	}
	return types, f.in(f.buf), principal
}

// appendToken appends token to the comma-separated list b.
func appendToken(b []byte, token string) []byte {
	if len(b) > 0 {
		b = append(b, ',')
	}
	return append(b, token...)
}

// procedures reads one Procedure row per procedure entry.
func (f *Flattener) procedures(root *fastjson.Value) {
	for i, p := range f.arr(root, "procedure") {
		if !f.enterElem("procedure", i, p) {
			return
		}
		var row ClaimProceduresRow
		row.Sequence = f.seq(p, "sequence")
		code, system := f.firstCoding(p, "procedureCodeableConcept")
		row.Code = f.copyString(code)
		row.CodeSystem = f.in(system)
		row.ProcedureDate = parseDate(f.strb(p, "date"))
		f.rec.ClaimProcedures = append(f.rec.ClaimProcedures, row)
		f.leave()
	}
}

// items reads one Line row per item and records in f.lnk the care-team
// sequences the items link to.
func (f *Flattener) items(root *fastjson.Value) {
	f.lnk = f.lnk[:0]
	institutional := isInstitutional(f.c.ClaimType, f.c.ClaimTypeCode)
	for i, it := range f.arr(root, "item") {
		if !f.enterElem("item", i, it) {
			return
		}
		var row ClaimLinesRow
		row.LineNumber = f.seq(it, "sequence")
		ctx := extCtx{line: Int{row.LineNumber, true}}

		row.HCPCSCode = f.copyString(f.codeBySystem(it, f.d.productKey, sysHCPCS, sysHCPCSVar))
		row.NDCCode = f.copyString(f.d.lineNDC(f, it))
		row.ServiceDate = parseDate(f.strb(it, "servicedDate"))
		row.ServiceStart = parseDate(f.strb(it, "servicedPeriod", "start"))
		row.ServiceEnd = parseDate(f.strb(it, "servicedPeriod", "end"))
		row.Quantity = f.num(it, "quantity", "value")
		if q := f.get(it, "quantity"); q != nil {
			f.enter("quantity")
			ctx.element = elemQuantity
			f.extensions(q, ctx, nil)
			f.leave()
		}
		if f.d == &r4Dialect && institutional {
			// BFD v2 puts REV_CNTR_NDC_QTY in item.quantity and its
			// qualifier in a modifier of institutional lines: coded in
			// …/rev_cntr_ndc_qty_qlfr_cd (AB2D's R4 samples; the STU3
			// extension's valueQuantity.code has the same code), or in UCUM
			// (raw BFD v2). The first wins.
			row.NDCQuantity = row.Quantity
			var ucum string
			for j, m := range f.arr(it, "modifier") {
				if !f.enterElem("modifier", j, m) {
					break
				}
				for k, c := range f.arr(m, "coding") {
					if !f.enterElem("coding", k, c) {
						break
					}
					switch string(f.strb(c, "system")) {
					case sysNDCQtyQualifier:
						if row.NDCQuantityUnit == "" {
							row.NDCQuantityUnit = f.in(f.strb(c, "code"))
						}
					case sysUnitsOfMeasure:
						if ucum == "" {
							ucum = f.in(f.strb(c, "code"))
						}
					}
					f.leave()
				}
				f.leave()
			}
			if row.NDCQuantityUnit == "" {
				row.NDCQuantityUnit = ucum
			}
		}
		if rev := f.get(it, "revenue"); rev != nil {
			code, _ := f.firstCoding(it, "revenue")
			row.RevenueCenterCode = f.in(code)
			f.enter("revenue")
			ctx.element = elemRevenue
			f.extensions(rev, ctx, nil)
			f.leave()
		}
		if loc := f.get(it, "locationCodeableConcept"); loc != nil {
			code, _, display := f.codingBySystem(it, "locationCodeableConcept", sysPlaceOfSrvc)
			row.PlaceOfService = f.in(code)
			row.PlaceOfServiceDisplay = f.in(display)
			f.enter("locationCodeableConcept")
			ctx.element = elemLocation
			f.extensions(loc, ctx, func(url []byte, ext *fastjson.Value) bool { return f.lineExtension(&row, url, ext) })
			f.leave()
		}
		if row.ProviderStateCode == "" {
			row.ProviderStateCode = f.in(f.strb(it, "locationAddress", "state"))
		}
		ctx.element = elemItem
		f.extensions(it, ctx, func(url []byte, ext *fastjson.Value) bool { return f.lineExtension(&row, url, ext) })
		if prod := f.get(it, f.d.productKey); prod != nil {
			f.enter(f.d.productKey)
			ctx.element = f.d.productElem
			f.extensions(prod, ctx, func(url []byte, ext *fastjson.Value) bool { return f.lineExtension(&row, url, ext) })
			f.leave()
		}
		for j, adj := range f.arr(it, "adjudication") {
			if !f.enterElem("adjudication", j, adj) {
				break
			}
			f.extensions(adj, extCtx{element: elemAdjudication, line: Int{row.LineNumber, true}, seq: Int{int64(j + 1), true}}, nil)
			f.leave()
		}

		start := len(f.lnk)
		for j, v := range f.arr(it, f.d.careTeamLinkKey) {
			f.at = append(f.at, pathElem{f.d.careTeamLinkKey, j})
			if n, ok := f.intValue(v); ok {
				f.lnk = append(f.lnk, n)
			}
			f.leave()
		}
		row.RenderingNPI = f.lineRenderingNPI(f.lnk[start:])
		row.CareTeamSequences = f.joinInts(f.lnk[start:])
		row.DiagnosisSequences = f.diagnosisLinks(it)
		f.rec.ClaimLines = append(f.rec.ClaimLines, row)
		f.leave()
	}
}

// diagnosisLinks returns the item's diagnosis sequences, comma-separated.
func (f *Flattener) diagnosisLinks(it *fastjson.Value) string {
	links := f.arr(it, f.d.diagnosisLinkKey)
	if len(links) == 0 {
		return ""
	}
	f.buf = f.buf[:0]
	for j, v := range links {
		f.at = append(f.at, pathElem{f.d.diagnosisLinkKey, j})
		if n, ok := f.intValue(v); ok {
			if len(f.buf) > 0 {
				f.buf = append(f.buf, ',')
			}
			f.buf = strconv.AppendInt(f.buf, n, 10)
		}
		f.leave()
	}
	return f.in(f.buf)
}

// lineExtension takes the line-level extensions that map to claim_lines
// columns, wherever BFD puts them (item, item.service / productOrService,
// item.locationCodeableConcept; the places differ between the versions).
func (f *Flattener) lineExtension(row *ClaimLinesRow, url []byte, ext *fastjson.Value) bool {
	switch string(url) {
	case urlPrvdrStateCd:
		row.ProviderStateCode = f.in(f.extValueCode(ext))
	case urlPrvdrZip:
		row.ProviderZipCode = f.str(ext, "valueCoding", "code")
	case urlPrcngLcltyCd:
		row.PricingLocalityCode = f.in(f.extValueCode(ext))
	case urlCLIALabNum:
		row.CLIALabNumber = f.str(ext, "valueIdentifier", "value")
	case urlSupplrTypeCd:
		row.SupplierTypeCode = f.in(f.extValueCode(ext))
	case urlPrcngStateCd:
		row.PricingStateCode = f.in(f.extValueCode(ext))
	case urlAnsthsaUnitCnt:
		row.AnesthesiaUnitCount = f.num(ext, "valueQuantity", "value")
	case urlRevCntrNDCQty:
		row.NDCQuantity = f.num(ext, "valueQuantity", "value")
		row.NDCQuantityUnit = f.in(f.strb(ext, "valueQuantity", "code"))
	case sysNDC, urlRevCntrNDC:
		// ndc_code, read by the dialect's lineNDC
	default:
		return false
	}
	return true
}

// lineRenderingNPI returns the NPI of the first linked care-team member with
// a rendering role of the dialect; failing that, the NPI of the only linked
// member when there is exactly one.
func (f *Flattener) lineRenderingNPI(links []int64) string {
	only, found := "", 0
	for _, seq := range links {
		m := f.member(seq)
		if m == nil {
			continue
		}
		found++
		if m.ProviderIDType != "npi" || m.ProviderID == "" {
			continue
		}
		if f.d.isLineRenderingRole(m.Role) {
			return m.ProviderID
		}
		only = m.ProviderID
	}
	if found == 1 {
		return only
	}
	return ""
}

// smallSet is the size up to which member and linked search linearly;
// beyond it they build a map, so that hostile lines with huge care teams
// and link lists cannot make flattening quadratic.
const smallSet = 32

// member returns the first care-team row with the given sequence, or nil.
func (f *Flattener) member(seq int64) *ClaimCareTeamRow {
	team := f.rec.ClaimCareTeam
	if len(team) <= smallSet {
		for i := range team {
			if team[i].Sequence == seq {
				return &team[i]
			}
		}
		return nil
	}
	if f.teamIdx == nil {
		f.teamIdx = make(map[int64]int, len(team))
		for i := len(team) - 1; i >= 0; i-- {
			f.teamIdx[team[i].Sequence] = i
		}
	}
	if i, ok := f.teamIdx[seq]; ok {
		return &team[i]
	}
	return nil
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

// ---- FHIR version detection ----

// detectVersion decides per resource whether an EOB is R4 or STU3.
//
// Rule: the EOB is R4 when any element or code system that only R4 uses is
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
func detectVersion(root *fastjson.Value) *dialect {
	if isR4(root) {
		return &r4Dialect
	}
	return &stu3Dialect
}

func isR4(root *fastjson.Value) bool {
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
func hasKey(v *fastjson.Value, keys ...string) bool {
	o, err := v.Object()
	if err != nil {
		return false
	}
	found := false
	o.Visit(func(k []byte, _ *fastjson.Value) {
		for _, key := range keys {
			found = found || string(k) == key
		}
	})
	return found
}

// arrayOf returns v's elements when v is an array, else nil.
func arrayOf(v *fastjson.Value) []*fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeArray {
		return nil
	}
	a, _ := v.Array()
	return a
}

// dialect holds what differs between the FHIR versions.
type dialect struct {
	name             string // Claim.FHIRVersion
	productKey       string // item element holding the HCPCS coding
	productElem      string // "item." + productKey, for claim_extensions.element
	careTeamLinkKey  string // item element listing care-team sequences
	diagnosisLinkKey string // item element listing diagnosis sequences
	infoKey          string // supportingInfo (R4) or information (STU3)

	// providerIDType classifies a care-team provider identifier.
	providerIDType func(f *Flattener, system, typeCode []byte) string
	// drg returns the DRG code of the EOB.
	drg func(f *Flattener, root *fastjson.Value) string
	// lineNDC returns the NDC of an item.
	lineNDC func(f *Flattener, item *fastjson.Value) []byte
	// isLineRenderingRole says whether a role linked from an item marks
	// its rendering/performing provider.
	isLineRenderingRole func(role string) bool
	// careTeamRoles sets the RoleNormalized of each f.rec.ClaimCareTeam member
	// (from its role, and f.lnk); the claim's provider columns follow from
	// them (see claimNPIs).
	careTeamRoles func(f *Flattener)
}

// ---- generic accessors with type checking ----
//
// All accessors take a parent value and a path of object keys. A missing
// key or a JSON null reads as absent. A present value of the wrong JSON type
// records an error naming its location (first error wins) and reads as
// absent, so callers can carry on and check f.err at the end.

// enter pushes an object key on the location stack.
func (f *Flattener) enter(key string) { f.at = append(f.at, pathElem{key, -1}) }

// enterElem pushes key[i] on the location stack after checking that the
// element is an object; on a non-object it records an error and returns
// false without pushing.
func (f *Flattener) enterElem(key string, i int, v *fastjson.Value) bool {
	f.at = append(f.at, pathElem{key, i})
	if v.Type() != fastjson.TypeObject {
		f.failHere("not an object")
		f.leave()
		return false
	}
	return true
}

// leave pops the location stack.
func (f *Flattener) leave() { f.at = f.at[:len(f.at)-1] }

// fail records err for the location stack plus keys.
func (f *Flattener) fail(keys []string, msg string) {
	if f.err != nil {
		return
	}
	var b strings.Builder
	for _, e := range f.at {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
		if e.idx >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.idx))
			b.WriteByte(']')
		}
	}
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	b.WriteString(": ")
	b.WriteString(msg)
	f.err = errors.New(b.String())
}

// failHere records err at the current location.
func (f *Flattener) failHere(msg string) { f.fail(nil, msg) }

// get walks keys from v through objects and returns the value found, or nil
// when absent or null. An intermediate non-object is an error.
func (f *Flattener) get(v *fastjson.Value, keys ...string) *fastjson.Value {
	for i, k := range keys {
		if v == nil || v.Type() == fastjson.TypeNull {
			return nil
		}
		if v.Type() != fastjson.TypeObject {
			f.fail(keys[:i], "not an object")
			return nil
		}
		v = v.Get(k)
	}
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil
	}
	return v
}

// strb returns the string at keys without copying (valid until the next
// parse), or nil when absent. A non-string is an error.
func (f *Flattener) strb(v *fastjson.Value, keys ...string) []byte {
	v = f.get(v, keys...)
	if v == nil {
		return nil
	}
	if v.Type() != fastjson.TypeString {
		f.fail(keys, "not a string")
		return nil
	}
	b, _ := v.StringBytes()
	return b
}

// str is strb copied into a string (see copyString).
func (f *Flattener) str(v *fastjson.Value, keys ...string) string {
	return f.copyString(f.strb(v, keys...))
}

// arenaChunk is the size of the blocks copyString carves strings from.
const arenaChunk = 8 << 10

// copyString returns a copy of b as a string. The copies are carved from
// shared blocks that are never written again once handed out, which saves
// one allocation per string; a block stays alive while any string of it
// is referenced.
func (f *Flattener) copyString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaChunk/8 {
		return string(b)
	}
	if cap(f.mem)-len(f.mem) < len(b) {
		f.mem = make([]byte, 0, arenaChunk)
	}
	start := len(f.mem)
	f.mem = append(f.mem, b...)
	return unsafe.String(&f.mem[start], len(b))
}

// arr returns the array at keys, or nil when absent. A non-array is an error.
func (f *Flattener) arr(v *fastjson.Value, keys ...string) []*fastjson.Value {
	v = f.get(v, keys...)
	if v == nil {
		return nil
	}
	if v.Type() != fastjson.TypeArray {
		f.fail(keys, "not an array")
		return nil
	}
	a, _ := v.Array()
	return a
}

// seq returns the required integer at v.key (a sequence number). Absent or
// not an integer is an error.
func (f *Flattener) seq(v *fastjson.Value, key string) int64 {
	n := f.get(v, key)
	if n == nil {
		f.fail([]string{key}, "missing")
		return 0
	}
	f.enter(key)
	i, _ := f.intValue(n)
	f.leave()
	return i
}

// intValue returns v as an integer; a non-integer is an error at the current
// location.
func (f *Flattener) intValue(v *fastjson.Value) (int64, bool) {
	if v.Type() != fastjson.TypeNumber {
		f.failHere("not an integer")
		return 0, false
	}
	n, err := v.Int64()
	if err != nil {
		f.failHere("not an integer")
		return 0, false
	}
	return n, true
}

// num returns the number at keys as a Float, NULL when absent. A non-number
// (or NaN/Inf) is an error.
func (f *Flattener) num(v *fastjson.Value, keys ...string) Float {
	v = f.get(v, keys...)
	if v == nil {
		return Float{}
	}
	if v.Type() != fastjson.TypeNumber {
		f.fail(keys, "not a number")
		return Float{}
	}
	x, err := v.Float64()
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(keys, "not a finite number")
		return Float{}
	}
	return Float{V: x, Valid: true}
}

// codeBySystem returns the code of the first coding of the CodeableConcept
// parent.key whose system is one of systems, or nil.
func (f *Flattener) codeBySystem(parent *fastjson.Value, key string, systems ...string) []byte {
	cs := f.arr(parent, key, "coding")
	if len(cs) == 0 {
		return nil
	}
	f.enter(key)
	defer f.leave()
	for i, c := range cs {
		if !f.enterElem("coding", i, c) {
			return nil
		}
		sys := f.strb(c, "system")
		for _, s := range systems {
			if string(sys) == s {
				code := f.strb(c, "code")
				f.leave()
				return code
			}
		}
		f.leave()
	}
	return nil
}

// firstCoding returns the code and system of the first coding of the
// CodeableConcept parent.key.
func (f *Flattener) firstCoding(parent *fastjson.Value, key string) (code, system []byte) {
	code, system, _ = f.coding(parent, key, nil)
	return code, system
}

// preferredCoding returns the code and system of the first coding of the
// CodeableConcept parent.key whose system satisfies prefer, else of its
// first coding. A nil prefer takes the first coding.
func (f *Flattener) preferredCoding(parent *fastjson.Value, key string, prefer func([]byte) bool) (code, system []byte) {
	code, system, _ = f.coding(parent, key, prefer)
	return code, system
}

// coding is preferredCoding that also returns the coding's display.
func (f *Flattener) coding(parent *fastjson.Value, key string, prefer func([]byte) bool) (code, system, display []byte) {
	cs := f.arr(parent, key, "coding")
	if len(cs) == 0 {
		return nil, nil, nil
	}
	f.enter(key)
	defer f.leave()
	chosen := 0
	for i, c := range cs {
		if !f.enterElem("coding", i, c) {
			return nil, nil, nil
		}
		sys := f.strb(c, "system")
		f.leave()
		if prefer == nil {
			break
		}
		if prefer(sys) {
			chosen = i
			break
		}
	}
	f.at = append(f.at, pathElem{"coding", chosen})
	code, system, display = f.strb(cs[chosen], "code"), f.strb(cs[chosen], "system"), f.strb(cs[chosen], "display")
	f.leave()
	return code, system, display
}

// codingBySystem returns the code and display of the first coding of the
// CodeableConcept parent.key whose system is system, or nils.
func (f *Flattener) codingBySystem(parent *fastjson.Value, key, system string) (code, sys, display []byte) {
	cs := f.arr(parent, key, "coding")
	if len(cs) == 0 {
		return nil, nil, nil
	}
	f.enter(key)
	defer f.leave()
	for i, c := range cs {
		if !f.enterElem("coding", i, c) {
			return nil, nil, nil
		}
		if s := f.strb(c, "system"); string(s) == system {
			code, display = f.strb(c, "code"), f.strb(c, "display")
			f.leave()
			return code, s, display
		}
		f.leave()
	}
	return nil, nil, nil
}

// isICDSystem says whether system is an ICD-9/ICD-10 diagnosis code system.
func isICDSystem(system []byte) bool {
	switch string(system) {
	case sysICD10, sysICD10CM, sysICD9CM, sysICD9:
		return true
	}
	return false
}

// extCode returns v.extension[url=one of urls].valueCoding.code of the first
// matching extension, or nil.
func (f *Flattener) extCode(v *fastjson.Value, urls ...string) []byte {
	for i, ext := range f.arr(v, "extension") {
		if !f.enterElem("extension", i, ext) {
			return nil
		}
		u := f.strb(ext, "url")
		for _, url := range urls {
			if string(u) == url {
				code := f.strb(ext, "valueCoding", "code")
				f.leave()
				return code
			}
		}
		f.leave()
	}
	return nil
}

// hasPrefix is strings.HasPrefix for a byte slice without copying.
func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// in returns b as a string, interning it: use for low-cardinality values
// (codes, systems, roles) to save allocations.
func (f *Flattener) in(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := f.tbl[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(f.tbl) < maxIntern {
		f.tbl[s] = s
	}
	return s
}

// ---- dates and instants ----

// parseDate parses a FHIR date "YYYY-MM-DD", or the date part of a dateTime
// "YYYY-MM-DDThh:mm:ss…". Partial dates, invalid dates and anything else
// give NULL.
func parseDate(b []byte) Date {
	if len(b) < 10 || (len(b) > 10 && b[10] != 'T') || b[4] != '-' || b[7] != '-' {
		return Date{}
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return Date{}
	}
	return Date{Days: daysFromCivil(y, m, d), Valid: true}
}

// digits parses an unsigned decimal of only ASCII digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= 0 here
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// parseInstant parses meta.lastUpdated (RFC 3339 with optional fractional
// seconds and a required offset) into UTC microseconds; anything else gives
// NULL.
func parseInstant(b []byte) Instant {
	if len(b) < 20 {
		return Instant{}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return Instant{}
	}
	return Instant{Micros: t.UnixMicro(), Valid: true}
}

// ---- small utilities ----

// typeName names a JSON type for error messages.
func typeName(t fastjson.Type) string {
	switch t {
	case fastjson.TypeArray:
		return "an array"
	case fastjson.TypeString:
		return "a string"
	case fastjson.TypeNumber:
		return "a number"
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return "a boolean"
	case fastjson.TypeNull:
		return "null"
	}
	return t.String()
}

// clip shortens b to at most n bytes for error messages, on a rune boundary.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}
