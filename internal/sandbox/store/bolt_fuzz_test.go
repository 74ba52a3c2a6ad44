package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// FuzzOpenBolt: whatever a -state file holds, OpenBolt opens it or refuses
// it with an UnusableError (ErrJSONState for JSON); it never crashes (a
// SIGBUS ends the fuzzing process, a panic fails it). The check before
// bbolt must catch every damage bbolt would panic on: OpenBolt recovers
// such a panic, but bbolt may leave a goroutine behind that crashes the
// process a moment later.
func FuzzOpenBolt(f *testing.F) {
	dir := f.TempDir()
	// A small store, cut to its data (bbolt grows files ahead by 16 MiB).
	good := filepath.Join(dir, "good.db")
	st, err := OpenBolt(good, BoltOptions{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	if err := st.Update(func(w Writer) error {
		for i := range 30 {
			c := cust(fmt.Sprintf("uuid-%d", i), fmt.Sprintf("mid-%d", i), 0)
			c.Name = sp("A name long enough to fill pages")
			if err := w.PutCustomer(c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		f.Fatal(err)
	}
	_ = st.Close()
	b, err := os.ReadFile(good) //nolint:gosec // G304: the test's own temp file.
	if err != nil {
		f.Fatal(err)
	}
	ne := binary.NativeEndian
	ps := int64(ne.Uint32(b[boltPageHeaderSize+8:]))
	meta := b[boltPageHeaderSize:]
	if m1 := b[ps+boltPageHeaderSize:]; ne.Uint64(m1[48:]) > ne.Uint64(meta[48:]) {
		meta = m1
	}
	f.Add(b[:pageOffset(ne.Uint64(meta[40:]), ps)])
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		f.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("x"))
		return err
	})
	_ = db.Close()
	if b, err := os.ReadFile(foreign); err == nil { //nolint:gosec // G304: the test's own temp file.
		f.Add(b[:4*ps])
	}
	f.Add([]byte{})
	f.Add([]byte("garbage"))

	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "state.db")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := OpenBolt(path, BoltOptions{NoSync: true})
		if err == nil {
			st.View(func(r Reader) { _ = r.Customers() })
			_ = st.Close()
			return
		}
		var u *UnusableError
		if !errors.As(err, &u) && !errors.Is(err, ErrJSONState) {
			t.Fatalf("neither opened nor refused as unusable: %v", err)
		}
		if u != nil && strings.HasPrefix(u.Problem, "bbolt could not read it") {
			t.Fatalf("bbolt panicked on a file the check passed: %v", err)
		}
	})
}
