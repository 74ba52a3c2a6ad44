package monri

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// When a listing stops early (the consumer stops, created_after is reached,
// max_items is met, a page fails), the pages still in flight are cancelled
// and the listing returns at once, without waiting for their answers.
//
// 100 customers, newest first, in pages of 10 with 4 in flight: the pages at
// offsets 0 and 10 answer at once, every later page answers only after 10 s
// unless its request is cancelled. Each listing stops within the page at
// offset 10, while the pages at 20, 30 and 40 are in flight; it must return
// well within those 10 s, and each of those pages must have seen its
// request cancelled.
func TestPagingStopCancelsPagesInFlight(t *testing.T) {
	t.Parallel()
	const total, size, slow = 100, 10, 10 * time.Second
	base := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	custs := make([]Customer, total) // newest first
	for i := range custs {
		custs[i] = Customer{
			UUID:               fmt.Sprintf("u%03d", i),
			MerchantCustomerID: ptr(fmt.Sprintf("c-%03d", i)),
			CreatedAt:          base.Add(-time.Duration(i) * time.Second).Format(time.RFC3339),
		}
	}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		filter  CustomerFilter
		opts    PageOptions
		stopAt  int // the consumer stops after this many customers (0: never)
		failAt  int // the page at this offset fails (0: none)
		wantErr error
	}{
		{name: "consumer stops", stopAt: 15},
		{name: "created_after reached", filter: CustomerFilter{CreatedAfter: base.Add(-15 * time.Second)}},
		// A selective filter: pages are asked for in full, so pages are in
		// flight when the 15th match arrives.
		{name: "max_items met", filter: CustomerFilter{MerchantCustomerIDPrefix: "c-"}, opts: PageOptions{MaxItems: 15}},
		{name: "a page fails", failAt: 10, wantErr: boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var requests, slowSent, cancelled atomic.Int64
			fetch := func(ctx context.Context, p ListParams) ([]Customer, error) {
				requests.Add(1)
				if tc.failAt > 0 && p.Offset == tc.failAt {
					return nil, boom
				}
				if p.Offset >= 2*size {
					slowSent.Add(1)
					select {
					case <-ctx.Done():
						cancelled.Add(1)
						return nil, ctx.Err()
					case <-time.After(slow):
					}
				}
				if p.Offset >= total {
					return nil, nil
				}
				return custs[p.Offset:min(total, p.Offset+p.Limit)], nil
			}
			opts := tc.opts
			opts.PageSize, opts.MaxConcurrentPages = size, 4
			n := 0
			start := time.Now()
			_, _, err := eachCustomer(context.Background(), tc.filter, opts, fetch, func(Customer) bool {
				n++
				return tc.stopAt == 0 || n < tc.stopAt
			})
			elapsed := time.Since(start)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if elapsed > slow/2 {
				t.Fatalf("the listing returned after %v: it waited for the pages in flight (%v each) instead of cancelling them", elapsed, slow)
			}
			// The pages at 20, 30 and 40 were sent with the one at 10.
			if sent, c := slowSent.Load(), cancelled.Load(); sent != 3 || c != 3 {
				t.Fatalf("%d pages in flight when the listing stopped, %d of them cancelled by the time it returned; want 3 and 3", sent, c)
			}
			r := requests.Load()
			time.Sleep(50 * time.Millisecond)
			if requests.Load() != r {
				t.Fatalf("%d page requests after the listing returned", requests.Load()-r)
			}
			if tc.wantErr == nil && n != 15 {
				t.Fatalf("%d customers yielded, want 15", n)
			}
		})
	}
}
