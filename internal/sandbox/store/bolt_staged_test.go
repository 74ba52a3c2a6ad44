package store

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// A bolt store answers a writer from the newest staged value: a customer
// that a later batch staged again survives the earlier batch's commit.
// Both commits are paused in turn: while the second is paused, the first
// has reached the index with the older value, and a writer must still see
// the newer one (its name and its merchant_customer_id).
func TestBoltWriterSeesNewestStagedValue(t *testing.T) {
	st, err := OpenBolt(filepath.Join(t.TempDir(), "store.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	put(t, st, cust("a", "m", 0))
	bs := asBolt(t, st)

	var pausing atomic.Bool
	pausing.Store(true)
	inCommit, release := make(chan struct{}), make(chan struct{})
	bs.beforeCommit = func() {
		if pausing.Load() {
			inCommit <- struct{}{}
			<-release
		}
	}
	defer func() {
		pausing.Store(false)
		close(release)
	}()
	waitCommit := func(what string) {
		t.Helper()
		select {
		case <-inCommit:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s never reached its commit", what)
		}
	}
	named := func(name, mid string) Customer {
		c := cust("x", mid, time.Second)
		c.Name = sp(name)
		return c
	}
	// writerSees reports the name of x and the owners of m1 and m2, as a
	// writer sees them (an Update that writes nothing commits nothing).
	writerSees := func() (name, m1, m2 string) {
		err := st.Update(func(w Writer) error {
			if c, ok := w.Customer("x"); ok && c.Name != nil {
				name = *c.Name
			}
			if c, ok := w.LiveCustomerByMerchantID("m1"); ok {
				m1 = c.UUID
			}
			if c, ok := w.LiveCustomerByMerchantID("m2"); ok {
				m2 = c.UUID
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return name, m1, m2
	}

	first := make(chan error, 1)
	go func() { first <- st.Update(func(w Writer) error { return w.PutCustomer(named("one", "m1")) }) }()
	waitCommit("the first batch")

	// The first batch's commit is paused: a second batch stages x again.
	second := make(chan error, 1)
	go func() { second <- st.Update(func(w Writer) error { return w.PutCustomer(named("two", "m2")) }) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if name, _, _ := writerSees(); name == "two" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second batch was never staged")
		}
		time.Sleep(time.Millisecond)
	}

	// The first commit goes through; the second pauses.
	release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	waitCommit("the second batch")
	if got := view(st, func(r Reader) string { c, _ := r.Customer("x"); return *c.Name }); got != "one" {
		t.Fatalf("readers see x named %q, want the first batch's \"one\" (the second is not committed)", got)
	}
	if name, m1, m2 := writerSees(); name != "two" || m1 != "" || m2 != "x" {
		t.Fatalf("with the second batch staged and the first committed, a writer sees x named %q, m1 owned by %q, m2 by %q; "+
			"want \"two\", nobody, x", name, m1, m2)
	}

	release <- struct{}{}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if got := view(st, func(r Reader) string { c, _ := r.Customer("x"); return *c.Name }); got != "two" {
		t.Fatalf("after both commits readers see x named %q, want \"two\"", got)
	}
}
