package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
	"github.com/klauspost/compress/zstd"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Warehouse is the DuckDB database and Parquet folders under one --out
// directory, as their one writer sees them. It owns the merge of each load
// into the current state, the ledger of loads and runs, and the publishing
// of what readers see (see Publish).
type Warehouse struct {
	Dir  string
	path string // the writer's database
	db   *sql.DB
	cat  schema.Catalog
	zstd *zstd.Encoder // of every load's Parquet pages
	// lastKey is the greatest load key given (see schema.LoadKey); NewStage
	// gives the next.
	lastKey atomic.Int64
	// stepDelay is the crash tests' pause at each step of Publish.
	stepDelay time.Duration
}

// DuckDB settings, chosen by measurement (1 and 2 GB of NDJSON, 2 cores):
// DuckDB runs the merge, reading Parquet that is already columnar, on one
// thread beside the transform's workers. Its memory limit sets the peak
// RSS: while it ingests a file's parts the transform holds its own buffers
// too, and the rows of the open transaction fill DuckDB's limit (what does
// not fit goes to its temporary files). On the 2 GB benchmark 64 MB while
// ingesting gave a peak RSS of 360 MB, 80 MB 405–415 MB, 96 MB 400–435 MB
// and 128 MB 450–460 MB, at the same speed within the noise. 48 MB loaded
// every shape tried (R4, STU3, v3) but 32 MB failed ("could not allocate
// block" while inserting claims), so 64 MB keeps a margin for wider data.
// The end of the merge, after the transform, gets 96 MB.
const (
	duckThreads       = 1
	duckMemoryLimit   = "96MB"
	ingestMemoryLimit = "64MB"
	// storageVersion is the DuckDB storage format of a new warehouse (see
	// Open).
	storageVersion = "v1.3.0"
)

// Open opens (creating if needed) the warehouse in dir for writing:
// folders mode 0700, the writer's DuckDB file in DIR/.ab2d with every table
// and view of the catalog, and it finishes or discards any load or publish
// a killed process left half-done. A warehouse of an earlier version (whose
// DIR/warehouse.duckdb was the writer's file) is taken over; a warehouse
// never published yet is published at once, empty, so that readers find
// it. Only one process at a time can have a warehouse open.
func Open(ctx context.Context, dir string) (*Warehouse, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create warehouse folder: %w", err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	for _, d := range []string{dir, writerDir(dir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create warehouse folder: %w", err)
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("warehouse folder %s: %w", d, err)
		}
	}
	if err := takeOver(ctx, dir); err != nil {
		return nil, err
	}
	path := writerPath(dir)
	// allocator_background_threads: DuckDB's allocator returns freed memory
	// to the system from a thread of its own. Without it the memory DuckDB
	// keeps grew with its tables: DuckDB alone, re-inserting a 2 GB load's
	// parts eight times, went 108 → 215 MB, with it 106 → 150 MB; the peak
	// RSS of a 20 GB load went 421 → 400 MB, at the same speed.
	//
	// storage_compatibility_version: a new warehouse is written in DuckDB
	// 1.3's storage format, whose DICT_FSST compression of strings
	// replaces choosing between dictionary and FSST compression for each
	// column segment. DuckDB alone ingesting a 2 GB load's parts: 12.4–13.7
	// → 9.7–10.2 CPU-s, file 70.4 → 59.3 MB. Readers of warehouse.duckdb
	// need DuckDB 1.3 or later; a warehouse created before keeps the format
	// it has (DuckDB does not change a file's format).
	//
	// write_buffer_row_group_count: DuckDB writes each row group of a
	// load's rows to the file once it is full, instead of buffering five
	// (its default) and writing them together. DuckDB alone ingesting a
	// 2 GB load's parts: 7.88–8.47 against 8.08–8.98 CPU-s (3 alternated
	// runs); it still uses its temporary files as much.
	dsn := fmt.Sprintf("%s?threads=%d&memory_limit=%s&preserve_insertion_order=false&allocator_background_threads=true&storage_compatibility_version=%s&write_buffer_row_group_count=1",
		path, duckThreads, duckMemoryLimit, storageVersion)
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return nil, explainWriterOpen(dir, err)
	}
	enc, err := newZstd()
	if err != nil { // only for invalid options, which these are not
		return nil, errors.Join(err, db.Close())
	}
	w := &Warehouse{Dir: dir, path: path, db: db, cat: schema.Warehouse(), zstd: enc}
	if d, err := time.ParseDuration(os.Getenv(publishStepDelayEnv)); err == nil {
		w.stepDelay = d
	}
	if err := w.init(ctx); err != nil {
		return nil, errors.Join(explainWriterOpen(dir, err), db.Close())
	}
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, errors.Join(err, db.Close())
	}
	if err := w.recover(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); errors.Is(err, fs.ErrNotExist) {
		if _, err := w.Publish(ctx); err != nil {
			return nil, errors.Join(err, db.Close())
		}
	}
	return w, nil
}

