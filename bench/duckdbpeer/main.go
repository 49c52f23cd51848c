// Command duckdbpeer runs bench/duckdb_peer.sql: the DuckDB-only peer of
// `ab2d-etl load`, for `make bench`. It opens (after removing) OUT/peer.duckdb
// with the given number of threads, substitutes the placeholders of the SQL
// script, executes its statements one by one and prints, on stdout, one
// "key=value" line per figure:
//
//	elapsed_s=…                 wall time of the script, from opening the database to closing it (checkpoint included)
//	rows.<table>=…              rows in the DuckDB table
//	parquet_rows.<table>=…      rows in the table's Parquet file (as delivered)
//	rows_total=… parquet_rows_total=…
//	duckdb_version=…
//
// With -compare WAREHOUSE it checks, after the run and outside the timing,
// that the peer's DuckDB tables hold the same rows as an ab2d-etl warehouse
// (every column both have but load_id; columns only one side has are
// listed), and prints compare.<table>=OK or the number of rows found only on
// each side. -check-only skips the run and only counts
// (and compares) what an earlier run left in OUT.
//
// Placeholders in the script (substituted as SQL string contents, quotes
// doubled): {{INPUT}} the NDJSON path, {{OUT}} the output folder,
// {{SOURCE_FILE}} the input's base name, {{LOAD_ID}} an id for the lineage
// columns. Statements are separated by a ';' at the end of a line.
//
// Usage:
//
//	go run ./bench/duckdbpeer -sql bench/duckdb_peer.sql -in FILE -out DIR [-threads 2] [-memory-limit 4GB] [-compare WAREHOUSE] [-v]
//	go run ./bench/duckdbpeer -check-only -out DIR -compare WAREHOUSE
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// tables are the peer's output tables, as in ab2d-etl's catalog.
var tables = []string{"claims", "claim_lines", "claim_diagnoses", "claim_procedures", "claim_care_team", "beneficiary_mbis"}

func main() {
	var (
		sqlPath, in, out, memLimit, compare string
		threads                             int
		verbose, checkOnly                  bool
	)
	flag.StringVar(&sqlPath, "sql", "bench/duckdb_peer.sql", "SQL script")
	flag.StringVar(&in, "in", "", "input NDJSON file (required)")
	flag.StringVar(&out, "out", "", "output folder, emptied first (required)")
	flag.IntVar(&threads, "threads", 2, "DuckDB threads")
	flag.StringVar(&memLimit, "memory-limit", "", "DuckDB memory_limit (default: DuckDB's, 80% of RAM)")
	flag.StringVar(&compare, "compare", "", "ab2d-etl warehouse folder to compare the tables with, after the run")
	flag.BoolVar(&verbose, "v", false, "print each statement's time on stderr")
	flag.BoolVar(&checkOnly, "check-only", false, "do not run the script: count (and -compare) the tables an earlier run left in -out")
	flag.Parse()
	if (in == "" && !checkOnly) || out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	var err error
	if checkOnly {
		err = check(out, threads, compare)
	} else {
		err = run(sqlPath, in, out, threads, memLimit, compare, verbose)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "duckdbpeer: %v\n", err)
		os.Exit(1)
	}
}

func run(sqlPath, in, out string, threads int, memLimit, compare string, verbose bool) error {
	ctx := context.Background()
	script, err := os.ReadFile(sqlPath)
	if err != nil {
		return err
	}
	absIn, err := filepath.Abs(in)
	if err != nil {
		return err
	}
	if _, err := os.Stat(absIn); err != nil {
		return err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(absOut); err != nil {
		return err
	}
	for _, t := range tables {
		if err := os.MkdirAll(filepath.Join(absOut, "parquet", t), 0o700); err != nil {
			return err
		}
	}
	lit := func(s string) string { return strings.ReplaceAll(s, "'", "''") }
	text := strings.NewReplacer(
		"{{INPUT}}", lit(absIn),
		"{{OUT}}", lit(absOut),
		"{{SOURCE_FILE}}", lit(filepath.Base(absIn)),
		"{{LOAD_ID}}", lit("peer-"+time.Now().UTC().Format("20060102T150405Z")),
	).Replace(string(script))
	stmts := split(text)
	if len(stmts) == 0 {
		return fmt.Errorf("%s: no statements", sqlPath)
	}

	dbPath := filepath.Join(absOut, "peer.duckdb")
	dsn := fmt.Sprintf("%s?threads=%d", dbPath, threads)
	if memLimit != "" {
		dsn += "&memory_limit=" + memLimit
	}
	start := time.Now()
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1) // one connection: temp tables live in it
	for i, q := range stmts {
		t, cpu := time.Now(), cpuTime()
		if _, err := db.ExecContext(ctx, q); err != nil {
			return errors.Join(fmt.Errorf("statement %d: %w\n%s", i+1, err, q), db.Close())
		}
		if verbose {
			fmt.Fprintf(os.Stderr, "%7.2fs wall %7.2fs cpu  %s\n", time.Since(t).Seconds(), (cpuTime() - cpu).Seconds(), firstLine(q))
		}
	}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return errors.Join(err, db.Close())
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return errors.Join(err, db.Close())
	}
	if err := db.Close(); err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Printf("elapsed_s=%.3f\n", elapsed.Seconds())
	fmt.Printf("duckdb_version=%s\n", version)
	return check(absOut, threads, compare) // outside the timing
}

