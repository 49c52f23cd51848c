package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// The current-state Parquet: after each command, every table as DuckDB
// holds it, for readers that speak Parquet (Spark, Trino, Athena, pandas,
// DuckDB's read_parquet):
//
//	DIR/current/latest -> <snapshot>                  symlink, switched atomically
//	DIR/current/<snapshot>/<table>/part-<unit>-<snapshot that wrote it>[-<n>].parquet
//	DIR/current/<snapshot>/_manifest.json             what each file holds
//
// It lives beside DIR/parquet, not in it: DIR/parquet/<table>/ is the
// history (every load's rows), and globs or crawlers over DIR/parquet must
// not take the current state for a table of it. One pointer for every
// table keeps them consistent with each other: a reader that resolves
// `latest` once reads claims and claim_lines of the same state.
//
// A snapshot is complete in itself and never changes. Each command writes
// a new one in the writer's folder, renames it into DIR/current and then
// switches `latest` to it. Rows are filed by the load that wrote them
// (their load_id): one file per table and load (or the load's history
// parts, when they are linked), and one file for each table without
// load_id (codes, loads, runs); an empty table has a file without rows. A load's rows only ever disappear
// from the current state (a newer version of an EOB replaces it; new rows
// come with new loads), so a file whose row count (and, for
// beneficiary_mbis, whose rows' hash, since its rows are merged in place) has
// not changed is still exact: the new snapshot takes it from the previous
// one by a hard link, at no cost. A nightly increment writes the files of
// its own loads and rewrites those of the loads whose EOBs it replaced,
// not the whole warehouse. The previous snapshot stays until the run after
// the next at the earliest, and at least snapshotGrace after it was
// replaced, so that a reader who resolved `latest` before a switch can
// finish.
const (
	// CurrentDir is the folder of the current-state Parquet snapshots.
	CurrentDir = "current"
	// LatestLink is the symlink in CurrentDir to the newest snapshot.
	LatestLink = "latest"
	// ManifestFile describes a snapshot; readers ignore it (_-prefixed).
	ManifestFile = "_manifest.json"
	// snapshotTemp and latestTemp are what publishCurrent builds in the
	// writer's folder before it renames them into CurrentDir.
	snapshotTemp = "snapshot-*.tmp"
	latestTemp   = "latest.tmp"
	// snapshotGrace is how long a replaced snapshot stays at least.
	snapshotGrace = time.Hour
	// wholeTable is the unit of a table without load_id; emptyTable that
	// of a table without rows (a file of none).
	wholeTable = "all"
	emptyTable = "empty"
)

// manifest describes a snapshot: per table, its columns and its files.
type manifest struct {
	Snapshot string                   `json:"snapshot"`
	Tables   map[string]tableManifest `json:"tables"`
}

type tableManifest struct {
	Columns []string `json:"columns"`
	// Units are the table's files by unit: a load_id, or "all".
	Units map[string]unitFile `json:"units"`
}

// unitFile is the Parquet files of a unit in a snapshot (one, or the
// parts of a load's history when they are linked) and the fingerprint of
// the rows they hold. Rows counts the rows of File alone, so that a
// version that knows no More never takes a unit of parts for its first
// file.
type unitFile struct {
	File string     `json:"file"` // name in the table's folder
	Rows int64      `json:"rows"`
	Hash string     `json:"hash,omitempty"` // sum of the rows' hashes, where rows change in place
	More []partFile `json:"more,omitempty"` // the unit's other files
}

// partFile is a file of a unit after its first.
type partFile struct {
	File string `json:"file"`
	Rows int64  `json:"rows"`
}

// files returns the names of the unit's files.
func (u unitFile) files() []string {
	out := []string{u.File}
	for _, m := range u.More {
		out = append(out, m.File)
	}
	return out
}

// rows returns the rows of all the unit's files.
func (u unitFile) rows() int64 {
	n := u.Rows
	for _, m := range u.More {
		n += m.Rows
	}
	return n
}

// publishMemoryLimit is DuckDB's memory limit while it writes the snapshot.
const publishMemoryLimit = "256MB"

