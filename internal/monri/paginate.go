package monri

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxConcurrentPages is how many pages a listing has in flight at
// once when Config.MaxConcurrentPages is 0.
const DefaultMaxConcurrentPages = 4

// MaxConcurrentPagesLimit is the largest Config.MaxConcurrentPages accepted.
const MaxConcurrentPagesLimit = 16

// DefaultMaxListingItems is how many distinct items one listing may go
// through before it stops with a *ListingLimitError, when
// Config.MaxListingItems is 0. A listing that reaches it is taken for a
// server that never ends it (new items on every page). One million is
// above the customer count of the largest merchant a Monri user could have
// (a national retailer or telecom of the region keeping a card for every
// customer), takes 10,000 page requests, and keeps the de-duplication set
// near 40 MB (about 40 bytes an item).
const DefaultMaxListingItems = 1_000_000

// ListingLimitError is a listing stopped after Limit distinct items: the
// bound Config.MaxListingItems (or PageOptions.MaxListingItems) sets, so
// that a server that never ends a listing cannot keep the client paging and
// its memory growing.
type ListingLimitError struct {
	Path  string // the list endpoint, without the query
	Limit int
}

func (e *ListingLimitError) Error() string {
	return fmt.Sprintf("listing %s stopped after %d items, the most one listing may go through (a server that never ends a listing would otherwise be paged forever)", e.Path, e.Limit)
}

// PageOptions control a complete listing.
type PageOptions struct {
	// PageSize is the limit asked for per request (default 100). The server
	// may answer fewer; paging goes on until it answers an empty page.
	PageSize int
	// MaxItems stops the listing once this many distinct (and, with
	// PaginateKept, kept) items are collected (0: no limit).
	MaxItems int
	// MaxListingItems bounds how many distinct items (matching or not) the
	// listing may go through: one more is a *ListingLimitError. 0 means the
	// client's Config.MaxListingItems for the Client's listing methods, and
	// no bound for Paginate and PaginateKept.
	MaxListingItems int
	// MaxConcurrentPages is how many pages may be in flight at once: 1 pages
	// sequentially. 0 means the client's Config.MaxConcurrentPages for the
	// Client's listing methods, and 1 for Paginate and PaginateKept, whose
	// fetch function need not be safe for concurrent use.
	MaxConcurrentPages int

	path string // the list endpoint, for a ListingLimitError
}

// ListingLog describes one complete listing, for a Logger that implements
// ListingLogger.
type ListingLog struct {
	Path        string        // the list endpoint, without the query
	Items       int           // items the listing returned (after filters)
	Requests    int           // page requests sent
	MaxInFlight int           // most page requests in flight at once
	Duration    time.Duration // from the first request sent to the last answer received
	Err         error         // the listing's error, if it failed
}

// ListingLogger is implemented by a Logger that also wants one ListingLog
// per listing (ListAllCustomers, FindCustomers, EachCustomer,
// ListAllPaymentMethods, FindPaymentMethods).
type ListingLogger interface {
	LogListing(ctx context.Context, l ListingLog)
}

// verdict is what a listing's consumer wants after one item.
type verdict int

const (
	more          verdict = iota // go on
	stopAfterPage                // finish this page's items, then stop
	stopNow                      // stop at once
)

// pageStats are what one run of the paging engine did.
type pageStats struct {
	requests    int
	maxInFlight int
	duration    time.Duration
}

// pager is the one paging engine behind every listing.
//
// Without concurrency (parallel 1) it asks for a page of size items at
// offset 0, then at offset += len(page), until an empty page: a short page is
// never the end (the server may cap the page size), and items are
// de-duplicated by key (a create while paging shifts offsets and repeats an
// item). A non-empty page of items that were all seen already is the end
// when it is shorter than the pages before it (the listing's tail, shifted
// by creates), and otherwise means the server ignores offset: an error
// rather than a loop or a silent truncation.
//
// With parallel P > 1, the first page reveals the effective page size e
// (when it is shorter than asked, the second page tells whether the server
// caps pages at that size or the listing is that short); then up to P pages
// of e at offsets o, o+e, o+2e, ... are in flight at once, and their items
// are handed to visit in the API's order however the answers arrive. No page
// is sent after a short one: a listing of N items that does not change
// takes floor(N/e) + P requests at most (within ceil(N/e) + P).
//
// Paging falls back to the sequential loop, from just after the page in
// question, when a page repeats an item already seen (customers were
// created while paging) or when a short page is followed by a non-empty one
// (the listing changed shape). Until a page repeats an item, concurrent
// pages cannot have skipped one: creates only move items to higher offsets,
// so a gap between two pages needs the first to be evaluated after more
// creates than the second; as the first page was evaluated before any
// other, the shift must have grown between two earlier pages, which repeats
// an item there. Sequential paging from a page answered before the next is
// sent never skips an item either.
type pager[T any] struct {
	key      func(T) string
	fetch    func(context.Context, ListParams) ([]T, error)
	size     int
	parallel int
	// remaining, when not nil, is how many more items the consumer wants at
	// most (0 or less: none): each request asks for no more than that.
	remaining func() int
	// visit is called for each item not seen before, in the API's order.
	visit func(T) (verdict, error)
	// bound, when above 0, is how many distinct items the listing may go
	// through (see ListingLimitError); path names the listing in its error.
	bound int
	path  string

	// seen holds a 16-byte digest of every key seen (see seenKey), so that
	// the memory de-duplication takes per item is small and fixed.
	seen     map[[16]byte]struct{}
	longest  int // the longest page so far
	stats    pageStats
	inFlight atomic.Int64
	maxIn    atomic.Int64
	first    time.Time
	mu       sync.Mutex // guards last
	last     time.Time
}

