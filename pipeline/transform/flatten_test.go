package transform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// fixturesRel is the shared fixtures directory relative to this package.
const fixturesRel = "../../../shared/fixtures"

// sampleNDJSON is the AB2D v1 website sample, relative to fixturesRel.
const sampleNDJSON = "stu3/CMSgov-ab2d-website__sample-data-stu3.ndjson"

// fixturesDir returns the shared fixtures directory. The test is skipped
// when it is absent, and fails when the CI environment variable is set.
func fixturesDir(tb testing.TB) string {
	tb.Helper()
	if fi, err := os.Stat(fixturesRel); err != nil || !fi.IsDir() {
		if os.Getenv("CI") != "" {
			tb.Fatalf("fixtures directory %s is missing (CI is set)", fixturesRel)
		}
		tb.Skipf("fixtures directory %s is absent", fixturesRel)
	}
	return fixturesRel
}

// fixture is one input line taken from a fixture file.
type fixture struct {
	dir  string // r4 or stu3
	file string // base name
	line int    // 1-based line for NDJSON, 0 for single-resource files
	data []byte // one compact JSON resource
}

// loadFixtures returns every single-EOB fixture (compacted to one line, as
// in NDJSON) and the first 500 lines of the NDJSON sample.
func loadFixtures(tb testing.TB) (single []fixture, sample []fixture) {
	tb.Helper()
	dir := fixturesDir(tb)
	for _, sub := range []string{"r4", "stu3"} {
		paths, err := filepath.Glob(filepath.Join(dir, sub, "*.json"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				tb.Fatalf("%s: %v", p, err)
			}
			single = append(single, fixture{dir: sub, file: filepath.Base(p), data: buf.Bytes()})
		}
	}
	if len(single) == 0 {
		tb.Fatalf("no fixtures found under %s", dir)
	}
	f, err := os.Open(filepath.Join(dir, sampleNDJSON))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan() && n <= 500; n++ {
		sample = append(sample, fixture{dir: "stu3", file: filepath.Base(sampleNDJSON), line: n, data: bytes.Clone(sc.Bytes())})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return single, sample
}

// ---- golden form of a Record ----

type goldenRecord struct {
	Line       int               `json:"line,omitempty"`
	Kind       string            `json:"kind"`
	Claim      *goldenClaim      `json:"claim,omitempty"`
	MBIs       []goldenMBI       `json:"mbis,omitempty"`
	CareTeam   []goldenCareTeam  `json:"care_team,omitempty"`
	Diagnoses  []goldenDiagnosis `json:"diagnoses,omitempty"`
	Procedures []goldenProcedure `json:"procedures,omitempty"`
	Lines      []goldenLine      `json:"lines,omitempty"`
	Issues     []goldenIssue     `json:"issues,omitempty"`
}

type goldenMBI struct {
	MBI      string `json:"mbi"`
	Currency string `json:"currency"`
}

type goldenCareTeam struct {
	Sequence       int64  `json:"sequence"`
	ProviderID     string `json:"provider_id"`
	ProviderIDType string `json:"provider_id_type"`
	Role           string `json:"role"`
	Qualification  string `json:"qualification"`
}

type goldenDiagnosis struct {
	Sequence           int64  `json:"sequence"`
	Code               string `json:"code"`
	CodeSystem         string `json:"code_system"`
	DiagnosisType      string `json:"diagnosis_type"`
	PresentOnAdmission string `json:"present_on_admission"`
}

type goldenIssue struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Text     string `json:"text"`
}

type goldenClaim struct {
	EOBID                  string `json:"eob_id"`
	ClaimID                string `json:"claim_id"`
	ClaimGroupID           string `json:"claim_group_id"`
	Status                 string `json:"status"`
	ClaimType              string `json:"claim_type"`
	ClaimTypeCode          string `json:"claim_type_code"`
	BeneficiaryID          string `json:"beneficiary_id"`
	MBI                    string `json:"mbi"`
	BillablePeriodStart    string `json:"billable_period_start"`
	BillablePeriodEnd      string `json:"billable_period_end"`
	LastUpdated            string `json:"last_updated"`
	FHIRVersion            string `json:"fhir_version"`
	PrincipalDiagnosisCode string `json:"principal_diagnosis_code"`
	DRGCode                string `json:"drg_code"`
	FacilityTypeCode       string `json:"facility_type_code"`
	AttendingNPI           string `json:"attending_npi"`
	OperatingNPI           string `json:"operating_npi"`
	RenderingNPI           string `json:"rendering_npi"`
	ReferringNPI           string `json:"referring_npi"`
}

type goldenProcedure struct {
	Sequence      int64  `json:"sequence"`
	Code          string `json:"code"`
	CodeSystem    string `json:"code_system"`
	ProcedureDate string `json:"procedure_date"`
}

