package synth

// Code tables. Every string here is written into JSON as is, so none may
// contain a double quote, a backslash or a control character
// (TestTablesNeedNoEscaping checks this).

// Code-system and extension URLs, as in the BFD v2 / AB2D fixtures.
const (
	urlBB          = "https://bluebutton.cms.gov/resources/variables/"
	sysNchClmType  = urlBB + "nch_clm_type_cd"
	sysEOBType     = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
	sysClaimType   = "http://terminology.hl7.org/CodeSystem/claim-type"
	sysIDType      = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType"
	sysClmID       = urlBB + "clm_id"
	sysClaimGroup  = "https://bluebutton.cms.gov/resources/identifier/claim-group"
	sysCareRole    = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole"
	sysCareRoleHL7 = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
	sysExDxType    = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
	sysC4BBDxType  = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType"
	sysICD10       = "http://hl7.org/fhir/sid/icd-10"
	sysHCPCS       = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
	sysHCPCSCd     = urlBB + "hcpcs_cd"
	sysNDC         = "http://hl7.org/fhir/sid/ndc"
	sysNearLine    = urlBB + "nch_near_line_rec_ident_cd"
	sysFacType     = urlBB + "clm_fac_type_cd"
	sysClaimQuery  = urlBB + "claim_query_cd"
	sysDRG         = urlBB + "clm_drg_cd"
	sysPOS         = urlBB + "line_place_of_srvc_cd"
	sysPrvdrState  = urlBB + "prvdr_state_cd"
	sysPrvdrZip    = urlBB + "prvdr_zip"
	sysPrcngLclty  = urlBB + "carr_line_prcng_lclty_cd"
	sysCLIA        = urlBB + "carr_line_clia_lab_num"
	sysAnsthsa     = urlBB + "carr_line_ansthsa_unit_cnt"
	sysDMEPrcState = urlBB + "dmerc_line_prcng_state_cd"
	sysDMESupplr   = urlBB + "dmerc_line_supplr_type_cd"
	sysPrvdrType   = urlBB + "carr_line_prvdr_type_cd"
	sysPrtcptng    = urlBB + "prtcptng_ind_cd"
	sysSpclty      = urlBB + "prvdr_spclty"
	sysInfoCat     = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
	sysBBInfo      = "https://bluebutton.cms.gov/resources/codesystem/information"
	urlMBIExt      = "http://hl7.org/fhir/StructureDefinition/elementdefinition-identifier"
	sysIDCurrency  = "https://bluebutton.cms.gov/resources/codesystem/identifier-currency"
	sysMBI         = "http://hl7.org/fhir/sid/us-mbi"
	urlProfile     = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-"
)

// Code systems and extension URLs of BFD v1 (STU3), as in the STU3 fixtures.
const (
	sysExClaimType    = "http://hl7.org/fhir/ex-claimtype"
	sysCareRoleSTU3   = "http://hl7.org/fhir/claimcareteamrole"
	sysNPI            = "http://hl7.org/fhir/sid/us-npi"
	sysDxTypeSTU3     = "https://bluebutton.cms.gov/resources/codesystem/diagnosis-type"
	sysSrvcClsfctn    = urlBB + "clm_srvc_clsfctn_type_cd"
	sysPrvdrNum       = urlBB + "prvdr_num"
	sysMoney          = "urn:iso:std:iso:4217"
	sysUCUM           = "http://unitsofmeasure.org"
	sysCarrNum        = urlBB + "carr_num"
	sysCarrCtrlNum    = urlBB + "carr_clm_cntl_num"
	sysCarrPmtDnl     = urlBB + "carr_clm_pmt_dnl_cd"
	sysAsgmnt         = urlBB + "asgmntcd"
	sysClnclTril      = urlBB + "clm_clncl_tril_num"
	sysFINum          = urlBB + "fi_num"
	sysFIDocCtrlNum   = urlBB + "fi_doc_clm_cntl_num"
	sysFIOrigCtrlNum  = urlBB + "fi_orig_clm_cntl_num"
	sysNonPmtRsn      = urlBB + "clm_mdcr_non_pmt_rsn_cd"
	sysCarrMtusCd     = urlBB + "carr_line_mtus_cd"
	sysCarrMtusCnt    = urlBB + "carr_line_mtus_cnt"
	sysDMEMtusCnt     = urlBB + "dmerc_line_mtus_cnt"
	sysDMEMtusCd      = urlBB + "dmerc_line_mtus_cd"
	sysSuplrNum       = urlBB + "suplrnum"
	sysRevNDCQty      = urlBB + "rev_cntr_ndc_qty"
	sysRevNDC         = urlBB + "rev_cntr_ide_ndc_upc_num"
	sysPOAPrefix      = urlBB + "clm_poa_ind_sw"
	sysExtPOAPrefix   = urlBB + "clm_e_poa_ind_sw"
	displayPrimary    = "Primary provider"
	displayAssist     = "Assisting Provider"
	displayOtherRole  = "Other"
	displayServices   = "Services"
	displayNumService = "Number of services"
)

