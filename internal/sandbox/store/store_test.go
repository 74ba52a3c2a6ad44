package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

type boltTx = bolt.Tx

func asBolt(t *testing.T, st Store) *boltStore {
	t.Helper()
	bs, ok := st.(*boltStore)
	if !ok {
		t.Fatalf("%T is not a bolt store", st)
	}
	return bs
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// backend is one Store implementation under test. reopen closes st and
// opens the same data again; nil for the memory store, whose data ends
// with it.
type backend struct {
	name   string
	open   func(t *testing.T) Store
	reopen func(t *testing.T, st Store) Store
}

func backends() []backend {
	openBolt := func(t *testing.T, path string) Store {
		t.Helper()
		st, err := OpenBolt(path, BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	return []backend{
		{name: "memory", open: func(*testing.T) Store { return NewMemory() }},
		{
			name: "bolt",
			open: func(t *testing.T) Store { return openBolt(t, filepath.Join(t.TempDir(), "store.db")) },
			reopen: func(t *testing.T, st Store) Store {
				t.Helper()
				path := asBolt(t, st).db.Path()
				if err := st.Close(); err != nil {
					t.Fatal(err)
				}
				return openBolt(t, path)
			},
		},
	}
}

// forEach runs test against each backend, and once more on the reopened
// store for the durable ones (check sees the data after the reopen).
func forEach(t *testing.T, test func(t *testing.T, st Store) (check func(t *testing.T, st Store))) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			check := test(t, st)
			if check == nil {
				return
			}
			check(t, st)
			if b.reopen != nil {
				t.Run("reopened", func(t *testing.T) { check(t, b.reopen(t, st)) })
			}
		})
	}
}

var t0 = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

func sp(s string) *string { return &s }

func cust(uuid, mid string, at time.Duration) Customer {
	c := Customer{UUID: uuid, CreatedAt: t0.Add(at), UpdatedAt: t0.Add(at), Metadata: map[string]string{}}
	if mid != "" {
		c.MerchantCustomerID = sp(mid)
	}
	return c
}

