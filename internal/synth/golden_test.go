package synth

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenVersions are the renderings the golden files pin.
var goldenVersions = []FHIRVersion{R4, STU3, R4V3}

// TestGolden pins the rendered bytes: per rendering, the SHA-256 of whole
// contracts and of a Generator's stream (golden/digests.txt), and the first
// claim of each type in full (golden/<version>.ndjson), so that a change of
// the output is seen and reviewed (go test -run TestGolden -update).
func TestGolden(t *testing.T) {
	var digests bytes.Buffer
	for _, v := range goldenVersions {
		for _, seed := range []int64{1, 42} {
			h := sha256.New()
			n := 0
			for _, contract := range []string{"Z0000", "Z0001", "Z0010"} {
				c := NewContract(ContractOptions{Seed: seed, Contract: contract, Beneficiaries: 100})
				for e := range c.EOBs() {
					h.Write(e.AppendJSON(nil, v))
					h.Write([]byte{'\n'})
					n++
				}
			}
			fmt.Fprintf(&digests, "%s seed %d contracts Z0000 Z0001 Z0010 x 100 beneficiaries: %d EOBs sha256 %x\n", v, seed, n, h.Sum(nil))
			h.Reset()
			g := New(Options{Seed: seed, FHIRVersion: v})
			for range 1500 {
				h.Write(g.Next(nil))
				h.Write([]byte{'\n'})
			}
			fmt.Fprintf(&digests, "%s seed %d generator: 1500 EOBs sha256 %x\n", v, seed, h.Sum(nil))
		}

		// The first beneficiaries of a contract start with one claim of
		// each type.
		var sample bytes.Buffer
		c := NewContract(ContractOptions{Seed: 1, Contract: "Z0001", Beneficiaries: numTypes})
		for i := range numTypes {
			for e := range c.BeneficiaryEOBs(i) {
				sample.Write(e.AppendJSON(nil, v))
				sample.WriteByte('\n')
				break
			}
		}
		checkGolden(t, strings.ToLower(string(v))+".ndjson", sample.Bytes())
	}
	checkGolden(t, "digests.txt", digests.Bytes())
}

// checkGolden compares b with the golden file name, or rewrites it with
// -update.
func checkGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	testinputs.Golden(t, filepath.Join("testdata", "golden", name), b, *update)
}
