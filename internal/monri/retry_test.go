package monri

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// faultCase is a sandbox fault and whether an idempotent request recovers
// from it by retrying.
type faultCase struct {
	name    string
	fault   sandbox.Fault
	retried bool
	want    []string // parts of the error when not retried
}

var idempotentFaults = []faultCase{
	{"429 Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: time.Second}, true, nil},
	{"502 HTML", sandbox.Fault{Kind: sandbox.FaultHTMLBody, Status: 502}, true, nil},
	{"503 Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, RetryAfter: time.Second}, true, nil},
	{"504", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 504}, true, nil},
	{"dropped connection", sandbox.Fault{Kind: sandbox.FaultDrop}, true, nil},
	{"dropped after handling", sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, true, nil},
	{"slower than the timeout", sandbox.Fault{Kind: sandbox.FaultSlow, Delay: 3 * time.Second}, true, nil},
	{"malformed JSON", sandbox.Fault{Kind: sandbox.FaultMalformedJSON}, true, nil},
	{"malformed JSON after handling", sandbox.Fault{Kind: sandbox.FaultMalformedJSON, AfterHandling: true}, true, nil},
	{"500", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500}, true, nil},
	{"500 after handling", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500, AfterHandling: true}, true, nil},
	{"400", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 400}, false, []string{"HTTP 400", "invalid-request"}},
	{"403", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 403}, false, []string{"HTTP 403"}},
}

// TestClientRetryPolicy runs every idempotent operation against every fault.
func TestClientRetryPolicy(t *testing.T) {
	t.Parallel()
	for _, op := range []struct {
		name, route string
		requests    int // requests the operation makes without faults
		call        func(ctx context.Context, c *Client, uuid string) error
	}{
		{"get", sandbox.RouteGetCustomer, 1, func(ctx context.Context, c *Client, uuid string) error {
			_, err := c.GetCustomer(ctx, uuid)
			return err
		}},
		{"get by merchant id", sandbox.RouteGetByMerchantID, 1, func(ctx context.Context, c *Client, _ string) error {
			_, err := c.GetCustomerByMerchantID(ctx, "retry")
			return err
		}},
		{"update", sandbox.RouteUpdateCustomer, 1, func(ctx context.Context, c *Client, uuid string) error {
			_, err := c.UpdateCustomer(ctx, uuid, CustomerUpdate{Name: Set("Updated"), Metadata: map[string]*string{"k": ptr("v")}})
			return err
		}},
		// Listings ask for the documented default page size: a 400 to a
		// larger limit is asked again with it (TestListLimitRejected).
		{"list", sandbox.RouteListCustomers, 2, func(ctx context.Context, c *Client, _ string) error {
			_, err := c.ListAllCustomers(ctx, PageOptions{PageSize: DefaultPageSize})
			return err
		}},
		{"payment methods", sandbox.RouteListPaymentMethods, 1, func(ctx context.Context, c *Client, uuid string) error {
			_, err := c.ListAllPaymentMethods(ctx, uuid, PageOptions{PageSize: DefaultPageSize})
			return err
		}},
		{"oauth", sandbox.RouteOAuth, 1, func(ctx context.Context, c *Client, _ string) error {
			_, err := c.CreateAccessToken(ctx, nil)
			return err
		}},
		{"delete", sandbox.RouteDeleteCustomer, 1, func(ctx context.Context, c *Client, uuid string) error {
			err := c.DeleteCustomer(ctx, uuid)
			if errors.Is(err, ErrNotFound) {
				return nil // the first attempt deleted it (after-handling faults)
			}
			return err
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			for _, fc := range idempotentFaults {
				t.Run(fc.name, func(t *testing.T) {
					t.Parallel()
					s := startSandbox(t, sandbox.Options{})
					c, _ := newTestClient(t, s, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond })
					cu, err := c.CreateCustomer(context.Background(), CustomerFields{MerchantCustomerID: ptr("retry")})
					if err != nil {
						t.Fatal(err)
					}
					s.ResetCounters()
					s.InjectFault(op.route, fc.fault, 1)
					err = op.call(context.Background(), c, cu.UUID)
					n := s.RequestCount(op.route)
					if fc.retried {
						if err != nil {
							t.Fatalf("not recovered: %v", err)
						}
						// A GET whose reused keep-alive connection is dropped
						// is re-sent by net/http's transport itself, below
						// the retry layer (so Retries() does not see it).
						transportRetry := fc.fault.Kind == sandbox.FaultDrop && op.name != "update" && op.name != "oauth" && op.name != "delete"
						if n != op.requests+1 || (c.Retries() != 1 && !transportRetry) {
							t.Fatalf("%d requests, %d retries; want %d and 1", n, c.Retries(), op.requests+1)
						}
						if op.name == "update" {
							if srv, _ := s.Customer(cu.UUID); *srv.Name != "Updated" || srv.Metadata["k"] != "v" {
								t.Fatalf("update not applied: %+v", srv)
							}
						}
						return
					}
					wantErrContains(t, err, fc.want...)
					if n != 1 || c.Retries() != 0 {
						t.Fatalf("%d requests, %d retries; want no retry", n, c.Retries())
					}
				})
			}
		})
	}
}

