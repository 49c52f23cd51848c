package load

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Batch holds the Arrow records built from one chunk of input lines, one
// record per Parquet table (in catalog order; nil when the chunk produced
// no rows for that table).
type Batch struct {
	Seq     int
	Records []arrow.RecordBatch
	Codes   codeSet // the distinct codes of the batch's EOBs
	EOBs    int64   // EOB lines accepted
	Issues  int64   // OperationOutcome lines accepted
	Rejects int64   // lines rejected
}

// Release releases the batch's records.
func (b *Batch) Release() {
	for _, r := range b.Records {
		if r != nil {
			r.Release()
		}
	}
}

// builder turns flattened Records into columnar Arrow batches without
// per-value interfaces. Each column builder is bound once, by name, to the
// column defined in package schema: a column renamed or retyped there fails
// loudly at construction, and a column left unfilled fails when the record
// is built (TestBuilderFillsEveryColumn).
type builder struct {
	rbs  []*array.RecordBuilder
	rows []int

	claims  claimCols
	lines   lineCols
	diags   diagCols
	procs   procCols
	team    teamCols
	exts    extCols
	infos   infoCols
	cont    containedCols
	mbis    mbiCols
	rejects rejectCols
	issues  issueCols
	codes   codeSet // not a Parquet table: merged into the codes dimension

	loadID, file, jobID string
}

// binder gives typed access to the column builders of one table.
type binder struct {
	idx  int
	t    schema.Table
	rb   *array.RecordBuilder
	rows *int
}

func (b binder) field(name string) array.Builder {
	i := b.t.Index(name)
	if i < 0 {
		panic(fmt.Sprintf("load: table %s has no column %s", b.t.Name, name))
	}
	return b.rb.Field(i)
}

func (b binder) str(name string) *array.StringBuilder  { return b.field(name).(*array.StringBuilder) }
func (b binder) i64(name string) *array.Int64Builder   { return b.field(name).(*array.Int64Builder) }
func (b binder) f64(name string) *array.Float64Builder { return b.field(name).(*array.Float64Builder) }
func (b binder) date(name string) *array.Date32Builder { return b.field(name).(*array.Date32Builder) }
func (b binder) ts(name string) *array.TimestampBuilder {
	return b.field(name).(*array.TimestampBuilder)
}

// lineageCols are the load_id, source_file and source_line columns.
type lineageCols struct {
	loadID, file *array.StringBuilder
	line         *array.Int64Builder
	rows         *int
}

func bindLineage(x binder) lineageCols {
	return lineageCols{loadID: x.str("load_id"), file: x.str("source_file"), line: x.i64("source_line"), rows: x.rows}
}

func (l lineageCols) add(b *builder, line int64) {
	l.loadID.Append(b.loadID)
	l.file.Append(b.file)
	l.line.Append(line)
	*l.rows++
}

type claimCols struct {
	eobID, claimID, groupID, status, claimType, typeCode, typeDisplay, subType *array.StringBuilder
	nearLine, srvcClass, bene, mbi                                             *array.StringBuilder
	start, end                                                                 *array.Date32Builder
	queryCode                                                                  *array.StringBuilder
	lastUpdated                                                                *array.TimestampBuilder
	profile, version, principal, admitting, drg, facility, facilityDisplay     *array.StringBuilder
	providerID, providerSystem, orgNPI                                         *array.StringBuilder
	attending, attendingUPIN, operating, operatingUPIN, other, otherUPIN       *array.StringBuilder
	rendering, renderingUPIN, referring                                        *array.StringBuilder
	lin                                                                        lineageCols
}

