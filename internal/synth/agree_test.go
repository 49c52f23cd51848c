package synth

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/rowgen"
	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
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
		if v := recs[i].Claims[0].FHIRVersion; v != version {
			t.Fatalf("line %d flattens as %s, want %s", i, v, version)
		}
	}
	return recs
}

// Columns that cannot agree between the versions, and why
// ("table.column"; "table" alone for the rows themselves). TestFlattenAgree
// leaves exactly these out of its comparison and compares every other
// column strictly.
var disagreeing = map[string]string{
	"claims.referring_npi": "BFD v1 puts the carrier/DME referring provider in EOB.referral, which AB2D v1 removes",
	"claim_diagnoses.sequence": "BFD v1 lists the DRG first, as a diagnosis with only a packageCode, so the STU3 " +
		"sequences of a claim with a DRG are one higher (diagnosis_number agrees)",
	"claim_diagnoses.diagnosis_type": "different code systems: BFD v2 ex-diagnosistype/C4BB (other, secondary, " +
		"externalcauseofinjury, patientreasonforvisit) vs BFD v1 diagnosis-type (other on inpatient claims only, " +
		"external-first, external, reason-for-visit, none for other diagnoses) (diagnosis_role agrees)",
	"claim_care_team": "different members: STU3 has no referring member (EOB.referral, removed by AB2D v1) and no " +
		"carrier organization member (an extension of each performing member, see claims.organization_npi), and " +
		"one member (role_normalized attending,rendering) for an attending who also renders lines, where R4 has two",
	"claim_care_team.sequence": "BFD v1 numbers the care team from 2 (institutional: operating, other, attending, " +
		"rendering), BFD v2 from 1 (attending, operating, other, performing; carrier: referring, performing, organization)",
	"claim_care_team.role": "different code systems: C4BB/HL7 attending, operating, otheroperating, performing, " +
		"referring, primary (organization) vs STU3 claimcareteamrole primary, assist, other (role_normalized agrees)",
	"claim_care_team.role_display":    "the display of role",
	"claim_lines.care_team_sequences": "follows from claim_care_team.sequence; R4 carrier lines also link the organization member",
	"claims.claim_category":           "different vocabularies: BFD v2's C4BB claim-type (institutional, professional) and BFD v1's ex-claimtype (professional on institutional outpatient claims too)",
}

// Columns only one version fills, and why: compared where both have a value.
var oneSided = map[string]string{
	"claims.profile":                     "R4 only: meta.profile (C4BB); AB2D v1 output has no profile",
	"claims.provider_id":                 "STU3 only: the AB2D v2 allow-list does not copy provider",
	"claims.provider_id_system":          "STU3 only: the AB2D v2 allow-list does not copy provider",
	"claims.service_classification_code": "STU3 only: AB2D v2 keeps only the near-line EOB extension",
	"claims.organization_npi":            "institutional claims: STU3 only (organization, not copied by AB2D v2)",
	"claim_lines.ndc_quantity_unit": "STU3 only: v1 keeps the qualifier in the rev_cntr_ndc_qty extension; AB2D v2 " +
		"clears item.modifier, where BFD v2 puts it",
	"claim_lines.anesthesia_unit_count": "R4 only in the generated data: the STU3 data dictionary puts it on " +
		"item.service, but no BFD v1 fixture carries it, so the generator leaves it out",
}

// columnOf maps "table.GoField" to the column name, for the fields of the
// generated row types (see rowgen.GoName).
var columnOf = func() map[string]string {
	m := map[string]string{}
	for _, t := range schema.Warehouse().Tables {
		for _, c := range t.Columns {
			m[t.Name+"."+rowgen.GoName(c.Name)] = c.Name
		}
	}
	return m
}()

// snake returns the column name of a field of a generated row type, e.g.
// NDCQuantityUnit ndc_quantity_unit.
func snake(table, field string) string {
	if c, ok := columnOf[table+"."+field]; ok {
		return c
	}
	return "?" + field
}

