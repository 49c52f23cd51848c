// Package synth generates synthetic, AB2D-shaped ExplanationOfBenefit NDJSON,
// as the AB2D v2 API exports it (FHIR R4: BFD v2 EOBs trimmed by AB2D's R4
// allow-list, with the MBI extensions appended), as the v1 API does (FHIR
// STU3: BFD v1 EOBs with AB2D's STU3 deny-list trim, "precedence": 0 and the
// MBI extensions appended) or as the v3 API does (FHIR R4 with CARIN Blue
// Button 2.2.0 profiles: BFD's v3 EOBs built from the IDR, trimmed by AB2D's
// v3 allow-list, with the current MBI appended; see [EOB.AppendV3]).
//
// Each claim is first drawn as plain facts (ids, type, dates, status,
// beneficiary and MBIs, diagnoses, procedures, care team, lines, DRG, …) and
// then rendered in any of the three, so the R4, STU3 and v3 renderings of
// the same [EOB] describe the same claim (v3 with ids of its own: see
// v3.go for how they relate).
//
// The output is deterministic (same seed, same bytes), covers all seven
// claim types (CARRIER, OUTPATIENT, DME, INPATIENT, SNF, HHA, HOSPICE) with
// the code systems and structures of the BFD/AB2D fixtures, real ICD-10-CM,
// ICD-10-PCS, HCPCS/CPT and MS-DRG codes, NPIs with valid check digits,
// MBIs in the CMS format and several versions of some claims (same claim
// group, new clm_id; the older ones "cancelled", with the lastUpdated of
// the load that superseded them). Beneficiaries, providers and
// organizations are made up: the output contains no real person's data.
//
// There are two ways to generate:
//   - a [Generator] streams claims of a beneficiary population without end
//     (ab2d-gen, benchmarks);
//   - a [Contract] yields the claims of one contract's beneficiaries,
//     beneficiary by beneficiary, each drawn from (seed, contract,
//     beneficiary index) alone (the sandbox server).
//
// Generation streams with flat memory: facts live in fixed-size arrays that
// are reused, and each EOB is appended to a caller's buffer with plain byte
// operations, without allocating.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// FHIRVersion is the FHIR version an EOB is rendered in.
type FHIRVersion string

// The FHIR versions AB2D exports, named as AB2D's FhirVersion enum.
const (
	// R4 is FHIR R4, the AB2D v2 API (/api/v2). The zero FHIRVersion means R4.
	R4 FHIRVersion = "R4"
	// STU3 is FHIR STU3, the AB2D v1 API (/api/v1).
	STU3 FHIRVersion = "STU3"
	// R4V3 is FHIR R4 with BFD's v3 (IDR) claims, the AB2D v3 API
	// (/api/v3): see EOB.AppendV3.
	R4V3 FHIRVersion = "R4V3"
)

// ParseFHIRVersion parses "R4", "STU3" or "R4V3" (case-insensitive; "v2",
// "v1" and "v3" are accepted too).
func ParseFHIRVersion(s string) (FHIRVersion, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "R4", "V2":
		return R4, nil
	case "STU3", "V1":
		return STU3, nil
	case "R4V3", "V3":
		return R4V3, nil
	}
	return "", fmt.Errorf("synth: unknown FHIR version %q (want R4, STU3 or R4V3)", s)
}

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
	// FHIRVersion is the rendering of Generator.Next and the Write
	// functions: R4 (the default), STU3 or R4V3. R4V3 renders only the
	// final-action versions, as AB2D's v3 export contains no others.
	FHIRVersion FHIRVersion
	// Shape selects the claim-type mix and the per-EOB counts (default:
	// ShapeDefault; ShapeAB2DSample for the statistics of real AB2D data).
	Shape Shape
}

// Defaults of Options (DefaultVersionRate and DefaultHistoricMBIRate apply
// to contracts too).
const (
	// DefaultBeneficiaries is the default Options.Beneficiaries.
	DefaultBeneficiaries = 10_000
	// DefaultVersionRate is the default Options.VersionRate.
	DefaultVersionRate = 0.08
	// DefaultHistoricMBIRate is the default Options.HistoricMBIRate.
	DefaultHistoricMBIRate = 0.1
)

