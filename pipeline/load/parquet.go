package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/klauspost/compress/zstd"

	"github.com/ab2d-etl/ab2d-etl/internal/pqwriter"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Parquet file naming. A load writes each table to one or more parts
// (part-0.parquet, part-1.parquet, …: see Stage.Roll) under temporary
// names, and the warehouse renames them once the DuckDB transaction of the
// same load has committed, so the Parquet history and DuckDB never
// disagree.
const (
	partPattern = "part-%d.parquet"
	tmpSuffix   = ".tmp"
	rowGroupsz  = 32 * 1024 // rows per row group: large enough for zstd and column statistics, small enough to bound memory

	parquetZstdLevel = 1 // zstd level of the pages: the fastest (the DuckDB peer of make bench writes level 1 too)
)

// partitionDir is DIR/parquet/<table>/load_id=<id>.
func partitionDir(out, table, loadID string) string {
	return filepath.Join(out, "parquet", table, "load_id="+loadID)
}

// zstdWindow is the window of the pages' zstd encoder. A page is
// compressed on its own and holds about 1 MiB (pqwriter.DefaultPageBytes,
// and its dictionary page limit), so a larger window finds nothing more to
// refer to, and zstd's default of 8 MiB would only take memory.
const zstdWindow = 1 << 20

// newZstd returns the encoder of the Parquet pages: level 1, the fastest
// (the DuckDB peer of make bench writes level 1 too). Its EncodeAll serves
// every table writer at once, with as many encoder states as CPUs; it
// starts no goroutine and needs no Close.
func newZstd() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(parquetZstdLevel)), zstd.WithWindowSize(zstdWindow),
		zstd.WithZeroFrames(true), zstd.WithAllLitEntropyCompression(true))
}

// writerOptions are the Parquet writer's settings for a table: zstd, and
// dictionary encoding only on low-cardinality columns (codes, types) and
// lineage (one value per load and file), which measured both smaller and
// faster than dictionary everywhere.
func writerOptions(t schema.Table, enc *zstd.Encoder) pqwriter.Options {
	o := pqwriter.Options{Zstd: enc, RowGroupRows: rowGroupsz, CreatedBy: "ab2d-etl"}
	for _, c := range t.Columns {
		if c.LowCardinality || (c.Lineage && c.Type == schema.String) {
			o.Dictionary = append(o.Dictionary, c.Name)
		}
	}
	return o
}

// tableWriter writes one table's rows of one load to temporary Parquet
// parts, each created on its first row so that empty tables leave no file.
type tableWriter struct {
	table  schema.Table
	schema *arrow.Schema
	opts   pqwriter.Options
	dir    string             // the folder of the parts
	shared bool               // dir holds other loads' files too: abort leaves it
	name   func(n int) string // the name of part n, in dir
	parts  []string           // paths of the closed parts
	path   string             // temporary path of the open part
	w      *pqwriter.Writer
	f      *os.File
	rows   int64 // in every part
	inPart int64 // in the open part
}

// newTableWriter returns the writer of a table's parts of one load.
func newTableWriter(out string, t schema.Table, loadID string, enc *zstd.Encoder) *tableWriter {
	return newWriter(t, partitionDir(out, t.Name, loadID), false, func(n int) string { return fmt.Sprintf(partPattern, n) + tmpSuffix }, enc)
}

// newWriter returns a writer of table t's rows to dir, its parts named by
// name, its pages compressed by enc.
func newWriter(t schema.Table, dir string, shared bool, name func(n int) string, enc *zstd.Encoder) *tableWriter {
	return &tableWriter{table: t, schema: t.ArrowSchema(), opts: writerOptions(t, enc), dir: dir, shared: shared, name: name}
}

func (tw *tableWriter) write(rec arrow.RecordBatch) error {
	if tw.w == nil {
		if err := os.MkdirAll(tw.dir, 0o700); err != nil {
			return fmt.Errorf("parquet %s: %w", tw.table.Name, err)
		}
		tw.path = filepath.Join(tw.dir, tw.name(len(tw.parts)))
		f, err := os.OpenFile(tw.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("parquet %s: %w", tw.table.Name, err)
		}
		w, err := pqwriter.NewWriter(f, tw.schema, tw.opts) // a few large writes per column chunk: no bufio
		if err != nil {
			return errors.Join(fmt.Errorf("parquet %s: %w", tw.table.Name, err), f.Close())
		}
		tw.f, tw.w = f, w
	}
	if err := tw.w.Write(rec); err != nil {
		return fmt.Errorf("parquet %s: write %s: %w", tw.table.Name, tw.path, err)
	}
	tw.rows += rec.NumRows()
	tw.inPart += rec.NumRows()
	return nil
}

// closePart finishes the open part (footer, fsync) and returns its path;
// "" when no part is open.
func (tw *tableWriter) closePart() (string, error) {
	if tw.w == nil {
		return "", nil
	}
	f := tw.f
	err := tw.w.Close() // the last row group and the footer
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	tw.w, tw.f, tw.inPart = nil, nil, 0
	if err != nil {
		return "", fmt.Errorf("parquet %s: close %s: %w", tw.table.Name, tw.path, err)
	}
	tw.parts = append(tw.parts, tw.path)
	return tw.path, nil
}

// abort closes and removes the temporary parts.
func (tw *tableWriter) abort() {
	tw.w = nil
	if tw.f != nil {
		_ = tw.f.Close() // the file is being discarded; its error is moot
		tw.f = nil
	}
	if tw.path != "" {
		_ = os.Remove(tw.path) // the open part, or the last one closed
	}
	for _, p := range tw.parts {
		_ = os.Remove(p)
	}
	if !tw.shared {
		_ = os.Remove(tw.dir) // only if empty
	}
}

// parquetShape returns the number of rows and the column names of a
// Parquet file, from its footer.
func parquetShape(path string) (int64, []string, error) {
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, nil, err
	}
	defer r.Close() // read-only
	sc := r.MetaData().Schema
	cols := make([]string, sc.NumColumns())
	for i := range cols {
		cols[i] = sc.Column(i).Name()
	}
	return r.NumRows(), cols, nil
}
