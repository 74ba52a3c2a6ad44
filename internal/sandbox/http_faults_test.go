package sandbox

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFaultKinds(t *testing.T) {
	tests := []struct {
		name        string
		fault       Fault
		check       func(t *testing.T, r response)
		wantCreated bool
	}{
		{
			name:  "status 503 with Retry-After",
			fault: Fault{Kind: FaultStatus, Status: 503, RetryAfter: 1500 * time.Millisecond},
			check: func(t *testing.T, r response) {
				expectStatus(t, r, 503)
				if r.header.Get("Retry-After") != "2" {
					t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
				}
				if m := r.object(t); m["status"] != "error" || m["message"] == "" {
					t.Fatalf("body %s", r.body)
				}
			},
		},
		{
			name:  "status 429 is invalid-request",
			fault: Fault{Kind: FaultStatus, Status: 429, RetryAfter: time.Second},
			check: func(t *testing.T, r response) {
				expectError(t, r, 429)
				if r.header.Get("Retry-After") != "1" {
					t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
				}
			},
		},
		{
			name:  "status default 500",
			fault: Fault{Kind: FaultStatus},
			check: func(t *testing.T, r response) {
				expectStatus(t, r, 500)
				if r.header.Get("Retry-After") != "" {
					t.Fatal("unexpected Retry-After")
				}
			},
		},
		{
			name:  "html 502",
			fault: Fault{Kind: FaultHTMLBody},
			check: func(t *testing.T, r response) {
				if r.status != 502 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html>") {
					t.Fatalf("%d %q %s", r.status, r.header.Get("Content-Type"), r.body)
				}
			},
		},
		{
			name:  "html 504",
			fault: Fault{Kind: FaultHTMLBody, Status: 504},
			check: func(t *testing.T, r response) {
				if r.status != 504 || !strings.Contains(string(r.body), "504 Gateway Timeout") {
					t.Fatalf("%d %s", r.status, r.body)
				}
			},
		},
		{
			name:  "malformed JSON",
			fault: Fault{Kind: FaultMalformedJSON},
			check: func(t *testing.T, r response) {
				if r.status != 200 || json.Valid(r.body) || len(r.body) == 0 {
					t.Fatalf("%d %s", r.status, r.body)
				}
			},
		},
		{
			name:  "malformed JSON after handling",
			fault: Fault{Kind: FaultMalformedJSON, AfterHandling: true},
			check: func(t *testing.T, r response) {
				if r.status != 200 || json.Valid(r.body) || !strings.HasPrefix(string(r.body), `{"uuid":"`) {
					t.Fatalf("%d %s", r.status, r.body)
				}
			},
			wantCreated: true,
		},
		{
			name:  "lost response: 502 after handling",
			fault: Fault{Kind: FaultStatus, Status: 502, AfterHandling: true},
			check: func(t *testing.T, r response) {
				expectStatus(t, r, 502)
			},
			wantCreated: true,
		},
		{
			name:  "html after handling",
			fault: Fault{Kind: FaultHTMLBody, AfterHandling: true},
			check: func(t *testing.T, r response) {
				if r.status != 502 {
					t.Fatalf("status %d", r.status)
				}
			},
			wantCreated: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			e.s.InjectFault(RouteCreateCustomer, tc.fault, 1)
			r := e.do(http.MethodPost, "/v2/customers", `{"name":"F"}`)
			tc.check(t, r)
			if got := len(e.s.Customers()) == 1; got != tc.wantCreated {
				t.Fatalf("customer created = %v, want %v", got, tc.wantCreated)
			}
			if e.s.FaultsInjected() != 1 || e.s.RequestCount(RouteCreateCustomer) != 1 {
				t.Fatalf("FaultsInjected %d, count %d", e.s.FaultsInjected(), e.s.RequestCount(RouteCreateCustomer))
			}
			// The fault is consumed: the next request is normal.
			expectStatus(t, e.do(http.MethodPost, "/v2/customers", `{"name":"G"}`), http.StatusOK)
		})
	}
}

func TestFaultDrop(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(map[bool]string{false: "before", true: "after handling"}[after], func(t *testing.T) {
			e := newEnv(t, Options{})
			e.s.InjectFault("", Fault{Kind: FaultDrop, AfterHandling: after}, 1)
			req := e.request(http.MethodPost, "/v2/customers", `{"name":"D"}`)
			e.sign(req, `{"name":"D"}`)
			resp, err := e.client.Do(req)
			if err == nil {
				_ = resp.Body.Close()
				t.Fatalf("dropped request answered %d", resp.StatusCode)
			}
			if got := len(e.s.Customers()); got != map[bool]int{false: 0, true: 1}[after] {
				t.Fatalf("%d customers", got)
			}
			if e.s.RequestCount(RouteCreateCustomer) != 1 {
				t.Fatalf("request retried or not counted: %d", e.s.RequestCount(RouteCreateCustomer))
			}
			expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
		})
	}
}

