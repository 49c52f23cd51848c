package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

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

// writerProps are the Parquet writer properties for a table: zstd, and
// dictionary encoding only on low-cardinality columns (codes, types,
// lineage), which measured both smaller and faster than dictionary
// everywhere.
func writerProps(t schema.Table) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(parquetZstdLevel),
		parquet.WithMaxRowGroupLength(rowGroupsz),
		parquet.WithDictionaryDefault(false),
		parquet.WithCreatedBy("ab2d-etl"),
	}
	for _, c := range t.Columns {
		if c.LowCardinality || c.Name == "load_id" || c.Name == "source_file" {
			opts = append(opts, parquet.WithDictionaryFor(c.Name, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// tableWriter writes one table's rows of one load to temporary Parquet
// parts, each created on its first row so that empty tables leave no file.
type tableWriter struct {
	table  schema.Table
	schema *arrow.Schema
	dir    string             // the folder of the parts
	shared bool               // dir holds other loads' files too: abort leaves it
	name   func(n int) string // the name of part n, in dir
	parts  []string           // paths of the closed parts
	path   string             // temporary path of the open part
	w      *pqarrow.FileWriter
	f      *os.File
	rows   int64 // in every part
	inPart int64 // in the open part
}

func newTableWriter(out string, t schema.Table, loadID string) *tableWriter {
	return &tableWriter{table: t, schema: t.ArrowSchema(), dir: partitionDir(out, t.Name, loadID),
		name: func(n int) string { return fmt.Sprintf(partPattern, n) + tmpSuffix }}
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
		w, err := pqarrow.NewFileWriter(tw.schema, f, writerProps(tw.table), pqarrow.DefaultWriterProps())
		if err != nil {
			return errors.Join(fmt.Errorf("parquet %s: %w", tw.table.Name, err), f.Close())
		}
		tw.f, tw.w = f, w
	}
	if err := tw.w.WriteBuffered(rec); err != nil {
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
	err := tw.w.Close() // closes the file too
	tw.w, tw.f, tw.inPart = nil, nil, 0
	if err != nil {
		return "", fmt.Errorf("parquet %s: close %s: %w", tw.table.Name, tw.path, err)
	}
	f, err := os.OpenFile(tw.path, os.O_RDONLY, 0)
	if err != nil {
		return "", fmt.Errorf("parquet %s: %w", tw.table.Name, err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return "", fmt.Errorf("parquet %s: sync %s: %w", tw.table.Name, tw.path, err)
	}
	tw.parts = append(tw.parts, tw.path)
	return tw.path, nil
}

// abort closes and removes the temporary parts.
func (tw *tableWriter) abort() {
	if tw.w != nil {
		_ = tw.w.Close() // the file is being discarded; its error is moot
		tw.w = nil
	}
	if tw.f != nil {
		_ = tw.f.Close() // already closed unless the writer's Close failed early
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
