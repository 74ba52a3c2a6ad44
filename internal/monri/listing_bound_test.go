package monri

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// A server that never ends a listing (new customers on every page) stops
// the listing with a *ListingLimitError after MaxListingItems distinct
// items, sequentially and concurrently, for every listing method; the
// requests sent are bounded by it.
func TestListing_endlessStopsAtBound(t *testing.T) {
	ctx := context.Background()
	for _, pages := range []int{1, 4} {
		s := startSandbox(t, sandbox.Options{})
		cust := s.SeedCustomers(1, "c")[0]
		s.SetFaultRate(1, []sandbox.Fault{{Kind: sandbox.FaultEndlessPage}}, 1)
		c, rec := newTestClient(t, s, func(c *Config) { c.MaxListingItems = 1000; c.MaxConcurrentPages = pages })
		for name, list := range map[string]func() error{
			"FindCustomers": func() error {
				_, err := c.FindCustomers(ctx, CustomerFilter{Email: "nobody@example.com"}, PageOptions{})
				return err
			},
			"ListAllCustomers": func() error { _, err := c.ListAllCustomers(ctx, PageOptions{}); return err },
			"EachCustomer": func() error {
				return c.EachCustomer(ctx, CustomerFilter{}, PageOptions{}, func(Customer) bool { return true })
			},
			"ListAllPaymentMethods": func() error { _, err := c.ListAllPaymentMethods(ctx, cust, PageOptions{}); return err },
			"per-listing bound": func() error {
				_, err := c.FindCustomers(ctx, CustomerFilter{}, PageOptions{MaxListingItems: 250})
				if le := (*ListingLimitError)(nil); errors.As(err, &le) && le.Limit != 250 {
					t.Errorf("limit %d, want 250", le.Limit)
				}
				return err
			},
		} {
			rec.reset()
			err := list()
			var le *ListingLimitError
			if !errors.As(err, &le) {
				t.Fatalf("%s, %d pages at once: err = %v, want a ListingLimitError", name, pages, err)
			}
			wantErrContains(t, err, "stopped after", "items")
			if n := len(rec.all()); n > 1000/100+pages+1 {
				t.Errorf("%s, %d pages at once: %d requests, want at most %d", name, pages, n, 1000/100+pages+1)
			}
		}
	}
}

// The bound counts distinct items: a listing of exactly MaxListingItems
// items completes, one more stops it.
func TestListing_boundIsExact(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(120, "c")
	for _, tt := range []struct {
		bound int
		fail  bool
	}{{120, false}, {119, true}} {
		c, _ := newTestClient(t, s, func(c *Config) { c.MaxListingItems = tt.bound })
		got, err := c.ListAllCustomers(ctx, PageOptions{PageSize: 50})
		var le *ListingLimitError
		if errors.As(err, &le) != tt.fail || (!tt.fail && len(got) != 120) {
			t.Errorf("bound %d: %d customers, err %v", tt.bound, len(got), err)
		}
	}
	if _, err := New(Config{BaseURL: s.URL(), AuthenticityToken: "t", MerchantKey: "k", MaxListingItems: -1}); err == nil {
		t.Error("a negative MaxListingItems was accepted")
	}
}

// The shared listing (Config.ShareListings) is bounded like every listing:
// against a server that never ends the listing, the reads it serves stop
// with a *ListingLimitError; the failed listing leaves no snapshot, so a
// later read lists afresh and sees the real customers.
func TestListing_sharedEndlessStopsAtBound(t *testing.T) {
	// An unbounded listing fails here in a minute rather than hang.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(3, "c")
	s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultEndlessPage}, 1_000_000)
	c, rec := newTestClient(t, s, func(c *Config) { c.ShareListings = true; c.MaxListingItems = 700; c.MaxConcurrentPages = 2 })
	for name, read := range map[string]func() error{
		"FindCustomers by email": func() error {
			_, err := c.FindCustomers(ctx, CustomerFilter{Email: "nobody@example.com"}, PageOptions{})
			return err
		},
		"ListAllCustomers": func() error { _, err := c.ListAllCustomers(ctx, PageOptions{}); return err },
		"EachCustomer, selective with MaxItems": func() error {
			return c.EachCustomer(ctx, CustomerFilter{MerchantCustomerIDPrefix: "c-"}, PageOptions{MaxItems: 1}, func(Customer) bool { return true })
		},
	} {
		rec.reset()
		before := c.SharedListings()
		err := read()
		var le *ListingLimitError
		if !errors.As(err, &le) || le.Limit != 700 || le.Path != "/v2/customers" {
			t.Fatalf("%s: err = %v, want a ListingLimitError of 700 on /v2/customers", name, err)
		}
		if c.SharedListings() != before+1 {
			t.Errorf("%s: served without a new shared listing (%d, then %d): the failed one was kept", name, before, c.SharedListings())
		}
		if n := listRequests(rec); n > 700/100+2+1 {
			t.Errorf("%s: %d list requests, want at most %d", name, n, 700/100+2+1)
		}
	}
	s.ClearFaults()
	got, err := c.ListAllCustomers(ctx, PageOptions{})
	if err != nil || len(got) != 3 {
		t.Fatalf("after the endless listing: %d customers, %v; want the 3 seeded", len(got), err)
	}
}

