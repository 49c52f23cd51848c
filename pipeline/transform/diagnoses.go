package transform

// Diagnoses and ICD procedures.

import (
	"math/bits"
	"strings"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
)

// diagnoses reads one Diagnosis row per diagnosis entry that has a
// diagnosisCodeableConcept (entries with only a packageCode carry the STU3
// DRG and are not diagnoses), and sets the principal diagnosis code.
//
// DiagnosisNumber is the row's 1-based position among these rows: BFD v1
// lists the DRG first, numbered 1 or without a sequence, so the STU3
// sequences of a claim with a DRG are one higher than the R4 ones while the
// numbers are the same in both versions.
func (f *Flattener) diagnoses(root *jsontree.Value) {
	for i, d := range f.arr(root, "diagnosis") {
		if !f.enterElem("diagnosis", i, d) {
			return
		}
		if f.get(d, "diagnosisCodeableConcept") == nil {
			f.leave()
			continue
		}
		var row ClaimDiagnosesRow
		row.Sequence = f.seq(colClaimDiagnosesSequence, d, "sequence")
		row.DiagnosisNumber = Int{int64(len(f.rec.ClaimDiagnoses) + 1), true}
		code, system := f.preferredCoding(d, "diagnosisCodeableConcept", isICDSystem)
		row.Code = f.copyString(code)
		row.CodeSystem = f.in(system)
		principal := false
		row.DiagnosisType, row.DiagnosisRole, principal = f.diagnosisType(d)
		poa, _ := f.firstCoding(d, "onAdmission")
		row.PresentOnAdmission = f.in(poa)
		f.extensions(d, extCtx{element: elemDiagnosis, seq: row.Sequence}, func(url []byte, ext *jsontree.Value) bool {
			if hasPrefix(url, urlPOAPrefix) || hasPrefix(url, urlExtPOAPrefix) {
				if row.PresentOnAdmission == "" {
					row.PresentOnAdmission = f.in(f.extValueCode(ext))
				}
				return true
			}
			return false
		})
		if principal && f.c.PrincipalDiagnosisCode == "" {
			f.c.PrincipalDiagnosisCode = row.Code
		}
		if f.c.AdmittingDiagnosisCode == "" && hasToken(row.DiagnosisType, "admitting") {
			f.c.AdmittingDiagnosisCode = row.Code
		}
		f.rec.ClaimDiagnoses = append(f.rec.ClaimDiagnoses, row)
		f.leave()
	}
}

// hasToken says whether the comma-separated list has the token.
func hasToken(list, token string) bool {
	for len(list) > 0 {
		i := strings.IndexByte(list, ',')
		if i < 0 {
			return list == token
		}
		if list[:i] == token {
			return true
		}
		list = list[i+1:]
	}
	return false
}

// Normalized diagnosis roles (claim_diagnoses.diagnosis_role), in the order
// they are listed when a diagnosis has several.
const (
	dxRolePrincipal = 1 << iota
	dxRoleAdmitting
	dxRoleSecondary
	dxRoleExternalCause
	dxRoleReasonForVisit
)

// dxRoleNames are the names of the dxRole bits, in bit order.
var dxRoleNames = [...]string{"principal", "admitting", dxRoleSecondaryName, "external_cause", "reason_for_visit"}

// dxRoleSecondaryName is the role of a diagnosis without a type code.
const dxRoleSecondaryName = "secondary"

// dxRoleOf maps a diagnosis type code of either vocabulary to its dxRole
// bit, or 0 for a code it does not know:
//   - principal, admitting: the same code in BFD v2 (ex-diagnosistype) and
//     BFD v1 (diagnosis-type);
//   - secondary: BFD v2 C4BB other and secondary, BFD v1 other;
//   - external_cause: BFD v2 externalcauseofinjury, BFD v1 external-first
//     and external;
//   - reason_for_visit: BFD v2 patientreasonforvisit, BFD v1
//     reason-for-visit.
func dxRoleOf(code []byte) int {
	switch string(code) {
	case "principal":
		return dxRolePrincipal
	case "admitting":
		return dxRoleAdmitting
	case "other", "secondary":
		return dxRoleSecondary
	case "externalcauseofinjury", "external-first", "external":
		return dxRoleExternalCause
	case "patientreasonforvisit", "reason-for-visit":
		return dxRoleReasonForVisit
	}
	return 0
}

// diagnosisType joins the codes of all type[].coding[] with "," (types),
// maps them to the normalized roles (see dxRoleOf; a diagnosis without a
// type code is secondary, as BFD v1 leaves the other diagnoses of most
// claim types untyped; codes it does not know are kept, after the known
// roles) and says whether one of them is "principal".
func (f *Flattener) diagnosisType(d *jsontree.Value) (types, roles string, principal bool) {
	f.buf = f.buf[:0]
	known, unknown := 0, 0
	for i, t := range f.arr(d, "type") {
		if !f.enterElem("type", i, t) {
			return "", "", false
		}
		for j, c := range f.arr(t, "coding") {
			if !f.enterElem("coding", j, c) {
				return "", "", false
			}
			code := f.strb(c, "code")
			if len(code) > 0 {
				if len(f.buf) > 0 {
					f.buf = append(f.buf, ',')
				}
				f.buf = append(f.buf, code...)
				principal = principal || string(code) == "principal"
				if r := dxRoleOf(code); r != 0 {
					known |= r
				} else {
					unknown++
				}
			}
			f.leave()
		}
		f.leave()
	}
	types = f.in(f.buf)
	switch {
	case len(f.buf) == 0:
		return types, dxRoleSecondaryName, principal
	case unknown == 0 && known&(known-1) == 0: // one known role: no allocation
		return types, dxRoleNames[bits.TrailingZeros(uint(known))], principal
	}
	f.buf = f.buf[:0]
	for i, name := range dxRoleNames {
		if known&(1<<i) != 0 {
			f.buf = appendToken(f.buf, name)
		}
	}
	if unknown > 0 {
		for _, code := range strings.Split(types, ",") {
			if dxRoleOf([]byte(code)) == 0 {
				f.buf = appendToken(f.buf, code)
			}
		}
	}
	return types, f.in(f.buf), principal
}

// appendToken appends token to the comma-separated list b.
func appendToken(b []byte, token string) []byte {
	if len(b) > 0 {
		b = append(b, ',')
	}
	return append(b, token...)
}

// procedures reads one Procedure row per procedure entry.
func (f *Flattener) procedures(root *jsontree.Value) {
	for i, p := range f.arr(root, "procedure") {
		if !f.enterElem("procedure", i, p) {
			return
		}
		var row ClaimProceduresRow
		row.Sequence = f.seq(colClaimProceduresSequence, p, "sequence")
		code, system := f.firstCoding(p, "procedureCodeableConcept")
		row.Code = f.copyString(code)
		row.CodeSystem = f.in(system)
		row.ProcedureDate = f.date(colClaimProceduresProcedureDate, p, "date")
		f.rec.ClaimProcedures = append(f.rec.ClaimProcedures, row)
		f.leave()
	}
}
