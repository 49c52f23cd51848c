package transform

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// sampleNDJSON is the AB2D v1 website sample, relative to fixturesDir.
const sampleNDJSON = "stu3/CMSgov-ab2d-website__sample-data-stu3.ndjson"

// fixturesDir returns testdata/fixtures at the module root.
func fixturesDir(tb testing.TB) string {
	tb.Helper()
	return testinputs.Dir(tb, "fixtures")
}

// fixture is one input line taken from a fixture file.
type fixture struct {
	dir  string // r4, stu3 or v3
	file string // base name
	line int    // 1-based line for NDJSON, 0 for single-resource files
	data []byte // one compact JSON resource
}

// loadFixtures returns every single-EOB fixture of AB2D v2 (r4), v1 (stu3)
// and v3 (compacted to one line, as in NDJSON) and the first 500 lines of
// the NDJSON sample.
func loadFixtures(tb testing.TB) (single []fixture, sample []fixture) {
	tb.Helper()
	dir := fixturesDir(tb)
	for _, sub := range []string{"r4", "stu3", "v3"} {
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

// goldenRecord returns the golden form of a flattened line: its kind, then
// for each table it has rows of (in catalog order) the rows as the Builder
// turns them into Arrow, column by column in schema order without the
// lineage columns, then its codings. It is derived from package schema and
// the generated code, so a column added there shows up here by itself.
// Compact is one line per record (the sample's golden file).
func goldenRecord(tb testing.TB, rec *Record, line int, compact bool) []byte {
	tb.Helper()
	b := NewBuilder(memory.DefaultAllocator, schema.Warehouse())
	defer b.Release()
	b.Add(rec, &Lineage{})
	batch := b.Flush()
	defer batch.Release()
	var out bytes.Buffer
	nl, ind, sep := "\n", "  ", ": "
	if compact {
		nl, ind, sep = "", "", ":"
	}
	out.WriteString("{" + nl)
	if line > 0 {
		fmt.Fprintf(&out, "%s\"line\"%s%d,%s", ind, sep, line, nl)
	}
	kind := map[Kind]string{KindEOB: "EOB", KindOperationOutcome: "OperationOutcome"}[rec.Kind]
	fmt.Fprintf(&out, "%s\"kind\"%s%q", ind, sep, kind)
	for i, t := range schema.Warehouse().ParquetTables() {
		r := batch.Records[i]
		if r == nil {
			continue
		}
		fmt.Fprintf(&out, ",%s%s%q%s[", nl, ind, t.Name, sep)
		for row := 0; row < int(r.NumRows()); row++ {
			if row > 0 {
				out.WriteString(",")
			}
			out.WriteString(nl + ind + ind + "{")
			first := true
			for c, col := range t.Columns {
				if col.Lineage {
					continue
				}
				v, err := json.Marshal(r.Column(c).GetOneForMarshal(row))
				if err != nil {
					tb.Fatal(err)
				}
				if !first {
					out.WriteString(",")
				}
				first = false
				fmt.Fprintf(&out, "%s%s%s%q%s%s", nl, ind, ind+ind, col.Name, sep, v)
			}
			out.WriteString(nl + ind + ind + "}")
		}
		out.WriteString(nl + ind + "]")
	}
	if len(rec.Codings) > 0 {
		fmt.Fprintf(&out, ",%s%s\"codings\"%s[", nl, ind, sep)
		for i, c := range rec.Codings {
			if i > 0 {
				out.WriteString(",")
			}
			v, err := json.Marshal(c)
			if err != nil {
				tb.Fatal(err)
			}
			fmt.Fprintf(&out, "%s%s%s%s", nl, ind, ind, v)
		}
		out.WriteString(nl + ind + "]")
	}
	out.WriteString(nl + "}")
	return out.Bytes()
}

// checkGolden compares the golden form b with the golden file, or rewrites
// it with -update.
func checkGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	testinputs.Golden(t, filepath.Join("testdata", "golden", name+".golden.json"), b, *update)
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
			name := fx.dir + "__" + strings.TrimSuffix(fx.file, filepath.Ext(fx.file))
			checkGolden(t, name, append(goldenRecord(t, &rec, 0, false), '\n'))
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
			b = append(b, goldenRecord(t, &rec, fx.line, true)...)
			if i < len(sample)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "]\n"...)
		checkGolden(t, "stu3__"+strings.TrimSuffix(filepath.Base(sampleNDJSON), ".ndjson"), b)
	})
}

// ---- independent checks (computed with encoding/json, not golden) ----

// obj, list and text read generic encoding/json values.
func obj(v any, key string) any {
	m, _ := v.(map[string]any)
	return m[key]
}

func list(v any) []any { a, _ := v.([]any); return a }

func text(v any) string { s, _ := v.(string); return s }

