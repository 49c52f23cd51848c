package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config configures a Client.
type Config struct {
	// APIURL is the API base up to and including /fhir, e.g.
	// https://sandbox.ab2d.cms.gov/api/v2/fhir.
	APIURL string
	// TokenURL is the Okta token endpoint.
	TokenURL string
	// Credentials authenticate the client.
	Credentials Credentials
	// HTTPClient sends the requests (nil: a client with sensible timeouts).
	// Its CheckRedirect is replaced: redirects never leave the origin.
	HTTPClient *http.Client
	// Logger receives progress and retries (nil: discard).
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Client talks to one AB2D API with one set of credentials. It is safe for
// concurrent use: downloads run in parallel on one Client.
type Client struct {
	api      *url.URL
	tokenURL *url.URL
	creds    Credentials
	hc       *http.Client
	log      *slog.Logger
	now      func() time.Time
	retry    retryPolicy
	version  string // V1, V2 or V3

	mu       sync.Mutex
	token    string
	tokenExp time.Time
}

// errCrossOrigin reports a redirect to another origin, which is refused so
// that the token is never sent there.
var errCrossOrigin = errors.New("refusing a redirect to another origin")

// tokenMargin is how long before expires_in runs out the token is renewed
// (the CMS python client uses 90 s).
const tokenMargin = 90 * time.Second

// NewClient validates cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	api, err := CheckURL(strings.TrimRight(cfg.APIURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("--api-url: %w", err)
	}
	tok, err := CheckURL(cfg.TokenURL)
	if err != nil {
		return nil, fmt.Errorf("--token-url: %w", err)
	}
	version, err := APIVersionOf(api.String())
	if err != nil {
		return nil, err
	}
	if cfg.Credentials.ClientID == "" || cfg.Credentials.Secret == "" {
		return nil, errors.New("no credentials")
	}
	c := &Client{api: api, tokenURL: tok, creds: cfg.Credentials, log: cfg.Logger, now: cfg.Now, retry: defaultRetry(), version: version}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	hc := http.Client{Timeout: 0} // downloads can take long; requests carry contexts
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	if hc.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 2 * time.Minute
		t.MaxIdleConnsPerHost = 16
		hc.Transport = t
	}
	// Redirects never carry the token elsewhere: only same-origin redirects
	// are followed.
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if !sameOrigin(req.URL, via[0].URL) {
			return fmt.Errorf("%w: from %s to %s", errCrossOrigin, via[0].URL.Host, req.URL.Host)
		}
		return nil
	}
	c.hc = &hc
	return c, nil
}

// APIVersion is the AB2D API version, V1, V2 or V3, from the API URL.
func (c *Client) APIVersion() string { return c.version }

// FHIRVersion is STU3 (AB2D v1) or R4 (AB2D v2 and v3).
func (c *Client) FHIRVersion() string { return FHIRVersionOf(c.version) }

// ClientID is the client id (never the secret).
func (c *Client) ClientID() string { return c.creds.ClientID }

// accessToken returns a valid token, fetching a new one when there is none
// or it expires within tokenMargin.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Add(tokenMargin).Before(c.tokenExp) {
		return c.token, nil
	}
	var tok string
	var exp time.Time
	err := c.retry.run(ctx, "token", c.logRetry("token"), func() error {
		var err error
		tok, exp, err = c.fetchToken(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	c.token, c.tokenExp = tok, exp
	return tok, nil
}

// invalidate drops the cached token if it is still tok, so that the next
// request fetches a new one (after a 401/403 mid-job).
func (c *Client) invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

func (c *Client) fetchToken(ctx context.Context) (string, time.Time, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"clientCreds"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.SetBasicAuth(c.creds.ClientID, string(c.creds.Secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	sent := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", time.Time{}, &transientError{err: fmt.Errorf("token: %w", scrub(err))}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e := apiError("token", resp)
		if retryable(resp.StatusCode) {
			return "", time.Time{}, &transientError{err: e, retryAfter: parseRetryAfter(resp.Header, c.now())}
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusBadRequest {
			return "", time.Time{}, fmt.Errorf("%w (check the client id and secret)", e)
		}
		return "", time.Time{}, e
	}
	var body struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
		TokenType   string  `json:"token_type"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&body); err != nil || body.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("token: %s returned no access_token", c.tokenURL.Host)
	}
	ttl := time.Duration(body.ExpiresIn * float64(time.Second))
	if ttl <= 0 {
		ttl = 30 * time.Minute // AB2D's documented lifetime
	}
	return body.AccessToken, sent.Add(ttl), nil
}

// scrub removes the request URL's query from a transport error, which Go
// includes in *url.Error; our URLs carry no secrets, but be safe.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, redactURL(ue.URL), ue.Err)
	}
	return err
}

func (c *Client) logRetry(what string) func(int, time.Duration, error) {
	return func(n int, wait time.Duration, err error) {
		c.log.Warn("retrying", "what", what, "attempt", n, "wait", wait.Round(time.Millisecond).String(), "err", err.Error())
	}
}

// do sends an authenticated request to the API's origin and returns the
// response for the caller to handle. It refuses any URL of another origin
// (the token is only ever sent to the API), and renews the token once on a
// 401/403, but for v3's refusal (a *V3AccessError), which no token helps.
func (c *Client) do(ctx context.Context, method, rawURL string, header http.Header) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", rawURL, err)
	}
	if !sameOrigin(u, c.api) {
		return nil, fmt.Errorf("refusing to send the access token to %s: not the API's origin %s", u.Host, c.api.Host)
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, errCrossOrigin) {
				return nil, scrub(err) // permanent: retrying cannot help
			}
			return nil, &transientError{err: scrub(err)}
		}
		if resp.StatusCode == http.StatusForbidden {
			if err := v3Refusal(resp); err != nil {
				return nil, err
			}
		}
		if (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) && attempt == 0 {
			drain(resp)
			c.log.Info("access token refused; renewing it", "status", resp.StatusCode)
			c.invalidate(tok)
			continue
		}
		return resp, nil
	}
}

// drain reads a little of an unwanted body so the connection can be reused,
// then closes it.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, maxErrorBody)
	_ = resp.Body.Close() // nothing to lose: the body was not wanted
}
