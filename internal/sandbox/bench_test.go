package sandbox

import (
	"bytes"
	"testing"
)

// BenchmarkRoller measures writing export lines to disk: hashing, gzip and
// rollover, per uncompressed byte.
func BenchmarkRoller(b *testing.B) {
	line := bytes.Repeat([]byte(`{"resourceType":"ExplanationOfBenefit","id":"carrier-1234567890","x":"abcdefghij"},`), 12)
	b.SetBytes(int64(len(line)) + 1)
	r := &roller{dir: b.TempDir(), prefix: "Z0000_", suffix: ".ndjson", max: 64 << 20}
	defer r.abort()
	for b.Loop() {
		if err := r.write(line); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.finish(); err != nil {
		b.Fatal(err)
	}
}
