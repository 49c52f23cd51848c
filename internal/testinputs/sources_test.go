package testinputs

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSources checks that every file under testdata/fixtures and
// testdata/reference has a row in testdata/SOURCES.md whose SHA-256 it
// still has, and that every row names a file that is there: the copies stay
// byte for byte what their sources published.
func TestSources(t *testing.T) {
	root := Dir(t)
	f, err := os.Open(filepath.Join(root, "SOURCES.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A table row: | `file` | … | `sha256` | …, under a "## dir/" heading.
	heading := regexp.MustCompile("^## ([a-z0-9/]+)/")
	row := regexp.MustCompile("^\\| `([^`]+)` \\|.*\\| `([0-9a-f]{64})` \\|")
	want := map[string]string{}
	dir := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := heading.FindStringSubmatch(sc.Text()); m != nil {
			dir = m[1]
			continue
		}
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			want[filepath.Join(dir, m[1])] = m[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no rows with a sha256 in SOURCES.md")
	}
	seen := 0
	for _, top := range []string{"fixtures", "reference"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			sum, ok := want[rel]
			if !ok {
				t.Errorf("%s has no row in SOURCES.md", rel)
				return nil
			}
			seen++
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			got := sha256.Sum256(data)
			if hex.EncodeToString(got[:]) != sum {
				t.Errorf("%s: sha256 %x, SOURCES.md says %s: the copy changed", rel, got, sum)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen != len(want) {
		for rel := range want {
			if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
				t.Errorf("SOURCES.md lists %s, which is not there", rel)
			}
		}
	}
}
