package synth

import (
	"math/rand/v2"
)

// This file draws claims as plain facts (the claim struct); r4.go and
// stu3.go render the facts as AB2D v2 and v1 JSON without drawing anything,
// so both renderings of a claim describe the same claim.

// Date range of billable periods (days since 1970-01-01). AB2D exports no
// claim ending before 2020-01-01. meta.lastUpdated (billablePeriod end plus
// a processing lag, plus the time until later versions) stays before
// lastUpdateDay.
var (
	firstServiceDay = daysFromCivil(2020, 1, 1)
	lastServiceDay  = daysFromCivil(2026, 6, 30)
	lastUpdateDay   = daysFromCivil(2026, 11, 1) // exclusive
)

const msPerDay = 86_400_000

// Array bounds of the facts of one claim.
const (
	maxVersions   = 3
	maxDiagnoses  = 12
	maxInpatientD = 25
	maxProcedures = 6
	maxICDProcs   = 25 // ICD procedures a claim can hold (ShapeAB2DSample has up to 19)
	maxLines      = 12
	maxRendering  = 2
)

// beneficiary holds the stable attributes of a beneficiary.
type beneficiary struct {
	index   int   // index in its population (contract)
	id      int64 // BFD bene_id (negative, as in the sandbox)
	mbi     [11]byte
	histMBI [11]byte
	hasHist bool
	state   int      // index in states
	dx      [4]uint8 // chronic conditions (indexes in diagnoses)
	npiBase int      // where its usual providers start in the NPI pool
	orgBase int      // where its usual organizations start in the org pool
}

// drawBeneficiary draws the attributes of a beneficiary from r.
func drawBeneficiary(r *rand.Rand, b *beneficiary, index int, id int64, histRate float64) {
	b.index, b.id = index, id
	b.mbi = newMBI(r)
	b.hasHist = r.Float64() < histRate
	b.histMBI = newMBI(r)
	b.state = r.IntN(len(states))
	for i := range b.dx {
		b.dx[i] = uint8(skewed(r, len(diagnoses)))
	}
	b.npiBase = r.IntN(numNPIs)
	b.orgBase = r.IntN(numOrgNPIs)
}

// pools are the provider NPIs shared by all the beneficiaries of a seed.
type pools struct {
	npis    [numNPIs]uint64    // individual providers
	orgNPIs [numOrgNPIs]uint64 // organizations
}

// newPools draws the provider pools of a seed.
func newPools(seed int64) *pools {
	p := new(pools)
	r := rand.New(rand.NewPCG(uint64(seed), stream2))
	for i := range p.npis {
		p.npis[i] = newNPI(r)
	}
	for i := range p.orgNPIs {
		p.orgNPIs[i] = newNPI(r)
	}
	return p
}

// Diagnosis kinds: what a diagnosis is on its claim. The renderers map a
// kind to the diagnosis type of their FHIR version.
const (
	dkAdmitting = iota
	dkPrincipal
	dkOther     // other diagnosis of an institutional claim
	dkSecondary // other diagnosis of a carrier, DME or HHA claim
	dkReason    // patient reason for visit (outpatient)
	dkExternal  // external cause of injury
)

// diagnosis is one diagnosis of a claim.
type diagnosis struct {
	code code
	kind uint8
	// poa is the present-on-admission flag (index in poaCodes + 1; 0: none,
	// only inpatient claims have one). poaN is N of the BFD variable
	// clm_poa_ind_swN (or clm_e_poa_ind_swN for external causes).
	poa  uint8
	poaN uint8
}

// procedure is one ICD procedure of a claim.
type procedure struct {
	code code
	day  int
}

// Line date shapes.
const (
	datesNone      = iota // no serviced[x] (inpatient, SNF)
	datesDay              // servicedDate
	datesDayPeriod        // servicedPeriod of one day
	datesClaim            // servicedPeriod = billablePeriod (DME)
)

