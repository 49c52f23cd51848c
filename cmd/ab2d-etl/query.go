package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// queryCommand is `query`: SQL against the warehouse, read-only.
func (a *app) queryCommand() *cobra.Command {
	var format, file string
	cmd := &cobra.Command{
		Use:   "query [flags] [SQL]",
		Short: "run SQL against the warehouse (read-only) and print the result",
		Long: `Runs SQL against the warehouse, read-only, and prints every statement's result in order.

The SQL is the argument, or the script of --file (-f) FILE, or standard input when it is '-'
(--file - or the argument -) or when no SQL is given and standard input is not a terminal, as
psql and the duckdb CLI read it: ab2d-etl query < report.sql. Statements are separated by ';'.

Formats: table (aligned columns fitting the terminal; columns that do not fit are named under
it), vertical (one "column = value" line per column, for wide rows; "line", the duckdb CLI's
name, is taken too), csv (RFC 4180 with a header; NULL is an empty field) and json (one object
per row and line, keys in SELECT order, numbers as numbers, lists and structs as JSON). Tables
fit the terminal's width, or $COLUMNS when it is set; output to a pipe or a file is not cut.`,
		Example: `  ab2d-etl query "SELECT claim_type, count(*) FROM claims_current GROUP BY 1 ORDER BY 2 DESC"
  ab2d-etl query --format csv "SELECT * FROM claim_diagnoses WHERE code LIKE 'E11%'" > diabetes.csv
  ab2d-etl query --format vertical "SELECT * FROM claims LIMIT 2"
  ab2d-etl query -f report.sql
  ab2d-etl query < report.sql`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := a.outputOptions(format)
			if err != nil {
				return err
			}
			script, err := a.script(args, file)
			if err != nil {
				return err
			}
			stmts := splitStatements(script)
			if len(stmts) == 0 {
				return usageError{"the SQL holds no statement"}
			}
			db, err := load.OpenReadOnly(cmd.Context(), a.out)
			if err != nil {
				return err
			}
			err = a.query(cmd.Context(), db, stmts, opts)
			return errors.Join(err, db.Close())
		},
	}
	f := cmd.Flags()
	formatFlag(f, &format)
	f.StringVarP(&file, "file", "f", "", "read the SQL from `FILE` ('-': standard input)")
	return cmd
}

// formatFlag registers --format, for query and runs.
func formatFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "format", "table", "output format: table, vertical (or line), csv or json (one object per line)")
}

// outputOptions parses --format; tables fit the terminal stdout is, or
// $COLUMNS (see queryfmt.TerminalWidth).
func (a *app) outputOptions(format string) (queryfmt.Options, error) {
	f, err := queryfmt.ParseFormat(format)
	if err != nil {
		return queryfmt.Options{}, usageError{"--format: " + err.Error()}
	}
	opts := queryfmt.Options{Format: f}
	if out, ok := a.stdout.(*os.File); ok {
		opts.Width = queryfmt.TerminalWidth(out)
	}
	return opts, nil
}

// script returns the SQL to run: the arguments, the --file or standard
// input.
func (a *app) script(args []string, file string) (string, error) {
	fromArgs := strings.TrimSpace(strings.Join(args, " "))
	switch {
	case file != "" && len(args) > 0:
		return "", usageError{"give the SQL as an argument or with --file, not both"}
	case file == "-" || fromArgs == "-":
		return readSQL(a.stdin, "standard input")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usagef("--file: %v", err)
		}
		return string(b), nil
	case fromArgs != "":
		return fromArgs, nil
	case a.stdin != nil && !isTerminal(a.stdin):
		return readSQL(a.stdin, "standard input")
	}
	return "", usageError{"no SQL given, e.g. ab2d-etl query 'SELECT claim_type, count(*) FROM claims GROUP BY 1', or ab2d-etl query -f FILE"}
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readSQL reads a whole script from r.
func readSQL(r io.Reader, name string) (string, error) {
	if r == nil {
		return "", nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read SQL from %s: %w", name, err)
	}
	return string(b), nil
}

// query runs the statements in order on one connection (so that SET and
// temporary views carry over) and prints each result: a table result
// after another is set apart by a blank line, CSV and JSON results follow
// each other as they are.
func (a *app) query(ctx context.Context, db *sql.DB, stmts []statement, opts queryfmt.Options) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, conn.Close()) }()
	printed := 0
	for i, st := range stmts {
		where := ""
		if len(stmts) > 1 {
			where = fmt.Sprintf(" in statement %d (line %d)", i+1, st.line)
		}
		shows, err := checkStatement(conn, st.sql)
		if err != nil {
			return fmt.Errorf("SQL error%s: %w", where, err)
		}
		rows, err := conn.QueryContext(ctx, st.sql)
		if err != nil {
			return fmt.Errorf("SQL error%s: %w", where, err)
		}
		if cols, _ := rows.Columns(); shows && len(cols) > 0 {
			if printed > 0 && (opts.Format == queryfmt.Table || opts.Format == queryfmt.Vertical) {
				fmt.Fprintln(a.stdout)
			}
			_, err = queryfmt.WriteOptions(a.stdout, rows, opts)
			printed++
		}
		if err = errors.Join(err, rows.Close()); err != nil {
			return fmt.Errorf("SQL error%s: %w", where, err)
		}
	}
	return nil
}

// checkStatement has DuckDB's parser check that sql is exactly one
// statement (so that a piece the splitter got wrong fails instead of
// running twice or not at all) and reports whether its result is worth
// printing: statements that change settings or the catalog (SET, CREATE,
// …) print nothing, as in the duckdb CLI.
func checkStatement(conn *sql.Conn, sql string) (shows bool, err error) {
	err = conn.Raw(func(dc any) error {
		// Prepare, unlike PrepareContext, refuses several statements
		// instead of running all but the last.
		st, err := dc.(driver.Conn).Prepare(sql)
		if err != nil {
			return err
		}
		if ds, ok := st.(*duckdb.Stmt); ok {
			t, err := ds.StatementType()
			if err != nil {
				return errors.Join(err, st.Close())
			}
			switch t {
			case duckdb.STATEMENT_TYPE_SET, duckdb.STATEMENT_TYPE_VARIABLE_SET, duckdb.STATEMENT_TYPE_TRANSACTION,
				duckdb.STATEMENT_TYPE_CREATE, duckdb.STATEMENT_TYPE_CREATE_FUNC, duckdb.STATEMENT_TYPE_DROP,
				duckdb.STATEMENT_TYPE_ALTER, duckdb.STATEMENT_TYPE_ATTACH, duckdb.STATEMENT_TYPE_DETACH,
				duckdb.STATEMENT_TYPE_LOAD, duckdb.STATEMENT_TYPE_PREPARE:
			default:
				shows = true
			}
		}
		return st.Close()
	})
	return shows, err
}
