-- DuckDB-only peer of `ab2d-etl load` for `make bench` (run by bench/duckdbpeer).
--
-- It builds the same six tables as ab2d-etl from AB2D v2 (FHIR R4) NDJSON:
-- the rows as delivered go to zstd Parquet, one file per table, and the
-- current state (each eob_id once, newest meta.lastUpdated wins; one row per
-- beneficiary x MBI) to DuckDB tables with ab2d-etl's DDL. Column for column
-- it applies ab2d-etl's rules (`ab2d-etl schema`), so that `-compare`
-- can check the result row for row against a warehouse.
--
-- How: read_json with an explicit, pruned structured type for every field
-- used (no schema inference; unknown keys are skipped by the parser), the
-- per-EOB values computed with list lambdas while parsing, materialised once
-- in a temp table; the child tables are unnests of it.
--
-- What it does not do that ab2d-etl does: no rejects (a malformed line or a
-- value of the wrong type fails the whole load), no STU3 (AB2D v1) rules, no
-- OperationOutcome lines, none of the other tables: claim_extensions (the
-- extensions that no column takes; none in the generated data),
-- claim_supporting_info (the DRG: 0.006 rows per EOB in the ab2d-sample
-- shape), claim_contained (none), the codes dimension (every coding, a few
-- hundred distinct); no ledger/idempotence, no upsert against earlier loads
-- (the database is new); source_line assumes no blank lines. Every column of
-- the six tables as of commit 353e086 (diagnosis_number, diagnosis_role and
-- role_normalized included); a column added to ab2d-etl later shows up in
-- -compare as only_ab2d_etl_columns.
--
-- Placeholders: {{INPUT}} {{OUT}} {{SOURCE_FILE}} {{LOAD_ID}}.
-- Statements end with ';' at the end of a line.

-- The temp table keeps the input order, so rowid + 1 is the line number.
SET preserve_insertion_order = true;

-- Provider id type of a care-team identifier (R4 rule: type.coding[1].code
-- npi/upin, another code as is; no code: from the system, as in STU3).
CREATE TEMP MACRO id_type(ident) AS CASE
  WHEN lower(ident.type.coding[1].code) = 'npi' THEN 'npi'
  WHEN lower(ident.type.coding[1].code) = 'upin' THEN 'upin'
  WHEN nullif(ident.type.coding[1].code, '') IS NOT NULL THEN ident.type.coding[1].code
  WHEN ident.system IN ('http://hl7.org/fhir/sid/us-npi', 'http://hl7.org/fhir/sid/npi') THEN 'npi'
  WHEN contains(ident.system, 'upin') OR contains(ident.system, 'UPIN') THEN 'upin'
  ELSE nullif(ident.system, '')
END;

-- Version-independent role of a diagnosis type code (claim_diagnoses.diagnosis_role;
-- NULL for a code it does not know, which is kept as it is).
CREATE TEMP MACRO dx_role(code) AS CASE
  WHEN code = 'principal' THEN 'principal'
  WHEN code = 'admitting' THEN 'admitting'
  WHEN code IN ('other', 'secondary') THEN 'secondary'
  WHEN code IN ('externalcauseofinjury', 'external-first', 'external') THEN 'external_cause'
  WHEN code IN ('patientreasonforvisit', 'reason-for-visit') THEN 'reason_for_visit'
END;

-- Code of the first coding of a CodeableConcept's coding list with system s.
CREATE TEMP MACRO code_of(codings, s) AS list_filter(codings, c -> c.system = s)[1].code;

