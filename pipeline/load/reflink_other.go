//go:build !linux

package load

import (
	"errors"
	"os"
)

// reflink is not tried outside Linux: the caller copies.
func reflink(dst, src *os.File) error { return errors.ErrUnsupported }
