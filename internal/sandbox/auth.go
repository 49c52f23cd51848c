package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// tokenHeader is the fixed JOSE header of sandbox tokens.
var tokenHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"ab2d-sandbox"}`))

// claims is the payload of a sandbox token, shaped like an Okta access token.
type claims struct {
	Ver int      `json:"ver"`
	JTI string   `json:"jti"`
	Iss string   `json:"iss"`
	Aud string   `json:"aud"`
	Iat int64    `json:"iat"`
	Exp int64    `json:"exp"`
	CID string   `json:"cid"`
	Scp []string `json:"scp"`
	Sub string   `json:"sub"`
	Gen int64    `json:"ab2d_sandbox_epoch"`
}

// tokenResponse is the Okta token response.
type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
}

// oauthError is an OAuth 2.0 error response body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// handleToken is the Okta client-credentials token endpoint.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.Header().Set("Pragma", "no-cache")
	fail := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="Okta"`)
		}
		writeJSON(w, status, "application/json", oauthError{code, desc})
	}
	// The sample clients send the parameters in the query string, the e2e
	// client as a form body; r.Form holds both.
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "The request body could not be parsed: "+err.Error())
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		fail(http.StatusUnauthorized, "invalid_client", "Client authentication failed. Either the client or the client credentials are invalid.")
		return
	}
	var cl *Client
	for i := range clients {
		if clients[i].ID == id {
			cl = &clients[i]
		}
	}
	if cl == nil {
		fail(http.StatusUnauthorized, "invalid_client", "Invalid value for 'client_id' parameter.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(cl.Secret)) != 1 {
		fail(http.StatusUnauthorized, "invalid_client", "The client secret supplied for a confidential client is invalid.")
		return
	}
	switch gt := r.Form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		fail(http.StatusBadRequest, "invalid_request", "The token request must specify a 'grant_type'. Valid values: [client_credentials]")
		return
	default:
		fail(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
		return
	}
	switch sc := r.Form.Get("scope"); sc {
	case "clientCreds":
	case "":
		fail(http.StatusBadRequest, "invalid_scope", "The authorization server resource does not have any configured default scopes, 'scope' must be provided.")
		return
	default:
		fail(http.StatusBadRequest, "invalid_scope", "One or more scopes are not configured for the authorization server resource.")
		return
	}

	ttl := s.cfg.TokenTTL
	if f := s.fault("token", func(f *Fault) bool { return f.Kind != "expire" || f.ttl > 0 }); f != nil {
		switch {
		case f.Kind == "expire":
			ttl = f.ttl // expires_in below still announces TokenTTL
		case f.status == http.StatusTooManyRequests:
			retry := 60
			if f.retry > 0 {
				retry = f.retry
			}
			w.Header().Set("X-Rate-Limit-Limit", "600")
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(s.now().Unix()+int64(retry), 10))
			writeJSON(w, http.StatusTooManyRequests, "application/json", map[string]any{
				"errorCode":    "E0000047",
				"errorSummary": "API call exceeded rate limit due to too many requests.",
				"errorLink":    "E0000047",
				"errorId":      "sandbox-" + newUUID()[:8],
				"errorCauses":  []any{},
			})
			return
		default:
			writeJSON(w, f.status, "application/json", map[string]any{
				"errorCode":    "E0000009",
				"errorSummary": "Internal Server Error",
				"errorLink":    "E0000009",
				"errorId":      "sandbox-" + newUUID()[:8],
				"errorCauses":  []any{},
			})
			return
		}
	}

	now := s.now()
	s.mu.Lock()
	epoch := s.tokenEpoch
	s.mu.Unlock()
	c := claims{
		Ver: 1,
		JTI: "AT." + newUUID(),
		Iss: baseURL(r) + strings.TrimSuffix(TokenPath, "/v1/token"),
		Aud: "AB2D",
		Iat: now.Unix(),
		Exp: now.Add(ttl).Unix(),
		CID: cl.ID,
		Scp: []string{"clientCreds"},
		Sub: cl.ID,
		Gen: epoch,
	}
	writeJSON(w, http.StatusOK, "application/json", tokenResponse{
		TokenType:   "Bearer",
		ExpiresIn:   int64(s.cfg.TokenTTL / time.Second),
		AccessToken: s.sign(c),
		Scope:       "clientCreds",
	})
	s.log.Info("sandbox token issued", "client", cl.ID, "contract", cl.Contract)
}

// sign returns the HS256 JWT of c.
func (s *Server) sign(c claims) string {
	body := tokenHeader + "." + base64.RawURLEncoding.EncodeToString(marshal(c))
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify returns the client of a valid, unexpired, unrevoked token.
func (s *Server) verify(tok string) (*Client, bool) {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 || strings.Count(tok, ".") != 2 {
		return nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return nil, false
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(tok[:i]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(tok[strings.IndexByte(tok, '.')+1 : i])
	if err != nil {
		return nil, false
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Sub == "" {
		return nil, false
	}
	if s.now().Unix() >= c.Exp {
		return nil, false
	}
	s.mu.Lock()
	revoked := c.Gen < s.minEpoch
	s.mu.Unlock()
	if revoked {
		return nil, false
	}
	for i := range clients {
		if clients[i].ID == c.Sub {
			return &clients[i], true
		}
	}
	return nil, false
}

// authenticate checks the bearer token of an API request: 401 with an empty
// body without a usable Authorization header, 403 with an empty body for an
// invalid, expired, revoked or unknown token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*Client, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		empty(w, http.StatusUnauthorized)
		return nil, false
	}
	if s.fault("token", func(f *Fault) bool { return f.Kind == "expire" && f.ttl == 0 }) != nil {
		s.mu.Lock()
		s.tokenEpoch++
		s.minEpoch = s.tokenEpoch
		s.mu.Unlock()
		s.log.Info("sandbox revoked all tokens issued so far")
	}
	cl, ok := s.verify(strings.TrimSpace(tok))
	if !ok {
		empty(w, http.StatusForbidden)
		return nil, false
	}
	return cl, true
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// isUUID reports whether s is a UUID in its canonical text form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			c := s[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