// line is one claim line (EOB item).
type line struct {
	hcpcs       string
	qty         int
	day         int // service day (datesDay, datesDayPeriod)
	dates       uint8
	pos         *code  // place of service (carrier, DME)
	ndc         string // "" for none
	rendering   int8   // index in claim.rendering, -1 for none
	withOrg     bool   // the R4 item also links the carrier organization
	dxFrom      uint8  // diagnosis links (carrier, DME): sequences dxFrom..dxFrom+dxN-1
	dxN         uint8
	anesthUnits int     // anesthesia units in tenths (carrier)
	zip         [6]byte // last 6 digits of the 9-digit provider ZIP (carrier)
	hasCLIA     bool
	clia        [10]byte // CLIA lab number (carrier lab codes)
	supplier    uint8    // index in supplierTypes (DME)
	supplierNum uint64   // DME supplier number
	charge      int64    // submitted charge, cents
}

// provider is a rendering / performing provider of a claim.
type provider struct {
	npi       uint64
	prvdrType int8  // carr_line_prvdr_type_cd (carrier), -1: none
	specialty uint8 // index in specialties (carrier) or dmeSpecialties (DME)
}

// claim holds the facts of one version of one claim, everything either
// rendering writes.
type claim struct {
	typ   int
	bene  *beneficiary
	clmID int64
	group int64
	ver   int // version, 0 the first
	nver  int // versions of the claim

	// header
	start, end int   // billablePeriod (days)
	updated    int64 // meta.lastUpdated of this version (Unix ms)
	offMin     int   // lastUpdated zone offset, minutes east of UTC
	nch        code
	nearLine   code
	facility   code // clm_fac_type_cd (institutional; c == "" for none)
	query      code // claim_query_cd (c == "" for none)

	// providers
	attending, operating, otherOp, referring uint64 // 0: none
	rendering                                [maxRendering]provider
	nRendering                               int
	org                                      uint64 // carrier billing / institutional facility organization NPI
	orgName                                  string
	ccn                                      [6]byte // institutional provider number (prvdr_num)

	drg    string // MS-DRG ("" for none)
	drgSeq int    // R4 supportingInfo sequence of the DRG

	dx    [maxInpatientD]diagnosis
	nDx   int
	proc  [maxICDProcs]procedure
	nProc int
	lines [maxLines]line
	nLine int
	state *stateRow // provider state

	// dxNoDisplay: the R4 diagnosis codings have no display, as in AB2D's
	// R4 fixtures (ShapeAB2DSample).
	dxNoDisplay bool

	// payment (rendered in STU3 only: AB2D v2 drops the financial fields)
	charge, allowed, paid, deductible, coins int64 // cents
	nonPay                                   code  // clm_mdcr_non_pmt_rsn_cd (c == "": paid)
	ctrlNum                                  int64 // claim control number of this version
	origCtrl                                 int64 // of the first version
	contractor                               int   // carrier / FI number
}

// stateRow is a row of states.
type stateRow = struct{ st, zip3, lclty, lcltyDsp string }

// active reports whether this version is the current one.
func (c *claim) active() bool { return c.ver == c.nver-1 }

var zoneOffsets = []int{0, 0, 0, -240, -300}

var (
	queryFinal   = code{"3", "Final bill"}
	queryInterim = code{"1", "Interim bill"}
	queryDebit   = code{"5", "Debit adjustment"}
)

// claimSeed is what a claim is drawn from: its type, its seed and its
// versions. The version times are drawn from the seed too, so that any
// version can be drawn without the others.
type claimSeed struct {
	typ   int
	seed  uint64
	nver  int
	clmID [maxVersions]int64 // per version
	group int64
	// profile is the index in sampleProfiles of the claim's counts
	// (ShapeAB2DSample).
	profile int
}

