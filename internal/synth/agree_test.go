package synth

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

// Tests that the R4 and the STU3 rendering of the same claim describe the
// same facts.

// both returns the R4 and STU3 lines of the first n EOBs of contract
// Z0000 (seed 1) and of a Generator (seed 9), half each.
func both(t testing.TB, n int) (r4, stu3 [][]byte) {
	t.Helper()
	c := NewContract(ContractOptions{Seed: 1, Contract: "Z0000", Beneficiaries: n})
	for e := range c.EOBs() {
		if len(r4) == n/2 {
			break
		}
		r4 = append(r4, e.AppendR4(nil))
		stu3 = append(stu3, e.AppendSTU3(nil))
	}
	g := New(Options{Seed: 9})
	for len(r4) < n {
		e := g.NextEOB()
		r4 = append(r4, e.AppendR4(nil))
		stu3 = append(stu3, e.AppendSTU3(nil))
	}
	return r4, stu3
}

// anyEOB is the part of an EOB of either FHIR version the tests compare.
type anyEOB struct {
	ID   string `json:"id"`
	Meta struct {
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
	Extension  []anyExt `json:"extension"`
	Identifier []struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
	Status  string `json:"status"`
	Type    anyCC  `json:"type"`
	Patient anyRef `json:"patient"`
	Period  struct {
		Extension  []anyExt `json:"extension"`
		Start, End string
	} `json:"billablePeriod"`
	Fac  *anyRef `json:"facility"`
	Team []struct {
		Sequence int      `json:"sequence"`
		Provider anyRef   `json:"provider"`
		Role     anyCC    `json:"role"`
		Ext      []anyExt `json:"extension"`
	} `json:"careTeam"`
	Diagnosis []struct {
		Sequence    int      `json:"sequence"`
		Extension   []anyExt `json:"extension"`
		Code        *anyCC   `json:"diagnosisCodeableConcept"`
		PackageCode *anyCC   `json:"packageCode"`
	} `json:"diagnosis"`
	SupportingInfo []struct {
		Code anyCC `json:"code"`
	} `json:"supportingInfo"`
	Procedure []struct {
		Sequence int    `json:"sequence"`
		Date     string `json:"date"`
		Code     anyCC  `json:"procedureCodeableConcept"`
	} `json:"procedure"`
	Item []struct {
		Sequence         int      `json:"sequence"`
		Extension        []anyExt `json:"extension"`
		ProductOrService *anyCC   `json:"productOrService"`
		Service          *anyCC   `json:"service"`
		ServicedDate     string   `json:"servicedDate"`
		ServicedPeriod   *period  `json:"servicedPeriod"`
		Location         *anyCC   `json:"locationCodeableConcept"`
		Quantity         struct {
			Value float64 `json:"value"`
		} `json:"quantity"`
	} `json:"item"`
}

type anyCC struct {
	Extension []anyExt `json:"extension"`
	Coding    []coding `json:"coding"`
}

func (c *anyCC) code(system string) string {
	if c == nil {
		return ""
	}
	return codeableConcept{c.Coding}.code(system)
}

type anyRef struct {
	Reference  string `json:"reference"`
	Identifier struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
	Extension []anyExt `json:"extension"`
}

type anyExt struct {
	URL             string  `json:"url"`
	ValueCoding     *coding `json:"valueCoding"`
	ValueIdentifier *struct {
		Extension []anyExt `json:"extension"`
		System    string   `json:"system"`
		Value     string   `json:"value"`
	} `json:"valueIdentifier"`
}

// extCode returns the valueCoding code of the first extension with url.
func extCode(exts []anyExt, url string) string {
	for _, x := range exts {
		if x.URL == url && x.ValueCoding != nil {
			return x.ValueCoding.Code
		}
	}
	return ""
}

// facts are the version-neutral facts of a parsed EOB.
type facts struct {
	ID, ClmID, Group, Status, EOBType, NCH, Patient string
	Start, End, LastUpdated, Facility, Query, DRG   string
	MBIs                                            []string // currency:value
	Dx, POA                                         []string // in sequence order
	Proc                                            []string // code@date
	Lines                                           []string // seq|hcpcs|date|period|qty|ndc|pos
}

func parseAny(t testing.TB, line []byte) anyEOB {
	t.Helper()
	var e anyEOB
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, line)
	}
	return e
}

