// Package load owns the "L" of the ETL: the warehouse under one --out
// folder DIR. A load stages one input file's rows as Parquet (a temporary
// file per table, see Stage) and commits them into DuckDB in one
// transaction (Warehouse.Commit: each EOB once, the newest version wins),
// publishes that file's Parquet history only after the commit, keeps the
// ledger of loads and runs, and finishes on Open what a killed process left
// half-done. It knows neither the AB2D client nor the pipeline that feeds
// it: its input is Arrow records (transform.Batch).
//
// The writer works on a database of its own, DIR/.ab2d/writer.duckdb,
// which no reader opens. Warehouse.Publish makes its state what readers
// see: a copy renamed over DIR/warehouse.duckdb, and a current-state
// Parquet snapshot switched in under DIR/current/latest. Readers open the
// published database with OpenReadOnly. The Parquet history of every load
// is DIR/parquet/<table>/load_id=<id>/.
package load
