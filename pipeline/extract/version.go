package extract

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// AB2D API versions, as their base paths name them (/api/v1/fhir, …) and
// as the runs table records them.
const (
	V1 = "v1" // FHIR STU3
	V2 = "v2" // FHIR R4
	// V3 is FHIR R4 with CARIN Blue Button profiles: claims from CMS's
	// Integrated Data Repository, through BFD's v3 server. It answers
	// allow-listed contracts only.
	V3 = "v3"
)

// APIVersions lists the API versions, oldest first.
var APIVersions = []string{V1, V2, V3}

// FHIR versions.
const (
	STU3 = "STU3" // AB2D v1
	R4   = "R4"   // AB2D v2 and v3
)

// Public AB2D endpoints, for --environment. The hosts and token URLs are
// those of AB2D's sample clients; the paths are the service's base paths
// (Constants.java API_PREFIX_V1/V2/V3 + FHIR_PREFIX). AB2D's website
// publishes no v3 URL yet (v3 is open to allow-listed contracts only):
// the v3 ones are the v2 hosts with the v3 base path.
const (
	SandboxAPIv1    = "https://sandbox.ab2d.cms.gov/api/v1/fhir"
	SandboxAPIv2    = "https://sandbox.ab2d.cms.gov/api/v2/fhir"
	SandboxAPIv3    = "https://sandbox.ab2d.cms.gov/api/v3/fhir"
	SandboxTokenURL = "https://test.idp.idm.cms.gov/oauth2/aus2r7y3gdaFMKBol297/v1/token"
	ProdAPIv1       = "https://api.ab2d.cms.gov/api/v1/fhir"
	ProdAPIv2       = "https://api.ab2d.cms.gov/api/v2/fhir"
	ProdAPIv3       = "https://api.ab2d.cms.gov/api/v3/fhir"
	ProdTokenURL    = "https://idm.cms.gov/oauth2/aus2ytanytjdaF9cr297/v1/token"
)

// Since floors: the earliest _since AB2D accepts, 2020-02-13 on v1 and v2
// and 2026-04-01 on v3 (Constants.java V3_SINCE_EARLIEST_DATE_TIME), both
// at midnight US Eastern standard time.
var (
	SinceFloor   = time.Date(2020, 2, 13, 0, 0, 0, 0, time.FixedZone("EST", -5*3600))
	SinceFloorV3 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.FixedZone("EST", -5*3600))
)

// APIVersionOf returns the API version of an API base URL, from /v1/,
// /v2/ or /v3/ in its path.
func APIVersionOf(apiURL string) (string, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return "", err
	}
	for _, v := range APIVersions {
		if strings.Contains(u.Path+"/", "/"+v+"/") {
			return v, nil
		}
	}
	return "", fmt.Errorf("cannot tell the AB2D API version from %s: its path has no /v1/, /v2/ or /v3/ (AB2D's API URLs end in /api/vN/fhir)", apiURL)
}

// FHIRVersionOf returns the FHIR version of an API version: STU3 for v1,
// R4 for v2 and v3.
func FHIRVersionOf(apiVersion string) string {
	if apiVersion == V1 {
		return STU3
	}
	return R4
}

// SinceFloorOf returns the earliest _since of an API version.
func SinceFloorOf(apiVersion string) time.Time {
	if apiVersion == V3 {
		return SinceFloorV3
	}
	return SinceFloor
}
