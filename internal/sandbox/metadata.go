package sandbox

import (
	"net/http"
)

// FHIR versions announced by the CapabilityStatements: HAPI's DSTU3 version
// string for v1, and the FHIRVersion._4_0_0 that CapabilityStatementR4.java
// sets for v2 and v3 (reference/ab2d-api.md §4.7).
const (
	fhirVersionSTU3 = "3.0.2"
	fhirVersionR4   = "4.0.0"
)

// handleMetadata serves the public GET /api/vN/fhir/metadata. v3's is v2's
// with software version V3 and without the Group export.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	ver := apiVersion(r.PathValue("version"))
	base := fhirBase(r, ver)
	date := s.now().UTC().Format("2006-01-02T15:04:05+00:00")
	ops := []struct{ name, path string }{
		{"export", "/Patient/$export"},
		{"export by contract", "/Group/{contractNumber}/$export"},
		{"cancel", "/Job/{jobUuid}/$status"},
		{"status", "/Job/{jobUuid}/$status"},
		{"download", "/Job/{jobUuid}/file/{filename}"},
		{"capability", "/metadata"},
	}
	security := map[string]any{
		"cors": true,
		"service": []any{map[string]any{
			"coding": []any{map[string]any{
				"system":  "http://hl7.org/fhir/restful-security-service",
				"code":    "OAuth",
				"display": "OAuth",
			}},
			"text": "OAuth",
		}},
	}
	// The versions differ in a few fields, and in how an operation names
	// its definition: STU3 by Reference, R4 by canonical URL.
	status, kind, software, fhirVersion, fhir := "draft", "requirements", "V2", fhirVersionR4, "R4"
	def := func(url string) any { return url }
	switch ver {
	case v1:
		status, kind, software, fhirVersion, fhir = "active", "instance", "V1", fhirVersionSTU3, "STU3"
		def = func(url string) any { return map[string]string{"reference": url} }
	case v3:
		software = "V3"
	}
	var operations []any
	for _, op := range ops {
		if ver == v3 && op.name == "export by contract" {
			continue
		}
		operations = append(operations, map[string]any{"name": op.name, "definition": def(base + op.path)})
	}
	cs := map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       status,
		"date":         date,
		"publisher":    "Centers for Medicare & Medicaid Services",
		"kind":         kind,
		"instantiates": []string{"http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"},
		"software":     map[string]string{"name": "AB2D", "version": software},
		"implementation": map[string]string{
			"description": "AB2D FHIR " + fhir + " Bulk Data Download Implementation (local sandbox)",
			"url":         base,
		},
		"fhirVersion": fhirVersion,
		"format":      []string{"application/json", "application/fhir+json"},
		"rest": []any{map[string]any{
			"mode":        "server",
			"security":    security,
			"interaction": []any{map[string]string{"code": "batch"}, map[string]string{"code": "search-system"}},
			"resource": []any{map[string]any{
				"type": "Patient",
				"operation": []any{map[string]any{
					"name":       "export",
					"definition": def("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"),
				}},
			}},
			"operation": operations,
		}},
	}
	if ver == v1 {
		cs["acceptUnknown"] = "extensions"
	}
	writeJSON(w, http.StatusOK, "application/json", cs)
}
