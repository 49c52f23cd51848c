// Package load owns the "L" of the ETL: the warehouse under one --out
// folder DIR. A load stages one input file's rows as Parquet (temporary
// parts per table, see Stage), which DuckDB ingests into the load's one
// transaction as they close (Warehouse.Ingest) and Warehouse.Commit
// commits (each EOB once, the newest version wins); it publishes that
// file's Parquet history only after the commit, keeps the
// ledger of loads and runs, and finishes on Open what a killed process left
// half-done. It knows neither the AB2D client nor the pipeline that feeds
// it: its input is Arrow records (transform.Batch).
//
// The writer works on a database of its own, DIR/.ab2d/writer.duckdb,
// which no reader opens. Warehouse.Publish makes its state what readers
// see: a copy renamed over DIR/warehouse.duckdb, and a current-state
// Parquet snapshot switched in under DIR/current/latest. Readers open the
// published database with OpenReadOnly. The Parquet history of every load
// is DIR/parquet/<table>/load_id=<id>/part-<n>.parquet.
package load
