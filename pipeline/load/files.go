package load

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Run is one row of the runs table.
type Run struct {
	RunID, Command, ClientID, Contract, APIVersion, JobID string
	Since, Until                                          time.Time
	StartedAt                                             time.Time
}

// StartRun records a run as running.
func (w *Warehouse) StartRun(ctx context.Context, r Run) error {
	_, err := w.db.ExecContext(ctx, `INSERT INTO runs (run_id, command, client_id, contract, api_version, job_id, since, until, started_at, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')`,
		r.RunID, r.Command, nullStr(r.ClientID), nullStr(r.Contract), nullStr(r.APIVersion), nullStr(r.JobID),
		nullTime(r.Since), nullTime(r.Until), r.StartedAt)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// FinishRun records how a run ended: succeeded, failed or interrupted.
func (w *Warehouse) FinishRun(ctx context.Context, runID, status, message string) error {
	_, err := w.db.ExecContext(ctx, `UPDATE runs SET finished_at = now(), status = ?, message = ? WHERE run_id = ?`,
		status, message, runID)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// UpdateRun records what a run learned on the way: its job, contract and
// kick-off time (zero values leave a column as it is).
func (w *Warehouse) UpdateRun(ctx context.Context, runID, jobID, contract string, kickoff time.Time) error {
	_, err := w.db.ExecContext(ctx, `UPDATE runs SET job_id = coalesce(?, job_id), contract = coalesce(?, contract),
  kickoff_at = coalesce(?, kickoff_at) WHERE run_id = ?`, nullStr(jobID), nullStr(contract), nullTime(kickoff), runID)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// LastKickoff returns the kick-off time of the last successful run for this
// client and API version, or the zero time when there is none: the _since
// of the next incremental run.
func (w *Warehouse) LastKickoff(ctx context.Context, clientID, apiVersion string) (time.Time, error) {
	var t sql.NullTime
	err := w.db.QueryRowContext(ctx, `SELECT max(kickoff_at) FROM runs
WHERE command = 'run' AND status = 'succeeded' AND client_id = ? AND api_version = ?`, clientID, apiVersion).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("runs ledger: %w", err)
	}
	return t.Time, nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }
