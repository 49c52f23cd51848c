// Command publishbench measures the ways of publishing a consistent copy of
// a DuckDB database file next to the one a writer keeps open, for the
// "Publishing" section of BENCHMARKS.md. It opens DB (read-write, as the
// writer does: 1 thread, 96 MB), checkpoints it, and for each mechanism and
// round writes a copy to a temporary file in OUT, syncs it, renames it to
// OUT/warehouse.duckdb and syncs OUT, then (untimed) opens the copy read-only
// and checks that its claims count equals the source's. It prints one
// "key=value" line per figure:
//
//	db_bytes=…                          size of DB after the checkpoint
//	claims=…                            rows of claims in DB
//	<mechanism>.r<round>.seconds=…      wall time of one publish
//	<mechanism>.r<round>.bytes=…        size of the published copy
//	<mechanism>.unsupported=…           why a mechanism cannot run here
//
// Mechanisms:
//
//	copy                 io.Copy between the files (copy_file_range(2) on Linux), fsync, rename
//	copy-buffered        read/write with a 1 MiB buffer (no copy_file_range), fsync, rename
//	reflink              FICLONE ioctl (btrfs, XFS, …; fails on ext4), fsync, rename
//	copy-from-database   ATTACH the temporary file; COPY FROM DATABASE; DETACH; rename
//
// With -grow N it first appends N copies of every row of every table that
// has an eob_id (with the eob_id suffixed, so that the copies are distinct
// EOBs) and of beneficiary_mbis, to make a large database from a small
// load: the file grows in proportion, with the same shape of data. The
// growing is not measured and runs with DuckDB's defaults (every core).
//
// With -warehouse DIR it measures ab2d-etl's own publishing instead: it
// opens the warehouse in DIR (a -db FILE is moved to DIR/.ab2d/writer.duckdb
// first) and calls Publish -rounds times, printing for each round
// ab2d-etl.r<round>.<figure>=… for the figures of load.Published: the
// database copy's seconds and bytes, and the current-state Parquet's
// seconds and files written and linked.
//
// Usage:
//
//	go run ./bench/publishbench -db FILE -out DIR [-grow N] [-rounds 3] [-mechanisms copy,copy-buffered,reflink,copy-from-database]
//	go run ./bench/publishbench [-db FILE] -warehouse DIR [-grow N] [-rounds 2]
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sys/unix"

	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

func main() {
	var (
		dbPath, out, mechs, warehouse string
		grow, rounds                  int
	)
	flag.StringVar(&dbPath, "db", "", "DuckDB file to publish (required; -grow changes it)")
	flag.StringVar(&out, "out", "", "folder to publish into (required)")
	flag.IntVar(&grow, "grow", 0, "append this many copies of the data rows first")
	flag.IntVar(&rounds, "rounds", 3, "publishes per mechanism")
	flag.StringVar(&mechs, "mechanisms", "copy,copy-buffered,reflink,copy-from-database", "mechanisms to measure, comma-separated")
	flag.StringVar(&warehouse, "warehouse", "", "measure ab2d-etl's Publish on the warehouse in this folder")
	flag.Parse()
	if (warehouse == "" && (dbPath == "" || out == "")) || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	err := func() error {
		if grow > 0 {
			if err := inflate(ctx, dbPath, grow); err != nil {
				return err
			}
		}
		if warehouse != "" {
			return publishWarehouse(ctx, dbPath, warehouse, rounds)
		}
		return run(ctx, dbPath, out, rounds, strings.Split(mechs, ","))
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "publishbench: %v\n", err)
		os.Exit(1)
	}
}

// publishWarehouse measures load.Warehouse.Publish.
func publishWarehouse(ctx context.Context, dbPath, dir string, rounds int) (err error) {
	if dbPath != "" {
		if err := os.MkdirAll(filepath.Join(dir, load.WriterDir), 0o700); err != nil {
			return err
		}
		if err := os.Rename(dbPath, filepath.Join(dir, load.WriterDir, "writer.duckdb")); err != nil {
			return err
		}
		// Open publishes a warehouse that has never been: a placeholder
		// keeps that first publish for the measured rounds.
		if err := os.WriteFile(filepath.Join(dir, load.DBFile), nil, 0o600); err != nil {
			return err
		}
	}
	wh, err := load.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, wh.Close()) }()
	for r := 1; r <= rounds; r++ {
		p, err := wh.Publish(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("ab2d-etl.r%d.db_seconds=%.3f\nab2d-etl.r%d.db_bytes=%d\n", r, p.DBTime.Seconds(), r, p.DBBytes)
		fmt.Printf("ab2d-etl.r%d.parquet_seconds=%.3f\nab2d-etl.r%d.parquet_files_written=%d\nab2d-etl.r%d.parquet_files_linked=%d\nab2d-etl.r%d.parquet_bytes_written=%d\n",
			r, p.ParquetTime.Seconds(), r, p.FilesWritten, r, p.FilesLinked, r, p.BytesWritten)
	}
	return nil
}

