//go:build !windows && !plan9 && !solaris && !aix && !android

package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	berrors "go.etcd.io/bbolt/errors"
)

// A file another process holds (a running sandbox, which may be writing
// it) is not judged from a read of its pages: the open waits for the lock
// and gives up with bbolt's timeout, as for a sound file.
func TestOpenBoltWaitsForTheLockBeforeChecking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	writeFile(t, path, "half-written pages of a running sandbox")
	f, err := os.Open(path) //nolint:gosec // G304: the test's own temp file.
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil { //nolint:gosec // G115: a file descriptor fits an int.
		t.Fatal(err)
	}
	_, err = OpenBolt(path, BoltOptions{})
	var u *UnusableError
	if !errors.Is(err, berrors.ErrTimeout) || errors.As(err, &u) {
		t.Fatalf("open of a held file: %v", err)
	}
}
