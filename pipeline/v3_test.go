package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// v3Counts are what a reader of a v3 EOB's JSON finds, counted with
// encoding/json: the rows each table must get from it.
type v3Counts struct {
	Diagnoses, Lines, CareTeam, Procedures, Supporting, Contained int64
	// Extensions are the URLs of the extensions outside contained
	// resources, one entry each; Unclaimed those of them no column can
	// take (see claimedV3).
	Extensions, Unclaimed []string
}

// claimedV3 are the extension URLs columns can take in v3 data: the MBI
// AB2D adds, the claim query code, and the line extensions of the
// anesthesia units, pricing locality or state, provider type (supplier type
// or the member's), specialty and participating code (the line's member's,
// when the line links to one).
var claimedV3 = []string{
	"http://hl7.org/fhir/StructureDefinition/elementdefinition-identifier",
	"https://bluebutton.cms.gov/fhir/StructureDefinition/CLM-QUERY-CD",
	"https://bluebutton.cms.gov/fhir/StructureDefinition/CLM-LINE-ANSTHSA-UNIT-CNT",
	"https://bluebutton.cms.gov/fhir/StructureDefinition/CLM-PRCNG-LCLTY-CD",
	"https://bluebutton.cms.gov/fhir/StructureDefinition/CLM-PRVDR-TYPE-CD",
	"https://bluebutton.cms.gov/fhir/StructureDefinition/CLM-PRVDR-SPCLTY-CD",
	"https://bluebutton.cms.gov/fhir/StructureDefinition/CLM-RNDRG-PRVDR-PRTCPTG-CD",
}

