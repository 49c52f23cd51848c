package load

import (
	"context"
	"testing"

	"github.com/ab2d-etl/ab2d-etl/internal/testinputs"
)

// openWH opens a warehouse in a new temporary folder (or in dir).
func openWH(t testing.TB, dir string) *Warehouse {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	wh, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := wh.Close(); err != nil {
			t.Error(err)
		}
	})
	return wh
}

// queryStrings runs a query on the warehouse (testinputs.QueryRows).
func queryStrings(t testing.TB, wh *Warehouse, q string, args ...any) []string {
	t.Helper()
	return testinputs.QueryRows(t, wh.DB(), q, args...)
}