// checkWritable fails early, with the folder's name, when --out cannot be
// written, instead of failing halfway through a load.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("warehouse folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

func explainOpen(path string, err error) error {
	if strings.Contains(err.Error(), "lock") {
		return fmt.Errorf("%s is in use by another process (a BI tool or another ab2d-etl?); close it and retry: %w", path, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// explainWriterOpen explains a failure to open the writer's database: the
// one reason it is locked is another ab2d-etl writing the same warehouse.
func explainWriterOpen(dir string, err error) error {
	if strings.Contains(err.Error(), "lock") {
		return fmt.Errorf("the warehouse %s is being written by another ab2d-etl (load, run or extract; one at a time): wait for it to finish and retry: %w", dir, err)
	}
	return fmt.Errorf("open %s: %w", writerPath(dir), err)
}

// init creates the tables and views, and adds the columns a newer
// version of the catalog defines to the tables of an older warehouse.
func (w *Warehouse) init(ctx context.Context) (err error) {
	// One transaction: DuckDB writes its log once instead of once per
	// statement, and a failed upgrade leaves the catalog as it was. The
	// first load of a 10-line file into a new warehouse took 0.46–0.48 s
	// with a transaction per statement, 0.37–0.42 s so.
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		} else {
			err = tx.Commit()
		}
	}()
	// A view that became a table (codes did) makes way for it.
	var codesWasView bool
	if err := tx.QueryRowContext(ctx, "SELECT count(*) > 0 FROM information_schema.tables WHERE table_type = 'VIEW' AND table_name = ?", schema.Codes).Scan(&codesWasView); err != nil {
		return err
	}
	if codesWasView {
		if _, err := tx.ExecContext(ctx, "DROP VIEW "+schema.Codes); err != nil {
			return fmt.Errorf("replace the codes view by a table: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema.StorageSchema+";\n"+schema.LoadKeys().CreateSQL()); err != nil {
		return fmt.Errorf("create the load keys: %w", err)
	}
	for _, t := range w.cat.Tables {
		st := t.Stored()
		if _, err := tx.ExecContext(ctx, st.CreateSQL()); err != nil {
			return fmt.Errorf("create table %s: %w", st.Name, err)
		}
	}
	nullable, err := nullableColumns(ctx, tx)
	if err != nil {
		return err
	}
	for _, t := range w.cat.Tables {
		st := t.Stored()
		for _, c := range st.Columns {
			null, ok := nullable[st.Name+"."+c.Name]
			var alter string
			switch {
			case !ok: // added columns are nullable: old rows have no value
				alter = fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", st.Name, c.Name, c.Type)
			case !null && !c.Required: // a column that may be NULL now (a sequence that is not an integer)
				alter = fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", st.Name, c.Name)
			default:
				continue
			}
			if _, err := tx.ExecContext(ctx, alter); err != nil {
				return fmt.Errorf("upgrade column %s.%s: %w", st.Name, c.Name, err)
			}
		}
	}
	if err := w.keyTables(ctx, tx); err != nil {
		return err
	}
	if codesWasView {
		if _, err := tx.ExecContext(ctx, backfillCodes); err != nil {
			return fmt.Errorf("fill the codes table from the loaded claims: %w", err)
		}
	}
	for _, v := range w.cat.Views {
		if _, err := tx.ExecContext(ctx, v.CreateSQL()); err != nil {
			return fmt.Errorf("create view %s: %w", v.Name, err)
		}
	}
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max("+schema.LoadKey+"), 0) FROM "+schema.LoadKeys().Name).Scan(&last); err != nil {
		return fmt.Errorf("read the load keys: %w", err)
	}
	w.lastKey.Store(last)
	return w.comment(ctx, tx)
}

// nullableColumns returns whether each column of the warehouse's tables
// (by table.column, the schema first when not main) may be NULL.
func nullableColumns(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	return queryMap[bool](ctx, tx, `SELECT CASE table_schema WHEN 'main' THEN '' ELSE table_schema || '.' END || table_name || '.' || column_name, is_nullable = 'YES'
FROM information_schema.columns JOIN information_schema.tables USING (table_catalog, table_schema, table_name)
WHERE table_schema IN ('main', '`+schema.StorageSchema+`') AND table_catalog = current_database() AND table_type = 'BASE TABLE'`)
}

// keyTables moves the rows of each keyed table that an earlier version
// stored as a table of the main schema, with their load_id and source_file,
// into its stored table with their load's key, and creates the view that
// shows them (see schema.StorageSchema). A view whose columns are the
// table's is kept as it is, with its comments.
func (w *Warehouse) keyTables(ctx context.Context, tx *sql.Tx) error {
	kinds, err := queryMap[string](ctx, tx, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()")
	if err != nil {
		return err
	}
	viewCols, err := queryMap[string](ctx, tx, `SELECT table_name, string_agg(column_name, ', ' ORDER BY column_index) FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' GROUP BY table_name`)
	if err != nil {
		return err
	}
	keys := schema.LoadKeys().Name
	for _, t := range w.cat.Tables {
		if !t.Keyed() {
			continue
		}
		st := t.Stored()
		if kinds[t.Name] == "BASE TABLE" {
			old, err := columns(ctx, tx, t.Name)
			if err != nil {
				return err
			}
			var keep []string // the old table's columns that are stored
			for _, c := range old {
				if i := st.Index(c); i >= 0 && c != schema.LoadKey {
					keep = append(keep, c)
				}
			}
			cols := strings.Join(keep, ", ")
			for _, q := range []string{
				fmt.Sprintf(`INSERT INTO %[1]s
SELECT (SELECT coalesce(max(%[2]s), 0) FROM %[1]s) + row_number() OVER (ORDER BY load_id, source_file), load_id, source_file
FROM (SELECT DISTINCT load_id, source_file FROM main.%[3]s EXCEPT SELECT load_id, source_file FROM %[1]s)`, keys, schema.LoadKey, t.Name),
				fmt.Sprintf("INSERT INTO %[1]s (%[2]s, %[3]s) SELECT %[2]s, %[3]s FROM main.%[4]s JOIN %[5]s USING (load_id, source_file)",
					st.Name, cols, schema.LoadKey, t.Name, keys),
				"DROP TABLE main." + t.Name,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("move the rows of %s to %s: %w", t.Name, st.Name, err)
				}
			}
		} else if kinds[t.Name] == "VIEW" && viewCols[t.Name] == strings.Join(t.ColumnNames(), ", ") {
			continue
		}
		if _, err := tx.ExecContext(ctx, t.ViewSQL()); err != nil {
			return fmt.Errorf("create view %s: %w", t.Name, err)
		}
	}
	return nil
}

// queryMap returns the rows of a query of two columns, a key and its
// value, as a map.
func queryMap[V any](ctx context.Context, tx *sql.Tx, query string) (map[string]V, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	out := map[string]V{}
	for rows.Next() {
		var k string
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, errors.Join(err, rows.Close())
		}
		out[k] = v
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// OpenReadOnly opens the warehouse's published DuckDB file for queries
// only: the state after the last command that finished, readable while a
// load or run writes the next one. It fails with a clear message when there
// is no warehouse in dir. It is the one way readers (query, runs, report)
// open a warehouse.
func OpenReadOnly(ctx context.Context, dir string) (*sql.DB, error) {
	path := filepath.Join(dir, DBFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no warehouse at %s (load data first: ab2d-etl load --out %s FILES): %w", path, dir, err)
	}
	// Ad-hoc queries get DuckDB's defaults (every core, 80% of memory):
	// the load's tight limits are for running beside a pipeline.
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return nil, explainOpen(path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(explainOpen(path, err), db.Close())
	}
	return db, nil
}

// DB returns the database handle, for queries.
func (w *Warehouse) DB() *sql.DB { return w.db }

// Close checkpoints and closes the writer's database. It does not publish:
// see Publish.
func (w *Warehouse) Close() error {
	_, cerr := w.db.Exec("CHECKPOINT")
	if cerr != nil {
		cerr = fmt.Errorf("closing the warehouse: committed loads are safe in DuckDB's write-ahead log and are applied on the next start; fix the cause and rerun: %w", cerr)
	}
	_ = os.Remove(stagingDir(w.Dir)) // only when empty: no load is staging now
	return errors.Join(cerr, w.db.Close())
}

// recover finishes what a killed process left: temporary Parquet files of
// a load that committed in DuckDB are renamed into place; those of a load
// that did not commit are removed, and so is what loads staged and what a
// publish or takeover left half-written.
func (w *Warehouse) recover(ctx context.Context) error {
	if err := removeTemps(w.Dir); err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	// An earlier version staged in DIR/.ab2d-staging.
	for _, dir := range []string{stagingDir(w.Dir), filepath.Join(w.Dir, ".ab2d-staging")} {
		staged, err := filepath.Glob(filepath.Join(dir, stagedCodes))
		if err != nil {
			return err
		}
		for _, f := range staged {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("recover: %w", err)
			}
		}
		_ = os.Remove(dir) // only when empty
	}
	tmps, err := filepath.Glob(filepath.Join(w.Dir, "parquet", "*", "load_id=*", "*"+tmpSuffix))
	if err != nil {
		return err
	}
	for _, tmp := range tmps {
		loadID := strings.TrimPrefix(filepath.Base(filepath.Dir(tmp)), "load_id=")
		var n int
		if err := w.db.QueryRowContext(ctx, "SELECT count(*) FROM loads WHERE load_id = ?", loadID).Scan(&n); err != nil {
			return fmt.Errorf("recover %s: %w", tmp, err)
		}
		if n > 0 {
			if err := os.Rename(tmp, strings.TrimSuffix(tmp, tmpSuffix)); err != nil {
				return fmt.Errorf("recover %s: %w", tmp, err)
			}
			continue
		}
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("recover %s: %w", tmp, err)
		}
		_ = os.Remove(filepath.Dir(tmp)) // only succeeds when empty
	}
	return nil
}