// countV3 reads a v3 EOB with encoding/json.
func countV3(t *testing.T, path string) v3Counts {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n := func(key string) int64 { a, _ := doc[key].([]any); return int64(len(a)) }
	var c v3Counts
	dx, _ := doc["diagnosis"].([]any)
	for _, d := range dx {
		if _, ok := d.(map[string]any)["diagnosisCodeableConcept"]; ok {
			c.Diagnoses++
		}
	}
	c.Lines, c.CareTeam, c.Procedures = n("item"), n("careTeam"), n("procedure")
	c.Supporting, c.Contained = n("supportingInfo"), n("contained")
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "contained" {
					continue // kept whole in claim_contained.resource_json
				}
				if exts, ok := x.([]any); ok && k == "extension" {
					for _, e := range exts {
						url, _ := e.(map[string]any)["url"].(string)
						c.Extensions = append(c.Extensions, url)
						if !slices.Contains(claimedV3, url) {
							c.Unclaimed = append(c.Unclaimed, url)
						}
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	slices.Sort(c.Extensions)
	slices.Sort(c.Unclaimed)
	return c
}

// subset says whether the sorted list a is a sub-multiset of the sorted b.
func subset(a, b []string) bool {
	for _, s := range a {
		i, ok := slices.BinarySearch(b, s)
		if !ok {
			return false
		}
		b = slices.Delete(slices.Clone(b), i, i+1)
	}
	return true
}

// parquetRows returns the rows of a table's Parquet files of one load
// (its history, as delivered), or nil when the load wrote none.
func parquetRows(t *testing.T, wh *load.Warehouse, table, loadID, cols string) []string {
	t.Helper()
	glob := filepath.Join(wh.Dir, "parquet", table, "load_id="+loadID, "*.parquet")
	if files, _ := filepath.Glob(glob); len(files) == 0 {
		return nil
	}
	return queryStrings(t, wh, fmt.Sprintf("SELECT %s FROM read_parquet(?) ORDER BY ALL", cols), glob)
}

// TestV3FixturesLoad loads every untrimmed BFD v3 fixture (AB2D's v3
// trimmer test inputs and BFD's current v3 samples, Part D and shared-system
// claims included): nothing is rejected, and each load holds the claims,
// diagnoses, lines, care team, procedures, supporting information and
// contained resources a reader of the JSON finds, and every extension no
// column can take as a claim_extensions row (the others there or in their
// column).
func TestV3FixturesLoad(t *testing.T) {
	files, err := Inputs([]string{filepath.Join(fixtures(t), "v3")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 16 {
		t.Fatalf("found %d v3 fixture files, want 16", len(files))
	}
	wh := openWH(t, "")
	ids := map[string]bool{}
	var total v3Counts
	for _, f := range files {
		res := loadFile(t, wh, f, LoadConfig{})
		name := filepath.Base(f)
		if res.Rejects != 0 || res.EOBs != 1 || res.Fields != 0 {
			t.Errorf("%s: %d EOBs, %d rejects (%v), %d field issues, want 1, 0 and 0", name, res.EOBs, res.Rejects,
				queryStrings(t, wh, "SELECT reason FROM rejects WHERE load_id = ?", res.LoadID), res.Fields)
		}
		want := countV3(t, f)
		got := v3Counts{}
		for _, x := range []struct {
			table string
			n     *int64
		}{
			{schema.ClaimDiagnoses, &got.Diagnoses}, {schema.ClaimLines, &got.Lines}, {schema.ClaimCareTeam, &got.CareTeam},
			{schema.ClaimProcedures, &got.Procedures}, {schema.ClaimSupporting, &got.Supporting}, {schema.ClaimContained, &got.Contained},
		} {
			*x.n = int64(len(parquetRows(t, wh, x.table, res.LoadID, "eob_id")))
		}
		got.Extensions = parquetRows(t, wh, schema.ClaimExtensions, res.LoadID, "url")
		if !subset(want.Unclaimed, got.Extensions) || !subset(got.Extensions, want.Extensions) {
			t.Errorf("%s: claim_extensions urls\n got  %q\n want every one of %q, and none but %q", name, got.Extensions, want.Unclaimed, want.Extensions)
		}
		got.Extensions, want.Extensions, want.Unclaimed = nil, nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: rows %+v, a reader of the JSON finds %+v", name, got, want)
		}
		claims := parquetRows(t, wh, schema.Claims, res.LoadID, "eob_id, api_version")
		if len(claims) != 1 || !strings.HasSuffix(claims[0], "|v3") {
			t.Errorf("%s: claims %v, want one v3 claim", name, claims)
		}
		for _, c := range claims {
			ids[strings.TrimSuffix(c, "|v3")] = true
		}
		total.Diagnoses += want.Diagnoses
		total.Lines += want.Lines
		total.CareTeam += want.CareTeam
	}
	if total.Diagnoses == 0 || total.Lines == 0 || total.CareTeam == 0 {
		t.Errorf("the fixtures should have diagnoses, lines and care teams: %+v", total)
	}
	if got := queryInt(t, wh, "SELECT sum(rejects) FROM loads"); got != 0 {
		t.Errorf("%d rejects", got)
	}
	// BFD's samples have no id and share the uc identifier
	// NON-UNIQUE-ID-HERE, so DuckDB keeps one claim per distinct id (the
	// first of equal lastUpdated); the Parquet history keeps each.
	if got := queryInt(t, wh, "SELECT count(*) FROM claims"); got != int64(len(ids)) {
		t.Errorf("claims holds %d EOBs, want %d (distinct ids)", got, len(ids))
	}
	t.Logf("%d files, %d distinct ids: %d diagnoses, %d lines, %d care-team members", len(files), len(ids), total.Diagnoses, total.Lines, total.CareTeam)
	// The guard: the Part D, shared-system and not-final-action fixtures
	// are in claims with their reason, and out of claims_current.
	excluded := queryStrings(t, wh, "SELECT eob_id, excluded_reason FROM claims WHERE excluded_reason IS NOT NULL ORDER BY 1")
	want := []string{
		"-4822559352715|part_d", "-6960640775761|part_d", "-9644503297427|part_d",
		"-9687643755958|shared_system,not_final_action", "PHARM-2024-0012345|part_d",
	}
	if !slices.Equal(excluded, want) {
		t.Errorf("excluded claims %v, want %v", excluded, want)
	}
	if got := queryInt(t, wh, "SELECT count(*) FROM claims_current WHERE excluded_reason IS NOT NULL OR claim_type_code IN ('1', '2', '3', '4')"); got != 0 {
		t.Errorf("claims_current has %d guarded claims", got)
	}
}

// v3Export is the EOBs of a contract exported through v2 up to the
// cut-over and through v3 from an earlier _since, as files, and which
// synthetic claim each exported EOB is.
type v3Export struct {
	v2, v3 []string // NDJSON lines
	// v3Earlier is an earlier v3 export: the versions the claims v3 sends
	// had before their last update, final action then.
	v3Earlier []string
	claim     map[string]int64  // eob_id (v2 or v3) → claim group
	types     map[int64]string  // claim group → claim type
	group     map[int64][]int64 // claim group → v3 EOB ids
}

// lastUpdatedRE finds meta.lastUpdated in a rendered EOB.
var lastUpdatedRE = regexp.MustCompile(`"lastUpdated":"[^"]*"`)

// exportAcrossCutOver renders contract's EOBs as AB2D would have exported
// them to a client that ran v2 until cutOver (every version with
// lastUpdated up to it, as _until does) and then v3 with _since at since
// (only final-action claims, AB2D's v3 export), plus, for the claims
// updated after the cut-over, the version before the update as v2 exported
// it before it was superseded (active), the version before the last update
// of the claims v3 sends as an earlier v3 export had it (final action
// then), and some claims AB2D's v3 export should not have contained.
func exportAcrossCutOver(t *testing.T, contract string, beneficiaries int, since, cutOver time.Time) *v3Export {
	t.Helper()
	x := &v3Export{claim: map[string]int64{}, types: map[int64]string{}, group: map[int64][]int64{}}
	first := map[int64][]byte{}  // claim group → its first version as v2
	prevV3 := map[int64][]byte{} // claim group → its latest superseded version as v3
	finalAfter := map[int64]bool{}
	strays := 0
	for e := range synth.NewContract(synth.ContractOptions{Seed: 1, Contract: contract, Beneficiaries: beneficiaries}).EOBs() {
		g := e.ClaimGroup()
		x.types[g] = e.ClaimType()
		r4 := e.AppendR4(nil)
		var doc struct{ ID string }
		if err := json.Unmarshal(r4, &doc); err != nil {
			t.Fatal(err)
		}
		x.claim[doc.ID] = g
		x.claim[fmt.Sprint(e.V3ClaimID())] = g
		if _, ok := first[g]; !ok {
			first[g] = r4
		}
		if !e.LastUpdated().After(cutOver) {
			x.v2 = append(x.v2, string(r4))
		}
		if !e.Active() {
			prevV3[g] = e.AppendV3(nil)
		}
		if e.Active() && e.LastUpdated().After(since) {
			x.v3 = append(x.v3, string(e.AppendV3(nil)))
			if prev, ok := prevV3[g]; ok {
				x.v3Earlier = append(x.v3Earlier, strings.Replace(string(prev), `"code":"NotFinalAction"`, `"code":"FinalAction"`, 1))
				var doc struct{ ID string }
				if err := json.Unmarshal(prev, &doc); err != nil {
					t.Fatal(err)
				}
				x.claim[doc.ID] = g
			}
			x.group[g] = append(x.group[g], e.V3ClaimID())
			if e.LastUpdated().After(cutOver) {
				finalAfter[g] = true
			}
			if strays < 3 {
				strays++
				x.v3 = append(x.v3, string(e.AppendV3Stray(nil, synth.V3SharedSystem)), string(e.AppendV3Stray(nil, synth.V3PartD)))
			}
		}
	}
	// A claim whose versions were all loaded after the cut-over in the
	// synthetic data, but whose first version v2 had delivered before it:
	// active then, superseded by the version v3 now sends.
	before := `"lastUpdated":"` + cutOver.Add(-24*time.Hour).Format(time.RFC3339) + `"`
	for g, r4 := range first {
		if !finalAfter[g] || !strings.Contains(string(r4), `"status":"cancelled"`) {
			continue
		}
		old := strings.Replace(string(r4), `"status":"cancelled"`, `"status":"active"`, 1)
		x.v2 = append(x.v2, lastUpdatedRE.ReplaceAllLiteralString(old, before))
	}
	return x
}

// TestCutOverCountsEachClaimOnce exports the same synthetic contract
// through v2 until a cut-over and then through v3 from two months before
// it (AB2D's v3 export has no default _since; a client moving over asks
// for an overlap rather than a gap), loads both into one warehouse with
// LoadFiles, and checks that claims_current counts every claim of the
// contract once: the claims both versions sent, the ones only v2 sent,
// the ones only v3 sent, the ones updated after the cut-over whose old
// version came through v2 and new one through v3, and the ones updated
// between two v3 exports, whose versions v3 sends as two final-action
// claims with unrelated ids.
func TestCutOverCountsEachClaimOnce(t *testing.T) {
	cutOver := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	since := cutOver.AddDate(0, -2, 0)
	x := exportAcrossCutOver(t, "Z0001", 300, since, cutOver)
	dir := t.TempDir()
	out := filepath.Join(dir, "warehouse")
	v2 := writeFile(t, filepath.Join(dir, mkdir(t, dir, "v2job")), "Z0001_0001.ndjson", x.v2...)
	v3a := writeFile(t, filepath.Join(dir, mkdir(t, dir, "v3job1")), "Z0001_0001.ndjson", x.v3Earlier...)
	v3b := writeFile(t, filepath.Join(dir, mkdir(t, dir, "v3job2")), "Z0001_0001.ndjson", x.v3...)
	for _, f := range []string{v2, v3a, v3b} {
		sum, err := LoadFiles(context.Background(), LoadConfig{Out: out}, []string{f})
		if err != nil {
			t.Fatal(err)
		}
		if tot := sum.Totals(); tot.Rejects != 0 || tot.Err != nil {
			t.Fatalf("%s: %d rejects, %v", f, tot.Rejects, tot.Err)
		}
	}
	wh := openWH(t, out)

	// Every claim of the contract, once.
	counted := map[int64][]string{}
	for _, row := range queryStrings(t, wh, "SELECT eob_id, api_version FROM claims_current") {
		id, api, _ := strings.Cut(row, "|")
		g, ok := x.claim[id]
		if !ok {
			t.Fatalf("claims_current has %s (%s), no claim of the contract", id, api)
		}
		counted[g] = append(counted[g], row)
	}
	var twice []string
	for g, rows := range counted {
		if len(rows) > 1 {
			twice = append(twice, fmt.Sprint(g, rows))
		}
	}
	if len(twice) > 0 {
		slices.Sort(twice)
		t.Errorf("%d claims counted more than once, e.g. %v", len(twice), twice[:min(3, len(twice))])
	}
	if len(counted) != len(x.types) {
		t.Errorf("claims_current has %d claims, the contract %d", len(counted), len(x.types))
	}

	// Not vacuous: the two exports overlap, and both versions of a claim
	// updated after the cut-over are loaded.
	both := queryInt(t, wh, `SELECT count(*) FROM claims c WHERE api_version = 'v2' AND status = 'active' AND last_updated > ?`, since)
	updated := queryInt(t, wh, `SELECT count(*) FROM claims WHERE api_version = 'v2' AND status = 'active' AND last_updated = ?`, cutOver.Add(-24*time.Hour))
	fromV2 := queryInt(t, wh, "SELECT count(*) FROM claims_current WHERE api_version = 'v2'")
	fromV3 := queryInt(t, wh, "SELECT count(*) FROM claims_current WHERE api_version = 'v3'")
	if both == 0 || updated == 0 || fromV2 == 0 || fromV3 == 0 || len(x.v3Earlier) == 0 {
		t.Errorf("the exports should overlap (%d v2 claims in v3's window), hold claims updated after the cut-over (%d) and between v3 exports (%d), and each count claims (v2 %d, v3 %d)",
			both, updated, len(x.v3Earlier), fromV2, fromV3)
	}
	if fromV3 != int64(len(x.group)) {
		t.Errorf("claims_current has %d v3 claims, v3 sent %d: after the cut-over v3's version wins", fromV3, len(x.group))
	}
	naive := queryInt(t, wh, `SELECT count(DISTINCT coalesce(claim_group_id, eob_id)) FROM claims WHERE excluded_reason IS NULL`)
	if naive <= int64(len(x.types)) {
		t.Errorf("without the cut-over rule %d claims, the contract %d: the rule is untested", naive, len(x.types))
	}
	// The claims AB2D's v3 export should not have contained: visible in
	// claims with their reason, out of claims_current.
	guarded := queryStrings(t, wh, "SELECT excluded_reason, count(*) FROM claims GROUP BY 1 ORDER BY 1 NULLS FIRST")
	if len(guarded) != 3 || guarded[1] != "part_d|3" || !strings.HasPrefix(guarded[2], "shared_system|") {
		t.Errorf("claims by excluded_reason %v, want 3 part_d and 3 shared_system", guarded)
	}
	t.Logf("contract Z0001 (300 beneficiaries): %d claims; %d EOBs through v2, %d through v3 and %d earlier (%d of v2's claims overlap, %d updated after the cut-over); "+
		"claims_current %d from v2, %d from v3; without the rule %d",
		len(x.types), len(x.v2), len(x.v3), len(x.v3Earlier), both, updated, fromV2, fromV3, naive)
}

// mkdir makes dir/name and returns name.
func mkdir(t *testing.T, dir, name string) string {
	t.Helper()
	if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
		t.Fatal(err)
	}
	return name
}
