package synth

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// contractLines renders every EOB of a contract in version v.
func contractLines(c *Contract, v FHIRVersion) [][]byte {
	var out [][]byte
	for e := range c.EOBs() {
		out = append(out, e.AppendJSON(nil, v))
	}
	return out
}

func TestContractAllTypes(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42, -7} {
		c := NewContract(ContractOptions{Seed: seed, Contract: "Z0000", Beneficiaries: 100})
		types := map[string]int{}
		for e := range c.EOBs() {
			types[e.ClaimType()]++
		}
		for _, ct := range claimTypes {
			if types[ct.eobType] == 0 {
				t.Errorf("seed %d: no %s claim in Z0000: %v", seed, ct.eobType, types)
			}
		}
		for typ, n := range types {
			if typ != "CARRIER" && n >= types["CARRIER"] {
				t.Errorf("seed %d: %d %s claims, %d carrier claims: carriers should be the most frequent", seed, n, typ, types["CARRIER"])
			}
		}
	}
	// Even tiny contracts have every type.
	c := NewContract(ContractOptions{Seed: 5, Contract: "Z0005", Beneficiaries: numTypes})
	types := map[string]bool{}
	for e := range c.EOBs() {
		types[e.ClaimType()] = true
	}
	if len(types) != numTypes {
		t.Errorf("%d beneficiaries have only %d claim types", numTypes, len(types))
	}
}

func TestContractClaims(t *testing.T) {
	c := NewContract(ContractOptions{Seed: 1, Contract: "Z0000", Beneficiaries: 300})
	type version struct {
		updated time.Time
		active  bool
		clm     int64
	}
	groups := map[int64][]version{}
	claimsPerBene := map[int]map[int64]bool{}
	eobs := 0
	years := map[int]int{}
	minUpdated := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	maxUpdated := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for e := range c.EOBs() {
		eobs++
		lu := e.LastUpdated()
		if lu.Before(minUpdated) || !lu.Before(maxUpdated) {
			t.Errorf("lastUpdated %v out of 2020-01..2026-10", lu)
		}
		if e.LastUpdatedUnixMilli() != lu.UnixMilli() {
			t.Error("LastUpdated and LastUpdatedUnixMilli disagree")
		}
		years[lu.Year()]++
		groups[e.ClaimGroup()] = append(groups[e.ClaimGroup()], version{lu, e.Active(), e.ClaimID()})
		b := e.BeneficiaryIndex()
		if claimsPerBene[b] == nil {
			claimsPerBene[b] = map[int64]bool{}
		}
		claimsPerBene[b][e.ClaimGroup()] = true
		if e.PatientID() != beneID(0, b) {
			t.Fatalf("patient %d for beneficiary %d", e.PatientID(), b)
		}
	}
	if len(claimsPerBene) != 300 {
		t.Fatalf("%d beneficiaries with claims, want 300", len(claimsPerBene))
	}
	for b, cl := range claimsPerBene {
		if n := len(cl); n < MinClaimsPerBeneficiary || n > MaxClaimsPerBeneficiary {
			t.Errorf("beneficiary %d has %d claims", b, n)
		}
	}
	for y := 2020; y <= 2026; y++ {
		if years[y] < eobs/20 {
			t.Errorf("lastUpdated not spread over the years: %v", years)
			break
		}
	}
	multi := 0
	for g, vs := range groups {
		if len(vs) > 1 {
			multi++
		}
		for j, v := range vs {
			if v.active != (j == len(vs)-1) {
				t.Errorf("group %d version %d: active %v", g, j, v.active)
			}
			if j > 0 {
				prev := vs[j-1]
				if !v.updated.After(prev.updated) || v.clm == prev.clm {
					t.Errorf("group %d: version %d (%v) not after version %d (%v)", g, j, v.updated, j-1, prev.updated)
				}
			}
			if j < len(vs)-1 {
				// superseded: updated by the load of the next version
				next := vs[j+1].updated
				if j+1 == len(vs)-1 && next.Sub(v.updated) > time.Second {
					t.Errorf("group %d: cancelled version updated %v, the load of the next one %v", g, v.updated, next)
				}
			}
		}
	}
	if multi < len(groups)/25 || multi > len(groups)/6 {
		t.Errorf("%d of %d claims have several versions", multi, len(groups))
	}
	t.Logf("%d beneficiaries, %d claims, %d EOBs (%.1f per beneficiary), %d claims with versions; lastUpdated by year %v",
		len(claimsPerBene), len(groups), eobs, float64(eobs)/300, multi, years)
}

