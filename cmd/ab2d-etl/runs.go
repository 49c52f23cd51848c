package main

import (
	"github.com/spf13/cobra"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// runsCommand is `runs`: the history of run, extract and load.
func (a *app) runsCommand() *cobra.Command {
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "runs [flags]",
		Short: "list past runs: when, what, how many rows, how it ended",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := queryfmt.ParseFormat(format)
			if err != nil {
				return usageError{"--format: " + err.Error()}
			}
			db, err := load.OpenReadOnly(cmd.Context(), a.out)
			if err != nil {
				return err
			}
			defer db.Close() // read-only handle
			rows, err := db.QueryContext(cmd.Context(), `SELECT r.run_id, r.command, r.status, r.started_at,
  round(epoch(r.finished_at - r.started_at), 1) AS seconds,
  r.client_id, r.api_version, r.since, r.until,
  (SELECT count(*) FROM loads l WHERE l.run_id = r.run_id) AS files,
  (SELECT coalesce(sum(l.rows), 0)::BIGINT FROM loads l WHERE l.run_id = r.run_id) AS resources,
  (SELECT coalesce(sum(l.rejects), 0)::BIGINT FROM loads l WHERE l.run_id = r.run_id) AS rejects,
  r.job_id, r.message
FROM runs r ORDER BY r.started_at DESC LIMIT ?`, limit)
			if err != nil {
				return err
			}
			defer rows.Close()
			_, err = queryfmt.Write(a.stdout, rows, f)
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json")
	cmd.Flags().IntVar(&limit, "limit", 20, "newest `N` runs")
	return cmd
}