// Neither a listing that fails on a broken page nor a write answered with
// another customer leaves a snapshot behind: the next read lists afresh.
func TestListing_sharedNotPoisoned(t *testing.T) {
	ctx := context.Background()
	t.Run("broken page", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		s.SeedCustomers(3, "c")
		// A page whose second customer has no uuid, and a page cut short:
		// nothing of either may be served to a later read.
		for _, page := range []string{
			`{"status":"approved","data":[{"uuid":"4b281da4-d145-4233-b957-2018cf9aa0fb","metadata":{}},{"merchant_customer_id":"x"}]}`,
			`{"status":"approved","data":[{"uuid":"4b281da4-d145-4233-b957-2018cf9aa0fb"`,
		} {
			s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Body: []byte(page)}, 1)
			c, _ := newTestClient(t, s, func(c *Config) { c.ShareListings = true; c.MaxRetries = 0; c.MaxConcurrentPages = 1 })
			if _, err := c.ListAllCustomers(ctx, PageOptions{}); err == nil {
				t.Fatalf("page %s: the listing succeeded", page)
			}
			got, err := c.ListAllCustomers(ctx, PageOptions{})
			if err != nil || len(got) != 3 || c.SharedListings() != 2 {
				t.Fatalf("page %s: then %d customers, %v, %d listings; want the 3 seeded from a second listing", page, len(got), err, c.SharedListings())
			}
			for _, cu := range got {
				if cu.UUID == "4b281da4-d145-4233-b957-2018cf9aa0fb" {
					t.Errorf("page %s: the broken page's customer was served", page)
				}
			}
		}
	})
	t.Run("contradicted create", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		foreign := s.SeedCustomers(1, "foreign")[0]
		fc, _ := s.Customer(foreign)
		c, _ := newTestClient(t, s, func(c *Config) { c.ShareListings = true })
		if got, err := c.ListAllCustomers(ctx, PageOptions{}); err != nil || len(got) != 1 {
			t.Fatalf("first listing: %d, %v", len(got), err)
		}
		// Without merchant_customer_id the contradicted create is an error;
		// the customer it created on the server is seen by the next read.
		s.InjectFault(sandbox.RouteCreateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
		_, err := c.CreateCustomer(ctx, CustomerFields{Email: ptr("me@example.com")})
		wantContradiction(t, err, "merchant_customer_id", "", *fc.MerchantCustomerID)
		got, err := c.FindCustomers(ctx, CustomerFilter{Email: "me@example.com"}, PageOptions{})
		if err != nil || len(got) != 1 || got[0].UUID == foreign {
			t.Fatalf("after the contradicted create: %+v, %v; want the customer it created", got, err)
		}
		if n := c.SharedListings(); n != 2 {
			t.Errorf("%d shared listings, want 2 (the create dropped the first)", n)
		}
	})
	t.Run("create whose answer is lost", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		s.SeedCustomers(1, "c")
		c, _ := newTestClient(t, s, func(c *Config) { c.ShareListings = true; c.MaxRetries = 0 })
		if got, err := c.ListAllCustomers(ctx, PageOptions{}); err != nil || len(got) != 1 {
			t.Fatalf("first listing: %d, %v", len(got), err)
		}
		// Handled by the server, then answered 502: the write failed for
		// the client, but the snapshot no longer holds what Monri holds.
		s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusBadGateway, AfterHandling: true}, 1)
		if _, err := c.CreateCustomer(ctx, CustomerFields{Email: ptr("lost@example.com")}); err == nil {
			t.Fatal("the create succeeded")
		}
		got, err := c.FindCustomers(ctx, CustomerFilter{Email: "lost@example.com"}, PageOptions{})
		if err != nil || len(got) != 1 {
			t.Fatalf("after the failed create: %d customers, %v; want the one it created", len(got), err)
		}
	})
}

// Memory stays bounded while an endless listing runs: without a shared
// listing, streaming through EachCustomer keeps only the de-duplication set
// (16 bytes of key per item, plus the map's overhead), not the items. The
// live heap is sampled every 10,000 items: it grows by about 2 MiB; kept,
// the 50,000 customers of the endless pages would add about 18 MiB.
func TestListing_endlessMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("pages 50,000 items")
	}
	for name, mutate := range map[string]func(*Config){
		"unshared": func(c *Config) { c.MaxListingItems = 50_000 },
		// A shared listing stops keeping customers at MaxSharedItems
		// (here 5,000), then the read streams as without sharing.
		"shared": func(c *Config) { c.MaxListingItems = 50_000; c.ShareListings = true; c.MaxSharedItems = 5_000 },
	} {
		t.Run(name, func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{})
			s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultEndlessPage}, 1_000_000)
			c, _ := newTestClient(t, s, mutate)
			live := func() uint64 {
				var m runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			base, peak, n := live(), uint64(0), 0
			err := c.EachCustomer(context.Background(), CustomerFilter{}, PageOptions{}, func(Customer) bool {
				if n++; n%10_000 == 0 {
					peak = max(peak, live())
				}
				return true
			})
			var le *ListingLimitError
			if !errors.As(err, &le) || n != 50_000 {
				t.Fatalf("%d customers, err %v; want 50,000 and a ListingLimitError", n, err)
			}
			growth := float64(peak-min(peak, base)) / (1 << 20)
			t.Logf("live heap grew by %.1f MiB over 50,000 items", growth)
			if growth > 8 {
				t.Errorf("the live heap grew by %.1f MiB while listing 50,000 items, want under 8 MiB (only the de-duplication set)", growth)
			}
		})
	}
}
