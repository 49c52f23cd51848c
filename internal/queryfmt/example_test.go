package queryfmt_test

import (
	"database/sql"
	"fmt"
	"log"
	"os"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
)

// The same result as JSON lines, as a table fitting 40 cells and vertically.
// A caller writing to a terminal would pass queryfmt.TerminalWidth(os.Stdout)
// as the width.
func ExampleWriteOptions() {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Fatal(err)
		}
	}()
	const q = `SELECT 'Z0001' AS client, sum(n) AS rejects, 1.50::DECIMAL(4,2) AS rate,
		{'type': 'carrier', 'codes': [1, 2]} AS detail, 'a note that is too long' AS note
		FROM (VALUES (0), (0)) t(n)`
	for _, o := range []queryfmt.Options{
		{Format: queryfmt.JSON},
		{Format: queryfmt.Table, Width: 40},
		{Format: queryfmt.Vertical},
	} {
		rows, err := db.Query(q)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := queryfmt.WriteOptions(os.Stdout, rows, o); err != nil {
			log.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			log.Fatal(err)
		}
		fmt.Println()
	}
	// Output:
	// {"client":"Z0001","rejects":0,"rate":1.50,"detail":{"type":"carrier","codes":[1,2]},"note":"a note that is too long"}
	//
	// client | rejects | rate | detail
	// -------+---------+------+---------------
	// Z0001  |       0 | 1.50 | {"type":"carr…
	// (1 row)
	// 1 column not shown (--format vertical
	//   shows all): note
	//
	//  client = Z0001
	// rejects = 0
	//    rate = 1.50
	//  detail = {"type":"carrier","codes":[1,2]}
	//    note = a note that is too long
	//
	// (1 row)
}