type goldenLine struct {
	LineNumber     int64    `json:"line_number"`
	HCPCSCode      string   `json:"hcpcs_code"`
	ServiceDate    string   `json:"service_date"`
	ServiceStart   string   `json:"service_start"`
	ServiceEnd     string   `json:"service_end"`
	PlaceOfService string   `json:"place_of_service"`
	Quantity       *float64 `json:"quantity"`
	NDCCode        string   `json:"ndc_code"`
	RenderingNPI   string   `json:"rendering_npi"`
}

func instantString(i Instant) string {
	if !i.Valid {
		return ""
	}
	return i.Time().Format(time.RFC3339Nano)
}

func toGolden(rec *Record) goldenRecord {
	var g goldenRecord
	for _, m := range rec.MBIs {
		g.MBIs = append(g.MBIs, goldenMBI(m))
	}
	for _, m := range rec.CareTeam {
		g.CareTeam = append(g.CareTeam, goldenCareTeam(m))
	}
	for _, d := range rec.Diagnoses {
		g.Diagnoses = append(g.Diagnoses, goldenDiagnosis(d))
	}
	for _, i := range rec.Issues {
		g.Issues = append(g.Issues, goldenIssue(i))
	}
	switch rec.Kind {
	case KindEOB:
		g.Kind = "EOB"
		c := rec.Claim
		g.Claim = &goldenClaim{
			EOBID: c.EOBID, ClaimID: c.ClaimID, ClaimGroupID: c.ClaimGroupID, Status: c.Status,
			ClaimType: c.ClaimType, ClaimTypeCode: c.ClaimTypeCode, BeneficiaryID: c.BeneficiaryID, MBI: c.MBI,
			BillablePeriodStart: c.BillablePeriodStart.String(), BillablePeriodEnd: c.BillablePeriodEnd.String(),
			LastUpdated: instantString(c.LastUpdated), FHIRVersion: c.FHIRVersion,
			PrincipalDiagnosisCode: c.PrincipalDiagnosisCode, DRGCode: c.DRGCode, FacilityTypeCode: c.FacilityTypeCode,
			AttendingNPI: c.AttendingNPI, OperatingNPI: c.OperatingNPI, RenderingNPI: c.RenderingNPI, ReferringNPI: c.ReferringNPI,
		}
	case KindOperationOutcome:
		g.Kind = "OperationOutcome"
	default:
		g.Kind = "?"
	}
	for _, p := range rec.Procedures {
		g.Procedures = append(g.Procedures, goldenProcedure{p.Sequence, p.Code, p.CodeSystem, p.ProcedureDate.String()})
	}
	for _, l := range rec.Lines {
		gl := goldenLine{
			LineNumber: l.LineNumber, HCPCSCode: l.HCPCSCode,
			ServiceDate: l.ServiceDate.String(), ServiceStart: l.ServiceStart.String(), ServiceEnd: l.ServiceEnd.String(),
			PlaceOfService: l.PlaceOfService, NDCCode: l.NDCCode, RenderingNPI: l.RenderingNPI,
		}
		if l.Quantity.Valid {
			q := l.Quantity.V
			gl.Quantity = &q
		}
		g.Lines = append(g.Lines, gl)
	}
	return g
}

// checkGolden compares the golden form b with the golden file, or rewrites
// it with -update.
func checkGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", path, firstDiff(want, b))
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs)"
}

// TestGolden flattens every fixture and compares with testdata/golden.
func TestGolden(t *testing.T) {
	single, sample := loadFixtures(t)
	f := NewFlattener()
	var rec Record
	for _, fx := range single {
		t.Run(fx.dir+"/"+fx.file, func(t *testing.T) {
			if err := f.Flatten(fx.data, &rec); err != nil {
				t.Fatalf("Flatten: %v", err)
			}
			b, err := json.MarshalIndent(toGolden(&rec), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			name := fx.dir + "__" + strings.TrimSuffix(fx.file, filepath.Ext(fx.file))
			checkGolden(t, name, append(b, '\n'))
		})
	}
	// The sample's golden file is a JSON array with one compact record per
	// line, to keep it small and its diffs readable.
	t.Run("stu3/sample-ndjson", func(t *testing.T) {
		if len(sample) != 500 {
			t.Fatalf("read %d sample lines, want 500", len(sample))
		}
		b := []byte("[\n")
		for i, fx := range sample {
			if err := f.Flatten(fx.data, &rec); err != nil {
				t.Fatalf("line %d: Flatten: %v", fx.line, err)
			}
			g := toGolden(&rec)
			g.Line = fx.line
			rb, err := json.Marshal(g)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, rb...)
			if i < len(sample)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "]\n"...)
		checkGolden(t, "stu3__"+strings.TrimSuffix(filepath.Base(sampleNDJSON), ".ndjson"), b)
	})
}