// blank zeroes the fields of *row (a transform record struct of table)
// whose columns are keys of cols.
func blank(row any, table string, cols map[string]string) {
	v := reflect.ValueOf(row).Elem()
	for i := range v.NumField() {
		if _, ok := cols[table+"."+snake(table, v.Type().Field(i).Name)]; ok {
			v.Field(i).SetZero()
		}
	}
}

// blankOneSided zeroes, in both rows, the oneSided columns of table that
// either row leaves empty.
func blankOneSided(a, b any, table string) {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		if _, ok := oneSided[table+"."+snake(table, va.Type().Field(i).Name)]; ok && (va.Field(i).IsZero() || vb.Field(i).IsZero()) {
			va.Field(i).SetZero()
			vb.Field(i).SetZero()
		}
	}
}

// TestAgreeListsNameColumns keeps disagreeing, oneSided, v3Differs and
// v3OneSided honest: every entry names a warehouse table, or a warehouse
// column that a transform record field fills.
func TestAgreeListsNameColumns(t *testing.T) {
	fields := map[string]bool{}
	for table, v := range map[string]any{
		schema.Claims: transform.ClaimsRow{}, schema.ClaimLines: transform.ClaimLinesRow{}, schema.ClaimDiagnoses: transform.ClaimDiagnosesRow{},
		schema.ClaimProcedures: transform.ClaimProceduresRow{}, schema.ClaimCareTeam: transform.ClaimCareTeamRow{},
	} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			fields[table+"."+snake(table, rt.Field(i).Name)] = true
		}
	}
	cat := schema.Warehouse()
	for _, m := range []map[string]string{disagreeing, oneSided, v3Differs, v3OneSided} {
		for key := range m {
			table, col, ok := strings.Cut(key, ".")
			if !ok {
				cat.Table(table) // a whole table: it must exist
				continue
			}
			if cat.Table(table).Index(col) < 0 || !fields[key] {
				t.Errorf("%s: no such column filled by the flattener", key)
			}
		}
	}
}

// comparableTeam returns the care team of r sorted by provider and
// normalized role, without the columns that cannot agree. From R4 it drops
// the referring and organization members and merges an attending and a
// rendering member with the same provider into one (see disagreeing).
func comparableTeam(r *transform.Record, r4 bool) (team []transform.ClaimCareTeamRow, dropped, merged int) {
	for _, m := range r.ClaimCareTeam {
		blank(&m, schema.ClaimCareTeam, disagreeing)
		if r4 && (m.RoleNormalized == "referring" || m.RoleNormalized == "organization") {
			dropped++
			continue
		}
		team = append(team, m)
	}
	if r4 {
		for i := range team {
			if team[i].RoleNormalized != "attending" {
				continue
			}
			j := slices.IndexFunc(team, func(m transform.ClaimCareTeamRow) bool {
				return m.RoleNormalized == "rendering" && m.ProviderID == team[i].ProviderID && m.ProviderIDType == team[i].ProviderIDType
			})
			if j >= 0 {
				team[j].RoleNormalized = "attending,rendering"
				team = slices.Delete(team, i, i+1)
				merged++
				break
			}
		}
	}
	slices.SortFunc(team, func(a, b transform.ClaimCareTeamRow) int {
		return strings.Compare(a.ProviderID+"|"+a.RoleNormalized, b.ProviderID+"|"+b.RoleNormalized)
	})
	return team, dropped, merged
}