func TestContractDeterministic(t *testing.T) {
	opts := ContractOptions{Seed: 3, Contract: "Z0001", Beneficiaries: 40}
	for _, v := range []FHIRVersion{R4, STU3, R4V3} {
		a := contractLines(NewContract(opts), v)
		b := contractLines(NewContract(opts), v)
		if !bytes.Equal(bytes.Join(a, nil), bytes.Join(b, nil)) {
			t.Errorf("%s: same options gave different bytes", v)
		}
		// Each beneficiary alone gives the same EOBs.
		c := NewContract(opts)
		var alone [][]byte
		for i := opts.Beneficiaries - 1; i >= 0; i-- {
			var one [][]byte
			for e := range c.BeneficiaryEOBs(i) {
				one = append(one, e.AppendJSON(nil, v))
			}
			alone = append(one, alone...)
		}
		if !bytes.Equal(bytes.Join(a, []byte("\n")), bytes.Join(alone, []byte("\n"))) {
			t.Errorf("%s: beneficiaries drawn alone differ from the contract's", v)
		}
		opts2 := opts
		opts2.Seed++
		if bytes.Equal(bytes.Join(a, nil), bytes.Join(contractLines(NewContract(opts2), v), nil)) {
			t.Errorf("%s: different seeds gave the same bytes", v)
		}
		// A larger contract starts with the same beneficiaries.
		opts3 := opts
		opts3.Beneficiaries = 60
		if !bytes.HasPrefix(bytes.Join(contractLines(NewContract(opts3), v), nil), bytes.Join(a, nil)) {
			t.Errorf("%s: a larger contract has other first beneficiaries", v)
		}
	}
	if n := len(contractLines(NewContract(ContractOptions{Seed: 1, Contract: "Z0000"}), R4)); n != 0 {
		t.Errorf("a contract without beneficiaries has %d EOBs", n)
	}
	for range NewContract(opts).BeneficiaryEOBs(opts.Beneficiaries) {
		t.Fatal("a beneficiary out of range has EOBs")
	}
}

func TestContractsDiffer(t *testing.T) {
	owner := map[string]string{} // patient id, MBI, clm_id or claim group -> contract
	for _, contract := range []string{"Z0000", "Z0001", "Z0010", "S1234", "sandbox"} {
		c := NewContract(ContractOptions{Seed: 1, Contract: contract, Beneficiaries: 50})
		for e := range c.EOBs() {
			var m eob
			if err := json.Unmarshal(e.AppendR4(nil), &m); err != nil {
				t.Fatal(err)
			}
			keys := []string{"patient " + m.Patient.Reference, "clm_id " + strconv.FormatInt(e.ClaimID(), 10),
				"group " + strconv.FormatInt(e.ClaimGroup(), 10)}
			for _, x := range m.Extension {
				if x.URL == urlMBIExt {
					keys = append(keys, "MBI "+x.ValueIdentifier.Value)
				}
			}
			for _, k := range keys {
				if other, ok := owner[k]; ok && other != contract {
					t.Fatalf("%s of %s is also in %s", k, contract, other)
				}
				owner[k] = contract
			}
		}
	}
	if got := contractKey("Z0000"); got != 0 {
		t.Errorf("contractKey(Z0000) = %d", got)
	}
	if a, b := contractKey("A0001"), contractKey("Z0001"); a == b || a >= 260_000 || b >= 260_000 {
		t.Errorf("contractKey: A0001 %d, Z0001 %d", a, b)
	}
	if k := contractKey("sandbox"); k < 260_000 {
		t.Errorf("contractKey(sandbox) = %d", k)
	}
}

// TestContractAllocs: iterating and rendering allocates nothing per EOB;
// memory does not grow with the number of beneficiaries.
func TestContractAllocs(t *testing.T) {
	buf := make([]byte, 0, 256<<10)
	allocs := func(benes int) float64 {
		c := NewContract(ContractOptions{Seed: 1, Contract: "Z0000", Beneficiaries: benes})
		return testing.AllocsPerRun(5, func() {
			for e := range c.EOBs() {
				buf = e.AppendR4(buf[:0])
				buf = e.AppendSTU3(buf[:0])
				buf = e.AppendV3(buf[:0])
			}
		})
	}
	small, large := allocs(5), allocs(200)
	if large != small || large > 10 {
		t.Errorf("allocations per iteration: %v for 5 beneficiaries, %v for 200", small, large)
	}
}

// benchContract renders a contract's EOBs in version v, b.N EOBs.
func benchContract(b *testing.B, v FHIRVersion) {
	c := NewContract(ContractOptions{Seed: 1, Contract: "Z0010", Beneficiaries: 1 << 30})
	buf := make([]byte, 0, 256<<10)
	var total int64
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for e := range c.EOBs() {
		if n == b.N {
			break
		}
		n++
		buf = e.AppendJSON(buf[:0], v)
		total += int64(len(buf))
	}
	b.SetBytes(total / int64(b.N))
}

// BenchmarkR4 draws and renders contract EOBs as AB2D v2 (R4).
func BenchmarkR4(b *testing.B) { benchContract(b, R4) }

// BenchmarkSTU3 draws and renders contract EOBs as AB2D v1 (STU3).
func BenchmarkSTU3(b *testing.B) { benchContract(b, STU3) }

// BenchmarkV3 draws and renders contract EOBs as AB2D v3 (R4V3).
func BenchmarkV3(b *testing.B) { benchContract(b, R4V3) }

// BenchmarkHeadersOnly draws only what a lastUpdated filter needs.
func BenchmarkHeadersOnly(b *testing.B) {
	c := NewContract(ContractOptions{Seed: 1, Contract: "Z0010", Beneficiaries: 1 << 30})
	b.ReportAllocs()
	n := 0
	var sum int64
	for e := range c.EOBs() {
		if n == b.N {
			break
		}
		n++
		sum += e.LastUpdatedUnixMilli()
	}
	_ = sum
}
