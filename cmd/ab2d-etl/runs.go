package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ab2d-etl/ab2d-etl/internal/queryfmt"
	"github.com/ab2d-etl/ab2d-etl/pipeline/load"
)

// runsQuery lists the runs, newest first, the columns a reader looks at
// first on the left (a table narrower than its terminal drops the columns
// on the right and names them).
const runsQuery = `SELECT date_trunc('second', r.started_at) AS started_at, r.command, r.status, r.contract,
  date_trunc('second', r.since) AS since, date_trunc('second', r.until) AS until,
  (SELECT count(*) FROM loads l WHERE l.run_id = r.run_id) AS files,
  (SELECT coalesce(sum(l.rows), 0)::BIGINT FROM loads l WHERE l.run_id = r.run_id) AS resources,
  (SELECT coalesce(sum(l.rejects), 0)::BIGINT FROM loads l WHERE l.run_id = r.run_id) AS rejects,
  (SELECT count(*) FROM export_errors x JOIN loads l USING (load_id) WHERE l.run_id = r.run_id) AS export_errors,
  round(epoch(r.finished_at - r.started_at), 1) AS seconds,
  r.client_id, r.api_version, r.job_id, r.run_id, r.message
FROM runs r ORDER BY r.started_at DESC LIMIT ?`

// runsCommand is `runs`: the history of run, extract and load.
func (a *app) runsCommand() *cobra.Command {
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "runs [flags]",
		Short: "list past runs: when, what, how many rows, how it ended",
		Long: `Lists the newest runs of run, extract and load: when, the status (succeeded,
succeeded_with_export_errors, failed, interrupted or running), the contract and the _since/_until
window asked of AB2D, files, resources, rejects and export errors loaded, and the message. A table
fits the terminal: the columns that do not fit are named under it (--format vertical shows all).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.outputOptions(format)
			if err != nil {
				return err
			}
			if limit <= 0 {
				return usagef("--limit %d: want a positive number", limit)
			}
			db, err := load.OpenReadOnly(cmd.Context(), a.out)
			if err != nil {
				return err
			}
			err = func() error {
				rows, err := db.QueryContext(cmd.Context(), runsQuery, limit)
				if err != nil {
					return fmt.Errorf("runs ledger: %w", err)
				}
				_, err = queryfmt.WriteOptions(a.stdout, rows, opts)
				return errors.Join(err, rows.Close())
			}()
			return errors.Join(err, db.Close())
		},
	}
	formatFlag(cmd.Flags(), &format)
	cmd.Flags().IntVar(&limit, "limit", 20, "newest `N` runs")
	return cmd
}
