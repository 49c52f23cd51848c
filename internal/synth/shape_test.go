package synth

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

var updateSample = flag.Bool("update-sample", false, "rewrite shape_sample.go from the AB2D sample export")

// sampleFile is the AB2D sample export ShapeAB2DSample is drawn from.
const sampleFile = "CMSgov-ab2d-website__sample-data-stu3.ndjson"

// typeIdents are the Go names of the claim types, by index.
var typeIdents = [numTypes]string{"tCarrier", "tOutpatient", "tDME", "tInpatient", "tSNF", "tHHA", "tHospice"}

// countedEOB is what the statistics count in an EOB of either version.
type countedEOB struct {
	Type struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
	} `json:"type"`
	Extension []json.RawMessage `json:"extension"`
	CareTeam  []struct {
		Role struct {
			Coding []struct {
				Code string `json:"code"`
			} `json:"coding"`
		} `json:"role"`
	} `json:"careTeam"`
	Diagnosis []struct {
		Concept     json.RawMessage `json:"diagnosisCodeableConcept"`
		PackageCode json.RawMessage `json:"packageCode"`
	} `json:"diagnosis"`
	Procedure      []json.RawMessage `json:"procedure"`
	SupportingInfo []json.RawMessage `json:"supportingInfo"`
	Information    []json.RawMessage `json:"information"`
	Item           []struct {
		Extension []json.RawMessage `json:"extension"`
	} `json:"item"`
}

// claimType returns the index of the EOB's eob-type code, or -1.
func (e *countedEOB) claimType() int {
	for _, c := range e.Type.Coding {
		if c.System == sysEOBType {
			for t := range claimTypes {
				if claimTypes[t].eobType == c.Code {
					return t
				}
			}
		}
	}
	return -1
}

// profile returns the counts of e, as sampleProfiles holds them (n = 1).
func (e *countedEOB) profile(t *testing.T) sampleProfile {
	t.Helper()
	p := sampleProfile{typ: e.claimType(), n: 1, proc: len(e.Procedure), lines: len(e.Item), hdrExt: len(e.Extension)}
	if p.typ < 0 {
		t.Fatalf("EOB without a known eob-type: %+v", e.Type)
	}
	for _, d := range e.Diagnosis {
		switch {
		case d.Concept != nil:
			p.dx++
		case d.PackageCode != nil:
			p.drg = true
		}
	}
	var roles []string
	for _, m := range e.CareTeam {
		if len(m.Role.Coding) > 0 {
			roles = append(roles, m.Role.Coding[0].Code)
		}
	}
	p.team = strings.Join(roles, "+")
	for _, it := range e.Item {
		p.lineExt += len(it.Extension)
	}
	if len(e.Information) > 0 || len(e.SupportingInfo) > 0 {
		t.Fatal("the sample has an information entry: sampleProfile cannot count it")
	}
	return p
}

