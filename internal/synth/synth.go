// Package synth generates synthetic, AB2D-shaped ExplanationOfBenefit NDJSON:
// FHIR R4 resources as the AB2D v2 API exports them (BFD v2 EOBs trimmed by
// AB2D's R4 allow-list, with the MBI extensions appended).
//
// The output is deterministic for a given Options value (same seed, same
// bytes), covers all seven claim types (CARRIER, OUTPATIENT, DME, INPATIENT,
// SNF, HHA, HOSPICE) with the code systems and structures of the BFD/AB2D
// fixtures, real ICD-10-CM, ICD-10-PCS, HCPCS/CPT and MS-DRG codes, NPIs with
// valid check digits, MBIs in the CMS format and several versions of some
// claims (same claim group, new clm_id; the older ones "cancelled").
// Beneficiaries, providers and organizations are made up: the output
// contains no real person's data.
//
// Generation streams with flat memory: each EOB is appended to a caller's
// buffer with plain byte operations.
package synth

import (
	"bufio"
	"io"
	"math/rand/v2"
)

// Options configure a Generator. A zero field takes its default.
type Options struct {
	// Seed selects the data set: the same Options give the same bytes.
	Seed int64
	// Beneficiaries is the size of the beneficiary population the claims
	// are spread over (default 10,000). Each beneficiary has a stable id,
	// MBI, home state and set of chronic conditions.
	Beneficiaries int
	// VersionRate is the share of claims exported in more than one version
	// (default 0.08; a negative value means none). A fifth of them have
	// three versions, the others two.
	VersionRate float64
	// HistoricMBIRate is the share of beneficiaries with a historic MBI,
	// exported as a second MBI extension (default 0.1; negative: none).
	HistoricMBIRate float64
}

// Defaults of Options.
const (
	DefaultBeneficiaries   = 10_000
	DefaultVersionRate     = 0.08
	DefaultHistoricMBIRate = 0.1
)

// withDefaults returns o with its zero fields set to the defaults.
func (o Options) withDefaults() Options {
	if o.Beneficiaries <= 0 {
		o.Beneficiaries = DefaultBeneficiaries
	}
	if o.VersionRate == 0 {
		o.VersionRate = DefaultVersionRate
	}
	if o.HistoricMBIRate == 0 {
		o.HistoricMBIRate = DefaultHistoricMBIRate
	}
	return o
}

// Sizes of the provider pools.
const (
	numNPIs    = 4000
	numOrgNPIs = 600
)

// Id ranges, in the style of the AB2D sandbox (negative BFD ids).
const (
	firstBeneID   = 10_000_000_000_000 // patient ids are -(firstBeneID + 1 + index)
	firstClmID    = 10_000_001_000_000 // clm_id values are negative
	firstGroupID  = 100_000_000        // claim-group values are negative
	stream1       = 0x9E3779B97F4A7C15 // PCG stream constants
	stream2       = 0xD1B54A32D192ED03
	stream3       = 0xBF58476D1CE4E5B9
	maxPerVisit   = 12 // claims per beneficiary visit
	maxVersions   = 3
	maxDiagnoses  = 12
	maxInpatientD = 25
)

// Generator yields EOB JSON lines, deterministic for a given seed (same
// seed, same bytes). It is not safe for concurrent use; use one Generator
// per goroutine (with different seeds for different data).
type Generator struct {
	opts Options
	r    *rand.Rand // main stream: beneficiaries, claim seeds, ids, versions
	cpcg *rand.PCG  // per-claim content stream, re-seeded for every version
	cr   *rand.Rand
	bpcg *rand.PCG // per-beneficiary attributes, re-seeded per visit
	br   *rand.Rand

	npis    []uint64 // individual providers
	orgNPIs []uint64 // organizations (carrier "primary" provider)

	// current beneficiary visit
	bene      int
	beneLeft  int // claims left in this visit
	mbi       [11]byte
	histMBI   [11]byte
	hasHist   bool
	beneState int
	beneDx    [4]uint8

	// current claim
	cseed   uint64
	ctype   int
	nver    int
	ver     int
	group   int64
	updated int64 // lastUpdated (Unix ms) of the previous version
	nextClm int64
	nextGrp int64
}