// publishCurrent writes a new current-state snapshot and switches `latest`
// to it (see the comment on CurrentDir).
func (w *Warehouse) publishCurrent(ctx context.Context, p *Published) (err error) {
	cur := filepath.Join(w.Dir, CurrentDir)
	if err := os.MkdirAll(cur, 0o700); err != nil {
		return err
	}
	// The merges are done: the Parquet writes get every core (25% faster
	// with 2 than 1 on the 2 GB benchmark) and the memory the transform no
	// longer uses: DuckDB's Parquet writer buffers a row group per thread,
	// and the claims of a 2 GB load did not fit the merge's limit.
	if _, err := w.db.ExecContext(ctx, fmt.Sprintf("SET threads = %d; SET memory_limit = '%s'", runtime.GOMAXPROCS(0), publishMemoryLimit)); err != nil {
		return err
	}
	defer func() {
		if _, rerr := w.db.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET threads = %d; SET memory_limit = '%s'", duckThreads, duckMemoryLimit)); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	prev, prevID, err := readManifest(cur)
	if err != nil {
		return err
	}
	id := NewID()
	tmp := filepath.Join(writerDir(w.Dir), strings.Replace(snapshotTemp, "*", id, 1))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	next := manifest{Snapshot: id, Tables: map[string]tableManifest{}}
	for _, t := range w.cat.Tables {
		tm, err := w.snapshotTable(ctx, t, tmp, filepath.Join(cur, prevID, t.Name), prev.Tables[t.Name], id, p)
		if err != nil {
			return errors.Join(fmt.Errorf("%s: %w", t.Name, err), os.RemoveAll(tmp))
		}
		next.Tables[t.Name] = tm
	}
	b, err := json.MarshalIndent(next, "", "  ")
	if err == nil {
		err = writeSynced(filepath.Join(tmp, ManifestFile), b)
	}
	if err == nil {
		err = syncDir(tmp)
	}
	if err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	w.pause()
	if err := os.Rename(tmp, filepath.Join(cur, id)); err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	if err := syncDir(cur); err != nil {
		return err
	}
	w.pause()
	// The switch: a new symlink renamed over the old one.
	link := filepath.Join(writerDir(w.Dir), latestTemp)
	if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Symlink(id, link); err != nil {
		return err
	}
	if err := os.Rename(link, filepath.Join(cur, LatestLink)); err != nil {
		return errors.Join(err, os.Remove(link))
	}
	if err := syncDir(cur); err != nil {
		return err
	}
	w.pause()
	p.Snapshot = id
	return removeOldSnapshots(cur, id, prevID, time.Now())
}

// snapshotTable writes (or links from the previous snapshot, in prevDir)
// the files of one table into the snapshot folder tmp.
func (w *Warehouse) snapshotTable(ctx context.Context, t schema.Table, tmp, prevDir string, prev tableManifest, id string, p *Published) (tableManifest, error) {
	dir := filepath.Join(tmp, t.Name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return tableManifest{}, err
	}
	tm := tableManifest{Columns: t.ColumnNames(), Units: map[string]unitFile{}}
	units, err := w.fingerprint(ctx, t)
	if err != nil {
		return tm, err
	}
	if len(units) == 0 {
		// An empty table still gets a file, so that readers find its
		// columns (a glob matching nothing is an error in most of them).
		units[emptyTable] = unitFile{}
	}
	sameColumns := slices.Equal(prev.Columns, tm.Columns)
	keys := make([]string, 0, len(units))
	for k := range units {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		u := units[k]
		old, inPrev := prev.Units[k]
		if inPrev && sameColumns && old.rows() == u.Rows && old.Hash == u.Hash {
			if linkAll(prevDir, dir, old.files(), old.files()) {
				tm.Units[k] = old
				p.FilesLinked += len(old.files())
				w.pause()
				continue
			}
			// No hard links here (or a file is gone): write it.
		}
		u.File = fmt.Sprintf("part-%s-%s.parquet", k, id)
		// A unit whose rows changed since the previous snapshot lost some,
		// and its history files hold more: only a unit new to the snapshot
		// (or whose link failed) is looked for there.
		var hs []partFile
		if !inPrev || old.rows() == u.Rows {
			hs = w.historyFiles(t, k, u)
		}
		if len(hs) > 0 {
			// Every row of the load is still current: its history files
			// are the current state's files, byte for byte.
			srcs, names := []string{hs[0].File}, []string{u.File}
			linked := u
			linked.Rows = hs[0].Rows
			for n, h := range hs[1:] {
				name := fmt.Sprintf("part-%s-%s-%d.parquet", k, id, n+1)
				srcs, names = append(srcs, h.File), append(names, name)
				linked.More = append(linked.More, partFile{File: name, Rows: h.Rows})
			}
			if linkAll("", dir, srcs, names) {
				tm.Units[k] = linked
				p.FilesLinked += len(hs)
				w.pause()
				continue
			}
		}
		query := fmt.Sprintf("SELECT * FROM %s WHERE load_id = %s", t.Name, quote(k))
		switch k {
		case wholeTable:
			query = "SELECT * FROM " + t.Name
		case emptyTable:
			query = fmt.Sprintf("SELECT * FROM %s LIMIT 0", t.Name)
		}
		n, err := w.writeParquet(ctx, query, filepath.Join(dir, u.File))
		if err != nil {
			return tm, err
		}
		tm.Units[k] = u
		p.FilesWritten++
		p.BytesWritten += n
		w.pause()
	}
	return tm, syncDir(dir)
}

// linkAll hard-links the files srcs (in srcDir) into dir under names, and
// reports whether it linked them all; when not, it removes those it did.
func linkAll(srcDir, dir string, srcs, names []string) bool {
	for i, src := range srcs {
		if err := os.Link(filepath.Join(srcDir, src), filepath.Join(dir, names[i])); err != nil {
			for _, n := range names[:i] {
				_ = os.Remove(filepath.Join(dir, n)) // written instead
			}
			return false
		}
	}
	return true
}

// historyFiles returns the Parquet history parts of load k's rows of table
// t (paths and rows), in order, when they hold exactly the rows the
// current state holds of that load, else nil. That is so when no row of
// the load was replaced or merged away: the merge inserts a load's rows
// from those very files, and afterwards only removes them (a newer version
// of an EOB replaces it), so the same number of rows is the same rows.
// Tables whose rows change in place (beneficiary_mbis: u.Hash is set),
// files of another set of columns (written before a column was added) and
// a load whose parts are not all in place (a publish the next Open
// finishes) do not qualify.
func (w *Warehouse) historyFiles(t schema.Table, k string, u unitFile) []partFile {
	if !t.Parquet || u.Hash != "" || k == wholeTable || k == emptyTable {
		return nil
	}
	parts, err := historyParts(partitionDir(w.Dir, t.Name, k))
	if err != nil || len(parts) == 0 {
		return nil
	}
	var out []partFile
	var rows int64
	for _, p := range parts {
		n, cols, err := parquetShape(p)
		if err != nil || !slices.Equal(cols, t.ColumnNames()) {
			return nil
		}
		out = append(out, partFile{File: p, Rows: n})
		rows += n
	}
	if rows != u.Rows {
		return nil
	}
	return out
}

// historyParts returns the Parquet parts in a load's partition folder, in
// the order they were written, or nil when they are not all in place: a
// part still under its temporary name, or one missing.
func historyParts(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "part-*"))
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(names))
	for _, name := range names {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(name), partPattern, &n); err != nil || n < 0 || n >= len(names) ||
			filepath.Base(name) != fmt.Sprintf(partPattern, n) || parts[n] != "" {
			return nil, nil
		}
		parts[n] = name
	}
	return parts, nil
}