type lineCols struct {
	eobID                                       *array.StringBuilder
	number                                      *array.Int64Builder
	hcpcs, revenue                              *array.StringBuilder
	date, start, end                            *array.Date32Builder
	pos, posDisplay, state, zip, locality, clia *array.StringBuilder
	supplierType, pricingState                  *array.StringBuilder
	qty, anesthesia                             *array.Float64Builder
	ndc                                         *array.StringBuilder
	ndcQty                                      *array.Float64Builder
	ndcUnit, renderingNPI, teamSeqs, dxSeqs     *array.StringBuilder
	lin                                         lineageCols
}

type extCols struct {
	eobID                           *array.StringBuilder
	line                            *array.Int64Builder
	element                         *array.StringBuilder
	elementSeq                      *array.Int64Builder
	url, code, system, display, str *array.StringBuilder
	decimal                         *array.Float64Builder
	date                            *array.Date32Builder
	ref                             *array.StringBuilder
	lin                             lineageCols
}

type infoCols struct {
	eobID                                                   *array.StringBuilder
	seq                                                     *array.Int64Builder
	category, categorySystem, categoryDisplay, categoryType *array.StringBuilder
	code, codeSystem, codeDisplay                           *array.StringBuilder
	date, start, end                                        *array.Date32Builder
	decimal                                                 *array.Float64Builder
	unit, str, ref                                          *array.StringBuilder
	lin                                                     lineageCols
}

type containedCols struct {
	eobID                                                      *array.StringBuilder
	position                                                   *array.Int64Builder
	resourceType, id, status, name, npi, code, system, display *array.StringBuilder
	decimal                                                    *array.Float64Builder
	json                                                       *array.StringBuilder
	lin                                                        lineageCols
}

type diagCols struct {
	eobID                             *array.StringBuilder
	seq, number                       *array.Int64Builder
	code, system, dxType, dxRole, poa *array.StringBuilder
	lin                               lineageCols
}

type procCols struct {
	eobID        *array.StringBuilder
	seq          *array.Int64Builder
	code, system *array.StringBuilder
	date         *array.Date32Builder
	lin          lineageCols
}

type teamCols struct {
	eobID                                         *array.StringBuilder
	seq                                           *array.Int64Builder
	id, idType, role, roleDisplay, roleNorm       *array.StringBuilder
	qualif, taxonomy, providerType, participating *array.StringBuilder
	lin                                           lineageCols
}

type mbiCols struct {
	bene, mbi, currency *array.StringBuilder
	first, last         *array.TimestampBuilder
	lin                 lineageCols
}

type rejectCols struct {
	reason, excerpt *array.StringBuilder
	lin             lineageCols
}

type issueCols struct {
	jobID, severity, code, text *array.StringBuilder
	lin                         lineageCols
}

