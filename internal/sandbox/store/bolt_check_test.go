package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store/storetest"
)

// goodStoreFile writes a store with enough customers to span several
// pages (a tree of more than one level) and returns its path and bytes.
func goodStoreFile(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "good.db")
	st, err := OpenBolt(path, BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		cs := make([]Customer, 0, 100)
		for j := range 100 {
			c := cust(fmt.Sprintf("uuid-%d-%d", i, j), fmt.Sprintf("mid-%d-%d", i, j), 0)
			c.Name = sp(strings.Repeat("n", 40))
			cs = append(cs, c)
		}
		put(t, st, cs...)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path) //nolint:gosec // G304: the test's own temp file.
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// currentMeta returns the offset of the meta record bbolt uses (the valid
// one with the higher txid) and the page size.
func currentMeta(t *testing.T, b []byte) (int, int) {
	t.Helper()
	ps := int(binary.NativeEndian.Uint32(b[boltPageHeaderSize+8:]))
	m0, m1 := parseBoltMeta(b), parseBoltMeta(b[ps:])
	if m0.problem(0) != "" || m1.problem(1) != "" {
		t.Fatalf("the good file has a bad meta: %q %q", m0.problem(0), m1.problem(1))
	}
	if m1.txi > m0.txi {
		return ps + boltPageHeaderSize, ps
	}
	return boltPageHeaderSize, ps
}

// setRoot points the meta record at off to page root, with a valid
// checksum.
func setRoot(b []byte, off int, root uint64) {
	binary.NativeEndian.PutUint64(b[off+16:], root)
	h := fnv.New64a()
	_, _ = h.Write(b[off : off+boltMetaSize-8])
	binary.NativeEndian.PutUint64(b[off+56:], h.Sum64())
}

// bucketRoot returns the root page of the customers bucket of the store
// file at path.
func bucketRoot(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var root uint64
	if err := db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket(bucketCustomers).Root())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if root == 0 {
		t.Fatal("the customers bucket is inline: the good file is too small")
	}
	return root
}

// A damaged, cut short or foreign file is refused with an UnusableError
// saying what is wrong, never a crash (a SIGBUS or a bbolt panic ends the
// test binary) nor an empty store, and the file is left as it was.
func TestOpenBoltRefusesDamagedFiles(t *testing.T) {
	goodPath, good := goodStoreFile(t)
	metaOff, ps := currentMeta(t, good)
	custRoot := bucketRoot(t, goodPath)
	rng := rand.NewChaCha8([32]byte{1, 2}) // reproducible garbage

	garbage := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rng.Read(b)
		return b
	}
	clone := func() []byte { return bytes.Clone(good) }

	type tc struct {
		name    string
		content func() []byte
		want    string // in the UnusableError's Problem
	}
	cases := []tc{
		{"empty", func() []byte { return nil }, "empty (0 bytes)"},
		{"random garbage", func() []byte { return garbage(64 << 10) }, "not a bbolt database"},
		{"random garbage after bbolt's first page", func() []byte {
			b := clone()
			copy(b[ps:], garbage(len(b)-ps))
			return b
		}, "page 1"},
		{"garbage over the customers' pages", func() []byte {
			b := clone()
			copy(b[pageOffset(custRoot, int64(ps)):], garbage(ps))
			return b
		}, fmt.Sprintf("page %d is not the tree page its parent expects", custRoot)},
		{"keys out of order in a leaf", func() []byte {
			// The first leaf of the customers tree: its first key (a
			// big-endian sequence number) made the largest.
			b := clone()
			ne := binary.NativeEndian
			leaf := pageOffset(custRoot, int64(ps))
			if ne.Uint16(b[leaf+8:]) == boltBranchPage {
				leaf = pageOffset(ne.Uint64(b[leaf+boltPageHeaderSize+8:]), int64(ps))
			}
			if ne.Uint16(b[leaf+8:]) != boltLeafPage {
				t.Fatal("no leaf under the customers root")
			}
			at := leaf + boltPageHeaderSize
			key := at + int64(ne.Uint32(b[at+4:]))
			b[key] = 0xff
			return b
		}, "keys are out of order"},
		{"meta points its root at the customers bucket", func() []byte {
			b := clone()
			setRoot(b, metaOff, custRoot)
			return b
		}, "holds no monri-sandbox store"},
		{"meta points its root at a meta page", func() []byte {
			b := clone()
			setRoot(b, metaOff, 1)
			return b
		}, "points its root at page 1, outside the data"},
		{"meta points its root past the data", func() []byte {
			b := clone()
			setRoot(b, metaOff, binary.NativeEndian.Uint64(b[metaOff+40:])+10)
			return b
		}, "outside the data"},
		{"both metas fail their checksum", func() []byte {
			b := clone()
			b[boltPageHeaderSize+20]++
			b[ps+boltPageHeaderSize+20]++
			return b
		}, "fails its checksum"},
	}
	// bbolt grows the file ahead of its data: cut within the data, which
	// ends where the current meta record's page count says.
	dataEnd := int(pageOffset(binary.NativeEndian.Uint64(good[metaOff+40:]), int64(ps)))
	if dataEnd < 8*ps {
		t.Fatalf("the good file has %d data pages, too few to cut in the middle", dataEnd/ps)
	}
	for _, n := range []int{1, 100, ps - 1, ps, ps + 100, 2 * ps, 3 * ps, dataEnd / 2, dataEnd - ps, dataEnd - 1, len(good) - 1} {
		cases = append(cases, tc{fmt.Sprintf("cut to %d bytes (data %d, file %d)", n, dataEnd, len(good)), func() []byte { return good[:n] }, "cut short"})
	}

	// A foreign, valid bbolt file: another program's.
	_, foreign := storetest.ForeignBoltFile(t, t.TempDir())
	cases = append(cases, tc{"another program's bbolt file", func() []byte { return foreign }, "holds no monri-sandbox store"})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			content := c.content()
			writeFile(t, path, string(content))
			st, err := OpenBolt(path, BoltOptions{})
			if err == nil {
				n := len(view(st, func(r Reader) []Customer { return r.Customers() }))
				_ = st.Close()
				t.Fatalf("opened, with %d customers", n)
			}
			var u *UnusableError
			if !errors.As(err, &u) {
				t.Fatalf("not an UnusableError: %v", err)
			}
			if !strings.Contains(u.Problem, c.want) {
				t.Errorf("problem %q, want it to say %q", u.Problem, c.want)
			}
			if !strings.HasPrefix(err.Error(), "open "+path+": ") {
				t.Errorf("error does not name the file: %v", err)
			}
			after, _ := os.ReadFile(path) //nolint:gosec // G304: the test's own temp file.
			if !bytes.Equal(after, content) {
				t.Error("the refused file was changed")
			}
		})
	}

	// The good file opens, whole.
	st, err := OpenBolt(goodPath, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	if n := len(view(st, func(r Reader) []Customer { return r.Customers() })); n != 400 {
		t.Fatalf("good file: %d customers", n)
	}
}

// A file bbolt created but the store never initialised (the process ended
// between the two) holds nothing to lose: it opens as a new store.
func TestOpenBoltInitialisesBareBboltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bare.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	st, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, cust("a", "m", 0))
	_ = st.Close()
	st, err = OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	if got := uuids(view(st, func(r Reader) []Customer { return r.Customers() })); len(got) != 1 {
		t.Fatalf("reopened: %v", got)
	}
}