func TestFaultDropWithoutHijacker(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.InjectFault("", Fault{Kind: FaultDrop}, 1)
	defer func() {
		if r := recover(); !errors.Is(asError(r), http.ErrAbortHandler) {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://localhost/v2/customers", nil))
	t.Fatal("no panic")
}

func asError(v any) error {
	err, _ := v.(error)
	return err
}

func TestFaultSlow(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(map[bool]string{false: "before", true: "after handling"}[after], func(t *testing.T) {
			e := newEnv(t, Options{})
			e.s.InjectFault(RouteCreateCustomer, Fault{Kind: FaultSlow, Delay: 30 * time.Second, AfterHandling: after}, 1)
			e.client.Timeout = 200 * time.Millisecond
			req := e.request(http.MethodPost, "/v2/customers", `{"name":"S"}`)
			e.sign(req, `{"name":"S"}`)
			start := time.Now()
			resp, err := e.client.Do(req)
			if err == nil {
				_ = resp.Body.Close()
				t.Fatalf("slow request answered %d", resp.StatusCode)
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("error %v is not a timeout", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("client timeout not honoured")
			}
			if after && len(e.s.Customers()) != 1 {
				t.Fatal("AfterHandling slow fault did not create the customer")
			}
			// Close cuts the server-side sleep short (checked by the
			// test's run time).
		})
	}

	// A short delay is simply served late.
	e := newEnv(t, Options{})
	e.s.InjectFault("", Fault{Kind: FaultSlow, Delay: 50 * time.Millisecond}, 1)
	start := time.Now()
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("slow fault did not delay")
	}
}

func TestFaultRoutingAndRate(t *testing.T) {
	e := newEnv(t, Options{})
	e.s.InjectFault(RouteListCustomers, Fault{Kind: FaultStatus, Status: 503}, 2)
	expectStatus(t, e.do(http.MethodPost, "/v2/customers", `{}`), http.StatusOK) // other route unaffected
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), 503)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), 503)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)

	// Faults hit requests whatever their credentials.
	e.s.InjectFault("", Fault{Kind: FaultStatus, Status: 500}, 1)
	expectStatus(t, e.send(e.request(http.MethodGet, "/v2/customers", "")), 500)
	expectStatus(t, e.send(e.request(http.MethodGet, "/v2/customers", "")), http.StatusUnauthorized)

	e.s.SetFaultRate(1, nil, 1)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), 500)
	e.s.SetFaultRate(0, nil, 1)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)

	e.s.ResetCounters()
	e.s.SetFaultRate(0.3, []Fault{{Kind: FaultStatus, Status: 503}, {Kind: FaultStatus, Status: 429}}, 42)
	statuses := map[int]int{}
	for range 200 {
		statuses[e.do(http.MethodGet, "/v2/customers?limit=1", "").status]++
	}
	faulted := statuses[503] + statuses[429]
	if faulted < 30 || faulted > 90 || statuses[503] == 0 || statuses[429] == 0 || faulted+statuses[200] != 200 {
		t.Fatalf("rate 0.3 gave %v", statuses)
	}
	if e.s.FaultsInjected() != faulted {
		t.Fatalf("FaultsInjected %d, want %d", e.s.FaultsInjected(), faulted)
	}
	e.s.ClearFaults()
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
}

func TestCounters(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(map[string]any{"name": "A"})
	e.create(map[string]any{"name": "B"})
	uuid := str(c["uuid"])
	e.do(http.MethodGet, "/v2/customers", "")
	e.do(http.MethodGet, "/v2/customers/"+uuid, "")
	e.send(e.request(http.MethodGet, "/v2/customers/"+uuid, "")) // unauthenticated: counted
	e.do(http.MethodPost, "/v2/customers/"+uuid, `{"bad":1}`)    // invalid: counted
	e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", "")
	e.do(http.MethodGet, "/v2/merchants/customers/x", "")
	e.send(e.request(http.MethodPost, "/v2/oauth", `{}`))
	e.do(http.MethodDelete, "/v2/customers/"+uuid, "")
	e.do(http.MethodGet, "/v2/nothing", "")                      // no route: not counted
	e.send(e.request(http.MethodGet, "/sandbox/stats", ""))      // sandbox: not counted
	e.send(e.request(http.MethodPost, "/sandbox/faults", `{x}`)) // sandbox: not counted

	want := map[string]int{
		RouteCreateCustomer: 2, RouteListCustomers: 1, RouteGetCustomer: 2, RouteUpdateCustomer: 1,
		RouteListPaymentMethods: 1, RouteGetByMerchantID: 1, RouteOAuth: 1, RouteDeleteCustomer: 1,
	}
	if got := e.s.RequestCounts(); !reflect.DeepEqual(got, want) {
		t.Fatalf("RequestCounts = %v, want %v", got, want)
	}
	if e.s.TotalRequests() != 10 || e.s.RequestCount(RouteGetCustomer) != 2 || e.s.RequestCount("GET /nope") != 0 {
		t.Fatalf("TotalRequests %d", e.s.TotalRequests())
	}
	if got := Routes(); len(got) != 8 {
		t.Fatalf("Routes() = %v", got)
	}

	var stats struct {
		Requests       map[string]int `json:"requests"`
		Total          int            `json:"total"`
		FaultsInjected int            `json:"faults_injected"`
	}
	if err := json.Unmarshal(e.send(e.request(http.MethodGet, "/sandbox/stats", "")).body, &stats); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stats.Requests, want) || stats.Total != 10 {
		t.Fatalf("stats %+v", stats)
	}

	expectStatus(t, e.send(e.request(http.MethodPost, "/sandbox/reset-counters", "")), http.StatusOK)
	if e.s.TotalRequests() != 0 || len(e.s.RequestCounts()) != 0 {
		t.Fatalf("after reset: %v", e.s.RequestCounts())
	}
	e.do(http.MethodGet, "/v2/customers", "")
	e.s.ResetCounters()
	if e.s.TotalRequests() != 0 {
		t.Fatal("ResetCounters did not reset")
	}
}
