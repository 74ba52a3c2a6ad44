package provider

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// requestCounter is what the request-counting checks read: a sandbox's
// counters, or a sentCounter's.
type requestCounter interface {
	RequestCount(route string) int
	RequestCounts() map[string]int
}

// sentCounter counts the API requests its providers send, by sandbox route,
// as they leave the client (each attempt, retries included). A test that
// shares a sandbox across steps or subtests and counts requests counts
// them here: a listing returns only once each of its page requests has
// returned, so every request is counted in the step that sent it, whereas
// a page that a listing cancelled may reach the sandbox, and its counters
// and injected faults, during a later step.
type sentCounter struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

var _ requestCounter = (*sentCounter)(nil)

func newSentCounter() *sentCounter {
	return &sentCounter{base: cleanhttp.DefaultPooledTransport(), n: map[string]int{}}
}

func (c *sentCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[sandboxRoute(req.Method, req.URL.EscapedPath())]++
	c.mu.Unlock()
	return c.base.RoundTrip(req)
}

// RequestCount is how many requests to route were sent since the last
// ResetCounters.
func (c *sentCounter) RequestCount(route string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[route]
}

// RequestCounts are the non-zero counts by route.
func (c *sentCounter) RequestCounts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for r, n := range c.n {
		if n > 0 {
			out[r] = n
		}
	}
	return out
}

// TotalRequests is every request sent since the last ResetCounters.
func (c *sentCounter) TotalRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for _, n := range c.n {
		total += n
	}
	return total
}

// ResetCounters zeroes the counts.
func (c *sentCounter) ResetCounters() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.n)
}

// factories are testAccProtoV6ProviderFactories with the API client's
// requests sent through c.
func (c *sentCounter) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"monri": func() (tfprotov6.ProviderServer, error) {
			return testProviderServer(&monriProvider{
				version: "test",
				newClient: func(cfg monri.Config) (*monri.Client, error) {
					cfg.RetryWaitMin = 5 * time.Millisecond
					cfg.RetryWaitMax = 50 * time.Millisecond
					cfg.Transport = c
					return monri.New(cfg)
				},
			}), nil
		},
	}
}

// sandboxRoute is the sandbox's route key (sandbox.Route*) of a request, or
// "METHOD path" for a path the API does not have.
func sandboxRoute(method, path string) string {
	const customers, merchant = "/v2/customers/", "/v2/merchants/customers/"
	switch {
	case path == "/v2/oauth" && method == http.MethodPost:
		return sandbox.RouteOAuth
	case path == "/v2/customers" && method == http.MethodPost:
		return sandbox.RouteCreateCustomer
	case path == "/v2/customers" && method == http.MethodGet:
		return sandbox.RouteListCustomers
	case strings.HasPrefix(path, merchant) && method == http.MethodGet:
		return sandbox.RouteGetByMerchantID
	case strings.HasPrefix(path, customers) && strings.HasSuffix(path, "/payment-methods") && method == http.MethodGet:
		return sandbox.RouteListPaymentMethods
	case strings.HasPrefix(path, customers) && !strings.Contains(path[len(customers):], "/"):
		switch method {
		case http.MethodGet:
			return sandbox.RouteGetCustomer
		case http.MethodPost:
			return sandbox.RouteUpdateCustomer
		case http.MethodDelete:
			return sandbox.RouteDeleteCustomer
		}
	}
	return method + " " + path
}

// TestSentCounterRoutes: a sentCounter files each request under the route
// the sandbox counts it under, for every route.
func TestSentCounterRoutes(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	sent := newSentCounter()
	token, key := s.Credentials()
	c, err := monri.New(monri.Config{BaseURL: s.URL(), AuthenticityToken: token, MerchantKey: key, Transport: sent})
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := monri.New(monri.Config{BaseURL: s.URL(), AuthenticityToken: token, MerchantKey: key, Transport: sent,
		Authentication: monri.AuthAccessToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mid := "sent/1 x"
	cu, err := c.CreateCustomer(ctx, monri.CustomerFields{MerchantCustomerID: &mid})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { _, err := c.GetCustomer(ctx, cu.UUID); return err },
		func() error { _, err := c.GetCustomerByMerchantID(ctx, mid); return err },
		func() error { _, err := c.ListAllCustomers(ctx, monri.PageOptions{}); return err },
		func() error { _, err := c.ListAllPaymentMethods(ctx, cu.UUID, monri.PageOptions{}); return err },
		func() error { _, err := bearer.GetCustomer(ctx, cu.UUID); return err }, // and POST /v2/oauth
		func() error { return c.DeleteCustomer(ctx, cu.UUID) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	name := "Ana"
	if _, err := c.CreateCustomer(ctx, monri.CustomerFields{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCustomer(ctx, s.LiveCustomers()[0].UUID, monri.CustomerUpdate{}); err != nil {
		t.Fatal(err)
	}
	got, want := sent.RequestCounts(), s.RequestCounts()
	if !maps.Equal(got, want) || len(want) != 8 {
		t.Fatalf("counted at the client %v\nat the sandbox %v\nwant the same, on all 8 routes", got, want)
	}
	if sent.TotalRequests() != s.TotalRequests() {
		t.Fatalf("%d requests counted at the client, %d at the sandbox", sent.TotalRequests(), s.TotalRequests())
	}
	sent.ResetCounters()
	if n := sent.TotalRequests(); n != 0 {
		t.Fatalf("%d requests after ResetCounters", n)
	}
}
