package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ab2d-etl/ab2d-etl/internal/clock"
)

// APIError is an HTTP error answer of AB2D or its token endpoint, with the
// text of its OperationOutcome (or OAuth error) when it has one. Callers
// branch on Status.
type APIError struct {
	Op     string // what was attempted: "token", "kick-off", "status", "download Z0000_0001.ndjson"
	URL    string // the URL, never with credentials
	Status int
	Text   string // the OperationOutcome's details.text, the OAuth error_description, or ""
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: %s answered %d %s", e.Op, e.URL, e.Status, http.StatusText(e.Status))
	if e.Text != "" {
		msg += ": " + e.Text
	}
	return msg
}

// retryable reports whether a status is worth retrying: 429 and 5xx.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// maxErrorBody bounds how much of an error body is read: a hostile or broken
// server cannot make the client buffer an endless response.
const maxErrorBody = 64 << 10

// apiError builds an APIError from a response, reading (a bounded part of)
// its body for an OperationOutcome or OAuth error text.
func apiError(op string, resp *http.Response) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return &APIError{Op: op, URL: redactURL(resp.Request.URL.String()), Status: resp.StatusCode, Text: outcomeText(body)}
}

// outcomeText returns the texts of an OperationOutcome body (its issues'
// details.text, else diagnostics), or its OAuth error and description, or
// "".
func outcomeText(body []byte) string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Details struct {
				Text string `json:"text"`
			} `json:"details"`
			Diagnostics string `json:"diagnostics"`
		} `json:"issue"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &oo) != nil {
		return ""
	}
	var texts []string
	for _, is := range oo.Issue {
		if t := is.Details.Text; t != "" {
			texts = append(texts, t)
		} else if is.Diagnostics != "" {
			texts = append(texts, is.Diagnostics)
		}
	}
	if len(texts) > 0 {
		return strings.Join(texts, "; ")
	}
	return strings.TrimSpace(oo.Error + " " + oo.ErrorDescription)
}

// redactURL drops any user info and query secrets from a URL for messages.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '@'); j >= 0 && !strings.Contains(u[i+3:i+3+j], "/") {
			u = u[:i+3] + u[i+3+j+1:]
		}
	}
	return u
}

// Retry bounds: a request is retried at most maxAttempts times and never
// past maxRetryTime; the backoff doubles from baseBackoff up to maxBackoff,
// with full jitter, unless the server says Retry-After.
type retryPolicy struct {
	attempts int
	maxTime  time.Duration
	base     time.Duration
	max      time.Duration
	sleep    func(context.Context, time.Duration) error
}

func defaultRetry() retryPolicy {
	return retryPolicy{attempts: 8, maxTime: 10 * time.Minute, base: 500 * time.Millisecond, max: 30 * time.Second, sleep: clock.Sleep}
}

// backoff returns the wait before attempt n (1-based retry number): full
// jitter over an exponentially growing cap, or the server's Retry-After.
func (p retryPolicy) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.maxTime)
	}
	limit := p.base << min(n-1, 16)
	if limit > p.max || limit <= 0 {
		limit = p.max
	}
	return time.Duration(rand.Int64N(int64(limit))) + p.base/2
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// transientError marks a failure worth retrying (network error, 5xx, 429),
// with the server's Retry-After when it gave one.
type transientError struct {
	err        error
	retryAfter time.Duration
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// withRetry runs op until it succeeds, fails permanently (any error that is
// not a *transientError), or the retry budget is spent.
func (p retryPolicy) run(ctx context.Context, what string, onRetry func(n int, wait time.Duration, err error), op func() error) error {
	start := time.Now()
	for n := 1; ; n++ {
		err := op()
		var te *transientError
		if err == nil || !errors.As(err, &te) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if n >= p.attempts || time.Since(start) >= p.maxTime {
			return fmt.Errorf("%s: giving up after %d attempts over %s: %w", what, n, time.Since(start).Round(time.Second), te.err)
		}
		wait := p.backoff(n, te.retryAfter)
		if onRetry != nil {
			onRetry(n, wait, te.err)
		}
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}