// Claim types, in the order of claimTypes.
const (
	tCarrier = iota
	tOutpatient
	tDME
	tInpatient
	tSNF
	tHHA
	tHospice
	numTypes
)

// claimType describes the fixed parts of one EOB type.
type claimType struct {
	eobType  string // eob-type code, e.g. CARRIER
	idPrefix string // EOB id prefix, e.g. carrier
	weight   int    // relative frequency, percent
	nch      []code // nch_clm_type_cd choices (first is the most common)
	carin    string // CARIN claim-type code
	carinDsp string
	profile  string // meta.profile suffix
	nearLine []code // nch_near_line_rec_ident_cd choices
	facility []code // clm_fac_type_cd choices (institutional only)
}

// code is a code with its display ("" for none).
type code struct{ c, d string }

var (
	nlO = code{"O", "Part B physician/supplier claim record (processed by local carriers; can include DMEPOS services)"}
	nlM = code{"M", "Part B DMEPOS claim record (processed by DME Regional Carrier)"}
	nlV = code{"V", "Part A institutional claim record (inpatient [IP], skilled nursing facility [SNF], hospice [HOS], or home health agency [HHA])"}
	nlW = code{"W", "Part B institutional claim record (outpatient [HOP], HHA)"}

	facHospital = code{"1", "Hospital"}
	facSNF      = code{"2", "Skilled Nursing Facility (SNF)"}
	facHHA      = code{"3", "Home Health Agency (HHA)"}
	facClinic   = code{"7", "Clinic or hospital-based renal dialysis facility"}
	facSpecial  = code{"8", "Ambulatory Surgery Center (ASC) or other special facility (e.g. hospice)"}
)

// claimTypes: the weights sum to 100. DME is CARIN "institutional" with the
// Inpatient-Institutional profile and HHA is "professional" with the
// Professional-NonClinician profile, exactly as BFD v2 (and the AB2D
// fixtures) emit them.
var claimTypes = [numTypes]claimType{
	tCarrier: {"CARRIER", "carrier", 45,
		[]code{{"71", "Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim"}, {"72", "Local carrier DMEPOS claim"}},
		"professional", "Professional", "Professional-NonClinician", []code{nlO}, nil},
	tOutpatient: {"OUTPATIENT", "outpatient", 25,
		[]code{{"40", "Hospital Outpatient claim"}},
		"institutional", "Institutional", "Outpatient-Institutional", []code{nlW}, []code{facHospital, facHospital, facHospital, facClinic, facSpecial}},
	tDME: {"DME", "dme", 10,
		[]code{{"82", "DMERC; DMEPOS claim"}, {"81", "DMERC; non-DMEPOS claim"}},
		"institutional", "Institutional", "Inpatient-Institutional", []code{nlM}, nil},
	tInpatient: {"INPATIENT", "inpatient", 6,
		[]code{{"60", "Inpatient claim"}, {"61", "Inpatient 'Full-Encounter' claim"}},
		"institutional", "Institutional", "Inpatient-Institutional", []code{nlV}, []code{facHospital}},
	tSNF: {"SNF", "snf", 4,
		[]code{{"20", "Non swing bed Skilled Nursing Facility (SNF) claim"}, {"30", "Swing bed SNF claim"}},
		"institutional", "Institutional", "Inpatient-Institutional", []code{nlV}, []code{facSNF}},
	tHHA: {"HHA", "hha", 5,
		[]code{{"10", "Home Health Agency (HHA) claim"}},
		"professional", "Professional", "Professional-NonClinician", []code{nlW, nlW, nlV}, []code{facHHA}},
	tHospice: {"HOSPICE", "hospice", 5,
		[]code{{"50", "Hospice claim"}},
		"institutional", "Institutional", "Inpatient-Institutional", []code{nlV}, []code{facSpecial}},
}

// dx is an ICD-10-CM diagnosis code (no dot, as BFD sends it).
type dx = code

// diagnoses: real ICD-10-CM codes common in Medicare claims. No substance-use
// (42 CFR Part 2) codes: AB2D never exports SAMHSA claims.
var diagnoses = []dx{
	{"E119", "TYPE 2 DIABETES MELLITUS WITHOUT COMPLICATIONS"},
	{"I10", "ESSENTIAL (PRIMARY) HYPERTENSION"},
	{"E785", "HYPERLIPIDEMIA, UNSPECIFIED"},
	{"J449", "CHRONIC OBSTRUCTIVE PULMONARY DISEASE, UNSPECIFIED"},
	{"N179", "ACUTE KIDNEY FAILURE, UNSPECIFIED"},
	{"I4891", "UNSPECIFIED ATRIAL FIBRILLATION"},
	{"I5032", "CHRONIC DIASTOLIC (CONGESTIVE) HEART FAILURE"},
	{"I5022", "CHRONIC SYSTOLIC (CONGESTIVE) HEART FAILURE"},
	{"I5023", "ACUTE ON CHRONIC SYSTOLIC (CONGESTIVE) HEART FAILURE"},
	{"N1830", "CHRONIC KIDNEY DISEASE, STAGE 3 UNSPECIFIED"},
	{"E1122", "TYPE 2 DIABETES MELLITUS WITH DIABETIC CHRONIC KIDNEY DISEASE"},
	{"E1165", "TYPE 2 DIABETES MELLITUS WITH HYPERGLYCEMIA"},
	{"I2510", "ATHEROSCLEROTIC HEART DISEASE OF NATIVE CORONARY ARTERY WITHOUT ANGINA PECTORIS"},
	{"F0390", "UNSPECIFIED DEMENTIA WITHOUT BEHAVIORAL DISTURBANCE"},
	{"G309", "ALZHEIMER'S DISEASE, UNSPECIFIED"},
	{"M170", "BILATERAL PRIMARY OSTEOARTHRITIS OF KNEE"},
	{"M1990", "UNSPECIFIED OSTEOARTHRITIS, UNSPECIFIED SITE"},
	{"M5450", "LOW BACK PAIN, UNSPECIFIED"},
	{"R0602", "SHORTNESS OF BREATH"},
	{"R079", "CHEST PAIN, UNSPECIFIED"},
	{"R531", "WEAKNESS"},
	{"R5383", "OTHER FATIGUE"},
	{"Z0000", "ENCOUNTER FOR GENERAL ADULT MEDICAL EXAMINATION WITHOUT ABNORMAL FINDINGS"},
	{"Z23", "ENCOUNTER FOR IMMUNIZATION"},
	{"Z1231", "ENCOUNTER FOR SCREENING MAMMOGRAM FOR MALIGNANT NEOPLASM OF BREAST"},
	{"Z7901", "LONG TERM (CURRENT) USE OF ANTICOAGULANTS"},
	{"Z794", "LONG TERM (CURRENT) USE OF INSULIN"},
	{"Z7982", "LONG TERM (CURRENT) USE OF ASPIRIN"},
	{"J189", "PNEUMONIA, UNSPECIFIED ORGANISM"},
	{"J9601", "ACUTE RESPIRATORY FAILURE WITH HYPOXIA"},
	{"J441", "CHRONIC OBSTRUCTIVE PULMONARY DISEASE WITH (ACUTE) EXACERBATION"},
	{"A419", "SEPSIS, UNSPECIFIED ORGANISM"},
	{"R6520", "SEVERE SEPSIS WITHOUT SEPTIC SHOCK"},
	{"N390", "URINARY TRACT INFECTION, SITE NOT SPECIFIED"},
	{"E871", "HYPO-OSMOLALITY AND HYPONATREMIA"},
	{"E860", "DEHYDRATION"},
	{"D649", "ANEMIA, UNSPECIFIED"},
	{"E039", "HYPOTHYROIDISM, UNSPECIFIED"},
	{"K219", "GASTRO-ESOPHAGEAL REFLUX DISEASE WITHOUT ESOPHAGITIS"},
	{"F329", "MAJOR DEPRESSIVE DISORDER, SINGLE EPISODE, UNSPECIFIED"},
	{"F419", "ANXIETY DISORDER, UNSPECIFIED"},
	{"G4733", "OBSTRUCTIVE SLEEP APNEA (ADULT) (PEDIATRIC)"},
	{"H2513", "AGE-RELATED NUCLEAR CATARACT, BILATERAL"},
	{"I639", "CEREBRAL INFARCTION, UNSPECIFIED"},
	{"I480", "PAROXYSMAL ATRIAL FIBRILLATION"},
	{"I110", "HYPERTENSIVE HEART DISEASE WITH HEART FAILURE"},
	{"I129", "HYPERTENSIVE CHRONIC KIDNEY DISEASE WITH STAGE 1 THROUGH STAGE 4 CHRONIC KIDNEY DISEASE, OR UNSPECIFIED CHRONIC KIDNEY DISEASE"},
	{"I739", "PERIPHERAL VASCULAR DISEASE, UNSPECIFIED"},
	{"L89154", "PRESSURE ULCER OF SACRAL REGION, STAGE 4"},
	{"M810", "AGE-RELATED OSTEOPOROSIS WITHOUT CURRENT PATHOLOGICAL FRACTURE"},
	{"S72001A", "FRACTURE OF UNSPECIFIED PART OF NECK OF RIGHT FEMUR, INITIAL ENCOUNTER FOR CLOSED FRACTURE"},
	{"C3490", "MALIGNANT NEOPLASM OF UNSPECIFIED PART OF UNSPECIFIED BRONCHUS OR LUNG"},
	{"C61", "MALIGNANT NEOPLASM OF PROSTATE"},
	{"C50911", "MALIGNANT NEOPLASM OF UNSPECIFIED SITE OF RIGHT FEMALE BREAST"},
	{"U071", "COVID-19"},
	{"Z20822", "CONTACT WITH AND (SUSPECTED) EXPOSURE TO COVID-19"},
	{"E669", "OBESITY, UNSPECIFIED"},
	{"N400", "BENIGN PROSTATIC HYPERPLASIA WITHOUT LOWER URINARY TRACT SYMPTOMS"},
	{"R296", "REPEATED FALLS"},
	{"Z9181", "HISTORY OF FALLING"},
	{"Z951", "PRESENCE OF AORTOCORONARY BYPASS GRAFT"},
	{"R410", "DISORIENTATION, UNSPECIFIED"},
}

