package load

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/zstd"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// stagingDir is where a load stages what it merges from a file of its own
// (its codes); Open removes what a killed load left there, since nothing
// there outlives a commit. The folder itself stays while the warehouse is
// open: one load's cleanup must not remove it under the next one's file.
func stagingDir(out string) string { return filepath.Join(writerDir(out), "staging") }

// stagedCodes is the name pattern of the staged codes files.
const stagedCodes = "codes-*.parquet"

// codesWriter stages the codes of a load as a Parquet file for the merge
// to read: one scan, where thousands of parameters would cost DuckDB more
// than the load's other tables. It gathers the batches' codes in input
// order and writes them out whenever maxPendingCodes are pending, so that
// memory stays bounded whatever the number of distinct codes; the merge
// combines the rows of a code (the display of the earliest row with one).
type codesWriter struct {
	tw      *tableWriter // the staged file: a table of its own, never published
	pending transform.CodeSet
	max     int   // pending codes that are written out (maxPendingCodes)
	n       int64 // times written out: the batch column
}

// maxPendingCodes bounds the codes a codesWriter holds (about 250 bytes
// each): real exports have a few thousand distinct codes a file.
const maxPendingCodes = 100_000

// newCodesWriter returns the writer of load loadID's staged codes: the
// codes table's system, code, display and elements, and the batch.
func newCodesWriter(out, loadID string, cat schema.Catalog, enc *zstd.Encoder) (*codesWriter, error) {
	t := cat.Table(schema.Codes)
	staged := schema.Table{Name: t.Name, Columns: append(slices.Clone(t.Columns[:4]), schema.Column{Name: "batch", Type: schema.Int64, Required: true})}
	if names := staged.ColumnNames(); !slices.Equal(names, []string{"system", "code", "display", "elements", "batch"}) {
		return nil, fmt.Errorf("codes: staged columns %v", names)
	}
	name := strings.Replace(stagedCodes, "*", loadID, 1)
	tw := newWriter(staged, stagingDir(out), true, func(int) string { return name }, enc)
	return &codesWriter{tw: tw, pending: transform.CodeSet{}, max: maxPendingCodes}, nil
}

// write adds the codes of the next batch (see transform.CodeSet.Merge),
// and writes the pending codes out when there are many.
func (cw *codesWriter) write(set transform.CodeSet) error {
	cw.pending.Merge(set)
	if len(cw.pending) >= cw.max {
		return cw.flush()
	}
	return nil
}

// flush writes the pending codes out, numbered as the next batch.
func (cw *codesWriter) flush() error {
	if len(cw.pending) == 0 {
		return nil
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, cw.tw.schema)
	defer rb.Release()
	system := rb.Field(0).(*array.StringBuilder)
	code := rb.Field(1).(*array.StringBuilder)
	display := rb.Field(2).(*array.StringBuilder)
	elements := rb.Field(3).(*array.StringBuilder)
	batch := rb.Field(4).(*array.Int64Builder)
	for k, e := range cw.pending {
		system.Append(k.System)
		code.Append(k.Code)
		if e.Display == "" {
			display.AppendNull()
		} else {
			display.Append(e.Display)
		}
		elements.Append(strings.Join(e.Elements, ","))
		batch.Append(cw.n)
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	if err := cw.tw.write(rec); err != nil {
		return err
	}
	cw.pending = transform.CodeSet{}
	cw.n++
	return nil
}

// close finishes the file and returns its path, or "" when no batch had a
// code.
func (cw *codesWriter) close() (string, error) {
	if err := cw.flush(); err != nil {
		return "", err
	}
	return cw.tw.closePart() // one part: the codes never roll
}

// remove discards the staged file: after the merge, or on failure.
func (cw *codesWriter) remove() { cw.tw.abort() }

// mergeCodes merges a load's codes, staged at path by a codesWriter, into
// the codes table, in the load's transaction: a code keeps the display it
// was first labelled with (a code first seen without one takes the first
// that comes: in a load, that of its earliest batch with one), gains the
// elements it is seen at, and records the first and the last load that
// saw it.
func mergeCodes(ctx context.Context, tx *sql.Tx, loadID, path string) error {
	if path == "" {
		return nil
	}
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE s_codes AS
WITH f AS (
  SELECT system, code, arg_min(display, batch) FILTER (WHERE display IS NOT NULL) AS display,
    string_agg(DISTINCT element, ',') AS elements
  FROM (SELECT system, code, display, batch, unnest(string_split(elements, ',')) AS element FROM read_parquet($1))
  GROUP BY system, code)
SELECT f.system, f.code, coalesce(c.display, f.display) AS display,
  array_to_string(list_sort(list_distinct(string_split(f.elements, ',') || coalesce(string_split(c.elements, ','), []))), ',') AS elements,
  coalesce(c.first_load_id, $2) AS first_load_id, $2 AS last_load_id,
  coalesce(c.first_seen, now()) AS first_seen, now() AS last_seen
FROM f LEFT JOIN codes c USING (system, code)`,
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

// backfillCodes fills the codes table of a warehouse whose codes was a
// view (before codes was a table of every Coding) from the columns that
// view read, so that BI labels survive the upgrade; `load --force` of the
// files gives the full dimension.
const backfillCodes = `INSERT INTO codes (system, code, display, elements, first_load_id, last_load_id, first_seen, last_seen)
SELECT s.system, s.code, max(s.display), string_agg(DISTINCT s.element, ',' ORDER BY s.element),
  min(s.load_id), max(s.load_id), coalesce(min(l.finished_at), now()), coalesce(max(l.finished_at), now())
FROM (
  SELECT 'https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd' AS system, claim_type_code AS code, claim_type_display AS display, 'type' AS element, load_id FROM claims
  UNION ALL SELECT 'https://bluebutton.cms.gov/resources/codesystem/eob-type', claim_type, NULL, 'type', load_id FROM claims
  UNION ALL SELECT 'https://bluebutton.cms.gov/resources/variables/clm_fac_type_cd', facility_type_code, facility_type_display, 'facility.extension.valueCoding', load_id FROM claims
  UNION ALL SELECT 'https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd', place_of_service, place_of_service_display, 'item.locationCodeableConcept', load_id FROM claim_lines
  UNION ALL SELECT code_system, code, NULL, 'diagnosis.diagnosisCodeableConcept', load_id FROM claim_diagnoses
  UNION ALL SELECT code_system, code, NULL, 'procedure.procedureCodeableConcept', load_id FROM claim_procedures
  UNION ALL SELECT value_system, value_code, value_display, 'extension.valueCoding', load_id FROM claim_extensions
) s LEFT JOIN loads l USING (load_id)
WHERE s.system IS NOT NULL AND s.code IS NOT NULL
GROUP BY s.system, s.code`
