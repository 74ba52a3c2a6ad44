package monri

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// pageBound is the most page requests a listing of n items in pages of size
// may send with p pages in flight: ceil(n/size) + p.
func pageBound(n, size, p int) int { return (n+size-1)/size + p }

// Concurrent paging lists exactly what sequential paging lists (same items,
// same order, each once), whatever page size the server caps to, within
// ceil(N/page) + P requests.
func TestConcurrentPagingMatchesSequential(t *testing.T) {
	t.Parallel()
	const n = 237
	for _, pageCap := range []int{7, 20, 100} {
		t.Run(fmt.Sprintf("cap-%d", pageCap), func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap}})
			want := s.SeedCustomers(n, "conc")
			slices.Reverse(want) // newest first
			for _, p := range []int{1, 2, 4, 16} {
				c, rec := newTestClient(t, s, func(cfg *Config) { cfg.MaxConcurrentPages = p })
				got, err := c.ListAllCustomers(context.Background(), PageOptions{})
				if err != nil {
					t.Fatalf("P=%d: %v", p, err)
				}
				if !slices.Equal(uuidsOf(got), want) {
					t.Fatalf("P=%d: %d customers, not the %d seeded newest first", p, len(got), n)
				}
				// Counted as they left the client: the sandbox's counter may
				// also see a page the previous P's listing cancelled, late.
				requests := len(rec.all())
				if bound := pageBound(n, pageCap, p); requests > bound {
					t.Errorf("P=%d: %d list requests, want at most ceil(%d/%d)+%d = %d", p, requests, n, pageCap, p, bound)
				}
				// Sequentially: the pages with data and the empty one.
				// Concurrently: those too, and up to the P pages in flight
				// when the short last one was taken, the empty one among them.
				lo, hi := n/pageCap+2, n/pageCap+max(p, 2)
				if requests < lo || requests > hi {
					t.Errorf("P=%d: %d list requests, want %d to %d", p, requests, lo, hi)
				}
			}
		})
	}
}

// shuffledPages serves items in pages of at most size, answering each
// request after a random delay (so answers arrive out of order), and counts
// requests and the most in flight at once.
type shuffledPages struct {
	items       []string
	size        int
	requests    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	mu          sync.Mutex
	limits      []ListParams
}

func (sp *shuffledPages) fetch(ctx context.Context, p ListParams) ([]string, error) {
	sp.requests.Add(1)
	n := sp.inFlight.Add(1)
	defer sp.inFlight.Add(-1)
	for m := sp.maxInFlight.Load(); n > m && !sp.maxInFlight.CompareAndSwap(m, n); m = sp.maxInFlight.Load() {
	}
	sp.mu.Lock()
	sp.limits = append(sp.limits, p)
	sp.mu.Unlock()
	select {
	case <-time.After(time.Duration(rand.IntN(3000)) * time.Microsecond): //nolint:gosec // test delays, not secrets
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.Offset >= len(sp.items) {
		return nil, nil
	}
	return sp.items[p.Offset:min(len(sp.items), p.Offset+min(p.Limit, sp.size))], nil
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("i%04d", i)
	}
	return out
}

func id(s string) string { return s }

// Answers arriving out of order are still handed on in the API's order, and
// no more than P pages are in flight.
func TestConcurrentPagingOrderAndInFlight(t *testing.T) {
	t.Parallel()
	for _, p := range []int{2, 4, 8} {
		sp := &shuffledPages{items: numbered(1000), size: 10}
		var got []string
		st, err := (&pager[string]{key: id, fetch: sp.fetch, size: 10, parallel: p,
			visit: func(s string) (verdict, error) { got = append(got, s); return more, nil }}).run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, sp.items) {
			t.Fatalf("P=%d: items out of order or missing (%d of %d)", p, len(got), len(sp.items))
		}
		if m := sp.maxInFlight.Load(); m > int64(p) || m < 2 {
			t.Errorf("P=%d: %d pages in flight at most, want 2 to %d", p, m, p)
		}
		if st.maxInFlight > p || st.requests != int(sp.requests.Load()) {
			t.Errorf("P=%d: stats %+v, server saw %d requests", p, st, sp.requests.Load())
		}
		if r := int(sp.requests.Load()); r > pageBound(1000, 10, p) {
			t.Errorf("P=%d: %d requests, want at most %d", p, r, pageBound(1000, 10, p))
		}
		if st.duration <= 0 {
			t.Errorf("P=%d: no paging time measured", p)
		}
	}
}

