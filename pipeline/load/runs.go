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
	TypeFilter                                            string // v3 _typeFilter, "" for none
	StartedAt                                             time.Time
}

// StatusExportErrors is the status of a run that completed but whose
// export had AB2D error files; see LastKickoff.
const StatusExportErrors = "succeeded_with_export_errors"

// StartRun records a run as running.
func (w *Warehouse) StartRun(ctx context.Context, r Run) error {
	_, err := w.db.ExecContext(ctx, `INSERT INTO runs (run_id, command, client_id, contract, api_version, job_id, since, until, type_filter, started_at, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')`,
		r.RunID, r.Command, nullStr(r.ClientID), nullStr(r.Contract), nullStr(r.APIVersion), nullStr(r.JobID),
		nullTime(r.Since), nullTime(r.Until), nullStr(r.TypeFilter), r.StartedAt)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// FinishRun records how a run ended: succeeded, StatusExportErrors,
// failed or interrupted.
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

// LastKickoff returns the _since of the next incremental run for this
// client, API version and v3 _typeFilter ("" for none): the end of the
// last successful run with the same three, or the zero time when there is
// none. A run ends at its kick-off time, or at its _until when that is
// earlier (the claims updated in between were not asked for). Runs with
// another _typeFilter do not count: a run for some service dates says
// nothing about the others.
//
// A run whose export had AB2D error files (status
// succeeded_with_export_errors) does not count, and holds the watermark
// at its own _since until a later successful run asked for all it asked
// for (from that _since or earlier, to its end or later): the claims AB2D
// could not export are asked for again (the loads are idempotent).
func (w *Warehouse) LastKickoff(ctx context.Context, clientID, apiVersion, typeFilter string) (time.Time, error) {
	var last, held sql.NullTime
	var pending, everything bool
	err := w.db.QueryRowContext(ctx, `WITH r AS (
  SELECT *, least(kickoff_at, coalesce(until, kickoff_at)) AS covered FROM runs
  WHERE command = 'run' AND client_id = ? AND api_version = ? AND coalesce(type_filter, '') = ?),
pending AS (SELECT e.since FROM r e WHERE e.status = ? AND NOT EXISTS (
  SELECT 1 FROM r c WHERE c.status = 'succeeded' AND c.kickoff_at > e.kickoff_at
    AND (c.since IS NULL OR c.since <= e.since) AND c.covered >= e.covered))
SELECT (SELECT max(covered) FROM r WHERE status = 'succeeded'), count(*) > 0, coalesce(bool_or(since IS NULL), false), min(since)
FROM pending`, clientID, apiVersion, typeFilter, StatusExportErrors).Scan(&last, &pending, &everything, &held)
	if err != nil {
		return time.Time{}, fmt.Errorf("runs ledger: %w", err)
	}
	switch {
	case !pending:
		return last.Time, nil
	case everything: // a full export with errors: everything again
		return time.Time{}, nil
	case held.Time.Before(last.Time):
		return held.Time, nil
	}
	return last.Time, nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }
