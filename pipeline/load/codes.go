package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// codeKey identifies a code of the codes dimension.
type codeKey struct{ system, code string }

// codeSeen is what one load saw of a code: its first non-empty display in
// file order and the elements it was seen at.
type codeSeen struct {
	display  string
	elements []string // few: a code sits at one or two elements
}

// codeSet gathers the distinct codes of a batch, then of a file. Its size
// is the number of distinct codes (thousands), not of EOBs: the codes
// dimension costs a map lookup per coding, no row per EOB.
type codeSet map[codeKey]*codeSeen

// add records the codings of one EOB. The flattener's strings may live in
// its arena, so a new key or display is copied.
func (s codeSet) add(cs []transform.Coding) {
	for i := range cs {
		c := &cs[i]
		e, ok := s[codeKey{c.System, c.Code}]
		if !ok {
			e = &codeSeen{}
			s[codeKey{strings.Clone(c.System), strings.Clone(c.Code)}] = e
		}
		if e.display == "" && c.Display != "" {
			e.display = strings.Clone(c.Display)
		}
		if !slices.Contains(e.elements, c.Element) {
			e.elements = append(e.elements, strings.Clone(c.Element))
		}
	}
}

// merge adds what a later batch of the same file saw: an earlier display
// wins, elements join.
func (s codeSet) merge(later codeSet) {
	for k, l := range later {
		e, ok := s[k]
		if !ok {
			s[k] = l
			continue
		}
		if e.display == "" {
			e.display = l.display
		}
		for _, el := range l.elements {
			if !slices.Contains(e.elements, el) {
				e.elements = append(e.elements, el)
			}
		}
	}
}

// stagingDir is where a load stages what it merges from a file of its own
// (its codes); Open empties it, since nothing there outlives a commit.
func stagingDir(out string) string { return filepath.Join(out, "staging") }

// writeCodes stages a load's codes as a Parquet file for the merge to read
// (one scan, where thousands of parameters would cost DuckDB more than the
// load's other tables), and returns its path, or "" when there are none.
func writeCodes(out, loadID string, codes codeSet, cat schema.Catalog, mem memory.Allocator) (path string, err error) {
	if len(codes) == 0 {
		return "", nil
	}
	t := cat.Table(schema.Codes)
	staged := schema.Table{Name: t.Name, Columns: t.Columns[:4]} // system, code, display, elements
	if names := staged.ColumnNames(); !slices.Equal(names, []string{"system", "code", "display", "elements"}) {
		return "", fmt.Errorf("codes: staged columns %v", names)
	}
	rb := array.NewRecordBuilder(mem, staged.ArrowSchema())
	defer rb.Release()
	system := rb.Field(0).(*array.StringBuilder)
	code := rb.Field(1).(*array.StringBuilder)
	display := rb.Field(2).(*array.StringBuilder)
	elements := rb.Field(3).(*array.StringBuilder)
	for k, e := range codes {
		system.Append(k.system)
		code.Append(k.code)
		str(display, e.display)
		els := slices.Clone(e.elements)
		slices.Sort(els)
		elements.Append(strings.Join(els, ","))
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()

	if err := os.MkdirAll(stagingDir(out), 0o700); err != nil {
		return "", fmt.Errorf("codes: %w", err)
	}
	path = filepath.Join(stagingDir(out), "codes-"+loadID+".parquet")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("codes: %w", err)
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		return "", errors.Join(fmt.Errorf("codes: %w", err), f.Close(), os.Remove(path))
	}
	if err := errors.Join(w.Write(rec), w.Close()); err != nil { // Close closes f
		return "", errors.Join(fmt.Errorf("codes: %w", err), os.Remove(path))
	}
	return path, nil
}

// mergeCodes merges a load's codes, staged at path by writeCodes, into the
// codes table, in the load's transaction: a code keeps the display it was
// first labelled with (a code first seen without one takes the first that
// comes), gains the elements it is seen at, and records the first and the
// last load that saw it.
func mergeCodes(ctx context.Context, tx *sql.Tx, loadID, path string) error {
	if path == "" {
		return nil
	}
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE s_codes AS
SELECT s.system, s.code, coalesce(c.display, s.display) AS display,
  array_to_string(list_sort(list_distinct(string_split(s.elements, ',') || coalesce(string_split(c.elements, ','), []))), ',') AS elements,
  coalesce(c.first_load_id, $2) AS first_load_id, $2 AS last_load_id,
  coalesce(c.first_seen, now()) AS first_seen, now() AS last_seen
FROM read_parquet($1) s LEFT JOIN codes c USING (system, code)`,
		`DELETE FROM codes WHERE (system, code) IN (SELECT system, code FROM s_codes)`,
		`INSERT INTO codes (system, code, display, elements, first_load_id, last_load_id, first_seen, last_seen)
SELECT system, code, display, elements, first_load_id, last_load_id, first_seen, last_seen FROM s_codes`,
		`DROP TABLE s_codes`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{path, loadID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("codes: %w\n%s", err, q)
		}
	}
	return nil
}