// check prints the row counts of the peer's tables and Parquet files in out,
// and compares the tables with an ab2d-etl warehouse when compare is set.
func check(out string, threads int, compare string) error {
	ctx := context.Background()
	lit := func(s string) string { return strings.ReplaceAll(s, "'", "''") }
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	dbPath := filepath.Join(absOut, "peer.duckdb")
	if _, err := os.Stat(dbPath); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", dbPath+"?access_mode=read_only&threads="+fmt.Sprint(threads))
	if err != nil {
		return err
	}
	defer db.Close()
	var total, ptotal int64
	for _, t := range tables {
		var n, pn int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return fmt.Errorf("count %s: %w", t, err)
		}
		pq := filepath.Join(absOut, "parquet", t, "*.parquet")
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet('"+lit(pq)+"')").Scan(&pn); err != nil {
			return fmt.Errorf("count %s: %w", pq, err)
		}
		fmt.Printf("rows.%s=%d\nparquet_rows.%s=%d\n", t, n, t, pn)
		total += n
		ptotal += pn
	}
	fmt.Printf("rows_total=%d\nparquet_rows_total=%d\n", total, ptotal)
	if compare != "" {
		return compareWith(ctx, db, compare)
	}
	return nil
}

// compareWith prints, per table, whether the peer's rows equal those of the
// ab2d-etl warehouse in dir on every column but load_id (EXCEPT ALL both
// ways), and fails when a table differs.
func compareWith(ctx context.Context, db *sql.DB, dir string) error {
	path := filepath.Join(dir, "warehouse.duckdb")
	if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS wh (READ_ONLY)", strings.ReplaceAll(path, "'", "''"))); err != nil {
		return fmt.Errorf("attach %s: %w", path, err)
	}
	var bad []string
	for _, t := range tables {
		// The columns both sides have, in the warehouse's order; a column
		// only one side has is reported, not compared.
		var cols, onlyWH, onlyPeer []string
		rows, err := db.QueryContext(ctx, `SELECT column_name,
  bool_or(table_catalog = 'wh') AS in_wh, bool_or(table_catalog = 'peer') AS in_peer,
  min(CASE WHEN table_catalog = 'wh' THEN ordinal_position END) AS pos
FROM information_schema.columns
WHERE table_catalog IN ('wh', 'peer') AND table_schema = 'main' AND table_name = ? AND column_name <> 'load_id'
GROUP BY column_name ORDER BY pos NULLS LAST, column_name`, t)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			var inWH, inPeer bool
			var pos sql.NullInt64
			if err := rows.Scan(&c, &inWH, &inPeer, &pos); err != nil {
				return errors.Join(err, rows.Close())
			}
			switch {
			case inWH && inPeer:
				cols = append(cols, `"`+c+`"`)
			case inWH:
				onlyWH = append(onlyWH, c)
			default:
				onlyPeer = append(onlyPeer, c)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if len(cols) == 0 {
			fmt.Printf("compare.%s=MISSING (not in both databases)\n", t)
			bad = append(bad, t)
			continue
		}
		if len(onlyWH) > 0 {
			fmt.Printf("compare.%s.only_ab2d_etl_columns=%d %s\n", t, len(onlyWH), strings.Join(onlyWH, ","))
		}
		if len(onlyPeer) > 0 {
			fmt.Printf("compare.%s.only_peer_columns=%d %s\n", t, len(onlyPeer), strings.Join(onlyPeer, ","))
		}
		cl := strings.Join(cols, ", ")
		var nPeer, nETL int64
		q := fmt.Sprintf(`SELECT
 (SELECT count(*) FROM (SELECT %[1]s FROM peer.main.%[2]s EXCEPT ALL SELECT %[1]s FROM wh.main.%[2]s)),
 (SELECT count(*) FROM (SELECT %[1]s FROM wh.main.%[2]s EXCEPT ALL SELECT %[1]s FROM peer.main.%[2]s))`, cl, t)
		if err := db.QueryRowContext(ctx, q).Scan(&nPeer, &nETL); err != nil {
			return fmt.Errorf("compare %s: %w", t, err)
		}
		if nPeer == 0 && nETL == 0 {
			fmt.Printf("compare.%s=OK\n", t)
			continue
		}
		fmt.Printf("compare.%s=DIFF only_peer=%d only_ab2d_etl=%d\n", t, nPeer, nETL)
		bad = append(bad, t)
	}
	if len(bad) > 0 {
		return fmt.Errorf("the peer's tables differ from ab2d-etl's: %s", strings.Join(bad, ", "))
	}
	return nil
}

// split cuts a script into statements at each ';' that ends a line, and
// drops the parts that hold only comments and blanks.
func split(script string) []string {
	var stmts []string
	var cur strings.Builder
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
				stmts = append(stmts, s)
				return
			}
		}
	}
	for _, line := range strings.SplitAfter(script, "\n") {
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimRight(line, " \t\r\n"), ";") {
			flush()
		}
	}
	flush()
	return stmts
}

// cpuTime returns the user + system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// firstLine returns the statement's first line that is not a comment.
func firstLine(q string) string {
	for _, l := range strings.Split(q, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			if len(l) > 100 {
				l = l[:100] + "…"
			}
			return l
		}
	}
	return ""
}
