package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// insertClaims adds claims (and one line each) of a load straight into
// the writer's database.
func insertClaims(t *testing.T, wh *Warehouse, loadID string, ids ...string) {
	t.Helper()
	key := loadKey(t, wh, loadID, "f.ndjson")
	for i, id := range ids {
		for _, q := range []string{
			"INSERT INTO storage.claims (eob_id, fhir_version, api_version, load_key, source_line) VALUES (?, 'R4', 'v2', ?, ?)",
			"INSERT INTO storage.claim_lines (eob_id, line_number, load_key, source_line) VALUES (?, 1, ?, ?)",
		} {
			if _, err := wh.DB().Exec(q, id, key, i+1); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// loadKey returns the key of the rows of loadID from the file source
// (schema.LoadKeys), giving the next key when they have none.
func loadKey(t *testing.T, wh *Warehouse, loadID, source string) int64 {
	t.Helper()
	var key int64
	err := wh.DB().QueryRow("SELECT load_key FROM storage.load_keys WHERE load_id = ? AND source_file = ?", loadID, source).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		key = wh.lastKey.Add(1)
		_, err = wh.DB().Exec("INSERT INTO storage.load_keys VALUES (?, ?, ?)", key, loadID, source)
	}
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// openPublished opens the published database read-only.
func openPublished(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := OpenReadOnly(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// count runs a query returning one number, on a *sql.DB or a *sql.Conn.
func count(t *testing.T, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// publish publishes and fails the test on error.
func publish(t *testing.T, wh *Warehouse) Published {
	t.Helper()
	p, err := wh.Publish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPublish: Open publishes a new warehouse at once; Publish copies the
// writer's state to the published file and the current-state Parquet; a
// connection opened before keeps its snapshot, one opened after sees the
// new state; an unchanged Publish rewrites no Parquet file, and a change
// to one load rewrites that load's file only.
func TestPublish(t *testing.T) {
	wh := openWH(t, "")
	pub := filepath.Join(wh.Dir, DBFile)
	fi, err := os.Stat(pub)
	if err != nil {
		t.Fatalf("a new warehouse is not published: %v", err)
	}
	if fi.Mode().Perm() != 0o400 {
		t.Errorf("published file mode %v, want 0400", fi.Mode().Perm())
	}
	held := openPublished(t, wh.Dir) // a BI tool's open connection
	if n := count(t, held, "SELECT count(*) FROM claims"); n != 0 {
		t.Fatalf("new warehouse: %d claims", n)
	}

	insertClaims(t, wh, "L1", "a", "b", "c")
	insertClaims(t, wh, "L2", "d", "e")
	p := publish(t, wh)
	if n := count(t, held, "SELECT count(*) FROM claims"); n != 0 {
		t.Errorf("the held connection sees %d claims, want its snapshot's 0", n)
	}
	// DuckDB clients share one open database per path within a process:
	// a new connection there sees the file that was open. (Other
	// processes are tested by cmd/ab2d-etl's publish tests.)
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, openPublished(t, wh.Dir), "SELECT count(*) FROM claims"); n != 5 {
		t.Errorf("a new connection sees %d claims, want 5", n)
	}
	// Open published empty tables; now claims and claim_lines have two
	// loads' files each, and the other tables' files are still exact.
	if want := len(wh.cat.Tables) - 2; p.FilesWritten != 4 || p.FilesLinked != want {
		t.Errorf("publish wrote %d files and linked %d, want 4 and %d", p.FilesWritten, p.FilesLinked, want)
	}
	checkCurrentEqualsDB(t, wh)

	if p := publish(t, wh); p.FilesWritten != 0 {
		t.Errorf("unchanged publish wrote %d files, want 0 (linked %d)", p.FilesWritten, p.FilesLinked)
	}
	if _, err := wh.DB().Exec("DELETE FROM storage.claims WHERE eob_id = 'e'"); err != nil {
		t.Fatal(err)
	}
	p = publish(t, wh)
	if p.FilesWritten != 1 {
		t.Errorf("a change to one load's rows wrote %d files, want 1", p.FilesWritten)
	}
	checkCurrentEqualsDB(t, wh)
	snapshots, err := filepath.Glob(filepath.Join(wh.Dir, CurrentDir, "2*"))
	if err != nil {
		t.Fatal(err)
	}
	// Open's, and the three since: none is past its grace period yet.
	if len(snapshots) != 4 {
		t.Errorf("snapshots %v, want 4 (kept for %v)", snapshots, snapshotGrace)
	}
}

// checkCurrentEqualsDB: the current-state Parquet of `latest` holds, for
// every table, exactly the rows of the writer's table.
func checkCurrentEqualsDB(t *testing.T, wh *Warehouse) {
	t.Helper()
	for _, tb := range wh.cat.Tables {
		glob := quote(filepath.Join(wh.Dir, CurrentDir, LatestLink, tb.Name, "*.parquet"))
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (SELECT * FROM %[1]s EXCEPT ALL SELECT * FROM read_parquet(%[2]s))) +
  (SELECT count(*) FROM (SELECT * FROM read_parquet(%[2]s) EXCEPT ALL SELECT * FROM %[1]s))`, tb.Name, glob)
		if n := count(t, wh.DB(), q); n != 0 {
			t.Errorf("%s: %d rows differ between DuckDB and the current Parquet", tb.Name, n)
		}
	}
}

// TestPublishRemovesForeignWAL: a WAL beside the published file (a program
// opened it read-write) would be replayed onto the new file by every
// reader; Publish removes it.
func TestPublishRemovesForeignWAL(t *testing.T) {
	wh := openWH(t, "")
	wal := filepath.Join(wh.Dir, DBFile+walSuffix)
	if err := os.WriteFile(wal, []byte("not ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	insertClaims(t, wh, "L1", "a")
	publish(t, wh)
	if _, err := os.Stat(wal); !os.IsNotExist(err) {
		t.Errorf("WAL left beside the published file: %v", err)
	}
	if n := count(t, openPublished(t, wh.Dir), "SELECT count(*) FROM claims"); n != 1 {
		t.Errorf("%d claims, want 1", n)
	}
}

// TestTakeOver: a warehouse of the previous version — DIR/warehouse.duckdb
// the writer's own file, with or without committed loads in its WAL — is
// taken over on Open without losing a row, and the Parquet history stays
// where it is.
func TestTakeOver(t *testing.T) {
	for _, withWAL := range []bool{false, true} {
		t.Run(fmt.Sprintf("wal=%v", withWAL), func(t *testing.T) {
			// The previous version's files are made by this version's
			// writer: its database (and WAL) copied while it is open is
			// what a kill would leave.
			src := openWH(t, "")
			insertClaims(t, src, "L1", "a", "b")
			if !withWAL {
				if _, err := src.DB().Exec("CHECKPOINT"); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			copyFile(t, src.path, filepath.Join(dir, DBFile))
			_, err := os.Stat(src.path + walSuffix)
			if withWAL != (err == nil) {
				t.Fatalf("WAL present: %v, want %v", err == nil, withWAL)
			}
			if withWAL {
				copyFile(t, src.path+walSuffix, filepath.Join(dir, DBFile+walSuffix))
			}
			history := filepath.Join(dir, "parquet", schema.Claims, "load_id=L1", fmt.Sprintf(partPattern, 0))
			if err := os.MkdirAll(filepath.Dir(history), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(history, []byte("history"), 0o600); err != nil {
				t.Fatal(err)
			}

			wh := openWH(t, dir)
			if n := count(t, wh.DB(), "SELECT count(*) FROM claims"); n != 2 {
				t.Fatalf("taken over: %d claims, want 2", n)
			}
			db := openPublished(t, dir)
			if n := count(t, db, "SELECT count(*) FROM claims"); n != 2 {
				t.Errorf("published before the first publish: %d claims, want 2", n)
			}
			if err := db.Close(); err != nil { // see TestPublish
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, DBFile+walSuffix)); !os.IsNotExist(err) {
				t.Errorf("the previous version's WAL is left: %v", err)
			}
			if b, err := os.ReadFile(history); err != nil || string(b) != "history" {
				t.Errorf("Parquet history changed: %q, %v", b, err)
			}
			insertClaims(t, wh, "L2", "c")
			publish(t, wh)
			if n := count(t, openPublished(t, dir), "SELECT count(*) FROM claims"); n != 3 {
				t.Errorf("after a publish: %d claims, want 3", n)
			}
		})
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRecoverRemovesPublishTemps: what a killed publish left in the
// writer's folder goes on the next Open; a snapshot renamed into place but
// never pointed to goes on the next publish.
func TestRecoverRemovesPublishTemps(t *testing.T) {
	dir := t.TempDir()
	wh, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	own := writerDir(dir)
	orphan := filepath.Join(dir, CurrentDir, NewID())
	for _, d := range []string{filepath.Join(own, "snapshot-x.tmp", "claims"), orphan} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"publish-1.tmp", "takeover-2.tmp", latestTemp} {
		if err := os.WriteFile(filepath.Join(own, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	wh = openWH(t, dir)
	var left []string
	entries, err := os.ReadDir(own)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != writerFile+walSuffix {
			left = append(left, e.Name())
		}
	}
	if !slices.Equal(left, []string{writerFile}) {
		t.Errorf("writer's folder holds %v, want only %s", left, writerFile)
	}
	publish(t, wh)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("unpublished snapshot left: %v", err)
	}
}

// TestRemoveOldSnapshots: the latest and the previous snapshot stay; an
// older one stays for snapshotGrace after the one that replaced it;
// snapshots newer than latest (a killed publish) and nothing else go.
func TestRemoveOldSnapshots(t *testing.T) {
	base := time.Date(2026, 11, 1, 2, 30, 0, 0, time.UTC)
	id := func(d time.Duration) string { return base.Add(d).Format(idTimeLayout) + "-00000000" }
	s0, s1, s2, s3, s4, s5 := id(0), id(24*time.Hour), id(48*time.Hour), id(48*time.Hour+10*time.Minute), id(48*time.Hour+20*time.Minute), id(49*time.Hour)
	cur := t.TempDir()
	for _, d := range []string{s0, s1, s2, s3, s4, s5, "mine"} {
		if err := os.Mkdir(filepath.Join(cur, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// latest s4 (replaced s3, the previous); s5 a killed publish's.
	if err := removeOldSnapshots(cur, s4, s3, base.Add(48*time.Hour+30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := filepath.WalkDir(cur, func(p string, d fs.DirEntry, err error) error {
		if p != cur {
			got = append(got, filepath.Base(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// s0 was replaced a day ago (by s1): gone. s1 was replaced by s2 30
	// minutes ago: kept. s2 replaced 20 minutes ago: kept.
	if want := []string{s1, s2, s3, s4, "mine"}; !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
}

// TestComments: every table, view and column of the published warehouse
// carries its description from package schema as a DuckDB comment, which
// BI tools show; a view's columns carry those of their table's columns.
func TestComments(t *testing.T) {
	wh := openWH(t, "")
	db := openPublished(t, wh.Dir)
	got := map[string]string{}
	rows, err := db.Query(`SELECT CASE schema_name WHEN 'main' THEN '' ELSE schema_name || '.' END || table_name, comment FROM duckdb_tables()
UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal
UNION ALL SELECT CASE schema_name WHEN 'main' THEN '' ELSE schema_name || '.' END || table_name || '.' || column_name, comment
FROM duckdb_columns() WHERE database_name = current_database()`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var c sql.NullString
		if err := rows.Scan(&k, &c); err != nil {
			t.Fatal(err)
		}
		got[k] = c.String
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, tb := range slices.Concat(wh.cat.Tables, []schema.Table{schema.LoadKeys()}) {
		want[tb.Name] = tb.Description
		for _, c := range tb.Columns {
			want[tb.Name+"."+c.Name] = c.Description
		}
		if tb.Keyed() {
			want[tb.Stored().Name] = storedDescription(tb)
		}
	}
	for _, v := range wh.cat.Views {
		want[v.Name] = v.Description
	}
	want["claim_lines_detail.hcpcs_code"] = wh.cat.Table(schema.ClaimLines).Columns[wh.cat.Table(schema.ClaimLines).Index("hcpcs_code")].Description
	want["claim_lines_detail.claim_type"] = wh.cat.Table(schema.Claims).Columns[wh.cat.Table(schema.Claims).Index("claim_type")].Description
	for k, w := range want {
		if got[k] != w {
			t.Errorf("comment on %s: %q, want %q", k, got[k], w)
		}
	}
	for k, c := range got {
		if c == "" && (strings.HasPrefix(k, "claims_current.") || strings.HasPrefix(k, "claim_lines_detail.")) {
			t.Errorf("view column %s has no comment", k)
		}
	}
}

// TestHistoryParts: a load's history parts are found in the order they
// were written (part-10 after part-9), and not at all while one is missing
// or still under its temporary name (a publish the next Open finishes),
// since linking part of them into the snapshot would lose rows.
func TestHistoryParts(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
		want  []string // nil: not all in place
	}{
		{"one", []string{"part-0.parquet"}, []string{"part-0.parquet"}},
		{"eleven", []string{"part-0.parquet", "part-1.parquet", "part-2.parquet", "part-3.parquet", "part-4.parquet", "part-5.parquet",
			"part-6.parquet", "part-7.parquet", "part-8.parquet", "part-9.parquet", "part-10.parquet"},
			[]string{"part-0.parquet", "part-1.parquet", "part-2.parquet", "part-3.parquet", "part-4.parquet", "part-5.parquet",
				"part-6.parquet", "part-7.parquet", "part-8.parquet", "part-9.parquet", "part-10.parquet"}},
		{"one not renamed yet", []string{"part-0.parquet", "part-1.parquet" + tmpSuffix}, nil},
		{"one missing", []string{"part-0.parquet", "part-2.parquet"}, nil},
		{"a stranger", []string{"part-0.parquet", "part-x.parquet"}, nil},
		{"none", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := historyParts(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range got {
				names = append(names, filepath.Base(p))
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("historyParts = %v, want %v", names, tt.want)
			}
		})
	}
}
