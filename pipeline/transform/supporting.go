package transform

import (
	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// sysInformation is the BFD code system of supportingInfo (R4) and
// information (STU3) categories: its codes are the CCW variable URLs.
const sysInformation = "https://bluebutton.cms.gov/resources/codesystem/information"

// Elements of claim_extensions rows that the tables below add.
const (
	elemSupportingInfo = "supportingInfo"
	elemContained      = "contained"
)

// supportingInfo reads one SupportingInfo row per supportingInfo (R4) or
// information (STU3) entry, whatever its category: the DRG (also
// claims.drg_code), admission type and source, discharge status, weekly
// processing and received dates, qualified and non-covered stay periods,
// blood pints, the line's hematocrit/hemoglobin result (a reference to a
// contained Observation), … A value that does not fit its column is NULL
// and recorded as a field issue; a coding of an unexpected shape is left
// out (the codes are in the codes table). The entries' extensions go to
// rec.Extensions.
func (f *Flattener) supportingInfo(root *jsontree.Value) {
	key := f.d.infoKey
	for i, si := range f.arr(root, key) {
		if !f.enterElem(key, i, si) {
			continue
		}
		var row ClaimSupportingInfoRow
		row.Sequence = f.seq(colClaimSupportingInfoSequence, si, "sequence")
		for i, c := range si.GetArray("category", "coding") {
			sys := c.GetStringBytes("system")
			if i == 0 || string(sys) == sysInformation || string(sys) == sysV3SupportInfo {
				row.Category = f.in(c.GetStringBytes("code"))
				row.CategorySystem = f.in(sys)
				row.CategoryDisplay = f.in(c.GetStringBytes("display"))
			}
			if string(sys) != sysInformation && string(sys) != sysV3SupportInfo && row.CategoryType == "" {
				row.CategoryType = f.in(c.GetStringBytes("code"))
			}
		}
		if row.CategoryType == row.Category {
			row.CategoryType = "" // only one coding
		}
		if c := si.Get("code", "coding", "0"); c != nil {
			row.Code = f.copyString(c.GetStringBytes("code"))
			row.CodeSystem = f.in(c.GetStringBytes("system"))
			row.CodeDisplay = f.copyString(c.GetStringBytes("display"))
		}
		row.TimingDate = f.date(colClaimSupportingInfoTimingDate, si, "timingDate")
		row.TimingStart = f.date(colClaimSupportingInfoTimingStart, si, "timingPeriod", "start")
		row.TimingEnd = f.date(colClaimSupportingInfoTimingEnd, si, "timingPeriod", "end")
		if q := si.Get("valueQuantity"); q != nil {
			row.ValueDecimal = f.num(colClaimSupportingInfoValueDecimal, si, "valueQuantity", "value")
			row.ValueUnit = f.in(q.GetStringBytes("unit"))
			if row.ValueUnit == "" {
				row.ValueUnit = f.in(q.GetStringBytes("code"))
			}
		}
		switch v := si.Get("valueBoolean"); {
		case v != nil && v.Type() == jsontree.TypeTrue:
			row.ValueString = "true"
		case v != nil && v.Type() == jsontree.TypeFalse:
			row.ValueString = "false"
		default:
			row.ValueString = f.copyString(si.GetStringBytes("valueString"))
		}
		if row.ValueString == "" {
			row.ValueString = f.copyString(si.GetStringBytes("valueAttachment", "url"))
		}
		row.ValueReference = f.copyString(si.GetStringBytes("valueReference", "reference"))
		f.rec.ClaimSupportingInfo = append(f.rec.ClaimSupportingInfo, row)
		f.extensions(si, extCtx{element: elemSupportingInfo, seq: row.Sequence}, nil)
		f.leave()
	}
}

// contained reads one Contained row per contained resource: its type and
// id (what #id references in the EOB point to), the NPI and name of a
// contained Organization or Practitioner, the code and quantity of a
// contained Observation, and the resource itself as JSON so that nothing
// it carries is out of reach.
func (f *Flattener) contained(root *jsontree.Value) {
	for i, r := range root.GetArray("contained") {
		if r.GetObject() == nil {
			continue
		}
		row := ClaimContainedRow{
			Position:     int64(i + 1),
			ResourceType: f.in(r.GetStringBytes("resourceType")),
			ResourceID:   f.copyString(r.GetStringBytes("id")),
			Status:       f.in(r.GetStringBytes("status")),
			Name:         f.copyString(r.GetStringBytes("name")),
		}
		for _, id := range r.GetArray("identifier") {
			if s := id.GetStringBytes("system"); string(s) == sysNPI || string(s) == sysNPIAlt {
				row.NPI = f.copyString(id.GetStringBytes("value"))
				break
			}
		}
		if c := r.Get("code", "coding", "0"); c != nil {
			row.Code = f.copyString(c.GetStringBytes("code"))
			row.CodeSystem = f.in(c.GetStringBytes("system"))
			row.CodeDisplay = f.copyString(c.GetStringBytes("display"))
		}
		row.ValueDecimal = lenientNum(r.Get("valueQuantity", "value"))
		f.buf = r.MarshalTo(f.buf[:0])
		row.ResourceJSON = f.copyString(f.buf)
		f.rec.ClaimContained = append(f.rec.ClaimContained, row)
	}
}
