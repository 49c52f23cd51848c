package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// queryCommand is `query`: SQL against the warehouse, read-only.
func (a *app) queryCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "query [flags] SQL",
		Short: "run SQL against the warehouse (read-only) and print the result",
		Example: `  ab2d-etl query "SELECT claim_type, count(*) FROM claims_current GROUP BY 1 ORDER BY 2 DESC"
  ab2d-etl query --format csv "SELECT * FROM claim_diagnoses WHERE code LIKE 'E11%'" > diabetes.csv`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{"no SQL given, e.g. ab2d-etl query 'SELECT claim_type, count(*) FROM claims GROUP BY 1'"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := queryfmt.ParseFormat(format)
			if err != nil {
				return usageError{"--format: " + err.Error()}
			}
			db, err := load.OpenReadOnly(cmd.Context(), a.out)
			if err != nil {
				return err
			}
			defer db.Close() // read-only handle
			rows, err := db.QueryContext(cmd.Context(), strings.Join(args, " "))
			if err != nil {
				return fmt.Errorf("SQL error: %w", err)
			}
			defer rows.Close()
			if _, err := queryfmt.Write(a.stdout, rows, f); err != nil {
				return fmt.Errorf("SQL error: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json (one object per line)")
	return cmd
}
