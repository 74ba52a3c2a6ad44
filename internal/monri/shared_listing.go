package monri

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// sharedListing is a client's snapshot of the complete customer listing
// (Config.ShareListings), so that the reads of one Terraform run that each
// need every customer (lookups by email, monri_customers and the list
// resource without created_after) page through Monri once between them.
//
// Readers that find no snapshot start one listing, and readers that come
// while it runs wait for it (single-flight); later readers reuse the
// snapshot. A listing is as fresh as its start. Every write through the
// client (create, update, delete) drops the snapshot when it returns, and a
// listing that was running during the write is not kept (its readers still
// get it: they started before the write finished), so a read that starts
// after a write sees it. Writes by anyone else are not seen until the
// client's next write, or the next run.
//
// The snapshot holds every customer the listing returned (deleted ones too,
// when Monri lists them) as Customer values: about 550 bytes of heap per
// customer with the sandbox's seeded fields and no metadata, 5.3 MiB for
// 10,000 (TestSharedListingMemory), plus each metadata key and value. It
// holds at most max customers (about 55 MiB at the default): a listing that
// reaches it ends sharing for the client (tooLarge), and from then on each
// read pages through Monri itself, streaming, as without sharing. So a
// merchant with more customers, or a server that never ends its listing,
// costs one abandoned partial listing, not max_listing_items customers in
// memory.
type sharedListing struct {
	mu       sync.Mutex
	gen      uint64     // bumped by every write
	snap     []Customer // nil: none (an empty listing is an empty, non-nil slice)
	flight   *flight    // the listing in progress, if any
	builds   atomic.Int64
	max      int  // the most customers a snapshot may hold
	tooLarge bool // a listing reached max: sharing is off for good
}

// DefaultMaxSharedItems is the most customers a shared listing holds
// (Config.MaxSharedItems).
const DefaultMaxSharedItems = 100_000

// errTooLargeToShare ends a shared listing that reached its maximum: its
// readers page through Monri themselves.
var errTooLargeToShare = errors.New("the customer listing is too large to share")

// flight is one listing in progress; done is closed when it ends.
type flight struct {
	gen  uint64
	done chan struct{}
	snap []Customer
	err  error
}

// invalidate drops the snapshot: the client wrote.
func (s *sharedListing) invalidate() {
	s.mu.Lock()
	s.gen++
	s.snap = nil
	s.mu.Unlock()
}

// get returns the snapshot. When there is none, and start is true, it lists
// (or waits for the listing in progress that started since the last write);
// with start false it returns nil rather than list.
func (s *sharedListing) get(ctx context.Context, start bool, list func(context.Context) ([]Customer, error)) ([]Customer, error) {
	for {
		s.mu.Lock()
		if s.tooLarge {
			s.mu.Unlock()
			return nil, nil
		}
		if s.snap != nil {
			snap := s.snap
			s.mu.Unlock()
			return snap, nil
		}
		if !start {
			s.mu.Unlock()
			return nil, nil
		}
		fl := s.flight
		if fl == nil || fl.gen != s.gen {
			fl = &flight{gen: s.gen, done: make(chan struct{})}
			s.flight = fl
			s.mu.Unlock()
			s.builds.Add(1)
			fl.snap, fl.err = list(ctx)
			if fl.err == nil && fl.snap == nil {
				fl.snap = []Customer{}
			}
			s.mu.Lock()
			if fl.err == nil && s.gen == fl.gen {
				s.snap = fl.snap
			}
			if errors.Is(fl.err, errTooLargeToShare) {
				s.tooLarge = true
			}
			if s.flight == fl {
				s.flight = nil
			}
			s.mu.Unlock()
			close(fl.done)
			if errors.Is(fl.err, errTooLargeToShare) {
				return nil, nil // the reader lists itself
			}
			return fl.snap, fl.err
		}
		s.mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if errors.Is(fl.err, errTooLargeToShare) {
			return nil, nil
		}
		if fl.err != nil {
			// The reader that started the listing gave up (its context
			// ended): list again, unless this reader's context ended too.
			if ctx.Err() == nil && (errors.Is(fl.err, context.Canceled) || errors.Is(fl.err, context.DeadlineExceeded)) {
				continue
			}
			return nil, fl.err
		}
		return fl.snap, nil
	}
}

// SharedListings reports how many complete listings the client's shared
// listing has started (0 when sharing is off).
func (c *Client) SharedListings() int64 {
	if c.shared == nil {
		return 0
	}
	return c.shared.builds.Load()
}

// eachShared serves EachCustomer from the shared listing when it can: it
// reports false when the read must page through Monri itself (sharing is
// off, or the read stops early and no snapshot exists). A read that may
// need every page starts or waits for the shared listing: one without
// CreatedAfter, and without MaxItems or with a filter that selects (its
// matches may be anywhere; the list resource always has a limit). A read
// with CreatedAfter, or of just the newest MaxItems customers, stops early
// on its own.
func (c *Client) eachShared(ctx context.Context, f CustomerFilter, opts PageOptions, yield func(Customer) bool) (bool, error) {
	if c.shared == nil {
		return false, nil
	}
	complete := f.CreatedAfter.IsZero() && (opts.MaxItems <= 0 || f.selective())
	snap, err := c.shared.get(ctx, complete, func(ctx context.Context) ([]Customer, error) {
		var all []Customer
		over := false // a customer came past the maximum
		lo := c.listingOptions(PageOptions{PageSize: opts.PageSize}, "/v2/customers")
		n, st, err := eachCustomer(ctx, CustomerFilter{IncludeDeleted: true}, lo, c.ListCustomers, func(cu Customer) bool {
			if len(all) >= c.shared.max {
				over = true
				return false
			}
			all = append(all, cu)
			return true
		})
		c.logListing(ctx, "/v2/customers", n, st, err)
		if err == nil && over {
			return nil, errTooLargeToShare
		}
		return all, err
	})
	if err != nil {
		return true, err
	}
	if snap == nil {
		return false, nil
	}
	// The snapshot served as one page: the filters, created_after's early
	// stop and MaxItems mean what they mean on Monri's pages.
	page := max(len(snap), 1)
	_, _, err = eachCustomer(ctx, f, PageOptions{PageSize: page, MaxItems: opts.MaxItems, MaxConcurrentPages: 1},
		func(_ context.Context, p ListParams) ([]Customer, error) {
			if p.Offset >= len(snap) {
				return nil, nil
			}
			return snap[p.Offset:min(p.Offset+p.Limit, len(snap))], nil
		}, yield)
	return true, err
}