// drawer draws claims. It is reused from claim to claim.
type drawer struct {
	pools *pools
	pcg   rand.PCG
	r     *rand.Rand
	vpcg  rand.PCG // version times
	vr    *rand.Rand

	sample bool // draw the details from sampleProfiles (ShapeAB2DSample)
}

func newDrawer(p *pools) *drawer {
	d := &drawer{pools: p}
	d.r = rand.New(&d.pcg)
	d.vr = rand.New(&d.vpcg)
	return d
}

// drawHeader draws the header of version ver of claim cs into c and leaves
// d.r ready for drawDetails.
func (d *drawer) drawHeader(c *claim, b *beneficiary, cs *claimSeed, ver int) {
	d.pcg.Seed(cs.seed, stream2)
	r := d.r
	t := cs.typ
	ct := &claimTypes[t]
	c.typ, c.bene, c.ver, c.nver = t, b, ver, cs.nver
	c.clmID, c.group = cs.clmID[ver], cs.group

	c.start = firstServiceDay + r.IntN(lastServiceDay-firstServiceDay+1)
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
	c.end = c.start + los
	lag := 3 + geom(r, 90, 30)
	first := int64(c.end+lag)*msPerDay + int64(r.IntN(msPerDay))
	c.updated = versionUpdated(d.vr, &d.vpcg, cs, first, ver)
	c.offMin = zoneOffsets[r.IntN(len(zoneOffsets))]
	c.nch = ct.nch[0]
	if len(ct.nch) > 1 && r.IntN(10) == 0 {
		c.nch = ct.nch[1+r.IntN(len(ct.nch)-1)]
	}
	c.nearLine = ct.nearLine[r.IntN(len(ct.nearLine))]
	c.facility = code{}
	if len(ct.facility) > 0 {
		c.facility = ct.facility[r.IntN(len(ct.facility))]
	}
	c.query = code{}
	switch t {
	case tInpatient, tOutpatient, tSNF:
		switch r.IntN(20) {
		case 0:
			c.query = queryInterim
		case 1:
			c.query = queryDebit
		default:
			c.query = queryFinal
		}
	}
}

// versionUpdated returns meta.lastUpdated (Unix ms) of version ver of a
// claim whose first version was loaded at first. Version v+1 is loaded
// between an hour and two months after version v; loading it supersedes
// version v, whose lastUpdated becomes that time (less up to a second, the
// same load), so an incremental export after the update gets both. Every
// time is before lastUpdateDay.
func versionUpdated(vr *rand.Rand, vpcg *rand.PCG, cs *claimSeed, first int64, ver int) int64 {
	limit := int64(lastUpdateDay) * msPerDay
	if first >= limit {
		first = limit - 1 - int64(uint64(cs.seed)%uint64(30*msPerDay))
	}
	if cs.nver == 1 {
		return first
	}
	vpcg.Seed(cs.seed, stream3)
	loaded := first // load time of version v
	for v := 0; ; v++ {
		if v == cs.nver-1 {
			return loaded // the active version
		}
		next := loaded + 3_600_000 + int64(vr.IntN(60*msPerDay))
		if next >= limit {
			next = loaded + (limit-loaded)/2
		}
		cancelled := next - 1 - int64(vr.IntN(999))
		if v == ver {
			return max(cancelled, loaded+1)
		}
		loaded = next
	}
}

// npi picks an individual provider NPI among the beneficiary's usual ones.
func (d *drawer) npi(b *beneficiary) uint64 {
	return d.pools.npis[(b.npiBase+d.r.IntN(60))%numNPIs]
}

// Ranges of the organization pool: carrier billing organizations, then
// facilities by kind, so that an NPI always has the same name.
const (
	orgCarrier   = 0   // 300 physician groups, labs, …
	orgHospital  = 300 // 150 hospitals (inpatient, outpatient)
	orgSNF       = 450 // 50 skilled nursing facilities
	orgHHA       = 500 // 50 home health agencies
	orgHospice   = 550 // 50 hospices
	orgCarrierN  = orgHospital - orgCarrier
	orgFacilityN = 50
)