// externalCauses: ICD-10-CM external-cause codes (diagnosis type
// externalcauseofinjury).
var externalCauses = []dx{
	{"W19XXXA", "UNSPECIFIED FALL, INITIAL ENCOUNTER"},
	{"W1830XA", "FALL ON SAME LEVEL, UNSPECIFIED, INITIAL ENCOUNTER"},
	{"W010XXA", "FALL ON SAME LEVEL FROM SLIPPING, TRIPPING AND STUMBLING WITHOUT SUBSEQUENT STRIKING AGAINST OBJECT, INITIAL ENCOUNTER"},
	{"Y92009", "UNSPECIFIED PLACE IN UNSPECIFIED NON-INSTITUTIONAL (PRIVATE) RESIDENCE AS THE PLACE OF OCCURRENCE OF THE EXTERNAL CAUSE"},
	{"Y92239", "UNSPECIFIED PLACE IN HOSPITAL AS THE PLACE OF OCCURRENCE OF THE EXTERNAL CAUSE"},
	{"V4352XA", "CAR DRIVER INJURED IN COLLISION WITH OTHER TYPE CAR IN TRAFFIC ACCIDENT, INITIAL ENCOUNTER"},
}

// procedures: real ICD-10-PCS codes (7 characters).
var procedures = []code{
	{"0SRD0JZ", "REPLACEMENT OF LEFT KNEE JOINT WITH SYNTHETIC SUBSTITUTE, OPEN APPROACH"},
	{"0SRC0JZ", "REPLACEMENT OF RIGHT KNEE JOINT WITH SYNTHETIC SUBSTITUTE, OPEN APPROACH"},
	{"0SR9019", "REPLACEMENT OF RIGHT HIP JOINT WITH METAL SYNTHETIC SUBSTITUTE, CEMENTED, OPEN APPROACH"},
	{"02703ZZ", "DILATION OF CORONARY ARTERY, ONE ARTERY, PERCUTANEOUS APPROACH"},
	{"027034Z", "DILATION OF CORONARY ARTERY, ONE ARTERY WITH DRUG-ELUTING INTRALUMINAL DEVICE, PERCUTANEOUS APPROACH"},
	{"5A1955Z", "RESPIRATORY VENTILATION, GREATER THAN 96 CONSECUTIVE HOURS"},
	{"5A1945Z", "RESPIRATORY VENTILATION, 24-96 CONSECUTIVE HOURS"},
	{"5A2204Z", "RESTORATION OF CARDIAC RHYTHM, SINGLE"},
	{"5A1D70Z", "PERFORMANCE OF URINARY FILTRATION, INTERMITTENT, LESS THAN 6 HOURS PER DAY"},
	{"0DTJ4ZZ", "RESECTION OF APPENDIX, PERCUTANEOUS ENDOSCOPIC APPROACH"},
	{"0FT44ZZ", "RESECTION OF GALLBLADDER, PERCUTANEOUS ENDOSCOPIC APPROACH"},
	{"0DB68ZX", "EXCISION OF STOMACH, VIA NATURAL OR ARTIFICIAL OPENING ENDOSCOPIC, DIAGNOSTIC"},
	{"0W9G3ZZ", "DRAINAGE OF PERITONEAL CAVITY, PERCUTANEOUS APPROACH"},
	{"30233N1", "TRANSFUSION OF NONAUTOLOGOUS RED BLOOD CELLS INTO PERIPHERAL VEIN, PERCUTANEOUS APPROACH"},
	{"02HV33Z", "INSERTION OF INFUSION DEVICE INTO SUPERIOR VENA CAVA, PERCUTANEOUS APPROACH"},
	{"B2111ZZ", "FLUOROSCOPY OF MULTIPLE CORONARY ARTERIES USING LOW OSMOLAR CONTRAST"},
	{"4A023N7", "MEASUREMENT OF CARDIAC SAMPLING AND PRESSURE, LEFT HEART, PERCUTANEOUS APPROACH"},
	{"0BH17EZ", "INSERTION OF ENDOTRACHEAL AIRWAY INTO TRACHEA, VIA NATURAL OR ARTIFICIAL OPENING"},
	{"3E0G76Z", "INTRODUCTION OF NUTRITIONAL SUBSTANCE INTO UPPER GI, VIA NATURAL OR ARTIFICIAL OPENING"},
	{"0JH606Z", "INSERTION OF PACEMAKER, DUAL CHAMBER INTO CHEST SUBCUTANEOUS TISSUE AND FASCIA, OPEN APPROACH"},
	{"02HK3JZ", "INSERTION OF PACEMAKER LEAD INTO RIGHT VENTRICLE, PERCUTANEOUS APPROACH"},
}

