package transform

import "testing"

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
