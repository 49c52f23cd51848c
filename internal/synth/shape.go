package synth

import (
	"fmt"
	"strings"
)

// Shape selects the per-EOB statistics of the claims a Generator draws: the
// claim-type mix and how many diagnoses, care-team members, lines and
// procedures a claim has.
type Shape string

// The shapes a Generator can draw.
const (
	// ShapeDefault (the zero Shape) is the generator's own mix: every claim
	// type, several lines per claim, diagnosis links, NDCs, anesthesia and
	// lab lines (about 10 rows per EOB in the six data tables).
	ShapeDefault Shape = ""
	// ShapeAB2DSample draws the claim type and the per-EOB counts of each
	// claim from the AB2D sample export (the EOBs of AB2D's sandbox, see
	// sampleProfiles): mostly outpatient claims with a dozen diagnoses and
	// one line (about 19 rows and 6.9 KB per R4 EOB). Its statistics are
	// calibrated for the R4 rendering; the STU3 rendering of the same
	// claims is valid but not calibrated. Unless set, VersionRate and
	// HistoricMBIRate are none, as in the sample.
	ShapeAB2DSample Shape = "ab2d-sample"
)

// ParseShape parses a shape name: "default" (or "") or "ab2d-sample".
func ParseShape(s string) (Shape, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "default":
		return ShapeDefault, nil
	case string(ShapeAB2DSample):
		return ShapeAB2DSample, nil
	}
	return "", fmt.Errorf("synth: unknown shape %q (want default or ab2d-sample)", s)
}

// String returns the shape's name ("default" for the zero Shape).
func (s Shape) String() string {
	if s == ShapeDefault {
		return "default"
	}
	return string(s)
}

// sampleProfile is one combination of per-EOB counts of the AB2D sample
// export, with the number of its EOBs that have it. The counts are those of
// the sample's STU3 rendering; the r4* methods map them to the R4
// rendering of the same claims.
type sampleProfile struct {
	typ     int    // claim type (tCarrier, …)
	n       int    // EOBs of the sample with exactly these counts
	dx      int    // diagnoses with a code
	drg     bool   // a DRG (in STU3 an extra diagnosis with only a packageCode)
	team    string // the STU3 care-team roles, in order, joined by "+"
	proc    int    // ICD procedures
	lines   int    // items
	hdrExt  int    // EOB-level extensions
	lineExt int    // item extensions, all items
}

// STU3 care-team patterns of the sample (sampleProfile.team).
const (
	teamNone      = ""               // no care team
	teamAttending = "primary"        // the attending physician
	teamInstit    = "assist+primary" // operating (assist) and attending (primary)
)

// R4 mapping of the sample's STU3 counts. BFD v1 (STU3) and v2 (R4) render
// the same claim; AB2D trims v1 with a deny-list and v2 with an allow-list.
//
//   - Diagnoses: the same entries, less the DRG, which BFD v1 lists as a
//     diagnosis with only a packageCode and v2 as a supportingInfo entry,
//     the only supportingInfo AB2D's R4 allow-list keeps.
//   - Care team: not one-to-one. BFD v1 folds an attending physician who
//     also renders the line into one "primary" member, lists only the
//     physicians with a value, and puts the carrier/DME referring provider
//     in EOB.referral, which AB2D's STU3 trim removes; v2 lists attending,
//     operating, other operating and performing physicians separately and
//     the carrier's organization and the DME referring provider as members.
//     The 2 members of the sample's institutional claims therefore
//     understate R4; the R4 members are set so that the mean is the 3.3 per
//     EOB measured on the R4 rendering of the same export (issue 16):
//     assist+primary (outpatient, inpatient) → attending, operating, other
//     operating, performing (4); primary (hospice) → attending, performing
//     (2); none → carrier organization (1), DME referring (1), HHA and SNF
//     none (0).
//   - EOB-level extensions: the MBI (the sample's only one) plus the
//     near-line record code, which BFD v1 puts in type.coding and v2 in an
//     extension (AB2D's R4 allow-list keeps that one).
//   - Item extensions: AB2D's R4 allow-list keeps only carr_line_ansthsa_unit_cnt
//     (BFD v2 writes it on every carrier line) and dmerc_line_prcng_state_cd
//     and dmerc_line_supplr_type_cd (every DME line); the sample's STU3
//     items have none.
//   - Lines and procedures: the same.
//   - Line length: the R4 rendering is longer (C4BB identifier, role and
//     diagnosis-type codings, a type on every diagnosis, the profile), and
//     diagnoses are most of it. It is calibrated against the 6.9 KB per EOB
//     measured on the R4 export (sampleR4BytesPerEOB) by the one thing the
//     sample cannot tell, the diagnosis codings: one icd-10 coding without
//     display per diagnosis, as in AB2D's R4 fixtures, gives a mean within
//     2% of it; with the display (as the sample's STU3 has it) the mean
//     would be 7.5 KB, and with BFD v2's current icd-10-cm and icd-10
//     codings, both with display, 9 KB.

