package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// comment puts the catalog's descriptions on every table, view and column
// as DuckDB comments (COMMENT ON), which BI tools show beside the names
// (DBeaver, Metabase, …) and duckdb_tables(), duckdb_views() and
// duckdb_columns() return. A view's columns take the description of the
// table column they pass through (schema.View.Sources). Only comments that
// differ are written, so that opening a warehouse costs a few statements
// (the views, recreated by init, lose theirs), not hundreds.
func (w *Warehouse) comment(ctx context.Context, tx *sql.Tx) error {
	have, err := comments(ctx, tx)
	if err != nil {
		return fmt.Errorf("read comments: %w", err)
	}
	var stmts []string
	set := func(kind, object, key, text string) {
		if text != "" && have[key] != text {
			stmts = append(stmts, fmt.Sprintf("COMMENT ON %s %s IS %s", kind, object, quote(text)))
		}
	}
	for _, t := range slices.Concat(w.cat.Tables, []schema.Table{schema.LoadKeys()}) {
		kind := "TABLE"
		if t.Keyed() { // the view of its stored rows
			// The stored table's columns go without comments: readers
			// query the view, and each comment on a column costs DuckDB
			// a new version of its table (about 0.3 ms; 0.06 s more for
			// a new warehouse).
			kind = "VIEW"
			st := t.Stored()
			set("TABLE", st.Name, st.Name, storedDescription(t))
		}
		set(kind, t.Name, t.Name, t.Description)
		for _, c := range t.Columns {
			set("COLUMN", t.Name+"."+c.Name, t.Name+"."+c.Name, c.Description)
		}
	}
	for _, v := range w.cat.Views {
		set("VIEW", v.Name, v.Name, v.Description)
		cols, err := columns(ctx, tx, v.Name)
		if err != nil {
			return err
		}
		for _, c := range cols {
			set("COLUMN", v.Name+"."+c, v.Name+"."+c, w.cat.ColumnDescription(v, c))
		}
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// storedDescription is the comment on the stored rows of a keyed table.
func storedDescription(t schema.Table) string {
	return fmt.Sprintf("The rows of %s as stored, each with its load's key (%s): query the view main.%s.", t.Name, schema.LoadKeys().Name, t.Name)
}

// comments returns the comments of the warehouse's tables and views (by
// name, the schema first when not main) and columns (by table.column);
// coalesce: a missing one is "".
func comments(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	return queryMap[string](ctx, tx, `
SELECT CASE schema_name WHEN 'main' THEN '' ELSE schema_name || '.' END || table_name, coalesce(comment, '') FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name IN ('main', '`+schema.StorageSchema+`')
UNION ALL
SELECT view_name, coalesce(comment, '') FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
UNION ALL
SELECT CASE schema_name WHEN 'main' THEN '' ELSE schema_name || '.' END || table_name || '.' || column_name, coalesce(comment, '') FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name IN ('main', '`+schema.StorageSchema+`')`)
}

// columns returns the column names of a table or view, in order.
func columns(ctx context.Context, tx *sql.Tx, name string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index`, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, errors.Join(err, rows.Close())
		}
		out = append(out, c)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