// factsOf extracts the facts of an EOB of either version.
func factsOf(e anyEOB) facts {
	f := facts{
		ID: e.ID, Status: e.Status, Patient: e.Patient.Reference,
		EOBType: e.Type.code(sysEOBType), NCH: e.Type.code(sysNchClmType),
		Start: e.Period.Start, End: e.Period.End, LastUpdated: e.Meta.LastUpdated,
	}
	for _, id := range e.Identifier {
		switch id.System {
		case sysClmID:
			f.ClmID = id.Value
		case sysClaimGroup:
			f.Group = id.Value
		}
	}
	for _, x := range e.Extension {
		if x.URL == urlMBIExt {
			f.MBIs = append(f.MBIs, x.ValueIdentifier.Extension[0].ValueCoding.Code+":"+x.ValueIdentifier.Value)
		}
	}
	if e.Fac != nil {
		f.Facility = extCode(e.Fac.Extension, sysFacType)
	}
	f.Query = extCode(e.Period.Extension, sysClaimQuery)
	for _, d := range e.Diagnosis {
		if d.PackageCode != nil {
			f.DRG = d.PackageCode.code(sysDRG)
			continue
		}
		f.Dx = append(f.Dx, d.Code.code(sysICD10))
		poa := ""
		for _, x := range d.Extension {
			poa = x.ValueCoding.Code
		}
		f.POA = append(f.POA, poa)
	}
	for _, s := range e.SupportingInfo {
		f.DRG = s.Code.code(sysDRG)
	}
	for _, p := range e.Procedure {
		f.Proc = append(f.Proc, fmt.Sprintf("%d|%s@%s", p.Sequence, p.Code.code(sysICD10), p.Date))
	}
	for _, it := range e.Item {
		prod := it.ProductOrService
		if prod == nil {
			prod = it.Service
		}
		ndc := extCode(it.Extension, sysNDC) + extCode(prod.Extension, sysNDC) + extCode(prod.Extension, sysRevNDC)
		per := ""
		if it.ServicedPeriod != nil {
			per = it.ServicedPeriod.Start + ".." + it.ServicedPeriod.End
		}
		f.Lines = append(f.Lines, fmt.Sprintf("%d|%s|%s|%s|%g|%s|%s", it.Sequence, prod.code(sysHCPCS),
			it.ServicedDate, per, it.Quantity.Value, ndc, it.Location.code(sysPOS)))
	}
	return f
}

