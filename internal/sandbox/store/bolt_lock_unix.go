//go:build !windows && !plan9 && !solaris && !aix && !android

package store

import (
	"errors"
	"os"
	"syscall"
	"time"

	berrors "go.etcd.io/bbolt/errors"
)

// lockShared takes a shared flock of f, waiting at most timeout while
// another process (a running sandbox) holds it exclusively, as bbolt does:
// checkBoltFile must not read pages a running sandbox is writing. The lock
// goes with f's close.
func lockShared(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) //nolint:gosec // G115: a file descriptor fits an int.
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return berrors.ErrTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
}