func TestFixturesIndependent(t *testing.T) {
	single, sample := loadFixtures(t)
	f := NewFlattener()
	var rec Record
	for _, fx := range append(single, sample...) {
		name := fx.dir + "/" + fx.file
		if fx.line > 0 {
			name += ":" + strconv.Itoa(fx.line)
		}
		var doc map[string]any
		if err := json.Unmarshal(fx.data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := f.Flatten(fx.data, &rec); err != nil {
			t.Errorf("%s: Flatten: %v", name, err)
			continue
		}
		c := rec.Claims[0]
		check := func(what string, got, want any) {
			t.Helper()
			if got != want {
				t.Errorf("%s: %s = %v, want %v", name, what, got, want)
			}
		}
		v3 := fx.dir == "v3"
		check("kind", rec.Kind, KindEOB)
		id := text(doc["id"])
		if v3 && id == "" { // BFD's v3 samples: the uc identifier
			for _, ident := range list(doc["identifier"]) {
				for _, cd := range list(obj(obj(ident, "type"), "coding")) {
					if text(obj(cd, "code")) == "uc" {
						id = text(obj(ident, "value"))
					}
				}
			}
		}
		check("eob_id", c.EOBID, id)
		wantVersion := map[string]string{"r4": "R4", "stu3": "STU3", "v3": "R4"}[fx.dir]
		check("fhir_version", c.FHIRVersion, wantVersion)
		check("api_version", c.APIVersion, map[string]string{"r4": "v2", "stu3": "v1", "v3": "v3"}[fx.dir])

		var eobType string
		for _, cd := range list(obj(doc["type"], "coding")) {
			switch text(obj(cd, "system")) {
			case sysEOBType, "https://bluebutton.cms.gov/fhir/CodeSystem/EOB-TYPE":
				eobType = text(obj(cd, "code"))
			}
		}
		if eobType != "" || !v3 { // else derived from CLM-TYPE-CD
			check("claim_type", c.ClaimType, eobType)
		}
		check("status", c.Status, text(doc["status"]))
		patient := c.BeneficiaryID
		if v3 {
			patient = c.BeneficiarySourceKey
			check("beneficiary_id", c.BeneficiaryID, "")
		}
		check("patient", "Patient/"+patient, text(obj(doc["patient"], "reference")))
		check("billable_period_start", c.BillablePeriodStart.String(), text(obj(doc["billablePeriod"], "start")))
		check("billable_period_end", c.BillablePeriodEnd.String(), text(obj(doc["billablePeriod"], "end")))
		lu := text(obj(doc["meta"], "lastUpdated"))
		if ts, err := time.Parse(time.RFC3339, lu); err == nil {
			check("last_updated", c.LastUpdated, Instant{Micros: ts.UnixMicro(), Valid: true})
		} else {
			check("last_updated valid", c.LastUpdated.Valid, false)
		}

		var dx []any
		for _, d := range list(doc["diagnosis"]) {
			if obj(d, "diagnosisCodeableConcept") != nil {
				dx = append(dx, d)
			}
		}
		check("diagnosis rows", len(rec.ClaimDiagnoses), len(dx))
		for i := 0; i < len(dx) && i < len(rec.ClaimDiagnoses); i++ {
			check("diagnosis sequence", float64(rec.ClaimDiagnoses[i].Sequence.V), obj(dx[i], "sequence"))
			found := false
			for _, cd := range list(obj(obj(dx[i], "diagnosisCodeableConcept"), "coding")) {
				code := text(obj(cd, "code"))
				if v3 { // ICD codes without their dot, as v1 and v2 send them
					code = strings.ReplaceAll(code, ".", "")
				}
				found = found || code == rec.ClaimDiagnoses[i].Code
			}
			check("diagnosis code among the codings", found, true)
		}
		check("procedure rows", len(rec.ClaimProcedures), len(list(doc["procedure"])))
		check("care team rows", len(rec.ClaimCareTeam), len(list(doc["careTeam"])))
		items := list(doc["item"])
		check("line rows", len(rec.ClaimLines), len(items))
		for i := 0; i < len(items) && i < len(rec.ClaimLines); i++ {
			check("line_number", float64(rec.ClaimLines[i].LineNumber.V), obj(items[i], "sequence"))
			q, hasQ := obj(obj(items[i], "quantity"), "value").(float64)
			check("quantity", rec.ClaimLines[i].Quantity, Float{V: q, Valid: hasQ})
		}

		var mbis []string
		for _, e := range list(doc["extension"]) {
			if text(obj(e, "url")) == urlMBIExt {
				mbis = append(mbis, text(obj(obj(e, "valueIdentifier"), "value")))
			}
		}
		check("mbi rows", len(rec.BeneficiaryMBIs), len(mbis))
		for i := 0; i < len(mbis) && i < len(rec.BeneficiaryMBIs); i++ {
			check("mbi", rec.BeneficiaryMBIs[i].MBI, mbis[i])
		}
		if fx.line > 0 {
			// Every line of the AB2D sample carries a current MBI.
			check("mbi present", c.MBI != "", true)
		}
		// Only NPIs go into the *_npi columns.
		for _, npi := range []string{c.AttendingNPI, c.OperatingNPI, c.RenderingNPI, c.ReferringNPI} {
			if npi == "" {
				continue
			}
			// v3 DME claims: the supplier, their billing provider.
			ok := v3 && c.ClaimType == "DME" && npi == c.RenderingNPI && npi == c.ProviderID
			for _, m := range rec.ClaimCareTeam {
				ok = ok || (m.ProviderID == npi && m.ProviderIDType == "npi")
			}
			check("claim NPI "+npi+" is an NPI care-team member", ok, true)
		}
	}
}

// ---- synthetic cases ----

// eob builds a minimal one-line EOB with the given extra top-level members.
func eob(extra string) []byte {
	s := `{"resourceType":"ExplanationOfBenefit","id":"carrier-1"`
	if extra != "" {
		s += "," + extra
	}
	return []byte(s + "}")
}

func TestFlattenRejects(t *testing.T) {
	cases := []struct {
		name string
		line []byte
		want string // substring of the error
	}{
		{"empty", []byte(""), "empty line"},
		{"blank", []byte("  \t "), "empty line"},
		{"invalid JSON", []byte(`{"resourceType":`), "invalid JSON"},
		{"truncated", eob(`"status":"act`), "invalid JSON"},
		{"trailing garbage", []byte(`{"resourceType":"ExplanationOfBenefit","id":"a"} x`), "invalid JSON"},
		{"two values", []byte(`{"id":"a"}{"id":"b"}`), "invalid JSON"},
		{"array", []byte(`[{"resourceType":"ExplanationOfBenefit","id":"a"}]`), "not a JSON object but an array"},
		{"string", []byte(`"ExplanationOfBenefit"`), "not a JSON object but a string"},
		{"null", []byte(`null`), "not a JSON object but null"},
		{"no resourceType", []byte(`{"id":"a"}`), "missing resourceType"},
		{"resourceType number", []byte(`{"resourceType":1,"id":"a"}`), "resourceType: not a string"},
		{"Patient", []byte(`{"resourceType":"Patient","id":"a"}`), `resourceType "Patient" is not ExplanationOfBenefit or OperationOutcome`},
		{"EOB without id", []byte(`{"resourceType":"ExplanationOfBenefit"}`), "ExplanationOfBenefit without id"},
		{"EOB empty id", []byte(`{"resourceType":"ExplanationOfBenefit","id":""}`), "ExplanationOfBenefit without id"},
		{"EOB id number", []byte(`{"resourceType":"ExplanationOfBenefit","id":12}`), "id: not a string"},
		{"invalid UTF-8", append(eob(`"status":"a`)[:len(eob(`"status":"a`))-1], 0xff, '"', '}'), "invalid UTF-8 at byte"},
		{"invalid UTF-8 position", []byte("{\"id\":\"\xc3\x28\"}"), "invalid UTF-8 at byte 7"},
		{"NUL byte", []byte("{\"resourceType\":\"ExplanationOfBenefit\",\"id\":\"a\x00b\"}"), "control character 0x00 at byte 46"},
		{"NUL only", []byte{0}, "control character 0x00 at byte 0"},
		{"issue not array", []byte(`{"resourceType":"OperationOutcome","issue":{}}`), "issue: not an array"},
	}
	f := NewFlattener()
	var rec Record
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := f.Flatten(tc.line, &rec)
			if err == nil {
				t.Fatalf("Flatten(%q) = nil, want error containing %q", tc.line, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Flatten(%q) = %q, want it to contain %q", tc.line, err, tc.want)
			}
			if rec.Kind != 0 || len(rec.Claims) != 0 || len(rec.ClaimLines)+len(rec.ClaimCareTeam)+len(rec.ClaimDiagnoses)+len(rec.ExportErrors) != 0 {
				t.Fatalf("record not reset after a reject: %+v", rec)
			}
		})
	}
	// The flattener still works after rejects.
	if err := f.Flatten(eob(`"status":"active"`), &rec); err != nil || rec.Claims[0].Status != "active" {
		t.Fatalf("after rejects: err %v, status %q", err, rec.Claims[0].Status)
	}
}

