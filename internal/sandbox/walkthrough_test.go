package sandbox

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestWalkthrough runs the getting-started walkthrough's own curl and jq
// commands (testdata/walkthrough.sh) against a sandbox on 127.0.0.1, for v1
// and v2: token, kick-off 202, status 202 with progress then 200, download,
// and the second download refused. It needs bash, curl and jq; without them
// it is skipped, unless CI is set.
func TestWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	for _, ver := range []string{"v1", "v2"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) {
				c.Now = time.Now // real time: the script sleeps Retry-After
				c.JobDuration = 2 * time.Second
				c.RetryAfter = time.Second
			})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "bash", "testdata/walkthrough.sh", h.ts.URL, ver).CombinedOutput()
			if err != nil {
				t.Fatalf("walkthrough.sh %s: %v\n%s", ver, err, out)
			}
			t.Logf("%s", out)
		})
	}
}
