package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestClientsMatchWalkthrough checks the clients against the walkthrough's
// table of Base64-encoded id:password values.
func TestClientsMatchWalkthrough(t *testing.T) {
	want := []struct{ sponsor, contract, b64 string }{
		{"PDP-100", "Z0000", "MG9hMnQwbHNyZFp3NXVXUngyOTc6SEhkdVdHNkxvZ0l2RElRdVdncDNabG85T1lNVmFsVHRINU9CY3VIdw=="},
		{"PDP-1000", "Z0001", "MG9hMnQwbGM2NUVyVjhPbVkyOTc6MUJsM0hHTzZlZ2xrWFVEdGpWanRvM0wtM0Mwb2ZmelRNazJxbHo5cg=="},
		{"PDP-2000", "Z0002", "MG9hMnQwbGtpY3B4RkdrR3QyOTc6ZURwYW5KVHR3OTB2WTJ2aVlsWDRvMnJnVlJJUjR0RFJIMG1Xcjl2Tg=="},
		{"PDP-5000", "Z0005", "MG9hMnQwbDZjMXRRYlRpa3oyOTc6ODB6WC03R2VpTWlpQTZ6VmdoaXFZWkw4Mm9MQVdTeGhnZkJrZm8wVA=="},
		{"PDP-10000", "Z0010", "MG9hMnQwbG05cW9BdEpIcUMyOTc6eWJSNjBKbXRjcFJ0NlNBZUxtdmJxNmwtM1lEUkNaUC1XTjFBdDZ0Xw=="},
	}
	cs := Clients()
	if len(cs) != len(want) {
		t.Fatalf("%d clients", len(cs))
	}
	for i, c := range cs {
		w := want[i]
		if c.Sponsor != w.sponsor || c.Contract != w.contract || base64.StdEncoding.EncodeToString([]byte(c.ID+":"+c.Secret)) != w.b64 {
			t.Errorf("client %d = %+v, want %+v", i, c, w)
		}
		if c.Beneficiaries != []int{100, 1000, 2000, 5000, 10000}[i] {
			t.Errorf("%s: %d beneficiaries", c.Sponsor, c.Beneficiaries)
		}
		if got, ok := ClientByContract(c.Contract); !ok || got != c {
			t.Errorf("ClientByContract(%s) = %+v, %v", c.Contract, got, ok)
		}
	}
}

func TestToken(t *testing.T) {
	h := newHarness(t, nil)
	form := "grant_type=client_credentials&scope=clientCreds"
	tests := []struct {
		name         string
		method       string
		query, body  string
		auth         string
		code         int
		oauthErr     string
		wantToken    bool
		wantRateInfo bool
	}{
		{"query string", "POST", form, "", basic(z0000.ID, z0000.Secret), 200, "", true, false},
		{"form body", "POST", "", form, basic(z0001.ID, z0001.Secret), 200, "", true, false},
		{"wrong secret", "POST", form, "", basic(z0000.ID, "nope"), 401, "invalid_client", false, false},
		{"another client's secret", "POST", form, "", basic(z0000.ID, z0001.Secret), 401, "invalid_client", false, false},
		{"unknown client", "POST", form, "", basic("0oaUNKNOWN", "x"), 401, "invalid_client", false, false},
		{"no credentials", "POST", form, "", "", 401, "invalid_client", false, false},
		{"bearer instead of basic", "POST", form, "", "Bearer x", 401, "invalid_client", false, false},
		{"no grant_type", "POST", "scope=clientCreds", "", basic(z0000.ID, z0000.Secret), 400, "invalid_request", false, false},
		{"wrong grant_type", "POST", "grant_type=password&scope=clientCreds", "", basic(z0000.ID, z0000.Secret), 400, "unsupported_grant_type", false, false},
		{"no scope", "POST", "grant_type=client_credentials", "", basic(z0000.ID, z0000.Secret), 400, "invalid_scope", false, false},
		{"wrong scope", "POST", "grant_type=client_credentials&scope=openid", "", basic(z0000.ID, z0000.Secret), 400, "invalid_scope", false, false},
		{"GET", "GET", form, "", basic(z0000.ID, z0000.Secret), 405, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, h.ts.URL+TokenPath+"?"+tc.query, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := h.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.code)
			}
			switch {
			case tc.wantToken:
				var tr map[string]any
				if err := json.NewDecoder(res.Body).Decode(&tr); err != nil {
					t.Fatal(err)
				}
				if tr["token_type"] != "Bearer" || tr["expires_in"] != 3600.0 || tr["scope"] != "clientCreds" || tr["access_token"] == "" {
					t.Fatalf("token response %v", tr)
				}
				// JWT-shaped, sub = client id.
				parts := strings.Split(tr["access_token"].(string), ".")
				if len(parts) != 3 {
					t.Fatalf("token %q is not a JWT", tr["access_token"])
				}
				payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
				var c claims
				if err := json.Unmarshal(payload, &c); err != nil {
					t.Fatal(err)
				}
				wantID, _, _ := strings.Cut(mustBasicID(t, tc.auth), ":")
				if c.Sub != wantID || c.Exp-c.Iat != 3600 {
					t.Fatalf("claims %+v", c)
				}
			case tc.oauthErr != "":
				var e oauthError
				if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
					t.Fatal(err)
				}
				if e.Error != tc.oauthErr || e.Description == "" {
					t.Fatalf("error body %+v, want error %q", e, tc.oauthErr)
				}
			}
		})
	}
}