// fingerprint returns the units of a table with their row counts (and, for
// beneficiary_mbis and the tables without load_id, whose rows change in
// place, the sum of their rows' hashes).
func (w *Warehouse) fingerprint(ctx context.Context, t schema.Table) (map[string]unitFile, error) {
	unit, hash := "load_id", "''"
	if t.Index("load_id") < 0 {
		unit = quote(wholeTable)
	}
	if t.Merge != schema.MergeByEOB && t.Merge != schema.MergeAppend {
		hash = "coalesce(sum(hash(r))::VARCHAR, '')"
	}
	rows, err := w.db.QueryContext(ctx, fmt.Sprintf("SELECT %s, count(*), %s FROM %s r GROUP BY ALL", unit, hash, t.Name))
	if err != nil {
		return nil, err
	}
	out := map[string]unitFile{}
	for rows.Next() {
		var k string
		var u unitFile
		if err := rows.Scan(&k, &u.Rows, &u.Hash); err != nil {
			return nil, errors.Join(err, rows.Close())
		}
		if u.Rows > 0 {
			out[k] = u
		}
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// writeParquet writes a query's result to a Parquet file (zstd, as the
// history), mode 0600 and synced, and returns its size.
func (w *Warehouse) writeParquet(ctx context.Context, query, path string) (int64, error) {
	if _, err := w.db.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE %d)", query, quote(path), rowGroupsz)); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// readManifest returns the manifest of the snapshot `latest` points to,
// and its id; an empty manifest when there is none.
func readManifest(cur string) (manifest, string, error) {
	id, err := os.Readlink(filepath.Join(cur, LatestLink))
	if errors.Is(err, fs.ErrNotExist) {
		return manifest{}, "", nil
	}
	if err != nil {
		return manifest{}, "", err
	}
	b, err := os.ReadFile(filepath.Join(cur, id, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return manifest{}, id, nil // gone: everything is written anew, and the snapshot readers use stays
	}
	if err != nil {
		return manifest{}, "", err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return manifest{}, "", fmt.Errorf("%s: %w", filepath.Join(cur, id, ManifestFile), err)
	}
	return m, id, nil
}

// removeOldSnapshots removes the snapshots in cur that are neither latest
// nor prev (the one latest replaced), once snapshotGrace has passed since
// the one after them was made (snapshot ids begin with their time), and
// those a killed publish renamed into place but never pointed `latest` to.
func removeOldSnapshots(cur, latest, prev string, now time.Time) error {
	entries, err := os.ReadDir(cur)
	if err != nil {
		return err
	}
	var ids []string // snapshots, oldest first
	for _, e := range entries {
		if _, ok := idTime(e.Name()); ok && e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id == latest || id == prev {
			continue
		}
		// Ids sort by time. One newer than the previous snapshot (other
		// than latest) is a publish killed before its switch: no reader was
		// ever pointed to it. An older one was replaced by ids[i+1], and
		// stays for the grace period after that.
		if id < prev {
			if replaced, _ := idTime(ids[i+1]); now.Sub(replaced) < snapshotGrace {
				continue
			}
		}
		if err := os.RemoveAll(filepath.Join(cur, id)); err != nil {
			return err
		}
	}
	return nil
}

// idTime returns the time an id of NewID was made, and whether it is one.
func idTime(id string) (time.Time, bool) {
	ts, _, ok := strings.Cut(id, "-")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(idTimeLayout, ts)
	return t, err == nil
}

// writeSynced writes a new file (mode 0600) and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
