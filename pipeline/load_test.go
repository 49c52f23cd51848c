package pipeline

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"golang.org/x/sync/errgroup"

	"go.uber.org/goleak"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql keeps one opener goroutine per open *sql.DB; tests
		// close theirs in t.Cleanup, which runs before this check.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
	)
}

// TestFixturesLoadWithoutRejects loads every fixture: the single
// EOBs of both FHIR versions (raw BFD and AB2D) and the 500-line STU3 sample.
func TestFixturesLoadWithoutRejects(t *testing.T) {
	dir := fixtures(t)
	files, err := Inputs([]string{filepath.Join(dir, "r4"), filepath.Join(dir, "stu3")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 32 {
		t.Fatalf("found %d fixture files, want 32", len(files))
	}
	wh := openWH(t, "")
	var eobs int64
	for _, f := range files {
		res := loadFile(t, wh, f, LoadConfig{})
		if res.Rejects != 0 {
			t.Errorf("%s: %d rejects: %v", f, res.Rejects, queryStrings(t, wh, "SELECT source_line, reason FROM rejects WHERE load_id = ?", res.LoadID))
		}
		want := int64(1)
		if strings.HasSuffix(f, ".ndjson") {
			want = 500
		}
		if res.EOBs != want {
			t.Errorf("%s: %d EOBs, want %d", f, res.EOBs, want)
		}
		eobs += res.EOBs
	}
	if got := queryInt(t, wh, "SELECT count(*) FROM loads"); got != int64(len(files)) {
		t.Errorf("loads ledger has %d rows, want %d", got, len(files))
	}
	// Same EOB ids recur across the fixture sets (AB2D and BFD copies, R4
	// and STU3): DuckDB keeps each id once, Parquet keeps every delivery.
	if got := queryInt(t, wh, "SELECT count(*) FROM claims"); got != queryInt(t, wh, "SELECT count(DISTINCT eob_id) FROM claims") {
		t.Errorf("duplicate eob_id in claims")
	}
	pq := queryInt(t, wh, "SELECT count(*) FROM read_parquet(?)", filepath.Join(wh.Dir, "parquet", "claims", "**", "*.parquet"))
	if pq != eobs {
		t.Errorf("parquet claims: %d rows, want %d", pq, eobs)
	}
	// Every claim type of the fixtures, PDE included (raw BFD data).
	types := queryStrings(t, wh, "SELECT DISTINCT claim_type FROM claims ORDER BY 1")
	want := []string{"CARRIER", "DME", "HHA", "HOSPICE", "INPATIENT", "OUTPATIENT", "PDE", "SNF"}
	if !slices.Equal(types, want) {
		t.Errorf("claim types %v, want %v", types, want)
	}
}

// TestParquetEqualsDuckDB: after a first load of files with distinct EOB
// ids, both sinks hold exactly the same rows in every table.
func TestParquetEqualsDuckDB(t *testing.T) {
	dir := fixtures(t)
	wh := openWH(t, "")
	loadFile(t, wh, filepath.Join(dir, "stu3", "CMSgov-ab2d-website__sample-data-stu3.ndjson"), LoadConfig{})
	// The sample has no extension that claim_extensions keeps; two raw BFD
	// EOBs (ids distinct from the sample's) have plenty.
	loadFile(t, wh, filepath.Join(dir, "r4", "CMSgov-beneficiary-fhir-data__eobReadCarrier.json"), LoadConfig{})
	loadFile(t, wh, filepath.Join(dir, "r4", "CMSgov-beneficiary-fhir-data__eobReadOutpatient.json"), LoadConfig{})
	for _, tbl := range schema.Warehouse().ParquetTables() {
		if tbl.Name == schema.BeneficiaryMBIs {
			continue // aggregated per beneficiary in DuckDB by design; checked below
		}
		glob := filepath.Join(wh.Dir, "parquet", tbl.Name, "**", "*.parquet")
		cols := tbl.ColumnNames()
		fromPQ := "(SELECT * FROM read_parquet('" + glob + "', union_by_name=true))"
		if tbl.Name == schema.Rejects || tbl.Name == schema.ExportErrors {
			if queryInt(t, wh, "SELECT count(*) FROM "+tbl.Name) != 0 {
				t.Errorf("%s is not empty", tbl.Name)
			}
			continue
		}
		if got, want := tableDigest(t, wh, fromPQ, cols), tableDigest(t, wh, tbl.Name, cols); got != want {
			t.Errorf("%s: parquet %s, duckdb %s", tbl.Name, got, want)
		}
		if n := queryInt(t, wh, "SELECT count(*) FROM "+tbl.Name); n == 0 {
			t.Errorf("%s: no rows", tbl.Name)
		}
	}
	got := queryInt(t, wh, "SELECT count(*) FROM (SELECT DISTINCT beneficiary_id, mbi FROM read_parquet(?))",
		filepath.Join(wh.Dir, "parquet", schema.BeneficiaryMBIs, "**", "*.parquet"))
	if want := queryInt(t, wh, "SELECT count(*) FROM beneficiary_mbis"); got != want || got == 0 {
		t.Errorf("beneficiary_mbis: %d distinct in parquet, %d in duckdb", got, want)
	}
	// The layout the SPEC documents for users reads back with hive partitioning.
	n := queryInt(t, wh, "SELECT count(DISTINCT load_id) FROM read_parquet(?, hive_partitioning=true)",
		filepath.Join(wh.Dir, "parquet", "claims", "**", "*.parquet"))
	if n != 3 {
		t.Errorf("hive-partitioned read: %d load ids, want 3 (one per file)", n)
	}
}

func TestReloadIsNoop(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "a.ndjson",
		eob{id: "carrier-1", group: "g1", updated: "2021-04-01T10:00:00.000-04:00", mbi: "1EG4TE5MK73", dx: []string{"E119", "I10"}, lines: 2}.json(),
		eob{id: "carrier-2", group: "g2", updated: "2021-04-01T10:00:00.000-04:00", mbi: "1EG4TE5MK73", dx: []string{"J449"}, lines: 1}.json(),
		`{"resourceType":"Patient","id":"x"}`,
	)
	wh := openWH(t, filepath.Join(dir, "wh"))
	first := loadFile(t, wh, f, LoadConfig{})
	if first.Skipped || first.EOBs != 2 || first.Rejects != 1 {
		t.Fatalf("first load: %+v", first)
	}
	// The sha256 hashed while reading is the file's.
	if sum, err := hashFile(f); err != nil || queryStrings(t, wh, "SELECT sha256 FROM loads")[0] != sum {
		t.Fatalf("ledger sha256 %v, file %s (%v)", queryStrings(t, wh, "SELECT sha256 FROM loads"), sum, err)
	}
	digests := func() []string {
		var out []string
		for _, tbl := range schema.Warehouse().Tables {
			if tbl.Parquet {
				out = append(out, tbl.Name+"="+tableDigest(t, wh, tbl.Name, tbl.ColumnNames()))
			}
		}
		return out
	}
	before := digests()
	second := loadFile(t, wh, f, LoadConfig{})
	if !second.Skipped || second.LoadID != first.LoadID {
		t.Fatalf("second load not skipped: %+v", second)
	}
	if after := digests(); !slices.Equal(before, after) {
		t.Fatalf("reload changed the warehouse:\n%v\n%v", before, after)
	}
	// --force reloads: a new load in the ledger and in Parquet history, but
	// the current state of the claims is unchanged (equal last_updated).
	forced := loadFile(t, wh, f, LoadConfig{Force: true})
	if forced.Skipped || forced.LoadID == first.LoadID {
		t.Fatalf("forced load: %+v", forced)
	}
	after := digests()
	for _, name := range []string{schema.Claims, schema.ClaimLines, schema.ClaimDiagnoses, schema.ClaimCareTeam, schema.BeneficiaryMBIs} {
		if !slices.Contains(after, findPrefix(before, name+"=")) {
			t.Errorf("forced reload changed %s", name)
		}
	}
	if n := queryInt(t, wh, "SELECT count(*) FROM loads"); n != 2 {
		t.Errorf("loads: %d, want 2", n)
	}
	parts, _ := filepath.Glob(filepath.Join(wh.Dir, "parquet", "claims", "load_id=*", "*.parquet"))
	if len(parts) != 2 {
		t.Errorf("parquet claims partitions: %v, want 2", parts)
	}
}

func findPrefix(list []string, prefix string) string {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return s
		}
	}
	return ""
}

