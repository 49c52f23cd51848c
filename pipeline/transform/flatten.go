package transform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"unicode/utf8"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
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

// MaxReason bounds the reason Flatten gives for rejecting a line.
const MaxReason = 500

// maxIntern bounds the per-Flattener table of interned low-cardinality
// strings (codes, code systems, roles), so hostile input cannot grow it.
const maxIntern = 4096

// Flattener turns one JSON resource into a Record. Not safe for concurrent
// use; one per worker goroutine. It reuses its parser and scratch space
// between calls.
type Flattener struct {
	p jsontree.Parser

	rec *Record    // record being filled
	c   *ClaimsRow // the claim row of rec, while an EOB is flattened
	d   *dialect   // FHIR-version specific rules of the current EOB
	err error      // why the current line is rejected (see fail)
	col column     // the column being read, for what does not fit it (see at)
	raw []byte     // scratch for the raw value of what does not fit
	// strict makes what does not fit reject the line: while what
	// identifies it is read.
	strict bool
	at     []pathElem        // location in the resource, for error messages
	buf    []byte            // scratch for building strings (diagnosis types)
	lnk    []int64           // scratch: care-team sequences linked from items
	tbl    map[string]string // interned strings
	// inCache holds interned strings met last, by their length and first
	// and last bytes: most are found here with one comparison, without
	// hashing them for tbl (see in).
	inCache [256]string
	mem     []byte // arena for the strings of the records, see copyString

	// The codings walk (see codings): the tree of the paths of object keys
	// it has met, its size, and a hash table of the codings of the EOB
	// (see addCoding).
	paths  *pathNode
	npaths int
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
// child rows; an OperationOutcome gives KindOperationOutcome with one row
// of export_errors per issue. The FHIR version (R4 or STU3) is detected per
// resource, see detectVersion.
//
// A value of an EOB that does not fit its column (a date that is not one,
// a string where an object belongs, …) does not reject the line: the
// column is NULL (or the element is left out) and the value is kept as a
// row of rec.FieldIssues, see FieldError.
func (f *Flattener) Flatten(line []byte, rec *Record) error {
	root, err := f.parse(line)
	if err != nil {
		rec.Reset()
		return err
	}
	return f.resource(root, rec)
}

// FlattenAll flattens a line that holds one resource, as Flatten does, or
// a Bundle of them (what BFD's and Blue Button's APIs return: a searchset
// of EOBs in one document). It calls fn once per resource, with the
// resource's 1-based position in the Bundle's entry list (0 for a line
// that is one resource) and the reason it is rejected, or nil when rec
// holds its rows; rec is reset before the next call.
func (f *Flattener) FlattenAll(line []byte, rec *Record, fn func(entry int, err error)) {
	root, err := f.parse(line)
	if err != nil {
		rec.Reset()
		fn(0, err)
		return
	}
	if string(root.GetStringBytes("resourceType")) != "Bundle" {
		fn(0, f.resource(root, rec))
		return
	}
	entries := root.Get("entry")
	if entries == nil || entries.Type() != jsontree.TypeArray || len(entries.GetArray()) == 0 {
		rec.Reset()
		fn(0, errors.New("a Bundle without entries (Bundle.entry is absent, empty or not an array)"))
		return
	}
	for i, e := range entries.GetArray() {
		res := e.Get("resource")
		if res == nil || res.Type() != jsontree.TypeObject {
			rec.Reset()
			fn(i+1, fmt.Errorf("Bundle.entry[%d] has no resource object", i))
			continue
		}
		fn(i+1, f.resource(res, rec))
	}
}

// parse checks and parses one line.
func (f *Flattener) parse(line []byte) (*jsontree.Value, error) {
	if err := checkBytes(line); err != nil {
		return nil, err
	}
	root, err := f.p.Parse(line)
	if err != nil {
		return nil, clipped(fmt.Errorf("invalid JSON: %v", err))
	}
	if t := root.Type(); t != jsontree.TypeObject {
		return nil, fmt.Errorf("not a JSON object but %s", typeName(t))
	}
	return root, nil
}

// clipped bounds the message of err to MaxReason bytes: a parser's message
// about a hostile line (deep nesting, say) can repeat itself for kilobytes.
func clipped(err error) error {
	if msg := err.Error(); len(msg) > MaxReason {
		return errors.New(clip([]byte(msg), MaxReason))
	}
	return err
}

// resource flattens one parsed resource into rec.
func (f *Flattener) resource(root *jsontree.Value, rec *Record) (err error) {
	rec.Reset()
	f.rec, f.d, f.err, f.at, f.col, f.strict = rec, nil, nil, f.at[:0], "", false
	f.teamIdx, f.lnkSet = nil, nil
	defer func() {
		if !f.panics {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error while flattening: %v", r)
			}
		}
		if err != nil {
			rec.Reset()
			err = clipped(err)
		}
		f.rec, f.d, f.c = nil, nil, nil
	}()
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

// checkBytes rejects what the parser would accept but is not JSON text we
// want to load: blank lines, invalid UTF-8 and raw control characters
// (JSON allows only tab, LF and CR, as whitespace between tokens).
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
func (f *Flattener) operationOutcome(root *jsontree.Value) {
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
func (f *Flattener) eob(root *jsontree.Value) {
	f.rec.Claims = append(f.rec.Claims, ClaimsRow{})
	f.c = &f.rec.Claims[0] // the only claim row: the pointer stays valid
	c := f.c
	f.strict = true // an EOB without a usable id cannot be loaded
	c.EOBID = f.str(root, "id")
	f.strict = false
	if f.err != nil {
		return
	}
	f.d = detectVersion(root)
	if c.EOBID == "" && f.d.resourceID != nil {
		c.EOBID = f.d.resourceID(f, root)
	}
	if c.EOBID == "" {
		f.err = errors.New("ExplanationOfBenefit without id")
		return
	}
	c.FHIRVersion, c.APIVersion = f.d.name, f.d.api
	f.codings(root)
	f.header(root)
	if f.d.header != nil {
		f.d.header(f, root)
	}
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
	if f.d.finish != nil {
		f.d.finish(f, root)
	}
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
