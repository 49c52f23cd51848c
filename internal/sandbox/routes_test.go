package sandbox

import (
	"net/http"
	"testing"
)

// TestRouting pins what the router answers for unknown paths, unknown
// versions and methods a path does not serve, with and without a token.
func TestRouting(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.token(z0000)
	job := statusPath("v2", newUUID())
	tests := []struct {
		method, path string
		auth         bool
		code         int
		allow        string // Allow header of a 405
		text         string // OperationOutcome text, if any
	}{
		{"POST", "/health", false, 405, "GET", ""},
		{"HEAD", "/health", false, 405, "GET", ""},
		{"PUT", "/status", false, 405, "GET", ""},
		{"GET", TokenPath, false, 405, "POST", ""},
		{"GET", "/nowhere", false, 404, "", ""},
		{"GET", "/api/v2", false, 404, "", ""},
		{"GET", "/api/v2/fhir", false, 404, "", ""},
		{"GET", "/api/v2/other/metadata", false, 404, "", ""},
		{"GET", "/api/v9/fhir/metadata", false, 404, "", ""},
		{"POST", "/api/v9/fhir/metadata", false, 404, "", ""},
		{"GET", "/api/v9/fhir/Patient/$export", true, 404, "", ""},
		{"POST", "/api/v2/fhir/metadata", false, 405, "GET", ""},
		{"HEAD", "/api/v1/fhir/metadata", false, 405, "GET", ""},
		// Under /fhir the token is checked first.
		{"POST", "/api/v2/fhir/Patient/$export", false, 401, "", ""},
		{"GET", "/api/v2/fhir/Patient", false, 401, "", ""},
		{"POST", "/api/v2/fhir/Patient/$export", true, 405, "GET", ""},
		{"HEAD", "/api/v2/fhir/Patient/$export", true, 405, "GET", ""},
		{"PUT", "/api/v1/fhir/Group/Z0000/$export", true, 405, "GET", ""},
		{"POST", job, true, 405, "GET, DELETE", ""},
		{"DELETE", "/api/v2/fhir/Job/x/file/Z0000_0001.ndjson", true, 405, "GET", ""},
		{"GET", "/api/v2/fhir/", true, 404, "", "No static resource api/v2/fhir/."},
		{"GET", "/api/v2/fhir/Patient", true, 404, "", "No static resource api/v2/fhir/Patient."},
		{"POST", "/api/v1/fhir/Patient/$export/", true, 404, "", "No static resource api/v1/fhir/Patient/$export/."},
		{"GET", "/api/v2/fhir/Job/x/file", true, 404, "", "No static resource api/v2/fhir/Job/x/file."},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			bearer := ""
			if tc.auth {
				bearer = tok
			}
			r := h.do(tc.method, tc.path, bearer)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.body)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.text != "" {
				if got := outcomeText(t, r.body); got != tc.text {
					t.Errorf("text %q, want %q", got, tc.text)
				}
			}
			if tc.code == http.StatusNotFound && tc.text == "" && tc.method != "HEAD" && string(r.body) != "404 page not found\n" {
				t.Errorf("body %q, want the plain 404", r.body)
			}
		})
	}
}