// TestFieldIssues: a value of an EOB that does not fit its column does not
// reject the line. The EOB loads, the value's column is NULL (or the
// element is left out), and the raw value is kept with where it was and
// why: one row of field_issues per value, of each kind.
func TestFieldIssues(t *testing.T) {
	cases := []struct {
		name                string
		line                []byte
		path, table, column string
		raw, reason         string
	}{
		{"status number", eob(`"status":5`), "status", "claims", "status", "5", "not a string"},
		{"type not object", eob(`"type":"CARRIER"`), "type", "claims", "", "CARRIER", "not an object"},
		{"coding not array", eob(`"type":{"coding":{"code":"x"}}`), "type.coding", "claims", "", "{\"code\":\"x\"}", "not an array"},
		{"coding element not object", eob(`"type":{"coding":["x"]}`), "type.coding[0]", "claims", "", "x", "not an object"},
		{"identifier not array", eob(`"identifier":{}`), "identifier", "claims", "", "{}", "not an array"},
		{"identifier value number", eob(`"identifier":[{"system":"` + sysClaimID + `","value":9}]`), "identifier[0].value", "claims", "claim_id", "9", "not a string"},
		{"item sequence string", eob(`"item":[{"sequence":"1"}]`), "item[0].sequence", "claim_lines", "line_number", "1", "not an integer"},
		{"item sequence fraction", eob(`"item":[{"sequence":1.5}]`), "item[0].sequence", "claim_lines", "line_number", "1.5", "not an integer"},
		{"item sequence missing", eob(`"item":[{"quantity":{"value":1}}]`), "item[0].sequence", "claim_lines", "line_number", "", "missing"},
		{"item not object", eob(`"item":[1]`), "item[0]", "claim_lines", "", "1", "not an object"},
		{"quantity string", eob(`"item":[{"sequence":1,"quantity":{"value":"2"}}]`), "item[0].quantity.value", "claim_lines", "quantity", "2", "not a finite number"},
		{"quantity NaN", eob(`"item":[{"sequence":1,"quantity":{"value":NaN}}]`), "item[0].quantity.value", "claim_lines", "quantity", "NaN", "not a finite number"},
		{"diagnosis sequence string", eob(`"diagnosis":[{"sequence":"1","diagnosisCodeableConcept":{"coding":[{"code":"A"}]}}]`), "diagnosis[0].sequence", "claim_diagnoses", "sequence", "1", "not an integer"},
		{"careTeam sequence float", eob(`"careTeam":[{"sequence":2.5}]`), "careTeam[0].sequence", "claim_care_team", "sequence", "2.5", "not an integer"},
		{"careTeam provider value number", eob(`"careTeam":[{"sequence":2,"provider":{"identifier":{"value":1}}}]`), "careTeam[0].provider.identifier.value", "claim_care_team", "", "1", "not a string"},
		{"procedure date number", eob(`"procedure":[{"sequence":1,"date":20160116}]`), "procedure[0].date", "claim_procedures", "procedure_date", "20160116", "not a string"},
		{"procedure date impossible", eob(`"procedure":[{"sequence":1,"date":"2016-02-30"}]`), "procedure[0].date", "claim_procedures", "procedure_date", "2016-02-30", "not a valid date (YYYY-MM-DD)"},
		{"billablePeriod start number", eob(`"billablePeriod":{"start":2016}`), "billablePeriod.start", "claims", "billable_period_start", "2016", "not a string"},
		{"billablePeriod start impossible", eob(`"billablePeriod":{"start":"2020-13-45"}`), "billablePeriod.start", "claims", "billable_period_start", "2020-13-45", "not a valid date (YYYY-MM-DD)"},
		{"lastUpdated number", eob(`"meta":{"lastUpdated":1}`), "meta.lastUpdated", "claims", "last_updated", "1", "not a string"},
		{"lastUpdated unparseable", eob(`"meta":{"lastUpdated":"yesterday"}`), "meta.lastUpdated", "claims", "last_updated", "yesterday", "not a valid instant (RFC 3339 with a time zone)"},
		{"MBI value number", eob(`"extension":[{"url":"` + urlMBIExt + `","valueIdentifier":{"system":"` + sysMBI + `","value":1}}]`), "extension[0].valueIdentifier.value", "claims", "mbi", "1", "not a string"},
		{"extension date impossible", eob(`"extension":[{"url":"u:d","valueDate":"2021-02-29"}]`), "extension[0].valueDate", "claim_extensions", "value_date", "2021-02-29", "not a valid date (YYYY-MM-DD)"},
		{"extension decimal string", eob(`"extension":[{"url":"u:q","valueDecimal":"7"}]`), "extension[0].valueDecimal", "claim_extensions", "value_decimal", "7", "not a finite number"},
		{"supportingInfo date impossible", eob(`"supportingInfo":[{"sequence":1,"timingDate":"2019-00-01"}]`), "supportingInfo[0].timingDate", "claim_supporting_info", "timing_date", "2019-00-01", "not a valid date (YYYY-MM-DD)"},
		{"careTeam link string", []byte(`{"resourceType":"ExplanationOfBenefit","id":"carrier-1","meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/x"]},"item":[{"sequence":1,"careTeamSequence":["2"]}]}`), "item[0].careTeamSequence[0]", "claim_lines", "", "2", "not an integer"},
	}
	f := NewFlattener()
	var rec Record
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.Flatten(tc.line, &rec); err != nil {
				t.Fatalf("Flatten(%s) rejected the EOB: %v", tc.line, err)
			}
			if rec.Kind != KindEOB || len(rec.Claims) != 1 || rec.Claims[0].EOBID != "carrier-1" {
				t.Fatalf("EOB not loaded: %+v", rec.Claims)
			}
			want := FieldIssuesRow{EOBID: "carrier-1", TableName: tc.table, ColumnName: tc.column, FHIRPath: tc.path, RawValue: tc.raw, Reason: tc.reason}
			if len(rec.FieldIssues) != 1 || rec.FieldIssues[0] != want {
				t.Fatalf("field issues %+v, want [%+v]", rec.FieldIssues, want)
			}
		})
	}
	// The column of a value that did not fit is NULL.
	if err := f.Flatten(eob(`"billablePeriod":{"start":"2020-13-45","end":"2020-02-01"}`), &rec); err != nil {
		t.Fatal(err)
	}
	if c := rec.Claims[0]; c.BillablePeriodStart.Valid || c.BillablePeriodEnd.String() != "2020-02-01" {
		t.Errorf("billable period %v – %v", c.BillablePeriodStart, c.BillablePeriodEnd)
	}
	// Long raw values are clipped.
	long := strings.Repeat("9", 2*MaxRawValue)
	if err := f.Flatten(eob(`"status":`+long), &rec); err != nil {
		t.Fatal(err)
	}
	if raw := rec.FieldIssues[0].RawValue; len(raw) > MaxRawValue+len("…") || !strings.HasPrefix(raw, "999") {
		t.Errorf("raw value of %d bytes not clipped: %d bytes", len(long), len(raw))
	}
}