// HCPCS / CPT codes per kind of claim.
var (
	// hcpcsCarrier: physician/supplier services. Codes 00100-01999 are
	// anesthesia codes (they get anesthesia units); J codes are drugs (they
	// get an NDC); 80000-89999 and 36415 are lab codes (they get a CLIA lab
	// number).
	hcpcsCarrier = []string{
		"99213", "99214", "99213", "99214", "99215", "99212", "99204", "99203",
		"99232", "99233", "99231", "99308", "99309", "99349", "G0439", "G0438",
		"80053", "85025", "36415", "80061", "83036", "84443", "81001", "93000",
		"71046", "77067", "97110", "97140", "20610", "66984", "92014", "G0008",
		"J1885", "J0897", "J3301", "J1100", "J9035", "00142", "00740", "01402",
	}
	hcpcsDME = []string{
		"E0601", "E0431", "E1390", "A4253", "A4259", "K0001", "E0260", "L3908",
		"A7030", "E0114", "A4239", "E0143", "B4035", "J7613", "E0439",
	}
	hcpcsOutpatient = []string{
		"36415", "80053", "85025", "71046", "93005", "96374", "99284", "99285",
		"J1885", "74177", "70450", "G0378", "96372", "J2405", "80048", "84484",
		"81003", "93306", "97110", "G0463",
	}
	hcpcsInpatient = []string{
		"36415", "80053", "85025", "71046", "93005", "80048", "84484", "J1885",
		"J2405", "96374", "74177", "70450",
	}
	hcpcsSNF     = []string{"97110", "97140", "97530", "92507", "97116", "97535", "J1885", "36415"}
	hcpcsHHA     = []string{"G0299", "G0300", "G0151", "G0152", "G0153", "G0155", "G0493", "G0162"}
	hcpcsHospice = []string{"Q5001", "Q5002", "Q5003", "G0155", "G0299", "G0151", "G0299"}
)

