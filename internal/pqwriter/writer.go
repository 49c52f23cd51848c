// Package pqwriter writes flat Arrow record batches (columns of strings,
// 64-bit integers, doubles, dates and timestamps, each required or
// nullable) to Parquet files: zstd-compressed V1 data pages, dictionary
// encoding on the columns asked for, and column statistics.
//
// It does what the warehouse's Parquet files need and nothing else, which
// lets it write each value with a few instructions: arrow-go's pqarrow, a
// general writer (nested types, every encoding), spent a sixth of a load's
// CPU on the same files. Files it writes are plain Parquet (format 2, the
// logical types of the columns), read by DuckDB, arrow-go and any other
// reader.
package pqwriter

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/klauspost/compress/zstd"
)

// Parquet's magic number, at the start and the end of a file.
const magic = "PAR1"

// Defaults of Options.
const (
	DefaultRowGroupRows = 32 * 1024
	DefaultPageBytes    = 1 << 20 // arrow-go's and parquet-mr's data page size
	DefaultDictBytes    = 1 << 20 // dictionary page limit, as arrow-go's
)

// Options are a Writer's settings; zero values take the defaults.
type Options struct {
	// Zstd compresses the pages; nil writes them uncompressed. One encoder
	// may serve many writers at once (its EncodeAll is safe for
	// concurrent use).
	Zstd *zstd.Encoder
	// Dictionary lists the columns to dictionary-encode (low-cardinality
	// strings). A column chunk whose dictionary outgrows DictBytes goes on
	// with plain pages.
	Dictionary   []string
	RowGroupRows int    // rows per row group
	PageBytes    int    // a data page is cut once its values take this many bytes
	DictBytes    int    // the largest dictionary page
	CreatedBy    string // the file's created_by
}

// A Writer writes record batches of one schema to a Parquet file. It
// buffers a row group's compressed pages in memory and writes them when
// the row group is full, then the footer on Close. It is not safe for
// concurrent use.
type Writer struct {
	out     io.Writer
	off     int64 // bytes written to out
	schema  *arrow.Schema
	opts    Options
	cols    []*column
	rows    int   // rows in the open row group
	numRows int64 // rows in the closed row groups
	groups  []rowGroup
	err     error // the first error: the file is unusable after it
}

// rowGroup is the footer's record of a written row group.
type rowGroup struct {
	chunks     []chunkMeta
	rows       int64
	offset     int64 // of its first page
	size, comp int64 // uncompressed and compressed bytes, page headers included
}

// NewWriter writes the file header to out and returns a Writer of record
// batches of schema s to it. Every field of s must be of a supported type
// (see the package doc).
func NewWriter(out io.Writer, s *arrow.Schema, opts Options) (*Writer, error) {
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.PageBytes <= 0 {
		opts.PageBytes = DefaultPageBytes
	}
	if opts.DictBytes <= 0 {
		opts.DictBytes = DefaultDictBytes
	}
	dict := map[string]bool{}
	for _, n := range opts.Dictionary {
		dict[n] = true
	}
	w := &Writer{out: out, schema: s, opts: opts}
	for _, f := range s.Fields() {
		c, err := newColumn(f, dict[f.Name], &w.opts)
		if err != nil {
			return nil, err
		}
		w.cols = append(w.cols, c)
	}
	if err := w.write([]byte(magic)); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) write(b []byte) error {
	n, err := w.out.Write(b)
	w.off += int64(n)
	if err != nil {
		w.err = err
	}
	return err
}

// Write adds the rows of rec, whose schema must be the Writer's.
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.err != nil {
		return w.err
	}
	if !rec.Schema().Equal(w.schema) {
		return fmt.Errorf("pqwriter: record schema %s, want %s", rec.Schema(), w.schema)
	}
	n := int(rec.NumRows())
	for from := 0; from < n; {
		k := min(n-from, w.opts.RowGroupRows-w.rows)
		for i, c := range w.cols {
			if err := c.append(rec.Column(i), from, from+k); err != nil {
				w.err = err
				return err
			}
		}
		w.rows += k
		from += k
		if w.rows == w.opts.RowGroupRows {
			if err := w.flushRowGroup(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushRowGroup writes the open row group's column chunks.
func (w *Writer) flushRowGroup() error {
	if w.rows == 0 {
		return nil
	}
	rg := rowGroup{rows: int64(w.rows), offset: w.off}
	for _, c := range w.cols {
		m, err := c.flushChunk(w)
		if err != nil {
			w.err = err
			return err
		}
		rg.chunks = append(rg.chunks, m)
		rg.size += m.size
		rg.comp += m.comp
	}
	w.groups = append(w.groups, rg)
	w.numRows += int64(w.rows)
	w.rows = 0
	return nil
}

// Close writes the last row group and the footer. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.flushRowGroup(); err != nil {
		return err
	}
	footer := w.footer()
	footer = append(footer, byte(len(footer)), byte(len(footer)>>8), byte(len(footer)>>16), byte(len(footer)>>24))
	footer = append(footer, magic...)
	if err := w.write(footer); err != nil {
		return err
	}
	w.err = errors.New("pqwriter: writer closed")
	return nil
}

// footer returns the file's FileMetaData.
func (w *Writer) footer() []byte {
	t := &thriftWriter{}
	t.begin(0)
	t.i32(1, 2) // version
	t.list(2, ctStruct, len(w.cols)+1)
	t.begin(0) // the root of the schema
	t.string(4, "schema")
	t.i32(5, int32(len(w.cols)))
	t.end()
	for _, c := range w.cols {
		c.schemaElement(t)
	}
	t.i64(3, w.numRows)
	t.list(4, ctStruct, len(w.groups))
	for _, rg := range w.groups {
		t.begin(0)
		t.list(1, ctStruct, len(rg.chunks))
		for i, m := range rg.chunks {
			w.cols[i].chunkMetaData(t, m)
		}
		t.i64(2, rg.size)
		t.i64(3, rg.rows)
		t.i64(5, rg.offset)
		t.i64(6, rg.comp)
		t.end()
	}
	if w.opts.CreatedBy != "" {
		t.string(6, w.opts.CreatedBy)
	}
	// Column orders: the min_value and max_value statistics follow each
	// type's own order (unsigned bytes for strings).
	t.list(7, ctStruct, len(w.cols))
	for range w.cols {
		t.begin(0)
		t.begin(1) // TYPE_ORDER
		t.end()
		t.end()
	}
	t.end()
	return t.buf
}
