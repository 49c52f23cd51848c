package transform_test

import (
	"fmt"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

// Flatten one AB2D v2 (R4) ExplanationOfBenefit line into flat rows.
func ExampleFlattener_Flatten() {
	line := []byte(`{"resourceType":"ExplanationOfBenefit","id":"carrier--1001","meta":{"lastUpdated":"2024-03-01T12:00:00.000-05:00"},` +
		`"type":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/eob-type","code":"CARRIER"},{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"professional"}]},` +
		`"status":"active","patient":{"reference":"Patient/-19990000000001"},"billablePeriod":{"start":"2024-02-10","end":"2024-02-10"},` +
		`"diagnosis":[{"sequence":1,"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E119"}]},"type":[{"coding":[{"code":"principal"}]}]}],` +
		`"item":[{"sequence":1,"productOrService":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/hcpcs","code":"99213"}]},"servicedDate":"2024-02-10"}]}`)
	var rec transform.Record
	if err := transform.NewFlattener().Flatten(line, &rec); err != nil {
		fmt.Println("rejected:", err)
		return
	}
	c := rec.Claims[0]
	fmt.Println(c.EOBID, c.FHIRVersion, c.ClaimType, c.BeneficiaryID, c.BillablePeriodStart, c.LastUpdated.Time().Format("2006-01-02T15:04Z"))
	fmt.Println("principal diagnosis:", c.PrincipalDiagnosisCode)
	for _, l := range rec.ClaimLines {
		fmt.Println("line", l.LineNumber, l.HCPCSCode, l.ServiceDate)
	}

	err := transform.NewFlattener().Flatten([]byte(`{"resourceType":"Patient","id":"x"}`), &rec)
	fmt.Println("rejected:", err)
	// Output:
	// carrier--1001 R4 CARRIER -19990000000001 2024-02-10 2024-03-01T17:00Z
	// principal diagnosis: E119
	// line 1 99213 2024-02-10
	// rejected: resourceType "Patient" is not ExplanationOfBenefit or OperationOutcome
}

func TestFirstIdentifierWins(t *testing.T) {
	line := []byte(`{"resourceType":"ExplanationOfBenefit","id":"carrier-1","identifier":[` +
		`{"system":"https://bluebutton.cms.gov/resources/variables/clm_id","value":"111"},` +
		`{"system":"https://bluebutton.cms.gov/resources/variables/clm_id","value":"222"},` +
		`{"system":"https://bluebutton.cms.gov/resources/identifier/claim-group","value":"g1"},` +
		`{"system":"https://bluebutton.cms.gov/resources/identifier/claim-group","value":"g2"}]}`)
	var rec transform.Record
	if err := transform.NewFlattener().Flatten(line, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Claims[0].ClaimID != "111" || rec.Claims[0].ClaimGroupID != "g1" {
		t.Errorf("claim_id %q, claim_group_id %q; want the first of each", rec.Claims[0].ClaimID, rec.Claims[0].ClaimGroupID)
	}
}
