package load

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Stage is one file's load on its way into the warehouse: temporary
// Parquet parts per table, written as the file's batches arrive, and the
// codes its EOBs carried, staged for the merge. The merge begins before
// the file is read to its end: Warehouse.Ingest inserts each closed part
// into the load's DuckDB transaction while the next ones are written, and
// Warehouse.Commit finishes it. Nothing of it is visible until the commit;
// Abort discards it.
//
// Write, Roll and CloseTable of different tables may run concurrently (one
// goroutine per table), WriteCodes and FinishCodes beside them (on another
// goroutine), and Ingest too, on yet another goroutine, which also commits
// or aborts the stage once the others are done with it.
type Stage struct {
	LoadID    string
	StartedAt time.Time
	// sourceFile is the base name of the input file, the rows' source_file;
	// key is the load's key in schema.LoadKeys.
	sourceFile string
	key        int64
	tables     []*tableWriter // per Parquet table, in catalog order
	codes      *codesWriter
	codesFile  string // the staged codes, once FinishCodes wrote them
	finished   bool
	// The load's transaction, begun by the first Ingest (or by Commit),
	// and the parts it holds, per table. Only the goroutine that ingests
	// and commits uses them.
	conn     *sql.Conn
	tx       *sql.Tx
	ingested [][]string
}

// NewStage starts the staging of a load of the file named sourceFile (a
// base name, the rows' source_file).
func (w *Warehouse) NewStage(loadID, sourceFile string) (*Stage, error) {
	s := &Stage{LoadID: loadID, StartedAt: time.Now(), sourceFile: sourceFile, key: w.lastKey.Add(1)}
	for _, t := range w.cat.ParquetTables() {
		s.tables = append(s.tables, newTableWriter(w.Dir, t, loadID, w.zstd))
	}
	s.ingested = make([][]string, len(s.tables))
	codes, err := newCodesWriter(w.Dir, loadID, w.cat, w.zstd)
	if err != nil {
		return nil, err
	}
	s.codes = codes
	return s, nil
}

// Write appends rec to the open part of Parquet table i (catalog order).
// It does not take over rec: the caller still releases it.
func (s *Stage) Write(i int, rec arrow.RecordBatch) error { return s.tables[i].write(rec) }

// Roll closes the open part of table i when it holds at least minRows
// rows, and returns its path for Warehouse.Ingest; the next Write starts a
// new part. It returns "" when it did not close one.
func (s *Stage) Roll(i int, minRows int64) (string, error) {
	if tw := s.tables[i]; tw.w == nil || tw.inPart < minRows { // an open part has a row
		return "", nil
	}
	return s.tables[i].closePart()
}

// CloseTable closes the last part of table i and returns its path, or ""
// when it has none open.
func (s *Stage) CloseTable(i int) (string, error) { return s.tables[i].closePart() }

// WriteCodes adds the codes of the next batch, in input order: a code's
// earliest display wins.
func (s *Stage) WriteCodes(cs transform.CodeSet) error { return s.codes.write(cs) }

// FinishCodes writes out the codes still pending, so that the stage holds
// no more memory while it waits for its commit.
func (s *Stage) FinishCodes() error {
	if s.finished {
		return nil
	}
	f, err := s.codes.close()
	if err != nil {
		return err
	}
	s.codesFile, s.finished = f, true
	return nil
}

// Rows returns the rows staged per table; tables without rows are absent.
func (s *Stage) Rows() map[string]int64 {
	out := map[string]int64{}
	for _, tw := range s.tables {
		if tw.rows > 0 {
			out[tw.table.Name] = tw.rows
		}
	}
	return out
}

// Abort discards what was staged, rolling back what was ingested. It is
// safe to call after a failed Commit, and more than once.
func (s *Stage) Abort() {
	_ = s.endTx(false) // discarding: a failed rollback leaves nothing visible either
	for _, tw := range s.tables {
		tw.abort()
	}
	s.codes.remove()
}

// endTx commits or rolls back the load's transaction, if one was begun,
// and returns its connection to the pool.
func (s *Stage) endTx(commit bool) error {
	if s.tx == nil {
		return nil
	}
	var err error
	if commit {
		err = s.tx.Commit()
	} else {
		err = s.tx.Rollback()
	}
	if !commit {
		// The limit is the database's, not the connection's: an aborted
		// ingest must not leave it at ingestMemoryLimit (merge restored
		// it before a commit).
		_, serr := s.conn.ExecContext(context.Background(), "SET memory_limit = '"+duckMemoryLimit+"'")
		err = errors.Join(err, serr)
	}
	err = errors.Join(err, s.conn.Close())
	s.tx, s.conn = nil, nil
	return err
}

// LoadRecord is the ledger entry of one file's load.
type LoadRecord struct {
	RunID, SourceFile, SHA256 string
	Bytes, Rows, Rejects      int64
}

// Ingest inserts a closed part of table i (from Roll or CloseTable) into
// the load's DuckDB transaction, beginning it on the first call, so that
// the merge of a file proceeds while the rest of it is transformed. The
// rows of tables merged by EOB or appended go in at once (Commit removes
// the versions that lose); the parts of beneficiary_mbis wait for Commit,
// which merges them in place. Calling it is optional: Commit ingests the
// parts it was not given. On error the caller aborts the stage.
func (w *Warehouse) Ingest(ctx context.Context, s *Stage, i int, part string) error {
	if part == "" {
		return nil
	}
	t := s.tables[i].table
	if t.Merge != schema.MergeMBIs {
		if err := w.begin(ctx, s); err != nil {
			return err
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM read_parquet(%s)", t.Stored().Name, columnList(t.Stored()), storedSelect(t, s.key), quote(part))
		if _, err := s.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("merge load %s: %s: %w", s.LoadID, part, err)
		}
	}
	s.ingested[i] = append(s.ingested[i], part)
	return nil
}