// TestUpsertByLastUpdated: a newer version of an EOB replaces it and all
// its child rows; an older or equal one changes nothing; the order the
// versions arrive in does not matter.
func TestUpsertByLastUpdated(t *testing.T) {
	old := eob{id: "carrier-7", group: "g7", updated: "2021-04-01T10:00:00.000-04:00", mbi: "1EG4TE5MK73", dx: []string{"E119", "I10", "E785"}, lines: 3}
	newer := eob{id: "carrier-7", group: "g7", updated: "2022-01-01T00:00:00.000Z", mbi: "2EG4TE5MK74", dx: []string{"N179"}, lines: 1}
	sameTime := eob{id: "carrier-7", group: "g7", updated: "2022-01-01T00:00:00.000Z", mbi: "3EG4TE5MK75", dx: []string{"Z000", "Z001"}, lines: 5}
	state := func(wh *load.Warehouse) []string {
		return slices.Concat(
			queryStrings(t, wh, "SELECT eob_id, mbi, principal_diagnosis_code, last_updated FROM claims"),
			queryStrings(t, wh, "SELECT code FROM claim_diagnoses ORDER BY sequence"),
			queryStrings(t, wh, "SELECT count(*) FROM claim_lines"),
			queryStrings(t, wh, "SELECT count(*) FROM claim_care_team"),
		)
	}
	want := []string{"carrier-7|2EG4TE5MK74|N179|2022-01-01 00:00:00 +0000 UTC", "N179", "1", "1"}
	for _, order := range [][]eob{{old, newer}, {newer, old}, {old, newer, sameTime}, {newer, sameTime, old}} {
		dir := t.TempDir()
		wh := openWH(t, filepath.Join(dir, "wh"))
		for i, e := range order {
			loadFile(t, wh, writeFile(t, dir, string(rune('a'+i))+".ndjson", e.json()), LoadConfig{})
		}
		if got := state(wh); !slices.Equal(got, want) {
			t.Errorf("order %v: got %v, want %v", order, got, want)
		}
	}
	// Within one file: the newest wins, the first line among equals.
	dir := t.TempDir()
	wh := openWH(t, filepath.Join(dir, "wh"))
	loadFile(t, wh, writeFile(t, dir, "all.ndjson", old.json(), newer.json(), sameTime.json()), LoadConfig{})
	if got := state(wh); !slices.Equal(got, want) {
		t.Errorf("one file: got %v, want %v", got, want)
	}
	// MBIs: every MBI seen is kept per beneficiary with first/last sighting.
	if got := queryStrings(t, wh, "SELECT mbi, currency FROM beneficiary_mbis ORDER BY mbi"); len(got) != 3 {
		t.Errorf("beneficiary_mbis: %v", got)
	}
}

