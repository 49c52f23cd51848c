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
	"time"
)

// The writer never shares its database. It works on DIR/.ab2d/writer.duckdb,
// which only it opens, and after each command publishes a consistent copy
// to DIR/warehouse.duckdb (and the current-state Parquet to DIR/current,
// see current.go), the file readers open read-only:
//
//	DIR/warehouse.duckdb    published copy, mode 0400: what query, runs and BI tools open
//	DIR/current/latest/     published current-state Parquet
//	DIR/parquet/<table>/    Parquet history
//	DIR/.ab2d/              the writer's folder: writer.duckdb (and its WAL), the
//	                        staging of loads, and what publishing writes before
//	                        it renames it into place
//
// A copy is written to a temporary file in DIR/.ab2d, synced, and renamed
// over DIR/warehouse.duckdb: on Linux a reader that has the old file open
// keeps reading the old inode, a reader opening the path gets the old file
// or the new one, never a part of either, and a process killed at any
// moment leaves the old one in place.
const (
	// DBFile is the published database's name in the warehouse folder.
	DBFile = "warehouse.duckdb"
	// WriterDir is the writer's own folder in the warehouse folder.
	WriterDir = ".ab2d"
	// writerFile is the writer's database in WriterDir.
	writerFile = "writer.duckdb"
	// publishTemp and takeoverTemp name the copies being written in
	// WriterDir; Open removes what a killed process left.
	publishTemp  = "publish-*.tmp"
	takeoverTemp = "takeover-*.tmp"
	// walSuffix is DuckDB's write-ahead log's suffix to the database's name.
	walSuffix = ".wal"
)

// publishStepDelayEnv names an environment variable for crash tests: a
// duration (e.g. "20ms") that Publish sleeps at each of its steps — every
// MiB copied, every Parquet file written or linked, before and after each
// rename — so that a test can kill the process at any moment of publishing.
// Unset, publishing never sleeps.
const publishStepDelayEnv = "AB2D_ETL_PUBLISH_STEP_DELAY"

// writerDir is DIR/.ab2d.
func writerDir(out string) string { return filepath.Join(out, WriterDir) }

// writerPath is DIR/.ab2d/writer.duckdb.
func writerPath(out string) string { return filepath.Join(writerDir(out), writerFile) }

// Published is what a Publish did, for the log.
type Published struct {
	// DBBytes is the size of the published database; DBTime the time its
	// checkpoint, copy and rename took.
	DBBytes int64
	DBTime  time.Duration
	// Snapshot is the id of the current-state Parquet snapshot, under
	// DIR/current/<Snapshot> (and DIR/current/latest).
	Snapshot string
	// FilesWritten and BytesWritten count the Parquet files the snapshot
	// wrote; FilesLinked those it took over unchanged from the previous
	// snapshot or from a load's history (hard links, no copy).
	FilesWritten, FilesLinked int
	BytesWritten              int64
	ParquetTime               time.Duration
}

// Publish makes the writer's current state what readers see: it
// checkpoints the writer's database, copies it to DIR/warehouse.duckdb and
// writes the current-state Parquet snapshot (see publishCurrent). Each of
// the two is replaced atomically; a failure or a kill leaves the previous
// one in place, and the next Publish replaces it.
func (w *Warehouse) Publish(ctx context.Context) (Published, error) {
	var p Published
	start := time.Now()
	// Everything committed goes into the database file, so that the file
	// alone is the whole state: a copy must not depend on the WAL.
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return p, fmt.Errorf("publish: checkpoint: %w", err)
	}
	pub := filepath.Join(w.Dir, DBFile)
	n, err := w.publishCopy(ctx, w.path, pub)
	if err != nil {
		return p, fmt.Errorf("publish %s: %w", pub, err)
	}
	p.DBBytes, p.DBTime = n, time.Since(start)
	start = time.Now()
	if err := w.publishCurrent(ctx, &p); err != nil {
		return p, fmt.Errorf("publish the current-state Parquet: %w", err)
	}
	p.ParquetTime = time.Since(start)
	return p, nil
}

// publishCopy copies the database file src over dst: a temporary copy in
// the writer's folder, synced, made read-only, renamed over dst, the
// folder synced. It returns the bytes copied.
func (w *Warehouse) publishCopy(ctx context.Context, src, dst string) (int64, error) {
	var pause func()
	if w.stepDelay > 0 {
		pause = w.pause
	}
	tmp, n, err := copyToTemp(ctx, src, writerDir(w.Dir), publishTemp, pause)
	if err != nil {
		return 0, err
	}
	// Read-only even for its owner: a BI tool that would open it read-write
	// (and so lock every other reader out) fails at once instead.
	if err := os.Chmod(tmp, 0o400); err != nil {
		return 0, errors.Join(err, os.Remove(tmp))
	}
	// A WAL beside the published file is none of the writer's: a program
	// opened the file read-write and wrote. DuckDB would replay it onto
	// the new file for every reader (it checks nothing), so it goes first;
	// whatever it held is replaced by the publish anyway.
	if err := os.Remove(dst + walSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, errors.Join(err, os.Remove(tmp))
	}
	w.pause()
	if err := os.Rename(tmp, dst); err != nil {
		return 0, errors.Join(err, os.Remove(tmp))
	}
	w.pause()
	return n, syncDir(filepath.Dir(dst))
}