// sampleStats reads the sample export: one profile and one line length per
// EOB.
func sampleStats(t *testing.T) (profiles []sampleProfile, lengths []int) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testinputs.Dir(t, "fixtures", "stu3"), sampleFile))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e countedEOB
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("sample line %d: %v", len(lengths)+1, err)
		}
		profiles = append(profiles, e.profile(t))
		lengths = append(lengths, len(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return profiles, lengths
}

// mergeProfiles merges equal counts into one profile each, in a stable
// order.
func mergeProfiles(ps []sampleProfile) []sampleProfile {
	key := func(p sampleProfile) sampleProfile { p.n = 0; return p }
	var out []sampleProfile
	for _, p := range ps {
		i := slices.IndexFunc(out, func(q sampleProfile) bool { return key(q) == key(p) })
		if i < 0 {
			out = append(out, p)
			continue
		}
		out[i].n += p.n
	}
	slices.SortFunc(out, func(a, b sampleProfile) int {
		return cmp.Or(cmp.Compare(a.typ, b.typ), cmp.Compare(a.dx, b.dx), cmp.Compare(boolInt(a.drg), boolInt(b.drg)),
			cmp.Compare(a.team, b.team), cmp.Compare(a.proc, b.proc), cmp.Compare(a.lines, b.lines),
			cmp.Compare(a.hdrExt, b.hdrExt), cmp.Compare(a.lineExt, b.lineExt))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// histogram writes "v×n" pairs of the values f takes over profiles ps, by value.
func histogram(ps []sampleProfile, f func(*sampleProfile) int) string {
	counts := map[int]int{}
	for i := range ps {
		counts[f(&ps[i])] += ps[i].n
	}
	var vs []int
	for v := range counts {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d×%d", v, counts[v])
	}
	return b.String()
}

// meanOf returns the mean of f over profiles ps, weighted by their n.
func meanOf(ps []sampleProfile, f func(*sampleProfile) int) float64 {
	var sum, n float64
	for i := range ps {
		sum += float64(f(&ps[i]) * ps[i].n)
		n += float64(ps[i].n)
	}
	return sum / n
}

// quantile returns the q-quantile (nearest rank) of sorted values.
func quantile(sorted []int, q float64) int {
	return sorted[max(0, int(math.Ceil(q*float64(len(sorted))))-1)]
}

// The per-EOB counts, each with its R4 mapping.
var sampleCounts = []struct {
	name   string
	stu3   func(*sampleProfile) int
	r4     func(*sampleProfile) int
	column string // what the R4 count is, for the generated comment
}{
	{"diagnoses", func(p *sampleProfile) int { return p.dx + boolInt(p.drg) }, func(p *sampleProfile) int { return p.dx }, "STU3 lists a DRG as a diagnosis, R4 as supportingInfo"},
	{"supportingInfo (DRG)", nil, (*sampleProfile).r4SupportingInfo, "STU3: none (AB2D's STU3 trim removes information)"},
	{"care-team members", func(p *sampleProfile) int { return len(strings.Split(p.team, "+")) - boolInt(p.team == "") }, (*sampleProfile).r4CareTeam, "see shape.go"},
	{"lines", func(p *sampleProfile) int { return p.lines }, func(p *sampleProfile) int { return p.lines }, ""},
	{"procedures", func(p *sampleProfile) int { return p.proc }, func(p *sampleProfile) int { return p.proc }, ""},
	{"EOB extensions", func(p *sampleProfile) int { return p.hdrExt }, (*sampleProfile).r4HeaderExt, "R4 adds the near-line code"},
	{"item extensions", func(p *sampleProfile) int { return p.lineExt }, (*sampleProfile).r4LineExt, "R4: anesthesia units (carrier), DME pricing state and supplier type"},
}

// sampleSource returns the Go source of shape_sample.go for the sample's
// profiles and line lengths.
func sampleSource(t *testing.T, all []sampleProfile, lengths []int) []byte {
	t.Helper()
	profiles := mergeProfiles(all)
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by TestAB2DSampleStats (go test ./internal/synth -run TestAB2DSampleStats -update-sample); DO NOT EDIT.

package synth

// The per-EOB statistics of the AB2D sample export
// testdata/fixtures/stu3/%s
// (CMSgov/ab2d-website src/assets/downloads/sample-data-stu3.ndjson, see
// testdata/SOURCES.md): %d EOBs of AB2D's sandbox as the v1 API exports them
// (STU3), the same claims whose R4 (v2) rendering issue 16 measured.
// TestAB2DSampleStats parses each line and counts its diagnosis entries with
// a diagnosisCodeableConcept (and the DRG, an entry with only a packageCode),
// careTeam members (by role), items, procedures, EOB and item extensions and
// bytes; then it groups equal counts into sampleProfiles. The R4 column is
// the count ShapeAB2DSample renders in R4 for the same claims (the mapping
// is in shape.go).
//
// Claim types:
//
`, sampleFile, len(all))
	byType := make([][]sampleProfile, numTypes)
	lens := make([][]int, numTypes)
	for i, p := range all {
		byType[p.typ] = append(byType[p.typ], p)
		lens[p.typ] = append(lens[p.typ], lengths[i])
	}
	for ty := range numTypes {
		fmt.Fprintf(&b, "//\t%-10s %3d EOBs  %5.1f%%\n", claimTypes[ty].eobType, len(byType[ty]), 100*float64(len(byType[ty]))/float64(len(all)))
	}
	fmt.Fprintf(&b, "//\n// Per EOB, per claim type: the distribution (value×EOBs) and the mean, STU3 then R4.\n")
	for _, c := range sampleCounts {
		fmt.Fprintf(&b, "//\n// %s", c.name)
		if c.column != "" {
			fmt.Fprintf(&b, " (%s)", c.column)
		}
		b.WriteString(":\n//\n")
		if c.stu3 != nil {
			fmt.Fprintf(&b, "//\tall STU3   mean %6.3f\n", meanOf(all, c.stu3))
		}
		fmt.Fprintf(&b, "//\tall R4     mean %6.3f\n", meanOf(all, c.r4))
		for ty := range numTypes {
			ps := byType[ty]
			if c.stu3 != nil {
				fmt.Fprintf(&b, "//\t%-10s STU3 mean %6.2f: %s\n", claimTypes[ty].eobType, meanOf(ps, c.stu3), histogram(ps, c.stu3))
			}
			fmt.Fprintf(&b, "//\t%-10s R4   mean %6.2f: %s\n", claimTypes[ty].eobType, meanOf(ps, c.r4), histogram(ps, c.r4))
		}
	}
	fmt.Fprintf(&b, "//\n// Line length, bytes (STU3; R4 is calibrated to sampleR4BytesPerEOB):\n//\n")
	row := func(name string, ls []int) {
		s := slices.Sorted(slices.Values(ls))
		sum := 0
		for _, l := range s {
			sum += l
		}
		fmt.Fprintf(&b, "//\t%-10s mean %5d  min %5d  p10 %5d  p50 %5d  p90 %5d  max %5d\n", name,
			sum/len(s), s[0], quantile(s, 0.1), quantile(s, 0.5), quantile(s, 0.9), s[len(s)-1])
	}
	row("all", lengths)
	for ty := range numTypes {
		row(claimTypes[ty].eobType, lens[ty])
	}
	fmt.Fprintf(&b, `
// sampleEOBs is the number of EOBs of the sample export.
const sampleEOBs = %d

// sampleProfiles are the per-EOB counts of the sample export (STU3), each
// with the number of EOBs that have them: the joint distribution
// ShapeAB2DSample draws claims from.
var sampleProfiles = [...]sampleProfile{
`, len(all))
	for _, p := range profiles {
		fmt.Fprintf(&b, "\t{typ: %s, n: %d, dx: %d, drg: %t, team: %q, proc: %d, lines: %d, hdrExt: %d, lineExt: %d},\n",
			typeIdents[p.typ], p.n, p.dx, p.drg, p.team, p.proc, p.lines, p.hdrExt, p.lineExt)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatalf("generated source does not format: %v\n%s", err, b.Bytes())
	}
	return src
}

// TestAB2DSampleStats recomputes the statistics of the AB2D sample export
// and checks that shape_sample.go holds them (-update-sample rewrites it).
func TestAB2DSampleStats(t *testing.T) {
	profiles, lengths := sampleStats(t)
	if len(profiles) != 500 {
		t.Errorf("the sample has %d EOBs, want 500", len(profiles))
	}
	src := sampleSource(t, profiles, lengths)
	const file = "shape_sample.go"
	if *updateSample {
		if err := os.WriteFile(file, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, src) {
		t.Fatalf("%s is not what the sample export gives; run go test ./internal/synth -run TestAB2DSampleStats -update-sample", file)
	}
	for _, p := range sampleProfiles {
		if p.r4CareTeam() < 0 {
			t.Errorf("profile %+v: drawSampleDetails does not know its care team", p)
		}
		if p.hdrExt != 1 {
			t.Errorf("profile %+v: the generator renders one MBI extension (no historic MBI)", p)
		}
		if p.dx > maxInpatientD || p.proc > maxICDProcs || p.lines > maxLines || p.lines < 1 {
			t.Errorf("profile %+v: counts out of the claim's bounds", p)
		}
	}
	if t.Failed() {
		return
	}
	// The figures issue 16 measured on the R4 rendering of the same export.
	for _, c := range []struct {
		name      string
		f         func(*sampleProfile) int
		want, tol float64
	}{
		{"diagnoses", func(p *sampleProfile) int { return p.dx }, 12.3, 0.05},
		{"care team", (*sampleProfile).r4CareTeam, 3.3, 0.05},
		{"lines", func(p *sampleProfile) int { return p.lines }, 1.0, 0.05},
		{"procedures", func(p *sampleProfile) int { return p.proc }, 0.14, 0.005},
	} {
		if got := meanOf(sampleProfiles[:], c.f); math.Abs(got-c.want) > c.tol {
			t.Errorf("R4 %s per EOB = %.3f, issue 16 measured %.2f", c.name, got, c.want)
		}
	}
}

func TestParseShape(t *testing.T) {
	for in, want := range map[string]Shape{"": ShapeDefault, "default": ShapeDefault, " AB2D-Sample ": ShapeAB2DSample} {
		if got, err := ParseShape(in); err != nil || got != want {
			t.Errorf("ParseShape(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseShape("real"); err == nil {
		t.Error(`ParseShape("real") succeeded`)
	}
	if ShapeDefault.String() != "default" || ShapeAB2DSample.String() != "ab2d-sample" {
		t.Error("Shape.String")
	}
}

// TestShapeAB2DSample generates R4 EOBs of ShapeAB2DSample and checks their
// claim-type mix and mean counts against the sample's (within 4.5 standard
// errors of the mean, the EOBs being independent draws of sampleProfiles),
// their mean length against sampleR4BytesPerEOB, and the rows the flattener
// makes of them.
func TestShapeAB2DSample(t *testing.T) {
	const n = 6000
	lines := generate(t, Options{Seed: 3, Shape: ShapeAB2DSample}, n)
	ps := sampleProfiles[:]

	// Per-EOB counts of the generated lines, as profiles with n = 1 whose
	// counts are R4's.
	gen := make([]sampleProfile, n)
	r4 := make([]map[string]int, n)
	bytesTotal := 0
	for i, line := range lines {
		var e countedEOB
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		gen[i] = sampleProfile{typ: e.claimType(), n: 1}
		lineExt := 0
		for _, it := range e.Item {
			lineExt += len(it.Extension)
		}
		r4[i] = map[string]int{
			"diagnoses": len(e.Diagnosis), "supportingInfo (DRG)": len(e.SupportingInfo), "care-team members": len(e.CareTeam),
			"lines": len(e.Item), "procedures": len(e.Procedure), "EOB extensions": len(e.Extension), "item extensions": lineExt,
		}
		bytesTotal += len(line) + 1
	}

	// Claim-type mix.
	for ty := range numTypes {
		p := meanOf(ps, func(q *sampleProfile) int { return boolInt(q.typ == ty) })
		got := meanOf(gen, func(q *sampleProfile) int { return boolInt(q.typ == ty) })
		if se := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 4.5*se+1e-9 {
			t.Errorf("%s: %.4f of the EOBs, the sample has %.4f (standard error %.4f)", claimTypes[ty].eobType, got, p, se)
		}
	}
	// Mean counts.
	for _, c := range sampleCounts {
		mu := meanOf(ps, c.r4)
		variance := 0.0
		for i := range ps {
			d := float64(c.r4(&ps[i])) - mu
			variance += d * d * float64(ps[i].n) / sampleEOBs
		}
		sum := 0
		for i := range r4 {
			sum += r4[i][c.name]
		}
		got := float64(sum) / n
		se := math.Sqrt(variance / n)
		t.Logf("%-22s per EOB: generated %6.3f, sample (R4) %6.3f ± %.3f", c.name, got, mu, se)
		if math.Abs(got-mu) > 4.5*se+1e-9 {
			t.Errorf("%s per EOB: generated %.3f, the sample's R4 mean is %.3f (standard error %.3f)", c.name, got, mu, se)
		}
	}
	// Line length: calibrated, within 3%.
	mean := float64(bytesTotal) / n
	t.Logf("bytes per EOB: generated %.0f, R4 export %d", mean, sampleR4BytesPerEOB)
	if math.Abs(mean/sampleR4BytesPerEOB-1) > 0.03 {
		t.Errorf("%.0f bytes per EOB, the R4 export has %d", mean, sampleR4BytesPerEOB)
	}

	// What the flattener makes of them: the rows of the six data tables per
	// EOB (MBIs as delivered, one per EOB) against the sample's.
	recs := flatten(t, lines, "R4")
	rows := map[string]int{}
	for i := range recs {
		r := &recs[i]
		rows["claims"]++
		rows["claim_lines"] += len(r.ClaimLines)
		rows["claim_diagnoses"] += len(r.ClaimDiagnoses)
		rows["claim_procedures"] += len(r.ClaimProcedures)
		rows["claim_care_team"] += len(r.ClaimCareTeam)
		rows["beneficiary_mbis"] += len(r.BeneficiaryMBIs)
		rows["claim_supporting_info"] += len(r.ClaimSupportingInfo)
		rows["claim_extensions"] += len(r.ClaimExtensions)
		if len(r.ExportErrors) > 0 {
			t.Fatalf("line %d: %v", i, r.ExportErrors)
		}
	}
	want := map[string]float64{
		"claims": 1, "beneficiary_mbis": 1,
		"claim_lines":           meanOf(ps, func(p *sampleProfile) int { return p.lines }),
		"claim_diagnoses":       meanOf(ps, func(p *sampleProfile) int { return p.dx }),
		"claim_procedures":      meanOf(ps, func(p *sampleProfile) int { return p.proc }),
		"claim_care_team":       meanOf(ps, (*sampleProfile).r4CareTeam),
		"claim_supporting_info": meanOf(ps, (*sampleProfile).r4SupportingInfo),
		"claim_extensions":      0, // every extension AB2D's R4 allow-list keeps has a column
	}
	total := 0.0
	for table, w := range want {
		got := float64(rows[table]) / n
		if table != "claim_supporting_info" && table != "claim_extensions" {
			total += got
		}
		if math.Abs(got-w) > 0.05*w+0.02 {
			t.Errorf("%s: %.3f rows per EOB, want %.3f", table, got, w)
		}
	}
	t.Logf("rows of the six data tables per EOB: %.2f (issue 16: 18.8 on the R4 export)", total)
	if math.Abs(total-18.8) > 0.3 {
		t.Errorf("%.2f rows per EOB, the R4 export has 18.8", total)
	}
}

// TestShapeAB2DSampleCareTeam renders ShapeAB2DSample in every version and
// checks that each care-team member names a provider (no NPI "0" for a
// claim drawn without one) and that no EOB carries an empty careTeam array,
// which FHIR forbids: a claim without providers leaves the element out.
func TestShapeAB2DSampleCareTeam(t *testing.T) {
	for _, v := range []FHIRVersion{R4, STU3, R4V3} {
		t.Run(string(v), func(t *testing.T) {
			members, without := 0, 0
			for i, line := range generate(t, Options{Seed: 5, Shape: ShapeAB2DSample, FHIRVersion: v}, 2000) {
				var e struct {
					CareTeam *[]struct {
						Provider struct {
							Identifier struct {
								Value string `json:"value"`
							} `json:"identifier"`
						} `json:"provider"`
					} `json:"careTeam"`
				}
				if err := json.Unmarshal(line, &e); err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				if e.CareTeam == nil {
					without++
					continue
				}
				if len(*e.CareTeam) == 0 {
					t.Errorf("line %d: empty careTeam array", i)
				}
				for _, m := range *e.CareTeam {
					members++
					if id := m.Provider.Identifier.Value; id == "" || strings.Trim(id, "0") == "" {
						t.Errorf("line %d: care-team provider identifier %q", i, id)
					}
				}
			}
			t.Logf("%s: %d care-team members, %d EOBs without a care team", v, members, without)
			if members == 0 || without == 0 {
				t.Errorf("%s: %d members, %d EOBs without a care team: the sample has both", v, members, without)
			}
		})
	}
}
