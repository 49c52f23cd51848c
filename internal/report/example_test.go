package report_test

import (
	"context"
	"log"
	"os"

	"github.com/ab2d-etl/ab2d-etl/internal/report"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// Build reads a warehouse opened read-only; WriteHTML writes the page.
// (No output: it needs a warehouse in ./warehouse.)
func ExampleBuild() {
	ctx := context.Background()
	db, err := load.OpenReadOnly(ctx, "warehouse")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	r, err := report.Build(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	r.Warehouse = "warehouse"
	f, err := os.Create("report.html")
	if err != nil {
		log.Fatal(err)
	}
	if err := r.WriteHTML(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