// Customers created while paging (at the front, as the API lists newest
// first) shift every offset: each customer that existed throughout is listed
// exactly once, and the listing has no duplicates.
func TestConcurrentPagingWithCreates(t *testing.T) {
	t.Parallel()
	for _, pageCap := range []int{7, 20} {
		t.Run(fmt.Sprintf("cap-%d", pageCap), func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap}, Latency: 2 * time.Millisecond})
			before := s.SeedCustomers(300, "old")
			c, _ := newTestClient(t, s, func(cfg *Config) { cfg.MaxConcurrentPages = 4 })
			refused := 0
			defer func() {
				if refused == 3 {
					t.Error("every round was refused")
				}
			}()
			for round := range 3 {
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-time.After(3 * time.Millisecond):
							s.SeedCustomers(1, fmt.Sprintf("new-%d-%d", round, i))
						}
					}
				})
				got, err := c.ListAllCustomers(context.Background(), PageOptions{})
				close(stop)
				wg.Wait()
				if err != nil {
					// As many creates as a page holds between two pages make
					// a whole page repeat: the engine refuses it as sequential
					// paging does, which is not what this test is about.
					wantErrContains(t, err, "all already seen")
					refused++
					continue
				}
				seen := map[string]int{}
				for _, cu := range got {
					seen[cu.UUID]++
					if seen[cu.UUID] > 1 {
						t.Fatalf("round %d: %s listed twice", round, cu.UUID)
					}
				}
				for _, u := range before {
					if seen[u] != 1 {
						t.Fatalf("round %d: customer %s, which existed throughout, listed %d times", round, u, seen[u])
					}
				}
			}
		})
	}
}

// The engine's fallback: pages that repeat items (evaluated after creates)
// and a short page in the middle (the listing changed shape) both make it
// page sequentially from there, and nothing that was in the listing
// throughout is skipped.
func TestConcurrentPagingFallsBack(t *testing.T) {
	t.Parallel()
	items := numbered(40)
	// Page at offset 10 is short: items 10..14 only, as if 15..19 were
	// answered later (deleted and re-created); later offsets are served
	// normally.
	var mu sync.Mutex
	var asked []string
	fetch := func(_ context.Context, p ListParams) ([]string, error) {
		mu.Lock()
		asked = append(asked, fmt.Sprintf("%d@%d", p.Limit, p.Offset))
		mu.Unlock()
		if p.Offset >= len(items) {
			return nil, nil
		}
		end := min(len(items), p.Offset+p.Limit)
		if p.Offset == 10 {
			end = 15
		}
		return items[p.Offset:end], nil
	}
	var got []string
	_, err := (&pager[string]{key: id, fetch: fetch, size: 10, parallel: 4,
		visit: func(s string) (verdict, error) { got = append(got, s); return more, nil }}).run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, items) {
		t.Fatalf("got %v, want all 40 in order (asked %v)", got, asked)
	}
	if !slices.Contains(asked, "10@15") {
		t.Errorf("no sequential request from just after the short page: %v", asked)
	}

	// The page after the short last one fails (a server that refuses
	// offsets beyond the end): sequential paging, which would have asked
	// for the page right after the short one, takes over.
	asked = nil
	beyond := func(_ context.Context, p ListParams) ([]string, error) {
		mu.Lock()
		asked = append(asked, fmt.Sprintf("%d@%d", p.Limit, p.Offset))
		mu.Unlock()
		if p.Offset > 35 {
			return nil, errors.New("offset beyond the end")
		}
		return items[min(p.Offset, 35):min(35, p.Offset+p.Limit)], nil
	}
	got = nil
	_, err = (&pager[string]{key: id, fetch: beyond, size: 10, parallel: 4,
		visit: func(s string) (verdict, error) { got = append(got, s); return more, nil }}).run(context.Background())
	if err != nil || !slices.Equal(got, items[:35]) || !slices.Contains(asked, "10@35") {
		t.Fatalf("error beyond the end: got %v, %v (asked %v)", got, err, asked)
	}

	// A page that repeats an item (one create before it was answered).
	shifted := append([]string{"new"}, items...)
	var created atomic.Bool
	fetch2 := func(_ context.Context, p ListParams) ([]string, error) {
		if p.Offset == 20 {
			created.Store(true) // from this answer on
		}
		data := items
		if created.Load() {
			data = shifted
		}
		if p.Offset >= len(data) {
			return nil, nil
		}
		return data[p.Offset:min(len(data), p.Offset+p.Limit)], nil
	}
	got = nil
	_, err = (&pager[string]{key: id, fetch: fetch2, size: 10, parallel: 4,
		visit: func(s string) (verdict, error) { got = append(got, s); return more, nil }}).run(context.Background())
	if err != nil || !slices.Equal(got, items) { // "new" came after the first page
		t.Fatalf("repeats: got %v, %v", got, err)
	}
}

