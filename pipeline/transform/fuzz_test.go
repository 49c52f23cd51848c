package transform

import (
	"encoding/json"
	"strings"
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
	// Fixture seeds, trimmed of what is not flattened: large seeds make the
	// fuzzer spend its time minimizing instead of fuzzing.
	single, sample := loadFixtures(f)
	for _, fx := range single {
		f.Add(trimSeed(f, fx.data))
	}
	for _, fx := range sample[:min(len(sample), 5)] {
		f.Add(trimSeed(f, fx.data))
	}
	fl := NewFlattener()
	fl.panics = true
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
			if rec.Claims[0].EOBID == "" {
				t.Fatalf("EOB accepted without id: %q", line)
			}
			if v := rec.Claims[0].FHIRVersion; v != "R4" && v != "STU3" {
				t.Fatalf("fhir_version %q", v)
			}
		case KindOperationOutcome:
		default:
			t.Fatalf("accepted with kind %v: %q", rec.Kind, line)
		}
	})
}

// trimSeed drops the members of a fixture that the flattener never reads
// (financial data, narrative, displays) to make a small fuzz seed.
func trimSeed(tb testing.TB, data []byte) []byte {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatal(err)
	}
	drop := map[string]bool{
		"adjudication": true, "benefitBalance": true,
		"total": true, "payment": true, "insurance": true, "text": true, "display": true,
		"modifier": true, "revenue": true, "locationAddress": true,
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if drop[k] {
					delete(v, k)
					continue
				}
				if k == "extension" {
					// Keep only the extensions the flattener reads.
					var kept []any
					for _, x := range e.([]any) {
						url, _ := x.(map[string]any)["url"].(string)
						switch {
						case url == urlMBIExt, url == urlCurrency, url == urlFacilityType, url == sysNDC, url == urlRevCntrNDC,
							strings.HasPrefix(url, urlPOAPrefix), strings.HasPrefix(url, urlExtPOAPrefix):
							kept = append(kept, x)
						}
					}
					if kept == nil {
						delete(v, k)
						continue
					}
					v[k] = kept
					e = kept
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