// TestFlattenAgree flattens the R4 and STU3 renderings of the same claims
// with pipeline/transform and compares every column both versions carry:
// strictly, but for the columns of disagreeing (left out) and oneSided
// (compared where both have a value).
func TestFlattenAgree(t *testing.T) {
	// The whole sandbox contract Z0000 (PDP-100: 100 beneficiaries, seed 1),
	// exported as v2 and as v1.
	var r4, stu3 [][]byte
	for e := range NewContract(ContractOptions{Seed: 1, Contract: "Z0000", Beneficiaries: 100}).EOBs() {
		r4 = append(r4, e.AppendR4(nil))
		stu3 = append(stu3, e.AppendSTU3(nil))
	}
	a, b := flatten(t, r4, "R4"), flatten(t, stu3, "STU3")
	var referring, shifted, merged, dropped int
	for i := range a {
		ra, rb := &a[i], &b[i]
		ca, cb := ra.Claims[0], rb.Claims[0]
		if ca.ReferringNPI != "" {
			if cb.ReferringNPI != "" {
				t.Errorf("line %d: STU3 has a referring NPI", i)
			}
			referring++
		}
		ca.FHIRVersion, cb.FHIRVersion = "", ""
		ca.APIVersion, cb.APIVersion = "", "" // by definition, as FHIRVersion
		blank(&ca, schema.Claims, disagreeing)
		blank(&cb, schema.Claims, disagreeing)
		blankOneSided(&ca, &cb, schema.Claims)
		if ca != cb {
			t.Fatalf("line %d: claims differ:\n  R4 %+v\nSTU3 %+v", i, ca, cb)
		}

		la, lb := slices.Clone(ra.ClaimLines), slices.Clone(rb.ClaimLines)
		if len(la) != len(lb) {
			t.Fatalf("line %d: %d vs %d lines", i, len(la), len(lb))
		}
		for j := range la {
			blank(&la[j], schema.ClaimLines, disagreeing)
			blank(&lb[j], schema.ClaimLines, disagreeing)
			blankOneSided(&la[j], &lb[j], schema.ClaimLines)
			if la[j] != lb[j] {
				t.Fatalf("line %d item %d differs:\n  R4 %+v\nSTU3 %+v", i, j, la[j], lb[j])
			}
		}
		if !reflect.DeepEqual(ra.ClaimProcedures, rb.ClaimProcedures) || !reflect.DeepEqual(ra.BeneficiaryMBIs, rb.BeneficiaryMBIs) {
			t.Fatalf("line %d: procedures or MBIs differ:\n  R4 %+v %+v\nSTU3 %+v %+v",
				i, ra.ClaimProcedures, ra.BeneficiaryMBIs, rb.ClaimProcedures, rb.BeneficiaryMBIs)
		}

		if len(ra.ClaimDiagnoses) != len(rb.ClaimDiagnoses) {
			t.Fatalf("line %d: %d vs %d diagnoses", i, len(ra.ClaimDiagnoses), len(rb.ClaimDiagnoses))
		}
		off := int64(0)
		if ca.DRGCode != "" {
			off = 1
			shifted++
		}
		for j := range ra.ClaimDiagnoses {
			da, db := ra.ClaimDiagnoses[j], rb.ClaimDiagnoses[j]
			if !da.Sequence.Valid || db.Sequence != (transform.Int{V: da.Sequence.V + off, Valid: true}) { // the reason sequence is in disagreeing
				t.Fatalf("line %d diagnosis %d: STU3 sequence %v, R4 %v (DRG %q)", i, j, db.Sequence, da.Sequence, ca.DRGCode)
			}
			blank(&da, schema.ClaimDiagnoses, disagreeing)
			blank(&db, schema.ClaimDiagnoses, disagreeing)
			if da != db {
				t.Fatalf("line %d diagnosis %d:\n  R4 %+v\nSTU3 %+v", i, j, da, db)
			}
		}

		ta, d, m := comparableTeam(ra, true)
		tb, _, _ := comparableTeam(rb, false)
		dropped += d
		merged += m
		if !reflect.DeepEqual(ta, tb) {
			t.Fatalf("line %d (%s): care teams differ:\n  R4 %+v\nSTU3 %+v", i, ca.ClaimType, ta, tb)
		}
	}

	// Agreement must not be vacuous: every column has values in STU3 (but
	// those of notInSTU3), and every normalized role occurs.
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
		mark("ClaimsRow.", r.Claims[0])
		for _, l := range r.ClaimLines {
			mark("ClaimLinesRow.", l)
		}
		for _, d := range r.ClaimDiagnoses {
			mark("ClaimDiagnosesRow.", d)
			seen["diagnosis_role="+d.DiagnosisRole] = true
		}
		for _, p := range r.ClaimProcedures {
			mark("ClaimProceduresRow.", p)
		}
		for _, m := range r.ClaimCareTeam {
			mark("ClaimCareTeamRow.", m)
			seen["role_normalized="+m.RoleNormalized] = true
		}
	}
	for _, v := range []any{transform.ClaimsRow{}, transform.ClaimLinesRow{}, transform.ClaimDiagnosesRow{}, transform.ClaimProceduresRow{}, transform.ClaimCareTeamRow{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name := strings.TrimPrefix(rt.String(), "transform.") + "." + rt.Field(i).Name
			if !seen[name] && !notInSTU3[name] {
				t.Errorf("no STU3 claim has a value in %s", name)
			}
		}
	}
	for _, want := range []string{
		"diagnosis_role=principal", "diagnosis_role=admitting", "diagnosis_role=secondary",
		"diagnosis_role=external_cause", "diagnosis_role=reason_for_visit",
		"role_normalized=attending", "role_normalized=operating", "role_normalized=other",
		"role_normalized=rendering", "role_normalized=attending,rendering",
	} {
		if !seen[want] {
			t.Errorf("no STU3 row has %s", want)
		}
	}
	if referring == 0 || shifted == 0 || merged == 0 || dropped == 0 {
		t.Errorf("the data should exercise every known difference: %d referring, %d DRG, %d attending = rendering, %d R4-only members",
			referring, shifted, merged, dropped)
	}
	t.Logf("%d claims agree in every column both versions carry; %d R4 referring NPIs absent in STU3, %d STU3 diagnosis lists shifted by the DRG, "+
		"%d attending = rendering merged in STU3, %d R4 referring/organization members", len(a), referring, shifted, merged, dropped)
	for _, col := range sortedKeys(disagreeing) {
		t.Logf("cannot agree: %s: %s", col, disagreeing[col])
	}
	for _, col := range sortedKeys(oneSided) {
		t.Logf("one version only: %s: %s", col, oneSided[col])
	}
}