// An error, a consumer that stops, created_after and MaxItems end the
// listing and cancel the pages still in flight: no page is sent after.
func TestConcurrentPagingStops(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var requests atomic.Int64
	var cancelled atomic.Int64
	fetch := func(ctx context.Context, p ListParams) ([]string, error) {
		requests.Add(1)
		if p.Offset == 30 {
			return nil, boom
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			cancelled.Add(1)
			return nil, ctx.Err()
		}
		return numbered(1000)[p.Offset : p.Offset+p.Limit], nil
	}
	_, err := (&pager[string]{key: id, fetch: fetch, size: 10, parallel: 4,
		visit: func(string) (verdict, error) { return more, nil }}).run(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	// Page 0 alone, then pages 1..4; page 3 fails before page 1 is taken
	// (page 3 answers at once), and nothing is sent once it is taken.
	if r := requests.Load(); r > 1+4+3 {
		t.Errorf("%d requests after an error", r)
	}

	// The consumer stops on the 25th item: pages beyond are cancelled.
	s := startSandbox(t, sandbox.Options{Latency: 20 * time.Millisecond, Variants: sandbox.Variants{MaxPageSize: 10}})
	s.SeedCustomers(200, "stop")
	c, sent := newTestClient(t, s, nil)
	n := 0
	err = c.EachCustomer(context.Background(), CustomerFilter{}, PageOptions{PageSize: 10}, func(Customer) bool {
		n++
		return n < 25
	})
	if err != nil || n != 25 {
		t.Fatalf("yield called %d times, %v", n, err)
	}
	// 3 pages hold the 25 items; at most P-1 more were in flight.
	if r := s.RequestCount(sandbox.RouteListCustomers); r > 3+DefaultMaxConcurrentPages {
		t.Errorf("%d list requests to stop after 25 items, want at most %d", r, 3+DefaultMaxConcurrentPages)
	}

	// MaxItems, unselective: the requests ask only for what is missing, so
	// no request goes beyond the 25th item. (Counted as they leave the
	// client: the sandbox may count the pages cancelled above late.)
	sent.reset()
	got, err := c.FindCustomers(context.Background(), CustomerFilter{}, PageOptions{PageSize: 10, MaxItems: 25})
	if err != nil || len(got) != 25 {
		t.Fatalf("MaxItems: %d, %v", len(got), err)
	}
	var uris []string
	for _, r := range sent.all() {
		uris = append(uris, r.URI)
	}
	slices.Sort(uris) // the last two were in flight together
	if want := []string{"/v2/customers?limit=10&offset=0", "/v2/customers?limit=10&offset=10", "/v2/customers?limit=5&offset=20"}; !slices.Equal(uris, want) {
		t.Errorf("MaxItems 25 in pages of 10: requests %v, want %v", uris, want)
	}
}

// Every page request waits for the client's rate limit, however many are in
// flight.
func TestConcurrentPagingHonoursRateLimit(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 10}})
	s.SeedCustomers(100, "rate")
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.MaxRequestsPerSecond = 50; cfg.MaxConcurrentPages = 8 })
	start := time.Now()
	got, err := c.ListAllCustomers(context.Background(), PageOptions{PageSize: 10})
	if err != nil || len(got) != 100 {
		t.Fatalf("%d, %v", len(got), err)
	}
	r := s.RequestCount(sandbox.RouteListCustomers)
	// A burst of 1, then one request per 20 ms.
	if least := time.Duration(r-1) * 20 * time.Millisecond; time.Since(start) < least-5*time.Millisecond {
		t.Errorf("%d requests in %v: faster than 50 per second", r, time.Since(start))
	}
}

