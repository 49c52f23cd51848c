package sandbox

import (
	"context"
	"fmt"

	"github.com/ab2d-etl/ab2d-etl/internal/synth"
)

// Synthetic is a [Source] of synthetic claims made by package synth: an
// export of contract C with seed S streams the EOBs of
// synth.NewContract(S, C, req.Beneficiaries), beneficiary by beneficiary, in
// the requested FHIR version (R4 as AB2D v2 exports it, STU3 as AB2D v1
// does, R4V3 as AB2D v3 does: the same facts, final-action versions only).
// Each beneficiary has 8 to 25 claims, some in several versions, with
// meta.lastUpdated from 2020 to October 2026 and billable periods from 2020
// to mid-2026, so _since, _until and the service dates of a _typeFilter
// select real subsets. The same request gives the same lines, and contracts
// share no beneficiaries or claims.
//
// The zero value is ready to use and safe for concurrent exports. Memory
// does not grow with the number of beneficiaries.
type Synthetic struct {
	// V3Strays adds to v3 exports what AB2D's v3 export should not contain
	// but a client must guard against: the superseded versions of claims
	// (tagged NotFinalAction) and, after the first EOB of each beneficiary,
	// that claim as a shared system sends it and a Part D event
	// (synth.V3SharedSystem, synth.V3PartD), all filtered like the others.
	V3Strays bool
}

// SyntheticSource returns the synthetic-claims Source, [Synthetic].
func SyntheticSource() Source { return Synthetic{} }

// ctxCheckEvery is how many EOBs Export generates between two checks of
// its context.
const ctxCheckEvery = 64

// Export implements [Source]: it emits the EOBs of req.Contract whose
// meta.lastUpdated is in (req.Since, req.Until], filtering before
// rendering.
func (s Synthetic) Export(ctx context.Context, req ExportRequest, emit func(line []byte) error) error {
	return s.ExportProgress(ctx, req, emit, nil)
}

// selected reports whether req selects e.
func selected(req *ExportRequest, e *synth.EOB) bool {
	lu := e.LastUpdated()
	if (!req.Since.IsZero() && !lu.After(req.Since)) || (!req.Until.IsZero() && lu.After(req.Until)) {
		return false
	}
	if len(req.ServiceDates) > 0 {
		_, end := e.BillablePeriod()
		for _, d := range req.ServiceDates {
			if !d.Matches(end) {
				return false
			}
		}
	}
	return true
}

// ExportProgress implements [ProgressSource]: Export, reporting the share of
// the contract's beneficiaries done.
func (s Synthetic) ExportProgress(ctx context.Context, req ExportRequest, emit func(line []byte) error, progress func(done float64)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := synth.ParseFHIRVersion(req.FHIRVersion)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	c := synth.NewContract(synth.ContractOptions{
		Seed:          req.Seed,
		Contract:      req.Contract,
		Beneficiaries: req.Beneficiaries,
	})
	buf := make([]byte, 0, 64<<10)
	n, bene := 0, -1
	for e := range c.EOBs() {
		if n++; n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		first := false
		if i := e.BeneficiaryIndex(); i != bene {
			bene, first = i, true
			if progress != nil {
				progress(float64(i) / float64(c.Beneficiaries()))
			}
		}
		if !selected(&req, e) {
			continue
		}
		if v != synth.R4V3 || e.Active() || s.V3Strays {
			buf = e.AppendJSON(buf[:0], v)
			if err := emit(buf); err != nil {
				return err
			}
		}
		if v == synth.R4V3 && s.V3Strays && first {
			for _, k := range []synth.V3Stray{synth.V3SharedSystem, synth.V3PartD} {
				if err := emit(e.AppendV3Stray(buf[:0], k)); err != nil {
					return err
				}
			}
		}
	}
	if progress != nil {
		progress(1)
	}
	return nil
}
