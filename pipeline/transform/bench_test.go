package transform

import (
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// BenchmarkFlatten flattens the 500 lines of the AB2D v1 sample NDJSON; the
// reported MB/s is of NDJSON input.
func BenchmarkFlatten(b *testing.B) {
	_, sample := loadFixtures(b)
	var total int64
	for _, fx := range sample {
		total += int64(len(fx.data))
	}
	f := NewFlattener()
	var rec Record
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, fx := range sample {
			if err := f.Flatten(fx.data, &rec); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFlattenR4 flattens the single R4 fixtures (raw BFD v2 shape,
// larger than AB2D output), compacted to one line each.
func BenchmarkFlattenR4(b *testing.B) {
	single, _ := loadFixtures(b)
	var lines [][]byte
	var total int64
	for _, fx := range single {
		if fx.dir == "r4" {
			lines = append(lines, fx.data)
			total += int64(len(fx.data))
		}
	}
	f := NewFlattener()
	var rec Record
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if err := f.Flatten(l, &rec); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkTransformSample flattens and builds into Arrow batches (what a
// flatten worker does) 2,000 R4 EOBs of the real AB2D sample's shape
// (synth.ShapeAB2DSample); the reported MB/s is of NDJSON input.
func BenchmarkTransformSample(b *testing.B) {
	g := synth.New(synth.Options{Seed: 1, Shape: synth.ShapeAB2DSample})
	var lines [][]byte
	var total int64
	for range 2000 {
		l := g.Next(nil)
		lines = append(lines, l)
		total += int64(len(l))
	}
	f := NewFlattener()
	bl := NewBuilder(&Recycler{}, schema.Warehouse())
	defer bl.Release()
	var rec Record
	lin := Lineage{LoadID: "L", SourceFile: "f"}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for i, l := range lines {
			lin.SourceLine = int64(i + 1)
			if err := f.Flatten(l, &rec); err != nil {
				b.Fatal(err)
			}
			bl.Add(&rec, &lin)
			if i%2000 == 1999 {
				bl.Flush().Release()
			}
		}
	}
}