// org picks the organization of a claim of type t among the beneficiary's
// usual ones and returns its pool index.
func (d *drawer) org(b *beneficiary, t int) int {
	lo, n := orgCarrier, orgCarrierN
	switch t {
	case tInpatient, tOutpatient:
		lo, n = orgHospital, orgSNF-orgHospital
	case tSNF:
		lo, n = orgSNF, orgFacilityN
	case tHHA:
		lo, n = orgHHA, orgFacilityN
	case tHospice:
		lo, n = orgHospice, orgFacilityN
	}
	return lo + (b.orgBase+d.r.IntN(12))%n
}

// orgNames are the synthetic organization names, by pool index.
var orgNames = func() []string {
	names := make([]string, numOrgNPIs)
	for i := range names {
		w1 := orgWords1[i%len(orgWords1)]
		switch {
		case i < orgHospital:
			names[i] = w1 + " " + orgWords2[i/len(orgWords1)%len(orgWords2)]
		case i < orgSNF:
			names[i] = w1 + " " + hospitalWords[i/len(orgWords1)%len(hospitalWords)]
		case i < orgHHA:
			names[i] = w1 + " NURSING AND REHABILITATION CENTER"
		case i < orgHospice:
			names[i] = w1 + " HOME HEALTH SERVICES"
		default:
			names[i] = w1 + " HOSPICE"
		}
	}
	return names
}()

// hospitalWords end hospital names.
var hospitalWords = []string{"REGIONAL HOSPITAL", "MEDICAL CENTER", "COMMUNITY HOSPITAL", "MEMORIAL HOSPITAL"}

// orgCCN returns the CMS certification number (prvdr_num) of facility i:
// a state code and a number in the range of its kind of facility.
func orgCCN(i, t int) [6]byte {
	n := 1 + i*7%879 // hospitals 0001-0879
	switch t {
	case tSNF:
		n = 5000 + i*13%1500
	case tHHA:
		n = 7000 + i*17%1500
	case tHospice:
		n = 1500 + i*3%300
	}
	st := states[i%len(states)].zip3
	ccn := [6]byte{st[0], st[1]}
	for j := 5; j >= 2; j-- {
		ccn[j] = byte('0' + n%10)
		n /= 10
	}
	return ccn
}

// drawDetails draws the rest of the claim after drawHeader.
func (d *drawer) drawDetails(c *claim) {
	r := d.r
	t := c.typ
	d.drawProviders(c)
	c.drg, c.drgSeq = "", 0
	if t == tInpatient || (t == tSNF && r.IntN(2) == 0) {
		c.drgSeq = 2 + r.IntN(8)
		c.drg = drgs[r.IntN(len(drgs))]
	}
	d.drawDiagnoses(c)
	d.drawProcedures(c)
	d.drawLines(c)
	d.drawPayment(c)
}

// drawProviders draws the care team and the organization.
func (d *drawer) drawProviders(c *claim) {
	r, b, t := d.r, c.bene, c.typ
	c.attending, c.operating, c.otherOp, c.referring = 0, 0, 0, 0
	c.nRendering = 0
	c.org, c.orgName = 0, ""
	switch t {
	case tCarrier, tDME:
		if (t == tCarrier && r.IntN(2) == 0) || (t == tDME && r.IntN(10) != 0) {
			c.referring = d.npi(b)
		}
		n := 1
		if t == tCarrier && r.IntN(4) == 0 {
			n = 2
		}
		for range n {
			p := provider{npi: d.npi(b), prvdrType: -1}
			if t == tCarrier {
				p.prvdrType = int8(r.IntN(2))
				p.specialty = uint8(r.IntN(len(specialties)))
			} else {
				p.specialty = uint8(r.IntN(len(dmeSpecialties)))
			}
			d.addRendering(c, p)
		}
		if t == tCarrier {
			i := d.org(b, t)
			c.org, c.orgName = d.pools.orgNPIs[i], orgNames[i]
		}
	default:
		c.attending = d.npi(b)
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
			c.operating = d.npi(b)
		}
		if r.IntN(100) < pOther {
			c.otherOp = d.npi(b)
		}
		if r.IntN(100) < pPerf {
			switch r.IntN(5) {
			case 0:
				d.addRendering(c, provider{npi: d.npi(b), prvdrType: -1})
				d.addRendering(c, provider{npi: d.npi(b), prvdrType: -1})
			case 1:
				// The attending physician renders the lines, too.
				c.rendering[0] = provider{npi: c.attending, prvdrType: -1}
				c.nRendering = 1
			default:
				d.addRendering(c, provider{npi: d.npi(b), prvdrType: -1})
			}
		}
		i := d.org(b, t)
		c.org, c.orgName, c.ccn = d.pools.orgNPIs[i], orgNames[i], orgCCN(i, t)
	}
}

