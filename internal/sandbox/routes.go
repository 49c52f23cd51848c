package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// apiVersion is the version segment of an API path: v1 (STU3), v2 (R4) or
// v3 (R4 with BFD's v3 claims).
type apiVersion string

// The API versions the sandbox serves.
const (
	v1 apiVersion = "v1"
	v2 apiVersion = "v2"
	v3 apiVersion = "v3"
)

// apiVersions are the versions the sandbox serves, oldest first.
var apiVersions = []apiVersion{v1, v2, v3}

// fhir returns the name of the API version's FHIR version as the service's
// FhirVersion enum has it: STU3, R4 or R4V3.
func (v apiVersion) fhir() string {
	switch v {
	case v1:
		return "STU3"
	case v3:
		return "R4V3"
	}
	return "R4"
}

// An apiHandler serves an authenticated request of client cl to
// /api/{ver}/fhir/….
type apiHandler func(w http.ResponseWriter, r *http.Request, ver apiVersion, cl *Client)

// method pairs an HTTP method with its handler.
type method struct {
	name string
	h    http.HandlerFunc
}

// apiMethod pairs an HTTP method with its API handler.
type apiMethod struct {
	name string
	h    apiHandler
}

// fhirBasePattern is the pattern of the API base paths.
const fhirBasePattern = "/api/{version}/fhir"

// routes returns the sandbox's request router.
//
// Every path answers the methods it does not serve with 405 and an Allow
// header, HEAD included (which ServeMux would otherwise give to a GET
// handler); under /api/{version}/fhir, except metadata, only after
// authentication, as the service's security filter runs before its
// dispatcher. An unknown path under /api/{version}/fhir gets the service's
// 404 OperationOutcome after authentication; any other unknown path, or an
// unknown version, a plain 404.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle(mux, TokenPath, nil, method{http.MethodPost, s.handleToken})
	handle(mux, "/health", nil, method{http.MethodGet, handleHealth})
	handle(mux, "/status", nil, method{http.MethodGet, s.handleMaintenance})
	handle(mux, fhirBasePattern+"/metadata", knownVersion, method{http.MethodGet, s.handleMetadata})

	all := apiVersions
	s.handleAPI(mux, "/Patient/$export", all, apiMethod{http.MethodGet, s.handleExport})
	// v3 has no Group export.
	s.handleAPI(mux, "/Group/{contract}/$export", []apiVersion{v1, v2}, apiMethod{http.MethodGet, s.handleExport})
	s.handleAPI(mux, "/Job/{id}/$status", all,
		apiMethod{http.MethodGet, s.handleStatus},
		apiMethod{http.MethodDelete, s.handleCancel})
	s.handleAPI(mux, "/Job/{id}/file/{name}", all, apiMethod{http.MethodGet, s.handleDownload})
	mux.HandleFunc(fhirBasePattern+"/", s.api(nil, noStaticResource))
	// The base itself is not found, before authentication; registered so
	// that ServeMux does not redirect it to the subtree above.
	mux.HandleFunc(fhirBasePattern, http.NotFound)
	return mux
}

// handle registers the methods of a public path and the 405 of the others,
// each wrapped by wrap if not nil.
func handle(mux *http.ServeMux, path string, wrap func(http.HandlerFunc) http.HandlerFunc, methods ...method) {
	if wrap == nil {
		wrap = func(h http.HandlerFunc) http.HandlerFunc { return h }
	}
	var allowed []string
	for _, m := range methods {
		mux.HandleFunc(m.name+" "+path, wrap(m.h))
		allowed = append(allowed, m.name)
	}
	notAllowed := wrap(func(w http.ResponseWriter, _ *http.Request) { methodNotAllowed(w, allowed) })
	mux.HandleFunc(path, notAllowed)
	if slices.Contains(allowed, http.MethodGet) {
		mux.HandleFunc(http.MethodHead+" "+path, notAllowed)
	}
}

// handleAPI registers the methods of path (under /api/{version}/fhir) for
// the API versions vers, and the 405 of the other methods; both answer only
// authenticated requests. In another version the path does not exist.
func (s *Server) handleAPI(mux *http.ServeMux, path string, vers []apiVersion, methods ...apiMethod) {
	path = fhirBasePattern + path
	var allowed []string
	for _, m := range methods {
		mux.HandleFunc(m.name+" "+path, s.api(vers, s.v3Gate(m.h)))
		allowed = append(allowed, m.name)
	}
	notAllowed := s.api(vers, func(w http.ResponseWriter, _ *http.Request, _ apiVersion, _ *Client) {
		methodNotAllowed(w, allowed)
	})
	mux.HandleFunc(path, notAllowed)
	if slices.Contains(allowed, http.MethodGet) {
		mux.HandleFunc(http.MethodHead+" "+path, notAllowed)
	}
}

// knownVersion wraps h for a public path under /api/{version}/fhir: a
// plain 404 for a version the sandbox does not serve.
func knownVersion(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(apiVersions, apiVersion(r.PathValue("version"))) {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}
}

// api wraps h for an API route of the versions vers (nil: any): a plain
// 404 for a version the sandbox does not serve; the security headers; the
// bearer token check; the 404 of a path that does not exist in this
// version; then h.
func (s *Server) api(vers []apiVersion, h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ver := apiVersion(r.PathValue("version"))
		if !slices.Contains(apiVersions, ver) {
			http.NotFound(w, r)
			return
		}
		securityHeaders(w)
		cl, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if vers != nil && !slices.Contains(vers, ver) {
			noStaticResource(w, r, ver, cl)
			return
		}
		h(w, r, ver, cl)
	}
}

// v3Gate wraps the handler of a v3 operation with the service's check that
// v3 is on and the caller's contract on the v3 allow-list
// (ApiCommon.checkContractIsAllowListedForV3): 403 with an OperationOutcome
// otherwise. Other versions pass. The check comes after authentication and
// before any fault or validation, for every v3 call but metadata.
func (s *Server) v3Gate(h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, ver apiVersion, cl *Client) {
		if ver == v3 {
			if msg := s.v3Refusal(cl); msg != "" {
				writeOutcome(w, http.StatusForbidden, "invalid", msg)
				return
			}
		}
		h(w, r, ver, cl)
	}
}

// methodNotAllowed answers 405 with the allowed methods.
func methodNotAllowed(w http.ResponseWriter, allowed []string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// noStaticResource answers the 404 OperationOutcome Spring gives a path
// that no controller serves.
func noStaticResource(w http.ResponseWriter, r *http.Request, _ apiVersion, _ *Client) {
	writeOutcome(w, http.StatusNotFound, "invalid", "No static resource "+strings.TrimPrefix(r.URL.Path, "/")+".")
}

// handleHealth serves the public GET /health.
func handleHealth(w http.ResponseWriter, _ *http.Request) {
	empty(w, http.StatusOK)
}

// handleMaintenance serves the public GET /status.
func (s *Server) handleMaintenance(w http.ResponseWriter, _ *http.Request) {
	mode := "false"
	if s.maintenanceActive() {
		mode = "true"
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"maintenanceMode": mode})
}
