// Package load owns the "L" of the ETL: the warehouse under one --out
// folder. It stages each file's rows (a temporary Parquet file per table,
// see Stage) and commits them into DuckDB's current state in one
// transaction (Commit: each EOB once, the newest version wins), publishes
// the Parquet history only after that commit, keeps the ledger of loads and
// runs, and finishes on Open what a killed process left half-done. It knows
// neither the AB2D client nor the pipeline that feeds it: its input is
// Arrow records (transform.Batch).
package load