// TestCancelLeavesWarehouseUnchanged interrupts a load: the error is the
// context's, nothing of the file is visible (though DuckDB had begun to
// ingest it), no temporary file is left, and
// no goroutine leaks (TestMain).
func TestCancelLeavesWarehouseUnchanged(t *testing.T) {
	dir := t.TempDir()
	wh := openWH(t, filepath.Join(dir, "wh"))
	loadFile(t, wh, writeFile(t, dir, "first.ndjson", eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}.json()), LoadConfig{})
	var lines []string
	for i := range 20000 {
		lines = append(lines, eob{id: "carrier-" + strconv.Itoa(i), group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10", "E119"}, lines: 4}.json())
	}
	big := writeFile(t, dir, "big.ndjson", lines...)
	for _, after := range []int{0, 1, 5, 20} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		// Cancel once `after` batches of the file were ordered: the hook
		// observes the pipeline, it does not time it. Parts of one batch:
		// DuckDB has ingested some of them into the load's transaction.
		cfg := LoadConfig{Workers: 2, PartBytes: 1, PartRows: 1, Hooks: Hooks{Loading: func(string, int64, int64) {
			if n++; n > after {
				cancel()
			}
		}}}
		_, err := loadOne(ctx, wh, big, cfg)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("after %d chunks: err %v, want context.Canceled", after, err)
		}
		if got := queryInt(t, wh, "SELECT count(*) FROM claims"); got != 1 {
			t.Fatalf("after %d chunks: %d claims, want the 1 loaded before", after, got)
		}
		if got := queryInt(t, wh, "SELECT count(*) FROM loads"); got != 1 {
			t.Fatalf("after %d chunks: %d loads", after, got)
		}
		tmps, _ := filepath.Glob(filepath.Join(wh.Dir, "parquet", "*", "*", "*"+".tmp"))
		if len(tmps) != 0 {
			t.Fatalf("after %d chunks: temporary files left: %v", after, tmps)
		}
	}
	// And the same file then loads completely.
	res := loadFile(t, wh, big, LoadConfig{})
	if res.EOBs != 20000 {
		t.Fatalf("rerun loaded %d EOBs", res.EOBs)
	}
}

func TestInputs(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.ndjson", "a.ndjson.gz", "c.json", "notes.txt", "sub/d.NDJSON", "landing/J1/state.json", "landing/J1/.state-123.json"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Inputs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range got {
		names = append(names, strings.TrimPrefix(g, dir+"/"))
	}
	if want := []string{"a.ndjson.gz", "b.ndjson", "c.json", "sub/d.NDJSON"}; !slices.Equal(names, want) {
		t.Errorf("got %v, want %v", names, want)
	}
	empty := t.TempDir()
	if _, err := Inputs([]string{empty}); !errors.Is(err, ErrNoInput) {
		t.Errorf("empty folder: %v, want ErrNoInput", err)
	}
}

