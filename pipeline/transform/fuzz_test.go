package transform

import (
	"os"
	"testing"
)

// FuzzFlatten checks that Flatten never panics, that an accepted EOB has an
// id, and that a reject has a non-empty reason. Panics are not recovered
// while fuzzing, so that they surface.
func FuzzFlatten(f *testing.F) {
	seeds := []string{
		``,
		`{}`,
		`[]`,
		`null`,
		`{"resourceType":"ExplanationOfBenefit","id":"a"}`,
		`{"resourceType":"ExplanationOfBenefit","id":"a","item":[{"sequence":1,"careTeamLinkId":[1]}],"careTeam":[{"sequence":1,"provider":{"identifier":{"system":"http://hl7.org/fhir/sid/us-npi","value":"1"}},"role":{"coding":[{"code":"primary"}]}}]}`,
		`{"resourceType":"ExplanationOfBenefit","id":"a","meta":{"profile":["carin-bb"],"lastUpdated":"2021-08-17T13:47:58.887-04:00"},"item":[{"sequence":1,"careTeamSequence":[1,2]}],"diagnosis":[{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"code":"A"}]},"onAdmission":{"coding":[{"code":"Y"}]}}]}`,
		`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","details":{"text":"x"}}]}`,
		`{"resourceType":"Patient","id":"a"}`,
		"{\"resourceType\":\"ExplanationOfBenefit\",\"id\":\"\xff\"}",
		`{"resourceType":"ExplanationOfBenefit","id":"a","billablePeriod":{"start":"2016-02-30","end":"2016-01-16T00:00:00+00:00"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if fi, err := os.Stat(fixturesRel); err == nil && fi.IsDir() {
		single, sample := loadFixtures(f)
		for _, fx := range single {
			f.Add(fx.data)
		}
		for _, fx := range sample[:min(len(sample), 20)] {
			f.Add(fx.data)
		}
	}
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = true })
	fl := NewFlattener()
	var rec Record
	f.Fuzz(func(t *testing.T, line []byte) {
		err := fl.Flatten(line, &rec)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("empty error for %q", line)
			}
			return
		}
		switch rec.Kind {
		case KindEOB:
			if rec.Claim.EOBID == "" {
				t.Fatalf("EOB accepted without id: %q", line)
			}
			if v := rec.Claim.FHIRVersion; v != "R4" && v != "STU3" {
				t.Fatalf("fhir_version %q", v)
			}
		case KindOperationOutcome:
		default:
			t.Fatalf("accepted with kind %v: %q", rec.Kind, line)
		}
	})
}
