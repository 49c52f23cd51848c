//go:build ignore

// gen_rows writes rows_gen.go from package schema: go generate ./pipeline/transform.
package main

import (
	"log"
	"os"

	"github.com/ab2d-etl/ab2d-etl/internal/rowgen"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

func main() {
	src, err := rowgen.Generate(schema.Warehouse(), "transform")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("rows_gen.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