// LoadedAs returns the id of the load that already loaded a file with this
// sha256, or "" when none did.
func (w *Warehouse) LoadedAs(ctx context.Context, sha string) (string, error) {
	var id sql.NullString
	err := w.db.QueryRowContext(ctx,
		"SELECT max(load_id) FROM loads WHERE sha256 = ? AND status = 'loaded'", sha).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("ledger: %w", err)
	}
	return id.String, nil
}

// LoadedSize reports whether the ledger holds a loaded file of this size.
func (w *Warehouse) LoadedSize(ctx context.Context, size int64) (bool, error) {
	var n int64
	if err := w.db.QueryRowContext(ctx, "SELECT count(*) FROM loads WHERE bytes = ? AND status = 'loaded'", size).Scan(&n); err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	return n > 0, nil
}

// merge finishes the merge of a load whose parts are ingested, in its
// transaction: EOBs are upserted by eob_id (a newer last_updated replaces
// the EOB and all its child rows; an older or equal one changes nothing),
// MBIs are merged, codes merged and the ledger row written. Ingest put
// every row of the load's EOBs in already: here the versions that lose are
// removed, those of earlier loads that a newer one replaces and those of
// this load that an EOB's newer (or earlier equal) version in this file or
// in the warehouse outranks.
func (w *Warehouse) merge(ctx context.Context, s *Stage, rec LoadRecord) error {
	tx, loadID := s.tx, s.LoadID
	exec := func(q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("merge load %s: %w\n%s", loadID, err, q)
		}
		return nil
	}
	stored := func(table string) string { return w.cat.Table(table).Stored().Name }
	staged := map[string]int{} // the load's tables, by name
	for i, tw := range s.tables {
		staged[tw.table.Name] = i
	}
	// src reads a table's rows of this load straight from its Parquet
	// parts, streaming, as DuckDB stores them (storedSelect).
	src := func(table string) string {
		var parts []string
		for _, p := range s.ingested[staged[table]] {
			parts = append(parts, quote(p))
		}
		t := w.cat.Table(table)
		if len(parts) == 0 {
			return fmt.Sprintf("(SELECT %s FROM %s LIMIT 0)", storedSelect(t, s.key), t.Stored().Name)
		}
		return fmt.Sprintf("(SELECT %s FROM read_parquet([%s]))", storedSelect(t, s.key), strings.Join(parts, ", "))
	}
	this := s.key
	// The winning version of each EOB in this file: the newest last_updated
	// (the first line among equals), kept only when newer than what the
	// warehouse held before this load.
	for _, q := range []string{
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE s_win AS
SELECT eob_id, source_line, source_entry, last_updated FROM %s
QUALIFY row_number() OVER (PARTITION BY eob_id ORDER BY last_updated DESC NULLS LAST, source_line, source_entry) = 1`, src(schema.Claims)),
		fmt.Sprintf(`DELETE FROM s_win WHERE eob_id IN (
  SELECT w.eob_id FROM s_win w JOIN %s c USING (eob_id)
  WHERE c.load_key <> %d AND coalesce(w.last_updated, '-infinity'::TIMESTAMPTZ) <= coalesce(c.last_updated, '-infinity'::TIMESTAMPTZ))`, stored(schema.Claims), this),
	} {
		if err := exec(q); err != nil {
			return err
		}
	}
	// The common case — a file of new EOBs, each once — takes a fast path:
	// nothing is removed when nothing is replaced and every row of the file
	// wins.
	var winners, replaced int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM s_win),
  (SELECT count(*) FROM s_win JOIN %s c USING (eob_id) WHERE c.load_key <> %d)`, stored(schema.Claims), this)).Scan(&winners, &replaced); err != nil {
		return fmt.Errorf("merge load %s: %w", loadID, err)
	}
	rows := s.tables[staged[schema.Claims]].rows
	var steps []string
	for _, t := range w.cat.ParquetTables() {
		if t.Merge != schema.MergeByEOB {
			continue
		}
		if replaced > 0 {
			steps = append(steps, fmt.Sprintf("DELETE FROM %s WHERE load_key <> %d AND eob_id IN (SELECT eob_id FROM s_win)", t.Stored().Name, this))
		}
		if winners < rows && len(s.ingested[staged[t.Name]]) > 0 { // this load has rows of t
			steps = append(steps, fmt.Sprintf(`DELETE FROM %[1]s t WHERE load_key = %[2]d AND NOT EXISTS (
  SELECT 1 FROM s_win w WHERE w.eob_id = t.eob_id AND w.source_line = t.source_line AND w.source_entry IS NOT DISTINCT FROM t.source_entry)`, t.Stored().Name, this))
		}
	}
	mbis := w.cat.Table(schema.BeneficiaryMBIs).Stored()
	mbiCols := columnList(mbis)
	steps = append(steps,
		// One row per beneficiary and MBI: the currency, lineage and last
		// sighting of the newest EOB that carried it, and the first sighting.
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE s_mbi AS
SELECT beneficiary_id, mbi,
  arg_max(currency, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)) AS currency,
  min(first_seen) AS first_seen, max(last_seen) AS last_seen,
  arg_max(source_line, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)) AS source_line,
  arg_max(source_entry, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)) AS source_entry,
  arg_max(%[4]s, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)) AS %[4]s
