package load

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// storageVersionOf returns the storage format DuckDB reports for the
// database of the connection, e.g. "v1.3.0+".
func storageVersionOf(t *testing.T, db *sql.DB) string {
	t.Helper()
	var v string
	q := "SELECT map_extract_value(tags, 'storage_version') FROM duckdb_databases() WHERE database_name = current_database()"
	if err := db.QueryRowContext(context.Background(), q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// TestStorageVersion: a new warehouse is written in storageVersion's
// format, the writer's database and the published copy alike; a warehouse
// made before, in DuckDB's default format, keeps it and loads on.
func TestStorageVersion(t *testing.T) {
	t.Run("new", func(t *testing.T) {
		dir := t.TempDir()
		wh := openWH(t, dir)
		if v := storageVersionOf(t, wh.DB()); !strings.HasPrefix(v, storageVersion) {
			t.Errorf("writer's database: storage version %q, want %s", v, storageVersion)
		}
		insertClaims(t, wh, "L1", "a")
		publish(t, wh)
		if v := storageVersionOf(t, openPublished(t, dir)); !strings.HasPrefix(v, storageVersion) {
			t.Errorf("published database: storage version %q, want %s", v, storageVersion)
		}
	})
	t.Run("existing", func(t *testing.T) {
		// A published database in DuckDB's default format, which the
		// writer takes over (see takeOver).
		dir := t.TempDir()
		old, err := sql.Open("duckdb", filepath.Join(dir, DBFile))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec("CREATE TABLE before (x INT); INSERT INTO before VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		before := storageVersionOf(t, old)
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(before, storageVersion) {
			t.Fatalf("DuckDB's default storage version is %s: this test has nothing to check", before)
		}
		wh := openWH(t, dir)
		insertClaims(t, wh, "L1", "a", "b")
		publish(t, wh)
		db := openPublished(t, dir)
		if v := storageVersionOf(t, db); v != before {
			t.Errorf("storage version %q after a load, want %q as before", v, before)
		}
		if n := count(t, db, "SELECT count(*) FROM claims"); n != 2 {
			t.Errorf("%d claims, want 2", n)
		}
	})
}
