package sandbox

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConcurrency(t *testing.T) {
	// With persistence on, so concurrent saves are exercised too.
	e := newEnv(t, Options{StatePath: filepath.Join(t.TempDir(), "state.json"), Variants: Variants{MaxPageSize: 20}})
	e.s.SeedCustomers(100, "pre")
	const workers, perWorker = 50, 4
	var wg sync.WaitGroup
	var failures atomic.Int64
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				r := e.do(http.MethodPost, "/v2/customers", fmt.Sprintf(`{"merchant_customer_id":"w%d-%d","metadata":{"i":"%d"}}`, w, i, i))
				if r.status != http.StatusOK {
					failures.Add(1)
					continue
				}
				uuid := str(r.object(t)["uuid"])
				if r := e.do(http.MethodPost, "/v2/customers/"+uuid, `{"name":"updated"}`); r.status != http.StatusOK {
					failures.Add(1)
				}
				if r := e.do(http.MethodGet, fmt.Sprintf("/v2/customers?limit=20&offset=%d", i*7), ""); r.status != http.StatusOK || len(r.data(t)) != 20 {
					failures.Add(1)
				}
				if i%3 == 0 {
					if r := e.do(http.MethodDelete, "/v2/customers/"+uuid, ""); r.status != http.StatusOK {
						failures.Add(1)
					}
				}
				e.s.RequestCounts()
				e.s.SetLatency(0)
			}
		})
	}
	// Everyone races for the same merchant id: exactly one wins.
	var wins atomic.Int64
	for range workers {
		wg.Go(func() {
			r := e.do(http.MethodPost, "/v2/customers", `{"merchant_customer_id":"contested"}`)
			switch r.status {
			case http.StatusOK:
				wins.Add(1)
			case http.StatusBadRequest:
			default:
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	if failures.Load() != 0 || wins.Load() != 1 {
		t.Fatalf("%d failures, %d wins", failures.Load(), wins.Load())
	}
	all := e.s.Customers()
	if want := 100 + workers*perWorker + 1; len(all) != want {
		t.Fatalf("%d customers, want %d", len(all), want)
	}
	seen := map[string]bool{}
	for _, c := range all {
		if c.Deleted || c.MerchantCustomerID == nil {
			continue
		}
		if seen[*c.MerchantCustomerID] {
			t.Fatalf("duplicate live merchant id %s", *c.MerchantCustomerID)
		}
		seen[*c.MerchantCustomerID] = true
	}
	if e.s.RequestCount(RouteCreateCustomer) != workers*perWorker+workers {
		t.Fatalf("create count %d", e.s.RequestCount(RouteCreateCustomer))
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t, Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("latency not applied")
	}
	// Latency is not under a lock: parallel requests overlap.
	e.s.SetLatency(300 * time.Millisecond)
	start = time.Now()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { e.do(http.MethodGet, "/v2/customers", "") })
	}
	wg.Wait()
	if d := time.Since(start); d > 2500*time.Millisecond { // serialised would be 3s
		t.Fatalf("10 parallel requests with 300ms latency took %v", d)
	}
	// Sandbox endpoints have no latency.
	e.s.SetLatency(10 * time.Second)
	start = time.Now()
	e.send(e.request(http.MethodGet, "/sandbox/stats", ""))
	if time.Since(start) > 5*time.Second {
		t.Fatal("latency applied to a sandbox endpoint")
	}
	e.s.SetLatency(0)
}