func newBuilder(mem memory.Allocator, cat schema.Catalog, loadID, file, jobID string) *builder {
	tables := cat.ParquetTables()
	b := &builder{loadID: loadID, file: file, jobID: jobID, codes: codeSet{}}
	b.rbs = make([]*array.RecordBuilder, len(tables))
	b.rows = make([]int, len(tables))
	for i, t := range tables {
		b.rbs[i] = array.NewRecordBuilder(mem, t.ArrowSchema())
	}
	bind := func(name string) binder {
		for i, t := range tables {
			if t.Name == name {
				return binder{idx: i, t: t, rb: b.rbs[i], rows: &b.rows[i]}
			}
		}
		panic("load: no parquet table " + name)
	}
	x := bind(schema.Claims)
	b.claims = claimCols{
		eobID: x.str("eob_id"), claimID: x.str("claim_id"), groupID: x.str("claim_group_id"),
		status: x.str("status"), claimType: x.str("claim_type"), typeCode: x.str("claim_type_code"),
		typeDisplay: x.str("claim_type_display"), subType: x.str("claim_sub_type"),
		nearLine: x.str("near_line_record_code"), srvcClass: x.str("service_classification_code"),
		bene: x.str("beneficiary_id"), mbi: x.str("mbi"),
		start: x.date("billable_period_start"), end: x.date("billable_period_end"), queryCode: x.str("claim_query_code"),
		lastUpdated: x.ts("last_updated"), profile: x.str("profile"), version: x.str("fhir_version"),
		principal: x.str("principal_diagnosis_code"), admitting: x.str("admitting_diagnosis_code"),
		drg: x.str("drg_code"), facility: x.str("facility_type_code"), facilityDisplay: x.str("facility_type_display"),
		providerID: x.str("provider_id"), providerSystem: x.str("provider_id_system"), orgNPI: x.str("organization_npi"),
		attending: x.str("attending_npi"), attendingUPIN: x.str("attending_upin"),
		operating: x.str("operating_npi"), operatingUPIN: x.str("operating_upin"),
		other: x.str("other_npi"), otherUPIN: x.str("other_upin"),
		rendering: x.str("rendering_npi"), renderingUPIN: x.str("rendering_upin"), referring: x.str("referring_npi"),
		lin: bindLineage(x),
	}
	x = bind(schema.ClaimLines)
	b.lines = lineCols{
		eobID: x.str("eob_id"), number: x.i64("line_number"), hcpcs: x.str("hcpcs_code"), revenue: x.str("revenue_center_code"),
		date: x.date("service_date"), start: x.date("service_start"), end: x.date("service_end"),
		pos: x.str("place_of_service"), posDisplay: x.str("place_of_service_display"),
		state: x.str("provider_state_code"), zip: x.str("provider_zip_code"), locality: x.str("pricing_locality_code"),
		clia: x.str("clia_lab_number"), supplierType: x.str("supplier_type_code"), pricingState: x.str("pricing_state_code"),
		qty: x.f64("quantity"), anesthesia: x.f64("anesthesia_unit_count"), ndc: x.str("ndc_code"),
		ndcQty: x.f64("ndc_quantity"), ndcUnit: x.str("ndc_quantity_unit"),
		renderingNPI: x.str("rendering_npi"), teamSeqs: x.str("care_team_sequences"), dxSeqs: x.str("diagnosis_sequences"),
		lin: bindLineage(x),
	}
	x = bind(schema.ClaimDiagnoses)
	b.diags = diagCols{
		eobID: x.str("eob_id"), seq: x.i64("sequence"), number: x.i64("diagnosis_number"), code: x.str("code"), system: x.str("code_system"),
		dxType: x.str("diagnosis_type"), dxRole: x.str("diagnosis_role"), poa: x.str("present_on_admission"), lin: bindLineage(x),
	}
	x = bind(schema.ClaimProcedures)
	b.procs = procCols{
		eobID: x.str("eob_id"), seq: x.i64("sequence"), code: x.str("code"), system: x.str("code_system"),
		date: x.date("procedure_date"), lin: bindLineage(x),
	}
	x = bind(schema.ClaimCareTeam)
	b.team = teamCols{
		eobID: x.str("eob_id"), seq: x.i64("sequence"), id: x.str("provider_id"), idType: x.str("provider_id_type"),
		role: x.str("role"), roleDisplay: x.str("role_display"), roleNorm: x.str("role_normalized"),
		qualif: x.str("qualification"), taxonomy: x.str("taxonomy_code"),
		providerType: x.str("provider_type_code"), participating: x.str("participating_code"), lin: bindLineage(x),
	}
	x = bind(schema.ClaimExtensions)
	b.exts = extCols{
		eobID: x.str("eob_id"), line: x.i64("line_number"), element: x.str("element"), elementSeq: x.i64("element_sequence"),
		url: x.str("url"), code: x.str("value_code"), system: x.str("value_system"), display: x.str("value_display"),
		str: x.str("value_string"), decimal: x.f64("value_decimal"), date: x.date("value_date"), ref: x.str("value_reference"),
		lin: bindLineage(x),
	}
	x = bind(schema.ClaimSupporting)
	b.infos = infoCols{
		eobID: x.str("eob_id"), seq: x.i64("sequence"), category: x.str("category"), categorySystem: x.str("category_system"),
		categoryDisplay: x.str("category_display"), categoryType: x.str("category_type"),
		code: x.str("code"), codeSystem: x.str("code_system"), codeDisplay: x.str("code_display"),
		date: x.date("timing_date"), start: x.date("timing_start"), end: x.date("timing_end"),
		decimal: x.f64("value_decimal"), unit: x.str("value_unit"), str: x.str("value_string"), ref: x.str("value_reference"),
		lin: bindLineage(x),
	}
	x = bind(schema.ClaimContained)
	b.cont = containedCols{
		eobID: x.str("eob_id"), position: x.i64("position"), resourceType: x.str("resource_type"), id: x.str("resource_id"),
		status: x.str("status"), name: x.str("name"), npi: x.str("npi"), code: x.str("code"), system: x.str("code_system"),
		display: x.str("code_display"), decimal: x.f64("value_decimal"), json: x.str("resource_json"), lin: bindLineage(x),
	}
	x = bind(schema.BeneficiaryMBIs)
	b.mbis = mbiCols{
		bene: x.str("beneficiary_id"), mbi: x.str("mbi"), currency: x.str("currency"),
		first: x.ts("first_seen"), last: x.ts("last_seen"), lin: bindLineage(x),
	}
	x = bind(schema.Rejects)
	b.rejects = rejectCols{reason: x.str("reason"), excerpt: x.str("excerpt"), lin: bindLineage(x)}
	x = bind(schema.ExportErrors)
	b.issues = issueCols{
		jobID: x.str("job_id"), severity: x.str("severity"), code: x.str("code"), text: x.str("text"),
		lin: bindLineage(x),
	}
	return b
}