// New returns a Generator for opts.
func New(opts Options) *Generator {
	opts = opts.withDefaults()
	seed := uint64(opts.Seed)
	g := &Generator{
		opts:    opts,
		r:       rand.New(rand.NewPCG(seed, stream1)),
		cpcg:    rand.NewPCG(0, 0),
		bpcg:    rand.NewPCG(0, 0),
		nextClm: firstClmID,
		nextGrp: firstGroupID,
	}
	g.cr = rand.New(g.cpcg)
	g.br = rand.New(g.bpcg)
	pr := rand.New(rand.NewPCG(seed, stream2))
	g.npis = make([]uint64, numNPIs)
	for i := range g.npis {
		g.npis[i] = newNPI(pr)
	}
	g.orgNPIs = make([]uint64, numOrgNPIs)
	for i := range g.orgNPIs {
		g.orgNPIs[i] = newNPI(pr)
	}
	return g
}

// Next appends the next EOB as one JSON line (no trailing newline) to dst
// and returns it.
func (g *Generator) Next(dst []byte) []byte {
	if g.ver >= g.nver {
		g.newClaim()
	}
	g.nextClm += 1 + int64(g.r.IntN(4))
	dst = g.appendEOB(dst, -g.nextClm)
	g.ver++
	return dst
}

// newClaim starts a new claim (and a new beneficiary visit when the current
// one has no claims left).
func (g *Generator) newClaim() {
	if g.beneLeft <= 0 {
		g.newVisit()
	}
	g.beneLeft--
	g.cseed = g.r.Uint64()
	g.ctype = pickType(g.r.IntN(100))
	g.nver = 1
	if u := g.r.Float64(); u < g.opts.VersionRate {
		g.nver = 2
		if u < g.opts.VersionRate/5 {
			g.nver = maxVersions
		}
	}
	g.ver = 0
	g.nextGrp += 1 + int64(g.r.IntN(7))
	g.group = -g.nextGrp
}

// newVisit picks a beneficiary and loads its stable attributes.
func (g *Generator) newVisit() {
	g.bene = g.r.IntN(g.opts.Beneficiaries)
	g.beneLeft = 1 + geom(g.r, maxPerVisit-1, 3)
	g.bpcg.Seed(uint64(g.opts.Seed)^stream3, uint64(g.bene))
	g.mbi = newMBI(g.br)
	g.hasHist = g.br.Float64() < g.opts.HistoricMBIRate
	g.histMBI = newMBI(g.br)
	g.beneState = g.br.IntN(len(states))
	for i := range g.beneDx {
		g.beneDx[i] = uint8(skewed(g.br, len(diagnoses)))
	}
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

// WriteNDJSON writes EOB lines to w until at least bytes bytes were
// written; returns EOB count.
func WriteNDJSON(w io.Writer, opts Options, bytes int64) (int64, error) {
	return write(w, opts, bytes, -1)
}

// WriteEOBs writes exactly n EOB lines to w and returns the number of bytes
// written.
func WriteEOBs(w io.Writer, opts Options, n int64) (int64, error) {
	bw := &countWriter{w: w}
	_, err := write(bw, opts, -1, n)
	return bw.n, err
}

// write streams lines until maxBytes bytes (if >= 0) or maxEOBs lines (if
// >= 0) were written, whichever comes first.
func write(w io.Writer, opts Options, maxBytes, maxEOBs int64) (int64, error) {
	g := New(opts)
	bw := bufio.NewWriterSize(w, 1<<20)
	var (
		buf     = make([]byte, 0, 64<<10)
		written int64
		count   int64
	)
	for (maxBytes < 0 || written < maxBytes) && (maxEOBs < 0 || count < maxEOBs) {
		buf = g.Next(buf[:0])
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return count, err
		}
		written += int64(len(buf))
		count++
	}
	return count, bw.Flush()
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
