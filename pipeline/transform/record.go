package transform

import "time"

// Date is a calendar date as days since 1970-01-01; Valid is false for NULL.
type Date struct {
	Days  int32
	Valid bool
}

// Instant is a point in time as microseconds since the Unix epoch (UTC);
// Valid is false for NULL.
type Instant struct {
	Micros int64
	Valid  bool
}

// Float is a nullable float64.
type Float struct {
	V     float64
	Valid bool
}

// Time returns the instant as a time.Time in UTC.
func (i Instant) Time() time.Time { return time.UnixMicro(i.Micros).UTC() }

// String formats the date as YYYY-MM-DD, or "" when null.
func (d Date) String() string {
	if !d.Valid {
		return ""
	}
	return time.Unix(int64(d.Days)*86400, 0).UTC().Format(time.DateOnly)
}

// Kind says what an input line held.
type Kind uint8

// The kinds of resource a line can hold.
const (
	KindEOB              Kind = iota + 1 // an ExplanationOfBenefit
	KindOperationOutcome                 // an OperationOutcome from an AB2D _error file
)

// Claim is the flattened header of one EOB; a row of schema.Claims.
// Empty strings are NULL (FHIR forbids empty strings, so none are lost).
type Claim struct {
	EOBID                  string
	ClaimID                string
	ClaimGroupID           string
	Status                 string
	ClaimType              string
	ClaimTypeCode          string
	ClaimTypeDisplay       string
	ClaimSubType           string
	NearLineRecordCode     string
	ServiceClassification  string
	BeneficiaryID          string
	MBI                    string
	BillablePeriodStart    Date
	BillablePeriodEnd      Date
	ClaimQueryCode         string
	LastUpdated            Instant
	Profile                string
	FHIRVersion            string
	PrincipalDiagnosisCode string
	AdmittingDiagnosisCode string
	DRGCode                string
	FacilityTypeCode       string
	FacilityTypeDisplay    string
	ProviderID             string
	ProviderIDSystem       string
	OrganizationNPI        string
	AttendingNPI           string
	AttendingUPIN          string
	OperatingNPI           string
	OperatingUPIN          string
	OtherNPI               string
	OtherUPIN              string
	RenderingNPI           string
	RenderingUPIN          string
	ReferringNPI           string
}

// Line is one EOB item; a row of schema.ClaimLines.
type Line struct {
	LineNumber            int64
	HCPCSCode             string
	RevenueCenterCode     string
	ServiceDate           Date
	ServiceStart          Date
	ServiceEnd            Date
	PlaceOfService        string
	PlaceOfServiceDisplay string
	ProviderStateCode     string
	ProviderZipCode       string
	PricingLocalityCode   string
	CLIALabNumber         string
	SupplierTypeCode      string
	PricingStateCode      string
	Quantity              Float
	AnesthesiaUnitCount   Float
	NDCCode               string
	NDCQuantity           Float
	NDCQuantityUnit       string
	RenderingNPI          string
	CareTeamSequences     string // comma-separated
	DiagnosisSequences    string // comma-separated
}

// Diagnosis is one EOB diagnosis; a row of schema.ClaimDiagnoses.
type Diagnosis struct {
	Sequence           int64
	DiagnosisNumber    int64 // position among the coded diagnoses, see diagnoses
	Code               string
	CodeSystem         string
	DiagnosisType      string
	DiagnosisRole      string // DiagnosisType in one vocabulary, see diagnosisType
	PresentOnAdmission string
}

// Procedure is one EOB procedure; a row of schema.ClaimProcedures.
type Procedure struct {
	Sequence      int64
	Code          string
	CodeSystem    string
	ProcedureDate Date
}

// CareTeam is one EOB careTeam member; a row of schema.ClaimCareTeam.
type CareTeam struct {
	Sequence          int64
	ProviderID        string
	ProviderIDType    string
	Role              string
	RoleDisplay       string
	RoleNormalized    string // Role in one vocabulary, see the dialects' careTeamRoles
	Qualification     string
	TaxonomyCode      string
	ProviderTypeCode  string
	ParticipatingCode string
}

// Extension is one FHIR extension that no other column carries; a row of
// schema.ClaimExtensions. LineNumber and ElementSeq are NULL when their
// Valid flag is false.
type Extension struct {
	LineNumber    int64
	HasLine       bool
	Element       string
	ElementSeq    int64
	HasElementSeq bool
	URL           string
	Code          string
	System        string
	Display       string
	String        string
	Decimal       Float
	Date          Date
	Reference     string
}

// Coding is one distinct (element, system, code) of an EOB; the loader
// merges them into the codes dimension (schema.Codes).
type Coding struct {
	Element string // where it was seen, e.g. "type", "careTeam.role", "item.extension.valueCoding"
	System  string
	Code    string
	Display string // the first non-empty display among its occurrences
}

// SupportingInfo is one supportingInfo (R4) or information (STU3) entry of
// an EOB; a row of schema.ClaimSupportingInfo. Empty strings and invalid
// dates and floats are NULL.
type SupportingInfo struct {
	Sequence        int64
	HasSequence     bool
	Category        string // code of the …/codesystem/information coding, else of the first
	CategorySystem  string
	CategoryDisplay string
	CategoryType    string // code of the other category coding (C4BB type, claiminformationcategory)
	Code            string
	CodeSystem      string
	CodeDisplay     string
	TimingDate      Date
	TimingStart     Date
	TimingEnd       Date
	ValueDecimal    Float
	ValueUnit       string
	ValueString     string
	ValueReference  string
}

// Contained is one contained resource of an EOB; a row of
// schema.ClaimContained.
type Contained struct {
	Position     int64 // 1-based position in contained[]
	ResourceType string
	ID           string
	Status       string
	Name         string
	NPI          string
	Code         string
	CodeSystem   string
	CodeDisplay  string
	ValueDecimal Float
	JSON         string // the resource as compact JSON
}

// MBI is one MBI extension of an EOB; a row of schema.BeneficiaryMBIs
// (first and last seen are the EOB's last_updated).
type MBI struct {
	MBI      string
	Currency string
}

// Issue is one issue of an OperationOutcome; a row of schema.ExportErrors.
type Issue struct {
	Severity string
	Code     string
	Text     string
}

// Record is the flattened form of one input line. Child rows carry no
// eob_id of their own: it is Claim.EOBID. A Record is reused between lines
// by Reset, so its slices keep their capacity.
type Record struct {
	Kind       Kind
	Claim      Claim
	Lines      []Line
	Diagnoses  []Diagnosis
	Procedures []Procedure
	CareTeam   []CareTeam
	Extensions []Extension
	Codings    []Coding
	// SupportingInfo and Contained are named after the FHIR elements.
	SupportingInfo []SupportingInfo
	Contained      []Contained
	MBIs           []MBI
	Issues         []Issue
}

// Reset empties the record, keeping the capacity of its slices.
func (r *Record) Reset() {
	*r = Record{
		Lines:          r.Lines[:0],
		Diagnoses:      r.Diagnoses[:0],
		Procedures:     r.Procedures[:0],
		CareTeam:       r.CareTeam[:0],
		Extensions:     r.Extensions[:0],
		Codings:        r.Codings[:0],
		SupportingInfo: r.SupportingInfo[:0],
		Contained:      r.Contained[:0],
		MBIs:           r.MBIs[:0],
		Issues:         r.Issues[:0],
	}
}
