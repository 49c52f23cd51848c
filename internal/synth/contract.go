package synth

import (
	"hash/fnv"
	"iter"
	"math/rand/v2"
)

// ContractOptions configure a Contract.
type ContractOptions struct {
	// Seed selects the data set: the same options give the same EOBs.
	Seed int64
	// Contract is the contract number, e.g. "Z0000". Beneficiary ids, MBIs,
	// claim ids and claim groups derive from it, so contracts do not share
	// beneficiaries or claims.
	Contract string
	// Beneficiaries is the number of beneficiaries of the contract (none if
	// not positive). Up to 10^8 beneficiaries have distinct ids.
	Beneficiaries int
}

// Per-beneficiary claim counts of a Contract.
const (
	// MinClaimsPerBeneficiary is the fewest claims a contract beneficiary
	// has (each in one to three versions, i.e. EOBs).
	MinClaimsPerBeneficiary = 8
	// MaxClaimsPerBeneficiary is the most claims a contract beneficiary has.
	MaxClaimsPerBeneficiary = 25
)

// Contract generates the EOBs of one contract's beneficiaries: between
// MinClaimsPerBeneficiary and MaxClaimsPerBeneficiary claims each (carrier
// claims the most frequent) with billable periods from 2020-01-01 to
// mid-2026 and meta.lastUpdated spread up to October 2026; about 8% of the
// claims have two or three versions. Each beneficiary is drawn from (Seed,
// Contract, beneficiary index) alone, so generating one never needs the
// others and memory does not grow with the contract. Every claim type
// appears in a contract of seven or more beneficiaries.
//
// A Contract is immutable and safe for concurrent use; each iteration has
// its own state.
type Contract struct {
	opts  ContractOptions
	key   int64
	pools *pools
}

// NewContract returns the generator of a contract.
func NewContract(opts ContractOptions) *Contract {
	return &Contract{opts: opts, key: contractKey(opts.Contract), pools: newPools(opts.Seed)}
}

// Beneficiaries returns the number of beneficiaries of the contract.
func (c *Contract) Beneficiaries() int { return max(c.opts.Beneficiaries, 0) }

// EOBs returns an iterator over the contract's EOBs, beneficiary by
// beneficiary (index 0 first), the versions of a claim one after the other.
// The yielded EOB is reused: it is valid until the next iteration. Each call
// of the iterator allocates a few kilobytes of state, whatever the number of
// beneficiaries.
func (c *Contract) EOBs() iter.Seq[*EOB] {
	return func(yield func(*EOB) bool) {
		it := c.newIterator()
		for i := range c.Beneficiaries() {
			if !it.beneficiary(i, yield) {
				return
			}
		}
	}
}

// BeneficiaryEOBs returns an iterator over the EOBs of beneficiary i (the
// same as EOBs yields for it), for 0 <= i < Beneficiaries().
func (c *Contract) BeneficiaryEOBs(i int) iter.Seq[*EOB] {
	return func(yield func(*EOB) bool) {
		if i < 0 || i >= c.Beneficiaries() {
			return
		}
		c.newIterator().beneficiary(i, yield)
	}
}

// contractIterator is the state of one iteration over a contract.
type contractIterator struct {
	c      *Contract
	bpcg   rand.PCG
	br     *rand.Rand
	eob    *EOB
	claims [MaxClaimsPerBeneficiary]claimSeed
}

func (c *Contract) newIterator() *contractIterator {
	it := &contractIterator{c: c, eob: newEOB(newDrawer(c.pools))}
	it.br = rand.New(&it.bpcg)
	return it
}

// beneficiary draws beneficiary i and yields its EOBs; it returns false if
// yield did.
func (it *contractIterator) beneficiary(i int, yield func(*EOB) bool) bool {
	key := it.c.key
	r := it.br
	it.bpcg.Seed(beneSeed(it.c.opts.Seed, key), uint64(i))
	e := it.eob
	drawBeneficiary(r, &e.bene, i, beneID(key, i), DefaultHistoricMBIRate)

	n := MinClaimsPerBeneficiary + min(r.IntN(18), r.IntN(18))
	base := key*beneficiariesPerKey + int64(i)
	k := 0 // EOBs so far
	for j := range n {
		cs := &it.claims[j]
		cs.seed = r.Uint64()
		cs.typ = pickType(r.IntN(100))
		if j == 0 && i < numTypes {
			cs.typ = i // the first beneficiaries cover every claim type
		}
		cs.nver = drawVersions(r, DefaultVersionRate)
		cs.group = -(firstGroupID + base*32 + int64(j))
		for v := range cs.nver {
			cs.clmID[v] = -(firstClmID + base*100 + int64(k))
			k++
		}
	}
	for j := range n {
		e.cs = it.claims[j]
		for v := range e.cs.nver {
			e.load(v)
			if !yield(e) {
				return false
			}
		}
	}
	return true
}

// beneficiariesPerKey is the id space of one contract.
const beneficiariesPerKey = 100_000_000

// beneID returns the BFD id of beneficiary i of contract key.
func beneID(key int64, i int) int64 {
	return -(firstBeneID + key*beneficiariesPerKey + int64(i) + 1)
}

// contractKey maps a contract number to a small number: a letter and four
// digits (the AB2D format) map one to one to 0-259,999 (Z0000 to 0, so the
// sandbox contracts Z0000-Z0010 get the lowest ids); anything else to a hash
// above that range.
func contractKey(s string) int64 {
	if len(s) == 5 && s[0] >= 'A' && s[0] <= 'Z' {
		n := int64(0)
		ok := true
		for _, ch := range []byte(s[1:]) {
			ok = ok && ch >= '0' && ch <= '9'
			n = n*10 + int64(ch-'0')
		}
		if ok {
			return int64((s[0]-'A'+1)%26)*10_000 + n
		}
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return 260_000 + int64(h.Sum64()%1_000_000)
}