// addRendering adds a rendering provider whose NPI differs from the other
// rendering providers' and the attending's (redrawing it if needed).
func (d *drawer) addRendering(c *claim, p provider) {
	for {
		dup := p.npi == c.attending
		for i := range c.nRendering {
			dup = dup || c.rendering[i].npi == p.npi
		}
		if !dup {
			break
		}
		p.npi = d.npi(c.bene)
	}
	c.rendering[c.nRendering] = p
	c.nRendering++
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

// drawDiagnoses draws the diagnoses; no code appears twice on a claim.
func (d *drawer) drawDiagnoses(c *claim) {
	r := d.r
	var used dxSet
	var usedExt uint8
	c.nDx = 0
	poa, epoa := 0, 0 // clm_poa_ind_swN / clm_e_poa_ind_swN counters (inpatient)
	one := func(cd code, kind uint8) {
		dg := &c.dx[c.nDx]
		c.nDx++
		*dg = diagnosis{code: cd, kind: kind}
		if c.typ == tInpatient && kind != dkAdmitting {
			dg.poa = uint8(1 + r.IntN(len(poaCodes)))
			if kind == dkExternal {
				epoa++
				dg.poaN = uint8(epoa)
			} else {
				poa++
				dg.poaN = uint8(poa)
			}
		}
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
			i := int(c.bene.dx[r.IntN(len(c.bene.dx))])
			if used.add(i) {
				return diagnoses[i]
			}
		}
		return pick()
	}
	external := func(max int) {
		n := 0
		if r.IntN(20) == 0 {
			n = 1 + r.IntN(max)
		}
		for range n {
			for {
				i := r.IntN(len(externalCauses))
				if usedExt&(1<<i) == 0 {
					usedExt |= 1 << i
					one(externalCauses[i], dkExternal)
					break
				}
			}
		}
	}

	switch c.typ {
	case tInpatient:
		one(pick(), dkAdmitting)
		one(principal(), dkPrincipal)
		for range 1 + geom(r, maxInpatientD-5, 7) {
			one(pick(), dkOther)
		}
		external(2)
	case tSNF:
		one(pick(), dkAdmitting)
		one(principal(), dkPrincipal)
		for range geom(r, maxDiagnoses-3, 2.5) {
			one(pick(), dkOther)
		}
		external(1)
	case tOutpatient:
		one(principal(), dkPrincipal)
		for range geom(r, maxDiagnoses-5, 2) {
			one(pick(), dkOther)
		}
		for range r.IntN(3) {
			one(pick(), dkReason)
		}
		external(2)
	case tHospice:
		one(principal(), dkPrincipal)
		for range geom(r, maxDiagnoses-1, 2.5) {
			one(pick(), dkOther)
		}
	case tHHA:
		one(principal(), dkPrincipal)
		for range geom(r, maxDiagnoses-1, 3) {
			one(pick(), dkSecondary)
		}
	default: // carrier, DME
		one(principal(), dkPrincipal)
		for range geom(r, maxDiagnoses-1, 2) {
			one(pick(), dkSecondary)
		}
	}
}