// sampleR4BytesPerEOB is the mean R4 line length of the real AB2D export
// (issue 16: 300 MB, 45,312 EOBs, "about 6.9 KB" each) that the R4
// rendering of ShapeAB2DSample is calibrated against.
const sampleR4BytesPerEOB = 6900

// r4CareTeam returns the R4 care-team members of a claim of profile p, or
// -1 for a pattern drawSampleDetails does not know.
func (p *sampleProfile) r4CareTeam() int {
	professional := p.typ == tCarrier || p.typ == tDME
	switch {
	case professional && p.team == teamNone:
		return 1
	case professional:
		return -1
	case p.team == teamInstit:
		return 4
	case p.team == teamAttending:
		return 2
	case p.team == teamNone:
		return 0
	}
	return -1
}

// r4SupportingInfo returns the R4 supportingInfo entries of profile p.
func (p *sampleProfile) r4SupportingInfo() int {
	if p.drg {
		return 1
	}
	return 0
}

// r4HeaderExt returns the R4 EOB-level extensions of profile p.
func (p *sampleProfile) r4HeaderExt() int { return p.hdrExt + 1 }

// r4LineExt returns the R4 item extensions of profile p.
func (p *sampleProfile) r4LineExt() int {
	switch p.typ {
	case tCarrier:
		return p.lines
	case tDME:
		return 2 * p.lines
	}
	return 0
}

// pickSampleProfile returns the index in sampleProfiles of the profile of
// the u-th EOB of the sample (0 <= u < sampleEOBs).
func pickSampleProfile(u int) int {
	for i := range sampleProfiles {
		u -= sampleProfiles[i].n
		if u < 0 {
			return i
		}
	}
	return len(sampleProfiles) - 1
}

// drawSampleDetails draws the rest of a claim of profile p after drawHeader:
// exactly p's counts, in the structure of the R4 mapping above.
func (d *drawer) drawSampleDetails(c *claim, p *sampleProfile) {
	r, b, t := d.r, c.bene, c.typ
	c.dxNoDisplay = true

	c.attending, c.operating, c.otherOp, c.referring = 0, 0, 0, 0
	c.nRendering = 0
	c.org, c.orgName = 0, ""
	switch {
	case t == tCarrier:
		i := d.org(b, t)
		c.org, c.orgName = d.pools.orgNPIs[i], orgNames[i]
	case t == tDME:
		c.referring = d.npi(b)
	default:
		i := d.org(b, t)
		c.org, c.orgName, c.ccn = d.pools.orgNPIs[i], orgNames[i], orgCCN(i, t)
		if p.team != teamNone {
			// The sample's attending physician renders the line, and is the
			// operating one too.
			c.attending = d.npi(b)
			c.rendering[0] = provider{npi: c.attending, prvdrType: -1}
			c.nRendering = 1
		}
		if p.team == teamInstit {
			c.operating = c.attending
			c.otherOp = d.npi(b)
		}
	}

	c.drg, c.drgSeq = "", 0
	if p.drg {
		c.drgSeq = 1
		c.drg = drgs[r.IntN(len(drgs))]
	}

	var used dxSet
	c.nDx = 0
	for i := range p.dx {
		kind := uint8(dkSecondary)
		switch {
		case i == 0 && p.dx > 1 && (t == tInpatient || t == tSNF):
			kind = dkAdmitting
		case i == 0 || (i == 1 && c.dx[0].kind == dkAdmitting):
			kind = dkPrincipal
		case t != tCarrier && t != tDME && t != tHHA:
			kind = dkOther
		}
		k := skewed(r, len(diagnoses))
		for !used.add(k) {
			k = skewed(r, len(diagnoses))
		}
		c.dx[i] = diagnosis{code: diagnoses[k], kind: kind}
		c.nDx++
	}

	c.nProc = p.proc
	for i := range p.proc {
		c.proc[i].day = c.start + r.IntN(c.end-c.start+1)
		c.proc[i].code = procedures[r.IntN(len(procedures))]
	}

	c.nLine = p.lines
	c.state = &states[c.bene.state]
	codes := hcpcsOf(t)
	for i := range p.lines {
		l := &c.lines[i]
		*l = line{rendering: -1, hcpcs: codes[skewed(r, len(codes))], day: c.start}
		if c.nRendering > 0 {
			l.rendering = 0
		}
		switch t {
		case tCarrier:
			l.dates = datesDayPeriod
			l.qty = 1 + r.IntN(23)
			l.pos = &posCarrier[r.IntN(len(posCarrier))]
			for j := 0; j < 6; j += 2 {
				v := r.IntN(100)
				l.zip[j], l.zip[j+1] = byte('0'+v/10), byte('0'+v%10)
			}
		case tDME:
			l.dates = datesClaim
			l.qty = 1
			l.pos = &posDME[r.IntN(len(posDME))]
			l.supplier = uint8(r.IntN(len(supplierTypes)))
			l.supplierNum = 1_000_000_000 + uint64(r.IntN(999_999_999))
		case tHospice:
			l.qty = 100 + r.IntN(150)
		case tHHA, tSNF:
			l.qty = 1
		}
		l.charge = int64(2_000 + r.IntN(40_000))
	}
	d.drawPayment(c)
}
