package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ab2d-etl/ab2d-etl/pipeline/transform"
)

// Stage is one file's load on its way into the warehouse: a temporary
// Parquet file per table, written as the file's batches arrive, and the
// codes its EOBs carried, staged for the merge. Nothing of it is visible
// until Warehouse.Commit; Abort discards it.
//
// Write and CloseTable of different tables may run concurrently (one
// goroutine per table); everything else is for one goroutine at a time.
type Stage struct {
	LoadID    string
	StartedAt time.Time
	tables    []*tableWriter // per Parquet table, in catalog order
	codes     *codesWriter
	codesFile string // the staged codes, once FinishCodes wrote them
	finished  bool
}

// NewStage starts the staging of a load.
func (w *Warehouse) NewStage(loadID string) (*Stage, error) {
	s := &Stage{LoadID: loadID, StartedAt: time.Now()}
	for _, t := range w.cat.ParquetTables() {
		s.tables = append(s.tables, newTableWriter(w.Dir, t, loadID))
	}
	codes, err := newCodesWriter(w.Dir, loadID, w.cat, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	s.codes = codes
	return s, nil
}

// Write appends rec to the staged file of Parquet table i (catalog order).
// It does not take over rec: the caller still releases it.
func (s *Stage) Write(i int, rec arrow.RecordBatch) error { return s.tables[i].write(rec) }

// CloseTable finishes the staged file of table i.
func (s *Stage) CloseTable(i int) error { return s.tables[i].close() }

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

// Abort discards what was staged. It is safe to call after a failed
// Commit, and more than once.
func (s *Stage) Abort() {
	for _, tw := range s.tables {
		tw.abort()
	}
	s.codes.remove()
}

// LoadRecord is the ledger entry of one file's load.
type LoadRecord struct {
	RunID, SourceFile, SHA256 string
	Bytes, Rows, Rejects      int64
}

// Commit merges a staged load into the current state in one DuckDB
// transaction and then publishes its Parquet files (see commit). The
// tables must be closed. Unless force, a file whose sha256 the ledger
// already holds is not merged: Commit discards the stage and returns the
// earlier load's id. On error nothing of the load is visible and the stage
// is discarded.
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
	files := map[string]string{}
	for _, tw := range s.tables {
		if tw.rows > 0 {
			files[tw.table.Name] = tw.path
		}
	}
	// The transform's buffers are garbage now; hand them back to the OS so
	// that DuckDB's merge does not stack on top of them (peak RSS).
	debug.FreeOSMemory()
	if err := w.commit(ctx, s.LoadID, s.StartedAt, rec, files, s.codesFile); err != nil {
		return "", fmt.Errorf("%s: %w", rec.SourceFile, err)
	}
	// Committed: publish the Parquet files. Interruption no longer matters
	// here; a crash before this point is finished by Open's recovery.
	var errs []error
	for _, f := range files {
		if err := os.Rename(f, strings.TrimSuffix(f, tmpSuffix)); err != nil {
			errs = append(errs, fmt.Errorf("%s: publish parquet: %w", rec.SourceFile, err))
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