func (b *builder) release() {
	for _, rb := range b.rbs {
		rb.Release()
	}
}

// flush returns the records built so far (nil for empty tables) and resets.
func (b *builder) flush() ([]arrow.RecordBatch, codeSet) {
	out := make([]arrow.RecordBatch, len(b.rbs))
	for i, rb := range b.rbs {
		if b.rows[i] > 0 {
			out[i] = rb.NewRecordBatch()
			b.rows[i] = 0
		}
	}
	codes := b.codes
	b.codes = codeSet{}
	return out, codes
}

func str(sb *array.StringBuilder, s string) {
	if s == "" {
		sb.AppendNull()
		return
	}
	sb.Append(s)
}

func date(db *array.Date32Builder, d transform.Date) {
	if !d.Valid {
		db.AppendNull()
		return
	}
	db.Append(arrow.Date32(d.Days))
}

func float(fb *array.Float64Builder, f transform.Float) {
	if !f.Valid {
		fb.AppendNull()
		return
	}
	fb.Append(f.V)
}

func optInt(ib *array.Int64Builder, v int64, valid bool) {
	if !valid {
		ib.AppendNull()
		return
	}
	ib.Append(v)
}

func instant(tb *array.TimestampBuilder, t transform.Instant) {
	if !t.Valid {
		tb.AppendNull()
		return
	}
	tb.Append(arrow.Timestamp(t.Micros))
}

// addRecord appends the rows of one flattened line.
func (b *builder) addRecord(line int64, r *transform.Record) {
	switch r.Kind {
	case transform.KindEOB:
		b.addEOB(line, r)
	case transform.KindOperationOutcome:
		x := &b.issues
		for _, is := range r.Issues {
			str(x.jobID, b.jobID)
			str(x.severity, is.Severity)
			str(x.code, is.Code)
			str(x.text, is.Text)
			x.lin.add(b, line)
		}
	}
}