FROM (
  SELECT %[1]s FROM %[2]s
  UNION ALL
  SELECT %[1]s FROM %[3]s WHERE (beneficiary_id, mbi) IN (SELECT beneficiary_id, mbi FROM %[2]s)
) GROUP BY beneficiary_id, mbi`, mbiCols, src(schema.BeneficiaryMBIs), mbis.Name, schema.LoadKey),
		fmt.Sprintf(`DELETE FROM %s WHERE (beneficiary_id, mbi) IN (SELECT beneficiary_id, mbi FROM s_mbi)`, mbis.Name),
		fmt.Sprintf(`INSERT INTO %[1]s (%[2]s) SELECT %[2]s FROM s_mbi`, mbis.Name, mbiCols),
	)
	for _, q := range steps {
		if err := exec(q); err != nil {
			return err
		}
	}
	if err := mergeCodes(ctx, tx, loadID, s.codesFile); err != nil {
		return fmt.Errorf("merge load %s: %w", loadID, err)
	}
	if err := exec(`INSERT INTO loads (load_id, run_id, source_file, sha256, bytes, rows, rejects, started_at, finished_at, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, now(), 'loaded')`,
		loadID, rec.RunID, rec.SourceFile, rec.SHA256, rec.Bytes, rec.Rows, rec.Rejects, s.StartedAt); err != nil {
		return err
	}
	return exec("DROP TABLE s_win; DROP TABLE s_mbi")
}

// columnList lists a table's columns in catalog order; every statement
// names them, so a column added to an existing warehouse cannot shift
// values.
func columnList(t schema.Table) string { return strings.Join(t.ColumnNames(), ", ") }

// storedSelect lists the columns of t as DuckDB stores them (see
// schema.Table.Stored), to be read from a Parquet file of the load whose
// key is key: the key in place of the load's load_id and source_file.
func storedSelect(t schema.Table, key int64) string {
	names := t.Stored().ColumnNames()
	if i := slices.Index(names, schema.LoadKey); i >= 0 && t.Keyed() {
		names[i] = fmt.Sprintf("%d AS %s", key, schema.LoadKey)
	}
	return strings.Join(names, ", ")
}

// quote returns s as a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
