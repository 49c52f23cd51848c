package load

import (
	"context"
	"fmt"
	"strings"
	"testing"
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

// queryStrings runs a query and returns each row as its columns joined by "|".
func queryStrings(t testing.TB, wh *Warehouse, q string, args ...any) []string {
	t.Helper()
	rows, err := wh.DB().Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
