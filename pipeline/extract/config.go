// Package extract owns the "E" of the ETL: the AB2D bulk-export client. It
// gets and refreshes OAuth2 client-credentials tokens, starts (or adopts) an
// export job, polls it, and downloads every output file into the landing
// zone with verification against the manifest, retrying what can be retried
// and persisting the job's state so that an interrupted run resumes the same
// job and never downloads a verified file twice.
package extract

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// Secret is a credential that never prints itself: formatting it in a log
// line or an error gives "[redacted]".
type Secret string

// String redacts the secret.
func (Secret) String() string { return "[redacted]" }

// GoString redacts the secret in %#v.
func (Secret) GoString() string { return "[redacted]" }

// MarshalText redacts the secret in JSON and slog output.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Credentials are an AB2D client id and secret.
type Credentials struct {
	ClientID string
	Secret   Secret
}

// Environment variables the credentials are read from.
const (
	EnvClientID     = "AB2D_CLIENT_ID"
	EnvClientSecret = "AB2D_CLIENT_SECRET"
)

// LoadCredentials reads credentials from file (two lines: id then secret, or
// KEY=VALUE lines with AB2D_CLIENT_ID and AB2D_CLIENT_SECRET) when file is
// not empty, else from the environment (getenv). Errors never contain the
// secret.
func LoadCredentials(file string, getenv func(string) string) (Credentials, error) {
	if file == "" {
		c := Credentials{ClientID: getenv(EnvClientID), Secret: Secret(getenv(EnvClientSecret))}
		if c.ClientID == "" || c.Secret == "" {
			return c, fmt.Errorf("no credentials: set %s and %s, or give --credentials-file", EnvClientID, EnvClientSecret)
		}
		return c, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close() // read-only
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return Credentials{}, fmt.Errorf("credentials file %s: %w", file, err)
	}
	var c Credentials
	if len(lines) == 2 && !strings.Contains(lines[0], "=") && !strings.Contains(lines[1], "=") {
		c = Credentials{ClientID: lines[0], Secret: Secret(lines[1])}
	} else {
		for i, l := range lines {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				return Credentials{}, fmt.Errorf("credentials file %s: line %d is not KEY=VALUE", file, i+1)
			}
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			switch strings.TrimSpace(strings.TrimPrefix(k, "export ")) {
			case EnvClientID:
				c.ClientID = v
			case EnvClientSecret:
				c.Secret = Secret(v)
			}
		}
	}
	if c.ClientID == "" || c.Secret == "" {
		return Credentials{}, fmt.Errorf("credentials file %s: needs a client id and a secret (two lines, or %s=… and %s=…)", file, EnvClientID, EnvClientSecret)
	}
	return c, nil
}

// ErrInsecureURL reports a plain-http URL to a host that is not loopback.
var ErrInsecureURL = errors.New("plain http is only allowed to loopback; use https")

// CheckURL validates an endpoint URL: absolute http(s), and plain http only
// to a loopback host.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s: %w", raw, ErrInsecureURL)
		}
	default:
		return nil, fmt.Errorf("URL %q: want https://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %q has no host", raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether two URLs share scheme, host and port: the
// bearer token is only ever sent to the API's own origin.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}
