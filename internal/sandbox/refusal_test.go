package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// recordHandler sends every log record's message and attributes to a
// channel, so that a test can wait for a line the server logs after its
// response went out.
type recordHandler struct{ out chan map[string]string }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordHandler) WithGroup(string) slog.Handler            { return h }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	h.out <- m
	return nil
}

// TestRefusalsLogged: each 401, 429 and 500 the sandbox sends is logged
// once with its path and reason, and neither a secret nor a token is.
func TestRefusalsLogged(t *testing.T) {
	logs := make(chan map[string]string, 100)
	var faults []Fault
	for _, spec := range []string{"status:500:nth=1", "kickoff:429:nth=2"} {
		f, err := ParseFault(spec)
		if err != nil {
			t.Fatal(err)
		}
		faults = append(faults, f)
	}
	h := newHarness(t, func(c *Config) {
		c.Logger = slog.New(recordHandler{logs})
		c.Faults = faults
	})
	// next returns the next refusal logged, skipping other lines.
	var seen []map[string]string
	next := func() map[string]string {
		t.Helper()
		timeout := time.After(time.Minute) // a failsafe: the line is logged as the handler returns
		for {
			select {
			case m := <-logs:
				seen = append(seen, m)
				if m["msg"] == "sandbox refused a request" {
					return m
				}
			case <-timeout:
				t.Fatal("no refusal logged")
			}
		}
	}
	check := func(got map[string]string, status, path, reason string) {
		t.Helper()
		if got["status"] != status || got["path"] != path || got["reason"] != reason || got["method"] == "" {
			t.Errorf("logged %v, want status %s, path %s, reason %q", got, status, path, reason)
		}
	}

	// 401 from the token endpoint: a wrong secret, sent in the query string.
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+TokenPath+"?grant_type=client_credentials&scope=clientCreds&client_secret="+z0001.Secret, nil)
	req.SetBasicAuth(z0000.ID, z0001.Secret)
	res, err := h.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	check(next(), "401", TokenPath, "The client secret supplied for a confidential client is invalid.")

	// 401 from the API: no token.
	exportPath := "/api/v2/fhir/Patient/$export"
	if r := h.do("GET", exportPath, ""); r.code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.code)
	}
	check(next(), "401", exportPath, "Unauthorized")

	tok := h.token(z0000)
	id := h.kickoff(tok, "v2", "")
	// 500 from the first status poll (the fault).
	if r := h.do("GET", statusPath("v2", id), tok); r.code != http.StatusInternalServerError {
		t.Fatalf("status: %d", r.code)
	}
	check(next(), "500", statusPath("v2", id), "An internal error occurred")
	// 429 from the second kick-off (the fault).
	if r := h.do("GET", exportPath, tok); r.code != http.StatusTooManyRequests {
		t.Fatalf("kickoff: %d %s", r.code, r.body)
	}
	got := next()
	if got["status"] != "429" || got["path"] != exportPath || got["reason"] == "" {
		t.Errorf("logged %v", got)
	}
	// A request that succeeds is not logged as a refusal: the next one
	// logged is the refusal that follows it.
	if r := h.do("GET", "/api/v2/fhir/metadata", ""); r.code != http.StatusOK {
		t.Fatalf("metadata: %d", r.code)
	}
	if r := h.do("GET", exportPath, ""); r.code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.code)
	}
	check(next(), "401", exportPath, "Unauthorized")
	for _, m := range seen {
		for k, v := range m {
			if strings.Contains(v, z0001.Secret) || strings.Contains(v, z0000.Secret) || strings.Contains(v, tok) {
				t.Errorf("log line %v: %s holds a secret or a token", m, k)
			}
		}
	}
}
