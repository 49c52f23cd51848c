package schema_test

import (
	"fmt"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// The DuckDB DDL of a table is derived from its definition.
func ExampleTable_CreateSQL() {
	t := schema.Warehouse().Table(schema.ClaimProcedures)
	fmt.Println(t.CreateSQL())
	// Output:
	// CREATE TABLE IF NOT EXISTS claim_procedures (
	//   eob_id VARCHAR NOT NULL,
	//   sequence BIGINT,
	//   code VARCHAR,
	//   code_system VARCHAR,
	//   procedure_date DATE,
	//   load_id VARCHAR NOT NULL,
	//   source_file VARCHAR NOT NULL,
	//   source_line BIGINT NOT NULL,
	//   source_entry BIGINT
	// )
}

// The Arrow schema of a table's Parquet files is derived from the same
// definition.
func ExampleTable_ArrowSchema() {
	s := schema.Warehouse().Table(schema.BeneficiaryMBIs).ArrowSchema()
	for _, f := range s.Fields() {
		fmt.Println(f.Name, f.Type, f.Nullable)
	}
	// Output:
	// beneficiary_id utf8 false
	// mbi utf8 false
	// currency utf8 true
	// first_seen timestamp[us, tz=UTC] true
	// last_seen timestamp[us, tz=UTC] true
	// load_id dictionary<values=utf8, indices=int32, ordered=false> false
	// source_file dictionary<values=utf8, indices=int32, ordered=false> false
	// source_line int64 false
	// source_entry int64 true
}
