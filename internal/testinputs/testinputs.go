// Package testinputs locates the project's test inputs under testdata/ at
// the module root — the real, public-domain AB2D and BFD fixtures and the
// AB2D data dictionaries, listed with their sources in testdata/SOURCES.md —
// for the tests of any package. They are part of the repository, so a test
// that needs them runs in every clone: a missing file fails the test. It
// also holds what the tests of several packages check outputs with:
// golden files (Golden) and query results as text (QueryRows).
package testinputs

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the path of <module root>/testdata/<elem...>, failing the test
// when it does not exist.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	root, err := ModuleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(append([]string{root, "testdata"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("test input missing from the repository: %v", err)
	}
	return p
}

// ModuleRoot returns the nearest folder at or above the working directory
// (a test's package folder) that holds go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}