// get fetches one page, keeping the statistics (safe for concurrent use).
func (p *pager[T]) get(ctx context.Context, lp ListParams) ([]T, error) {
	n := p.inFlight.Add(1)
	for {
		m := p.maxIn.Load()
		if n <= m || p.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	page, err := p.fetch(ctx, lp)
	p.inFlight.Add(-1)
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
	return page, err
}

// limitFor is the limit of a page when want items of it are useful.
func (p *pager[T]) limitFor(want int) int {
	if p.remaining != nil {
		return min(want, p.remaining())
	}
	return want
}

// take hands the page's new items to visit. It reports how many were new,
// whether one repeated an earlier item, and whether the listing is over.
func (p *pager[T]) take(page []T) (fresh int, repeat, done bool, err error) {
	after := false
	for _, item := range page {
		k := seenKey(p.key(item))
		if _, dup := p.seen[k]; dup {
			repeat = true
			continue
		}
		if p.bound > 0 && len(p.seen) >= p.bound {
			return fresh, repeat, true, &ListingLimitError{Path: p.path, Limit: p.bound}
		}
		p.seen[k] = struct{}{}
		fresh++
		v, err := p.visit(item)
		if err != nil {
			return fresh, repeat, true, err
		}
		switch v {
		case stopNow:
			return fresh, repeat, true, nil
		case stopAfterPage:
			after = true
		}
	}
	return fresh, repeat, after, nil
}

// seenKey is the 16 bytes a key is remembered by: a UUID's own 16 bytes
// (letter case ignored), or the first 16 bytes of the SHA-256 of any other
// key (two keys of one listing share them with a probability below 2^-80).
func seenKey(k string) [16]byte {
	var out [16]byte
	if isUUID(k) {
		if _, err := hex.Decode(out[:], []byte(strings.ReplaceAll(k, "-", ""))); err == nil {
			return out
		}
	}
	sum := sha256.Sum256([]byte(k))
	copy(out[:], sum[:16])
	return out
}

// allSeen is the verdict on a non-empty page of n items, all seen already,
// asked for with limit at offset. A full page means the server ignores
// offset: an error. A shorter one is the end of a listing that customers
// created while paging shifted by as many items: its items were seen on the
// page before, so nothing is left (nil).
func allSeen(offset, n, limit int) error {
	if n < limit {
		return nil
	}
	return fmt.Errorf("listing stopped at offset %d: the server returned a page of %d items that were all already seen (it may be ignoring offset)", offset, n)
}

// run pages through the listing.
func (p *pager[T]) run(ctx context.Context) (pageStats, error) {
	if p.size <= 0 {
		p.size = 100
	}
	if p.parallel <= 0 {
		p.parallel = 1
	}
	p.seen = map[[16]byte]struct{}{}
	p.first = time.Now()
	err := p.page(ctx)
	p.stats.maxInFlight = int(p.maxIn.Load())
	p.mu.Lock()
	if !p.last.IsZero() {
		p.stats.duration = p.last.Sub(p.first)
	}
	p.mu.Unlock()
	return p.stats, err
}

func (p *pager[T]) page(ctx context.Context) error {
	offset := 0
	// fetchNext asks for the page at offset, hands its new items on and
	// moves offset past it. It reports the page's length and limit, whether
	// it repeated an item, and whether the listing is over.
	fetchNext := func() (n, limit int, repeat, done bool, err error) {
		limit = p.limitFor(p.size)
		if limit <= 0 {
			return 0, limit, false, true, nil
		}
		p.stats.requests++
		page, err := p.get(ctx, ListParams{Limit: limit, Offset: offset})
		if err != nil || len(page) == 0 {
			return 0, limit, false, true, err
		}
		fresh, repeat, done, err := p.take(page)
		if err != nil || done {
			return len(page), limit, repeat, true, err
		}
		if fresh == 0 {
			// Shorter than the pages before it (the server may cap
			// every page below the limit asked for) is the end.
			return len(page), limit, repeat, true, allSeen(offset, len(page), min(limit, p.longest))
		}
		p.longest = max(p.longest, len(page))
		offset += len(page)
		return len(page), limit, repeat, false, nil
	}
	// The first page reveals the effective page size; when it is shorter
	// than asked (the server caps pages, or the listing is that short), the
	// second page tells which.
	n0, limit0, _, done, err := fetchNext()
	if err != nil || done {
		return err
	}
	if p.parallel > 1 {
		eff := n0
		concurrent := n0 == limit0
		if !concurrent {
			n1, _, repeat, done, err := fetchNext()
			if err != nil || done {
				return err
			}
			concurrent = n1 == n0 && !repeat
		}
		if concurrent {
			next, done, err := p.concurrent(ctx, offset, eff)
			if err != nil || done {
				return err
			}
			offset = next
		}
	}
	for {
		if _, _, _, done, err := fetchNext(); err != nil || done {
			return err
		}
	}
}

// slot is one page of the concurrent phase.
type slot[T any] struct {
	params ListParams
	done   chan struct{}
	items  []T
	err    error
}

// concurrent pages from offset with pages of eff, up to p.parallel pages
// dispatched and not yet taken. It returns done when the listing is over,
// or the offset the sequential loop goes on from.
func (p *pager[T]) concurrent(ctx context.Context, offset, eff int) (next int, done bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	var queue []*slot[T]
	dispatchAt := offset
	ended := false // a short page was taken: send no more
	outstanding := func() int {
		n := 0
		for _, s := range queue {
			n += s.params.Limit
		}
		return n
	}
	fill := func() {
		for !ended && len(queue) < p.parallel {
			limit := eff
			if p.remaining != nil {
				limit = min(limit, p.remaining()-outstanding())
			}
			if limit <= 0 {
				return
			}
			s := &slot[T]{params: ListParams{Limit: limit, Offset: dispatchAt}, done: make(chan struct{})}
			dispatchAt += limit
			queue = append(queue, s)
			p.stats.requests++
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.items, s.err = p.get(ctx, s.params)
				close(s.done)
			}()
		}
	}
	short := -1 // the end offset of a short page taken, until the next page shows whether it was the end
	for {
		fill()
		if len(queue) == 0 {
			if short >= 0 {
				return short, false, nil
			}
			return dispatchAt, false, nil
		}
		s := queue[0]
		<-s.done
		queue = queue[1:]
		if short >= 0 && (s.err != nil || len(s.items) > 0) {
			// A short page was not the end (the listing changed while
			// paging), or the page after it, which sequential paging would
			// not have asked for, failed: go on sequentially from just
			// after the short page.
			return short, false, nil
		}
		if s.err != nil {
			return 0, true, s.err
		}
		if len(s.items) == 0 {
			return 0, true, nil
		}
		fresh, repeat, over, err := p.take(s.items)
		if err != nil || over {
			return 0, true, err
		}
		if fresh == 0 {
			return 0, true, allSeen(s.params.Offset, len(s.items), s.params.Limit)
		}
		end := s.params.Offset + len(s.items)
		if repeat {
			return end, false, nil
		}
		if len(s.items) < s.params.Limit {
			// Most likely the last page: send no more, and see whether
			// the next page (if sent already) is empty.
			short = end
			ended = true
		}
	}
}

