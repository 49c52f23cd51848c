// Package sharedtest locates the project's shared, read-only test inputs —
// the real AB2D fixtures and reference data in ../shared beside the
// repository — for tests in any package. A test that needs them is skipped
// in a user's clone, where they are absent, and fails when CI is set.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the path of ../shared/<elem...> (relative to the module root)
// or ends the test: skipped when it is absent, failed when the CI
// environment variable is set.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	root, err := moduleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(append([]string{root, "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI is set but the shared test inputs are missing: %v", err)
		}
		tb.Skipf("shared test inputs not present: %v", err)
	}
	return p
}

// moduleRoot is the nearest folder at or above the working directory (a
// test's package folder) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return dir, nil
		}
	}
}