// drgs: 3-digit MS-DRG codes.
var drgs = []string{
	"470", "871", "872", "291", "292", "190", "193", "194", "690", "683",
	"065", "247", "392", "603", "378", "312", "208", "177", "481", "640",
	"309", "853",
}

// ndcs: 11-digit NDC codes used with J codes and DME supplies.
var ndcs = []string{
	"00409379701", "55513073001", "00703157301", "63323016501", "50242006001",
	"00487980125", "49035044700", "00409125201", "00641609825", "00143987710",
}

// placesOfService: line_place_of_srvc_cd with its CCW display.
var (
	posOffice = code{"11", "Office. Location, other than a hospital, skilled nursing facility (SNF), military treatment facility, community health center, State or local public health clinic, or intermediate care facility (ICF), where the health professional routinely provides health examinations, diagnosis, and treatment of illness or injury on an ambulatory basis."}
	posHome   = code{"12", "Home. Location, other than a hospital or other facility, where the patient receives care in a private residence."}
	posInpt   = code{"21", "Inpatient hospital. A facility, other than psychiatric, which primarily provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services by, or under, the supervision of physicians to patients admitted for a variety of medical conditions."}
	posOutpt  = code{"22", "On Campus-Outpatient Hospital. A portion of a hospital's main campus which provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services to sick or injured persons who do not require hospitalization or institutionalization."}
	posER     = code{"23", "Emergency room-hospital. A portion of a hospital where emergency diagnosis and treatment of illness or injury is provided."}
	posSNF    = code{"31", "Skilled nursing facility (SNF). A facility which primarily provides inpatient skilled nursing care and related services to patients who require medical, nursing, or rehabilitative services but does not provide the level of care or treatment available in a hospital."}
	posLab    = code{"81", "Independent laboratory. A laboratory certified to perform diagnostic and/or clinical tests independent of an institution or a physician's office."}
	// posCarrier is weighted by repetition.
	posCarrier = []code{posOffice, posOffice, posOffice, posOffice, posOffice, posInpt, posInpt, posOutpt, posER, posSNF, posLab, posHome}
	posDME     = []code{posHome, posHome, posHome, posHome, posHome, posOffice, posSNF}
)

