//go:build windows || plan9 || solaris || aix || android

package store

import (
	"os"
	"time"
)

// lockShared does nothing here: bbolt's own lock, taken when it opens the
// file, is the only one.
func lockShared(*os.File, time.Duration) error { return nil }
