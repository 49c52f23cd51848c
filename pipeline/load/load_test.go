package load

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// database/sql keeps one opener goroutine per open *sql.DB; tests
		// close theirs in t.Cleanup, which runs before this check.
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
	)
}

// TestCodeSet: within a load the first non-empty display in input order
// labels a code (a batch keeps its first; the earliest batch with one
// wins) and its elements join; across loads the first label stays, and a
// code seen without one takes the first that comes. ZIP codes are values,
// not codes.
func TestCodeSet(t *testing.T) {
	batch := func(cs ...transform.Coding) transform.CodeSet {
		s := transform.CodeSet{}
		for _, c := range cs {
			later := transform.CodeSet{{System: c.System, Code: c.Code}: &transform.CodeSeen{Display: c.Display, Elements: []string{c.Element}}}
			s.Merge(later)
		}
		return s
	}
	c := func(element, display string) transform.Coding {
		return transform.Coding{Element: element, System: "test", Code: "X", Display: display}
	}
	wh := openWH(t, "")
	for i, tt := range []struct {
		batches [][]string // displays per batch, one coding each
		flushes bool       // written out after every batch, combined by the merge
		want    string
	}{
		{[][]string{{""}, {""}}, false, "<nil>|careTeam.role,type"},
		{[][]string{{""}, {"A"}, {"B"}}, true, "A|careTeam.role,type"},
		{[][]string{{"B"}}, false, "A|careTeam.role,type"},
		{[][]string{{""}}, true, "A|careTeam.role,type"},
	} {
		id := fmt.Sprintf("l%d", i)
		st, err := wh.NewStage(id)
		if err != nil {
			t.Fatal(err)
		}
		if tt.flushes {
			st.codes.max = 1
		}
		for j, displays := range tt.batches {
			var cs []transform.Coding
			for _, d := range displays {
				cs = append(cs, c([]string{"type", "careTeam.role"}[j%2], d))
			}
			if err := st.WriteCodes(batch(cs...)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := wh.Commit(context.Background(), st, LoadRecord{RunID: "r", SourceFile: "f", SHA256: id}, false); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s|l0|%s", tt.want, id)
		if got := queryStrings(t, wh, "SELECT display, elements, first_load_id, last_load_id FROM codes WHERE system = 'test'"); !slices.Equal(got, []string{want}) {
			t.Errorf("load %d %q: %q, want %q", i, tt.batches, got, want)
		}
	}
	if left, err := filepath.Glob(filepath.Join(stagingDir(wh.Dir), stagedCodes)); err != nil || len(left) > 0 {
		t.Errorf("staged codes left: %v %v", left, err)
	}
}

// TestUpgradeNullability: a warehouse whose sequence columns were NOT NULL
// (before values that do not fit were kept in field_issues) takes rows
// with a NULL sequence after Open.
func TestUpgradeNullability(t *testing.T) {
	dir := t.TempDir()
	old, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.DB().Exec("DROP TABLE claim_diagnoses; CREATE TABLE claim_diagnoses (eob_id VARCHAR NOT NULL, sequence BIGINT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	wh := openWH(t, dir)
	if _, err := wh.DB().Exec("INSERT INTO claim_diagnoses (eob_id, sequence, load_id, source_file, source_line) VALUES ('e', NULL, 'l', 'f', 1)"); err != nil {
		t.Fatalf("a NULL sequence after the upgrade: %v", err)
	}
}
