package sandbox

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
)

// refused reports whether a response status is one the sandbox logs: an
// authentication failure, a refusal, a rate limit or a server error.
func refused(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden ||
		status == http.StatusTooManyRequests || status >= 500
}

// maxReasonBody bounds the body kept to find a refusal's reason.
const maxReasonBody = 1024

// recorder is a ResponseWriter that keeps the status and the start of the
// body of a refusal, so that ServeHTTP can log it.
type recorder struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if refused(r.status) && len(r.body) < maxReasonBody {
		r.body = append(r.body, b[:min(len(b), maxReasonBody-len(r.body))]...)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// hijackRecorder is a recorder of a writer that can be hijacked (HTTP/1),
// which download:reset faults do.
type hijackRecorder struct{ *recorder }

func (r hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return r.ResponseWriter.(http.Hijacker).Hijack()
}

// record wraps w in a recorder, keeping its ability to be hijacked.
func record(w http.ResponseWriter) (http.ResponseWriter, *recorder) {
	rec := &recorder{ResponseWriter: w}
	if _, ok := w.(http.Hijacker); ok {
		return hijackRecorder{rec}, rec
	}
	return rec, rec
}

// logRefusal logs a refusal the sandbox sent: method, path (never the
// query, which may carry client credentials) and the reason its body gave.
func logRefusal(log *slog.Logger, r *http.Request, rec *recorder) {
	if !refused(rec.status) {
		return
	}
	log.Info("sandbox refused a request", "status", rec.status, "method", r.Method, "path", r.URL.Path, "reason", reason(rec.status, rec.body))
}

// reason is the text of a refusal's body: an OperationOutcome's issue
// text, an OAuth error description or an Okta error summary; else the
// status text.
func reason(status int, body []byte) string {
	var v struct {
		Issue []struct {
			Details struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
		Description string `json:"error_description"`
		Summary     string `json:"errorSummary"`
	}
	if json.Unmarshal(body, &v) == nil {
		switch {
		case len(v.Issue) > 0 && v.Issue[0].Details.Text != "":
			return v.Issue[0].Details.Text
		case v.Description != "":
			return v.Description
		case v.Summary != "":
			return v.Summary
		}
	}
	return http.StatusText(status)
}
