package monri

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func shared(c *Config) { c.ShareListings = true }

// listRequests counts the list requests that left the client.
func listRequests(rec *recorder) int {
	n := 0
	for _, r := range rec.all() {
		if r.Method == "GET" && strings.HasPrefix(r.URI, "/v2/customers?") {
			n++
		}
	}
	return n
}

// Ten concurrent lookups by email and two listings with other filters, over
// 2,000 customers, cost one listing between them: ceil(N/page) + 1 + the
// pages in flight at most. Without sharing each pays for its own.
func TestSharedListingOneListing(t *testing.T) {
	t.Parallel()
	const n = 2000
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(n, "shared")
	run := func(c *Client) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for i := range 10 {
			wg.Go(func() {
				email := fmt.Sprintf("customer-%05d@example.com", 1+i*150)
				got, err := c.FindCustomers(context.Background(), CustomerFilter{Email: email}, PageOptions{})
				if err == nil && (len(got) != 1 || *got[0].Email != email) {
					err = fmt.Errorf("lookup of %s found %d customers", email, len(got))
				}
				errs <- err
			})
		}
		for _, f := range []CustomerFilter{{MerchantCustomerIDPrefix: "shared-001"}, {Name: "Customer 01999"}} {
			wg.Go(func() {
				got, err := c.FindCustomers(context.Background(), f, PageOptions{})
				if err == nil && len(got) == 0 {
					err = fmt.Errorf("%+v found nothing", f)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	c, rec := newTestClient(t, s, shared)
	run(c)
	bound := (n+99)/100 + 1 + DefaultMaxConcurrentPages
	if got := listRequests(rec); got > bound {
		t.Errorf("shared: %d list requests for 12 reads, want at most one listing's %d", got, bound)
	}
	if got := c.SharedListings(); got != 1 {
		t.Errorf("shared: %d listings started, want 1", got)
	}
	// Later readers reuse the snapshot: no request at all.
	rec.reset()
	run(c)
	if got := listRequests(rec); got != 0 {
		t.Errorf("shared, second round: %d list requests, want 0", got)
	}

	off, offRec := newTestClient(t, s, nil)
	run(off)
	if got := listRequests(offRec); got < 12*(n/100) {
		t.Errorf("not shared: %d list requests, want each of the 12 reads to list (at least %d)", got, 12*(n/100))
	}
}

// A write through the client drops the snapshot: a read after a create,
// an update or a delete sees it.
func TestSharedListingInvalidatedByWrites(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(30, "inv")
	c, _ := newTestClient(t, s, shared)
	ctx := context.Background()
	find := func(f CustomerFilter) []Customer {
		t.Helper()
		got, err := c.FindCustomers(ctx, f, PageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	byEmail := CustomerFilter{Email: "new@example.com"}
	if got := find(byEmail); len(got) != 0 {
		t.Fatalf("before the create: %d customers", len(got))
	}
	created, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("inv-new"), Email: ptr("new@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if got := find(byEmail); len(got) != 1 || got[0].UUID != created.UUID {
		t.Fatalf("after the create: %d customers, want the new one", len(got))
	}
	if _, err := c.UpdateCustomer(ctx, created.UUID, CustomerUpdate{Name: Set("Renamed")}); err != nil {
		t.Fatal(err)
	}
	if got := find(CustomerFilter{Name: "Renamed"}); len(got) != 1 {
		t.Fatalf("after the update: %d customers named Renamed, want 1", len(got))
	}
	if err := c.DeleteCustomer(ctx, created.UUID); err != nil {
		t.Fatal(err)
	}
	if got := find(byEmail); len(got) != 0 {
		t.Fatalf("after the delete: %d customers, want none", len(got))
	}
	if got := c.SharedListings(); got != 4 {
		t.Errorf("%d listings, want 4 (one per read, each after a write)", got)
	}
	// Writes by others are not seen until the client writes.
	s.SeedCustomers(1, "other")
	if got := find(CustomerFilter{MerchantCustomerIDPrefix: "other-"}); len(got) != 0 {
		t.Errorf("a customer created by someone else was seen before the client wrote")
	}
}

// A listing with created_after stops early on its own when there is no
// snapshot, and is served from the snapshot when there is one; max_items
// likewise.
func TestSharedListingCreatedAfter(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(500, "ca")
	c, rec := newTestClient(t, s, func(cfg *Config) { cfg.ShareListings = true; cfg.MaxConcurrentPages = 1 })
	ctx := context.Background()
	all, err := listUnshared(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	rec.reset()
	after, _ := ParseTimestamp(all[49].CreatedAt) // the 49 newer than it match
	f := CustomerFilter{CreatedAfter: after}
	got, err := c.FindCustomers(ctx, f, PageOptions{})
	if err != nil || len(got) != 49 {
		t.Fatalf("created_after without a snapshot: %d customers, %v", len(got), err)
	}
	if r := listRequests(rec); r != 1 {
		t.Errorf("created_after without a snapshot: %d list requests, want 1 (it stops early)", r)
	}
	if c.SharedListings() != 0 {
		t.Errorf("created_after started a shared listing")
	}
	if got, err := c.FindCustomers(ctx, CustomerFilter{}, PageOptions{MaxItems: 3}); err != nil || len(got) != 3 || c.SharedListings() != 0 {
		t.Errorf("max_items without a filter or a snapshot: %d customers, %v, %d shared listings", len(got), err, c.SharedListings())
	}
	// A filter with max_items (as the list resource's limit) may need
	// every page: it starts the shared listing.
	if got, err := c.FindCustomers(ctx, CustomerFilter{MerchantCustomerIDPrefix: "ca-"}, PageOptions{MaxItems: 100}); err != nil || len(got) != 100 || c.SharedListings() != 1 {
		t.Errorf("a filter with max_items: %d customers, %v, %d shared listings; want 100 and 1", len(got), err, c.SharedListings())
	}
	rec.reset()
	got2, err := c.FindCustomers(ctx, f, PageOptions{})
	if err != nil || !slices.Equal(uuidsOf(got2), uuidsOf(got)) {
		t.Fatalf("created_after from the snapshot: %d customers, %v; want the same 49", len(got2), err)
	}
	got3, err := c.FindCustomers(ctx, CustomerFilter{}, PageOptions{MaxItems: 3})
	if err != nil || !slices.Equal(uuidsOf(got3), uuidsOf(all[:3])) {
		t.Fatalf("max_items from the snapshot: %v, %v", uuidsOf(got3), err)
	}
	if r := listRequests(rec); r != 0 {
		t.Errorf("with a snapshot: %d list requests, want 0", r)
	}
}

// listUnshared lists every customer through c's page requests, bypassing
// the shared listing (the test's view of the truth).
func listUnshared(ctx context.Context, c *Client) ([]Customer, error) {
	var out []Customer
	_, _, err := eachCustomer(ctx, CustomerFilter{IncludeDeleted: true}, PageOptions{MaxConcurrentPages: 1}, c.ListCustomers, func(cu Customer) bool {
		out = append(out, cu)
		return true
	})
	return out, err
}

// A reader waiting for a listing whose starter gave up lists again; a
// listing that fails is not kept, and its error reaches its readers.
func TestSharedListingLeaderCancelledAndErrors(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Latency: 50 * time.Millisecond})
	s.SeedCustomers(250, "lc")
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.ShareListings = true; cfg.MaxConcurrentPages = 1 })
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		_, err := c.FindCustomers(leaderCtx, CustomerFilter{Email: "a@example.com"}, PageOptions{})
		leaderDone <- err
	}()
	// Wait until the leader's listing is in flight, then join it.
	for c.SharedListings() == 0 {
		time.Sleep(time.Millisecond)
	}
	waiter := make(chan error, 1)
	var got []Customer
	go func() {
		var err error
		got, err = c.FindCustomers(context.Background(), CustomerFilter{MerchantCustomerIDPrefix: "lc-0000"}, PageOptions{})
		waiter <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-leaderDone; err == nil {
		t.Error("the cancelled leader's read succeeded")
	}
	if err := <-waiter; err != nil || len(got) != 9 {
		t.Fatalf("the waiter: %d customers, %v; want 9 after listing again", len(got), err)
	}
	if n := c.SharedListings(); n != 2 {
		t.Errorf("%d listings, want 2 (the cancelled one and the waiter's)", n)
	}

	s2 := startSandbox(t, sandbox.Options{})
	s2.SeedCustomers(20, "err")
	c2, _ := newTestClient(t, s2, func(cfg *Config) { cfg.ShareListings = true; cfg.MaxRetries = 0 })
	s2.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1)
	if _, err := c2.FindCustomers(context.Background(), CustomerFilter{Email: "x@example.com"}, PageOptions{}); err == nil {
		t.Fatal("a failed listing succeeded")
	}
	if got, err := c2.FindCustomers(context.Background(), CustomerFilter{}, PageOptions{}); err != nil || len(got) != 20 {
		t.Fatalf("after a failed listing: %d customers, %v; want a new listing of 20", len(got), err)
	}
}

// TestSharedListingMemory measures what a snapshot costs: the heap a
// listing of 10,000 seeded customers keeps while shared.
func TestSharedListingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 10,000 customers")
	}
	const n = 10000
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(n, "mem")
	c, _ := newTestClient(t, s, shared)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	if _, err := c.FindCustomers(context.Background(), CustomerFilter{Email: "none@example.com"}, PageOptions{}); err != nil {
		t.Fatal(err)
	}
	after := heap()
	runtime.KeepAlive(c)
	per := (float64(after) - float64(before)) / n
	t.Logf("shared snapshot of %d customers: %.0f bytes of heap per customer (%.1f MiB)", n, per, per*n/(1<<20))
	if per < 200 || per > 4096 {
		t.Errorf("%.0f bytes per customer: the snapshot is not being kept, or costs far more than expected", per)
	}
}

// A listing that was running while the client wrote is not kept, and a read
// that starts after the write does not wait for it: both would miss the
// write.
func TestSharedListingWriteDuringListing(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Latency: 30 * time.Millisecond})
	s.SeedCustomers(1000, "wdl")
	ctx := context.Background()
	for i, waitFirst := range []bool{true, false} {
		c, rec := newTestClient(t, s, func(cfg *Config) { cfg.ShareListings = true; cfg.MaxConcurrentPages = 1 })
		email := fmt.Sprintf("late-%d@example.com", i)
		first := make(chan error, 1)
		go func() {
			_, err := c.FindCustomers(ctx, CustomerFilter{Email: email}, PageOptions{})
			first <- err
		}()
		// Sequential paging: the second page is sent once the first (where
		// the new customer would be) is answered.
		for listRequests(rec) < 2 {
			time.Sleep(time.Millisecond)
		}
		if _, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr(fmt.Sprintf("wdl-late-%d", i)), Email: ptr(email)}); err != nil {
			t.Fatal(err)
		}
		if waitFirst {
			// The listing that ran during the write ends first: not kept.
			if err := <-first; err != nil {
				t.Fatal(err)
			}
		}
		// Started after the write (possibly while the first listing runs).
		got, err := c.FindCustomers(ctx, CustomerFilter{Email: email}, PageOptions{})
		if err != nil || len(got) != 1 {
			t.Fatalf("waitFirst=%v: a read after the create: %d customers, %v; want the new one", waitFirst, len(got), err)
		}
		if !waitFirst {
			if err := <-first; err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A listing with more customers than MaxSharedItems is not shared: the reads
// still get every customer (each paging through Monri itself, streaming),
// the client tries to share once and then stops sharing for good, and a
// listing of exactly MaxSharedItems customers is still shared.
func TestSharedListingTooLargeToShare(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(250, "big")
	ctx := context.Background()

	c, rec := newTestClient(t, s, func(c *Config) { c.ShareListings = true; c.MaxSharedItems = 100; c.MaxConcurrentPages = 1 })
	for i, email := range []string{"customer-00007@example.com", "customer-00250@example.com", "customer-00100@example.com"} {
		rec.reset()
		got, err := c.FindCustomers(ctx, CustomerFilter{Email: email}, PageOptions{})
		if err != nil || len(got) != 1 || *got[0].Email != email {
			t.Fatalf("lookup %d of %s: %d customers, %v; want the one", i, email, len(got), err)
		}
		// The first read abandons the shared listing after 2 pages of 100
		// (the customer past the maximum is on the second), then lists
		// itself (3 pages and the empty one); later reads list themselves.
		want := 4
		if i == 0 {
			want = 2 + 4
		}
		if n := listRequests(rec); n != want {
			t.Errorf("lookup %d: %d list requests, want %d", i, n, want)
		}
	}
	if got := c.SharedListings(); got != 1 {
		t.Errorf("%d shared listings started, want 1 (then sharing stops)", got)
	}
	all, err := c.ListAllCustomers(ctx, PageOptions{})
	if err != nil || len(all) != 250 {
		t.Fatalf("ListAllCustomers: %d customers, %v; want 250", len(all), err)
	}

	// Exactly the maximum still fits: shared, and reused.
	c, rec = newTestClient(t, s, func(c *Config) { c.ShareListings = true; c.MaxSharedItems = 250; c.MaxConcurrentPages = 1 })
	for range 2 {
		if got, err := c.FindCustomers(ctx, CustomerFilter{Email: "customer-00001@example.com"}, PageOptions{}); err != nil || len(got) != 1 {
			t.Fatalf("lookup: %d customers, %v", len(got), err)
		}
	}
	if n, sl := listRequests(rec), c.SharedListings(); n != 4 || sl != 1 {
		t.Errorf("250 customers, maximum 250: %d list requests and %d shared listings, want 4 and 1", n, sl)
	}
}
