package schema

import "fmt"

// Table names, for callers that refer to a table in code.
const (
	Claims          = "claims"
	ClaimLines      = "claim_lines"
	ClaimDiagnoses  = "claim_diagnoses"
	ClaimProcedures = "claim_procedures"
	ClaimCareTeam   = "claim_care_team"
	ClaimExtensions = "claim_extensions"
	Codes           = "codes"
	ClaimSupporting = "claim_supporting_info"
	ClaimContained  = "claim_contained"
	BeneficiaryMBIs = "beneficiary_mbis"
	Rejects         = "rejects"
	FieldIssues     = "field_issues"
	ExportErrors    = "export_errors"
	Loads           = "loads"
	Runs            = "runs"
)

// lineage is appended to every table that holds data from an input file.
func lineage() []Column {
	return []Column{
		{Name: "load_id", Type: String, Required: true, Lineage: true, Description: "Load that wrote the row (see `loads`)."},
		{Name: "source_file", Type: String, Required: true, Lineage: true, Description: "Input file the row came from (base name)."},
		{Name: "source_line", Type: Int64, Required: true, Lineage: true, Description: "1-based line number in the input file."},
		sourceEntry(),
	}
}

// sourceEntry is the lineage column that tells the resources of a Bundle
// apart.
func sourceEntry() Column {
	return Column{Name: "source_entry", Type: Int64, Lineage: true, Description: "1-based position of the resource in the entry list of a FHIR Bundle (a searchset of EOBs, as BFD's and Blue Button's APIs return); NULL for a line that is one resource, as AB2D's NDJSON is."}
}

func withLineage(cols ...Column) []Column { return append(cols, lineage()...) }

func eobID() Column {
	return Column{Name: "eob_id", Type: String, Required: true, Description: "ExplanationOfBenefit resource id; joins to `claims.eob_id`.", R4: "id", STU3: "id", V3: "id, else identifier[type=C4BBIdentifierType#uc].value"}
}

// dict is a shorthand for a column's Dictionary list.
func dict(titles ...string) []string { return titles }

// numbered returns the dictionary titles "<prefix> 1" … "<prefix> n".
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i+1)
	}
	return out
}

// numberedAs returns the titles fmt.Sprintf(format, i) for i = 1 … n, e.g.
// "Diagnosis Code 1 Present On Admission".
func numberedAs(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i+1)
	}
	return out
}

// v3DiagnosisFields are the fields of the v3 migration dictionary that
// become rows of claim_diagnoses, their names followed by suffix ("" for
// the codes, " Version" for their code systems).
func v3DiagnosisFields(suffix string) []string {
	out := []string{"Principal Diagnosis Code" + suffix, "Admitting Diagnosis Code" + suffix, "External Diagnosis First Code" + suffix}
	out = append(out, numberedAs("Reason For Visit Diagnosis Code %d"+suffix, 3)...)
	out = append(out, numberedAs("Diagnosis Code %d"+suffix, 25)...)
	return append(out, numberedAs("External Diagnosis Code %d"+suffix, 12)...)
}

// diagnosisSections are the dictionary sections that become rows of
// claim_diagnoses.
func diagnosisSections() []string {
	out := []string{"Principal Diagnosis Code", "Admitting Diagnosis Code", "External Diagnosis First"}
	out = append(out, numbered("Reason For Visit Diagnosis Code", 3)...)
	out = append(out, numbered("Diagnosis Code", 25)...)
	return append(out, numbered("External Diagnosis", 12)...)
}