// pause sleeps the crash tests' step delay, if any.
func (w *Warehouse) pause() {
	if w.stepDelay > 0 {
		time.Sleep(w.stepDelay)
	}
}

// copyChunk is how much copyToTemp copies between checks of the context
// (and pauses of crash tests, which copy a MiB at a time).
const copyChunk = 64 << 20

// copyToTemp copies src to a new temporary file in dir named by pattern
// (mode 0600): a reflink where the filesystem offers one (btrfs, XFS), else
// a copy (copy_file_range on Linux), synced. It returns the temporary
// file's path and size; on error nothing is left. A non-nil pause is
// called after each MiB copied (crash tests).
func copyToTemp(ctx context.Context, src, dir, pattern string, pause func()) (path string, n int64, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer func() { err = errors.Join(err, in.Close()) }()
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", 0, err
	}
	defer func() {
		err = errors.Join(err, out.Close())
		if err != nil {
			_ = os.Remove(out.Name()) // the error is reported; nothing to keep
		}
	}()
	if reflink(out, in) != nil {
		chunk := int64(copyChunk)
		if pause != nil {
			chunk = 1 << 20
		}
		for {
			if err := ctx.Err(); err != nil {
				return "", 0, err
			}
			c, err := io.CopyN(out, in, chunk)
			n += c
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return "", 0, err
			}
			if pause != nil {
				pause()
			}
		}
	} else if fi, err := out.Stat(); err == nil {
		n = fi.Size()
	}
	if err := out.Sync(); err != nil {
		return "", 0, err
	}
	return out.Name(), n, nil
}

// syncDir syncs a folder, so that a rename in it survives a crash of the
// machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// takeOver prepares the writer's database. A warehouse of an earlier
// version has no DIR/.ab2d/writer.duckdb: its DIR/warehouse.duckdb was the
// writer's own file. It becomes the writer's by a copy — the file stays
// where it is, published, for the readers that have it open — taken while
// a read-only connection holds it, so that no other writer can change it
// meanwhile. An earlier version killed with committed loads in its WAL
// leaves DIR/warehouse.duckdb.wal; those loads are checkpointed into the
// file first, which needs it to itself for a moment.
func takeOver(ctx context.Context, dir string) error {
	own := writerDir(dir)
	writer := writerPath(dir)
	if _, err := os.Stat(writer); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// A WAL without its database belongs to none: DuckDB would replay it
	// into the new one.
	if err := os.Remove(writer + walSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	old := filepath.Join(dir, DBFile)
	if _, err := os.Stat(old); errors.Is(err, fs.ErrNotExist) {
		return nil // a new warehouse
	} else if err != nil {
		return err
	}
	if _, err := os.Stat(old + walSuffix); err == nil {
		if err := checkpointFile(ctx, old); err != nil {
			return fmt.Errorf("take over the warehouse of an earlier version: %s has committed loads in its write-ahead log, "+
				"which must be written into it once, with nothing else holding the file (close the programs that have it open and rerun): %w", old, err)
		}
	}
	hold, err := sql.Open("duckdb", old+"?access_mode=read_only")
	if err != nil {
		return explainOpen(old, err)
	}
	if err := hold.PingContext(ctx); err != nil {
		return errors.Join(explainOpen(old, err), hold.Close())
	}
	tmp, _, err := copyToTemp(ctx, old, own, takeoverTemp, nil)
	if err = errors.Join(err, hold.Close()); err != nil {
		return fmt.Errorf("take over %s: %w", old, err)
	}
	if err := os.Rename(tmp, writer); err != nil {
		return errors.Join(fmt.Errorf("take over %s: %w", old, err), os.Remove(tmp))
	}
	return syncDir(own)
}

// checkpointFile opens a database read-write and checkpoints it.
func checkpointFile(ctx context.Context, path string) error {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return explainOpen(path, err)
	}
	_, err = db.ExecContext(ctx, "CHECKPOINT")
	if err != nil {
		err = explainOpen(path, err)
	}
	return errors.Join(err, db.Close())
}

// removeTemps removes what a killed Publish or takeover left in the
// writer's folder.
func removeTemps(dir string) error {
	for _, pattern := range []string{publishTemp, takeoverTemp, snapshotTemp, latestTemp} {
		found, err := filepath.Glob(filepath.Join(writerDir(dir), pattern))
		if err != nil {
			return err
		}
		for _, f := range found {
			if err := os.RemoveAll(f); err != nil {
				return fmt.Errorf("remove %s: %w", f, err)
			}
		}
	}
	return nil
}
