package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// TestMergeInParts loads the same files twice: merged at each file's end
// (the default parts are larger than these files), and in the smallest
// parts, one per batch, each ingested by DuckDB while the rest of the file
// is read. The warehouses must be the same, with an EOB sent twice within
// a file, EOBs that replace those of an earlier file and EOBs sent again
// unchanged (which change nothing). The history of a load whose rows are
// all current is its parts, and the current-state snapshot links them.
func TestMergeInParts(t *testing.T) {
	dir := t.TempDir()
	g := synth.New(synth.Options{Seed: 7, VersionRate: -1})
	var lines []string
	for range 1000 {
		lines = append(lines, string(g.Next(nil)))
	}
	updated := regexp.MustCompile(`"lastUpdated":"[^"]*"`)
	newer := func(l string) string {
		return updated.ReplaceAllString(l, `"lastUpdated":"2031-01-01T00:00:00.000Z"`)
	}
	var resent []string
	for i := 300; i < 400; i++ {
		if i%2 == 0 {
			resent = append(resent, newer(lines[i])) // replaces a's version
		} else {
			resent = append(resent, lines[i]) // the same version again: a's stays
		}
	}
	files := []string{
		// Line 10 twice, the newer version last, and line 480 twice, the
		// newer first: the losing version comes in an earlier part than
		// its winner, and in a later one.
		writeFile(t, dir, "a.ndjson", slices.Concat([]string{newer(lines[480])}, lines[:500], []string{newer(lines[10])})...),
		writeFile(t, dir, "b.ndjson", lines[500:]...), // new EOBs only
		writeFile(t, dir, "c.ndjson", resent...),
	}

	loadAll := func(name string, cfg LoadConfig) (*load.Warehouse, []FileResult) {
		wh := openWH(t, filepath.Join(dir, name))
		res, err := loadFiles(context.Background(), wh, cfg.withDefaults(), "run-"+name, files)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil || r.Skipped {
				t.Fatalf("%s: %+v", name, r)
			}
		}
		return wh, res
	}
	atEnd, _ := loadAll("at-end", LoadConfig{})
	inParts, res := loadAll("in-parts", LoadConfig{PartBytes: 1, PartRows: 1})
	for _, tbl := range schema.Warehouse().ParquetTables() {
		want, got := tableDigest(t, atEnd, tbl.Name, tbl.ColumnNames()), tableDigest(t, inParts, tbl.Name, tbl.ColumnNames())
		if got != want {
			t.Errorf("%s: merged in parts %s, at the end %s", tbl.Name, got, want)
		}
	}
	for _, w := range []*load.Warehouse{atEnd, inParts} {
		if n := queryInt(t, w, "SELECT count(*) FROM claims"); n != 1000 {
			t.Errorf("%s: %d claims, want 1000", w.Dir, n)
		}
		if n := queryInt(t, w, "SELECT count(*) FROM claims WHERE last_updated = '2031-01-01T00:00:00Z'"); n != 52 {
			t.Errorf("%s: %d claims in a newer version, want 52", w.Dir, n)
		}
		// Every row of a claim's other tables is of the version claims holds.
		for _, tbl := range schema.Warehouse().ParquetTables() {
			if tbl.Merge != schema.MergeByEOB || tbl.Name == schema.Claims {
				continue
			}
			q := fmt.Sprintf(`SELECT count(*) FROM %s t LEFT JOIN claims c USING (eob_id)
WHERE c.eob_id IS NULL OR t.load_id <> c.load_id OR t.source_line <> c.source_line`, tbl.Name)
			if n := queryInt(t, w, q); n != 0 {
				t.Errorf("%s: %d rows of %s not of the claim version in claims", w.Dir, n, tbl.Name)
			}
		}
	}
	codes := "SELECT system, code, display, elements FROM codes ORDER BY ALL"
	if got, want := queryStrings(t, inParts, codes), queryStrings(t, atEnd, codes); !slices.Equal(got, want) {
		t.Errorf("codes differ: %d rows merged in parts, %d at the end", len(got), len(want))
	}

	// b's rows are all current: its history parts are the snapshot's files.
	if _, err := inParts.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{schema.Claims, schema.ClaimDiagnoses} {
		hist := filepath.Join(inParts.Dir, "parquet", table, "load_id="+res[1].LoadID)
		parts, err := filepath.Glob(filepath.Join(hist, "part-*.parquet"))
		if fi, err := os.Stat(files[1]); err != nil || fi.Size() <= chunkBytes {
			t.Fatalf("b must be more than one chunk (%d bytes) for this test: %v", chunkBytes, err)
		}
		if err != nil || len(parts) < 2 {
			t.Fatalf("%s of b: %d history parts (%v), want one per batch", table, len(parts), err)
		}
		cur, err := filepath.Glob(filepath.Join(inParts.Dir, "current", "latest", table, "part-"+res[1].LoadID+"-*.parquet"))
		if err != nil || len(cur) != len(parts) {
			t.Fatalf("%s of b: %d current files for %d history parts (%v)", table, len(cur), len(parts), err)
		}
		for _, p := range parts {
			hi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(cur, func(c string) bool {
				ci, err := os.Stat(c)
				return err == nil && os.SameFile(hi, ci)
			}) {
				t.Errorf("%s of b: history part %s is not among the current files %v", table, p, cur)
			}
		}
		// The manifest counts the rows of each file: a version that knows
		// only a unit's first file must not take it for the whole unit.
		var m struct {
			Tables map[string]struct {
				Units map[string]struct {
					Rows int64 `json:"rows"`
					More []struct {
						Rows int64 `json:"rows"`
					} `json:"more"`
				} `json:"units"`
			} `json:"tables"`
		}
		b, err := os.ReadFile(filepath.Join(inParts.Dir, "current", "latest", load.ManifestFile))
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			t.Fatal(err)
		}
		u := m.Tables[table].Units[res[1].LoadID]
		total := u.Rows
		for _, more := range u.More {
			total += more.Rows
		}
		if want := queryInt(t, inParts, fmt.Sprintf("SELECT count(*) FROM %s WHERE load_id = ?", table), res[1].LoadID); len(u.More) != len(parts)-1 || u.Rows >= total || total != want {
			t.Errorf("%s of b: manifest unit %+v, want %d files of %d rows in all, the first's in rows", table, u, len(parts), want)
		}
		fromPQ := fmt.Sprintf("(SELECT * FROM read_parquet('%s'))", filepath.Join(inParts.Dir, "current", "latest", table, "*.parquet"))
		cols := schema.Warehouse().Table(table).ColumnNames()
		if got, want := tableDigest(t, inParts, fromPQ, cols), tableDigest(t, inParts, table, cols); got != want {
			t.Errorf("%s: current-state Parquet %s, DuckDB %s", table, got, want)
		}
	}
}