func put(t *testing.T, st Store, cs ...Customer) {
	t.Helper()
	if err := st.Update(func(w Writer) error {
		for _, c := range cs {
			if err := w.PutCustomer(c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func uuids(cs []Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.UUID
	}
	return out
}

func view[T any](st Store, fn func(r Reader) T) T {
	var v T
	st.View(func(r Reader) { v = fn(r) })
	return v
}

func TestCustomersAndMerchantIndex(t *testing.T) {
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		put(t, st, cust("a", "m1", 0), cust("b", "m2", time.Second), cust("c", "", 2*time.Second))
		// A second live customer with m1 is refused; the Update writes nothing.
		err := st.Update(func(w Writer) error {
			if err := w.PutCustomer(cust("d", "", 0)); err != nil {
				return err
			}
			return w.PutCustomer(cust("e", "m1", 0))
		})
		if !errors.Is(err, ErrMerchantIDTaken) {
			t.Fatalf("duplicate merchant id: %v", err)
		}
		if view(st, func(r Reader) bool { _, ok := r.Customer("d"); return ok }) {
			t.Fatal("a refused Update's first write was kept")
		}
		// In one Update: a is deleted (freeing m1), b moves from m2 to m1,
		// and c takes m2.
		if err := st.Update(func(w Writer) error {
			a, _ := w.Customer("a")
			a.Deleted, a.DeletedAt = true, &t0
			if err := w.PutCustomer(a); err != nil {
				return err
			}
			b, _ := w.Customer("b")
			b.MerchantCustomerID = sp("m1")
			if err := w.PutCustomer(b); err != nil {
				return err
			}
			if got, ok := w.LiveCustomerByMerchantID("m1"); !ok || got.UUID != "b" {
				t.Errorf("inside the Update, m1 is held by %v %v", got.UUID, ok)
			}
			if _, ok := w.LiveCustomerByMerchantID("m2"); ok {
				t.Error("inside the Update, m2 is still held")
			}
			c, _ := w.Customer("c")
			c.MerchantCustomerID = sp("m2")
			return w.PutCustomer(c)
		}); err != nil {
			t.Fatal(err)
		}
		return func(t *testing.T, st Store) {
			st.View(func(r Reader) {
				if c, ok := r.LiveCustomerByMerchantID("m1"); !ok || c.UUID != "b" {
					t.Errorf("m1: %v %v", c.UUID, ok)
				}
				if c, ok := r.LiveCustomerByMerchantID("m2"); !ok || c.UUID != "c" {
					t.Errorf("m2: %v %v", c.UUID, ok)
				}
				if c, ok := r.LastDeletedByMerchantID("m1"); !ok || c.UUID != "a" || !c.DeletedAt.Equal(t0) {
					t.Errorf("last deleted m1: %+v %v", c, ok)
				}
				if got := uuids(r.Customers()); !reflect.DeepEqual(got, []string{"a", "b", "c"}) || r.Len() != 3 {
					t.Errorf("customers %v, len %d", got, r.Len())
				}
			})
		}
	})
}

func TestCustomerPage(t *testing.T) {
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		var cs []Customer
		for i := range 6 {
			cs = append(cs, cust(fmt.Sprint("c", i), "", time.Duration(i)*time.Second))
		}
		cs[5].CreatedAt = cs[2].CreatedAt // Same instant: creation order decides.
		put(t, st, cs...)
		put(t, st, func() Customer { c := cs[1]; c.Deleted = true; return c }())
		// An edit of created_at moves c0 to the front.
		put(t, st, func() Customer { c := cs[0]; c.CreatedAt = t0.Add(time.Hour); return c }())
		return func(t *testing.T, st Store) {
			st.View(func(r Reader) {
				for _, tc := range []struct {
					offset, limit int
					deleted       bool
					want          []string
				}{
					{0, 10, true, []string{"c0", "c4", "c3", "c5", "c2", "c1"}},
					{0, 10, false, []string{"c0", "c4", "c3", "c5", "c2"}},
					{1, 2, false, []string{"c4", "c3"}},
					{4, 2, false, []string{"c2"}},
					{4, 2, true, []string{"c2", "c1"}},
					{9, 2, true, []string{}},
				} {
					if got := uuids(r.CustomerPage(tc.offset, tc.limit, tc.deleted)); !reflect.DeepEqual(got, tc.want) {
						t.Errorf("page(%d, %d, %v) = %v, want %v", tc.offset, tc.limit, tc.deleted, got, tc.want)
					}
				}
			})
		}
	})
}

