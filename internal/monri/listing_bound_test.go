package monri

import (
	"context"
	"errors"
	"testing"

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
