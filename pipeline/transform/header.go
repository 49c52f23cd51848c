package transform

// The claim header: ids, type, dates, provider, and the EOB-level extensions.

import (
	"strings"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// header fills the scalar claim columns.
func (f *Flattener) header(root *jsontree.Value) {
	c := f.c
	c.Status = f.code(colClaimsStatus, root, "status")
	f.claimType(root)
	sub, _ := f.firstCoding(root, "subType")
	c.ClaimSubType = f.in(sub)

	for i, id := range f.arr(root, "identifier") {
		if !f.enterElem("identifier", i, id) {
			return
		}
		switch string(f.strb(id, "system")) {
		case sysClaimID:
			if c.ClaimID == "" { // the first one, as the schema says
				c.ClaimID = f.text(colClaimsClaimID, id, "value")
			}
		case sysClaimGroup:
			if c.ClaimGroupID == "" {
				c.ClaimGroupID = f.text(colClaimsClaimGroupID, id, "value")
			}
		case sysPDEID:
			if c.ClaimID == "" {
				c.ClaimID = f.text(colClaimsClaimID, id, "value")
			}
		}
		f.leave()
	}

	c.BeneficiaryID = strings.TrimPrefix(f.text(colClaimsBeneficiaryID, root, "patient", "reference"), patientRefPrefix)

	if bp := f.get(root, "billablePeriod"); bp != nil {
		f.enter("billablePeriod")
		c.BillablePeriodStart = f.date(colClaimsBillablePeriodStart, bp, "start")
		c.BillablePeriodEnd = f.date(colClaimsBillablePeriodEnd, bp, "end")
		f.extensions(bp, extCtx{element: elemBillablePeriod}, func(url []byte, ext *jsontree.Value) bool {
			if string(url) == urlClaimQuery || string(url) == urlV3QueryCd {
				c.ClaimQueryCode = f.in(f.extValueCode(ext))
				return true
			}
			return false
		})
		f.leave()
	}
	if meta := f.get(root, "meta"); meta != nil {
		f.enter("meta")
		c.LastUpdated = f.instant(colClaimsLastUpdated, meta, "lastUpdated")
		f.buf = f.buf[:0]
		for i, p := range f.arr(meta, "profile") {
			f.at = append(f.at, pathElem{"profile", i})
			if p.Type() != jsontree.TypeString {
				f.fail(p, nil, ErrNotString)
			} else {
				if len(f.buf) > 0 {
					f.buf = append(f.buf, ',')
				}
				f.buf = append(f.buf, p.GetStringBytes()...)
			}
			f.leave()
		}
		c.Profile = f.in(f.buf)
		f.leave()
	}

	if fac := f.get(root, "facility"); fac != nil {
		f.enter("facility")
		f.extensions(fac, extCtx{element: elemFacility}, func(url []byte, ext *jsontree.Value) bool {
			if string(url) == urlFacilityType && c.FacilityTypeCode == "" {
				c.FacilityTypeCode = f.in(f.extValueCode(ext))
				c.FacilityTypeDisplay = f.in(f.strb(ext, "valueCoding", "display"))
				return true
			}
			return false
		})
		f.leave()
	}
	if prov := f.get(root, "provider", "identifier"); prov != nil {
		f.enter("provider")
		f.enter("identifier")
		c.ProviderID = f.str(prov, "value")
		c.ProviderIDSystem = f.in(f.strb(prov, "system"))
		f.leave()
		f.leave()
	}
	if org := f.get(root, "organization", "identifier"); org != nil {
		f.enter("organization")
		f.enter("identifier")
		if sys := f.strb(org, "system"); string(sys) == sysNPI || string(sys) == sysNPIAlt {
			c.OrganizationNPI = f.str(org, "value")
		}
		f.leave()
		f.leave()
	}
	if h := f.get(root, "hospitalization"); h != nil {
		f.enter("hospitalization")
		f.extensions(h, extCtx{element: elemHospital}, nil)
		f.leave()
	}
	f.insurance(root)
}

// claimType reads type.coding[] in one pass: the eob-type, the NCH claim
// type (code and display), and in STU3 the near-line record and service
// classification codes.
func (f *Flattener) claimType(root *jsontree.Value) {
	c := f.c
	cs := f.arr(root, "type", "coding")
	if len(cs) == 0 {
		return
	}
	f.enter("type")
	defer f.leave()
	for i, cd := range cs {
		if !f.enterElem("coding", i, cd) {
			return
		}
		switch string(f.strb(cd, "system")) {
		case sysEOBType:
			if c.ClaimType == "" {
				c.ClaimType = f.in(f.strb(cd, "code"))
			}
		case sysNCHClaimType:
			if c.ClaimTypeCode == "" {
				c.ClaimTypeCode = f.in(f.strb(cd, "code"))
				c.ClaimTypeDisplay = f.in(f.strb(cd, "display"))
			}
		case urlNearLine:
			c.NearLineRecordCode = f.in(f.strb(cd, "code"))
		case urlSrvcClsfctn:
			c.ServiceClassificationCode = f.in(f.strb(cd, "code"))
		case "http://terminology.hl7.org/CodeSystem/claim-type", "http://hl7.org/fhir/ex-claimtype": // R4 and v3, STU3
			if c.ClaimCategory == "" {
				c.ClaimCategory = f.code(colClaimsClaimCategory, cd, "code")
			}
		}
		f.leave()
	}
}

// insurance sends the extensions of insurance.coverage (an array of
// insurance in R4, one object in STU3) to rec.Extensions.
func (f *Flattener) insurance(root *jsontree.Value) {
	ins := f.get(root, "insurance")
	if ins == nil {
		return
	}
	one := func(v *jsontree.Value) {
		if cov := f.get(v, "coverage"); cov != nil && cov.Type() == jsontree.TypeObject {
			f.enter("coverage")
			f.extensions(cov, extCtx{element: elemCoverage}, nil)
			f.leave()
		}
	}
	switch ins.Type() {
	case jsontree.TypeArray:
		a, _ := ins.Array()
		for i, v := range a {
			if !f.enterElem("insurance", i, v) {
				return
			}
			one(v)
			f.leave()
		}
	case jsontree.TypeObject:
		f.enter("insurance")
		one(ins)
		f.leave()
	}
}

// rootExtensions reads the EOB-level extensions: the MBI extensions AB2D
// appends (all of them to rec.MBIs in order, the first current one to
// Claim.MBI; without a value they are skipped), the near-line record and
// service classification codes (R4); every other one goes to
// rec.Extensions.
func (f *Flattener) rootExtensions(root *jsontree.Value) {
	c := f.c
	f.extensions(root, extCtx{element: elemEOB}, func(url []byte, ext *jsontree.Value) bool {
		switch string(url) {
		case urlMBIExt:
			f.mbi(ext)
			return true
		case urlNearLine:
			c.NearLineRecordCode = f.in(f.extValueCode(ext))
			return true
		case urlSrvcClsfctn:
			c.ServiceClassificationCode = f.in(f.extValueCode(ext))
			return true
		}
		return false
	})
}

// mbi reads one MBI extension.
func (f *Flattener) mbi(ext *jsontree.Value) {
	f.enter("valueIdentifier")
	defer f.leave()
	vi := f.get(ext, "valueIdentifier")
	if vi == nil || string(f.strb(vi, "system")) != sysMBI {
		return
	}
	value := f.text(colClaimsMBI, vi, "value")
	currency := f.in(f.extCode(vi, urlCurrency))
	if value != "" {
		f.rec.BeneficiaryMBIs = append(f.rec.BeneficiaryMBIs, BeneficiaryMBIsRow{MBI: value, Currency: currency})
		if currency == "current" && f.c.MBI == "" {
			f.c.MBI = value
		}
	}
}
