package load

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql keeps one opener goroutine per open *sql.DB; tests
		// close theirs in t.Cleanup, which runs before this check.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
	)
}

// TestCodeSet: within a load the first non-empty display in input order
// labels a code (a batch keeps its first; the earliest batch with one
// wins) and its elements join; across loads the first label stays, and a
// code seen without one takes the first that comes. ZIP codes are values,
// not codes.
func TestCodeSet(t *testing.T) {
	batch := func(cs ...transform.Coding) transform.CodeSet {
		s := transform.CodeSet{}
		for _, c := range cs {
			later := transform.CodeSet{{System: c.System, Code: c.Code}: &transform.CodeSeen{Display: c.Display, Elements: []string{c.Element}}}
			s.Merge(later)
		}
		return s
	}
	c := func(element, display string) transform.Coding {
		return transform.Coding{Element: element, System: "test", Code: "X", Display: display}
	}
	wh := openWH(t, "")
	for i, tt := range []struct {
		batches [][]string // displays per batch, one coding each
		flushes bool       // written out after every batch, combined by the merge
		want    string
	}{
		{[][]string{{""}, {""}}, false, "<nil>|careTeam.role,type"},
		{[][]string{{""}, {"A"}, {"B"}}, true, "A|careTeam.role,type"},
		{[][]string{{"B"}}, false, "A|careTeam.role,type"},
		{[][]string{{""}}, true, "A|careTeam.role,type"},
	} {
		id := fmt.Sprintf("l%d", i)
		st, err := wh.NewStage(id, "f")
		if err != nil {
			t.Fatal(err)
		}
		if tt.flushes {
			st.codes.max = 1
		}
		for j, displays := range tt.batches {
			var cs []transform.Coding
			for _, d := range displays {
				cs = append(cs, c([]string{"type", "careTeam.role"}[j%2], d))
			}
			if err := st.WriteCodes(batch(cs...)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := wh.Commit(context.Background(), st, LoadRecord{RunID: "r", SourceFile: "f", SHA256: id}, false); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s|l0|%s", tt.want, id)
		if got := queryStrings(t, wh, "SELECT display, elements, first_load_id, last_load_id FROM codes WHERE system = 'test'"); !slices.Equal(got, []string{want}) {
			t.Errorf("load %d %q: %q, want %q", i, tt.batches, got, want)
		}
	}
	if left, err := filepath.Glob(filepath.Join(stagingDir(wh.Dir), stagedCodes)); err != nil || len(left) > 0 {
		t.Errorf("staged codes left: %v %v", left, err)
	}
}

// TestUpgradeNullability: a warehouse whose sequence columns were NOT NULL
// (before values that do not fit were kept in field_issues) takes rows
// with a NULL sequence after Open, and gets the columns added since.
func TestUpgradeNullability(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.DB().Exec("DROP TABLE storage.claim_diagnoses; CREATE TABLE storage.claim_diagnoses (eob_id VARCHAR NOT NULL, sequence BIGINT NOT NULL, load_key BIGINT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	wh := openWH(t, dir)
	key := loadKey(t, wh, "l", "f")
	if _, err := wh.DB().Exec("INSERT INTO storage.claim_diagnoses (eob_id, sequence, load_key, source_line) VALUES ('e', NULL, ?, 1)", key); err != nil {
		t.Fatalf("a NULL sequence after the upgrade: %v", err)
	}
	if n := count(t, wh.DB(), "SELECT count(*) FROM claim_diagnoses WHERE sequence IS NULL AND load_id = 'l' AND source_file = 'f'"); n != 1 {
		t.Errorf("%d rows in the view, want 1", n)
	}
}

// TestKeyTables: a warehouse of an earlier version, whose tables with
// lineage stored their load_id and source_file in every row, is moved to
// the keyed tables on Open (schema.StorageSchema): the same rows, a key per
// load and file, the view in the table's place, and the next load a new
// key.
func TestKeyTables(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// The table as an earlier version had it: lineage in every row, and
	// not every column of today.
	if _, err := old.DB().Exec(`DROP VIEW claims; CREATE TABLE claims (eob_id VARCHAR NOT NULL, fhir_version VARCHAR NOT NULL, api_version VARCHAR,
  load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL, source_entry BIGINT);
INSERT INTO claims VALUES ('a', 'R4', 'v2', 'L1', 'x.ndjson', 1, NULL), ('b', 'R4', 'v2', 'L1', 'x.ndjson', 2, NULL),
  ('c', 'STU3', 'v1', 'L2', 'y.ndjson', 1, 3)`); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	wh := openWH(t, dir)
	rows := func() string {
		t.Helper()
		var s string
		if err := wh.DB().QueryRow(`SELECT string_agg(concat_ws('|', eob_id, fhir_version, api_version, load_id, source_file, source_line, source_entry), ' ' ORDER BY eob_id)
FROM claims`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := rows(), "a|R4|v2|L1|x.ndjson|1 b|R4|v2|L1|x.ndjson|2 c|STU3|v1|L2|y.ndjson|1|3"; got != want {
		t.Errorf("claims after the upgrade:\n got %s\nwant %s", got, want)
	}
	var kind string
	if err := wh.DB().QueryRow("SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'claims'").Scan(&kind); err != nil || kind != "VIEW" {
		t.Errorf("main.claims is a %q (%v), want a VIEW", kind, err)
	}
	if n := count(t, wh.DB(), "SELECT count(DISTINCT load_key) FROM storage.load_keys"); n != 2 {
		t.Errorf("%d load keys, want 2", n)
	}
	insertClaims(t, wh, "L3", "d")
	if n := count(t, wh.DB(), "SELECT max(load_key) FROM storage.claims"); n != 3 {
		t.Errorf("the next load's key is %d, want 3", n)
	}
	if got, want := rows(), "a|R4|v2|L1|x.ndjson|1 b|R4|v2|L1|x.ndjson|2 c|STU3|v1|L2|y.ndjson|1|3 d|R4|v2|L3|f.ndjson|1"; got != want {
		t.Errorf("claims after a load:\n got %s\nwant %s", got, want)
	}
}

// TestBeginFailureRestoresMemoryLimit: a load whose transaction cannot
// begin (here: its load key cannot be written) gives DuckDB back the
// memory limit it had, which the ingest lowers for its connection's
// database.
func TestBeginFailureRestoresMemoryLimit(t *testing.T) {
	wh := openWH(t, "")
	limit := func() string {
		t.Helper()
		var s string
		if err := wh.DB().QueryRow("SELECT current_setting('memory_limit')").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := limit()
	if _, err := wh.DB().Exec("DROP TABLE storage.load_keys"); err != nil {
		t.Fatal(err)
	}
	st, err := wh.NewStage("L", "f.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort()
	if err := wh.Ingest(context.Background(), st, 0, filepath.Join(t.TempDir(), "part.parquet")); err == nil {
		t.Fatal("the load began without its load key")
	}
	if after := limit(); after != before {
		t.Errorf("memory limit %s after the failed begin, want %s as before", after, before)
	}
}

// TestStoredSelect: the columns read from a load's Parquet part into a
// keyed table are those DuckDB stores, the load's key in place of its
// load_id and source_file; a table without lineage is read as it is.
func TestStoredSelect(t *testing.T) {
	cat := schema.Warehouse()
	claims := storedSelect(cat.Table(schema.Claims), 7)
	if !strings.Contains(claims, "7 AS "+schema.LoadKey) || strings.Contains(claims, "load_id") || strings.Contains(claims, "source_file") {
		t.Errorf("claims: %s", claims)
	}
	if got, want := strings.Count(claims, ",")+1, len(cat.Table(schema.Claims).Stored().Columns); got != want {
		t.Errorf("claims: %d columns, want %d", got, want)
	}
	loads := cat.Table(schema.Loads)
	if got, want := storedSelect(loads, 7), columnList(loads); got != want {
		t.Errorf("loads: %s, want %s", got, want)
	}
}