// TestFactsAgree parses the R4 and STU3 renderings of the same claims with
// encoding/json and compares what both carry.
func TestFactsAgree(t *testing.T) {
	r4, stu3 := both(t, 600)
	for i := range r4 {
		a, b := parseAny(t, r4[i]), parseAny(t, stu3[i])
		fa, fb := factsOf(a), factsOf(b)
		if !reflect.DeepEqual(fa, fb) {
			t.Fatalf("EOB %d: the versions differ:\n  R4 %+v\nSTU3 %+v", i, fa, fb)
		}
		if fa.ClmID == "" || fa.Group == "" || len(fa.MBIs) == 0 || len(fa.Dx) == 0 || len(fa.Lines) == 0 {
			t.Fatalf("EOB %d: facts missing: %+v", i, fa)
		}

		// NPIs: STU3 has the R4 care team but the referring provider (BFD v1
		// puts it in EOB.referral, which AB2D v1 drops); the carrier
		// organization is an extension of each performing member.
		var want, got []string
		for _, m := range a.Team {
			role := m.Role.Coding[0].Code
			switch {
			case role == "referring":
			case role == "primary": // R4 carrier organization
				want = append(want, "org:"+m.Provider.Identifier.Value)
			default:
				want = append(want, m.Provider.Identifier.Value)
			}
		}
		for _, m := range b.Team {
			if m.Provider.Identifier.System != sysNPI {
				t.Fatalf("EOB %d: STU3 provider identifier system %q", i, m.Provider.Identifier.System)
			}
			got = append(got, m.Provider.Identifier.Value)
			if org := extCode(m.Ext, sysNPI); org != "" && !slices.Contains(got, "org:"+org) {
				got = append(got, "org:"+org)
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Fatalf("EOB %d: care-team NPIs R4 %v, STU3 %v", i, want, got)
		}
	}
}

// flatten flattens lines with the project's flattener, checking that each
// is accepted and detected as version.
func flatten(t testing.TB, lines [][]byte, version string) []transform.Record {
	t.Helper()
	f := transform.NewFlattener()
	recs := make([]transform.Record, len(lines))
	for i, line := range lines {
		if err := f.Flatten(line, &recs[i]); err != nil {
			t.Fatalf("%s line %d does not flatten: %v\n%s", version, i, err, line)
		}
		if v := recs[i].Claim.FHIRVersion; v != version {
			t.Fatalf("line %d flattens as %s, want %s", i, v, version)
		}
	}
	return recs
}

// Columns that cannot agree between the versions, and why.
var disagreeing = map[string]string{
	"claims.referring_npi": "BFD v1 puts the carrier/DME referring provider in EOB.referral, which AB2D v1 removes",
	"claim_diagnoses.sequence": "BFD v1 puts the DRG first, as a diagnosis with only a packageCode " +
		"(sequence 1), so the STU3 diagnoses of a claim with a DRG are numbered one higher",
	"claim_diagnoses.diagnosis_type": "different code systems: BFD v2 ex-diagnosistype/C4BB (secondary, " +
		"externalcauseofinjury, patientreasonforvisit) vs BFD v1 diagnosis-type (external-first, external, " +
		"reason-for-visit, none for secondary diagnoses)",
	"claim_care_team.*": "different roles (attending/operating/otheroperating/performing/referring/primary vs " +
		"primary/assist/other), sequences (BFD v1 starts at 2 and orders operating, other, attending, rendering), " +
		"members (no referring and no carrier organization member in STU3; an attending who also renders " +
		"is one member) and identifier types",
}

// TestFlattenAgree flattens the R4 and STU3 renderings of the same claims
// with pipeline/transform and compares every column both versions carry.
func TestFlattenAgree(t *testing.T) {
	// The whole sandbox contract Z0000 (PDP-100: 100 beneficiaries, seed 1),
	// exported as v2 and as v1.
	var r4, stu3 [][]byte
	for e := range NewContract(ContractOptions{Seed: 1, Contract: "Z0000", Beneficiaries: 100}).EOBs() {
		r4 = append(r4, e.AppendR4(nil))
		stu3 = append(stu3, e.AppendSTU3(nil))
	}
	a, b := flatten(t, r4, "R4"), flatten(t, stu3, "STU3")
	var referring, shifted, merged int
	for i := range a {
		ra, rb := &a[i], &b[i]
		ca, cb := ra.Claim, rb.Claim
		if ca.ReferringNPI != "" {
			if cb.ReferringNPI != "" {
				t.Errorf("line %d: STU3 has a referring NPI", i)
			}
			referring++
		}
		ca.FHIRVersion, cb.FHIRVersion = "", ""
		ca.ReferringNPI = ""
		// Columns one version carries and the other's trim drops: compared
		// only where both have a value. meta.profile is R4's (CARIN); the
		// provider, organization and service classification are STU3's (the
		// v1 trim keeps them, the v2 allow-list does not).
		for _, f := range []struct{ a, b *string }{
			{&ca.Profile, &cb.Profile}, {&ca.ProviderID, &cb.ProviderID}, {&ca.ProviderIDSystem, &cb.ProviderIDSystem},
			{&ca.OrganizationNPI, &cb.OrganizationNPI}, {&ca.ServiceClassification, &cb.ServiceClassification},
		} {
			if *f.a == "" || *f.b == "" {
				*f.a, *f.b = "", ""
			}
		}
		if ca != cb {
			t.Fatalf("line %d: claims differ:\n  R4 %+v\nSTU3 %+v", i, ca, cb)
		}
		if ca.AttendingNPI != "" && ca.AttendingNPI == ca.RenderingNPI {
			merged++
		}
		// Line columns that cannot agree: care-team sequences (STU3 numbers
		// its care team differently), anesthesia units (only the R4 trim
		// keeps that item extension) and, when STU3 numbers the DRG as
		// diagnosis 1, the line's diagnosis sequences.
		la, lb := slices.Clone(ra.Lines), slices.Clone(rb.Lines)
		for j := range la {
			if j < len(lb) {
				la[j].CareTeamSequences, lb[j].CareTeamSequences = "", ""
				la[j].AnesthesiaUnitCount, lb[j].AnesthesiaUnitCount = transform.Float{}, transform.Float{}
				// R4 institutional lines give the NDC quantity as item.quantity;
				// the STU3 renderer does not emit rev_cntr_ndc_qty yet.
				if !la[j].NDCQuantity.Valid || !lb[j].NDCQuantity.Valid {
					la[j].NDCQuantity, lb[j].NDCQuantity = transform.Float{}, transform.Float{}
				}
				if la[j].NDCQuantityUnit == "" || lb[j].NDCQuantityUnit == "" {
					la[j].NDCQuantityUnit, lb[j].NDCQuantityUnit = "", ""
				}
				if ca.DRGCode != "" {
					la[j].DiagnosisSequences, lb[j].DiagnosisSequences = "", ""
				}
			}
		}
		if !reflect.DeepEqual(la, lb) || !reflect.DeepEqual(ra.Procedures, rb.Procedures) ||
			!reflect.DeepEqual(ra.MBIs, rb.MBIs) {
			t.Fatalf("line %d: lines, procedures or MBIs differ:\n  R4 %+v %+v %+v\nSTU3 %+v %+v %+v",
				i, ra.Lines, ra.Procedures, ra.MBIs, rb.Lines, rb.Procedures, rb.MBIs)
		}
		if len(ra.Diagnoses) != len(rb.Diagnoses) {
			t.Fatalf("line %d: %d vs %d diagnoses", i, len(ra.Diagnoses), len(rb.Diagnoses))
		}
		off := int64(0)
		if ca.DRGCode != "" {
			off = 1
			shifted++
		}
		for j := range ra.Diagnoses {
			da, db := ra.Diagnoses[j], rb.Diagnoses[j]
			if db.Sequence != da.Sequence+off {
				t.Fatalf("line %d diagnosis %d: STU3 sequence %d, R4 %d (DRG %q)", i, j, db.Sequence, da.Sequence, ca.DRGCode)
			}
			if !dxTypesCorrespond(ca.ClaimType, da.DiagnosisType, db.DiagnosisType) {
				t.Errorf("line %d diagnosis %d: type R4 %q vs STU3 %q", i, j, da.DiagnosisType, db.DiagnosisType)
			}
			da.Sequence, db.Sequence = 0, 0
			da.DiagnosisType, db.DiagnosisType = "", ""
			if da != db {
				t.Fatalf("line %d diagnosis %d:\n  R4 %+v\nSTU3 %+v", i, j, da, db)
			}
		}
	}
	// Agreement must not be vacuous: every column has values in STU3 (but
	// the referring NPI, see disagreeing).
	seen := map[string]bool{}
	mark := func(prefix string, v any) {
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			if !rv.Field(i).IsZero() {
				seen[prefix+rv.Type().Field(i).Name] = true
			}
		}
	}
	for _, r := range b {
		mark("Claim.", r.Claim)
		for _, l := range r.Lines {
			mark("Line.", l)
		}
		for _, d := range r.Diagnoses {
			mark("Diagnosis.", d)
		}
		for _, p := range r.Procedures {
			mark("Procedure.", p)
		}
	}
	for _, v := range []any{transform.Claim{}, transform.Line{}, transform.Diagnosis{}, transform.Procedure{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name := strings.TrimPrefix(rt.String(), "transform.") + "." + rt.Field(i).Name
			if !seen[name] && !notInSTU3[name] {
				t.Errorf("no STU3 claim has a value in %s", name)
			}
		}
	}
	if referring == 0 || shifted == 0 || merged == 0 {
		t.Errorf("the data should exercise every known difference: %d referring, %d DRG, %d attending=rendering", referring, shifted, merged)
	}
	t.Logf("%d claims agree in every column both versions carry; %d R4 referring NPIs absent in STU3, %d STU3 diagnosis lists shifted by the DRG, %d attending = rendering", len(a), referring, shifted, merged)
	for _, col := range sortedKeys(disagreeing) {
		t.Logf("cannot agree: %s: %s", col, disagreeing[col])
	}
}

// notInSTU3 are the flattened columns no generated STU3 claim fills: STU3
// has no referring member or meta.profile, and the generator does not (yet)
// produce UPINs, claim sub types, revenue center codes, anesthesia units on
// STU3 lines or NDC quantity units on R4 lines.
var notInSTU3 = map[string]bool{
	"Claim.ReferringNPI": true, "Claim.Profile": true, "Claim.ClaimSubType": true,
	"Claim.AttendingUPIN": true, "Claim.OperatingUPIN": true, "Claim.OtherUPIN": true, "Claim.RenderingUPIN": true,
	"Line.RevenueCenterCode": true, "Line.AnesthesiaUnitCount": true, "Line.NDCQuantityUnit": true,
}

// dxTypesCorrespond says whether an R4 and a STU3 diagnosis type are the
// same kind of diagnosis.
func dxTypesCorrespond(claimType, r4, stu3 string) bool {
	switch r4 {
	case "principal", "admitting":
		return stu3 == r4
	case "other":
		return stu3 == "other" && claimType == "INPATIENT" || stu3 == "" && claimType != "INPATIENT"
	case "secondary":
		return stu3 == ""
	case "patientreasonforvisit":
		return stu3 == "reason-for-visit"
	case "externalcauseofinjury":
		return stu3 == "external-first" || stu3 == "external"
	}
	return false
}

// TestSTU3ClaimNPIRules checks the care-team cases the STU3 flattener
// infers roles from: institutional attending (unlinked primary), rendering
// (linked primary), one member for an attending who renders; carrier
// rendering (first primary).
func TestSTU3ClaimNPIRules(t *testing.T) {
	_, stu3 := both(t, 400)
	recs := flatten(t, stu3, "STU3")
	seen := map[string]bool{}
	for i, r := range recs {
		c := r.Claim
		inst := !strings.Contains("CARRIER DME", c.ClaimType)
		switch {
		case inst && c.AttendingNPI == "":
			t.Fatalf("line %d: institutional claim without attending", i)
		case !inst && (c.AttendingNPI != "" || c.RenderingNPI == ""):
			t.Fatalf("line %d: %s attending %q rendering %q", i, c.ClaimType, c.AttendingNPI, c.RenderingNPI)
		}
		if inst && c.RenderingNPI != "" {
			seen[fmt.Sprint("rendering ", c.RenderingNPI == c.AttendingNPI)] = true
		}
		if c.OperatingNPI != "" {
			seen["operating"] = true
		}
	}
	for _, k := range []string{"rendering true", "rendering false", "operating"} {
		if !seen[k] {
			t.Errorf("no claim with %s", k)
		}
	}
}