func run(ctx context.Context, dbPath, out string, rounds int, mechs []string) (err error) {
	db, err := sql.Open("duckdb", dbPath+"?threads=1&memory_limit=96MB&preserve_insertion_order=false")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return err
	}
	fi, err := os.Stat(dbPath)
	if err != nil {
		return err
	}
	var claims int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM claims").Scan(&claims); err != nil {
		return err
	}
	fmt.Printf("db_bytes=%d\nclaims=%d\n", fi.Size(), claims)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	dst := filepath.Join(out, "warehouse.duckdb")
	for _, m := range mechs {
		for r := 1; r <= rounds; r++ {
			tmp := filepath.Join(out, fmt.Sprintf(".publish-%s-%d.tmp", m, r))
			start := time.Now()
			err := publish(ctx, db, m, dbPath, tmp)
			if errors.Is(err, errUnsupported) {
				fmt.Printf("%s.unsupported=%q\n", m, err.Error())
				_ = os.Remove(tmp)
				break
			}
			if err == nil {
				err = rename(tmp, dst)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", m, err)
			}
			elapsed := time.Since(start)
			pfi, err := os.Stat(dst)
			if err != nil {
				return err
			}
			fmt.Printf("%s.r%d.seconds=%.3f\n%s.r%d.bytes=%d\n", m, r, elapsed.Seconds(), m, r, pfi.Size())
			if err := check(ctx, dst, claims); err != nil {
				return fmt.Errorf("%s: %w", m, err)
			}
		}
	}
	return os.Remove(dst)
}

var errUnsupported = errors.New("not supported")

// publish writes a copy of the (checkpointed) database to tmp and syncs it.
func publish(ctx context.Context, db *sql.DB, mech, src, tmp string) error {
	if mech == "copy-from-database" {
		var name string
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			return err
		}
		for _, q := range []string{
			fmt.Sprintf("ATTACH '%s' AS pub", tmp),
			fmt.Sprintf(`COPY FROM DATABASE "%s" TO pub`, strings.ReplaceAll(name, `"`, `""`)),
			"DETACH pub",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return syncFile(tmp)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	switch mech {
	case "copy":
		_, err = io.Copy(f, in)
	case "copy-buffered":
		_, err = io.CopyBuffer(struct{ io.Writer }{f}, struct{ io.Reader }{in}, make([]byte, 1<<20))
	case "reflink":
		if cerr := unix.IoctlFileClone(int(f.Fd()), int(in.Fd())); cerr != nil {
			err = fmt.Errorf("%w: FICLONE: %v", errUnsupported, cerr)
		}
	default:
		err = fmt.Errorf("unknown mechanism %q", mech)
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// rename moves tmp over dst and syncs the folder.
func rename(tmp, dst string) error {
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return syncFile(filepath.Dir(dst))
}

// check opens the published copy read-only and compares its claims count.
func check(ctx context.Context, path string, want int64) error {
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return err
	}
	var n int64
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM claims").Scan(&n)
	if err == nil && n != want {
		err = fmt.Errorf("published copy has %d claims, want %d", n, want)
	}
	return errors.Join(err, db.Close())
}

// inflate appends n copies of the data rows of the database in path,
// each with its own eob_ids.
func inflate(ctx context.Context, path string, n int) (err error) {
	db, err := sql.Open("duckdb", path+"?preserve_insertion_order=false")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	// The tables as stored: those with lineage are in schema.StorageSchema.
	rows, err := db.QueryContext(ctx, `SELECT schema_name || '.' || table_name, bool_or(column_name = 'eob_id') FROM duckdb_columns()
WHERE (schema_name, table_name) IN (SELECT schema_name, table_name FROM duckdb_tables()) GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		var hasEOB bool
		if err := rows.Scan(&t, &hasEOB); err != nil {
			return errors.Join(err, rows.Close())
		}
		if hasEOB {
			tables = append(tables, t)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	mbis := schema.StorageSchema + "." + schema.BeneficiaryMBIs
	for _, t := range append(tables, mbis) {
		key := "eob_id"
		if t == mbis {
			key = "beneficiary_id"
		}
		q := fmt.Sprintf("INSERT INTO %[1]s SELECT x.* REPLACE (x.%[2]s || '~' || k AS %[2]s) FROM %[1]s x, range(1, %[3]d) r(k)", t, key, n+1)
		start := time.Now()
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("grow %s: %w", t, err)
		}
		fmt.Fprintf(os.Stderr, "grew %s in %.1fs\n", t, time.Since(start).Seconds())
	}
	return nil
}