func (b *builder) addEOB(line int64, r *transform.Record) {
	c := &r.Claim
	x := &b.claims
	x.eobID.Append(c.EOBID)
	str(x.claimID, c.ClaimID)
	str(x.groupID, c.ClaimGroupID)
	str(x.status, c.Status)
	str(x.claimType, c.ClaimType)
	str(x.typeCode, c.ClaimTypeCode)
	str(x.typeDisplay, c.ClaimTypeDisplay)
	str(x.subType, c.ClaimSubType)
	str(x.nearLine, c.NearLineRecordCode)
	str(x.srvcClass, c.ServiceClassification)
	str(x.bene, c.BeneficiaryID)
	str(x.mbi, c.MBI)
	date(x.start, c.BillablePeriodStart)
	date(x.end, c.BillablePeriodEnd)
	str(x.queryCode, c.ClaimQueryCode)
	instant(x.lastUpdated, c.LastUpdated)
	str(x.profile, c.Profile)
	x.version.Append(c.FHIRVersion)
	str(x.principal, c.PrincipalDiagnosisCode)
	str(x.admitting, c.AdmittingDiagnosisCode)
	str(x.drg, c.DRGCode)
	str(x.facility, c.FacilityTypeCode)
	str(x.facilityDisplay, c.FacilityTypeDisplay)
	str(x.providerID, c.ProviderID)
	str(x.providerSystem, c.ProviderIDSystem)
	str(x.orgNPI, c.OrganizationNPI)
	str(x.attending, c.AttendingNPI)
	str(x.attendingUPIN, c.AttendingUPIN)
	str(x.operating, c.OperatingNPI)
	str(x.operatingUPIN, c.OperatingUPIN)
	str(x.other, c.OtherNPI)
	str(x.otherUPIN, c.OtherUPIN)
	str(x.rendering, c.RenderingNPI)
	str(x.renderingUPIN, c.RenderingUPIN)
	str(x.referring, c.ReferringNPI)
	x.lin.add(b, line)

	for i := range r.Lines {
		l, x := &r.Lines[i], &b.lines
		x.eobID.Append(c.EOBID)
		x.number.Append(l.LineNumber)
		str(x.hcpcs, l.HCPCSCode)
		str(x.revenue, l.RevenueCenterCode)
		date(x.date, l.ServiceDate)
		date(x.start, l.ServiceStart)
		date(x.end, l.ServiceEnd)
		str(x.pos, l.PlaceOfService)
		str(x.posDisplay, l.PlaceOfServiceDisplay)
		str(x.state, l.ProviderStateCode)
		str(x.zip, l.ProviderZipCode)
		str(x.locality, l.PricingLocalityCode)
		str(x.clia, l.CLIALabNumber)
		str(x.supplierType, l.SupplierTypeCode)
		str(x.pricingState, l.PricingStateCode)
		float(x.qty, l.Quantity)
		float(x.anesthesia, l.AnesthesiaUnitCount)
		str(x.ndc, l.NDCCode)
		float(x.ndcQty, l.NDCQuantity)
		str(x.ndcUnit, l.NDCQuantityUnit)
		str(x.renderingNPI, l.RenderingNPI)
		str(x.teamSeqs, l.CareTeamSequences)
		str(x.dxSeqs, l.DiagnosisSequences)
		x.lin.add(b, line)
	}
	for i := range r.Diagnoses {
		d, x := &r.Diagnoses[i], &b.diags
		x.eobID.Append(c.EOBID)
		x.seq.Append(d.Sequence)
		x.number.Append(d.DiagnosisNumber)
		str(x.code, d.Code)
		str(x.system, d.CodeSystem)
		str(x.dxType, d.DiagnosisType)
		str(x.dxRole, d.DiagnosisRole)
		str(x.poa, d.PresentOnAdmission)
		x.lin.add(b, line)
	}
	for i := range r.Procedures {
		p, x := &r.Procedures[i], &b.procs
		x.eobID.Append(c.EOBID)
		x.seq.Append(p.Sequence)
		str(x.code, p.Code)
		str(x.system, p.CodeSystem)
		date(x.date, p.ProcedureDate)
		x.lin.add(b, line)
	}
	for i := range r.CareTeam {
		m, x := &r.CareTeam[i], &b.team
		x.eobID.Append(c.EOBID)
		x.seq.Append(m.Sequence)
		str(x.id, m.ProviderID)
		str(x.idType, m.ProviderIDType)
		str(x.role, m.Role)
		str(x.roleDisplay, m.RoleDisplay)
		str(x.roleNorm, m.RoleNormalized)
		str(x.qualif, m.Qualification)
		str(x.taxonomy, m.TaxonomyCode)
		str(x.providerType, m.ProviderTypeCode)
		str(x.participating, m.ParticipatingCode)
		x.lin.add(b, line)
	}
	for i := range r.Extensions {
		e, x := &r.Extensions[i], &b.exts
		x.eobID.Append(c.EOBID)
		optInt(x.line, e.LineNumber, e.HasLine)
		x.element.Append(e.Element)
		optInt(x.elementSeq, e.ElementSeq, e.HasElementSeq)
		x.url.Append(e.URL)
		str(x.code, e.Code)
		str(x.system, e.System)
		str(x.display, e.Display)
		str(x.str, e.String)
		float(x.decimal, e.Decimal)
		date(x.date, e.Date)
		str(x.ref, e.Reference)
		x.lin.add(b, line)
	}
	b.codes.add(r.Codings)
	for i := range r.SupportingInfo {
		si, x := &r.SupportingInfo[i], &b.infos
		x.eobID.Append(c.EOBID)
		optInt(x.seq, si.Sequence, si.HasSequence)
		str(x.category, si.Category)
		str(x.categorySystem, si.CategorySystem)
		str(x.categoryDisplay, si.CategoryDisplay)
		str(x.categoryType, si.CategoryType)
		str(x.code, si.Code)
		str(x.codeSystem, si.CodeSystem)
		str(x.codeDisplay, si.CodeDisplay)
		date(x.date, si.TimingDate)
		date(x.start, si.TimingStart)
		date(x.end, si.TimingEnd)
		float(x.decimal, si.ValueDecimal)
		str(x.unit, si.ValueUnit)
		str(x.str, si.ValueString)
		str(x.ref, si.ValueReference)
		x.lin.add(b, line)
	}
	for i := range r.Contained {
		ct, x := &r.Contained[i], &b.cont
		x.eobID.Append(c.EOBID)
		x.position.Append(ct.Position)
		str(x.resourceType, ct.ResourceType)
		str(x.id, ct.ID)
		str(x.status, ct.Status)
		str(x.name, ct.Name)
		str(x.npi, ct.NPI)
		str(x.code, ct.Code)
		str(x.system, ct.CodeSystem)
		str(x.display, ct.CodeDisplay)
		float(x.decimal, ct.ValueDecimal)
		x.json.Append(ct.JSON)
		x.lin.add(b, line)
	}
	if c.BeneficiaryID == "" {
		return // an MBI row needs a beneficiary to belong to
	}
	for _, m := range r.MBIs {
		if m.MBI == "" {
			continue
		}
		x := &b.mbis
		x.bene.Append(c.BeneficiaryID)
		x.mbi.Append(m.MBI)
		str(x.currency, m.Currency)
		instant(x.first, c.LastUpdated)
		instant(x.last, c.LastUpdated)
		x.lin.add(b, line)
	}
}

// addReject appends a rejects row for a line that could not be loaded.
func (b *builder) addReject(line int64, reason string, raw []byte) {
	x := &b.rejects
	x.reason.Append(reason)
	str(x.excerpt, excerpt(raw))
	x.lin.add(b, line)
}

// excerpt returns the first transform.ExcerptLen bytes of raw as valid UTF-8.
func excerpt(raw []byte) string {
	if len(raw) > transform.ExcerptLen {
		raw = raw[:transform.ExcerptLen]
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}
