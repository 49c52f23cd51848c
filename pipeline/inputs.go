package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
)

// ErrNoInput reports a folder without any input file.
var ErrNoInput = errors.New("no NDJSON input")

// Inputs expands the arguments of `load` into input files: files are taken
// as they are; folders are walked for *.ndjson, *.jsonl, *.json (each
// optionally .gz), sorted by path, leaving out the state files of `extract`
// (a landing folder can be loaded as it is). A folder without any is an
// error.
func Inputs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		// The file names `load` picks up inside a folder.
		suffixes := []string{".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".json", ".json.gz"}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// Not extract's state, nor a hidden file (the temporary state a
			// killed extract may leave, editors' and systems' files).
			if d.IsDir() || d.Name() == extract.StateFile || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			lower := strings.ToLower(d.Name())
			for _, s := range suffixes {
				if strings.HasSuffix(lower, s) {
					found = append(found, p)
					break
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%w: folder %s has no *.ndjson, *.jsonl or *.json files (plain or .gz)", ErrNoInput, a)
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, nil
}