-- 1. Parse once: every field ab2d-etl reads, nothing else; per-EOB derived
--    values (ids, claim type, MBI, DRG, care team with its id types) here.
CREATE TEMP TABLE eob AS
SELECT
  id AS eob_id,
  resourceType = 'ExplanationOfBenefit' AS is_eob,
  coalesce(list_filter(identifier, x -> x.system = 'https://bluebutton.cms.gov/resources/variables/clm_id')[-1].value,
           list_filter(identifier, x -> x.system = 'https://bluebutton.cms.gov/resources/variables/pde_id')[1].value) AS claim_id,
  list_filter(identifier, x -> x.system = 'https://bluebutton.cms.gov/resources/identifier/claim-group')[-1].value AS claim_group_id,
  status,
  code_of("type".coding, 'https://bluebutton.cms.gov/resources/codesystem/eob-type') AS claim_type,
  list_filter("type".coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/nch_clm_type_cd')[1] AS nch_type,
  subType.coding[1].code AS claim_sub_type,
  coalesce(list_filter(extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/nch_near_line_rec_ident_cd')[-1].valueCoding.code,
           list_filter("type".coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/nch_near_line_rec_ident_cd')[-1].code) AS near_line_record_code,
  coalesce(list_filter(extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/clm_srvc_clsfctn_type_cd')[-1].valueCoding.code,
           list_filter("type".coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/clm_srvc_clsfctn_type_cd')[-1].code) AS service_classification_code,
  CASE WHEN starts_with(patient.reference, 'Patient/') THEN patient.reference[9:] ELSE patient.reference END AS beneficiary_id,
  -- MBI extensions: url, us-mbi system and a value; currency from the nested extension.
  list_transform(
    list_filter(extension, e -> e.url = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-identifier'
                           AND e.valueIdentifier.system = 'http://hl7.org/fhir/sid/us-mbi'
                           AND e.valueIdentifier."value" <> ''),
    e -> {'mbi': e.valueIdentifier."value",
          'currency': list_filter(e.valueIdentifier.extension,
                                  x -> x.url = 'https://bluebutton.cms.gov/resources/codesystem/identifier-currency')[1].valueCoding.code}) AS mbis,
  billablePeriod."start" AS billable_period_start,
  billablePeriod."end" AS billable_period_end,
  list_filter(billablePeriod.extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/claim_query_cd')[-1].valueCoding.code AS claim_query_code,
  meta.lastUpdated AS last_updated,
  array_to_string(meta.profile, ',') AS profile,
  CASE WHEN list_bool_or(list_transform(meta.profile, p -> contains(p, '/us/carin-bb/')))
         OR list_bool_or(list_transform("type".coding, c -> c.system = 'http://terminology.hl7.org/CodeSystem/claim-type'))
       THEN 'R4' ELSE 'STU3' END AS fhir_version,
  flatten(list_transform(supportingInfo,
    s -> list_filter(s.code.coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/clm_drg_cd' AND c.code <> '')))[1].code AS drg_code,
  list_filter(facility.extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/clm_fac_type_cd')[1].valueCoding AS facility_type,
  provider.identifier."value" AS provider_id,
  provider.identifier.system AS provider_id_system,
  CASE WHEN organization.identifier.system IN ('http://hl7.org/fhir/sid/us-npi', 'http://hl7.org/fhir/sid/npi') THEN organization.identifier."value" END AS org_identifier_npi,
  list_transform(careTeam, m -> {
    'seq': m."sequence",
    'id': nullif(m.provider.identifier."value", ''),
    'id_type': id_type(m.provider.identifier),
    'role': nullif(m."role".coding[1].code, ''),
    'role_display': nullif(m."role".coding[1].display, ''),
    -- R4 role in the vocabulary of claim_care_team.role_normalized
    'role_normalized': CASE m."role".coding[1].code
      WHEN 'otheroperating' THEN 'other'
      WHEN 'performing' THEN 'rendering'
      WHEN 'primary' THEN 'organization'
      ELSE nullif(m."role".coding[1].code, '') END,
    'qual': nullif(coalesce(list_filter(m.qualification.coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/prvdr_spclty')[1],
                            m.qualification.coding[1]).code, ''),
    'taxonomy': nullif(code_of(m.qualification.coding, 'http://nucc.org/provider-taxonomy'), ''),
    'provider_type': nullif(list_filter(m.extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/carr_line_prvdr_type_cd')[-1].valueCoding.code, ''),
    'participating': nullif(list_filter(m.extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/prtcptng_ind_cd')[-1].valueCoding.code, ''),
    'ext_npi': nullif(list_filter(m.extension, e -> e.url IN ('http://hl7.org/fhir/sid/us-npi', 'http://hl7.org/fhir/sid/npi') AND e.valueCoding.code <> '')[-1].valueCoding.code, '')}) AS team,
  diagnosis,
  "procedure",
  item
FROM read_json('{{INPUT}}',
  format = 'newline_delimited',
  records = true,
  maximum_object_size = 67108864,
  columns = {
    resourceType: 'VARCHAR',
    id: 'VARCHAR',
    meta: 'STRUCT(lastUpdated TIMESTAMPTZ, profile VARCHAR[])',
    extension: 'STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR), valueIdentifier STRUCT(system VARCHAR, "value" VARCHAR, extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR))[]))[]',
    identifier: 'STRUCT(system VARCHAR, "value" VARCHAR)[]',
    status: 'VARCHAR',
    "type": 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR, display VARCHAR)[])',
    subType: 'STRUCT(coding STRUCT(code VARCHAR)[])',
    patient: 'STRUCT(reference VARCHAR)',
    billablePeriod: 'STRUCT("start" DATE, "end" DATE, extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR))[])',
    facility: 'STRUCT(extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR, display VARCHAR))[])',
    provider: 'STRUCT(identifier STRUCT(system VARCHAR, "value" VARCHAR))',
    organization: 'STRUCT(identifier STRUCT(system VARCHAR, "value" VARCHAR))',
    careTeam: 'STRUCT("sequence" BIGINT, provider STRUCT(identifier STRUCT(system VARCHAR, "value" VARCHAR, "type" STRUCT(coding STRUCT(code VARCHAR)[]))), "role" STRUCT(coding STRUCT(code VARCHAR, display VARCHAR)[]), qualification STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[]), extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR))[])[]',
    diagnosis: 'STRUCT("sequence" BIGINT, diagnosisCodeableConcept STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[]), "type" STRUCT(coding STRUCT(code VARCHAR)[])[], onAdmission STRUCT(coding STRUCT(code VARCHAR)[]), extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR))[])[]',
    supportingInfo: 'STRUCT(code STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[]))[]',
    "procedure": 'STRUCT("sequence" BIGINT, procedureCodeableConcept STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[]), "date" VARCHAR)[]',
    item: 'STRUCT("sequence" BIGINT, careTeamSequence BIGINT[], diagnosisSequence BIGINT[], revenue STRUCT(coding STRUCT(code VARCHAR)[]), modifier STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])[], productOrService STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[], extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR), valueIdentifier STRUCT("value" VARCHAR), valueQuantity STRUCT("value" DOUBLE, code VARCHAR))[]), servicedDate DATE, servicedPeriod STRUCT("start" DATE, "end" DATE), locationCodeableConcept STRUCT(coding STRUCT(system VARCHAR, code VARCHAR, display VARCHAR)[], extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR), valueIdentifier STRUCT("value" VARCHAR), valueQuantity STRUCT("value" DOUBLE, code VARCHAR))[]), locationAddress STRUCT(state VARCHAR), extension STRUCT(url VARCHAR, valueCoding STRUCT(code VARCHAR), valueIdentifier STRUCT("value" VARCHAR), valueQuantity STRUCT("value" DOUBLE, code VARCHAR))[], quantity STRUCT("value" DOUBLE))[]'
  });

-- From here on row order does not matter (source_line is a column): let
-- DuckDB insert and write in parallel.
SET preserve_insertion_order = false;

-- 2. The tables with ab2d-etl's DDL, filled with the rows as delivered.
CREATE TABLE claims(eob_id VARCHAR NOT NULL, claim_id VARCHAR, claim_group_id VARCHAR, status VARCHAR, claim_type VARCHAR, claim_type_code VARCHAR, claim_type_display VARCHAR, claim_sub_type VARCHAR, near_line_record_code VARCHAR, service_classification_code VARCHAR, beneficiary_id VARCHAR, mbi VARCHAR, billable_period_start DATE, billable_period_end DATE, claim_query_code VARCHAR, last_updated TIMESTAMP WITH TIME ZONE, profile VARCHAR, fhir_version VARCHAR NOT NULL, principal_diagnosis_code VARCHAR, admitting_diagnosis_code VARCHAR, drg_code VARCHAR, facility_type_code VARCHAR, facility_type_display VARCHAR, provider_id VARCHAR, provider_id_system VARCHAR, organization_npi VARCHAR, attending_npi VARCHAR, attending_upin VARCHAR, operating_npi VARCHAR, operating_upin VARCHAR, other_npi VARCHAR, other_upin VARCHAR, rendering_npi VARCHAR, rendering_upin VARCHAR, referring_npi VARCHAR, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL);
CREATE TABLE claim_lines(eob_id VARCHAR NOT NULL, line_number BIGINT NOT NULL, hcpcs_code VARCHAR, revenue_center_code VARCHAR, service_date DATE, service_start DATE, service_end DATE, place_of_service VARCHAR, place_of_service_display VARCHAR, provider_state_code VARCHAR, provider_zip_code VARCHAR, pricing_locality_code VARCHAR, clia_lab_number VARCHAR, supplier_type_code VARCHAR, pricing_state_code VARCHAR, quantity DOUBLE, anesthesia_unit_count DOUBLE, ndc_code VARCHAR, ndc_quantity DOUBLE, ndc_quantity_unit VARCHAR, rendering_npi VARCHAR, care_team_sequences VARCHAR, diagnosis_sequences VARCHAR, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL);
CREATE TABLE claim_diagnoses(eob_id VARCHAR NOT NULL, "sequence" BIGINT NOT NULL, diagnosis_number BIGINT, code VARCHAR, code_system VARCHAR, diagnosis_type VARCHAR, diagnosis_role VARCHAR, present_on_admission VARCHAR, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL);
CREATE TABLE claim_procedures(eob_id VARCHAR NOT NULL, "sequence" BIGINT NOT NULL, code VARCHAR, code_system VARCHAR, procedure_date DATE, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL);
CREATE TABLE claim_care_team(eob_id VARCHAR NOT NULL, "sequence" BIGINT NOT NULL, provider_id VARCHAR, provider_id_type VARCHAR, "role" VARCHAR, role_display VARCHAR, role_normalized VARCHAR, qualification VARCHAR, taxonomy_code VARCHAR, provider_type_code VARCHAR, participating_code VARCHAR, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL);
CREATE TABLE beneficiary_mbis(beneficiary_id VARCHAR NOT NULL, mbi VARCHAR NOT NULL, currency VARCHAR, first_seen TIMESTAMP WITH TIME ZONE, last_seen TIMESTAMP WITH TIME ZONE, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL);

INSERT INTO claims
WITH c AS (
  SELECT *,
    -- the diagnoses with a code, their preferred (ICD) coding and type codes
    list_transform(list_filter(diagnosis, d -> d.diagnosisCodeableConcept IS NOT NULL), d -> {
      'code': coalesce(list_filter(d.diagnosisCodeableConcept.coding, c -> c.system IN ('http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-9-cm', 'http://hl7.org/fhir/sid/icd-9'))[1],
                       d.diagnosisCodeableConcept.coding[1]).code,
      'types': flatten(list_transform(d."type", t -> list_transform(t.coding, c -> c.code)))}) AS dx,
    list_filter(team, m -> m.id IS NOT NULL AND m.id_type IN ('npi', 'upin')) AS ids,
    rowid + 1 AS source_line
  FROM eob WHERE is_eob AND eob_id <> ''
)
SELECT
  eob_id,
  nullif(claim_id, ''),
  nullif(claim_group_id, ''),
  nullif(status, ''),
  nullif(claim_type, ''),
  nullif(nch_type.code, ''),
  nullif(nch_type.display, ''),
  nullif(claim_sub_type, ''),
  nullif(near_line_record_code, ''),
  nullif(service_classification_code, ''),
  nullif(beneficiary_id, ''),
  list_filter(mbis, m -> m.currency = 'current')[1].mbi,
  billable_period_start, billable_period_end,
  nullif(claim_query_code, ''),
  last_updated,
  nullif(profile, ''),
  fhir_version,
  nullif(list_filter(dx, d -> list_contains(d.types, 'principal'))[1].code, ''),
  nullif(list_filter(dx, d -> list_contains(d.types, 'admitting'))[1].code, ''),
  nullif(drg_code, ''),
  nullif(facility_type.code, ''),
  nullif(facility_type.display, ''),
  nullif(provider_id, ''),
  nullif(provider_id_system, ''),
  nullif(coalesce(list_filter(ids, m -> m.id_type = 'npi' AND m."role" = 'primary')[1].id,
                  list_filter(team, m -> m.ext_npi IS NOT NULL)[-1].ext_npi,
                  org_identifier_npi), ''),
  list_filter(ids, m -> m.id_type = 'npi' AND m."role" = 'attending')[1].id,
  list_filter(ids, m -> m.id_type = 'upin' AND m."role" = 'attending')[1].id,
  list_filter(ids, m -> m.id_type = 'npi' AND m."role" = 'operating')[1].id,
  list_filter(ids, m -> m.id_type = 'upin' AND m."role" = 'operating')[1].id,
  list_filter(ids, m -> m.id_type = 'npi' AND m."role" = 'otheroperating')[1].id,
  list_filter(ids, m -> m.id_type = 'upin' AND m."role" = 'otheroperating')[1].id,
  list_filter(ids, m -> m.id_type = 'npi' AND m."role" IN ('performing', 'rendering'))[1].id,
  list_filter(ids, m -> m.id_type = 'upin' AND m."role" IN ('performing', 'rendering'))[1].id,
  list_filter(ids, m -> m.id_type = 'npi' AND m."role" = 'referring')[1].id,
  '{{LOAD_ID}}',
  '{{SOURCE_FILE}}',
  source_line
FROM c;

INSERT INTO claim_lines
WITH it AS (
  SELECT eob_id, team, rowid + 1 AS source_line,
    fhir_version = 'R4' AND (claim_type IN ('INPATIENT', 'OUTPATIENT', 'SNF', 'HHA', 'HOSPICE')
      OR (coalesce(claim_type, '') = '' AND length(nch_type.code) = 2 AND nch_type.code[1] BETWEEN '1' AND '6')) AS institutional,
    unnest(item) AS i
  FROM eob WHERE is_eob AND eob_id <> ''
), x AS (
  SELECT *,
    -- the care-team members each line links to (first member per sequence)
    list_filter(list_transform(i.careTeamSequence, s -> list_filter(team, m -> m.seq = s)[1]), m -> m IS NOT NULL) AS lk,
    -- line extensions, wherever BFD puts them: later places win (location, item, productOrService)
    list_concat(i.locationCodeableConcept.extension, i.extension, i.productOrService.extension) AS ext
  FROM it
)
SELECT
  eob_id,
  i."sequence",
  nullif(list_filter(i.productOrService.coding, c -> c.system IN ('https://bluebutton.cms.gov/resources/codesystem/hcpcs', 'https://bluebutton.cms.gov/resources/variables/hcpcs_cd'))[1].code, ''),
  nullif(i.revenue.coding[1].code, ''),
  i.servicedDate,
  i.servicedPeriod."start",
  i.servicedPeriod."end",
  nullif(list_filter(i.locationCodeableConcept.coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd')[1].code, ''),
  nullif(list_filter(i.locationCodeableConcept.coding, c -> c.system = 'https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd')[1].display, ''),
  nullif(coalesce(nullif(list_filter(list_concat(i.extension, i.productOrService.extension), e -> e.url = 'https://bluebutton.cms.gov/resources/variables/prvdr_state_cd')[-1].valueCoding.code, ''),
                  nullif(list_filter(i.locationCodeableConcept.extension, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/prvdr_state_cd')[-1].valueCoding.code, ''),
                  i.locationAddress.state), ''),
  nullif(list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/prvdr_zip')[-1].valueCoding.code, ''),
  nullif(list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/carr_line_prcng_lclty_cd')[-1].valueCoding.code, ''),
  nullif(list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/carr_line_clia_lab_num')[-1].valueIdentifier."value", ''),
  nullif(list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/dmerc_line_supplr_type_cd')[-1].valueCoding.code, ''),
  nullif(list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/dmerc_line_prcng_state_cd')[-1].valueCoding.code, ''),
  i.quantity."value",
  list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/carr_line_ansthsa_unit_cnt')[-1].valueQuantity."value",
  nullif(coalesce(nullif(list_filter(i.productOrService.extension, e -> e.url = 'http://hl7.org/fhir/sid/ndc')[1].valueCoding.code, ''),
                  code_of(i.productOrService.coding, 'http://hl7.org/fhir/sid/ndc')), ''),
  CASE WHEN list_bool_or(list_transform(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/rev_cntr_ndc_qty'))
       THEN list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/rev_cntr_ndc_qty')[-1].valueQuantity."value"
       WHEN institutional THEN i.quantity."value" END,
  nullif(CASE WHEN list_bool_or(list_transform(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/rev_cntr_ndc_qty'))
       THEN list_filter(ext, e -> e.url = 'https://bluebutton.cms.gov/resources/variables/rev_cntr_ndc_qty')[-1].valueQuantity.code
       WHEN institutional THEN list_filter(flatten(list_transform(i.modifier, m -> m.coding)), c -> c.system = 'http://unitsofmeasure.org' AND c.code <> '')[1].code END, ''),
  coalesce(list_filter(lk, m -> m.id_type = 'npi' AND m.id IS NOT NULL AND m."role" IN ('performing', 'rendering'))[1].id,
           CASE WHEN len(lk) = 1 AND lk[1].id_type = 'npi' THEN lk[1].id END),
  nullif(array_to_string(i.careTeamSequence, ','), ''),
  nullif(array_to_string(i.diagnosisSequence, ','), ''),
  '{{LOAD_ID}}',
  '{{SOURCE_FILE}}',
  source_line
FROM x;

INSERT INTO claim_diagnoses
WITH dn AS (
  -- the diagnoses with a code, numbered among themselves (diagnosis_number)
  SELECT eob_id, rowid + 1 AS source_line,
    unnest(list_transform(list_filter(diagnosis, x -> x.diagnosisCodeableConcept IS NOT NULL), (x, i) -> {'d': x, 'n': i})) AS dn
  FROM eob WHERE is_eob AND eob_id <> ''
), d AS (
  SELECT eob_id, source_line, dn.d AS d, dn.n AS n FROM dn
), c AS (
  SELECT *,
    coalesce(list_filter(d.diagnosisCodeableConcept.coding, c -> c.system IN ('http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-9-cm', 'http://hl7.org/fhir/sid/icd-9'))[1],
             d.diagnosisCodeableConcept.coding[1]) AS coding,
    list_filter(flatten(list_transform(d."type", t -> list_transform(t.coding, c -> c.code))), x -> x <> '') AS types
  FROM d
)
SELECT
  eob_id,
  d."sequence",
  n,
  nullif(coding.code, ''),
  nullif(coding.system, ''),
  nullif(array_to_string(types, ','), ''),
  -- the known roles in a fixed order, then the codes it does not know; no type: secondary
  CASE WHEN len(types) = 0 THEN 'secondary' ELSE array_to_string(list_concat(
    list_filter(['principal', 'admitting', 'secondary', 'external_cause', 'reason_for_visit'], r -> list_contains(list_transform(types, x -> dx_role(x)), r)),
    list_filter(types, x -> dx_role(x) IS NULL)), ',') END,
  nullif(coalesce(nullif(d.onAdmission.coding[1].code, ''),
                  list_filter(d.extension, e -> starts_with(e.url, 'https://bluebutton.cms.gov/resources/variables/clm_poa_ind_sw')
                                             OR starts_with(e.url, 'https://bluebutton.cms.gov/resources/variables/clm_e_poa_ind_sw'))[1].valueCoding.code), ''),
  '{{LOAD_ID}}',
  '{{SOURCE_FILE}}',
  source_line
FROM c;

INSERT INTO claim_procedures
WITH p AS (
  SELECT eob_id, rowid + 1 AS source_line, unnest("procedure") AS p
  FROM eob WHERE is_eob AND eob_id <> ''
)
SELECT
  eob_id,
  p."sequence",
  nullif(p.procedureCodeableConcept.coding[1].code, ''),
  nullif(p.procedureCodeableConcept.coding[1].system, ''),
  CASE WHEN length(p."date") = 10 OR substr(p."date", 11, 1) = 'T' THEN try_cast(p."date"[1:10] AS DATE) END,
  '{{LOAD_ID}}',
  '{{SOURCE_FILE}}',
  source_line
FROM p;

INSERT INTO claim_care_team
WITH m AS (
  SELECT eob_id, rowid + 1 AS source_line, unnest(team) AS m
  FROM eob WHERE is_eob AND eob_id <> ''
)
SELECT eob_id, m.seq, m.id, m.id_type, m."role", m.role_display, m.role_normalized, m.qual, m.taxonomy, m.provider_type, m.participating,
  '{{LOAD_ID}}', '{{SOURCE_FILE}}', source_line
FROM m;

-- MBI sightings as delivered (one per EOB and MBI), merged in step 4.
CREATE TEMP TABLE s_mbis AS
WITH m AS (
  SELECT beneficiary_id, last_updated, rowid + 1 AS source_line, unnest(mbis) AS m
  FROM eob WHERE is_eob AND eob_id <> '' AND beneficiary_id <> ''
)
SELECT
  beneficiary_id,
  m.mbi AS mbi,
  nullif(m.currency, '') AS currency,
  last_updated AS first_seen,
  last_updated AS last_seen,
  '{{LOAD_ID}}' AS load_id,
  '{{SOURCE_FILE}}' AS source_file,
  source_line
FROM m;

DROP TABLE eob;

-- 3. Parquet history: the rows as delivered, zstd (level 1, as ab2d-etl).
COPY claims TO '{{OUT}}/parquet/claims/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
COPY claim_lines TO '{{OUT}}/parquet/claim_lines/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
COPY claim_diagnoses TO '{{OUT}}/parquet/claim_diagnoses/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
COPY claim_procedures TO '{{OUT}}/parquet/claim_procedures/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
COPY claim_care_team TO '{{OUT}}/parquet/claim_care_team/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);
COPY s_mbis TO '{{OUT}}/parquet/beneficiary_mbis/part-0.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1);

-- 4. Current state: each eob_id once. The lines of the versions that lose
--    (not the newest last_updated, or not the first line among equals) are
--    few, so they are deleted rather than the winners copied.
CREATE TEMP TABLE s_lose AS
SELECT source_line FROM claims
QUALIFY row_number() OVER (PARTITION BY eob_id ORDER BY last_updated DESC NULLS LAST, source_line) > 1;

DELETE FROM claims WHERE source_line IN (SELECT source_line FROM s_lose);
DELETE FROM claim_lines WHERE source_line IN (SELECT source_line FROM s_lose);
DELETE FROM claim_diagnoses WHERE source_line IN (SELECT source_line FROM s_lose);
DELETE FROM claim_procedures WHERE source_line IN (SELECT source_line FROM s_lose);
DELETE FROM claim_care_team WHERE source_line IN (SELECT source_line FROM s_lose);

-- One row per beneficiary and MBI: currency, lineage and last sighting of
-- the newest EOB that carried it, and the first sighting.
INSERT INTO beneficiary_mbis
SELECT beneficiary_id, mbi,
  arg_max(currency, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)),
  min(first_seen), max(last_seen),
  arg_max(load_id, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)),
  arg_max(source_file, coalesce(last_seen, '-infinity'::TIMESTAMPTZ)),
  arg_max(source_line, coalesce(last_seen, '-infinity'::TIMESTAMPTZ))
FROM s_mbis GROUP BY beneficiary_id, mbi;