// Paginate fetches pages until the server returns an empty one (never
// stopping early because a page was shorter than asked: the server may cap
// the page size), de-duplicating items by key (a create during paging shifts
// offsets and repeats an item). If a whole non-empty page holds only items
// already seen, the server is not honouring offset and Paginate fails rather
// than loop or truncate silently. With opts.MaxConcurrentPages above 1, fetch
// must be safe for concurrent use.
func Paginate[T any](ctx context.Context, opts PageOptions, key func(T) string, fetch func(context.Context, ListParams) ([]T, error)) ([]T, error) {
	return PaginateKept(ctx, opts, key, nil, fetch)
}

// PaginateKept is Paginate returning only the items for which keep is true
// (all items when keep is nil). MaxItems counts kept items, and each request
// asks only for as many as are still missing. Filtering happens on the
// collected items, not on the pages, so offsets stay the server's.
func PaginateKept[T any](ctx context.Context, opts PageOptions, key func(T) string, keep func(T) bool,
	fetch func(context.Context, ListParams) ([]T, error),
) ([]T, error) {
	out, _, err := paginateKept(ctx, opts, key, keep, fetch)
	return out, err
}

func paginateKept[T any](ctx context.Context, opts PageOptions, key func(T) string, keep func(T) bool,
	fetch func(context.Context, ListParams) ([]T, error),
) ([]T, pageStats, error) {
	var out []T
	p := &pager[T]{key: key, fetch: fetch, size: opts.PageSize, parallel: opts.MaxConcurrentPages, bound: opts.MaxListingItems, path: opts.path,
		visit: func(item T) (verdict, error) {
			if keep != nil && !keep(item) {
				return more, nil
			}
			out = append(out, item)
			if opts.MaxItems > 0 && len(out) >= opts.MaxItems {
				return stopNow, nil
			}
			return more, nil
		}}
	if opts.MaxItems > 0 {
		p.remaining = func() int { return opts.MaxItems - len(out) }
	}
	st, err := p.run(ctx)
	if err != nil {
		return nil, st, err
	}
	return out, st, nil
}

// listingOptions fills in the client's settings for what opts leaves 0, and
// names the listing path for its errors.
func (c *Client) listingOptions(opts PageOptions, path string) PageOptions {
	opts.MaxConcurrentPages = c.concurrency(opts)
	if opts.MaxListingItems == 0 {
		opts.MaxListingItems = c.maxListingItems
	}
	opts.path = path
	return opts
}

// concurrency is opts.MaxConcurrentPages, or the client's setting when 0.
func (c *Client) concurrency(opts PageOptions) int {
	if opts.MaxConcurrentPages > 0 {
		return opts.MaxConcurrentPages
	}
	return c.maxConcurrentPages
}

// logListing tells the logger about a listing, when it wants to know.
func (c *Client) logListing(ctx context.Context, path string, items int, st pageStats, err error) {
	if l, ok := c.logger.(ListingLogger); ok {
		l.LogListing(ctx, ListingLog{Path: path, Items: items, Requests: st.requests, MaxInFlight: st.maxInFlight,
			Duration: st.duration, Err: err})
	}
}

// ListAllCustomers lists every customer Monri's listing returns (deleted
// ones too, when it includes them), newest first: FindCustomers without a
// filter.
func (c *Client) ListAllCustomers(ctx context.Context, opts PageOptions) ([]Customer, error) {
	return c.FindCustomers(ctx, CustomerFilter{IncludeDeleted: true}, opts)
}

// ListAllPaymentMethods lists every saved card of a customer, paging as
// Paginate does, with the client's concurrency.
func (c *Client) ListAllPaymentMethods(ctx context.Context, customerUUID string, opts PageOptions) ([]PaymentMethod, error) {
	return c.FindPaymentMethods(ctx, customerUUID, nil, opts)
}

// FindPaymentMethods lists the saved cards of a customer for which keep is
// true (all when keep is nil), as PaginateKept does, with the client's
// concurrency. An unknown customer is ErrNotFound (see ListPaymentMethods).
func (c *Client) FindPaymentMethods(ctx context.Context, customerUUID string, keep func(PaymentMethod) bool, opts PageOptions) ([]PaymentMethod, error) {
	opts = c.listingOptions(opts, customerPath(customerUUID)+"/payment-methods")
	out, st, err := paginateKept(ctx, opts, func(p PaymentMethod) string { return p.ID }, keep,
		func(ctx context.Context, p ListParams) ([]PaymentMethod, error) {
			return c.ListPaymentMethods(ctx, customerUUID, p)
		})
	c.logListing(ctx, customerPath(customerUUID)+"/payment-methods", len(out), st, err)
	return out, err
}
