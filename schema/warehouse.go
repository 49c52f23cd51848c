package schema

// Table names, for callers that refer to a table in code.
const (
	Claims          = "claims"
	ClaimLines      = "claim_lines"
	ClaimDiagnoses  = "claim_diagnoses"
	ClaimProcedures = "claim_procedures"
	ClaimCareTeam   = "claim_care_team"
	BeneficiaryMBIs = "beneficiary_mbis"
	Rejects         = "rejects"
	ExportErrors    = "export_errors"
	Loads           = "loads"
	Runs            = "runs"
)

// lineage is appended to every table that holds data from an input file.
func lineage() []Column {
	return []Column{
		{Name: "load_id", Type: String, Required: true, Description: "Load that wrote the row (see `loads`)."},
		{Name: "source_file", Type: String, Required: true, Description: "Input file the row came from (base name)."},
		{Name: "source_line", Type: Int64, Required: true, Description: "1-based line number in the input file."},
	}
}

func withLineage(cols ...Column) []Column { return append(cols, lineage()...) }

func eobID() Column {
	return Column{Name: "eob_id", Type: String, Required: true, Description: "ExplanationOfBenefit resource id; joins to `claims.eob_id`.", R4: "id", STU3: "id"}
}

// Warehouse returns the catalog of the ab2d-etl warehouse.
func Warehouse() Catalog {
	return Catalog{
		Tables: []Table{
			{
				Name: Claims, Grain: "one ExplanationOfBenefit (one claim version)", Parquet: true,
				Description: "Claim header: one row per EOB. In DuckDB each eob_id appears once and a newer meta.lastUpdated replaces it.",
				Columns: withLineage(
					eobID(),
					Column{Name: "claim_id", Type: String, Description: "CCW claim id (CLM_ID), one per claim version.", R4: "identifier[system=…/variables/clm_id].value", STU3: "identifier[system=…/variables/clm_id].value"},
					Column{Name: "claim_group_id", Type: String, Description: "Claim group id (CLM_GRP_ID), stable across versions of a claim.", R4: "identifier[system=…/identifier/claim-group].value", STU3: "identifier[system=…/identifier/claim-group].value"},
					Column{Name: "status", Type: String, LowCardinality: true, Description: "Final action: `active` for the current version, `cancelled` for superseded ones.", R4: "status", STU3: "status"},
					Column{Name: "claim_type", Type: String, LowCardinality: true, Description: "Claim type from the eob-type coding: CARRIER, DME, HHA, HOSPICE, INPATIENT, OUTPATIENT, SNF (PDE for raw BFD data).", R4: "type.coding[system=…/codesystem/eob-type].code", STU3: "type.coding[system=…/codesystem/eob-type].code"},
					Column{Name: "claim_type_code", Type: String, LowCardinality: true, Description: "NCH claim type code (NCH_CLM_TYPE_CD), e.g. 71 carrier, 60 inpatient.", R4: "type.coding[system=…/variables/nch_clm_type_cd].code", STU3: "type.coding[system=…/variables/nch_clm_type_cd].code"},
					Column{Name: "beneficiary_id", Type: String, Description: "CCW beneficiary id (BENE_ID): patient.reference without `Patient/`.", R4: "patient.reference", STU3: "patient.reference"},
					Column{Name: "mbi", Type: String, Description: "Current Medicare Beneficiary Identifier, from the MBI extension AB2D adds.", R4: "extension[url=…elementdefinition-identifier].valueIdentifier[currency=current].value", STU3: "extension[url=…elementdefinition-identifier].valueIdentifier[currency=current].value"},
					Column{Name: "billable_period_start", Type: Date, Description: "Claim from date (CLM_FROM_DT).", R4: "billablePeriod.start", STU3: "billablePeriod.start"},
					Column{Name: "billable_period_end", Type: Date, Description: "Claim through date (CLM_THRU_DT).", R4: "billablePeriod.end", STU3: "billablePeriod.end"},
					Column{Name: "last_updated", Type: Timestamp, Description: "meta.lastUpdated: when the EOB last changed upstream. Null when absent or unparseable.", R4: "meta.lastUpdated", STU3: "meta.lastUpdated"},
					Column{Name: "fhir_version", Type: String, Required: true, LowCardinality: true, Description: "`R4` (AB2D v2) or `STU3` (AB2D v1), detected per resource."},
					Column{Name: "principal_diagnosis_code", Type: String, Description: "ICD code of the diagnosis typed `principal`.", R4: "diagnosis[type=principal].diagnosisCodeableConcept.coding.code", STU3: "diagnosis[type=principal].diagnosisCodeableConcept.coding.code"},
					Column{Name: "drg_code", Type: String, Description: "Diagnosis related group (CLM_DRG_CD).", R4: "supportingInfo[code.coding.system=…/clm_drg_cd].code.coding.code", STU3: "diagnosis.packageCode.coding[system=…/clm_drg_cd].code"},
					Column{Name: "facility_type_code", Type: String, LowCardinality: true, Description: "Claim facility type code (CLM_FAC_TYPE_CD).", R4: "facility.extension[url=…/clm_fac_type_cd].valueCoding.code", STU3: "facility.extension[url=…/clm_fac_type_cd].valueCoding.code"},
					Column{Name: "attending_npi", Type: String, Description: "NPI of the care-team member with role attending.", R4: "careTeam[role=attending].provider.identifier.value", STU3: "careTeam[role=primary, not linked from an item; institutional claims].provider.identifier.value"},
					Column{Name: "operating_npi", Type: String, Description: "NPI of the care-team member with role operating.", R4: "careTeam[role=operating].provider.identifier.value", STU3: "careTeam[role=assist].provider.identifier.value"},
					Column{Name: "rendering_npi", Type: String, Description: "NPI of the rendering/performing provider (role performing or rendering).", R4: "careTeam[role=performing|rendering].provider.identifier.value", STU3: "careTeam[role=primary|performing, linked from an item on institutional claims].provider.identifier.value"},
					Column{Name: "referring_npi", Type: String, Description: "NPI of the referring provider (first care-team member with role referring).", R4: "careTeam[role=referring].provider.identifier.value", STU3: "careTeam[role=referring].provider.identifier.value (BFD v1 puts it in EOB.referral, which AB2D strips: usually NULL)"},
				),
			},
			{
				Name: ClaimLines, Grain: "one EOB item (claim line)", Parquet: true,
				Description: "Claim lines: one row per EOB item.",
				Columns: withLineage(
					eobID(),
					Column{Name: "line_number", Type: Int64, Required: true, Description: "Line number (item.sequence).", R4: "item.sequence", STU3: "item.sequence"},
					Column{Name: "hcpcs_code", Type: String, Description: "HCPCS/CPT code of the service.", R4: "item.productOrService.coding[system=…hcpcs].code", STU3: "item.service.coding[system=…hcpcs].code"},
					Column{Name: "service_date", Type: Date, Description: "Revenue center date (single-day service).", R4: "item.servicedDate", STU3: "item.servicedDate"},
					Column{Name: "service_start", Type: Date, Description: "First expense date.", R4: "item.servicedPeriod.start", STU3: "item.servicedPeriod.start"},
					Column{Name: "service_end", Type: Date, Description: "Last expense date.", R4: "item.servicedPeriod.end", STU3: "item.servicedPeriod.end"},
					Column{Name: "place_of_service", Type: String, LowCardinality: true, Description: "Place of service code (LINE_PLACE_OF_SRVC_CD).", R4: "item.locationCodeableConcept.coding[system=…/line_place_of_srvc_cd].code", STU3: "item.locationCodeableConcept.coding[system=…/line_place_of_srvc_cd].code"},
					Column{Name: "quantity", Type: Float64, Description: "Service count (item.quantity.value).", R4: "item.quantity.value", STU3: "item.quantity.value"},
					Column{Name: "ndc_code", Type: String, Description: "National Drug Code of the line.", R4: "item.productOrService.extension[url=…/sid/ndc].valueCoding.code", STU3: "item.extension[url=…/sid/ndc].valueCoding.code"},
					Column{Name: "rendering_npi", Type: String, Description: "NPI of the line's rendering/performing care-team member, via the line's care-team link.", R4: "careTeam[sequence in item.careTeamSequence].provider.identifier.value", STU3: "careTeam[sequence in item.careTeamLinkId].provider.identifier.value"},
				),
			},
			{
				Name: ClaimDiagnoses, Grain: "one EOB diagnosis", Parquet: true,
				Description: "Diagnoses: one row per EOB diagnosis entry that carries a code (numbered diagnosis fields become rows).",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Required: true, Description: "diagnosis.sequence.", R4: "diagnosis.sequence", STU3: "diagnosis.sequence"},
					Column{Name: "code", Type: String, Description: "Diagnosis code (ICD-10-CM or ICD-9-CM).", R4: "diagnosis.diagnosisCodeableConcept.coding.code", STU3: "diagnosis.diagnosisCodeableConcept.coding.code"},
					Column{Name: "code_system", Type: String, LowCardinality: true, Description: "Code system URI of the code.", R4: "diagnosis.diagnosisCodeableConcept.coding.system", STU3: "diagnosis.diagnosisCodeableConcept.coding.system"},
					Column{Name: "diagnosis_type", Type: String, LowCardinality: true, Description: "Diagnosis type codes (principal, admitting, other, reason-for-visit, external-first, …), comma-separated when several.", R4: "diagnosis.type.coding.code", STU3: "diagnosis.type.coding.code"},
					Column{Name: "present_on_admission", Type: String, LowCardinality: true, Description: "Present-on-admission flag (Y, N, U, W, 1).", R4: "diagnosis.onAdmission.coding.code | diagnosis.extension[url=…/clm_poa_ind_sw*].valueCoding.code", STU3: "diagnosis.extension[url=…/clm_poa_ind_sw*].valueCoding.code"},
				),
			},
			{
				Name: ClaimProcedures, Grain: "one EOB procedure", Parquet: true,
				Description: "ICD procedures: one row per EOB procedure entry.",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Required: true, Description: "procedure.sequence.", R4: "procedure.sequence", STU3: "procedure.sequence"},
					Column{Name: "code", Type: String, Description: "Procedure code (ICD-10-PCS or ICD-9).", R4: "procedure.procedureCodeableConcept.coding.code", STU3: "procedure.procedureCodeableConcept.coding.code"},
					Column{Name: "code_system", Type: String, LowCardinality: true, Description: "Code system URI of the code.", R4: "procedure.procedureCodeableConcept.coding.system", STU3: "procedure.procedureCodeableConcept.coding.system"},
					Column{Name: "procedure_date", Type: Date, Description: "Date of the procedure.", R4: "procedure.date", STU3: "procedure.date"},
				),
			},
			{
				Name: ClaimCareTeam, Grain: "one EOB careTeam member", Parquet: true,
				Description: "Care team: one row per careTeam entry (NPIs and UPINs of attending, operating, rendering, referring… providers).",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Required: true, Description: "careTeam.sequence.", R4: "careTeam.sequence", STU3: "careTeam.sequence"},
					Column{Name: "provider_id", Type: String, Description: "Provider identifier value (NPI, UPIN, …).", R4: "careTeam.provider.identifier.value", STU3: "careTeam.provider.identifier.value"},
					Column{Name: "provider_id_type", Type: String, LowCardinality: true, Description: "Kind of identifier: npi, upin, or the raw system when unknown.", R4: "careTeam.provider.identifier.type.coding.code", STU3: "careTeam.provider.identifier.system"},
					Column{Name: "role", Type: String, LowCardinality: true, Description: "Care-team role code (attending, operating, performing, referring, primary, assist, …).", R4: "careTeam.role.coding.code", STU3: "careTeam.role.coding.code"},
					Column{Name: "qualification", Type: String, LowCardinality: true, Description: "Provider specialty code (PRVDR_SPCLTY).", R4: "careTeam.qualification.coding.code", STU3: "careTeam.qualification.coding.code"},
				),
			},
			{
				Name: BeneficiaryMBIs, Grain: "one beneficiary × MBI", Parquet: true,
				Description: "Current and historic MBIs per beneficiary. Parquet keeps one row per EOB and MBI as delivered; DuckDB keeps one row per beneficiary and MBI with the latest currency.",
				Columns: withLineage(
					Column{Name: "beneficiary_id", Type: String, Required: true, Description: "CCW beneficiary id.", R4: "patient.reference", STU3: "patient.reference"},
					Column{Name: "mbi", Type: String, Required: true, Description: "Medicare Beneficiary Identifier.", R4: "extension[url=…elementdefinition-identifier].valueIdentifier.value", STU3: "extension[url=…elementdefinition-identifier].valueIdentifier.value"},
					Column{Name: "currency", Type: String, LowCardinality: true, Description: "`current` or `historic`, as of the newest EOB that carried the MBI.", R4: "extension.valueIdentifier.extension[url=…identifier-currency].valueCoding.code", STU3: "extension.valueIdentifier.extension[url=…identifier-currency].valueCoding.code"},
					Column{Name: "first_seen", Type: Timestamp, Description: "Oldest meta.lastUpdated of an EOB carrying this MBI."},
					Column{Name: "last_seen", Type: Timestamp, Description: "Newest meta.lastUpdated of an EOB carrying this MBI."},
				),
			},
			{
				Name: Rejects, Grain: "one rejected input line", Parquet: true,
				Description: "Input lines that could not be loaded, with the reason. Nothing is dropped silently.",
				Columns: []Column{
					{Name: "load_id", Type: String, Required: true, Description: "Load that read the line."},
					{Name: "source_file", Type: String, Required: true, Description: "Input file (base name)."},
					{Name: "source_line", Type: Int64, Required: true, Description: "1-based line number."},
					{Name: "reason", Type: String, Required: true, Description: "Why the line was rejected."},
					{Name: "excerpt", Type: String, Description: "First 200 bytes of the line (invalid UTF-8 replaced)."},
				},
			},
			{
				Name: ExportErrors, Grain: "one OperationOutcome line of an AB2D _error file", Parquet: true,
				Description: "Errors AB2D reported for the export (OperationOutcome resources from `_error.ndjson` files).",
				Columns: []Column{
					{Name: "job_id", Type: String, Description: "AB2D job id, when known (from the landing folder)."},
					{Name: "load_id", Type: String, Required: true, Description: "Load that read the line."},
					{Name: "source_file", Type: String, Required: true, Description: "Input file (base name)."},
					{Name: "source_line", Type: Int64, Required: true, Description: "1-based line number."},
					{Name: "severity", Type: String, Description: "issue.severity.", R4: "issue.severity", STU3: "issue.severity"},
					{Name: "code", Type: String, Description: "issue.code.", R4: "issue.code", STU3: "issue.code"},
					{Name: "text", Type: String, Description: "issue.details.text (or diagnostics).", R4: "issue.details.text", STU3: "issue.details.text"},
				},
			},
			{
				Name: Loads, Grain: "one load of one file",
				Description: "Ledger of loaded files. A file whose sha256 is here with status `loaded` is not loaded again unless --force.",
				Columns: []Column{
					{Name: "load_id", Type: String, Required: true, Description: "Load id; names the Parquet partition load_id=<id>."},
					{Name: "run_id", Type: String, Required: true, Description: "Run (command invocation) the load belonged to."},
					{Name: "source_file", Type: String, Required: true, Description: "Path of the input file as given."},
					{Name: "sha256", Type: String, Required: true, Description: "SHA-256 of the file's bytes as stored (compressed if gzip)."},
					{Name: "bytes", Type: Int64, Required: true, Description: "Size of the file in bytes."},
					{Name: "rows", Type: Int64, Required: true, Description: "Resources (lines) accepted."},
					{Name: "rejects", Type: Int64, Required: true, Description: "Lines rejected."},
					{Name: "started_at", Type: Timestamp, Required: true, Description: "When the load started."},
					{Name: "finished_at", Type: Timestamp, Description: "When the load committed."},
					{Name: "status", Type: String, Required: true, Description: "`loaded`."},
				},
			},
			{
				Name: Runs, Grain: "one run, extract or load command",
				Description: "History of command invocations.",
				Columns: []Column{
					{Name: "run_id", Type: String, Required: true, Description: "Run id."},
					{Name: "command", Type: String, Required: true, Description: "run, extract or load."},
					{Name: "client_id", Type: String, Description: "AB2D client id (never the secret)."},
					{Name: "contract", Type: String, Description: "Contract number."},
					{Name: "api_version", Type: String, Description: "v1 or v2."},
					{Name: "job_id", Type: String, Description: "AB2D export job id."},
					{Name: "since", Type: Timestamp, Description: "_since sent to AB2D."},
					{Name: "until", Type: Timestamp, Description: "_until sent to AB2D."},
					{Name: "kickoff_at", Type: Timestamp, Description: "When this client asked AB2D for the export (its own clock): the next run's `--since auto`."},
					{Name: "started_at", Type: Timestamp, Required: true, Description: "Start of the run."},
					{Name: "finished_at", Type: Timestamp, Description: "End of the run."},
					{Name: "status", Type: String, Required: true, Description: "running, succeeded, failed or interrupted."},
					{Name: "message", Type: String, Description: "Summary or error message."},
				},
			},
		},
		Views: []View{
			{
				Name:        "claims_current",
				Description: "One row per claim group: the active version, or the newest one when no version is active.",
				SQL: `SELECT * FROM claims
QUALIFY row_number() OVER (
  PARTITION BY coalesce(claim_group_id, eob_id)
  ORDER BY (status = 'active') DESC NULLS LAST, last_updated DESC NULLS LAST, eob_id DESC) = 1`,
			},
			{
				Name:        "claim_lines_detail",
				Description: "Claim lines joined to their claim header, for BI tools.",
				SQL: `SELECT l.*, c.claim_id, c.claim_group_id, c.status, c.claim_type, c.beneficiary_id, c.mbi,
  c.billable_period_start, c.billable_period_end, c.principal_diagnosis_code, c.last_updated
FROM claim_lines l JOIN claims c USING (eob_id)`,
			},
		},
	}
}