func mustBasicID(t *testing.T, auth string) string {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAPIAuth checks the 401 and 403 variants, all with empty bodies.
func TestAPIAuth(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxActiveJobs = -1 })
	good := h.token(z0000)

	// A token signed by another server (another key) is forged here.
	other := newHarness(t, nil)
	forged := other.token(z0000)

	// A token whose payload claims another client, with the old signature.
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), z0000.ID, z0001.ID, 2))) + "." + parts[2]

	tests := []struct {
		name   string
		header string
		code   int
	}{
		{"no header", "", 401},
		{"basic", basic(z0000.ID, z0000.Secret), 401},
		{"lower-case bearer", "bearer " + good, 401},
		{"empty bearer", "Bearer ", 401},
		{"blank bearer", "Bearer    ", 401},
		{"garbage", "Bearer not-a-token", 403},
		{"three garbage parts", "Bearer a.b.c", 403},
		{"forged", "Bearer " + forged, 403},
		{"tampered", "Bearer " + tampered, 403},
		{"valid", "Bearer " + good, 202},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			r := h.do("GET", "/api/v2/fhir/Patient/$export", "", hdr...)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.body)
			}
			if len(r.body) != 0 {
				t.Fatalf("body %q, want empty", r.body)
			}
		})
	}

	// Every API route is protected, status and download too.
	for _, p := range []string{statusPath("v1", newUUID()), "/api/v2/fhir/Job/" + newUUID() + "/file/Z0000_0001.ndjson", "/api/v1/fhir/Group/Z0000/$export"} {
		if r := h.do("GET", p, ""); r.code != 401 || len(r.body) != 0 {
			t.Errorf("%s without token: %d %q", p, r.code, r.body)
		}
		if r := h.do("GET", p, "x.y.z"); r.code != 403 || len(r.body) != 0 {
			t.Errorf("%s with bad token: %d %q", p, r.code, r.body)
		}
	}

	// Expiry: valid until TokenTTL, 403 from then on.
	h.clock.Advance(time.Hour - time.Second)
	if r := h.do("GET", statusPath("v2", newUUID()), good); r.code != 404 {
		t.Fatalf("before expiry: %d", r.code)
	}
	h.clock.Advance(time.Second)
	if r := h.do("GET", statusPath("v2", newUUID()), good); r.code != 403 || len(r.body) != 0 {
		t.Fatalf("expired token: %d %q", r.code, r.body)
	}
}

