package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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

	// The required lineage string columns (load_id, source_file) hold one
	// value per load and file: they are handed to the Parquet writer as
	// Arrow dictionaries, whose indices it writes as they are, instead of
	// strings it hashes row by row into the same dictionary pages.
	lineage    []int         // their indexes
	fileSchema *arrow.Schema // schema with those columns as dictionaries
}

// lineageDict is the Arrow type of a lineage column as written.
var lineageDict = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// newTableWriter returns the writer of a table's parts of one load.
func newTableWriter(out string, t schema.Table, loadID string) *tableWriter {
	return newWriter(t, partitionDir(out, t.Name, loadID), false, func(n int) string { return fmt.Sprintf(partPattern, n) + tmpSuffix })
}

// newWriter returns a writer of table t's rows to dir, its parts named by
// name.
func newWriter(t schema.Table, dir string, shared bool, name func(n int) string) *tableWriter {
	tw := &tableWriter{table: t, schema: t.ArrowSchema(), dir: dir, shared: shared, name: name}
	fields := tw.schema.Fields()
	for i, c := range t.Columns {
		if c.Lineage && c.Required && c.Type == schema.String {
			tw.lineage = append(tw.lineage, i)
			fields[i].Type = lineageDict
		}
	}
	md := tw.schema.Metadata()
	tw.fileSchema = arrow.NewSchema(fields, &md)
	return tw
}

// fileRecord returns rec with its lineage columns as dictionaries.
func (tw *tableWriter) fileRecord(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := slices.Clone(rec.Columns())
	for _, i := range tw.lineage {
		d, err := dictionaryOf(rec.Column(i))
		if err != nil {
			for _, j := range tw.lineage {
				if j < i {
					cols[j].Release()
				}
			}
			return nil, fmt.Errorf("parquet %s: column %s: %w", tw.table.Name, tw.table.Columns[i].Name, err)
		}
		cols[i] = d
	}
	out := array.NewRecordBatch(tw.fileSchema, cols, rec.NumRows())
	for _, i := range tw.lineage {
		cols[i].Release()
	}
	return out, nil
}

// dictionaryOf returns the strings of a as a dictionary array: one entry
// and indices of zero when they are all the same (as lineage is within a
// batch), else built value by value.
func dictionaryOf(a arrow.Array) (arrow.Array, error) {
	s, ok := a.(*array.String)
	if !ok {
		return nil, fmt.Errorf("%s, want a string array", a.DataType())
	}
	if s.Len() > 0 && s.NullN() == 0 {
		first, same := s.Value(0), true
		for i := 1; i < s.Len() && same; i++ {
			same = s.Value(i) == first
		}
		if same {
			vb := array.NewStringBuilder(memory.DefaultAllocator)
			vb.Append(first)
			values := vb.NewArray()
			vb.Release()
			defer values.Release()
			ib := array.NewInt32Builder(memory.DefaultAllocator)
			ib.AppendEmptyValues(s.Len()) // valid zeros
			indices := ib.NewArray()
			ib.Release()
			defer indices.Release()
			return array.NewDictionaryArray(lineageDict, indices, values), nil
		}
	}
	b := array.NewDictionaryBuilder(memory.DefaultAllocator, lineageDict).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for i := range s.Len() {
		if s.IsNull(i) {
			b.AppendNull()
		} else if err := b.AppendString(s.Value(i)); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
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
		w, err := pqarrow.NewFileWriter(tw.fileSchema, f, writerProps(tw.table), pqarrow.DefaultWriterProps())
		if err != nil {
			return errors.Join(fmt.Errorf("parquet %s: %w", tw.table.Name, err), f.Close())
		}
		tw.f, tw.w = f, w
	}
	frec, err := tw.fileRecord(rec)
	if err != nil {
		return err
	}
	defer frec.Release()
	if err := tw.w.WriteBuffered(frec); err != nil {
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
