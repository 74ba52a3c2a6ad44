package monri

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// BenchmarkConcurrentPaging lists 10,000 customers from a sandbox that
// takes 20 ms per request, with 1, 4 and 8 pages in flight, and reports the
// paging time (from the first request sent to the last answer received, as
// the listing log has it), the requests and the sequential latency floor
// (requests × latency). It fails when P > 1 misses the targets: paging time
// at most half the floor and half the P=1 time, requests at most
// ceil(N/page) + P. Not part of make test (it takes about 3 s an iteration):
//
//	go test ./internal/monri -run '^$' -bench BenchmarkConcurrentPaging -benchtime 1x
func BenchmarkConcurrentPaging(b *testing.B) {
	const n, latency, page = 10000, 20 * time.Millisecond, 100
	s, err := sandbox.Start(sandbox.Options{Latency: latency})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	s.SeedCustomers(n, "bench")
	token, key := s.Credentials()
	var sequential time.Duration
	for _, p := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("P=%d", p), func(b *testing.B) {
			rec := &listingRecorder{}
			c, err := New(Config{BaseURL: s.URL(), AuthenticityToken: token, MerchantKey: key, MaxConcurrentPages: p, Logger: rec})
			if err != nil {
				b.Fatal(err)
			}
			var paging time.Duration
			var requests, served int
			for b.Loop() {
				rec.logs = nil
				s.ResetCounters()
				got, err := c.ListAllCustomers(context.Background(), PageOptions{})
				if err != nil || len(got) != n {
					b.Fatalf("%d customers, %v", len(got), err)
				}
				l := rec.logs[0]
				paging += l.Duration
				requests += l.Requests
				served += s.RequestCount(sandbox.RouteListCustomers)
			}
			iters := time.Duration(b.N)
			paging /= iters
			floor := time.Duration(requests/b.N) * latency
			b.ReportMetric(float64(paging.Milliseconds()), "paging-ms")
			b.ReportMetric(float64(requests/b.N), "requests")
			b.ReportMetric(float64(served/b.N), "served")
			b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
			b.Logf("P=%d: paging %v, %d requests sent (%d served), floor %v", p, paging, requests/b.N, served/b.N, floor)
			if p == 1 {
				sequential = paging
				return
			}
			if bound := (n+page-1)/page + p; requests/b.N > bound {
				b.Errorf("P=%d: %d requests, want at most %d", p, requests/b.N, bound)
			}
			if paging > floor/2 || (sequential > 0 && paging > sequential/2) {
				b.Errorf("P=%d: paging %v, want at most half the floor %v and half the P=1 time %v", p, paging, floor, sequential)
			}
		})
	}
}
