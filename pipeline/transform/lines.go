package transform

// Claim lines (items) and what links them to the care team and the diagnoses.

import (
	"strconv"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// items reads one Line row per item and records in f.lnk the care-team
// sequences the items link to.
func (f *Flattener) items(root *jsontree.Value) {
	f.lnk = f.lnk[:0]
	institutional := isInstitutional(f.c.ClaimType, f.c.ClaimTypeCode)
	for i, it := range f.arr(root, "item") {
		if !f.enterElem("item", i, it) {
			return
		}
		var row ClaimLinesRow
		row.LineNumber = f.seq(colClaimLinesLineNumber, it, "sequence")
		ctx := extCtx{line: row.LineNumber}

		row.HCPCSCode = f.copyString(f.codeBySystem(it, f.d.productKey, f.d.hcpcs...))
		row.NDCCode = f.copyString(f.d.lineNDC(f, it))
		row.ServiceDate = f.date(colClaimLinesServiceDate, it, "servicedDate")
		row.ServiceStart = f.date(colClaimLinesServiceStart, it, "servicedPeriod", "start")
		row.ServiceEnd = f.date(colClaimLinesServiceEnd, it, "servicedPeriod", "end")
		row.Quantity = f.num(colClaimLinesQuantity, it, "quantity", "value")
		if q := f.get(it, "quantity"); q != nil {
			f.enter("quantity")
			ctx.element = elemQuantity
			f.extensions(q, ctx, nil)
			f.leave()
		}
		if f.d == &r4Dialect && institutional {
			// BFD v2 puts REV_CNTR_NDC_QTY in item.quantity and its
			// qualifier in a modifier of institutional lines: coded in
			// …/rev_cntr_ndc_qty_qlfr_cd (AB2D's R4 samples; the STU3
			// extension's valueQuantity.code has the same code), or in UCUM
			// (raw BFD v2). The first wins.
			row.NDCQuantity = row.Quantity
			var ucum string
			for j, m := range f.arr(it, "modifier") {
				if !f.enterElem("modifier", j, m) {
					break
				}
				for k, c := range f.arr(m, "coding") {
					if !f.enterElem("coding", k, c) {
						break
					}
					switch string(f.strb(c, "system")) {
					case sysNDCQtyQualifier:
						if row.NDCQuantityUnit == "" {
							row.NDCQuantityUnit = f.in(f.strb(c, "code"))
						}
					case sysUnitsOfMeasure:
						if ucum == "" {
							ucum = f.in(f.strb(c, "code"))
						}
					}
					f.leave()
				}
				f.leave()
			}
			if row.NDCQuantityUnit == "" {
				row.NDCQuantityUnit = ucum
			}
		}
		if rev := f.get(it, "revenue"); rev != nil {
			code, _ := f.firstCoding(it, "revenue")
			row.RevenueCenterCode = f.in(code)
			f.enter("revenue")
			ctx.element = elemRevenue
			f.extensions(rev, ctx, nil)
			f.leave()
		}
		if loc := f.get(it, "locationCodeableConcept"); loc != nil {
			code, _, display := f.codingBySystem(it, "locationCodeableConcept", f.d.placeOfService)
			row.PlaceOfService = f.in(code)
			row.PlaceOfServiceDisplay = f.in(display)
			f.enter("locationCodeableConcept")
			ctx.element = elemLocation
			f.extensions(loc, ctx, func(url []byte, ext *jsontree.Value) bool { return f.lineExtension(&row, url, ext) })
			f.leave()
		}
		if row.ProviderStateCode == "" {
			row.ProviderStateCode = f.in(f.strb(it, "locationAddress", "state"))
		}
		ctx.element = elemItem
		f.extensions(it, ctx, func(url []byte, ext *jsontree.Value) bool { return f.lineExtension(&row, url, ext) })
		if prod := f.get(it, f.d.productKey); prod != nil {
			f.enter(f.d.productKey)
			ctx.element = f.d.productElem
			f.extensions(prod, ctx, func(url []byte, ext *jsontree.Value) bool { return f.lineExtension(&row, url, ext) })
			f.leave()
		}
		for j, adj := range f.arr(it, "adjudication") {
			if !f.enterElem("adjudication", j, adj) {
				break
			}
			f.extensions(adj, extCtx{element: elemAdjudication, line: row.LineNumber, seq: Int{int64(j + 1), true}}, nil)
			f.leave()
		}

		start := len(f.lnk)
		for j, v := range f.arr(it, f.d.careTeamLinkKey) {
			f.at = append(f.at, pathElem{f.d.careTeamLinkKey, j})
			if n, ok := f.intValue(v); ok {
				f.lnk = append(f.lnk, n)
			}
			f.leave()
		}
		row.RenderingNPI = f.lineRenderingNPI(f.lnk[start:])
		row.CareTeamSequences = f.joinInts(f.lnk[start:])
		row.DiagnosisSequences = f.diagnosisLinks(it)
		f.rec.ClaimLines = append(f.rec.ClaimLines, row)
		f.leave()
	}
}

// diagnosisLinks returns the item's diagnosis sequences, comma-separated.
func (f *Flattener) diagnosisLinks(it *jsontree.Value) string {
	links := f.arr(it, f.d.diagnosisLinkKey)
	if len(links) == 0 {
		return ""
	}
	f.buf = f.buf[:0]
	for j, v := range links {
		f.at = append(f.at, pathElem{f.d.diagnosisLinkKey, j})
		if n, ok := f.intValue(v); ok {
			if len(f.buf) > 0 {
				f.buf = append(f.buf, ',')
			}
			f.buf = strconv.AppendInt(f.buf, n, 10)
		}
		f.leave()
	}
	return f.in(f.buf)
}

// lineExtension takes the line-level extensions that map to claim_lines
// columns, wherever BFD puts them (item, item.service / productOrService,
// item.locationCodeableConcept; the places differ between the versions).
func (f *Flattener) lineExtension(row *ClaimLinesRow, url []byte, ext *jsontree.Value) bool {
	switch string(url) {
	case urlPrvdrStateCd:
		row.ProviderStateCode = f.in(f.extValueCode(ext))
	case urlPrvdrZip:
		row.ProviderZipCode = f.str(ext, "valueCoding", "code")
	case urlPrcngLcltyCd:
		row.PricingLocalityCode = f.in(f.extValueCode(ext))
	case urlCLIALabNum:
		row.CLIALabNumber = f.str(ext, "valueIdentifier", "value")
	case urlSupplrTypeCd:
		row.SupplierTypeCode = f.in(f.extValueCode(ext))
	case urlPrcngStateCd:
		row.PricingStateCode = f.in(f.extValueCode(ext))
	case urlAnsthsaUnitCnt:
		row.AnesthesiaUnitCount = f.num(colClaimLinesAnesthesiaUnitCount, ext, "valueQuantity", "value")
	case urlRevCntrNDCQty:
		row.NDCQuantity = f.num(colClaimLinesNDCQuantity, ext, "valueQuantity", "value")
		row.NDCQuantityUnit = f.in(f.strb(ext, "valueQuantity", "code"))
	case sysNDC, urlRevCntrNDC:
		// ndc_code, read by the dialect's lineNDC
	default:
		return f.d.lineExtension != nil && f.d.lineExtension(f, row, url, ext)
	}
	return true
}

// lineRenderingNPI returns the NPI of the first linked care-team member with
// a rendering role of the dialect; failing that, the NPI of the only linked
// member when there is exactly one.
func (f *Flattener) lineRenderingNPI(links []int64) string {
	only, found := "", 0
	for _, seq := range links {
		m := f.member(seq)
		if m == nil {
			continue
		}
		found++
		if m.ProviderIDType != "npi" || m.ProviderID == "" {
			continue
		}
		if f.d.isLineRenderingRole(m.Role) {
			return m.ProviderID
		}
		only = m.ProviderID
	}
	if found == 1 {
		return only
	}
	return ""
}

// smallSet is the size up to which member and linked search linearly;
// beyond it they build a map, so that hostile lines with huge care teams
// and link lists cannot make flattening quadratic.
const smallSet = 32