// listingRecorder is a Logger that keeps the ListingLogs.
type listingRecorder struct {
	mu   sync.Mutex
	logs []ListingLog
}

func (*listingRecorder) LogRequest(context.Context, RequestLog) {}

func (l *listingRecorder) LogListing(_ context.Context, ll ListingLog) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logs = append(l.logs, ll)
}

// Every listing tells a ListingLogger what it did.
func TestListingLog(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 20}, Latency: time.Millisecond})
	s.SeedCustomers(95, "log")
	rec := &listingRecorder{}
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.Logger = rec })
	s.ResetCounters()
	if _, err := c.FindCustomers(context.Background(), CustomerFilter{Name: "Customer 00001"}, PageOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAllPaymentMethods(context.Background(), "no-such-customer", PageOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("payment methods of an unknown customer: %v", err)
	}
	if len(rec.logs) != 2 {
		t.Fatalf("%d listing logs, want 2: %+v", len(rec.logs), rec.logs)
	}
	l := rec.logs[0]
	// Requests sent: 20 (shorter than the 100 asked), 20, then 4 pages at
	// once from offset 40 and one more per page taken until the short one
	// at 80: floor(95/20) + 4. The sandbox may not see the cancelled ones.
	if l.Path != "/v2/customers" || l.Items != 1 || l.Requests != 8 || s.RequestCount(sandbox.RouteListCustomers) > 8 ||
		l.MaxInFlight < 2 || l.MaxInFlight > DefaultMaxConcurrentPages || l.Duration <= 0 || l.Err != nil {
		t.Errorf("customers listing log %+v (%d list requests)", l, s.RequestCount(sandbox.RouteListCustomers))
	}
	l = rec.logs[1]
	if l.Path != "/v2/customers/no-such-customer/payment-methods" || l.Requests != 1 || !errors.Is(l.Err, ErrNotFound) {
		t.Errorf("payment methods listing log %+v", l)
	}
}

func TestMaxConcurrentPagesConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []int{-1, 17} {
		_, err := New(Config{BaseURL: TestBaseURL, AuthenticityToken: "t", MerchantKey: "k", MaxConcurrentPages: bad})
		wantErrContains(t, err, fmt.Sprintf("max concurrent pages %d", bad), "1 (sequential paging) to 16")
	}
	c, err := New(Config{BaseURL: TestBaseURL, AuthenticityToken: "t", MerchantKey: "k"})
	if err != nil || c.maxConcurrentPages != DefaultMaxConcurrentPages {
		t.Fatalf("default: %v, %v", c, err)
	}
}

// A model of a listing that grows at the front while it is paged: each page
// is evaluated at a random moment, after 0 to 3 creates (a page holds 7).
// Sequential and concurrent paging list every item that existed throughout
// exactly once, or refuse a page that repeated whole.
func TestPagingUnderCreatesModel(t *testing.T) {
	t.Parallel()
	for _, p := range []int{1, 4} {
		listed := 0
		for iter := range 40 {
			var mu sync.Mutex
			list := numbered(120)
			old := slices.Clone(list)
			created := 0
			fetch := func(_ context.Context, lp ListParams) ([]string, error) {
				time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) //nolint:gosec // test delays
				mu.Lock()
				defer mu.Unlock()
				for range rand.IntN(4) { //nolint:gosec // test data
					created++
					list = append([]string{fmt.Sprintf("n%d", created)}, list...)
				}
				if lp.Offset >= len(list) {
					return nil, nil
				}
				return slices.Clone(list[lp.Offset:min(len(list), lp.Offset+min(lp.Limit, 7))]), nil
			}
			count := map[string]int{}
			_, err := (&pager[string]{key: id, fetch: fetch, size: 100, parallel: p,
				visit: func(s string) (verdict, error) { count[s]++; return more, nil }}).run(context.Background())
			if err != nil {
				wantErrContains(t, err, "all already seen")
				continue
			}
			listed++
			for k, n := range count {
				if n != 1 {
					t.Fatalf("P=%d, iteration %d: %s listed %d times", p, iter, k, n)
				}
			}
			for _, o := range old {
				if count[o] != 1 {
					t.Fatalf("P=%d, iteration %d: %s, there throughout, not listed", p, iter, o)
				}
			}
		}
		if listed < 10 {
			t.Errorf("P=%d: only %d of 40 listings completed", p, listed)
		}
	}
}
