package transform

import (
	"fmt"
	"testing"
)

// TestSupportingInfoAndContained: every entry becomes a row, values are read
// leniently (a malformed entry never rejects the EOB), and STU3 reads
// information[] where R4 reads supportingInfo[].
func TestSupportingInfoAndContained(t *testing.T) {
	const r4 = `{"resourceType":"ExplanationOfBenefit","id":"e","meta":{"profile":["http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"]},`
	const stu3 = `{"resourceType":"ExplanationOfBenefit","id":"e",`
	tests := []struct {
		name      string
		line      string
		info      []string // fmt %v of the rows' key fields
		contained []string
	}{
		{"R4 coded, timed, quantity and boolean entries",
			r4 + `"supportingInfo":[` +
				`{"sequence":1,"category":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claiminformationcategory","code":"info"},{"system":"https://bluebutton.cms.gov/resources/codesystem/information","code":"https://bluebutton.cms.gov/resources/variables/nch_ptnt_stus_ind_cd","display":"NCH Patient Status Indicator Code"}]},"code":{"coding":[{"system":"s","code":"A","display":"Discharged"}]}},` +
				`{"sequence":2,"category":{"coding":[{"system":"http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType","code":"admissionperiod"}]},"timingPeriod":{"start":"2013-11-05","end":"2013-12-18"}},` +
				`{"sequence":3,"category":{"coding":[{"system":"x","code":"pints"}]},"valueQuantity":{"value":19,"code":"[pt_us]"}},` +
				`{"category":{"coding":[{"system":"x","code":"flag"}]},"valueBoolean":true}]}`,
			[]string{
				"1|https://bluebutton.cms.gov/resources/variables/nch_ptnt_stus_ind_cd|info|A|Discharged||/|{0 false}||",
				"2|admissionperiod|||||2013-11-05/2013-12-18|{0 false}||",
				"3|pints|||||/|{19 true}|[pt_us]|",
				"<nil>|flag|||||/|{0 false}||true",
			}, nil},
		{"STU3 information", stu3 + `"information":[{"sequence":1,"category":{"coding":[{"system":"https://bluebutton.cms.gov/resources/codesystem/information","code":"w"}]},"timingDate":"1999-11-06"}]}`,
			[]string{"1|w||||1999-11-06|/|{0 false}||"}, nil},
		{"malformed entries are skipped or NULL, never rejected; position counts them",
			stu3 + `"information":[7,{"sequence":"x","category":{"coding":[{"system":"x","code":"c"}]},"timingDate":5,"valueQuantity":{"value":"big"}}],"contained":["x",{"resourceType":"Organization","id":"org","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"123"}],"name":"Org"}]}`,
			[]string{"<nil>|c|||||/|{0 false}||"},
			[]string{`2|Organization|org|Org|123||{"resourceType":"Organization","id":"org","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"123"}],"name":"Org"}`}},
		{"contained Observation", stu3 + `"contained":[{"resourceType":"Observation","id":"2","status":"unknown","code":{"coding":[{"system":"h","code":"R1","display":"Hemoglobin Test"}]},"valueQuantity":{"value":42.0}}]}`,
			nil, []string{`1|Observation|2|||R1|{"resourceType":"Observation","id":"2","status":"unknown","code":{"coding":[{"system":"h","code":"R1","display":"Hemoglobin Test"}]},"valueQuantity":{"value":42.0}}`}},
	}
	f := NewFlattener()
	var rec Record
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.Flatten([]byte(tt.line), &rec); err != nil {
				t.Fatal(err)
			}
			var info, cont []string
			for _, s := range rec.ClaimSupportingInfo {
				var seq any = "<nil>"
				if s.Sequence.Valid {
					seq = s.Sequence.V
				}
				info = append(info, fmt.Sprintf("%v|%s|%s|%s|%s|%s|%s|%v|%s|%s", seq, s.Category, s.CategoryType, s.Code, s.CodeDisplay,
					s.TimingDate, s.TimingStart.String()+"/"+s.TimingEnd.String(), s.ValueDecimal, s.ValueUnit, s.ValueString))
			}
			for _, c := range rec.ClaimContained {
				cont = append(cont, fmt.Sprintf("%d|%s|%s|%s|%s|%s|%s", c.Position, c.ResourceType, c.ResourceID, c.Name, c.NPI, c.Code, c.ResourceJSON))
			}
			if fmt.Sprint(info) != fmt.Sprint(tt.info) {
				t.Errorf("supporting info\n got %q\nwant %q", info, tt.info)
			}
			if fmt.Sprint(cont) != fmt.Sprint(tt.contained) {
				t.Errorf("contained\n got %q\nwant %q", cont, tt.contained)
			}
		})
	}
}