func TestClientRetriesBounded(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	ctx := context.Background()

	t.Run("max_retries", func(t *testing.T) {
		c, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 2 })
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 10)
		defer s.ClearFaults()
		before := s.RequestCount(sandbox.RouteListCustomers)
		_, err := c.ListCustomers(ctx, ListParams{})
		wantErrContains(t, err, "HTTP 503", "gave up after 3 attempts")
		if n := s.RequestCount(sandbox.RouteListCustomers) - before; n != 3 || c.Retries() != 2 {
			t.Fatalf("%d requests, %d retries; want 3 and 2", n, c.Retries())
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Attempts != 3 {
			t.Fatalf("err = %#v", err)
		}
	})

	t.Run("max_retries 0", func(t *testing.T) {
		c, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 0 })
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultDrop}, 1)
		_, err := c.ListCustomers(ctx, ListParams{})
		var te *TransportError
		if !errors.As(err, &te) || c.Retries() != 0 {
			t.Fatalf("err = %v, retries %d", err, c.Retries())
		}
		wantErrContains(t, err, "GET /v2/customers", "EOF")
	})

	t.Run("context", func(t *testing.T) {
		// Retry-After asks for 5 s; the caller's context allows 200 ms.
		c, _ := newTestClient(t, s, func(c *Config) { c.RetryWaitMax = 10 * time.Second })
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, RetryAfter: 5 * time.Second}, 1)
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.ListCustomers(ctx, ListParams{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the context's deadline", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("returned after %v: the context did not bound the retries", d)
		}
	})

	t.Run("cancelled create", func(t *testing.T) {
		c, _ := newTestClient(t, s, func(c *Config) { c.RetryWaitMax = 10 * time.Second })
		s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: 5 * time.Second}, 1)
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := c.CreateCustomer(ctx, CustomerFields{})
		var unknown *UnknownOutcomeError
		if err == nil || errors.As(err, &unknown) {
			t.Fatalf("err = %v: a throttled create is not an unknown outcome", err)
		}
	})
}

// TestClientHonoursRetryAfter uses real waits of about a second.
func TestClientHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, func(c *Config) { c.RetryWaitMin = time.Millisecond; c.RetryWaitMax = 5 * time.Second })
	ctx := context.Background()
	for _, status := range []int{429, 503} {
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: status, RetryAfter: time.Second}, 1)
		start := time.Now()
		if _, err := c.ListCustomers(ctx, ListParams{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Second || d > 3*time.Second {
			t.Errorf("HTTP %d with Retry-After: 1 was retried after %v", status, d)
		}
	}
	// Create too (a 429 means "not processed").
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: time.Second}, 1)
	start := time.Now()
	if _, err := c.CreateCustomer(ctx, CustomerFields{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("create: 429 with Retry-After: 1 was retried after %v", d)
	}
	// Without Retry-After the millisecond backoff applies.
	s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 2)
	start = time.Now()
	if _, err := c.ListCustomers(ctx, ListParams{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("exponential backoff from 1 ms took %v", d)
	}
	// Retry-After is capped at RetryWaitMax.
	capped, _ := newTestClient(t, s, func(c *Config) { c.RetryWaitMax = 100 * time.Millisecond })
	s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, RetryAfter: 30 * time.Second}, 1)
	start = time.Now()
	if _, err := capped.ListCustomers(ctx, ListParams{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Retry-After: 30 not capped at RetryWaitMax: %v", d)
	}
}