// TestPublicEndpoints checks /health, /status and the metadata documents.
func TestPublicEndpoints(t *testing.T) {
	h := newHarness(t, nil)
	if r := h.do("GET", "/health", ""); r.code != 200 || len(r.body) != 0 {
		t.Errorf("/health: %d %q", r.code, r.body)
	}
	if r := h.do("GET", "/status", ""); r.code != 200 || string(r.body) != `{"maintenanceMode":"false"}` {
		t.Errorf("/status: %d %s", r.code, r.body)
	}
	for _, tc := range []struct{ ver, fhir, kind, software, ops string }{
		{"v1", "3.0.2", "instance", "V1", "export,export by contract,cancel,status,download,capability"},
		{"v2", "4.0.0", "requirements", "V2", "export,export by contract,cancel,status,download,capability"},
		{"v3", "4.0.0", "requirements", "V3", "export,cancel,status,download,capability"},
	} {
		r := h.do("GET", "/api/"+tc.ver+"/fhir/metadata", "")
		if r.code != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s metadata: %d %s", tc.ver, r.code, r.header.Get("Content-Type"))
		}
		var cs struct {
			ResourceType string `json:"resourceType"`
			FHIRVersion  string `json:"fhirVersion"`
			Kind         string `json:"kind"`
			Software     struct{ Name, Version string }
			Impl         struct{ URL string } `json:"implementation"`
			Rest         []struct {
				Operation []struct {
					Name       string          `json:"name"`
					Definition json.RawMessage `json:"definition"`
				} `json:"operation"`
			} `json:"rest"`
		}
		if err := json.Unmarshal(r.body, &cs); err != nil {
			t.Fatal(err)
		}
		if cs.ResourceType != "CapabilityStatement" || cs.FHIRVersion != tc.fhir || cs.Kind != tc.kind || cs.Software.Name != "AB2D" || cs.Software.Version != tc.software {
			t.Errorf("%s: %+v", tc.ver, cs)
		}
		if cs.Impl.URL != h.ts.URL+"/api/"+tc.ver+"/fhir" {
			t.Errorf("%s: implementation.url %s", tc.ver, cs.Impl.URL)
		}
		var names []string
		for _, op := range cs.Rest[0].Operation {
			names = append(names, op.Name)
			if !strings.Contains(string(op.Definition), h.ts.URL+"/api/"+tc.ver+"/fhir/") {
				t.Errorf("%s: operation %s definition %s", tc.ver, op.Name, op.Definition)
			}
			// STU3 names a definition by Reference, R4 by canonical URL.
			if ref := strings.HasPrefix(string(op.Definition), `{"reference":`); ref != (tc.ver == "v1") {
				t.Errorf("%s: operation %s definition shape %s", tc.ver, op.Name, op.Definition)
			}
		}
		if got := strings.Join(names, ","); got != tc.ops {
			t.Errorf("%s: operations %s", tc.ver, got)
		}
	}
	if r := h.do("GET", "/api/v4/fhir/metadata", ""); r.code != 404 {
		t.Errorf("v4 metadata: %d", r.code)
	}
	if r := h.do("POST", "/health", ""); r.code != 405 {
		t.Errorf("POST /health: %d", r.code)
	}
}

func TestCheckListenAddr(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8765", false, true},
		{"127.0.0.2:0", false, true},
		{"[::1]:8765", false, true},
		{"localhost:8765", false, true},
		{":8765", false, false},
		{"0.0.0.0:8765", false, false},
		{"[::]:8765", false, false},
		{"192.168.1.10:8765", false, false},
		{"example.com:8765", false, false},
		{"0.0.0.0:8765", true, true},
		{":8765", true, true},
		{"127.0.0.1", false, false},
		{"127.0.0.1:http", false, false},
		{"127.0.0.1:70000", false, false},
	}
	for _, tc := range tests {
		err := CheckListenAddr(tc.addr, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("CheckListenAddr(%q, %v) = %v", tc.addr, tc.remote, err)
		}
	}
}

func TestNewValidates(t *testing.T) {
	src := &fakeSource{}
	for _, cfg := range []Config{
		{},
		{Source: src, Scale: -1},
		{Source: src, JobDuration: -time.Second},
		{Source: src, FileMaxBytes: -1},
		{Source: src, Faults: []Fault{{Target: "job", Kind: "fail"}}},
	} {
		if s, err := New(cfg); err == nil {
			s.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}
