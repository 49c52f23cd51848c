// Package load owns the "L" of the ETL: the warehouse under one --out
// folder DIR. A load stages one input file's rows as Parquet (Stage) and
// commits them into DuckDB in one transaction (Warehouse.Commit), upserting
// EOBs by eob_id and keeping the ledger of loads and runs.
//
// The writer works on a database of its own, DIR/.ab2d/writer.duckdb,
// which no reader opens. Warehouse.Publish makes its state what readers
// see: a copy renamed over DIR/warehouse.duckdb, and a current-state
// Parquet snapshot switched in under DIR/current/latest. Readers open the
// published database with OpenReadOnly. The Parquet history of every load
// is DIR/parquet/<table>/load_id=<id>/.
package load