// TestGzipNDJSONBytes: a gzip file is counted as stored (Bytes, which the
// ledger keeps) and by the NDJSON it held (NDJSON, which the summary's
// speed is of); a plain file's two are the same.
func TestGzipNDJSONBytes(t *testing.T) {
	plain := filepath.Join(fixtures(t), "stu3", "CMSgov-ab2d-website__sample-data-stu3.ndjson")
	raw, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	packed := filepath.Join(t.TempDir(), "Z0000_0001.ndjson.gz")
	f, err := os.Create(packed)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(zw.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(packed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path          string
		bytes, ndjson int64
	}{
		{plain, int64(len(raw)), int64(len(raw))},
		{packed, fi.Size(), int64(len(raw))},
	} {
		res := loadFile(t, openWH(t, ""), tc.path, LoadConfig{})
		if res.Bytes != tc.bytes || res.NDJSON != tc.ndjson || res.EOBs != 500 {
			t.Errorf("%s: %d bytes, %d of NDJSON, %d EOBs; want %d, %d, 500", filepath.Base(tc.path), res.Bytes, res.NDJSON, res.EOBs, tc.bytes, tc.ndjson)
		}
		sum := Summary{Files: []FileResult{res}}
		want := fmt.Sprintf("1 file, %.1f MB, 500 EOBs", float64(tc.bytes)/1e6)
		if tc.ndjson != tc.bytes {
			want = fmt.Sprintf("1 file, %.1f MB (%.1f MB of NDJSON), 500 EOBs", float64(tc.bytes)/1e6, float64(tc.ndjson)/1e6)
		}
		if got := sum.Counts(); !strings.HasPrefix(got, want) {
			t.Errorf("%s: Counts() = %q, want it to start %q", filepath.Base(tc.path), got, want)
		}
	}
}

// TestRecoverAfterCrash: temporary Parquet files a killed process left are
// published when their load committed in DuckDB, and removed when not.
func TestRecoverAfterCrash(t *testing.T) {
	dir := t.TempDir()
	whDir := filepath.Join(dir, "wh")
	wh, err := load.Open(context.Background(), whDir)
	if err != nil {
		t.Fatal(err)
	}
	res := loadFile(t, wh, writeFile(t, dir, "a.ndjson", eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}.json()), LoadConfig{})
	// Simulate a crash after the commit (before the rename) ...
	final := filepath.Join(whDir, "parquet", schema.Claims, "load_id="+res.LoadID, "part-0.parquet")
	if err := os.Rename(final, final+".tmp"); err != nil {
		t.Fatal(err)
	}
	// ... and one before the commit of another load.
	orphan := filepath.Join(whDir, "parquet", schema.Claims, "load_id=never-committed", "part-0.parquet.tmp")
	if err := os.MkdirAll(filepath.Dir(orphan), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orphan, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	openWH(t, whDir) // recovery runs in Open
	if _, err := os.Stat(final); err != nil {
		t.Errorf("committed load not published: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(orphan)); !os.IsNotExist(err) {
		t.Errorf("uncommitted load not removed: %v", err)
	}
}

// TestOlderWarehouseGainsNewColumns: a warehouse created by an older version
// (a table without a column the catalog now has) is migrated on Open, and
// loads still put every value in its column.
func TestOlderWarehouseGainsNewColumns(t *testing.T) {
	dir := t.TempDir()
	whDir := filepath.Join(dir, "wh")
	wh, err := load.Open(context.Background(), whDir)
	if err != nil {
		t.Fatal(err)
	}
	// Columns added by later versions of the catalog.
	for _, drop := range []string{"claims DROP COLUMN mbi", "claim_diagnoses DROP COLUMN diagnosis_number",
		"claim_diagnoses DROP COLUMN diagnosis_role", "claim_care_team DROP COLUMN role_normalized"} {
		if _, err := wh.DB().Exec("ALTER TABLE " + schema.StorageSchema + "." + drop); err != nil {
			t.Fatal(err)
		}
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	wh = openWH(t, whDir)
	loadFile(t, wh, writeFile(t, dir, "a.ndjson", eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10", "E119"}, lines: 1}.json()), LoadConfig{})
	for _, q := range []struct {
		sql  string
		want []string
	}{
		{"SELECT eob_id, mbi, claim_group_id FROM claims", []string{"carrier-1|1EG4TE5MK73|g"}},
		{"SELECT sequence, diagnosis_number, diagnosis_role FROM claim_diagnoses ORDER BY 1", []string{"1|1|principal", "2|2|secondary"}},
		{"SELECT role, role_normalized FROM claim_care_team", []string{"performing|rendering"}},
	} {
		if got := queryStrings(t, wh, q.sql); !slices.Equal(got, q.want) {
			t.Errorf("%s: %v, want %v", q.sql, got, q.want)
		}
	}
}

// TestCodesViewBecomesTable: a warehouse whose codes was a view (before it
// was a table) gets the table on Open, filled from the loaded claims.
func TestCodesViewBecomesTable(t *testing.T) {
	dir := t.TempDir()
	whDir := filepath.Join(dir, "wh")
	wh, err := load.Open(context.Background(), whDir)
	if err != nil {
		t.Fatal(err)
	}
	loadFile(t, wh, writeFile(t, dir, "a.ndjson", eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}.json()), LoadConfig{})
	if _, err := wh.DB().Exec("DROP TABLE codes; CREATE VIEW codes AS SELECT 'system' AS system, 'code' AS code"); err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	wh = openWH(t, whDir)
	for _, q := range []struct {
		sql  string
		want []string
	}{
		{"SELECT table_type FROM information_schema.tables WHERE table_name = 'codes'", []string{"BASE TABLE"}},
		{`SELECT c.system, c.code, c.elements, c.first_load_id = l.load_id, c.first_seen = l.finished_at FROM codes c, loads l
		  WHERE c.system IN ('https://bluebutton.cms.gov/resources/codesystem/eob-type', 'http://hl7.org/fhir/sid/icd-10-cm') ORDER BY 1`, []string{
			"http://hl7.org/fhir/sid/icd-10-cm|I10|diagnosis.diagnosisCodeableConcept|true|true",
			"https://bluebutton.cms.gov/resources/codesystem/eob-type|CARRIER|type|true|true"}},
	} {
		if got := queryStrings(t, wh, q.sql); !slices.Equal(got, q.want) {
			t.Errorf("%s: %v, want %v", q.sql, got, q.want)
		}
	}
}

// TestClaimVersionsAnyOrder: AB2D sends every version of a claim (same
// claim group, new claim id, older ones cancelled). Whatever order the
// versions arrive in, claims keeps each once and claims_current shows
// exactly one row per group: the active one, or the newest when none is.
func TestClaimVersionsAnyOrder(t *testing.T) {
	v1 := eob{id: "carrier-101", group: "g1", status: "cancelled", updated: "2022-01-05T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}
	v2 := eob{id: "carrier-102", group: "g1", status: "cancelled", updated: "2022-02-05T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10", "E119"}, lines: 2}
	v3 := eob{id: "carrier-103", group: "g1", status: "active", updated: "2022-01-20T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"E785"}, lines: 1}
	onlyCancelled := []eob{
		{id: "carrier-201", group: "g2", status: "cancelled", updated: "2022-03-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"J449"}, lines: 1},
		{id: "carrier-202", group: "g2", status: "cancelled", updated: "2022-04-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"N179"}, lines: 1},
	}
	want := []string{"g1|carrier-103|active", "g2|carrier-202|cancelled"}
	for _, order := range [][]eob{{v1, v2, v3}, {v3, v2, v1}, {v2, v3, v1}} {
		dir := t.TempDir()
		wh := openWH(t, filepath.Join(dir, "wh"))
		for i, e := range append(order, onlyCancelled[1], onlyCancelled[0]) {
			loadFile(t, wh, writeFile(t, dir, strconv.Itoa(i)+".ndjson", e.json()), LoadConfig{})
		}
		if got := queryStrings(t, wh, "SELECT claim_group_id, eob_id, status FROM claims_current ORDER BY 1"); !slices.Equal(got, want) {
			t.Errorf("order %v: claims_current %v, want %v", order, got, want)
		}
		if n := queryInt(t, wh, "SELECT count(*) FROM claims"); n != 5 {
			t.Errorf("claims keeps %d versions, want 5", n)
		}
	}
}

// TestCodesDimension loads every fixture: codes labels what they carry, and
// counts each EOB once per code.
func TestCodesDimension(t *testing.T) {
	dir := fixtures(t)
	files, err := Inputs([]string{filepath.Join(dir, "r4"), filepath.Join(dir, "stu3")})
	if err != nil {
		t.Fatal(err)
	}
	wh := openWH(t, "")
	for _, f := range files {
		loadFile(t, wh, f, LoadConfig{})
	}
	const (
		eobType  = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
		nchType  = "https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd"
		c4bbRole = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole"
		stu3Role = "http://hl7.org/fhir/claimcareteamrole"
	)
	tests := []struct {
		name, query string
		want        []string
	}{
		// Independent of the codings walk: the claims table's own claim_type.
		{"every eob type of the claims",
			`SELECT code FROM codes WHERE system = '` + eobType + `' ORDER BY 1`,
			queryStrings(t, wh, `SELECT DISTINCT claim_type FROM claims ORDER BY 1`)},
		{"one row per system and code",
			`SELECT count(*) FROM (SELECT system, code FROM codes GROUP BY ALL HAVING count(*) > 1)`,
			[]string{"0"}},
		{"diagnosis codes, at their element",
			`SELECT count(*) FROM (SELECT code_system, code FROM claim_diagnoses EXCEPT
			 SELECT system, code FROM codes WHERE elements LIKE '%diagnosis.diagnosisCodeableConcept%')`,
			[]string{"0"}},
		{"NCH claim type codes are labelled",
			`SELECT code, display FROM codes WHERE system = '` + nchType + `' AND code IN ('10', '60', '71') ORDER BY 1`,
			[]string{"10|Home Health Agency (HHA) claim", "60|Inpatient claim",
				"71|Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim"}},
		{"R4 care-team roles",
			`SELECT code, display, elements FROM codes WHERE system = '` + c4bbRole + `' AND code IN ('attending', 'performing', 'referring') ORDER BY 1`,
			[]string{"attending|Attending|careTeam.role", "performing|Performing provider|careTeam.role", "referring|Referring|careTeam.role"}},
		{"STU3 care-team roles",
			`SELECT code, display FROM codes WHERE system = '` + stu3Role + `' ORDER BY 1`,
			[]string{"assist|Assisting Provider", "other|Other", "primary|Primary provider"}},
		{"facility types",
			`SELECT code, display FROM codes WHERE system = 'https://bluebutton.cms.gov/resources/variables/clm_fac_type_cd' ORDER BY 1`,
			[]string{"1|Hospital", "2|Skilled Nursing Facility (SNF)", "3|Home Health Agency (HHA)",
				"8|Ambulatory Surgery Center (ASC) or other special facility (e.g. hospice)"}},
		{"every code of the old view is in the dimension",
			`SELECT count(*) FROM (SELECT claim_type_code FROM claims WHERE claim_type_code IS NOT NULL
			 EXCEPT SELECT code FROM codes WHERE system = '` + nchType + `')`,
			[]string{"0"}},
		{"a supporting-info reference finds its contained resource",
			`SELECT DISTINCT s.category, c.resource_type, c.code, c.code_display FROM claim_supporting_info s
			 JOIN claim_contained c ON c.eob_id = s.eob_id AND s.value_reference = '#' || c.resource_id ORDER BY 3`,
			[]string{"https://bluebutton.cms.gov/resources/variables/line_hct_hgb_rslt_num|Observation|R1|Hemoglobin Test",
				"https://bluebutton.cms.gov/resources/variables/line_hct_hgb_rslt_num|Observation|R2|Hematocrit Test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queryStrings(t, wh, tt.query); !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestCodesMerge: each load merges the codes it saw: a reload is a no-op,
// a code keeps its first display and first load, gains elements and the
// latest load, and stays when the EOB that carried it is replaced.
func TestCodesMerge(t *testing.T) {
	dir := t.TempDir()
	wh := openWH(t, filepath.Join(dir, "wh"))
	codes := func() []string {
		return queryStrings(t, wh, `SELECT c.code, c.elements, f.source_file, l.source_file FROM codes c
JOIN loads f ON f.load_id = c.first_load_id JOIN loads l ON l.load_id = c.last_load_id
WHERE c.system IN ('https://bluebutton.cms.gov/resources/codesystem/eob-type', 'http://hl7.org/fhir/sid/icd-10-cm') ORDER BY 1`)
	}
	base := func(p string) string { return p } // loads.source_file is the path as given
	old := eob{id: "carrier-7", group: "g7", updated: "2021-04-01T10:00:00.000-04:00", mbi: "1EG4TE5MK73", dx: []string{"E119", "I10"}, lines: 2}
	newer := eob{id: "carrier-7", group: "g7", updated: "2022-01-01T00:00:00.000Z", mbi: "1EG4TE5MK73", dx: []string{"I10", "N179"}, lines: 1}
	a := writeFile(t, dir, "a.ndjson", old.json())
	b := writeFile(t, dir, "b.ndjson", newer.json())
	const dx = "diagnosis.diagnosisCodeableConcept"
	steps := []struct {
		name string
		load func()
		want []string
	}{
		{"first load", func() { loadFile(t, wh, a, LoadConfig{}) }, []string{
			"CARRIER|type|" + base(a) + "|" + base(a),
			"E119|" + dx + "|" + base(a) + "|" + base(a),
			"I10|" + dx + "|" + base(a) + "|" + base(a)}},
		{"reload (a no-op)", func() { loadFile(t, wh, a, LoadConfig{}) }, nil},
		{"newer version: E119 stays, N179 comes", func() { loadFile(t, wh, b, LoadConfig{}) }, []string{
			"CARRIER|type|" + base(a) + "|" + base(b),
			"E119|" + dx + "|" + base(a) + "|" + base(a),
			"I10|" + dx + "|" + base(a) + "|" + base(b),
			"N179|" + dx + "|" + base(b) + "|" + base(b)}},
	}
	var want []string
	for _, st := range steps {
		st.load()
		if st.want != nil {
			want = st.want
		}
		if got := codes(); !slices.Equal(got, want) {
			t.Errorf("%s: codes\n got %q\nwant %q", st.name, got, want)
		}
	}
	if left, err := filepath.Glob(filepath.Join(wh.Dir, load.WriterDir, "staging", "*")); err != nil || len(left) > 0 {
		t.Errorf("staged files left after the loads: %v %v", left, err)
	}
}

// TestManifestCheck: a file of `run` is checked against its manifest
// entry while it is read. One that does not match is not committed: it is
// downloaded again and the new copy is loaded, once. A refusal to download
// it again fails the load, with nothing of the file committed.
func TestManifestCheck(t *testing.T) {
	dir := t.TempDir()
	content := eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}.json() + "\n"
	good := writeFile(t, dir, "good.ndjson", strings.TrimSuffix(content, "\n"))
	bad := writeFile(t, dir, "Z0000_0001.ndjson", strings.Replace(strings.TrimSuffix(content, "\n"), "I10", "I11", 1))
	sum := sha256.Sum256([]byte(content))
	entry := extract.File{Name: "Z0000_0001.ndjson", SHA256: hex.EncodeToString(sum[:]), Length: int64(len(content))}
	for _, tt := range []struct {
		name    string
		refuse  bool
		wantErr bool
		loads   int64
	}{
		{"downloaded again", false, false, 1},
		{"refused", true, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wh := openWH(t, filepath.Join(dir, tt.name))
			redownloads := 0
			src := source{path: bad, landed: &extract.Landed{File: entry, Path: bad},
				redownload: func(_ context.Context, mismatch error) (extract.Landed, error) {
					redownloads++
					if !errors.Is(mismatch, extract.ErrVerify) {
						t.Errorf("mismatch %v does not wrap extract.ErrVerify", mismatch)
					}
					if tt.refuse {
						return extract.Landed{}, &extract.RefusedError{File: entry.Name, Reason: "test"}
					}
					return extract.Landed{File: entry, Path: good, Verified: true}, nil
				}}
			// Parts of one batch: DuckDB ingests the bad copy's before its
			// end shows the mismatch, and the good copy's rows replace them.
			l := newLoader(wh, LoadConfig{PartBytes: 1, PartRows: 1}.withDefaults(), "r", true)
			g, ctx := errgroup.WithContext(context.Background())
			sources := make(chan source, 1)
			sources <- src
			close(sources)
			l.start(ctx, g, sources)
			err := g.Wait()
			l.discard()
			if (err != nil) != tt.wantErr || redownloads != 1 {
				t.Fatalf("err %v, %d re-downloads", err, redownloads)
			}
			if n := queryInt(t, wh, "SELECT count(*) FROM loads"); n != tt.loads {
				t.Fatalf("%d loads, want %d", n, tt.loads)
			}
			if tt.loads > 0 {
				if got := queryStrings(t, wh, "SELECT code FROM claim_diagnoses"); !slices.Equal(got, []string{"I10"}) {
					t.Errorf("diagnoses %v: not the good copy", got)
				}
				if len(l.results) != 1 || l.results[0].Path != good {
					t.Errorf("results %+v: want the good copy once", l.results)
				}
			}
			tmps, _ := filepath.Glob(filepath.Join(wh.Dir, "parquet", "*", "*", "*.tmp"))
			if len(tmps) != 0 {
				t.Errorf("temporary files left: %v", tmps)
			}
		})
	}
}

// TestFieldIssuesKept: an EOB with an impossible date loads with the
// column NULL, and the raw value is in field_issues with where it was; the
// load counts it. A newer version of the EOB replaces its field issues
// with its own, as it replaces its other rows.
func TestFieldIssuesKept(t *testing.T) {
	dir := t.TempDir()
	wh := openWH(t, filepath.Join(dir, "wh"))
	e := eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}
	bad := strings.Replace(e.json(), `"start":"2021-03-01"`, `"start":"2020-13-45"`, 1)
	res := loadFile(t, wh, writeFile(t, dir, "a.ndjson", bad), LoadConfig{})
	if res.EOBs != 1 || res.Rejects != 0 || res.Fields != 1 {
		t.Fatalf("result %+v: want 1 EOB, no reject, 1 field issue", res)
	}
	if got := queryStrings(t, wh, "SELECT coalesce(billable_period_start::VARCHAR, 'NULL'), billable_period_end FROM claims"); !slices.Equal(got, []string{"NULL|2021-03-09 00:00:00 +0000 UTC"}) {
		t.Errorf("claims: %v", got)
	}
	want := []string{"carrier-1|claims|billable_period_start|billablePeriod.start|2020-13-45|not a valid date (YYYY-MM-DD)|a.ndjson|1"}
	if got := queryStrings(t, wh, "SELECT eob_id, table_name, column_name, fhir_path, raw_value, reason, source_file, source_line FROM field_issues"); !slices.Equal(got, want) {
		t.Errorf("field_issues %v, want %v", got, want)
	}
	e.updated = "2021-02-01T00:00:00Z"
	loadFile(t, wh, writeFile(t, dir, "b.ndjson", e.json()), LoadConfig{})
	if n := queryInt(t, wh, "SELECT count(*) FROM field_issues"); n != 0 {
		t.Errorf("%d field issues after the fixed version replaced the EOB", n)
	}
}

// TestNotResources: a file that is not NDJSON of FHIR resources fails, with
// what it looked like, and nothing of it is loaded; so does a file with no
// resource at all. A Bundle loads its entries, each with its position.
func TestNotResources(t *testing.T) {
	dir := t.TempDir()
	wh := openWH(t, filepath.Join(dir, "wh"))
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	for _, tt := range []struct {
		name, content, want string
	}{
		{"image.png", string(png), "is not NDJSON but image/png"},
		{"table.csv", "eob_id,claim_id\ncarrier-1,1\n", `it starts with "eob_id,claim_id\ncarrier-"`},
		{"empty.ndjson", "", "holds no FHIR resource (ExplanationOfBenefit or OperationOutcome): it is empty"},
		{"patients.ndjson", `{"resourceType":"Patient","id":"a"}` + "\n" + `{"resourceType":"Patient","id":"b"}`, `2 lines, all rejected (first: line 1: resourceType "Patient" is not`},
	} {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := loadOne(context.Background(), wh, p, LoadConfig{})
		if err != nil || res.Err == nil || !strings.Contains(res.Err.Error(), tt.want) {
			t.Errorf("%s: %v / %v, want the file to fail with %q", tt.name, err, res.Err, tt.want)
		}
	}
	if n := queryInt(t, wh, "SELECT (SELECT count(*) FROM loads) + (SELECT count(*) FROM rejects)"); n != 0 {
		t.Errorf("%d rows of loads and rejects from files that failed", n)
	}

	a := eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}
	b := eob{id: "carrier-2", group: "h", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK74", dx: []string{"E119"}, lines: 2}
	bundle := `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":` + a.json() + `},{"resource":{"resourceType":"Patient","id":"p"}},{"resource":` + b.json() + `}]}`
	res := loadFile(t, wh, writeFile(t, dir, "search.json", bundle), LoadConfig{})
	if res.EOBs != 2 || res.Rejects != 1 {
		t.Fatalf("Bundle: %+v, want 2 EOBs and the Patient rejected", res)
	}
	want := []string{"carrier-1|1|1", "carrier-2|1|3"}
	if got := queryStrings(t, wh, "SELECT eob_id, source_line, source_entry FROM claims ORDER BY eob_id"); !slices.Equal(got, want) {
		t.Errorf("claims lineage %v, want %v", got, want)
	}
	if got := queryStrings(t, wh, "SELECT eob_id, source_entry FROM claim_lines ORDER BY ALL"); !slices.Equal(got, []string{"carrier-1|1", "carrier-2|3", "carrier-2|3"}) {
		t.Errorf("claim_lines entries %v", got)
	}
	if got := queryStrings(t, wh, "SELECT source_entry FROM rejects"); !slices.Equal(got, []string{"2"}) {
		t.Errorf("rejects entries %v", got)
	}
}

// TestSnapshotLinksHistory: the current-state file of a load none of whose
// rows were replaced is its history file (a hard link, no copy); once a
// newer version replaces one of its EOBs, the load's current file is
// written anew with the rows that remain.
func TestSnapshotLinksHistory(t *testing.T) {
	dir := t.TempDir()
	wh := openWH(t, filepath.Join(dir, "wh"))
	a := eob{id: "carrier-1", group: "g", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK73", dx: []string{"I10"}, lines: 1}
	b := eob{id: "carrier-2", group: "h", updated: "2021-01-01T00:00:00Z", mbi: "1EG4TE5MK74", dx: []string{"E119"}, lines: 1}
	first := loadFile(t, wh, writeFile(t, dir, "a.ndjson", a.json(), b.json()), LoadConfig{})
	same := func(table, loadID string) bool {
		t.Helper()
		hist, err := os.Stat(filepath.Join(wh.Dir, "parquet", table, "load_id="+loadID, "part-0.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		cur, err := filepath.Glob(filepath.Join(wh.Dir, "current", "latest", table, "part-"+loadID+"-*.parquet"))
		if err != nil || len(cur) != 1 {
			t.Fatalf("%s: current files %v %v", table, cur, err)
		}
		fi, err := os.Stat(cur[0])
		if err != nil {
			t.Fatal(err)
		}
		return os.SameFile(hist, fi)
	}
	if _, err := wh.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !same(schema.Claims, first.LoadID) || !same(schema.ClaimDiagnoses, first.LoadID) {
		t.Error("an unchanged load's current files are not its history files")
	}
	a.updated = "2021-02-01T00:00:00Z"
	loadFile(t, wh, writeFile(t, dir, "b.ndjson", a.json()), LoadConfig{})
	if _, err := wh.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	if same(schema.Claims, first.LoadID) {
		t.Error("the current file of a load whose EOB was replaced is still its history file")
	}
	got := queryInt(t, wh, fmt.Sprintf("SELECT count(*) FROM read_parquet('%s')", filepath.Join(wh.Dir, "current", "latest", schema.Claims, "*.parquet")))
	if got != 2 {
		t.Errorf("current claims: %d rows, want 2 (carrier-2 of the first load, carrier-1 of the second)", got)
	}
}
