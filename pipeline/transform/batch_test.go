package transform

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// TestCodeSetAdd: within a batch the first non-empty display in input
// order labels a code and its elements join; ZIP codes are values, not
// codes.
func TestCodeSetAdd(t *testing.T) {
	c := func(element, display string) Coding {
		return Coding{Element: element, System: "test", Code: "X", Display: display}
	}
	s := CodeSet{}
	s.add([]Coding{c("type", ""), c("type", "First"), c("item.productOrService", "Second"),
		{Element: "item.locationCodeableConcept.extension.valueCoding", System: "https://bluebutton.cms.gov/resources/variables/prvdr_zip", Code: "123456789"}})
	got := s[CodeKey{"test", "X"}]
	if len(s) != 1 || got.Display != "First" || !slices.Equal(got.Elements, []string{"type", "item.productOrService"}) {
		t.Errorf("got %d codes, %+v", len(s), got)
	}
	later := CodeSet{{"test", "X"}: {Display: "Later", Elements: []string{"type", "careTeam.role"}}, {"test", "Y"}: {}}
	s.Merge(later)
	if got := s[CodeKey{"test", "X"}]; len(s) != 2 || got.Display != "First" || !slices.Equal(got.Elements, []string{"type", "item.productOrService", "careTeam.role"}) {
		t.Errorf("after Merge: %d codes, %+v", len(s), got)
	}
}

// TestBuilderBatch: a Batch holds a record per table with rows, in
// catalog order, with the lineage of each line, and counts what the lines
// were; Take hands a record over.
func TestBuilderBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	b := NewBuilder(mem, schema.Warehouse())
	defer b.Release()
	f := NewFlattener()
	var rec Record
	if err := f.Flatten([]byte(`{"resourceType":"ExplanationOfBenefit","id":"e1","status":"active","diagnosis":[{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I10"}]}}]}`), &rec); err != nil {
		t.Fatal(err)
	}
	b.Add(&rec, &Lineage{LoadID: "L", SourceFile: "f.ndjson", SourceLine: 7})
	b.AddReject(&Lineage{LoadID: "L", SourceFile: "f.ndjson", SourceLine: 8}, "invalid JSON", []byte("{"))
	batch := b.Flush()
	defer batch.Release()
	if batch.EOBs != 1 || batch.Rejects != 1 || batch.Issues != 0 || len(batch.Codes) != 1 {
		t.Fatalf("counts %+v", batch)
	}
	tables := schema.Warehouse().ParquetTables()
	for i, tbl := range tables {
		r := batch.Records[i]
		switch tbl.Name {
		case schema.Claims, schema.ClaimDiagnoses, schema.Rejects:
			if r == nil || r.NumRows() != 1 {
				t.Fatalf("%s: %v", tbl.Name, r)
			}
			line := r.Column(tbl.Index("source_line")).ValueStr(0)
			if want := map[string]string{schema.Rejects: "8"}[tbl.Name]; want == "" && line != "7" || want != "" && line != want {
				t.Errorf("%s: source_line %s", tbl.Name, line)
			}
		default:
			if r != nil {
				t.Errorf("%s: %d rows, want none", tbl.Name, r.NumRows())
			}
		}
	}
	r := batch.Take(0)
	if r == nil || batch.Records[0] != nil {
		t.Fatal("Take did not hand the record over")
	}
	r.Release()
}

// TestBuilderCodesLikeCodeSet: the codes a Builder gathers through its
// cache (Builder.addCodes) are those CodeSet.add gathers from the same
// codings without it: the same codes, displays and elements, batch after
// batch (the cache starts afresh at each Flush).
func TestBuilderCodesLikeCodeSet(t *testing.T) {
	single, sample := loadFixtures(t)
	b := NewBuilder(memory.DefaultAllocator, schema.Warehouse())
	defer b.Release()
	f := NewFlattener()
	var rec Record
	for _, batch := range [][]fixture{sample[:250], append(single, sample[250:]...)} {
		want := CodeSet{}
		for _, fx := range batch {
			if err := f.Flatten(fx.data, &rec); err != nil {
				t.Fatalf("%s:%d: %v", fx.file, fx.line, err)
			}
			if len(rec.codingHashes) != len(rec.Codings) {
				t.Fatalf("%s:%d: %d hashes for %d codings", fx.file, fx.line, len(rec.codingHashes), len(rec.Codings))
			}
			want.add(rec.Codings)
			b.Add(&rec, &Lineage{LoadID: "L", SourceFile: fx.file, SourceLine: int64(fx.line)})
		}
		got := b.Flush()
		if len(got.Codes) != len(want) || len(want) < 50 {
			t.Errorf("%d codes, CodeSet.add %d", len(got.Codes), len(want))
		}
		for k, w := range want {
			if g := got.Codes[k]; g == nil || g.Display != w.Display || !slices.Equal(g.Elements, w.Elements) {
				t.Errorf("%v: %+v, CodeSet.add %+v", k, g, w)
			}
		}
		got.Release()
	}
}