func TestOperationOutcome(t *testing.T) {
	line := []byte(`{"resourceType":"OperationOutcome","id":"x","issue":[` +
		`{"severity":"error","code":"exception","details":{"text":"Could not fetch claims for patient -1"}},` +
		`{"severity":"warning","code":"processing","diagnostics":"only diagnostics"},` +
		`{"severity":"information","code":"informational","details":{"text":"details win"},"diagnostics":"ignored"}]}`)
	f := NewFlattener()
	var rec Record
	if err := f.Flatten(line, &rec); err != nil {
		t.Fatal(err)
	}
	want := []ExportErrorsRow{
		{"error", "exception", "Could not fetch claims for patient -1"},
		{"warning", "processing", "only diagnostics"},
		{"information", "informational", "details win"},
	}
	if rec.Kind != KindOperationOutcome || len(rec.ExportErrors) != len(want) {
		t.Fatalf("kind %v, issues %+v", rec.Kind, rec.ExportErrors)
	}
	for i := range want {
		if rec.ExportErrors[i] != want[i] {
			t.Errorf("issue %d = %+v, want %+v", i, rec.ExportErrors[i], want[i])
		}
	}
	if len(rec.Claims) != 0 || len(rec.ClaimLines) != 0 {
		t.Errorf("OperationOutcome filled EOB rows: %+v", rec.Rows)
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" for NULL
	}{
		{"1970-01-01", "1970-01-01"},
		{"2016-01-16", "2016-01-16"},
		{"2016-01-16T00:00:00+00:00", "2016-01-16"},
		{"2016-11-11T00:00:00-05:00", "2016-11-11"},
		{"1942-01-03", "1942-01-03"},
		{"0001-01-01", "0001-01-01"},
		{"2000-02-29", "2000-02-29"},
		{"2024-02-29", "2024-02-29"},
		{"1900-02-29", ""},
		{"2023-02-29", ""},
		{"2021-04-31", ""},
		{"2021-13-01", ""},
		{"2021-00-10", ""},
		{"2021-01-00", ""},
		{"2021", ""},
		{"2021-05", ""},
		{"2021-05-0", ""},
		{"2021-05-011", ""},
		{"2021/05/01", ""},
		{"IGNORED_FIELD", ""},
		{"", ""},
		{"0000-01-01", ""},
		{"-001-01-01", ""},
	}
	for _, tc := range cases {
		got := parseDate([]byte(tc.in))
		if got.String() != tc.want || got.Valid != (tc.want != "") {
			t.Errorf("parseDate(%q) = %+v (%q), want %q", tc.in, got, got.String(), tc.want)
		}
		if got.Valid {
			ref, _ := time.Parse(time.DateOnly, tc.want)
			if int64(got.Days) != ref.Unix()/86400 {
				t.Errorf("parseDate(%q).Days = %d, want %d", tc.in, got.Days, ref.Unix()/86400)
			}
		}
	}
}

