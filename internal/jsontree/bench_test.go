package jsontree

import (
	"bufio"
	"bytes"
	"os"
	"testing"

	"github.com/valyala/fastjson"
)

// sampleLines reads the 500 EOBs of AB2D's STU3 sample export.
func sampleLines(tb testing.TB) [][]byte {
	tb.Helper()
	data, err := os.ReadFile("../../testdata/fixtures/stu3/CMSgov-ab2d-website__sample-data-stu3.ndjson")
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

func BenchmarkParse(b *testing.B) {
	lines := sampleLines(b)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.Run("jsontree", func(b *testing.B) {
		var p Parser
		b.SetBytes(int64(n))
		for b.Loop() {
			for _, l := range lines {
				if _, err := p.Parse(l); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("fastjson", func(b *testing.B) {
		var p fastjson.Parser
		b.SetBytes(int64(n))
		for b.Loop() {
			for _, l := range lines {
				if _, err := p.ParseBytes(l); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