// begin begins the load's transaction, unless it has been.
func (w *Warehouse) begin(ctx context.Context, s *Stage) error {
	if s.tx != nil {
		return nil
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("merge load %s: %w", s.LoadID, err)
	}
	if _, err := conn.ExecContext(ctx, "SET memory_limit = '"+ingestMemoryLimit+"'"); err != nil {
		return errors.Join(fmt.Errorf("merge load %s: %w", s.LoadID, err), conn.Close())
	}
	// failed gives the database its limit back (it is the database's, not
	// the connection's) and the connection, after an error.
	failed := func(err error, undo ...error) error {
		_, lerr := conn.ExecContext(context.WithoutCancel(ctx), "SET memory_limit = '"+duckMemoryLimit+"'")
		return errors.Join(append([]error{fmt.Errorf("merge load %s: %w", s.LoadID, err), lerr, conn.Close()}, undo...)...)
	}
	// The transaction outlives this call: it ends with Commit or Abort,
	// not with the context of the Ingest that began it (a cancelled call
	// interrupts its own statement).
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return failed(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+schema.LoadKeys().Name+" VALUES (?, ?, ?)", s.key, s.LoadID, s.sourceFile); err != nil {
		return failed(err, tx.Rollback())
	}
	s.conn, s.tx = conn, tx
	return nil
}

// Commit finishes the merge of a staged load into the current state, in
// its one DuckDB transaction, and then publishes its Parquet files (see
// merge). The tables must be closed; parts not yet ingested are ingested
// first. Unless force, a file whose sha256 the ledger already holds is not
// merged: Commit discards the stage and returns the earlier load's id. On
// error nothing of the load is visible and the stage is discarded.
func (w *Warehouse) Commit(ctx context.Context, s *Stage, rec LoadRecord, force bool) (loadedAs string, err error) {
	defer func() {
		var pe *PublishError
		if loadedAs != "" || (err != nil && !errors.As(err, &pe)) {
			s.Abort()
		}
	}()
	if !force {
		if id, err := w.LoadedAs(ctx, rec.SHA256); err != nil || id != "" {
			return id, err
		}
	}
	if err := s.FinishCodes(); err != nil {
		return "", fmt.Errorf("%s: %w", rec.SourceFile, err)
	}
	defer s.codes.remove() // staged for the merge only
	for i, tw := range s.tables {
		if tw.w != nil {
			return "", fmt.Errorf("%s: merge load %s: table %s is not closed", rec.SourceFile, s.LoadID, tw.table.Name)
		}
		for _, p := range tw.parts[len(s.ingested[i]):] {
			if err := w.Ingest(ctx, s, i, p); err != nil {
				return "", fmt.Errorf("%s: %w", rec.SourceFile, err)
			}
		}
	}
	// The transform's buffers are garbage now; hand them back to the OS so
	// that DuckDB's merge does not stack on top of them (peak RSS).
	debug.FreeOSMemory()
	if err := w.begin(ctx, s); err != nil {
		return "", fmt.Errorf("%s: %w", rec.SourceFile, err)
	}
	if _, err := s.tx.ExecContext(ctx, "SET memory_limit = '"+duckMemoryLimit+"'"); err != nil {
		return "", fmt.Errorf("%s: merge load %s: %w", rec.SourceFile, s.LoadID, err)
	}
	if err := w.merge(ctx, s, rec); err != nil {
		return "", fmt.Errorf("%s: %w", rec.SourceFile, err)
	}
	if err := s.endTx(true); err != nil {
		return "", fmt.Errorf("%s: merge load %s: %w", rec.SourceFile, s.LoadID, err)
	}
	// Committed: publish the Parquet files. Interruption no longer matters
	// here; a crash before this point is finished by Open's recovery.
	var errs []error
	for _, tw := range s.tables {
		for _, p := range tw.parts {
			if err := os.Rename(p, strings.TrimSuffix(p, tmpSuffix)); err != nil {
				errs = append(errs, fmt.Errorf("%s: publish parquet: %w", rec.SourceFile, err))
			}
		}
	}
	if len(errs) > 0 {
		// The load is committed: what failed here is finished by the
		// recovery of the next Open; the stage must not be removed.
		return "", &PublishError{Err: errors.Join(errs...)}
	}
	return "", nil
}

// PublishError reports a load that committed but whose Parquet files
// could not be renamed into place; the next Open finishes it.
type PublishError struct{ Err error }

func (e *PublishError) Error() string {
	return fmt.Sprintf("the load committed, but its Parquet files are not in place yet (the next run finishes it): %v", e.Err)
}

func (e *PublishError) Unwrap() error { return e.Err }

// NewID returns a sortable, unique id for a load or a run: UTC time plus
// random bits.
func NewID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return time.Now().UTC().Format(idTimeLayout) + "-" + hex.EncodeToString(b[:])
}

// idTimeLayout is the time at the start of an id of NewID.
const idTimeLayout = "20060102T150405.000000Z"