// notInSTU3 are the flattened columns no generated STU3 claim fills: STU3
// has no referring member or meta.profile; BFD v1 has no subType and no
// UPINs (neither the STU3 data dictionary nor the v1 fixtures have them;
// the generator emits neither in R4 either); AB2D removes item.revenue in
// both versions; the generator sends no NUCC taxonomy in either version;
// see oneSided for the anesthesia units; the v3 facts are v3's only.
var notInSTU3 = map[string]bool{
	"ClaimsRow.ReferringNPI": true, "ClaimsRow.Profile": true, "ClaimsRow.ClaimSubType": true,
	"ClaimsRow.AttendingUPIN": true, "ClaimsRow.OperatingUPIN": true, "ClaimsRow.OtherUPIN": true, "ClaimsRow.RenderingUPIN": true,
	"ClaimLinesRow.RevenueCenterCode": true, "ClaimLinesRow.AnesthesiaUnitCount": true,
	"ClaimCareTeamRow.TaxonomyCode": true,
	// The facts only v3 sends (see TestFlattenAgreeV3).
	"ClaimsRow.ClaimControlNumber": true, "ClaimsRow.BeneficiarySourceKey": true, "ClaimsRow.ClaimEffectiveDate": true,
	"ClaimsRow.Outcome": true, "ClaimsRow.ClaimUse": true, "ClaimsRow.InsuranceCoverage": true, "ClaimsRow.ClaimSource": true,
	"ClaimsRow.ClaimSystemType": true, "ClaimsRow.FinalAction": true, "ClaimsRow.ExcludedReason": true,
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
		c := r.Claims[0]
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