// drawProcedures draws the ICD procedures (inpatient, outpatient, SNF).
func (d *drawer) drawProcedures(c *claim) {
	r := d.r
	var n int
	switch c.typ {
	case tInpatient:
		if r.IntN(5) != 0 {
			n = 1 + geom(r, maxProcedures-1, 1)
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
	c.nProc = n
	for i := range n {
		c.proc[i].day = c.start + r.IntN(c.end-c.start+1)
		c.proc[i].code = procedures[r.IntN(len(procedures))]
	}
}

// isAnesthesia reports whether a CPT code is an anesthesia code (00100-01999).
func isAnesthesia(c string) bool { return len(c) == 5 && c[0] == '0' && c[1] <= '1' }

// isLab reports whether a CPT code is a lab code (80000-89999 or 36415).
func isLab(c string) bool { return (len(c) == 5 && c[0] == '8') || c == "36415" }

// isDrug reports whether a HCPCS code is a drug (J code).
func isDrug(c string) bool { return c[0] == 'J' }

// hcpcsOf returns the HCPCS codes of claim type t.
func hcpcsOf(t int) []string {
	switch t {
	case tCarrier:
		return hcpcsCarrier
	case tOutpatient:
		return hcpcsOutpatient
	case tDME:
		return hcpcsDME
	case tInpatient:
		return hcpcsInpatient
	case tSNF:
		return hcpcsSNF
	case tHHA:
		return hcpcsHHA
	}
	return hcpcsHospice
}

// drawLines draws the claim lines.
func (d *drawer) drawLines(c *claim) {
	r, t := d.r, c.typ
	codes := hcpcsOf(t)
	var n int
	switch t {
	case tCarrier:
		n = 1 + geom(r, 11, 1.3)
	case tOutpatient:
		n = 1 + geom(r, 11, 3.5)
	case tDME:
		n = 1 + geom(r, 5, 0.8)
	case tInpatient:
		n = 1 + geom(r, 11, 5)
	case tSNF:
		n = 1 + geom(r, 9, 3)
	case tHHA:
		n = 1 + geom(r, 9, 3.5)
	default:
		n = 1 + geom(r, 5, 1.8)
	}
	// A later version of a claim may carry an extra line (an adjustment).
	if c.ver > 0 && c.group>>(c.ver%32)&1 == 1 && n < maxLines {
		n++
	}
	c.nLine = n
	c.state = &states[c.bene.state]
	if r.IntN(10) == 0 {
		c.state = &states[r.IntN(len(states))]
	}
	var linked [maxRendering]bool
	for i := range n {
		l := &c.lines[i]
		*l = line{rendering: -1}
		hc := codes[skewed(r, len(codes))]
		l.hcpcs = hc
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
			qty += c.ver // adjusted versions change the first line's units
		}
		l.qty = qty
		if t == tCarrier && isAnesthesia(hc) {
			l.anesthUnits = 30 + r.IntN(90)
		}
		if t == tDME {
			l.supplier = uint8(r.IntN(len(supplierTypes)))
			l.supplierNum = 1_000_000_000 + uint64(r.IntN(999_999_999))
		}
		if c.nRendering > 0 {
			k := 0
			if i > 0 {
				k = r.IntN(c.nRendering)
			}
			if i == n-1 && n > 1 && !linked[c.nRendering-1] {
				k = c.nRendering - 1 // every rendering provider renders a line
			}
			l.rendering = int8(k)
			linked[k] = true
			l.withOrg = c.org != 0 && t == tCarrier && r.IntN(2) == 0
		}
		if t == tCarrier || t == tDME {
			k := 1 + r.IntN(min(3, c.nDx))
			l.dxN = uint8(k)
			l.dxFrom = uint8(1 + r.IntN(c.nDx-k+1))
		}
		ndc := (t == tCarrier || t == tOutpatient || t == tInpatient) && isDrug(hc) ||
			t == tDME && r.IntN(5) < 2 || t == tCarrier && r.IntN(10) == 0
		if ndc {
			l.ndc = ndcs[r.IntN(len(ndcs))]
		}
		l.day = c.start + r.IntN(c.end-c.start+1)
		switch t {
		case tCarrier:
			l.dates = datesDayPeriod
			if r.IntN(7) == 0 {
				l.dates = datesDay
			}
		case tDME:
			l.dates = datesClaim
		case tOutpatient, tHHA, tHospice:
			l.dates = datesDay
		}
		switch t {
		case tCarrier:
			l.pos = &posCarrier[r.IntN(len(posCarrier))]
			if isLab(hc) && r.IntN(2) == 0 {
				l.pos = &posLab
			}
			for j := 0; j < 6; j += 2 {
				v := r.IntN(100)
				l.zip[j], l.zip[j+1] = byte('0'+v/10), byte('0'+v%10)
			}
			if isLab(hc) {
				l.hasCLIA = true
				l.clia[2] = 'D'
				for j := range l.clia {
					if j != 2 {
						l.clia[j] = byte('0' + r.IntN(10))
					}
				}
			}
		case tDME:
			l.pos = &posDME[r.IntN(len(posDME))]
		}
		l.charge = int64(2_000 + r.IntN(40_000)) // $20-$420 per unit
		if t == tInpatient || t == tSNF {
			l.charge *= 4
		}
	}
	if c.nRendering == 2 && !linked[1] {
		c.nRendering = 1 // a one-line claim has one rendering provider
	}
}

// Non-payment reasons (clm_mdcr_non_pmt_rsn_cd) of denied institutional
// claims.
var nonPayReasons = []code{
	{"B", "Benefit exhausted"},
	{"N", "All other reasons for non-payment"},
	{"P", "Payment requested"},
	{"R", "Benefits refused, or claim not paid"},
}

// drawPayment draws the amounts and control numbers.
func (d *drawer) drawPayment(c *claim) {
	r := d.r
	var charge int64
	for i := range c.nLine {
		charge += c.lines[i].charge * int64(min(c.lines[i].qty, 10))
	}
	c.charge = charge
	c.allowed = charge * int64(35+r.IntN(45)) / 100
	c.deductible = 0
	if r.IntN(5) == 0 {
		c.deductible = min(c.allowed/4, 25_700)
	}
	c.coins = (c.allowed - c.deductible) / 5
	c.paid = c.allowed - c.deductible - c.coins
	c.nonPay = code{}
	if c.typ != tCarrier && c.typ != tDME && r.IntN(25) == 0 {
		c.nonPay = nonPayReasons[r.IntN(len(nonPayReasons))]
		c.paid = 0
	}
	c.origCtrl = 10_000_000_000_000 + r.Int64N(90_000_000_000_000)
	c.ctrlNum = c.origCtrl + int64(c.ver)*7_919
	c.contractor = 10_000 + int(states[c.bene.state].zip3[0]-'0')*1_000 + r.IntN(1000)
}

// skewed returns an index in [0, n) where low indices are the most common
// (the code tables list the frequent codes first).
func skewed(r *rand.Rand, n int) int {
	u := r.Float64()
	return int(u * u * float64(n))
}

// pickType maps a percentile (0-99) to a claim type by weight.
func pickType(p int) int {
	for t := range claimTypes {
		p -= claimTypes[t].weight
		if p < 0 {
			return t
		}
	}
	return tCarrier
}

// geom returns a count in [0, max] with a geometric distribution of the
// given mean (before truncation at max): small counts are common, large ones
// rare.
func geom(r *rand.Rand, max int, mean float64) int {
	q := mean / (1 + mean)
	n := 0
	for n < max && r.Float64() < q {
		n++
	}
	return n
}