func TestParseInstant(t *testing.T) {
	cases := []struct {
		in   string
		want string // RFC3339Nano in UTC, "" for NULL
	}{
		{"2021-08-17T13:47:58.887-04:00", "2021-08-17T17:47:58.887Z"},
		{"2022-04-18T21:11:07.722+00:00", "2022-04-18T21:11:07.722Z"},
		{"2020-12-09T16:19:38.679Z", "2020-12-09T16:19:38.679Z"},
		{"2020-12-09T16:19:38+01:00", "2020-12-09T15:19:38Z"},
		{"2020-12-09T16:19:38.123456789Z", "2020-12-09T16:19:38.123456Z"},
		{"IGNORED_FIELD", ""},
		{"2020-12-09", ""},
		{"2020-12-09T16:19:38", ""},
		{"", ""},
	}
	for _, tc := range cases {
		got := parseInstant([]byte(tc.in))
		s := ""
		if got.Valid {
			s = got.Time().Format(time.RFC3339Nano)
		}
		if s != tc.want {
			t.Errorf("parseInstant(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

// TestMappingRules checks rules the fixtures do not exercise.
func TestMappingRules(t *testing.T) {
	const r4Meta = `"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"]}`
	npi := func(seq int, value, role string) string {
		return `{"sequence":` + strconv.Itoa(seq) + `,"provider":{"identifier":{"system":"` + sysNPI + `","value":"` + value + `"}},"role":{"coding":[{"system":"http://hl7.org/fhir/claimcareteamrole","code":"` + role + `"}]}}`
	}
	r4npi := func(seq int, value, idType, role string) string {
		return `{"sequence":` + strconv.Itoa(seq) + `,"provider":{"identifier":{"type":{"coding":[{"code":"` + idType + `"}]},"value":"` + value + `"}},"role":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole","code":"` + role + `"}]}}`
	}
	typ := func(eobType string) string {
		return `"type":{"coding":[{"system":"` + sysEOBType + `","code":"` + eobType + `"}]}`
	}
	f := NewFlattener()
	var rec Record
	flatten := func(t *testing.T, line []byte) *Record {
		t.Helper()
		if err := f.Flatten(line, &rec); err != nil {
			t.Fatalf("Flatten: %v", err)
		}
		return &rec
	}

	t.Run("STU3 institutional: one linked primary is attending and rendering", func(t *testing.T) {
		r := flatten(t, eob(typ("INPATIENT")+`,"careTeam":[`+npi(2, "111", "assist")+`,`+npi(3, "222", "primary")+`],"item":[{"sequence":1,"careTeamLinkId":[3]}]`))
		c := r.Claims[0]
		if c.FHIRVersion != "STU3" || c.OperatingNPI != "111" || c.AttendingNPI != "222" || c.RenderingNPI != "222" || r.ClaimLines[0].RenderingNPI != "222" {
			t.Errorf("got %+v, line %+v", c, r.ClaimLines[0])
		}
	})
	t.Run("STU3 institutional: unlinked primary is attending only", func(t *testing.T) {
		c := flatten(t, eob(typ("OUTPATIENT")+`,"careTeam":[`+npi(3, "222", "primary")+`],"item":[{"sequence":1}]`)).Claims[0]
		if c.AttendingNPI != "222" || c.RenderingNPI != "" {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("STU3 carrier: primary is rendering, no attending", func(t *testing.T) {
		c := flatten(t, eob(typ("CARRIER")+`,"careTeam":[`+npi(2, "333", "primary")+`,`+npi(3, "444", "referring")+`]`)).Claims[0]
		if c.AttendingNPI != "" || c.RenderingNPI != "333" || c.ReferringNPI != "444" {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("STU3 UPIN is not an NPI", func(t *testing.T) {
		r := flatten(t, eob(typ("CARRIER")+`,"careTeam":[{"sequence":2,"provider":{"identifier":{"system":"https://bluebutton.cms.gov/resources/variables/carr_clm_upin","value":"U1"}},"role":{"coding":[{"code":"primary"}]}}]`))
		if r.ClaimCareTeam[0].ProviderIDType != "upin" || r.Claims[0].RenderingNPI != "" {
			t.Errorf("got %+v / %+v", r.ClaimCareTeam[0], r.Claims[0])
		}
	})
	t.Run("R4 roles, NPI only, line link", func(t *testing.T) {
		r := flatten(t, eob(r4Meta+`,`+typ("HOSPICE")+`,"careTeam":[`+
			r4npi(1, "A1", "npi", "attending")+`,`+r4npi(2, "U2", "UPIN", "performing")+`,`+
			r4npi(3, "P3", "npi", "performing")+`,`+r4npi(4, "O4", "npi", "operating")+`,`+r4npi(5, "R5", "npi", "referring")+
			`],"item":[{"sequence":1,"careTeamSequence":[2,3]},{"sequence":2,"careTeamSequence":[4]},{"sequence":3,"careTeamSequence":[2]},{"sequence":4,"careTeamSequence":[1,4]}]`))
		c := r.Claims[0]
		if c.FHIRVersion != "R4" || c.AttendingNPI != "A1" || c.RenderingNPI != "P3" || c.OperatingNPI != "O4" || c.ReferringNPI != "R5" {
			t.Errorf("claim %+v", c)
		}
		if r.ClaimCareTeam[1].ProviderIDType != "upin" {
			t.Errorf("UPIN type = %q", r.ClaimCareTeam[1].ProviderIDType)
		}
		// Line 1: performing NPI; line 2: the only linked member; line 3: only a
		// UPIN; line 4: two members, none rendering.
		for i, want := range []string{"P3", "O4", "", ""} {
			if got := r.ClaimLines[i].RenderingNPI; got != want {
				t.Errorf("line %d rendering_npi = %q, want %q", i+1, got, want)
			}
		}
	})
	t.Run("R4 onAdmission, DRG, ICD preference, diagnosis types", func(t *testing.T) {
		r := flatten(t, eob(r4Meta+`,"diagnosis":[`+
			`{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://example.org/other","code":"X"},{"system":"`+sysICD10CM+`","code":"A40"}]},"type":[{"coding":[{"code":"admitting"}]},{"coding":[{"code":"principal"}]}],"onAdmission":{"coding":[{"code":"Y"}]}},`+
			`{"sequence":2,"diagnosisReference":{"reference":"Condition/1"}}],`+
			`"supportingInfo":[{"sequence":1,"code":{"coding":[{"system":"x","code":"no"}]}},{"sequence":2,"code":{"coding":[{"system":"`+sysDRG+`","code":"695"}]}}]`))
		if len(r.ClaimDiagnoses) != 1 {
			t.Fatalf("diagnoses %+v", r.ClaimDiagnoses)
		}
		want := ClaimDiagnosesRow{EOBID: "carrier-1", Sequence: Int{1, true}, DiagnosisNumber: Int{1, true}, Code: "A40", CodeSystem: sysICD10CM, DiagnosisType: "admitting,principal", DiagnosisRole: "principal,admitting", PresentOnAdmission: "Y"}
		if r.ClaimDiagnoses[0] != want {
			t.Errorf("diagnosis %+v, want %+v", r.ClaimDiagnoses[0], want)
		}
		if r.Claims[0].PrincipalDiagnosisCode != "A40" || r.Claims[0].DRGCode != "695" {
			t.Errorf("claim %+v", r.Claims[0])
		}
	})
	t.Run("MBIs: current one is the claim MBI, all kept in order", func(t *testing.T) {
		ext := func(v, cur string) string {
			return `{"url":"` + urlMBIExt + `","valueIdentifier":{"extension":[{"url":"` + urlCurrency + `","valueCoding":{"code":"` + cur + `"}}],"system":"` + sysMBI + `","value":"` + v + `"}}`
		}
		r := flatten(t, eob(`"extension":[{"url":"https://bluebutton.cms.gov/resources/variables/nch_near_line_rec_ident_cd","valueCoding":{"code":"O"}},`+ext("H1", "historic")+`,`+ext("C1", "current")+`,`+ext("H2", "historic")+`],"patient":{"reference":"Patient/-19990000000001"}`))
		if r.Claims[0].MBI != "C1" || len(r.BeneficiaryMBIs) != 3 || r.BeneficiaryMBIs[0].MBI != "H1" || r.BeneficiaryMBIs[0].Currency != "historic" || r.BeneficiaryMBIs[2].MBI != "H2" || r.BeneficiaryMBIs[2].Currency != "historic" {
			t.Errorf("mbi %q, mbis %+v", r.Claims[0].MBI, r.BeneficiaryMBIs)
		}
		if r.Claims[0].BeneficiaryID != "-19990000000001" {
			t.Errorf("beneficiary_id %q", r.Claims[0].BeneficiaryID)
		}
	})
	t.Run("PDE id, partial dates, unparseable lastUpdated", func(t *testing.T) {
		c := flatten(t, eob(`"identifier":[{"system":"`+sysPDEID+`","value":"89"}],"billablePeriod":{"start":"2015","end":"2015-05"},"meta":{"lastUpdated":"IGNORED_FIELD"}`)).Claims[0]
		if c.ClaimID != "89" || c.BillablePeriodStart.Valid || c.BillablePeriodEnd.Valid || c.LastUpdated.Valid {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("null members read as absent", func(t *testing.T) {
		c := flatten(t, eob(`"status":null,"type":null,"item":null,"meta":{"lastUpdated":null}`)).Claims[0]
		if c.Status != "" || c.ClaimType != "" || c.LastUpdated.Valid {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("UPINs, other physician, admitting diagnosis", func(t *testing.T) {
		r := flatten(t, eob(r4Meta+`,`+typ("INPATIENT")+`,"careTeam":[`+
			r4npi(1, "UA", "UPIN", "attending")+`,`+r4npi(2, "NA", "npi", "attending")+`,`+r4npi(3, "UO", "UPIN", "otheroperating")+`,`+
			r4npi(4, "NO", "npi", "otheroperating")+`,`+r4npi(5, "UP", "UPIN", "performing")+`,`+r4npi(6, "UOP", "UPIN", "operating")+`],`+
			`"diagnosis":[{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"`+sysICD10CM+`","code":"A37"}]},"type":[{"coding":[{"code":"admitting"}]}]}]`))
		c := r.Claims[0]
		if c.AttendingUPIN != "UA" || c.AttendingNPI != "NA" || c.OtherUPIN != "UO" || c.OtherNPI != "NO" || c.RenderingUPIN != "UP" || c.OperatingUPIN != "UOP" || c.AdmittingDiagnosisCode != "A37" {
			t.Errorf("claim %+v", c)
		}
	})
	t.Run("unclaimed extensions are kept, leniently typed", func(t *testing.T) {
		r := flatten(t, eob(`"extension":[`+
			`{"url":"u:money","valueMoney":{"value":12.5,"currency":"USD"}},`+
			`{"url":"u:qty","valueQuantity":{"value":7}},`+
			`{"url":"u:bool","valueBoolean":true},`+
			`{"url":"`+urlNearLine+`","valueCoding":{"code":"O"}}],`+
			`"item":[{"sequence":3,"extension":[{"url":"u:date","valueDate":"2020-02-29"},{"url":"`+urlAnsthsaUnitCnt+`","valueQuantity":{"value":2.4}}]}]`))
		if r.Claims[0].NearLineRecordCode != "O" || len(r.ClaimExtensions) != 4 {
			t.Fatalf("claim %+v, extensions %+v", r.Claims[0], r.ClaimExtensions)
		}
		want := []ClaimExtensionsRow{
			{EOBID: "carrier-1", Element: "ExplanationOfBenefit", URL: "u:money", ValueCode: "USD", ValueDecimal: Float{12.5, true}},
			{EOBID: "carrier-1", Element: "ExplanationOfBenefit", URL: "u:qty", ValueDecimal: Float{7, true}},
			{EOBID: "carrier-1", Element: "ExplanationOfBenefit", URL: "u:bool", ValueString: "true"},
			{EOBID: "carrier-1", Element: "item", LineNumber: Int{3, true}, URL: "u:date", ValueString: "2020-02-29", ValueDate: parseDate([]byte("2020-02-29"))},
		}
		for i := range want {
			if r.ClaimExtensions[i] != want[i] {
				t.Errorf("extension %d = %+v, want %+v", i, r.ClaimExtensions[i], want[i])
			}
		}
		if a := r.ClaimLines[0].AnesthesiaUnitCount; a != (Float{2.4, true}) {
			t.Errorf("anesthesia %+v", a)
		}
	})
	t.Run("record is reset between lines", func(t *testing.T) {
		flatten(t, eob(`"item":[{"sequence":1},{"sequence":2}],"status":"active"`))
		r := flatten(t, eob(""))
		if len(r.ClaimLines) != 0 || r.Claims[0].Status != "" {
			t.Errorf("stale data: %+v", r)
		}
	})
}

func TestIndexControl(t *testing.T) {
	base := bytes.Repeat([]byte(`{"a":"bcdefgh \t\r\n ijk é"}`), 5)
	if got := indexControl(base); got != -1 {
		t.Fatalf("indexControl(clean) = %d", got)
	}
	for pos := 0; pos < len(base); pos++ {
		for _, c := range []byte{0, 1, 0x0b, 0x1f} {
			b := bytes.Clone(base)
			b[pos] = c
			if got := indexControl(b); got != pos {
				t.Fatalf("control 0x%02x at %d: indexControl = %d", c, pos, got)
			}
		}
	}
}

// TestLargeCareTeam checks that big care teams and link lists (beyond the
// linear-search size) give the same answers, and are looked up through the
// index rather than by a linear search per item (which made hostile input
// quadratic).
func TestLargeCareTeam(t *testing.T) {
	const n = 20000
	var b strings.Builder
	b.WriteString(`{"resourceType":"ExplanationOfBenefit","id":"x","type":{"coding":[{"system":"` + sysEOBType + `","code":"INPATIENT"}]},"careTeam":[`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		role := "other"
		if i == n-1 || i == n {
			role = "primary"
		}
		b.WriteString(`{"sequence":` + strconv.Itoa(i) + `,"provider":{"identifier":{"system":"` + sysNPI + `","value":"N` + strconv.Itoa(i) + `"}},"role":{"coding":[{"code":"` + role + `"}]}}`)
	}
	b.WriteString(`],"item":[`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		link := 1 + i%(n-1) // never links the last member
		b.WriteString(`{"sequence":` + strconv.Itoa(i) + `,"careTeamLinkId":[` + strconv.Itoa(link) + `]}`)
	}
	b.WriteString(`]}`)
	f := NewFlattener()
	var rec Record
	if err := f.Flatten([]byte(b.String()), &rec); err != nil {
		t.Fatal(err)
	}
	if len(f.teamIdx) != n {
		t.Errorf("care-team index has %d entries, want %d: large teams are not indexed", len(f.teamIdx), n)
	}
	c := rec.Claims[0]
	want := "N" + strconv.Itoa(n)
	if c.AttendingNPI != want || c.RenderingNPI != "N"+strconv.Itoa(n-1) {
		t.Errorf("attending %q rendering %q", c.AttendingNPI, c.RenderingNPI)
	}
	// Item n-2 links member n-1 (primary): its rendering NPI; item 1 links
	// member 2 (other), the only linked member: taken as well.
	if got := rec.ClaimLines[n-3].RenderingNPI; got != "N"+strconv.Itoa(n-1) {
		t.Errorf("line %d rendering_npi %q", n-2, got)
	}
	if got := rec.ClaimLines[0].RenderingNPI; got != "N2" {
		t.Errorf("line 1 rendering_npi %q", got)
	}
}

// TestDiagnosisNormalized checks diagnosis_number and diagnosis_role: the
// STU3 DRG entry is not counted, and both type vocabularies map to the same
// roles.
func TestDiagnosisNormalized(t *testing.T) {
	const r4Meta = `"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"]}`
	drg := `{"sequence":1,"packageCode":{"coding":[{"system":"` + sysDRG + `","code":"871"}]}}`
	dx := func(seq int, codes ...string) string {
		s := `{"sequence":` + strconv.Itoa(seq) + `,"diagnosisCodeableConcept":{"coding":[{"system":"` + sysICD10 + `","code":"A` + strconv.Itoa(seq) + `"}]}`
		if len(codes) > 0 {
			s += `,"type":[`
			for i, c := range codes {
				if i > 0 {
					s += ","
				}
				s += `{"coding":[{"code":"` + c + `"}]}`
			}
			s += `]`
		}
		return s + "}"
	}
	cases := []struct {
		name      string
		extra     string
		version   string
		numbers   []int64  // diagnosis_number per row
		roles     []string // diagnosis_role per row
		lineLinks string   // diagnosis_sequences of the first line ("" for no line)
	}{
		{"R4 C4BB and ex-diagnosistype", r4Meta + `,"diagnosis":[` + dx(1, "admitting") + `,` + dx(2, "principal") + `,` + dx(3, "other") + `,` +
			dx(4, "secondary") + `,` + dx(5, "externalcauseofinjury") + `,` + dx(6, "patientreasonforvisit") + `]`,
			"R4", []int64{1, 2, 3, 4, 5, 6}, []string{"admitting", "principal", "secondary", "secondary", "external_cause", "reason_for_visit"}, ""},
		{"STU3 DRG first: numbers one lower than sequences", `"diagnosis":[` + drg + `,` + dx(2, "admitting") + `,` + dx(3, "principal") + `,` + dx(4, "other") + `,` +
			dx(5, "external-first") + `,` + dx(6, "external") + `,` + dx(7, "reason-for-visit") + `,` + dx(8) + `],"item":[{"sequence":1,"diagnosisLinkId":[3,8]}]`,
			"STU3", []int64{1, 2, 3, 4, 5, 6, 7}, []string{"admitting", "principal", "secondary", "external_cause", "external_cause", "reason_for_visit", "secondary"}, "3,8"},
		{"STU3 without DRG", `"diagnosis":[` + dx(1, "principal") + `,` + dx(2) + `]`,
			"STU3", []int64{1, 2}, []string{"principal", "secondary"}, ""},
		{"STU3 DRG last", `"diagnosis":[` + dx(1, "principal") + `,` + dx(2) + `,{"sequence":3,"packageCode":{"coding":[{"system":"` + sysDRG + `","code":"1"}]}}]`,
			"STU3", []int64{1, 2}, []string{"principal", "secondary"}, ""},
		{"several roles in a fixed order, unknown codes kept after them", `"diagnosis":[` + dx(1, "admitting", "principal") + `,` + dx(2, "clinical", "external") + `,` + dx(3, "principal", "principal") + `]`,
			"STU3", []int64{1, 2, 3}, []string{"principal,admitting", "external_cause,clinical", "principal"}, ""},
		{"STU3 DRG without sequence (AB2D v1 fixtures)", `"diagnosis":[{"packageCode":{"coding":[{"system":"` + sysDRG + `","code":"1"}]}},` + dx(2, "principal") + `,` + dx(3) + `]`,
			"STU3", []int64{1, 2}, []string{"principal", "secondary"}, ""},
		{"R4 gaps in sequences", r4Meta + `,"diagnosis":[` + dx(1, "principal") + `,` + dx(3, "other") + `]`,
			"R4", []int64{1, 2}, []string{"principal", "secondary"}, ""},
	}
	f := NewFlattener()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec Record
			if err := f.Flatten(eob(tc.extra), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Claims[0].FHIRVersion != tc.version {
				t.Fatalf("version %s, want %s", rec.Claims[0].FHIRVersion, tc.version)
			}
			var numbers []int64
			var roles []string
			for _, d := range rec.ClaimDiagnoses {
				numbers = append(numbers, d.DiagnosisNumber.V)
				roles = append(roles, d.DiagnosisRole)
			}
			if !slices.Equal(numbers, tc.numbers) || !slices.Equal(roles, tc.roles) {
				t.Errorf("numbers %v roles %q, want %v %q", numbers, roles, tc.numbers, tc.roles)
			}
			if tc.lineLinks != "" && rec.ClaimLines[0].DiagnosisSequences != tc.lineLinks {
				t.Errorf("line diagnosis_sequences %q, want the raw %q", rec.ClaimLines[0].DiagnosisSequences, tc.lineLinks)
			}
		})
	}
}

// TestCareTeamRoleNormalized checks role_normalized against the rules the
// claim NPIs follow, in both versions.
func TestCareTeamRoleNormalized(t *testing.T) {
	const r4Meta = `"meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"]}`
	member := func(seq int, system, value, role string) string {
		return `{"sequence":` + strconv.Itoa(seq) + `,"provider":{"identifier":{"system":"` + system + `","value":"` + value + `"}},"role":{"coding":[{"code":"` + role + `"}]}}`
	}
	npi := func(seq int, role string) string { return member(seq, sysNPI, "N"+strconv.Itoa(seq), role) }
	r4 := func(seq int, role string) string {
		return `{"sequence":` + strconv.Itoa(seq) + `,"provider":{"identifier":{"type":{"coding":[{"code":"npi"}]},"value":"N` + strconv.Itoa(seq) + `"}},"role":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole","code":"` + role + `"}]}}`
	}
	typ := func(eobType string) string {
		return `"type":{"coding":[{"system":"` + sysEOBType + `","code":"` + eobType + `"}]}`
	}
	team := func(members ...string) string { return `"careTeam":[` + strings.Join(members, ",") + `]` }
	cases := []struct {
		name  string
		extra string
		want  []string // role_normalized per member
		npis  string   // the claim's attending, operating, other, rendering and referring NPIs ("-": none)
	}{
		{"R4 institutional", r4Meta + `,` + typ("INPATIENT") + `,` + team(r4(1, "attending"), r4(2, "operating"), r4(3, "otheroperating"), r4(4, "performing"), r4(5, "rendering")),
			[]string{"attending", "operating", "other", "rendering", "rendering"}, "N1 N2 N3 N4 -"},
		{"R4 carrier", r4Meta + `,` + typ("CARRIER") + `,` + team(r4(1, "referring"), r4(2, "performing"), r4(3, "primary"), r4(4, "supervisor")),
			[]string{"referring", "rendering", "organization", "supervisor"}, "- - - N2 N1"},
		{"STU3 institutional: unlinked primary attends, linked ones render", typ("INPATIENT") + `,` + team(npi(2, "assist"), npi(3, "other"), npi(4, "primary"), npi(5, "primary")) +
			`,"item":[{"sequence":1,"careTeamLinkId":[5]}]`,
			[]string{"operating", "other", "attending", "rendering"}, "N4 N2 N3 N5 -"},
		{"STU3 institutional: attending who renders is one member", typ("OUTPATIENT") + `,` + team(npi(2, "assist"), npi(3, "primary"), npi(4, "primary")) +
			`,"item":[{"sequence":1,"careTeamLinkId":[3]},{"sequence":2,"careTeamLinkId":[4]}]`,
			[]string{"operating", "attending,rendering", "rendering"}, "N3 N2 - N3 -"},
		{"STU3 institutional: UPIN members by their own rule", typ("SNF") + `,` + team(npi(2, "primary"), member(3, "https://bluebutton.cms.gov/resources/variables/rndrng_physn_upin", "U3", "primary")) +
			`,"item":[{"sequence":1,"careTeamLinkId":[3]}]`,
			[]string{"attending", "attending,rendering"}, "N2 - - - -"},
		{"STU3 institutional by NCH claim type code", `"type":{"coding":[{"system":"` + sysNCHClaimType + `","code":"60"}]},` + team(npi(2, "primary")),
			[]string{"attending"}, "N2 - - - -"},
		{"STU3 carrier: primary renders", typ("CARRIER") + `,` + team(npi(2, "primary"), npi(3, "primary"), npi(4, "referring"), npi(5, "performing")),
			[]string{"rendering", "rendering", "referring", "rendering"}, "- - - N2 N4"},
		{"STU3 unknown role kept", typ("PDE") + `,` + team(npi(2, "prescribing")),
			[]string{"prescribing"}, "- - - - -"},
	}
	f := NewFlattener()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec Record
			if err := f.Flatten(eob(tc.extra), &rec); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range rec.ClaimCareTeam {
				got = append(got, m.RoleNormalized)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("role_normalized %q, want %q", got, tc.want)
			}
			// The claim's provider columns follow from these roles.
			c := rec.Claims[0]
			var npis []string
			for _, v := range []string{c.AttendingNPI, c.OperatingNPI, c.OtherNPI, c.RenderingNPI, c.ReferringNPI} {
				npis = append(npis, cmp.Or(v, "-"))
			}
			if got := strings.Join(npis, " "); got != tc.npis {
				t.Errorf("attending, operating, other, rendering, referring NPIs %q, want %q", got, tc.npis)
			}
		})
	}
}
