// Package storetest holds helpers for the tests of the sandbox's store and
// of what opens it (the monri-sandbox command).
package storetest

import (
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// ForeignBoltFile writes, in dir, a valid bbolt database that another
// program wrote (one bucket of its own, no monri-sandbox store), and returns
// its path and bytes. Opening it as a store must be refused.
func ForeignBoltFile(tb testing.TB, dir string) (string, []byte) {
	tb.Helper()
	path := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("sessions"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	content, err := os.ReadFile(path) //nolint:gosec // G304: a file of the test's own directory.
	if err != nil {
		tb.Fatal(err)
	}
	return path, content
}