// withDefaults returns o with its zero fields set to the defaults.
func (o Options) withDefaults() Options {
	if o.Shape == ShapeAB2DSample {
		// The sample has one version of each claim and no historic MBI.
		if o.VersionRate == 0 {
			o.VersionRate = -1
		}
		if o.HistoricMBIRate == 0 {
			o.HistoricMBIRate = -1
		}
	}
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
	firstBeneID  = 10_000_000_000_000 // patient ids are -(firstBeneID + 1 + n)
	firstClmID   = 10_000_001_000_000 // clm_id values are negative
	firstGroupID = 100_000_000        // claim-group values are negative
	stream1      = 0x9E3779B97F4A7C15 // PCG stream constants
	stream2      = 0xD1B54A32D192ED03
	stream3      = 0xBF58476D1CE4E5B9
	maxPerVisit  = 12 // claims per beneficiary visit (Generator)
)

// EOB is one version of one claim: facts drawn from the seed, rendered on
// demand as AB2D v2 (R4) or v1 (STU3) JSON. The header (ids, type, dates,
// status, lastUpdated) is drawn first, the rest (care team, diagnoses,
// procedures, lines) when the EOB is first rendered, so filtering on
// LastUpdated before rendering is cheap.
//
// An EOB returned by a Generator or yielded by a Contract iterator is
// reused: it is valid until the next call or iteration.
type EOB struct {
	d     *drawer
	bene  beneficiary
	cs    claimSeed
	c     claim
	drawn bool
}

// newEOB returns an EOB that draws with d.
func newEOB(d *drawer) *EOB {
	e := &EOB{d: d}
	e.c.bene = &e.bene
	return e
}

// load draws the header of version ver of claim e.cs.
func (e *EOB) load(ver int) {
	e.d.drawHeader(&e.c, &e.bene, &e.cs, ver)
	e.drawn = false
}

// facts returns the claim with its details drawn.
func (e *EOB) facts() *claim {
	if !e.drawn {
		if e.d.sample {
			e.d.drawSampleDetails(&e.c, &sampleProfiles[e.cs.profile])
		} else {
			e.d.drawDetails(&e.c)
		}
		e.drawn = true
	}
	return &e.c
}

// LastUpdated returns meta.lastUpdated (in UTC).
func (e *EOB) LastUpdated() time.Time { return time.UnixMilli(e.c.updated).UTC() }

// LastUpdatedUnixMilli returns meta.lastUpdated in Unix milliseconds.
func (e *EOB) LastUpdatedUnixMilli() int64 { return e.c.updated }

// ClaimType returns the eob-type code, e.g. "CARRIER".
func (e *EOB) ClaimType() string { return claimTypes[e.c.typ].eobType }

// ClaimID returns the clm_id (negative, as in the sandbox).
func (e *EOB) ClaimID() int64 { return e.c.clmID }

// ClaimGroup returns the claim-group id, the same for all versions of a
// claim.
func (e *EOB) ClaimGroup() int64 { return e.c.group }

// Active reports whether this is the current version of the claim (status
// "active"); older versions are "cancelled".
func (e *EOB) Active() bool { return e.c.active() }

// BeneficiaryIndex returns the index of the claim's beneficiary in its
// population (contract).
func (e *EOB) BeneficiaryIndex() int { return e.bene.index }

// PatientID returns the BFD beneficiary id of patient.reference
// ("Patient/<id>").
func (e *EOB) PatientID() int64 { return e.bene.id }

// AppendR4 appends the EOB as one AB2D v2 (FHIR R4) JSON line, without a
// line break, to dst.
func (e *EOB) AppendR4(dst []byte) []byte { return appendR4(dst, e.facts()) }

// AppendSTU3 appends the EOB as one AB2D v1 (FHIR STU3) JSON line, without
// a line break, to dst.
func (e *EOB) AppendSTU3(dst []byte) []byte { return appendSTU3(dst, e.facts()) }

// AppendJSON appends the EOB in FHIR version v (STU3, R4V3, else R4).
func (e *EOB) AppendJSON(dst []byte, v FHIRVersion) []byte {
	switch v {
	case STU3:
		return e.AppendSTU3(dst)
	case R4V3:
		return e.AppendV3(dst)
	}
	return e.AppendR4(dst)
}

