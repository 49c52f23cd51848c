// Package clock waits on the real clock for the parts of ab2d-etl that
// pace themselves (the AB2D client's retries and polls, the sandbox's slow
// responses), cancellably, so that an interrupted run stops at once.
package clock

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, whichever comes first, and returns
// ctx.Err() in the second case. A d of zero or less returns at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