// states: provider states with a 3-digit ZIP prefix and a carrier pricing
// locality.
var states = []struct{ st, zip3, lclty, lcltyDsp string }{
	{"AL", "352", "00", "ALABAMA"}, {"AZ", "850", "00", "ARIZONA"},
	{"CA", "900", "18", "LOS ANGELES"}, {"CO", "802", "01", "COLORADO"},
	{"CT", "061", "15", "CONNECTICUT"}, {"FL", "331", "04", "MIAMI"},
	{"GA", "303", "01", "ATLANTA"}, {"IA", "503", "00", "IOWA"},
	{"IL", "606", "16", "CHICAGO"}, {"KY", "402", "00", "KENTUCKY"},
	{"MA", "021", "01", "METROPOLITAN BOSTON"}, {"MI", "482", "01", "DETROIT"},
	{"MN", "554", "00", "MINNESOTA"}, {"MO", "631", "02", "METROPOLITAN ST. LOUIS"},
	{"NC", "276", "00", "NORTH CAROLINA"}, {"NJ", "070", "01", "NORTHERN NJ"},
	{"NY", "100", "01", "MANHATTAN"}, {"OH", "441", "00", "OHIO"},
	{"PA", "191", "01", "METROPOLITAN PHILADELPHIA"}, {"TX", "770", "18", "HOUSTON"},
	{"UT", "841", "09", "UTAH"}, {"WA", "981", "02", "SEATTLE (KING CNTY)"},
}

// specialties: prvdr_spclty for carrier performing providers; dmeSpecialties
// for DME suppliers.
var (
	specialties = []code{
		{"01", "General practice"}, {"08", "Family practice"}, {"11", "Internal medicine"},
		{"06", "Cardiology"}, {"41", "Optometrist"}, {"69", "Clinical laboratory (billing independently)"},
		{"18", "Ophthalmology"}, {"30", "Diagnostic radiology"}, {"05", "Anesthesiology"},
		{"65", "Physical therapist in private practice"}, {"50", "Nurse practitioner"},
		{"97", "Physician assistant"}, {"20", "Orthopedic surgery"}, {"13", "Neurology"},
	}
	dmeSpecialties = []code{
		{"A5", "Pharmacy (DMERC)"}, {"87", "All other suppliers (e.g. drug and department stores)"},
		{"A6", "Medical supply company with respiratory therapist"},
		{"54", "Medical supply company not included in 51, 52, or 53"},
	}
	supplierTypes = []code{
		{"3", "Suppliers (other than sole proprietorship) for whom employer identification (EI) numbers are used in coding the ID field."},
		{"8", "Other entities for whom employer identification (EI) numbers are used in coding the ID field or proprietorship for whom EI numbers are used in coding the ID field."},
		{"1", "Physicians or suppliers billing as solo practitioners for whom SSN's are shown in the physician ID code field."},
		{"5", "Institutional providers and independent laboratories for whom employer identification (EI) numbers are used in coding the ID field."},
	}
	poaCodes = []code{
		{"Y", "Diagnosis was present at the time of admission (POA)"},
		{"Y", "Diagnosis was present at the time of admission (POA)"},
		{"Y", "Diagnosis was present at the time of admission (POA)"},
		{"Y", "Diagnosis was present at the time of admission (POA)"},
		{"Y", "Diagnosis was present at the time of admission (POA)"},
		{"N", "Diagnosis was not present at the time of admission"},
		{"U", "Documentation is insufficient to determine if condition is present on admission"},
		{"W", "Provider is unable to clinically determine whether condition was present on admission or not"},
	}
)

// Care-team roles (C4BBClaimCareTeamRole) with their displays.
var (
	roleAttending      = code{"attending", "Attending"}
	roleOperating      = code{"operating", "Operating"}
	roleOtherOperating = code{"otheroperating", "Other Operating"}
	rolePerforming     = code{"performing", "Performing provider"}
	roleReferring      = code{"referring", "Referring"}
	rolePrimary        = code{"primary", "Primary provider"} // claimcareteamrole (HL7)
)

// orgWords1 and orgWords2 build synthetic organization names (no real
// organization is meant).
var (
	orgWords1 = []string{
		"LAKEVIEW", "RIVERSIDE", "SUMMIT", "PINE RIDGE", "MAPLE GROVE", "NORTHSHORE",
		"VALLEY", "BAYSIDE", "CEDAR HILL", "HIGHLAND", "GRANITE", "PRAIRIE",
		"COASTAL", "MIDTOWN", "HARBOR", "WILLOW CREEK",
	}
	orgWords2 = []string{
		"MEDICAL GROUP", "FAMILY PRACTICE PC", "CARDIOLOGY ASSOCIATES", "ORTHOPEDICS PC",
		"IMAGING CENTER LLC", "LABORATORIES INC", "HEALTH SYSTEM", "PHYSICIANS LLC",
		"INTERNAL MEDICINE", "EYE CARE CENTER",
	}
)

// Code systems, extension URLs and profiles of BFD v3 (the IDR model), as
// in the current-shape v3 fixtures (testdata/fixtures/v3/CMSgov-bfd__idr-*).
const (
	urlBBv3Sys         = "https://bluebutton.cms.gov/fhir/CodeSystem/"
	urlBBv3Ext         = "https://bluebutton.cms.gov/fhir/StructureDefinition/"
	sysV3ClmType       = urlBBv3Sys + "CLM-TYPE-CD"
	sysV3EOBType       = urlBBv3Sys + "EOB-TYPE"
	sysV3FinalAction   = urlBBv3Sys + "Final-Action"
	sysV3SystemType    = urlBBv3Sys + "System-Type"
	sysV3SupportInfo   = urlBBv3Sys + "Supporting-Information"
	sysV3NearLine      = urlBBv3Sys + "CLM-NRLN-RIC-CD"
	sysV3Spclty        = urlBBv3Sys + "CLM-PRVDR-SPCLTY-CD"
	sysV3PrvdrType     = urlBBv3Sys + "CLM-PRVDR-TYPE-CD"
	sysV3PrcngLclty    = urlBBv3Sys + "CLM-PRCNG-LCLTY-CD"
	extV3PrvdrType     = urlBBv3Ext + "CLM-PRVDR-TYPE-CD"
	extV3PrcngLclty    = urlBBv3Ext + "CLM-PRCNG-LCLTY-CD"
	extV3Ansthsa       = urlBBv3Ext + "CLM-LINE-ANSTHSA-UNIT-CNT"
	sysV3CtrlNum       = "https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM"
	sysV3ICD10CM       = "http://hl7.org/fhir/sid/icd-10-cm"
	sysV3ICD10PCS      = "http://www.cms.gov/Medicare/Coding/ICD10"
	sysV3POA           = "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/HospitalAcqCond/Coding"
	sysV3DRG           = "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software"
	sysV3HCPCS         = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	sysV3CPT           = "http://www.ama-assn.org/go/cpt"
	sysV3POS           = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
	sysV3IDType        = "http://terminology.hl7.org/CodeSystem/v2-0203"
	sysV3CCN           = "http://terminology.hl7.org/NamingSystem/CCN"
	sysV3SupportType   = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType"
	sysV3ProcType      = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimProcedureType"
	sysV3InstSubType   = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBInstitutionalClaimSubType"
	sysV3DataAbsent    = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
	sysV3Compound      = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBCompoundLiteral"
	urlV3ProfileCMS    = "https://bluebutton.cms.gov/fhir/StructureDefinition/CMS-ExplanationOfBenefit-"
	urlV3ProfileOrg    = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Organization|2.2.0"
	urlV3ProfileUSOrg  = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization|7.0.0"
	v3C4BBVersion      = "|2.2.0"
	v3ProfileInpatient = "Inpatient-Institutional"
	v3ProfilePharmacy  = "Pharmacy"
)