func TestPaymentMethods(t *testing.T) {
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		put(t, st, cust("a", "", 0), cust("b", "", 0))
		add := func(pm PaymentMethod) error {
			return st.Update(func(w Writer) error { return w.AddPaymentMethod(pm) })
		}
		for i, at := range []time.Duration{0, 2 * time.Second, time.Second} {
			if err := add(PaymentMethod{ID: fmt.Sprint("p", i), CustomerUUID: "a", CreatedAt: t0.Add(at), ExpirationDate: "2030-12-31"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := add(PaymentMethod{ID: "q", CustomerUUID: "b", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := add(PaymentMethod{ID: "x", CustomerUUID: "nobody"}); !errors.Is(err, ErrCustomerNotFound) {
			t.Errorf("card of an unknown customer: %v", err)
		}
		if err := add(PaymentMethod{ID: "p1", CustomerUUID: "b"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("card id saved twice: %v", err)
		}
		// A card of a customer created in the same Update.
		if err := st.Update(func(w Writer) error {
			if err := w.PutCustomer(cust("c", "", 0)); err != nil {
				return err
			}
			return w.AddPaymentMethod(PaymentMethod{ID: "r", CustomerUUID: "c"})
		}); err != nil {
			t.Fatal(err)
		}
		return func(t *testing.T, st Store) {
			st.View(func(r Reader) {
				ids := func(pms []PaymentMethod) []string {
					out := []string{}
					for _, pm := range pms {
						out = append(out, pm.ID)
					}
					return out
				}
				if got := ids(r.PaymentMethodPage("a", 0, 10)); !reflect.DeepEqual(got, []string{"p1", "p2", "p0"}) {
					t.Errorf("a's cards %v", got)
				}
				if got := ids(r.PaymentMethodPage("a", 1, 1)); !reflect.DeepEqual(got, []string{"p2"}) {
					t.Errorf("a's second card %v", got)
				}
				if got := ids(r.PaymentMethods()); !reflect.DeepEqual(got, []string{"p0", "p1", "p2", "q", "r"}) {
					t.Errorf("all cards %v", got)
				}
				if got := r.PaymentMethodPage("nobody", 0, 10); len(got) != 0 {
					t.Errorf("cards of nobody %v", got)
				}
			})
		}
	})
}

// Values handed out are copies: changing them changes nothing stored.
func TestCopies(t *testing.T) {
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		c := cust("a", "m", 0)
		c.Name, c.Metadata = sp("Ana"), map[string]string{"k": "v"}
		put(t, st, c)
		*c.Name, c.Metadata["k"] = "changed", "changed" // The caller's own value after the write.
		got := view(st, func(r Reader) Customer { c, _ := r.Customer("a"); return c })
		*got.Name, got.Metadata["k"], *got.MerchantCustomerID = "changed", "changed", "changed"
		if err := st.Update(func(w Writer) error {
			c, _ := w.Customer("a")
			*c.Name = "changed in Update, not written"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return func(t *testing.T, st Store) {
			c := view(st, func(r Reader) Customer { c, _ := r.Customer("a"); return c })
			if *c.Name != "Ana" || c.Metadata["k"] != "v" || *c.MerchantCustomerID != "m" {
				t.Errorf("stored %+v", c)
			}
			if !view(st, func(r Reader) bool { _, ok := r.LiveCustomerByMerchantID("m"); return ok }) {
				t.Error("index changed through a copy")
			}
		}
	})
}

// Concurrent Updates are all committed, each exactly once, and a
// merchant_customer_id wanted by several goes to exactly one.
func TestConcurrentUpdates(t *testing.T) {
	const writers, each = 10, 30
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := map[string]int{}
		for g := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					mid := fmt.Sprint("shared-", i) // Every writer wants it.
					err := st.Update(func(w Writer) error {
						return w.PutCustomer(cust(fmt.Sprintf("w%d-%d", g, i), mid, time.Duration(i)))
					})
					switch {
					case err == nil:
						mu.Lock()
						won[mid]++
						mu.Unlock()
					case !errors.Is(err, ErrMerchantIDTaken):
						t.Error(err)
					}
					st.View(func(r Reader) { _ = r.CustomerPage(0, 10, false) })
				}
			}()
		}
		wg.Wait()
		for i := range each {
			if n := won[fmt.Sprint("shared-", i)]; n != 1 {
				t.Errorf("shared-%d created %d times", i, n)
			}
		}
		return func(t *testing.T, st Store) {
			if n := view(st, func(r Reader) int { return r.Len() }); n != each {
				t.Errorf("%d customers, want %d", n, each)
			}
		}
	})
}

func TestUpdateErrors(t *testing.T) {
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		boom := errors.New("boom")
		if err := st.Update(func(w Writer) error {
			_ = w.PutCustomer(cust("a", "m", 0))
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("Update = %v", err)
		}
		if err := st.Update(func(w Writer) error { return w.PutCustomer(Customer{}) }); !errors.Is(err, ErrInvalid) {
			t.Fatalf("customer without uuid: %v", err)
		}
		put(t, st, cust("b", "m", 0))
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.Update(func(Writer) error { return nil }); !errors.Is(err, ErrClosed) {
			t.Fatalf("Update after Close = %v", err)
		}
		// Reads still work on a closed store.
		if got := uuids(view(st, func(r Reader) []Customer { return r.Customers() })); !reflect.DeepEqual(got, []string{"b"}) {
			t.Fatalf("after close: %v", got)
		}
		return nil
	})
}

