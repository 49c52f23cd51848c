package transform

import (
	"math"
	"strconv"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// Extension URLs (and code systems) that map to columns. Every other
// extension of the elements scanned by extensions goes to rec.Extensions.
const (
	urlNearLine        = "https://bluebutton.cms.gov/resources/variables/nch_near_line_rec_ident_cd"
	urlSrvcClsfctn     = "https://bluebutton.cms.gov/resources/variables/clm_srvc_clsfctn_type_cd"
	urlClaimQuery      = "https://bluebutton.cms.gov/resources/variables/claim_query_cd"
	urlPrvdrTypeCd     = "https://bluebutton.cms.gov/resources/variables/carr_line_prvdr_type_cd"
	urlPrtcptngIndCd   = "https://bluebutton.cms.gov/resources/variables/prtcptng_ind_cd"
	urlPrvdrStateCd    = "https://bluebutton.cms.gov/resources/variables/prvdr_state_cd"
	urlPrvdrZip        = "https://bluebutton.cms.gov/resources/variables/prvdr_zip"
	urlPrcngLcltyCd    = "https://bluebutton.cms.gov/resources/variables/carr_line_prcng_lclty_cd"
	urlCLIALabNum      = "https://bluebutton.cms.gov/resources/variables/carr_line_clia_lab_num"
	urlSupplrTypeCd    = "https://bluebutton.cms.gov/resources/variables/dmerc_line_supplr_type_cd"
	urlPrcngStateCd    = "https://bluebutton.cms.gov/resources/variables/dmerc_line_prcng_state_cd"
	urlAnsthsaUnitCnt  = "https://bluebutton.cms.gov/resources/variables/carr_line_ansthsa_unit_cnt"
	urlRevCntrNDCQty   = "https://bluebutton.cms.gov/resources/variables/rev_cntr_ndc_qty"
	sysPrvdrSpclty     = "https://bluebutton.cms.gov/resources/variables/prvdr_spclty"
	sysNUCCTaxonomy    = "http://nucc.org/provider-taxonomy"
	sysUnitsOfMeasure  = "http://unitsofmeasure.org"
	sysNDCQtyQualifier = "https://bluebutton.cms.gov/resources/variables/rev_cntr_ndc_qty_qlfr_cd"
	elemEOB            = "ExplanationOfBenefit"
	elemBillablePeriod = "billablePeriod"
	elemFacility       = "facility"
	elemHospital       = "hospitalization"
	elemCoverage       = "insurance.coverage"
	elemCareTeam       = "careTeam"
	elemDiagnosis      = "diagnosis"
	elemItem           = "item"
	elemRevenue        = "item.revenue"
	elemLocation       = "item.locationCodeableConcept"
	elemQuantity       = "item.quantity"
	elemAdjudication   = "item.adjudication"
)

// extCtx says where the extensions being scanned belong.
type extCtx struct {
	element string
	line    Int // item.sequence
	seq     Int // careTeam/diagnosis sequence or adjudication position
}

// extensions walks v.extension[]: claim is offered each extension (its url
// and the extension object) and returns true when a column took it; the
// others become rows of rec.Extensions. A nil claim claims nothing.
func (f *Flattener) extensions(v *jsontree.Value, ctx extCtx, claim func(url []byte, ext *jsontree.Value) bool) {
	exts := f.arr(v, "extension")
	if len(exts) == 0 {
		return
	}
	for i, ext := range exts {
		if !f.enterElem("extension", i, ext) {
			return
		}
		url := f.strb(ext, "url")
		if claim == nil || !claim(url, ext) {
			f.addExtension(url, ext, ctx)
		}
		f.leave()
	}
}

// addExtension appends one rec.Extensions row. A value of an unexpected
// JSON type leaves its column NULL; a date or number that is not one is
// recorded as a field issue.
func (f *Flattener) addExtension(url []byte, ext *jsontree.Value, ctx extCtx) {
	e := ClaimExtensionsRow{LineNumber: ctx.line, Element: ctx.element, ElementSequence: ctx.seq, URL: f.in(url)}
	o, err := ext.Object()
	if err != nil {
		return
	}
	o.Visit(func(k []byte, v *jsontree.Value) {
		switch string(k) {
		case "valueCoding":
			e.ValueCode = f.in(v.GetStringBytes("code"))
			e.ValueSystem = f.in(v.GetStringBytes("system"))
			e.ValueDisplay = f.copyString(v.GetStringBytes("display"))
		case "valueIdentifier":
			e.ValueSystem = f.in(v.GetStringBytes("system"))
			e.ValueString = f.copyString(v.GetStringBytes("value"))
		case "valueQuantity":
			e.ValueDecimal = f.num(colClaimExtensionsValueDecimal, ext, "valueQuantity", "value")
			e.ValueCode = f.in(v.GetStringBytes("code"))
			e.ValueSystem = f.in(v.GetStringBytes("system"))
			e.ValueDisplay = f.in(v.GetStringBytes("unit"))
		case "valueMoney":
			e.ValueDecimal = f.num(colClaimExtensionsValueDecimal, ext, "valueMoney", "value")
			e.ValueCode = f.in(v.GetStringBytes("currency"))
		case "valueReference":
			e.ValueReference = f.copyString(v.GetStringBytes("reference"))
			e.ValueDisplay = f.copyString(v.GetStringBytes("display"))
		case "valueCodeableConcept":
			c := v.Get("coding", "0")
			if c != nil {
				e.ValueCode = f.in(c.GetStringBytes("code"))
				e.ValueSystem = f.in(c.GetStringBytes("system"))
				e.ValueDisplay = f.copyString(c.GetStringBytes("display"))
			}
		case "valueDate", "valueDateTime", "valueInstant":
			e.ValueDate = f.date(colClaimExtensionsValueDate, ext, string(k))
			e.ValueString = f.copyString(v.GetStringBytes())
		case "valueCode":
			e.ValueCode = f.in(v.GetStringBytes())
		case "valueString", "valueUri", "valueUrl", "valueCanonical", "valueId", "valueOid", "valueMarkdown":
			e.ValueString = f.copyString(v.GetStringBytes())
		case "valueDecimal", "valueInteger", "valuePositiveInt", "valueUnsignedInt":
			e.ValueDecimal = f.num(colClaimExtensionsValueDecimal, ext, string(k))
		case "valueBoolean":
			switch v.Type() {
			case jsontree.TypeTrue:
				e.ValueString = "true"
			case jsontree.TypeFalse:
				e.ValueString = "false"
			}
		}
	})
	f.rec.ClaimExtensions = append(f.rec.ClaimExtensions, e)
}

// lenientNum returns a JSON number (or a numeric string) as a Float, NULL
// otherwise.
func lenientNum(v *jsontree.Value) Float {
	if v == nil {
		return Float{}
	}
	switch v.Type() {
	case jsontree.TypeNumber:
		x, err := v.Float64()
		if err == nil {
			return finite(x)
		}
	case jsontree.TypeString:
		x, err := strconv.ParseFloat(string(v.GetStringBytes()), 64)
		if err == nil {
			return finite(x)
		}
	}
	return Float{}
}

func finite(x float64) Float {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Float{}
	}
	return Float{V: x, Valid: true}
}

// extValueCode returns ext.valueCoding.code (strictly typed).
func (f *Flattener) extValueCode(ext *jsontree.Value) []byte {
	return f.strb(ext, "valueCoding", "code")
}

// joinInts returns ns comma-separated (interned), "" when empty.
func (f *Flattener) joinInts(ns []int64) string {
	if len(ns) == 0 {
		return ""
	}
	f.buf = f.buf[:0]
	for i, n := range ns {
		if i > 0 {
			f.buf = append(f.buf, ',')
		}
		f.buf = strconv.AppendInt(f.buf, n, 10)
	}
	return f.in(f.buf)
}
