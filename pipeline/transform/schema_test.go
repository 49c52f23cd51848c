package transform

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ab2d-etl/ab2d-etl/internal/rowgen"
	"github.com/ab2d-etl/ab2d-etl/internal/synth"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// TestRowsGenerated fails when rows_gen.go is not what package schema
// gives: a column added, renamed or retyped there without `go generate
// ./pipeline/transform`. With it the flattener cannot fill a column the
// schema lacks (it does not compile), and every schema column has a field.
func TestRowsGenerated(t *testing.T) {
	want, err := rowgen.Generate(schema.Warehouse(), "transform")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("rows_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("rows_gen.go is stale: run go generate ./pipeline/transform")
	}
}

// neverFilled are the columns no input of TestEveryColumnFilled gives a
// value, and why. An entry that becomes filled fails the test, so the
// list stays true.
var neverFilled = map[string]string{
	"claims.attending_upin": "no fixture and no generated claim has an attending UPIN: BFD sends UPINs on carrier claims, for the rendering and referring providers",
	"claims.operating_upin": "as attending_upin: operating providers are on institutional claims, which carry NPIs only",
	"claims.other_upin":     "as attending_upin",
}

// TestEveryColumnFilled flattens every fixture, the sandbox's synthetic R4,
// STU3 and v3 exports (with the v3 claims AB2D should not send) and a few lines for the tables of what goes wrong
// (rejects, export_errors, field_issues), and fails when a column of a
// Parquet table never gets a value: a column defined in package schema
// that no code fills, or whose filling broke.
func TestEveryColumnFilled(t *testing.T) {
	single, sample := loadFixtures(t)
	var lines [][]byte
	for _, fx := range append(single, sample...) {
		lines = append(lines, fx.data)
	}
	// Every single fixture and a few lines of AB2D's sample again, as the
	// entries of one Bundle: source_entry tells its resources apart.
	bundle := []byte(`{"resourceType":"Bundle","type":"searchset","entry":[`)
	for i, fx := range append(slices.Clip(single), sample[:3]...) {
		if i > 0 {
			bundle = append(bundle, ',')
		}
		bundle = append(append(append(bundle, `{"resource":`...), fx.data...), '}')
	}
	lines = append(lines, append(bundle, "]}"...))
	for e := range synth.NewContract(synth.ContractOptions{Seed: 1, Contract: "Z0000", Beneficiaries: 100}).EOBs() {
		lines = append(lines, e.AppendR4(nil), e.AppendSTU3(nil), e.AppendV3(nil))
		if e.BeneficiaryIndex() < 7 {
			lines = append(lines, e.AppendV3Stray(nil, synth.V3SharedSystem), e.AppendV3Stray(nil, synth.V3PartD))
		}
	}
	lines = append(lines,
		[]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","details":{"text":"x"}}]}`),
		[]byte(`{"resourceType":"ExplanationOfBenefit","id":"x","status":5}`),
		// No fixture has a supportingInfo value as text.
		[]byte(`{"resourceType":"ExplanationOfBenefit","id":"y","supportingInfo":[{"sequence":1,"valueString":"s"}]}`),
		[]byte(`not JSON`),
		// A Bundle: source_entry tells its resources apart.
		[]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"ExplanationOfBenefit","id":"b1","status":5}},`+
			`{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"x"}]}},{"resource":{"resourceType":"Patient","id":"p"}}]}`))
	b := NewBuilder(memory.DefaultAllocator, schema.Warehouse())
	defer b.Release()
	f := NewFlattener()
	var rec Record
	for i, line := range lines {
		f.FlattenAll(line, &rec, func(entry int, err error) {
			lin := Lineage{LoadID: "L", SourceFile: "f", SourceLine: int64(i + 1), SourceEntry: Int{int64(entry), entry > 0}, JobID: "J"}
			if err != nil {
				b.AddReject(&lin, err.Error(), line)
				return
			}
			b.Add(&rec, &lin)
		})
	}
	batch := b.Flush()
	defer batch.Release()
	var empty []string
	for i, tbl := range schema.Warehouse().ParquetTables() {
		r := batch.Records[i]
		for c, col := range tbl.Columns {
			key := tbl.Name + "." + col.Name
			filled := r != nil && r.Column(c).NullN() < r.Column(c).Len()
			_, listed := neverFilled[key]
			switch {
			case !filled && !listed:
				empty = append(empty, key)
			case filled && listed:
				t.Errorf("%s is filled now: remove it from neverFilled", key)
			}
		}
	}
	if len(empty) > 0 {
		slices.Sort(empty)
		t.Errorf("no input fills these columns (fill them, or list them in neverFilled with the reason):\n  %s", strings.Join(empty, "\n  "))
	}
}
