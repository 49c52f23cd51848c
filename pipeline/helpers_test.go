package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// fixtures returns testdata/fixtures at the module root.
func fixtures(t testing.TB) string {
	t.Helper()
	return testinputs.Dir(t, "fixtures")
}

// eob is a minimal AB2D R4 ExplanationOfBenefit for tests that must not
// depend on the fixtures.
type eob struct {
	id, group, status, updated, mbi string
	dx                              []string
	lines                           int
}

func (e eob) json() string {
	var dx []string
	for i, code := range e.dx {
		typ := "other"
		if i == 0 {
			typ = "principal"
		}
		dx = append(dx, fmt.Sprintf(`{"sequence":%d,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":%q}]},"type":[{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType","code":%q}]}]}`, i+1, code, typ))
	}
	var items []string
	for i := range e.lines {
		items = append(items, fmt.Sprintf(`{"sequence":%d,"careTeamSequence":[1],"productOrService":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/hcpcs","code":"9921%d"}]},"servicedDate":"2021-03-0%d","quantity":{"value":%d}}`, i+1, i%10, i%9+1, i+1))
	}
	status := e.status
	if status == "" {
		status = "active"
	}
	return fmt.Sprintf(`{"resourceType":"ExplanationOfBenefit","id":%q,"meta":{"lastUpdated":%q},`+
		`"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/elementdefinition-identifier","valueIdentifier":{"extension":[{"url":"https://bluebutton.cms.gov/resources/codesystem/identifier-currency","valueCoding":{"code":"current"}}],"system":"http://hl7.org/fhir/sid/us-mbi","value":%q}}],`+
		`"identifier":[{"system":"https://bluebutton.cms.gov/resources/variables/clm_id","value":%q},{"system":"https://bluebutton.cms.gov/resources/identifier/claim-group","value":%q}],`+
		`"status":%q,"type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd","code":"71"},{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"CARRIER"},{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},`+
		`"patient":{"reference":"Patient/-1000"},"billablePeriod":{"start":"2021-03-01","end":"2021-03-09"},`+
		`"careTeam":[{"sequence":1,"provider":{"identifier":{"type":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType","code":"npi"}]},"value":"1234567893"}},"role":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole","code":"performing"}]}}],`+
		`"diagnosis":[%s],"item":[%s]}`,
		e.id, e.updated, e.mbi, strings.TrimPrefix(e.id, "carrier-"), e.group, status,
		strings.Join(dx, ","), strings.Join(items, ","))
}

// writeFile writes lines as NDJSON into dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// openWH opens a warehouse in a new temporary folder (or in dir).
func openWH(t testing.TB, dir string) *load.Warehouse {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	wh, err := load.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := wh.Close(); err != nil {
			t.Error(err)
		}
	})
	return wh
}

// loadFile loads one file through the stages of LoadFiles and fails the
// test unless it was loaded (or skipped).
func loadFile(t testing.TB, wh *load.Warehouse, path string, cfg LoadConfig) FileResult {
	t.Helper()
	res, err := loadOne(context.Background(), wh, path, cfg)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return res
}

// loadOne loads one file through the stages of LoadFiles.
func loadOne(ctx context.Context, wh *load.Warehouse, path string, cfg LoadConfig) (FileResult, error) {
	res, err := loadFiles(ctx, wh, cfg.withDefaults(), "test-run", []string{path})
	if len(res) != 1 {
		return FileResult{Path: path}, errors.Join(err, fmt.Errorf("%d results for one file", len(res)))
	}
	return res[0], err
}

// queryStrings runs a query on the warehouse (testinputs.QueryRows).
func queryStrings(t testing.TB, wh *load.Warehouse, q string, args ...any) []string {
	t.Helper()
	return testinputs.QueryRows(t, wh.DB(), q, args...)
}

func queryInt(t testing.TB, wh *load.Warehouse, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := wh.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// tableDigest is an order-independent digest of a table's rows (excluding
// lineage columns, which differ between loads by design).
func tableDigest(t testing.TB, wh *load.Warehouse, from string, cols []string) string {
	t.Helper()
	var keep []string
	for _, c := range cols {
		if c != "load_id" && c != "source_file" && c != "source_line" {
			keep = append(keep, c)
		}
	}
	q := fmt.Sprintf("SELECT count(*) || ':' || coalesce(sum(hash(%s)::HUGEINT), 0) FROM %s", strings.Join(keep, ", "), from)
	r := queryStrings(t, wh, q)
	return r[0]
}