// TestCreateCustomerSafety checks that a create whose outcome is unknown
// never duplicates a customer and never loses one.
func TestCreateCustomerSafety(t *testing.T) {
	t.Parallel()
	type want struct {
		err       []string // empty: success
		timeout   bool     // the error is a timeout (its wording depends on where the deadline hit)
		unknown   bool     // *UnknownOutcomeError
		creates   int      // POST /v2/customers requests
		lookups   int      // GET by merchant id requests
		customers int      // live customers afterwards
	}
	lost := func(k sandbox.FaultKind) sandbox.Fault {
		return sandbox.Fault{Kind: k, AfterHandling: true, Delay: 3 * time.Second}
	}
	before := func(k sandbox.FaultKind, status int) sandbox.Fault {
		return sandbox.Fault{Kind: k, Status: status, Delay: 3 * time.Second}
	}
	tests := []struct {
		name   string
		mid    bool
		faults []sandbox.Fault
		want   want
	}{
		// With merchant_customer_id: look up, adopt or re-send.
		{"lost response (drop), mid", true, []sandbox.Fault{lost(sandbox.FaultDrop)}, want{creates: 1, lookups: 1, customers: 1}},
		{"lost response (timeout), mid", true, []sandbox.Fault{lost(sandbox.FaultSlow)}, want{creates: 1, lookups: 1, customers: 1}},
		{"lost response (malformed), mid", true, []sandbox.Fault{lost(sandbox.FaultMalformedJSON)}, want{creates: 1, lookups: 1, customers: 1}},
		{"lost response (HTML 502), mid", true, []sandbox.Fault{{Kind: sandbox.FaultHTMLBody, AfterHandling: true}}, want{creates: 1, lookups: 1, customers: 1}},
		{"lost response (500), mid", true, []sandbox.Fault{{Kind: sandbox.FaultStatus, Status: 500, AfterHandling: true}}, want{creates: 1, lookups: 1, customers: 1}},
		{"503 before handling, mid", true, []sandbox.Fault{before(sandbox.FaultStatus, 503)}, want{creates: 2, lookups: 1, customers: 1}},
		{"500 before handling, mid", true, []sandbox.Fault{before(sandbox.FaultStatus, 500)}, want{creates: 2, lookups: 1, customers: 1}},
		{"drop before handling, mid", true, []sandbox.Fault{before(sandbox.FaultDrop, 0)}, want{creates: 2, lookups: 1, customers: 1}},
		{"timeout before handling, mid", true, []sandbox.Fault{before(sandbox.FaultSlow, 0)}, want{creates: 2, lookups: 1, customers: 1}},
		{"lost, then 400 duplicate of our own create, mid", true,
			[]sandbox.Fault{before(sandbox.FaultStatus, 503), lost(sandbox.FaultDrop)},
			want{creates: 2, lookups: 2, customers: 1}},
		{"429, mid", true, []sandbox.Fault{{Kind: sandbox.FaultStatus, Status: 429}}, want{creates: 2, lookups: 0, customers: 1}},
		{"always unknown, mid", true, []sandbox.Fault{before(sandbox.FaultStatus, 503), before(sandbox.FaultStatus, 503), before(sandbox.FaultStatus, 503)},
			want{err: []string{"HTTP 503"}, creates: 3, lookups: 3, customers: 0}},

		// Without merchant_customer_id: never re-sent after an unknown outcome.
		{"lost response (drop), no mid", false, []sandbox.Fault{lost(sandbox.FaultDrop)},
			want{err: []string{"outcome is unknown", "may exist"}, unknown: true, creates: 1, customers: 1}},
		{"lost response (timeout), no mid", false, []sandbox.Fault{lost(sandbox.FaultSlow)},
			want{err: []string{"outcome is unknown"}, timeout: true, unknown: true, creates: 1, customers: 1}},
		{"503 before handling, no mid", false, []sandbox.Fault{before(sandbox.FaultStatus, 503)},
			want{err: []string{"outcome is unknown", "HTTP 503"}, unknown: true, creates: 1, customers: 0}},
		{"malformed, no mid", false, []sandbox.Fault{lost(sandbox.FaultMalformedJSON)},
			want{err: []string{"outcome is unknown", "not valid JSON"}, unknown: true, creates: 1, customers: 1}},
		{"429, no mid", false, []sandbox.Fault{{Kind: sandbox.FaultStatus, Status: 429}}, want{creates: 2, customers: 1}},
		{"400, no mid", false, []sandbox.Fault{{Kind: sandbox.FaultStatus, Status: 400}},
			want{err: []string{"HTTP 400"}, creates: 1, customers: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, sandbox.Options{})
			c, _ := newTestClient(t, s, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond; c.MaxRetries = 2 })
			for _, f := range tt.faults {
				s.InjectFault(sandbox.RouteCreateCustomer, f, 1)
			}
			f := CustomerFields{Name: ptr("Safe"), Metadata: map[string]string{"a": "b"}}
			if tt.mid {
				f.MerchantCustomerID = ptr("safe-1")
			}
			got, err := c.CreateCustomer(context.Background(), f)
			var unknown *UnknownOutcomeError
			if errors.As(err, &unknown) != tt.want.unknown {
				t.Errorf("err = %v, UnknownOutcomeError: %v", err, tt.want.unknown)
			}
			if len(tt.want.err) > 0 {
				wantErrContains(t, err, tt.want.err...)
			} else if err != nil {
				t.Fatalf("CreateCustomer: %v", err)
			}
			var netErr net.Error
			if isTimeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()); isTimeout != tt.want.timeout {
				t.Errorf("err = %v: timeout %v, want %v", err, isTimeout, tt.want.timeout)
			}
			live := s.LiveCustomers()
			if len(live) != tt.want.customers {
				t.Fatalf("%d customers on the sandbox, want %d", len(live), tt.want.customers)
			}
			if err == nil && (live[0].UUID != got.UUID || *live[0].Name != "Safe" || live[0].Metadata["a"] != "b") {
				t.Fatalf("returned %+v, sandbox has %+v", got, live[0])
			}
			if n := s.RequestCount(sandbox.RouteCreateCustomer); n != tt.want.creates {
				t.Errorf("%d create requests, want %d", n, tt.want.creates)
			}
			if n := s.RequestCount(sandbox.RouteGetByMerchantID); n != tt.want.lookups {
				t.Errorf("%d lookups, want %d", n, tt.want.lookups)
			}
		})
	}

	t.Run("lookup fails too", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		c, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 1 })
		s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, 1)
		s.InjectFault(sandbox.RouteGetByMerchantID, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 5)
		_, err := c.CreateCustomer(context.Background(), CustomerFields{MerchantCustomerID: ptr("lookup-fails")})
		var unknown *UnknownOutcomeError
		if !errors.As(err, &unknown) || unknown.MerchantCustomerID != "lookup-fails" {
			t.Fatalf("err = %#v", err)
		}
		wantErrContains(t, err, `merchant_customer_id "lookup-fails" may exist`, "looking the customer up by merchant_customer_id also failed", "HTTP 503")
		if n := s.RequestCount(sandbox.RouteCreateCustomer); n != 1 {
			t.Fatalf("%d creates: re-sent without knowing", n)
		}
	})

	t.Run("lookup fails, then finds it", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		c, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 2 })
		s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, 1)
		// The first lookup gives up after 3 attempts; the next one succeeds.
		s.InjectFault(sandbox.RouteGetByMerchantID, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 3)
		got, err := c.CreateCustomer(context.Background(), CustomerFields{MerchantCustomerID: ptr("lookup-again")})
		if err != nil {
			t.Fatal(err)
		}
		if live := s.LiveCustomers(); len(live) != 1 || live[0].UUID != got.UUID {
			t.Fatalf("sandbox has %d customers", len(live))
		}
		if c, l := s.RequestCount(sandbox.RouteCreateCustomer), s.RequestCount(sandbox.RouteGetByMerchantID); c != 1 || l != 4 {
			t.Fatalf("%d creates and %d lookups, want 1 and 4", c, l)
		}
	})

	t.Run("adopt brings fields in line", func(t *testing.T) {
		t.Parallel()
		// The customer with the id exists with other values (created by an
		// earlier attempt that Monri applied differently, or elsewhere); the
		// create's answer is lost; the provider adopts it and updates it.
		s := startSandbox(t, sandbox.Options{})
		c, _ := newTestClient(t, s, nil)
		old, err := c.CreateCustomer(context.Background(), CustomerFields{MerchantCustomerID: ptr("adopt"), Name: ptr("Old"), Phone: ptr("1")})
		if err != nil {
			t.Fatal(err)
		}
		s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1)
		got, err := c.CreateCustomer(context.Background(), CustomerFields{MerchantCustomerID: ptr("adopt"), Name: ptr("New")})
		if err != nil || got.UUID != old.UUID || *got.Name != "New" || got.Phone != nil {
			t.Fatalf("adopted %+v, %v", got, err)
		}
		if srv, _ := s.Customer(old.UUID); *srv.Name != "New" || srv.Phone != nil {
			t.Fatalf("sandbox has %+v", srv)
		}
	})

	t.Run("connection refused is retried", func(t *testing.T) {
		t.Parallel()
		l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		c, err := New(Config{BaseURL: "http://" + addr, AuthenticityToken: "t", MerchantKey: "k", MaxRetries: 2,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateCustomer(context.Background(), CustomerFields{})
		var unknown *UnknownOutcomeError
		var te *TransportError
		if errors.As(err, &unknown) || !errors.As(err, &te) || c.Retries() != 2 {
			t.Fatalf("err = %v, retries %d: nothing was sent, so the create is retried and the error is not an unknown outcome", err, c.Retries())
		}
		wantErrContains(t, err, "POST /v2/customers", "connection refused")
	})
}

func TestClientRateLimit(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	ctx := context.Background()

	limited, _ := newTestClient(t, s, func(c *Config) { c.MaxRequestsPerSecond = 20 })
	start := time.Now()
	for range 21 {
		if _, err := limited.ListCustomers(ctx, ListParams{Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("21 requests at 20/s took %v, want about 1 s", d)
	}

	unlimited, _ := newTestClient(t, s, nil)
	start = time.Now()
	for range 21 {
		if _, err := unlimited.ListCustomers(ctx, ListParams{Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("21 unlimited requests took %v", d)
	}

	// Waiting for the limiter does not count against request_timeout: 8
	// concurrent requests at 5/s wait up to 1.4 s with a 300 ms timeout.
	slow, _ := newTestClient(t, s, func(c *Config) {
		c.MaxRequestsPerSecond = 5
		c.RequestTimeout = 300 * time.Millisecond
		c.MaxRetries = 0
	})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := slow.ListCustomers(ctx, ListParams{Limit: 1}); err != nil {
				t.Errorf("limited request failed: %v", err)
				failed.Add(1)
			}
		}()
	}
	wg.Wait()

	// Retries are rate-limited too, and a create cancelled while waiting
	// for the limiter was never sent.
	s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 3)
	start = time.Now()
	once, _ := newTestClient(t, s, func(c *Config) { c.MaxRequestsPerSecond = 10 })
	if _, err := once.ListCustomers(ctx, ListParams{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("4 attempts at 10/s took %v", d)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	blocked, _ := newTestClient(t, s, func(c *Config) { c.MaxRequestsPerSecond = 0.1 })
	_, _ = blocked.ListCustomers(ctx, ListParams{Limit: 1}) // uses the one token
	before := s.RequestCount(sandbox.RouteCreateCustomer)
	_, err := blocked.CreateCustomer(cctx, CustomerFields{})
	var unknown *UnknownOutcomeError
	if err == nil || errors.As(err, &unknown) || s.RequestCount(sandbox.RouteCreateCustomer) != before {
		t.Fatalf("err = %v: a create that never left the rate limiter is not an unknown outcome", err)
	}
	wantErrContains(t, err, "max_requests_per_second")
}

func TestClientResponseSizeLimit(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	big := strings.Repeat(" ", MaxResponseBytes) + `{"uuid":"x"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/err") {
			w.WriteHeader(http.StatusBadGateway)
		}
		_, _ = w.Write([]byte(big))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AuthenticityToken: "t", MerchantKey: "k", MaxRetries: 4,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCustomer(context.Background(), "x")
	wantErrContains(t, err, "GET /v2/customers/x", "HTTP 200", "larger than 8388608 bytes")
	if hits.Load() != 1 {
		t.Fatalf("%d requests: an oversized answer was retried", hits.Load())
	}
	// A retryable status whose body is too large: retried, then reported.
	hits.Store(0)
	_, err = c.GetCustomer(context.Background(), "err")
	wantErrContains(t, err, "HTTP 502", "larger than")
	if hits.Load() != 5 {
		t.Fatalf("%d requests, want 1 + 4 retries", hits.Load())
	}
}

func TestClientTLSAndRedirects(t *testing.T) {
	t.Parallel()
	t.Run("certificate verified", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the expected handshake failure
		srv.StartTLS()
		defer srv.Close()
		c, err := New(Config{BaseURL: srv.URL, AuthenticityToken: "t", MerchantKey: "k", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetCustomer(context.Background(), "x")
		wantErrContains(t, err, "certificate")
		if hits.Load() != 0 || c.Retries() != 0 {
			t.Fatalf("self-signed server reached %d times, %d retries", hits.Load(), c.Retries())
		}
	})
	t.Run("insecure transport refused", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // The point of the test.
		_, err := New(Config{BaseURL: "https://ipgtest.monri.com", AuthenticityToken: "t", MerchantKey: "k", Transport: tr})
		wantErrContains(t, err, "skips TLS certificate verification")
	})
	t.Run("redirects not followed", func(t *testing.T) {
		var elsewhere atomic.Int32
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
		defer other.Close()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/moved", http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		c, err := New(Config{BaseURL: srv.URL, AuthenticityToken: "t", MerchantKey: "secret-key"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateAccessToken(context.Background(), nil)
		wantErrContains(t, err, "POST /v2/oauth", "HTTP 307")
		_, err = c.GetCustomer(context.Background(), "x")
		wantErrContains(t, err, "HTTP 307")
		if elsewhere.Load() != 0 {
			t.Fatalf("the redirect was followed %d times (the OAuth body carries the merchant key)", elsewhere.Load())
		}
	})
}

// idleCounter is a base transport that counts CloseIdleConnections calls.
type idleCounter struct {
	http.RoundTripper
	closed atomic.Int32
}

func (i *idleCounter) CloseIdleConnections() { i.closed.Add(1) }

// TestClientKeepsIdleConnections: go-retryablehttp closes the HTTP client's
// idle connections whenever a request gives up; with one client shared by
// Terraform's parallel operations that would drop everyone's keep-alive
// connections, so the signing transport does not pass the call on.
func TestClientKeepsIdleConnections(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	base := &idleCounter{RoundTripper: cleanhttp.DefaultPooledTransport()}
	c, _ := newTestClient(t, s, func(c *Config) { c.Transport = base; c.MaxRetries = 1 })
	s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 2)
	if _, err := c.ListCustomers(context.Background(), ListParams{}); err == nil {
		t.Fatal("expected the request to give up")
	}
	if n := base.closed.Load(); n != 0 {
		t.Fatalf("CloseIdleConnections reached the shared transport %d times", n)
	}
}

// logRecorder is a Logger that keeps every attempt.
type logRecorder struct {
	mu   sync.Mutex
	logs []RequestLog
}

func (l *logRecorder) LogRequest(_ context.Context, r RequestLog) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logs = append(l.logs, r)
}

func TestClientLogsEveryAttempt(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	logs := &logRecorder{}
	c, _ := newTestClient(t, s, func(c *Config) { c.Logger = logs })
	ctx := context.Background()
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1)
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop}, 1)
	s.InjectFault(sandbox.RouteGetByMerchantID, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1)
	if _, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("logged")}); err != nil {
		t.Fatal(err)
	}
	type line struct {
		method, path string
		status       int
		attempt      int
		failed       bool
	}
	var got []line
	for _, l := range logs.logs {
		got = append(got, line{l.Method, l.Path, l.Status, l.Attempt, l.Err != nil})
		if l.Duration <= 0 {
			t.Errorf("no duration: %+v", l)
		}
	}
	// Attempts of the create are numbered across re-sends; lookups have
	// their own numbering.
	want := []line{
		{"POST", "/v2/customers", 503, 1, false},
		{"GET", "/v2/merchants/customers/logged", 503, 1, false},
		{"GET", "/v2/merchants/customers/logged", 404, 2, false},
		{"POST", "/v2/customers", 0, 2, true},
		{"GET", "/v2/merchants/customers/logged", 404, 1, false},
		{"POST", "/v2/customers", 200, 3, false},
	}
	if len(got) != len(want) {
		t.Fatalf("logged %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