// BillablePeriod returns the claim's billable period, its first and last
// day (at midnight UTC); the end is the date BFD's service-date search
// compares.
func (e *EOB) BillablePeriod() (start, end time.Time) {
	return dayTime(e.c.start), dayTime(e.c.end)
}

// dayTime returns day number z at midnight UTC.
func dayTime(z int) time.Time { return time.UnixMilli(int64(z) * msPerDay).UTC() }

// beneSeed returns the PCG seed of the beneficiaries of a contract key
// (key 0, Z0000, for a Generator).
func beneSeed(seed, key int64) uint64 {
	return uint64(seed) ^ stream3 ^ uint64(key)*0x94D049BB133111EB
}

// Generator yields EOBs of claims spread over a beneficiary population,
// without end, deterministic for a given Options (same Options, same
// bytes). Its beneficiaries are those of contract Z0000 with the same seed
// (same ids and MBIs), but its claims are not. It is not safe for
// concurrent use; use one Generator per goroutine (with different seeds for
// different data).
type Generator struct {
	opts Options
	r    *rand.Rand // main stream: beneficiaries, claim seeds, ids, versions
	bpcg *rand.PCG  // per-beneficiary attributes, re-seeded per visit
	br   *rand.Rand
	eob  *EOB

	beneLeft int // claims left in this visit
	ver      int // next version of the current claim
	nextClm  int64
	nextGrp  int64
}

// New returns a Generator for opts.
func New(opts Options) *Generator {
	opts = opts.withDefaults()
	g := &Generator{
		opts:    opts,
		r:       rand.New(rand.NewPCG(uint64(opts.Seed), stream1)),
		bpcg:    rand.NewPCG(0, 0),
		eob:     newEOB(newDrawer(newPools(opts.Seed))),
		nextClm: firstClmID,
		nextGrp: firstGroupID,
	}
	g.br = rand.New(g.bpcg)
	g.eob.d.sample = opts.Shape == ShapeAB2DSample
	return g
}

// Next appends the next EOB, rendered in Options.FHIRVersion, as one JSON
// line (no trailing newline) to dst and returns it. In R4V3 it skips the
// superseded versions.
func (g *Generator) Next(dst []byte) []byte {
	e := g.NextEOB()
	for g.opts.FHIRVersion == R4V3 && !e.Active() {
		e = g.NextEOB()
	}
	return e.AppendJSON(dst, g.opts.FHIRVersion)
}

// NextEOB returns the next EOB, valid until the next call.
func (g *Generator) NextEOB() *EOB {
	e := g.eob
	if g.ver >= e.cs.nver {
		g.newClaim()
	}
	g.nextClm += 1 + int64(g.r.IntN(4))
	e.cs.clmID[g.ver] = -g.nextClm
	e.load(g.ver)
	g.ver++
	return e
}

// newClaim starts a new claim (and a new beneficiary visit when the current
// one has no claims left).
func (g *Generator) newClaim() {
	if g.beneLeft <= 0 {
		g.newVisit()
	}
	g.beneLeft--
	cs := &g.eob.cs
	cs.seed = g.r.Uint64()
	if g.eob.d.sample {
		cs.profile = pickSampleProfile(g.r.IntN(sampleEOBs))
		cs.typ = sampleProfiles[cs.profile].typ
	} else {
		cs.typ = pickType(g.r.IntN(100))
	}
	cs.nver = drawVersions(g.r, g.opts.VersionRate)
	g.ver = 0
	g.nextGrp += 1 + int64(g.r.IntN(7))
	cs.group = -g.nextGrp
}

// drawVersions draws the number of versions of a claim.
func drawVersions(r *rand.Rand, rate float64) int {
	u := r.Float64()
	switch {
	case u < rate/5:
		return maxVersions
	case u < rate:
		return 2
	}
	return 1
}

// newVisit picks a beneficiary and loads its stable attributes.
func (g *Generator) newVisit() {
	i := g.r.IntN(g.opts.Beneficiaries)
	g.beneLeft = 1 + geom(g.r, maxPerVisit-1, 3)
	g.bpcg.Seed(beneSeed(g.opts.Seed, 0), uint64(i))
	drawBeneficiary(g.br, &g.eob.bene, i, beneID(0, i), g.opts.HistoricMBIRate)
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