// Warehouse returns the catalog of the ab2d-etl warehouse.
func Warehouse() Catalog {
	return Catalog{
		Tables: []Table{
			{
				Name: Claims, Grain: "one ExplanationOfBenefit (one claim version)", Parquet: true, Merge: MergeByEOB,
				Description: "Claim header: one row per EOB. In DuckDB each eob_id appears once and a newer meta.lastUpdated replaces it. " +
					"AB2D v3 claims carry the same facts in the same columns (api_version says which API sent a row) and a few of their own (the columns after api_version); " +
					"v3 claims AB2D should not have sent are kept here with an excluded_reason, out of claims_current.",
				Columns: withLineage(
					Column{Name: "eob_id", Type: String, Required: true, Description: "ExplanationOfBenefit resource id (every row is a resourceType ExplanationOfBenefit); child tables join on it. v3: CLM_UNIQ_ID, as claim_id; an EOB without id (BFD's v3 samples) takes its `uc` identifier.", R4: "id", STU3: "id", Dictionary: dict("EOB Resource ID", "Resource Type"), V3: "id, else identifier[type=C4BBIdentifierType#uc].value", V3Fields: dict("EOB Resource ID", "Resource Type")},
					Column{Name: "claim_id", Type: String, Description: "CCW claim id (CLM_ID), one per claim version. v3: the IDR claim key CLM_UNIQ_ID (the migration dictionary's Claim ID), a scheme of its own: no v3 id equals the v1/v2 id of the same claim.", R4: "identifier[system=…/variables/clm_id].value", STU3: "identifier[system=…/variables/clm_id].value", Dictionary: dict("Claim ID"), V3: "identifier[type=C4BBIdentifierType#uc].value", V3Fields: dict("Claim ID")},
					Column{Name: "claim_group_id", Type: String, Description: "Claim group id (CLM_GRP_ID), stable across versions of a claim. The migration dictionary keeps it in v3, but no v3 sample carries one: NULL there (each v3 claim version is a claim of its own; see claims_current).", R4: "identifier[system=…/identifier/claim-group].value", STU3: "identifier[system=…/identifier/claim-group].value", Dictionary: dict("Claim Group Id"), V3: "identifier[system=…/identifier/claim-group].value", V3Fields: dict("Claim Group Id")},
					Column{Name: "status", Type: String, LowCardinality: true, Description: "Final action: `active` for the current version, `cancelled` for superseded ones. v3 sends `active` always; its final action is final_action.", R4: "status", STU3: "status", Dictionary: dict("Final Action"), V3: "status (always active: see final_action)"},
					Column{Name: "claim_type", Type: String, LowCardinality: true, Description: "Claim type from the eob-type coding: CARRIER, DME, HHA, HOSPICE, INPATIENT, OUTPATIENT, SNF (PDE for raw BFD data). v3: the EOB-TYPE coding (the migration dictionary's Claim Stream, the same codes); when a v3 claim has none (AB2D's older samples), the type its CLM-TYPE-CD stands for (10 HHA, 20 and 30 SNF, 40 OUTPATIENT, 50 HOSPICE, 60 and 61 INPATIENT, 71 and 72 CARRIER, 81 and 82 DME, 1 to 4 PDE).", R4: "type.coding[system=…/codesystem/eob-type].code", STU3: "type.coding[system=…/codesystem/eob-type].code", V3: "type.coding[system=…fhir/CodeSystem/EOB-TYPE].code, else derived from CLM-TYPE-CD", V3Fields: dict("Claim Stream")},
					Column{Name: "claim_type_code", Type: String, LowCardinality: true, Description: "NCH claim type code (NCH_CLM_TYPE_CD), e.g. 71 carrier, 60 inpatient. v3: CLM-TYPE-CD, the same NCH codes, plus 1 to 4 for Part D events and four digits for shared-system claims (e.g. 2700 MCS carrier, 1800 VMS DME).", R4: "type.coding[system=…/variables/nch_clm_type_cd].code", STU3: "type.coding[system=…/variables/nch_clm_type_cd].code", Dictionary: dict("Claim Type Code"), V3: "type.coding[system=…fhir/CodeSystem/CLM-TYPE-CD].code", V3Fields: dict("Claim Type Code")},
					Column{Name: "claim_type_display", Type: String, LowCardinality: true, Description: "Display of the NCH claim type code, e.g. `Inpatient claim` (v3: `MEDICARE INPATIENT CLAIM`).", R4: "type.coding[system=…/variables/nch_clm_type_cd].display", STU3: "type.coding[system=…/variables/nch_clm_type_cd].display", Dictionary: dict("Claim Type Code"), V3: "type.coding[system=…fhir/CodeSystem/CLM-TYPE-CD].display", V3Fields: dict("Claim Type Code")},
					Column{Name: "claim_sub_type", Type: String, LowCardinality: true, Description: "C4BB institutional claim sub type (inpatient, outpatient); rule-based, R4 and v3 only.", R4: "subType.coding.code", Dictionary: dict("Claim Sub Type"), V3: "subType.coding.code", V3Fields: dict("Claim Sub Type")},
					Column{Name: "near_line_record_code", Type: String, LowCardinality: true, Description: "Near line record identification code (NCH_NEAR_LINE_REC_IDENT_CD), e.g. O, M, V, W.", R4: "extension[url=…/variables/nch_near_line_rec_ident_cd].valueCoding.code", STU3: "type.coding[system=…/variables/nch_near_line_rec_ident_cd].code", Dictionary: dict("Near Line Record Identification Code"), V3: "supportingInfo[code.coding.system=…fhir/CodeSystem/CLM-NRLN-RIC-CD].code.coding.code", V3Fields: dict("Near Line Record Identification Code")},
					Column{Name: "service_classification_code", Type: String, LowCardinality: true, Description: "Claim service classification type code (CLM_SRVC_CLSFCTN_TYPE_CD) of institutional claims.", R4: "extension[url=…/variables/clm_srvc_clsfctn_type_cd].valueCoding.code", STU3: "type.coding[system=…/variables/clm_srvc_clsfctn_type_cd].code", V3: "supportingInfo[category=typeofbill].code.coding[system=…fhir/CodeSystem/CLM-BILL-CLSFCTN-CD].code"},
					Column{Name: "beneficiary_id", Type: String, Description: "CCW beneficiary id (BENE_ID): patient.reference without `Patient/`. NULL in v3, which removed it (its patient is beneficiary_source_key, another scheme; the MBI is what both carry).", R4: "patient.reference", STU3: "patient.reference", Dictionary: dict("Beneficiary Id"), V3Fields: dict("Beneficiary Id")},
					Column{Name: "mbi", Type: String, Description: "Current Medicare Beneficiary Identifier, from the MBI extension AB2D adds (v3 adds the current one only).", R4: "extension[url=…elementdefinition-identifier].valueIdentifier[currency=current].value", STU3: "extension[url=…elementdefinition-identifier].valueIdentifier[currency=current].value", Dictionary: dict("Medicare Beneficiary Identifier (Current)"), V3: "extension[url=…elementdefinition-identifier].valueIdentifier[currency=current].value", V3Fields: dict("Medicare Beneficiary Identifier (Current)")},
					Column{Name: "billable_period_start", Type: Date, Description: "Claim from date (CLM_FROM_DT).", R4: "billablePeriod.start", STU3: "billablePeriod.start", Dictionary: dict("Claim Period"), V3: "billablePeriod.start", V3Fields: dict("Claim From Date")},
					Column{Name: "billable_period_end", Type: Date, Description: "Claim through date (CLM_THRU_DT).", R4: "billablePeriod.end", STU3: "billablePeriod.end", Dictionary: dict("Claim Period"), V3: "billablePeriod.end", V3Fields: dict("Through Date")},
					Column{Name: "claim_query_code", Type: String, LowCardinality: true, Description: "Claim query code (CLAIM_QUERY_CODE): debit/credit and interim/final indicator, e.g. 3 final bill.", R4: "billablePeriod.extension[url=…/variables/claim_query_cd].valueCoding.code", STU3: "billablePeriod.extension[url=…/variables/claim_query_cd].valueCoding.code", Dictionary: dict("Claim Period"), V3: "billablePeriod.extension[url=…fhir/StructureDefinition/CLM-QUERY-CD].valueCoding.code | supportingInfo[category=…fhir/CodeSystem/Supporting-Information#CLM_QUERY_CD].code.coding.code", V3Fields: dict("Claim Query Code")},
					Column{Name: "last_updated", Type: Timestamp, Description: "meta.lastUpdated: when the EOB last changed upstream. Null when absent or unparseable.", R4: "meta.lastUpdated", STU3: "meta.lastUpdated", Dictionary: dict("EOB Resource Last Updated Date"), V3: "meta.lastUpdated", V3Fields: dict("EOB Resource Last Updated Date")},
					Column{Name: "profile", Type: String, LowCardinality: true, Description: "Profiles the resource claims to conform to (meta.profile, comma-separated), e.g. the C4BB EOB profile.", R4: "meta.profile", STU3: "meta.profile", Dictionary: dict("EOB Resource Last Updated Date"), V3: "meta.profile", V3Fields: dict("EOB Resource Profile")},
					Column{Name: "fhir_version", Type: String, Required: true, LowCardinality: true, Description: "`R4` (AB2D v2 and v3) or `STU3` (AB2D v1), detected per resource (see api_version)."},
					Column{Name: "principal_diagnosis_code", Type: String, Description: "ICD code of the diagnosis typed `principal` (all diagnoses are rows of `claim_diagnoses`), without a dot as in claim_diagnoses.code.", R4: "diagnosis[type=principal].diagnosisCodeableConcept.coding.code", STU3: "diagnosis[type=principal].diagnosisCodeableConcept.coding.code", Dictionary: dict("Principal Diagnosis Code"), V3: "diagnosis[type=principal].diagnosisCodeableConcept.coding.code, without its dot", V3Fields: dict("Principal Diagnosis Code")},
					Column{Name: "admitting_diagnosis_code", Type: String, Description: "ICD code of the diagnosis typed `admitting` (ADMTG_DGNS_CD).", R4: "diagnosis[type=admitting].diagnosisCodeableConcept.coding.code", STU3: "diagnosis[type=admitting].diagnosisCodeableConcept.coding.code", Dictionary: dict("Admitting Diagnosis Code"), V3: "diagnosis[type=admitting].diagnosisCodeableConcept.coding.code, without its dot", V3Fields: dict("Admitting Diagnosis Code")},
					Column{Name: "drg_code", Type: String, Description: "Diagnosis related group (CLM_DRG_CD).", R4: "supportingInfo[code.coding.system=…/clm_drg_cd].code.coding.code", STU3: "diagnosis.packageCode.coding[system=…/clm_drg_cd].code", Dictionary: dict("Related Diagnosis Group Code"), V3: "supportingInfo[category=C4BB drg].code.coding[system=https://www.cms.gov/…/MS-DRG-Classifications-and-Software].code", V3Fields: dict("Related Diagnosis Group Code")},
					Column{Name: "facility_type_code", Type: String, LowCardinality: true, Description: "Claim facility type code (CLM_FAC_TYPE_CD).", R4: "facility.extension[url=…/clm_fac_type_cd].valueCoding.code", STU3: "facility.extension[url=…/clm_fac_type_cd].valueCoding.code", Dictionary: dict("Claim Facility Type Code"), V3: "supportingInfo[category=typeofbill].code.coding[system=…fhir/CodeSystem/CLM-BILL-FAC-TYPE-CD].code", V3Fields: dict("Claim Facility Type Code")},
					Column{Name: "facility_type_display", Type: String, LowCardinality: true, Description: "Display of the facility type code, e.g. `Hospital`.", R4: "facility.extension[url=…/clm_fac_type_cd].valueCoding.display", STU3: "facility.extension[url=…/clm_fac_type_cd].valueCoding.display", Dictionary: dict("Claim Facility Type Code"), V3: "supportingInfo[category=typeofbill].code.coding[system=…fhir/CodeSystem/CLM-BILL-FAC-TYPE-CD].display", V3Fields: dict("Claim Facility Type Code")},
					Column{Name: "provider_id", Type: String, Description: "Billing provider identifier: CMS certification number (PRVDR_NUM) on institutional claims, billing NPI on others. v3: the NPI of the contained Organization or Practitioner `provider` references (the billing provider: institution, carrier group, DME supplier); the resource itself is a claim_contained row.", R4: "provider.identifier.value", STU3: "provider.identifier.value", V3: "contained[id=provider.reference].identifier[system=…/sid/us-npi, else the first].value", V3Fields: dict("Provider NPI")},
					Column{Name: "provider_id_system", Type: String, LowCardinality: true, Description: "System of provider_id, e.g. …/variables/prvdr_num or …/sid/us-npi.", R4: "provider.identifier.system", STU3: "provider.identifier.system", V3: "contained[id=provider.reference].identifier[system=…/sid/us-npi, else the first].system"},
					Column{Name: "organization_npi", Type: String, Description: "NPI of the organization or group practice (ORG_NPI_NUM). v3: the billing provider's NPI (provider_id), on every claim type but DME, whose provider is the supplier (see rendering_npi).", R4: "careTeam[role=primary].provider.identifier[npi].value", STU3: "careTeam.extension[url=…/sid/us-npi].valueCoding.code, else organization.identifier[system=…/sid/us-npi].value", Dictionary: dict("Organization NPI"), V3: "contained[id=provider.reference].identifier[npi].value, but on DME claims", V3Fields: dict("Organization NPI")},
					Column{Name: "attending_npi", Type: String, Description: "NPI of the care-team member with role attending.", R4: "careTeam[role=attending].provider.identifier.value", STU3: "careTeam[role=primary, not linked from an item; institutional claims].provider.identifier.value", Dictionary: dict("Attending Physician NPI"), V3: "careTeam[role=attending].provider.identifier.value | contained[id=careTeam.provider.reference].identifier[npi].value", V3Fields: dict("Attending Physician NPI")},
					Column{Name: "attending_upin", Type: String, Description: "UPIN of the care-team member with role attending (AT_PHYSN_UPIN). NULL in v3, which removed UPINs.", R4: "careTeam[role=attending, identifier type UPIN].provider.identifier.value", STU3: "careTeam[role=primary, identifier system *upin*, not linked from an item].provider.identifier.value", Dictionary: dict("Attending Physician UPIN"), V3Fields: dict("Attending Physician UPIN")},
					Column{Name: "operating_npi", Type: String, Description: "NPI of the care-team member with role operating.", R4: "careTeam[role=operating].provider.identifier.value", STU3: "careTeam[role=assist].provider.identifier.value", Dictionary: dict("Operating Physician NPI"), V3: "careTeam[role=operating].provider.identifier.value | contained[id=careTeam.provider.reference].identifier[npi].value", V3Fields: dict("Operating Physician NPI")},
					Column{Name: "operating_upin", Type: String, Description: "UPIN of the care-team member with role operating (OP_PHYSN_UPIN). NULL in v3, which removed UPINs.", R4: "careTeam[role=operating, identifier type UPIN].provider.identifier.value", STU3: "careTeam[role=assist, identifier system *upin*].provider.identifier.value", Dictionary: dict("Operating Physician UPIN"), V3Fields: dict("Operating Physician UPIN")},
					Column{Name: "other_npi", Type: String, Description: "NPI of the other physician (OT_PHYSN_NPI).", R4: "careTeam[role=otheroperating].provider.identifier.value", STU3: "careTeam[role=other].provider.identifier.value", Dictionary: dict("Other Physician NPI"), V3: "careTeam[role=otheroperating|supervisor].provider.identifier.value | contained[id=careTeam.provider.reference].identifier[npi].value", V3Fields: dict("Other Physician NPI")},
					Column{Name: "other_upin", Type: String, Description: "UPIN of the other physician (OT_PHYSN_UPIN). NULL in v3, which removed UPINs.", R4: "careTeam[role=otheroperating, identifier type UPIN].provider.identifier.value", STU3: "careTeam[role=other, identifier system *upin*].provider.identifier.value", Dictionary: dict("Other Physician UPIN"), V3Fields: dict("Other Physician UPIN")},
					Column{Name: "rendering_npi", Type: String, Description: "NPI of the rendering/performing provider (role performing or rendering). v3 DME claims have no such member: their supplier (PRVDR_NPI) is the billing provider, whose NPI this is then, as v1/v2 give the supplier as the performing member.", R4: "careTeam[role=performing|rendering].provider.identifier.value", STU3: "careTeam[role=primary|performing, linked from an item on institutional claims].provider.identifier.value", Dictionary: dict("Rendering Physician NPI", "Performing/Provider Physician"), V3: "careTeam[role=rendering|performing].provider.identifier.value | contained[id=careTeam.provider.reference].identifier[npi].value; DME: contained[id=provider.reference].identifier[npi].value", V3Fields: dict("Rendering Physician NPI", "Performing Physician NPI")},
					Column{Name: "rendering_upin", Type: String, Description: "UPIN of the rendering/performing provider (RNDRNG_PHYSN_UPIN). NULL in v3, which removed UPINs.", R4: "careTeam[role=performing|rendering, identifier type UPIN].provider.identifier.value", STU3: "careTeam[role=primary|performing, identifier system *upin*].provider.identifier.value", Dictionary: dict("Rendering Physician UPIN"), V3Fields: dict("Rendering Physician UPIN", "Performing Physician UPIN")},
					Column{Name: "referring_npi", Type: String, Description: "NPI of the referring provider (first care-team member with role referring).", R4: "careTeam[role=referring].provider.identifier.value", STU3: "careTeam[role=referring].provider.identifier.value (BFD v1 puts it in EOB.referral, which AB2D strips: usually NULL)", Dictionary: dict("Referring Provider Id Number"), V3: "careTeam[role=referring].provider.identifier.value | contained[id=careTeam.provider.reference].identifier[npi].value", V3Fields: dict("Referring Provider Id Number")},
					Column{Name: "api_version", Type: String, Required: true, LowCardinality: true, Description: "AB2D API version whose shape the resource has, detected per resource: `v1` (FHIR STU3), `v2` (FHIR R4) or `v3` (FHIR R4 with CARIN Blue Button 2.x profiles and the code systems of CMS's IDR). " +
						"NULL for rows loaded before the column existed (v1 or v2)."},
					Column{Name: "claim_control_number", Type: String, Description: "Claim control number (CLM_CNTL_NUM; CARR_CLM_CNTL_NUM or FI_DOC_CLM_CNTL_NUM in the CCW), comma-separated when there are several (Part D). " +
						"v3 only: AB2D's v2 export never sends it; v1 sends it as an extension, a claim_extensions row (url …/carr_clm_cntl_num or …/fi_doc_clm_cntl_num).", V3: "identifier[system=https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM].value", V3Fields: dict("Claim Control number")},
					Column{Name: "beneficiary_source_key", Type: String, Description: "IDR beneficiary key BENE_SK, v3's patient id: patient.reference without `Patient/`. A scheme of its own, unrelated to the CCW beneficiary_id of v1/v2 rows (NULL here for them).", V3: "patient.reference", V3Fields: dict("Beneficiary Source Key")},
					Column{Name: "claim_effective_date", Type: Date, Description: "Claim effective date: the NCH weekly processing date (a Friday) that identifies this version of the claim. v3 only (NULL for v1/v2 rows: AB2D's v1/v2 exports drop `created`).", V3: "created", V3Fields: dict("Claim Effective Date")},
					Column{Name: "outcome", Type: String, LowCardinality: true, Description: "Derived outcome of the claim processing: `complete`, `partial`, `queued`, `error`. v3 only (NULL for v1/v2 rows).", V3: "outcome", V3Fields: dict("Derived Outcome")},
					Column{Name: "claim_use", Type: String, LowCardinality: true, Description: "What the EOB is for: `claim` (FHIR use). v3 only (NULL for v1/v2 rows).", V3: "use"},
					Column{Name: "insurance_coverage", Type: String, LowCardinality: true, Description: "The Medicare coverage the claim was paid under, as v3 names it: `Part A`, `Part B`, `Part D`, …. v3 only (NULL for v1/v2 rows).", V3: "insurance[focal=true].coverage.display"},
					Column{Name: "claim_source", Type: String, LowCardinality: true, Description: "Source system of the claim: `NCH` (National Claims History, what AB2D exports), the shared systems `FISS`, `MCS`, `VMS`, or `DDPS` (Part D). v3 only (NULL for v1/v2 rows, which are all NCH).", V3: "meta.source", V3Fields: dict("Claim Source ID")},
					Column{Name: "claim_system_type", Type: String, LowCardinality: true, Description: "Category of the source system: `NationalClaimsHistory`, `SharedSystem` or `DDPS`. v3 only (NULL for v1/v2 rows).", V3: "meta.tag[system=…fhir/CodeSystem/System-Type].code", V3Fields: dict("Claim System Type")},
					Column{Name: "final_action", Type: String, LowCardinality: true, Description: "Final action of a v3 claim: `FinalAction` (the version in force) or `NotFinalAction`. v3 only: v1/v2 rows say it in status (active or cancelled).", V3: "meta.tag[system=…fhir/CodeSystem/Final-Action].code", V3Fields: dict("Final Action")},
					Column{Name: "excluded_reason", Type: String, LowCardinality: true, Description: "Why the claim is kept out of claims_current, comma-separated when several: `part_d` (CLM-TYPE-CD 1 to 4, EOB-TYPE PDE or source DDPS), " +
						"`shared_system` (source FISS, MCS or VMS, or the System-Type tag SharedSystem), `not_final_action` (Final-Action tag NotFinalAction). NULL for the claims it counts. " +
						"AB2D asks BFD for final-action NCH claims only, but its Part D filter cannot match v3 codes; such claims stay visible here. Set on v3 claims only (NULL for v1/v2 rows, whose PDE events raw BFD data may hold count as before)."},
					Column{Name: "claim_category", Type: String, LowCardinality: true, Description: "The claim's category in FHIR's claim-type vocabulary: institutional, professional, pharmacy, … (the C4BB claim form; BFD v2 labels DME claims institutional and HHA claims professional).", R4: "type.coding[system=http://terminology.hl7.org/CodeSystem/claim-type].code", STU3: "type.coding[system=http://hl7.org/fhir/ex-claimtype].code", V3: "type.coding[system=http://terminology.hl7.org/CodeSystem/claim-type].code"},
				),
			},
			{
				Name: ClaimLines, Grain: "one EOB item (claim line)", Parquet: true, Merge: MergeByEOB,
				Description: "Claim lines: one row per EOB item.",
				Columns: withLineage(
					eobID(),
					Column{Name: "line_number", Type: Int64, Description: "Line number (item.sequence): CLM_LINE_NUM on institutional and carrier claims, LINE_NUM on carrier and DME claims. NULL only when the item's sequence is not an integer (see field_issues).", R4: "item.sequence", STU3: "item.sequence", Dictionary: dict("Claim Line Number", "Line Number"), V3: "item.sequence", V3Fields: dict("Claim Line Number", "Line Number")},
					Column{Name: "hcpcs_code", Type: String, Description: "HCPCS/CPT code of the service.", R4: "item.productOrService.coding[system=…hcpcs].code", STU3: "item.service.coding[system=…hcpcs].code", Dictionary: dict("Product or Service", "Item Service"), V3: "item.productOrService.coding[system=https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets|http://www.ama-assn.org/go/cpt].code", V3Fields: dict("HCPCS Code")},
					Column{Name: "revenue_center_code", Type: String, LowCardinality: true, Description: "Revenue center code (REV_CNTR) of institutional lines.", R4: "item.revenue.coding.code", STU3: "item.revenue.coding.code", V3: "item.revenue.coding.code"},
					Column{Name: "service_date", Type: Date, Description: "Revenue center date (single-day service).", R4: "item.servicedDate", STU3: "item.servicedDate", Dictionary: dict("Revenue Center Date", "Expense Date"), V3: "item.servicedDate", V3Fields: dict("Revenue Center Date")},
					Column{Name: "service_start", Type: Date, Description: "First expense date.", R4: "item.servicedPeriod.start", STU3: "item.servicedPeriod.start", Dictionary: dict("Expense Date"), V3: "item.servicedPeriod.start", V3Fields: dict("First Expense Date")},
					Column{Name: "service_end", Type: Date, Description: "Last expense date.", R4: "item.servicedPeriod.end", STU3: "item.servicedPeriod.end", Dictionary: dict("Expense Date"), V3: "item.servicedPeriod.end", V3Fields: dict("Last Expense Date")},
					Column{Name: "place_of_service", Type: String, LowCardinality: true, Description: "Place of service code (LINE_PLACE_OF_SRVC_CD).", R4: "item.locationCodeableConcept.coding[system=…/line_place_of_srvc_cd].code", STU3: "item.locationCodeableConcept.coding[system=…/line_place_of_srvc_cd].code", Dictionary: dict("Provider Location"), V3: "item.locationCodeableConcept.coding[system=https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set].code", V3Fields: dict("Place Of Service Code")},
					Column{Name: "place_of_service_display", Type: String, LowCardinality: true, Description: "Display of the place of service code.", R4: "item.locationCodeableConcept.coding[system=…/line_place_of_srvc_cd].display", STU3: "item.locationCodeableConcept.coding[system=…/line_place_of_srvc_cd].display", Dictionary: dict("Provider Location"), V3: "item.locationCodeableConcept.coding[system=https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set].display", V3Fields: dict("Place Of Service Code")},
					Column{Name: "provider_state_code", Type: String, LowCardinality: true, Description: "Provider state code (PRVDR_STATE_CD). NULL in v3, which removed it.", R4: "item.locationCodeableConcept.extension[url=…/prvdr_state_cd].valueCoding.code | item.locationAddress.state", STU3: "item.locationCodeableConcept.extension[url=…/prvdr_state_cd].valueCoding.code | item.locationAddress.state", Dictionary: dict("Provider Location", "Provider State Code"), V3Fields: dict("Provider State Code")},
					Column{Name: "provider_zip_code", Type: String, Description: "Provider ZIP code (PRVDR_ZIP). v3 has one per claim, the billing provider's address, given on each line.", R4: "item.locationCodeableConcept.extension[url=…/prvdr_zip].valueCoding.code", STU3: "item.locationCodeableConcept.extension[url=…/prvdr_zip].valueCoding.code", Dictionary: dict("Provider Location"), V3: "contained[id=provider.reference].address.postalCode (the billing provider, on each line)", V3Fields: dict("Provider Zip Code")},
					Column{Name: "pricing_locality_code", Type: String, LowCardinality: true, Description: "Carrier line pricing locality code (CARR_LINE_PRCNG_LCLTY_CD).", R4: "item.locationCodeableConcept.extension[url=…/carr_line_prcng_lclty_cd].valueCoding.code", STU3: "item.locationCodeableConcept.extension[url=…/carr_line_prcng_lclty_cd].valueCoding.code", Dictionary: dict("Provider Location"), V3: "item.extension[url=…fhir/StructureDefinition/CLM-PRCNG-LCLTY-CD].valueCoding.code (not DME)", V3Fields: dict("Line Pricing Locality Code")},
					Column{Name: "clia_lab_number", Type: String, Description: "CLIA lab number (CARR_LINE_CLIA_LAB_NUM).", R4: "item.locationCodeableConcept.extension[url=…/carr_line_clia_lab_num].valueIdentifier.value", STU3: "item.locationCodeableConcept.extension[url=…/carr_line_clia_lab_num].valueIdentifier.value", Dictionary: dict("Provider Location"), V3: "contained[id=supportingInfo[sequence in item.informationSequence].valueReference.reference].performer.identifier.value", V3Fields: dict("CLIA Lab Number")},
					Column{Name: "supplier_type_code", Type: String, LowCardinality: true, Description: "DME supplier type code (DMERC_LINE_SUPPLR_TYPE_CD).", R4: "item.extension[url=…/dmerc_line_supplr_type_cd].valueCoding.code", STU3: "item.locationCodeableConcept.extension[url=…/dmerc_line_supplr_type_cd].valueCoding.code", Dictionary: dict("Supplier Type Code", "Provider Location"), V3: "item.extension[url=…fhir/StructureDefinition/CLM-PRVDR-TYPE-CD].valueCoding.code (DME)", V3Fields: dict("Supplier Type Code")},
					Column{Name: "pricing_state_code", Type: String, LowCardinality: true, Description: "DME pricing state code (DMERC_LINE_PRCNG_STATE_CD).", R4: "item.extension[url=…/dmerc_line_prcng_state_cd].valueCoding.code", STU3: "item.locationCodeableConcept.extension[url=…/dmerc_line_prcng_state_cd].valueCoding.code", Dictionary: dict("Pricing State Code", "Provider Location"), V3: "item.extension[url=…fhir/StructureDefinition/CLM-PRCNG-LCLTY-CD].valueCoding.code (DME)", V3Fields: dict("Pricing State Code")},
					Column{Name: "quantity", Type: Float64, Description: "item.quantity.value: service count (LINE_SRVC_CNT) on carrier and DME lines, revenue center unit count on STU3 institutional lines and NDC quantity (see ndc_quantity) on R4 institutional lines.", R4: "item.quantity.value", STU3: "item.quantity.value", Dictionary: dict("Service Count"), V3: "item.quantity.value", V3Fields: dict("Service Count")},
					Column{Name: "anesthesia_unit_count", Type: Float64, Description: "Anesthesia unit count (CARR_LINE_ANSTHSA_UNIT_CNT).", R4: "item.extension[url=…/carr_line_ansthsa_unit_cnt].valueQuantity.value", STU3: "item.service.extension[url=…/carr_line_ansthsa_unit_cnt].valueQuantity.value", Dictionary: dict("Anesthesia Unit Count", "Item Service"), V3: "item.extension[url=…fhir/StructureDefinition/CLM-LINE-ANSTHSA-UNIT-CNT].valueDecimal", V3Fields: dict("Anesthesia Unit Count")},
					Column{Name: "ndc_code", Type: String, Description: "National Drug Code of the line (LINE_NDC_CD, REV_CNTR_IDE_NDC_UPC_NUM).", R4: "item.productOrService.extension[url=…/sid/ndc].valueCoding.code", STU3: "item.extension[url=…/sid/ndc].valueCoding.code | item.service.extension[url=…/sid/ndc or …/rev_cntr_ide_ndc_upc_num].valueCoding.code", Dictionary: dict("Product or Service", "Line National Drug Code"), V3: "item.detail.productOrService.coding[system=…/sid/ndc].code", V3Fields: dict("Line National Drug Code", "Revenue Center National Drug Code")},
					Column{Name: "ndc_quantity", Type: Float64, Description: "Revenue center NDC quantity (REV_CNTR_NDC_QTY). v3 puts it in item.detail with the NDC (item.quantity is the unit count there), which AB2D's v3 export removes.", R4: "item.quantity.value (institutional claims)", STU3: "item.extension[url=…/rev_cntr_ndc_qty].valueQuantity.value", Dictionary: dict("Revenue Center National Drug Code Quantity"), V3: "item.detail[productOrService is an NDC].quantity.value", V3Fields: dict("Revenue Center National Drug Code Quantity")},
					Column{Name: "ndc_quantity_unit", Type: String, LowCardinality: true, Description: "Unit qualifier of ndc_quantity (REV_CNTR_NDC_QTY_QLFR_CD), e.g. GR, ML, UN.", R4: "item.modifier.coding[system=…/rev_cntr_ndc_qty_qlfr_cd].code, else [system=http://unitsofmeasure.org].code (institutional claims)", STU3: "item.extension[url=…/rev_cntr_ndc_qty].valueQuantity.code", Dictionary: dict("Revenue Center National Drug Code Quantity"), V3: "item.detail[productOrService is an NDC].quantity.code"},
					Column{Name: "rendering_npi", Type: String, Description: "NPI of the line's rendering/performing care-team member, via the line's care-team link (v3 DME lines: the supplier, see claims.rendering_npi).", R4: "careTeam[sequence in item.careTeamSequence].provider.identifier.value", STU3: "careTeam[sequence in item.careTeamLinkId].provider.identifier.value", Dictionary: dict("Rendering Physician NPI"), V3: "careTeam[sequence in item.careTeamSequence].provider.identifier.value; DME: the claim provider's NPI", V3Fields: dict("Rendering Physician NPI")},
					Column{Name: "care_team_sequences", Type: String, Description: "careTeam sequences the line links to, comma-separated; join to `claim_care_team.sequence`.", R4: "item.careTeamSequence", STU3: "item.careTeamLinkId", Dictionary: dict("Line Item Care Team Link Ids"), V3: "item.careTeamSequence"},
					Column{Name: "diagnosis_sequences", Type: String, Description: "Diagnosis sequences the line points to (LINE_ICD_DGNS_CD), comma-separated; join to `claim_diagnoses.sequence`.", R4: "item.diagnosisSequence", STU3: "item.diagnosisLinkId", Dictionary: dict("Line Item Diagnosis Code"), V3: "item.diagnosisSequence", V3Fields: dict("Line Item Diagnosis Code")},
				),
			},
			{
				Name: ClaimDiagnoses, Grain: "one EOB diagnosis", Parquet: true, Merge: MergeByEOB,
				Description: "Diagnoses: one row per EOB diagnosis entry that carries a code (numbered diagnosis fields become rows).",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Description: "diagnosis.sequence, as the source numbers it (NULL only when it is not an integer, see field_issues): on STU3 claims with a DRG one higher than on R4 (BFD v1 lists the DRG first, as a diagnosis with only a packageCode); `claim_lines.diagnosis_sequences` refer to it. See diagnosis_number.", R4: "diagnosis.sequence", STU3: "diagnosis.sequence", Dictionary: diagnosisSections(), V3: "diagnosis.sequence"},
					Column{Name: "diagnosis_number", Type: Int64, Description: "Version-independent number of the diagnosis: its 1-based position among the EOB's diagnoses that carry a code (not counting the STU3 DRG entry), the same in R4 and STU3."},
					Column{Name: "code", Type: String, Description: "Diagnosis code (ICD-10-CM or ICD-9-CM) in the CCW form, without a dot: v3 sends ICD codes with their dot (E11.9), v1 and v2 without (E119); the dot is dropped so that codes join and compare across versions (`code LIKE 'E11%'`). The codes table keeps the codings as sent.", R4: "diagnosis.diagnosisCodeableConcept.coding.code", STU3: "diagnosis.diagnosisCodeableConcept.coding.code", Dictionary: diagnosisSections(), V3: "diagnosis.diagnosisCodeableConcept.coding.code, without its dot", V3Fields: v3DiagnosisFields("")},
					Column{Name: "code_system", Type: String, LowCardinality: true, Description: "Code system URI of the code: the ICD version of the dictionary's `… Version` fields.", R4: "diagnosis.diagnosisCodeableConcept.coding.system", STU3: "diagnosis.diagnosisCodeableConcept.coding.system", Dictionary: diagnosisSections(), V3: "diagnosis.diagnosisCodeableConcept.coding.system", V3Fields: v3DiagnosisFields(" Version")},
					Column{Name: "diagnosis_type", Type: String, LowCardinality: true, Description: "Diagnosis type codes as the source gives them (principal, admitting, other, reason-for-visit / patientreasonforvisit, external-first, external / externalcauseofinjury, …), comma-separated when several. See diagnosis_role.", R4: "diagnosis.type.coding.code", STU3: "diagnosis.type.coding.code", Dictionary: diagnosisSections(), V3: "diagnosis.type.coding.code", V3Fields: dict("Diagnosis Type Code")},
					Column{Name: "diagnosis_role", Type: String, LowCardinality: true, Description: "Version-independent role of the diagnosis, mapped from diagnosis_type: " +
						"`principal` (principal); `admitting` (admitting); `secondary` (R4 C4BB other and secondary, STU3 other, or no type: BFD v1 leaves most other diagnoses untyped); " +
						"`external_cause` (R4 externalcauseofinjury, STU3 external-first and external); `reason_for_visit` (R4 patientreasonforvisit, STU3 reason-for-visit). " +
						"Comma-separated in that order when a diagnosis has several, e.g. `principal,admitting` (BFD v1 makes one diagnosis of an admitting diagnosis equal to the principal one; BFD v2 keeps two); " +
						"codes not listed here are kept as they are, after the roles. BFD v2 types the admitting diagnosis of SNF claims `other`, so it is `secondary` in R4 SNF claims."},
					Column{Name: "present_on_admission", Type: String, LowCardinality: true, Description: "Present-on-admission flag (Y, N, U, W, 1).", R4: "diagnosis.onAdmission.coding.code | diagnosis.extension[url=…/clm_poa_ind_sw*].valueCoding.code", STU3: "diagnosis.extension[url=…/clm_poa_ind_sw*].valueCoding.code", Dictionary: append(numbered("Diagnosis Code", 25), numbered("External Diagnosis", 12)...), V3: "diagnosis.onAdmission.coding.code", V3Fields: append(numberedAs("Diagnosis Code %d Present On Admission", 25), numberedAs("External Diagnosis Code %d Present On Admission", 12)...)},
				),
			},
			{
				Name: ClaimProcedures, Grain: "one EOB procedure", Parquet: true, Merge: MergeByEOB,
				Description: "ICD procedures: one row per EOB procedure entry.",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Description: "procedure.sequence (NULL only when it is not an integer, see field_issues).", R4: "procedure.sequence", STU3: "procedure.sequence", Dictionary: numbered("Procedure Code", 25), V3: "procedure.sequence"},
					Column{Name: "code", Type: String, Description: "Procedure code (ICD-10-PCS or ICD-9).", R4: "procedure.procedureCodeableConcept.coding.code", STU3: "procedure.procedureCodeableConcept.coding.code", Dictionary: numbered("Procedure Code", 25), V3: "procedure.procedureCodeableConcept.coding.code", V3Fields: numberedAs("Procedure Code %d", 25)},
					Column{Name: "code_system", Type: String, LowCardinality: true, Description: "Code system URI of the code (the procedure code version).", R4: "procedure.procedureCodeableConcept.coding.system", STU3: "procedure.procedureCodeableConcept.coding.system", Dictionary: numbered("Procedure Code", 25), V3: "procedure.procedureCodeableConcept.coding.system", V3Fields: numberedAs("Procedure Code %d Version", 25)},
					Column{Name: "procedure_date", Type: Date, Description: "Date of the procedure.", R4: "procedure.date", STU3: "procedure.date", Dictionary: numbered("Procedure Code", 25), V3: "procedure.date", V3Fields: numberedAs("Procedure Code %d Date", 25)},
				),
			},
			{
				Name: ClaimCareTeam, Grain: "one EOB careTeam member", Parquet: true, Merge: MergeByEOB,
				Description: "Care team: one row per careTeam entry (NPIs and UPINs of attending, operating, rendering, referring… providers).",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Description: "careTeam.sequence (NULL only when it is not an integer, see field_issues).", R4: "careTeam.sequence", STU3: "careTeam.sequence", Dictionary: dict("Line Item Care Team Link Ids"), V3: "careTeam.sequence"},
					Column{Name: "provider_id", Type: String, Description: "Provider identifier value (NPI, UPIN, …).", R4: "careTeam.provider.identifier.value", STU3: "careTeam.provider.identifier.value", Dictionary: dict("Performing/Provider Physician"), V3: "careTeam.provider.identifier.value | contained[id=careTeam.provider.reference].identifier[npi, else the first].value"},
					Column{Name: "provider_id_type", Type: String, LowCardinality: true, Description: "Kind of identifier: npi, upin, or the raw system when unknown.", R4: "careTeam.provider.identifier.type.coding.code", STU3: "careTeam.provider.identifier.system", V3: "careTeam.provider.identifier.type.coding.code (v2-0203 NPI)"},
					Column{Name: "role", Type: String, LowCardinality: true, Description: "Care-team role code (attending, operating, performing, referring, primary, assist, …).", R4: "careTeam.role.coding.code", STU3: "careTeam.role.coding.code", V3: "careTeam.role.coding.code"},
					Column{Name: "role_display", Type: String, LowCardinality: true, Description: "Display of the role code, e.g. `Performing provider`.", R4: "careTeam.role.coding.display", STU3: "careTeam.role.coding.display", V3: "careTeam.role.coding.display"},
					Column{Name: "role_normalized", Type: String, LowCardinality: true, Description: "Version-independent role, by the rules that fill the NPI columns of `claims`: " +
						"`attending`; `operating` (R4 operating, STU3 assist); `other` (R4 otheroperating, STU3 other); `referring`; " +
						"`rendering` (R4 performing or rendering; STU3 performing, and primary on carrier, DME and PDE claims or, on institutional claims, when an item links to the member); " +
						"`organization` (R4 primary: the carrier organization, which STU3 carries as an extension, see claims.organization_npi). " +
						"On STU3 institutional claims a primary member no item links to is `attending`; when an item links to every primary member, the first is `attending,rendering` " +
						"(BFD v1 makes one member of an attending who also renders lines; BFD v2 keeps two). Codes not listed here are kept as they are."},
					Column{Name: "qualification", Type: String, LowCardinality: true, Description: "Provider specialty code (PRVDR_SPCLTY): the prvdr_spclty coding, else the first coding.", R4: "careTeam.qualification.coding[system=…/prvdr_spclty].code", STU3: "careTeam.qualification.coding[system=…/prvdr_spclty].code", Dictionary: dict("Performing/Provider Physician"), V3: "careTeam.qualification.coding[system=…fhir/CodeSystem/CLM-PRVDR-SPCLTY-CD].code | item.extension[url=…fhir/StructureDefinition/CLM-PRVDR-SPCLTY-CD] of its lines", V3Fields: dict("Provider Speciality Code")},
					Column{Name: "taxonomy_code", Type: String, LowCardinality: true, Description: "NUCC provider taxonomy code, when BFD sends one beside the specialty.", R4: "careTeam.qualification.coding[system=http://nucc.org/provider-taxonomy].code", STU3: "careTeam.qualification.coding[system=http://nucc.org/provider-taxonomy].code", V3: "careTeam.qualification.coding[system=http://nucc.org/provider-taxonomy].code"},
					Column{Name: "provider_type_code", Type: String, LowCardinality: true, Description: "Carrier line provider type code (CARR_LINE_PRVDR_TYPE_CD).", R4: "careTeam.extension[url=…/carr_line_prvdr_type_cd].valueCoding.code", STU3: "careTeam.extension[url=…/carr_line_prvdr_type_cd].valueCoding.code", Dictionary: dict("Performing/Provider Physician"), V3: "item.extension[url=…fhir/StructureDefinition/CLM-PRVDR-TYPE-CD].valueCoding.code of its lines (carrier)", V3Fields: dict("Provider Type Code")},
					Column{Name: "participating_code", Type: String, LowCardinality: true, Description: "Provider participating indicator code (PRTCPTNG_IND_CD); careTeam.responsible is true for the responsible provider.", R4: "careTeam.extension[url=…/prtcptng_ind_cd].valueCoding.code", STU3: "careTeam.extension[url=…/prtcptng_ind_cd].valueCoding.code", Dictionary: dict("Performing/Provider Physician"), V3: "item.extension[url=…fhir/StructureDefinition/CLM-RNDRG-PRVDR-PRTCPTG-CD].valueCoding.code of its lines", V3Fields: dict("Provider Participating Indicator Code")},
				),
			},
			{
				Name: ClaimExtensions, Grain: "one extension no other column carries", Parquet: true, Merge: MergeByEOB,
				Description: "Every FHIR extension of an EOB that no column of the other tables carries (payment amounts, control numbers, BETOS, MTUS, …), one row each, so that nothing is dropped silently. Child of `claims`: replaced with its EOB.",
				Columns: withLineage(
					eobID(),
					Column{Name: "line_number", Type: Int64, Description: "item.sequence of the line the extension belongs to; NULL for header-level extensions.", R4: "item.sequence", STU3: "item.sequence", V3: "item.sequence"},
					Column{Name: "element", Type: String, Required: true, LowCardinality: true, Description: "Element that carries the extension, e.g. `ExplanationOfBenefit`, `billablePeriod`, `careTeam`, `diagnosis`, `item`, `item.revenue`, `item.locationCodeableConcept`, `item.adjudication`; in v3 also `insurance` and `adjudication` (the header's)."},
					Column{Name: "element_sequence", Type: Int64, Description: "Sequence of the careTeam / diagnosis member, or 1-based position of the item.adjudication (or v3 header adjudication), the extension belongs to; NULL otherwise."},
					Column{Name: "url", Type: String, Required: true, LowCardinality: true, Description: "Extension URL, e.g. https://bluebutton.cms.gov/resources/variables/carr_clm_pmt_dnl_cd.", R4: "….extension.url", STU3: "….extension.url", V3: "….extension.url"},
					Column{Name: "value_code", Type: String, LowCardinality: true, Description: "valueCoding.code, valueQuantity.code, valueMoney.currency or valueCode.", R4: "….extension.valueCoding.code", STU3: "….extension.valueCoding.code", V3: "….extension.valueCoding.code"},
					Column{Name: "value_system", Type: String, LowCardinality: true, Description: "valueCoding.system, valueIdentifier.system or valueQuantity.system.", R4: "….extension.valueCoding.system", STU3: "….extension.valueCoding.system", V3: "….extension.valueCoding.system"},
					Column{Name: "value_display", Type: String, Description: "valueCoding.display or valueQuantity.unit.", R4: "….extension.valueCoding.display", STU3: "….extension.valueCoding.display", V3: "….extension.valueCoding.display"},
					Column{Name: "value_string", Type: String, Description: "valueIdentifier.value, valueString, valueUri, valueBoolean or valueDateTime as text.", R4: "….extension.valueIdentifier.value", STU3: "….extension.valueIdentifier.value", V3: "….extension.valueString"},
					Column{Name: "value_decimal", Type: Float64, Description: "valueQuantity.value, valueMoney.value, valueDecimal or valueInteger.", R4: "….extension.valueQuantity.value", STU3: "….extension.valueQuantity.value", V3: "….extension.valueDecimal"},
					Column{Name: "value_date", Type: Date, Description: "valueDate (or the date of valueDateTime).", R4: "….extension.valueDate", STU3: "….extension.valueDate", V3: "….extension.valueDate"},
					Column{Name: "value_reference", Type: String, Description: "valueReference.reference, e.g. `#line-observation-6` (a contained resource).", R4: "….extension.valueReference.reference", STU3: "….extension.valueReference.reference", V3: "….extension.valueReference.reference"},
				),
			},
			{
				Name: ClaimSupporting, Grain: "one EOB supportingInfo (R4) or information (STU3) entry", Parquet: true, Merge: MergeByEOB,
				Description: "Supporting information of an EOB, every entry whatever its category: DRG (also `claims.drg_code`), " +
					"admission type and source, discharge status, NCH weekly processing and claim received dates, qualified and " +
					"non-covered stay periods, blood pints, the hematocrit/hemoglobin result (a reference to a `claim_contained` " +
					"Observation), Part D dispensing codes, … AB2D v2 keeps only the DRG entry and v1 none, but BFD data and other " +
					"exports carry more. Child of `claims`: replaced with its EOB.",
				Columns: withLineage(
					eobID(),
					Column{Name: "sequence", Type: Int64, Description: "supportingInfo.sequence (NULL when absent or not an integer).", R4: "supportingInfo.sequence", STU3: "information.sequence", V3: "supportingInfo.sequence"},
					Column{Name: "category", Type: String, LowCardinality: true, Description: "What the entry is: the code of the category coding of system …/codesystem/information (the CCW variable URL, e.g. …/variables/clm_ip_admsn_type_cd), else of the first category coding (e.g. C4BB `admissionperiod`, `typeofbill`).", R4: "supportingInfo.category.coding[system=…/codesystem/information].code", STU3: "information.category.coding[system=…/codesystem/information].code", Dictionary: dict("Related Diagnosis Group Code"), V3: "supportingInfo.category.coding[system=…fhir/CodeSystem/Supporting-Information].code, else the first", V3Fields: dict("Related Diagnosis Group Code", "Near Line Record Identification Code")},
					Column{Name: "category_system", Type: String, LowCardinality: true, Description: "System of category.", R4: "supportingInfo.category.coding.system", STU3: "information.category.coding.system", V3: "supportingInfo.category.coding.system"},
					Column{Name: "category_display", Type: String, LowCardinality: true, Description: "Display of category, e.g. `Claim Inpatient Admission Type Code`.", R4: "supportingInfo.category.coding.display", STU3: "information.category.coding.display", V3: "supportingInfo.category.coding.display"},
					Column{Name: "category_type", Type: String, LowCardinality: true, Description: "Code of the other category coding when there are two (R4: C4BB supporting info type such as `clmrecvddate`, `admtype`, or claiminformationcategory `info`).", R4: "supportingInfo.category.coding[system≠…/codesystem/information].code", V3: "supportingInfo.category.coding[the other].code"},
					Column{Name: "code", Type: String, Description: "Coded value: the first coding of code, e.g. the DRG, the admission type `3`, the discharge status `A`.", R4: "supportingInfo.code.coding.code", STU3: "information.code.coding.code", Dictionary: dict("Related Diagnosis Group Code"), V3: "supportingInfo.code.coding.code", V3Fields: dict("Related Diagnosis Group Code", "Near Line Record Identification Code")},
					Column{Name: "code_system", Type: String, LowCardinality: true, Description: "System of code.", R4: "supportingInfo.code.coding.system", STU3: "information.code.coding.system", V3: "supportingInfo.code.coding.system"},
					Column{Name: "code_display", Type: String, Description: "Display of code, e.g. `Discharged`.", R4: "supportingInfo.code.coding.display", STU3: "information.code.coding.display", V3: "supportingInfo.code.coding.display"},
					Column{Name: "timing_date", Type: Date, Description: "timingDate, e.g. the NCH weekly processing date.", R4: "supportingInfo.timingDate", STU3: "information.timingDate", V3: "supportingInfo.timingDate"},
					Column{Name: "timing_start", Type: Date, Description: "timingPeriod.start, e.g. of the admission or qualified stay.", R4: "supportingInfo.timingPeriod.start", STU3: "information.timingPeriod.start", V3: "supportingInfo.timingPeriod.start"},
					Column{Name: "timing_end", Type: Date, Description: "timingPeriod.end.", R4: "supportingInfo.timingPeriod.end", STU3: "information.timingPeriod.end", V3: "supportingInfo.timingPeriod.end"},
					Column{Name: "value_decimal", Type: Float64, Description: "valueQuantity.value, e.g. blood pints furnished.", R4: "supportingInfo.valueQuantity.value", STU3: "information.valueQuantity.value", V3: "supportingInfo.valueQuantity.value"},
					Column{Name: "value_unit", Type: String, LowCardinality: true, Description: "valueQuantity.unit, else its code.", R4: "supportingInfo.valueQuantity.unit", STU3: "information.valueQuantity.unit", V3: "supportingInfo.valueQuantity.unit"},
					Column{Name: "value_string", Type: String, Description: "valueString, valueBoolean as text, or valueAttachment.url.", R4: "supportingInfo.valueString", STU3: "information.valueString", V3: "supportingInfo.valueString"},
					Column{Name: "value_reference", Type: String, Description: "valueReference.reference, e.g. `#line-observation-6`: `#` + the resource_id of a `claim_contained` row of the same EOB.", R4: "supportingInfo.valueReference.reference", STU3: "information.valueReference.reference", V3: "supportingInfo.valueReference.reference"},
				),
			},
			{
				Name: ClaimContained, Grain: "one resource contained in an EOB", Parquet: true, Merge: MergeByEOB,
				Description: "Resources contained in an EOB (an Organization for the provider, an Observation for a hematocrit/hemoglobin " +
					"result, a ReferralRequest, a Practitioner, …): their identity, the few values BI needs, and the whole resource as " +
					"JSON (query it with DuckDB's json functions), so nothing they carry is dropped. AB2D v1 and v2 remove `contained`; " +
					"BFD data and AB2D v3 keep it. Child of `claims`: replaced with its EOB.",
				Columns: withLineage(
					eobID(),
					Column{Name: "position", Type: Int64, Required: true, Description: "1-based position in contained[]."},
					Column{Name: "resource_type", Type: String, LowCardinality: true, Description: "resourceType, e.g. Organization, Observation.", R4: "contained.resourceType", STU3: "contained.resourceType", V3: "contained.resourceType"},
					Column{Name: "resource_id", Type: String, Description: "id: what `#id` references in the EOB point to (e.g. claim_supporting_info.value_reference, claim_extensions.value_reference).", R4: "contained.id", STU3: "contained.id", V3: "contained.id"},
					Column{Name: "status", Type: String, LowCardinality: true, Description: "status (Observation, ReferralRequest).", R4: "contained.status", STU3: "contained.status", V3: "contained.status"},
					Column{Name: "name", Type: String, Description: "name, when a string (Organization).", R4: "contained.name", STU3: "contained.name", V3: "contained.name"},
					Column{Name: "npi", Type: String, Description: "identifier[system=…/sid/us-npi].value (Organization, Practitioner).", R4: "contained.identifier[system=http://hl7.org/fhir/sid/us-npi].value", STU3: "contained.identifier[system=http://hl7.org/fhir/sid/us-npi].value", V3: "contained.identifier[system=http://hl7.org/fhir/sid/us-npi].value"},
					Column{Name: "code", Type: String, Description: "code.coding[0].code (Observation), e.g. R1 hemoglobin test.", R4: "contained.code.coding.code", STU3: "contained.code.coding.code", V3: "contained.code.coding.code"},
					Column{Name: "code_system", Type: String, LowCardinality: true, Description: "System of code.", R4: "contained.code.coding.system", STU3: "contained.code.coding.system", V3: "contained.code.coding.system"},
					Column{Name: "code_display", Type: String, Description: "Display of code.", R4: "contained.code.coding.display", STU3: "contained.code.coding.display", V3: "contained.code.coding.display"},
					Column{Name: "value_decimal", Type: Float64, Description: "valueQuantity.value (Observation), e.g. the test result.", R4: "contained.valueQuantity.value", STU3: "contained.valueQuantity.value", V3: "contained.valueQuantity.value"},
					Column{Name: "resource_json", Type: String, Required: true, Description: "The contained resource as compact JSON.", R4: "contained", STU3: "contained", V3: "contained"},
				),
			},
			{
				Name: BeneficiaryMBIs, Grain: "one beneficiary × MBI", Parquet: true, Merge: MergeMBIs,
				Description: "Current and historic MBIs per beneficiary. Parquet keeps one row per EOB and MBI as delivered; DuckDB keeps one row per beneficiary and MBI with the latest currency. " +
					"v1 and v2 EOBs only: v3 sends no CCW beneficiary id and only the current MBI, which is claims.mbi beside claims.beneficiary_source_key.",
				Columns: withLineage(
					Column{Name: "beneficiary_id", Type: String, Required: true, Description: "CCW beneficiary id.", R4: "patient.reference", STU3: "patient.reference"},
					Column{Name: "mbi", Type: String, Required: true, Description: "Medicare Beneficiary Identifier.", Dictionary: dict("Medicare Beneficiary Identifier (Current)"), R4: "extension[url=…elementdefinition-identifier].valueIdentifier.value", STU3: "extension[url=…elementdefinition-identifier].valueIdentifier.value"},
					Column{Name: "currency", Type: String, LowCardinality: true, Description: "`current` or `historic`, as of the newest EOB that carried the MBI.", R4: "extension.valueIdentifier.extension[url=…identifier-currency].valueCoding.code", STU3: "extension.valueIdentifier.extension[url=…identifier-currency].valueCoding.code"},
					Column{Name: "first_seen", Type: Timestamp, Description: "Oldest meta.lastUpdated of an EOB carrying this MBI."},
					Column{Name: "last_seen", Type: Timestamp, Description: "Newest meta.lastUpdated of an EOB carrying this MBI."},
				),
			},
			{
				Name: Rejects, Grain: "one rejected input line", Parquet: true, Merge: MergeAppend,
				Description: "Input lines that could not be loaded, with the reason. Nothing is dropped silently.",
				Columns: []Column{
					{Name: "load_id", Type: String, Required: true, Lineage: true, Description: "Load that read the line."},
					{Name: "source_file", Type: String, Required: true, Lineage: true, Description: "Input file (base name)."},
					{Name: "source_line", Type: Int64, Required: true, Lineage: true, Description: "1-based line number."},
					sourceEntry(),
					{Name: "reason", Type: String, Required: true, Description: "Why the line was rejected."},
					{Name: "excerpt", Type: String, Description: "First 200 bytes of the line (invalid UTF-8 replaced)."},
				},
			},
			{
				Name: FieldIssues, Grain: "one value that did not fit its column", Parquet: true, Merge: MergeByEOB,
				Description: "Values of a loaded EOB that did not fit their column: an impossible date, an unparseable timestamp, a number that is not one, " +
					"a JSON value of the wrong type where a column expects another. The EOB loads with the column NULL (or without the element " +
					"that could not be read) and the raw value is kept here, so nothing is dropped silently. Child of `claims`: replaced with its EOB.",
				Columns: withLineage(
					eobID(),
					Column{Name: "table_name", Type: String, Required: true, LowCardinality: true, Description: "Table the value was meant for, e.g. `claims`, `claim_lines`."},
					Column{Name: "column_name", Type: String, LowCardinality: true, Description: "Column the value was meant for; NULL when the element feeds several columns or rows (e.g. a `careTeam` that is not an array)."},
					Column{Name: "fhir_path", Type: String, Required: true, Description: "Where the value is in the resource, with array positions, e.g. `billablePeriod.start`, `item[2].quantity.value`."},
					Column{Name: "raw_value", Type: String, Description: "The value as it was in the input: a JSON string's text, else the JSON (at most 4,096 bytes, then `…`)."},
					Column{Name: "reason", Type: String, Required: true, Description: "Why it did not fit, e.g. `not a valid date`, `not a string`."},
				),
			},
			{
				Name: ExportErrors, Grain: "one OperationOutcome line of an AB2D _error file", Parquet: true, Merge: MergeAppend,
				Description: "Errors AB2D reported for the export (OperationOutcome resources from `_error.ndjson` files).",
				Columns: []Column{
					{Name: "job_id", Type: String, Lineage: true, Description: "AB2D job id, when known (from the landing folder)."},
					{Name: "load_id", Type: String, Required: true, Lineage: true, Description: "Load that read the line."},
					{Name: "source_file", Type: String, Required: true, Lineage: true, Description: "Input file (base name)."},
					{Name: "source_line", Type: Int64, Required: true, Lineage: true, Description: "1-based line number."},
					sourceEntry(),
					{Name: "severity", Type: String, Description: "issue.severity.", R4: "issue.severity", STU3: "issue.severity", V3: "issue.severity"},
					{Name: "code", Type: String, Description: "issue.code.", R4: "issue.code", STU3: "issue.code", V3: "issue.code"},
					{Name: "text", Type: String, Description: "issue.details.text (or diagnostics).", R4: "issue.details.text", STU3: "issue.details.text", V3: "issue.details.text"},
				},
			},
			{
				Name: Codes, Grain: "one (system, code)",
				Description: "The code dimension: every (system, code) of every Coding the loaded EOBs carried, wherever it " +
					"was (type, subType, care-team roles and specialties, identifier types, diagnosis and procedure codes, HCPCS, " +
					"revenue centers, places of service, adjudication and benefit-balance categories, extensions' valueCoding, " +
					"supportingInfo, contained resources, Quantity units), with its display, so BI tools can label codes without " +
					"a lookup of their own. Each load merges what it saw; nothing is removed when an EOB is replaced, so a code " +
					"stays labelled once seen. Count uses with the tables that hold the codes (claims, claim_lines, …).",
				Columns: []Column{
					{Name: "system", Type: String, Required: true, Description: "Code system URI.", R4: "….coding.system", STU3: "….coding.system"},
					{Name: "code", Type: String, Required: true, Description: "Code.", R4: "….coding.code", STU3: "….coding.code"},
					{Name: "display", Type: String, Description: "The display it was first seen with: the first non-empty one in the first load that had one. NULL when the data never labels it.", R4: "….coding.display", STU3: "….coding.display"},
					{Name: "elements", Type: String, Required: true, Description: "Where it was seen, comma-separated and sorted: the paths of object keys from the resource without array positions and without a final `coding`, e.g. `careTeam.role`, `item.adjudication.category`, `item.extension.valueCoding`, `supportingInfo.code`."},
					{Name: "first_load_id", Type: String, Required: true, Description: "First load that saw it (see `loads`)."},
					{Name: "last_load_id", Type: String, Required: true, Description: "Latest load that saw it."},
					{Name: "first_seen", Type: Timestamp, Required: true, Description: "When the first load that saw it committed."},
					{Name: "last_seen", Type: Timestamp, Required: true, Description: "When the latest load that saw it committed."},
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
					{Name: "api_version", Type: String, Description: "AB2D API version asked: v1 (STU3), v2 (R4) or v3 (R4, CARIN BB, IDR claims)."},
					{Name: "job_id", Type: String, Description: "AB2D export job id."},
					{Name: "since", Type: Timestamp, Description: "_since sent to AB2D."},
					{Name: "until", Type: Timestamp, Description: "_until sent to AB2D."},
					{Name: "type_filter", Type: String, Description: "v3 _typeFilter sent to AB2D (`--service-date`), its terms sorted; `--since auto` follows only runs with the same filter."},
					{Name: "kickoff_at", Type: Timestamp, Description: "When this client asked AB2D for the export (its own clock): the next run's `--since auto` (or its until, when earlier)."},
					{Name: "started_at", Type: Timestamp, Required: true, Description: "Start of the run."},
					{Name: "finished_at", Type: Timestamp, Description: "End of the run."},
					{Name: "status", Type: String, Required: true, Description: "running, succeeded, succeeded_with_export_errors (the export had AB2D error files: what was delivered is loaded, and `--since auto` asks again from this run's since), failed or interrupted."},
					{Name: "message", Type: String, Description: "Summary or error message."},
				},
			},
		},
		Views: []View{
			{
				Name:    "claims_current",
				Sources: []string{Claims},
				Description: "One row per claim: for AB2D v1/v2 claims, one per claim group (the active version, or the newest one when no version is active); " +
					"for v3 claims, which have no claim group and whose ids are unrelated to v1/v2's, one per claim as the cut-over match identifies it " +
					"(the newest), and a v1/v2 claim group whose current version a counted v3 claim matches is left out, so that a contract moved from " +
					"v2 to v3 counts each claim once. The match: the same MBI, claim_type_code, billable_period_start and billable_period_end " +
					"(all present), and the same attending_npi and rendering_npi (both NULL counts as the same). v3 claims with an excluded_reason are left out.",
				SQL: `WITH counted AS (
  SELECT * FROM claims WHERE excluded_reason IS NULL
),
v12 AS (
  SELECT * FROM counted WHERE api_version IS DISTINCT FROM 'v3'
  QUALIFY row_number() OVER (
    PARTITION BY coalesce(claim_group_id, eob_id)
    ORDER BY (status = 'active') DESC NULLS LAST, last_updated DESC NULLS LAST, eob_id DESC) = 1
),
v3 AS (
  SELECT * FROM counted WHERE api_version = 'v3'
  QUALIFY row_number() OVER (
    PARTITION BY coalesce(claim_group_id,
      CASE WHEN mbi IS NULL OR claim_type_code IS NULL OR billable_period_start IS NULL OR billable_period_end IS NULL THEN 'eob ' || eob_id
      ELSE concat_ws('|', mbi, claim_type_code, billable_period_start, billable_period_end, coalesce(attending_npi, '-'), coalesce(rendering_npi, '-')) END)
    ORDER BY last_updated DESC NULLS LAST, eob_id DESC) = 1
)
SELECT * FROM v12 o
WHERE NOT EXISTS (
  SELECT 1 FROM v3 n
  WHERE n.mbi = o.mbi AND n.claim_type_code = o.claim_type_code
    AND n.billable_period_start = o.billable_period_start AND n.billable_period_end = o.billable_period_end
    AND n.attending_npi IS NOT DISTINCT FROM o.attending_npi AND n.rendering_npi IS NOT DISTINCT FROM o.rendering_npi)
UNION ALL
SELECT * FROM v3`,
			},
			{
				Name:        "claim_lines_detail",
				Description: "Claim lines joined to their claim header, for BI tools.",
				Sources:     []string{ClaimLines, Claims},
				SQL: `SELECT l.*, c.claim_id, c.claim_group_id, c.status, c.claim_type, c.beneficiary_id, c.mbi,
  c.billable_period_start, c.billable_period_end, c.principal_diagnosis_code, c.last_updated
FROM claim_lines l JOIN claims c USING (eob_id)`,
			},
		},
	}
}
