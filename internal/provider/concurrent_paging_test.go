package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// dsWantRequestsBetween checks that route was asked between lo and hi times.
func dsWantRequestsBetween(s requestCounter, route string, lo, hi int) func() error {
	return func() error {
		if got := s.RequestCount(route); got < lo || got > hi {
			return fmt.Errorf("%d %s requests, want %d to %d (all: %v)", got, route, lo, hi, s.RequestCounts())
		}
		return nil
	}
}

// dsWantPagedRequests checks the requests of listings paged with the default
// max_concurrent_pages: at least seq, the pages sequential paging asks for,
// and at most seq + P - 1 (the pages still in flight when the listing ended;
// they are cancelled, so they may or may not have been sent).
func dsWantPagedRequests(s requestCounter, route string, seq int) func() error {
	return dsWantRequestsBetween(s, route, seq, seq+monri.DefaultMaxConcurrentPages-1)
}

// providerConfigPages is providerConfig with max_concurrent_pages set.
func providerConfigPages(s *sandbox.Server, pages int) string {
	return providerConfigWith(s, fmt.Sprintf("max_concurrent_pages = %d", pages))
}

// Concurrent paging lists exactly what sequential paging lists (same
// customers, same order, each once) whatever page size the server caps to,
// within ceil(N/page) + P requests; max_concurrent_pages = 1 asks for the
// pages one at a time, exactly as many as sequential paging needs.
func TestAccCustomersDataSource_concurrentPaging(t *testing.T) {
	const total = 237
	for _, pageCap := range []int{7, 20, 100} {
		t.Run(fmt.Sprintf("cap-%d", pageCap), func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap}})
			sent := newSentCounter() // counts at the client: see sentCounter
			s.SeedCustomers(total, "conc")
			all := newestFirst(s, func(sandbox.Customer) bool { return true })
			const addr = "data.monri_customers.all"
			const ds = `
data "monri_customers" "all" {}
`
			sequential := total/pageCap + 2 // the pages with data (the last one short), then the empty one
			step := func(provider string, check func() error) resource.TestStep {
				return resource.TestStep{
					PreConfig: sent.ResetCounters,
					Config:    provider + ds,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{dsCheckNow(check)},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(all)),
					},
				}
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: sent.factories(),
				Steps: []resource.TestStep{
					// The default, 4 pages in flight.
					step(providerConfig(s), dsWantRequestsBetween(sent, sandbox.RouteListCustomers,
						sequential, (total+pageCap-1)/pageCap+4)),
					step(providerConfigPages(s, 1), dsWantRequests(sent, sandbox.RouteListCustomers, sequential)),
					step(providerConfigPages(s, 16), dsWantRequestsBetween(sent, sandbox.RouteListCustomers,
						sequential, (total+pageCap-1)/pageCap+16)),
				},
			})
		})
	}
}

// listedOnce is a state check that every id in want is listed exactly once
// in the customers of a monri_customers data source, and that no customer
// is listed twice (others may be listed too).
type listedOnce struct {
	addr string
	want []string
}

func (c listedOnce) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != c.addr {
			continue
		}
		list, _ := r.AttributeValues["customers"].([]any)
		count := map[string]int{}
		for _, item := range list {
			m, _ := item.(map[string]any)
			id, _ := m["id"].(string)
			if count[id]++; count[id] > 1 {
				resp.Error = fmt.Errorf("customer %s is listed twice", id)
				return
			}
		}
		for _, id := range c.want {
			if count[id] != 1 {
				resp.Error = fmt.Errorf("customer %s, which existed throughout, is listed %d times (of %d listed)", id, count[id], len(list))
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the state", c.addr)
}

// Customers created while the listing pages (a goroutine creates one each
// time a page request has been sent since its last create, while the
// sandbox takes 5 ms per request) shift every offset: each
// customer that existed throughout is listed exactly once, whether pages
// are in flight together or one at a time.
func TestAccCustomersDataSource_concurrentPagingWithCreates(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 20}, Latency: 5 * time.Millisecond})
	sent := newSentCounter() // counts at the client: see sentCounter
	s.SeedCustomers(400, "old")
	before := newestFirst(s, func(sandbox.Customer) bool { return true })
	var stop chan struct{}
	var wg sync.WaitGroup
	creating := func() {
		stop = make(chan struct{})
		sent.ResetCounters()
		wg.Go(func() {
			// One customer per page request sent since the last one, at
			// most: however slowly a loaded machine serves the pages, the
			// creates between two consecutive pages never reach a page
			// (20), which would be a page of repeats only, an error. (A
			// create every 2 ms did, under load.)
			seen := 0
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
					if n := sent.RequestCount(sandbox.RouteListCustomers); n > seen {
						seen = n
						s.SeedCustomers(1, fmt.Sprintf("new-%d", i))
					}
				}
			}
		})
	}
	stopCreating := dsCheckNow(func() error {
		close(stop)
		wg.Wait()
		return nil
	})
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			if stop != nil {
				close(stop)
			}
		}
		wg.Wait()
	})
	const ds = `
data "monri_customers" "all" {}
`
	step := func(provider string) resource.TestStep {
		return resource.TestStep{
			PreConfig: creating,
			Config:    provider + ds,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				// The plan read the data source: stop creating, so that
				// the apply of the saved plan sees what the plan listed.
				PreApply: []plancheck.PlanCheck{stopCreating, dsCheckNow(func() error {
					// 20 pages of old customers at least, and the empty one.
					if n := sent.RequestCount(sandbox.RouteListCustomers); n < 21 {
						return fmt.Errorf("%d list requests, want at least 21", n)
					}
					return nil
				})},
			},
			ConfigStateChecks: []statecheck.StateCheck{listedOnce{"data.monri_customers.all", before}},
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			step(providerConfig(s)),
			step(providerConfigPages(s, 8)),
			step(providerConfigPages(s, 1)),
		},
	})
}

// TestAccLogging_listingLine: with the http subsystem at DEBUG, each listing
// logs one line with its items, requests, pages in flight and paging time.
func TestAccLogging_listingLine(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG_PROVIDER_MONRI_HTTP", "DEBUG")
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 20}, Latency: 5 * time.Millisecond})
	s.SeedCustomers(95, "logged")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(s) + `
data "monri_customers" "all" {}
`,
		}},
	})
	raw, err := os.ReadFile(logFile) //nolint:gosec // The test's own temporary file.
	if err != nil {
		t.Fatal(err)
	}
	field := regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)
	lines := 0
	for _, e := range logEntries(string(raw)) {
		_, rest, ok := strings.Cut(e, "[DEBUG] monri.http: Monri API listing:")
		if !ok {
			continue
		}
		lines++
		m := map[string]string{}
		for _, f := range field.FindAllStringSubmatch(rest, -1) {
			m[f[1]] = strings.Trim(f[2], `"`)
		}
		// 20 (fewer than the 100 asked), 20, then 4 pages at once from
		// offset 40 and one more per page taken until the short one at 80;
		// at most 4 in flight (fewer when one is answered before the
		// last is sent); the first two pages alone take 10 ms.
		inFlight, _ := strconv.Atoi(m["pages_in_flight"])
		pagingMS, _ := strconv.Atoi(m["paging_time_ms"])
		if m["path"] != "/v2/customers" || m["items"] != "95" || m["requests"] != "8" || inFlight < 2 || inFlight > 4 ||
			pagingMS < 10 {
			t.Errorf("listing line %v", m)
		}
	}
	if lines == 0 {
		t.Errorf("no listing line logged")
	}
}