func TestExportImport(t *testing.T) {
	forEach(t, func(t *testing.T, st Store) func(*testing.T, Store) {
		src := NewMemory()
		put(t, src, cust("a", "m", 0), cust("b", "", time.Second))
		deleted := cust("c", "m", 2*time.Second)
		put(t, src, func() Customer { c := cust("a", "m", 0); c.Deleted, c.DeletedAt = true, &t0; return c }(), deleted)
		if err := src.Update(func(w Writer) error {
			return w.AddPaymentMethod(PaymentMethod{ID: "p", CustomerUUID: "b", Expired: true, CreatedAt: t0.Add(1234567 * time.Microsecond)})
		}); err != nil {
			t.Fatal(err)
		}
		d := Export(src)
		if len(d.Customers) != 3 || d.Customers[2].Seq != 3 || d.PaymentMethods[0].Expired {
			t.Fatalf("export %+v", d)
		}
		if err := Import(st, d); err != nil {
			t.Fatal(err)
		}
		if err := Import(st, d); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second import: %v", err)
		}
		return func(t *testing.T, st Store) {
			got := Export(st)
			got.Customers = got.Customers[:min(3, len(got.Customers))] // Without z, added below.
			want := d
			want.PaymentMethods[0].CreatedAt = t0.Add(1234 * time.Millisecond) // Kept to the millisecond.
			if !reflect.DeepEqual(got, want) {
				t.Errorf("export after import\n%+v\nwant\n%+v", got, want)
			}
			// Counters went on: a new customer comes last in creation order
			// (on the second check, z is replaced and stays last).
			if err := st.Update(func(w Writer) error { return w.PutCustomer(cust("z", "", -time.Hour)) }); err != nil {
				t.Fatal(err)
			}
			if all := Export(st).Customers; all[len(all)-1].UUID != "z" {
				t.Errorf("new customer at %v", uuids(view(st, func(r Reader) []Customer { return r.Customers() })))
			}
		}
	})
}

// A bolt store serves reads from memory while a commit is in progress: they
// neither wait for it nor see its writes before Update returns.
func TestBoltReadsDoNotWaitForCommit(t *testing.T) {
	st, err := OpenBolt(filepath.Join(t.TempDir(), "store.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	put(t, st, cust("a", "m", 0))
	bs := asBolt(t, st)
	inCommit, release := make(chan struct{}), make(chan struct{})
	bs.beforeCommit = func() {
		close(inCommit)
		<-release
	}
	done := make(chan error, 1)
	go func() { done <- st.Update(func(w Writer) error { return w.PutCustomer(cust("b", "n", 0)) }) }()
	<-inCommit
	// The commit is stalled; reads are answered from the committed state.
	readDone := make(chan []string, 1)
	go func() { readDone <- uuids(view(st, func(r Reader) []Customer { return r.Customers() })) }()
	select {
	case got := <-readDone:
		if !reflect.DeepEqual(got, []string{"a"}) {
			t.Errorf("read during commit saw %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a read waited for a commit")
	}
	// A writer meanwhile sees the write being committed.
	err = st.Update(func(w Writer) error {
		bs.beforeCommit = nil
		if _, ok := w.LiveCustomerByMerchantID("n"); !ok {
			t.Error("a writer does not see the write being committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("Update returned before its commit: %v", err)
	default:
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := uuids(view(st, func(r Reader) []Customer { return r.Customers() })); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("after commit: %v", got)
	}
}

func TestOpenBoltErrors(t *testing.T) {
	dir := t.TempDir()
	json := filepath.Join(dir, "old.json")
	writeFile(t, json, "  \n{\"version\":1}")
	if _, err := OpenBolt(json, BoltOptions{}); !errors.Is(err, ErrJSONState) {
		t.Errorf("JSON file: %v", err)
	}
	other := filepath.Join(dir, "other.db")
	db, err := OpenBolt(other, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	// A bbolt file of some other program.
	if err := func() error {
		bs, err := OpenBolt(other, BoltOptions{})
		if err != nil {
			return err
		}
		b := asBolt(t, bs)
		if err := b.db.Update(func(tx *boltTx) error { return tx.Bucket(bucketMeta).Put(keyFormat, []byte("other")) }); err != nil {
			return err
		}
		return bs.Close()
	}(); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(other, BoltOptions{}); err == nil || err.Error() != fmt.Sprintf(`open %s: store: the file cannot be used: it holds a store of format "other", and this monri-sandbox reads %q`, other, boltFormat) {
		t.Errorf("foreign bbolt file: %v", err)
	}
}
