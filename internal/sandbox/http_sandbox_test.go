package sandbox

import (
	"bytes"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestSandboxEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	uuid := str(e.create(map[string]any{"merchant_customer_id": "sb"})["uuid"])
	sandbox := func(method, path, body string) response {
		req := e.request(method, path, body)
		req.Header.Del("Accept") // no API header rules here
		return e.send(req)
	}

	r := sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/payment-methods", `{"pan":"5555555555554444","expiration_date":"2028-02"}`)
	expectStatus(t, r, http.StatusOK)
	m := r.object(t)
	if m["masked_pan"] != "555555******4444" || m["expiration_date"] != "2028-02-29" || m["expired"] != false || !isHex(str(m["token"])) {
		t.Fatalf("attached %v", m)
	}
	r = sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/payment-methods", `{"expired":true}`)
	if expectStatus(t, r, http.StatusOK); r.object(t)["expired"] != true {
		t.Fatalf("expired card: %s", r.body)
	}
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/payment-methods", ``), http.StatusOK)
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/payment-methods", `{"expiration_date":"12/2030"}`), 400, "expiration_date")
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/payment-methods", `{"pan":"12"}`), 400, "PAN")
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/payment-methods", `{"cvv":"123"}`), 400, "cvv")
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/nope/payment-methods", `{}`), 404, "Customer not found")
	if n := len(e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", "").data(t)); n != 3 {
		t.Fatalf("%d payment methods", n)
	}

	// Faults.
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/faults", `{"route":"GET /v2/customers","kind":"status","status":503,"retry_after_seconds":1,"count":2}`), http.StatusOK)
	for range 2 {
		r := e.do(http.MethodGet, "/v2/customers", "")
		if r.status != 503 || r.header.Get("Retry-After") != "1" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	}
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/faults", `{"kind":"html"}`), http.StatusOK)
	if r := e.do(http.MethodGet, "/v2/customers/"+uuid, ""); r.status != 502 {
		t.Fatalf("html fault: %d", r.status)
	}
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/faults", `{"rate":1,"faults":[{"kind":"status","status":500}],"seed":3}`), http.StatusOK)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), 500)
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/faults", `{"rate":0}`), http.StatusOK)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/faults", `{"kind":"slow","delay_ms":20,"count":3}`), http.StatusOK)
	expectStatus(t, sandbox(http.MethodPost, "/sandbox/faults/clear", ``), http.StatusOK)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK) // cleared: no fault
	for _, bad := range []string{`{"kind":"explode"}`, `{"route":"GET /v3/x"}`, `{"rate":2}`, `{"status":42}`, `{"count":-1}`, `{"delay_ms":-5}`, `{"extra":1}`} {
		expectError(t, sandbox(http.MethodPost, "/sandbox/faults", bad), 400)
	}
	if e.s.FaultsInjected() != 4 {
		t.Fatalf("FaultsInjected = %d", e.s.FaultsInjected())
	}

	// Out-of-band metadata: keys set and removed, others kept.
	e.s.EditCustomer(uuid, func(c *Customer) { c.Metadata = map[string]string{"tier": "gold", "old": "x"} })
	r = sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/metadata", `{"metadata":{"crm_id":"42","old":null}}`)
	expectStatus(t, r, http.StatusOK)
	if c, _ := e.s.Customer(uuid); !maps.Equal(c.Metadata, map[string]string{"tier": "gold", "crm_id": "42"}) {
		t.Fatalf("metadata after the drift endpoint: %v", c.Metadata)
	}
	if got := e.do(http.MethodGet, "/v2/customers/"+uuid, ""); !bytes.Contains(got.body, []byte(`"crm_id":"42"`)) {
		t.Fatalf("the API does not show the drifted key: %s", got.body)
	}
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/metadata", `{}`), http.StatusBadRequest, "metadata is required")
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/metadata", `{"metadata":{"":"x"}}`), http.StatusBadRequest, "must not be empty")
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/metadata", `{"metadata":{"a":1}}`), http.StatusBadRequest)
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/nope/metadata", `{"metadata":{"a":"b"}}`), http.StatusNotFound)

	// Out-of-band delete.
	r = sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/delete", ``)
	expectStatus(t, r, http.StatusOK)
	expectStatus(t, e.do(http.MethodGet, "/v2/customers/"+uuid, ""), http.StatusNotFound)
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/"+uuid+"/delete", ``), http.StatusConflict, "already deleted")
	expectError(t, sandbox(http.MethodPost, "/sandbox/customers/nope/delete", ``), http.StatusNotFound)
	expectError(t, sandbox(http.MethodGet, "/sandbox/unknown", ``), http.StatusNotFound)

	// None of this counted as API requests beyond the e.do calls.
	if got := e.s.RequestCounts()[RouteListCustomers]; got != 6 {
		t.Fatalf("list count %d", got)
	}
}

func TestSandboxEndpointsLoopbackOnly(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/sandbox/stats", nil) // RemoteAddr 192.0.2.1
	req.Host = "127.0.0.1"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "loopback") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, addr := range []string{"127.0.0.1:5555", "[::1]:5555", ""} {
		req.RemoteAddr = addr
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%q: %d", addr, rec.Code)
		}
	}
}

func TestClosedServer(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/v2/customers", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("closed server answered %d", rec.Code)
	}
}

func TestNewOptions(t *testing.T) {
	for _, bad := range []Options{
		{Variants: Variants{MaxPageSize: -1}}, {TimestampTolerance: -1}, {TokenTTL: -1}, {Latency: -1},
		{Variants: Variants{DeletedMode: 7}}, {AuthenticityToken: "has space"},
	} {
		if s, err := New(bad); err == nil {
			_ = s.Close()
			t.Fatalf("New(%+v) succeeded", bad)
		}
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if tok, key := s.Credentials(); tok != DefaultAuthenticityToken || key != DefaultMerchantKey {
		t.Fatalf("credentials %q %q", tok, key)
	}
}

func TestCountryCodes(t *testing.T) {
	codes := CountryCodes()
	if len(codes) != 249 {
		t.Fatalf("%d codes, want 249", len(codes))
	}
	if !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != 249 {
		t.Fatal("codes not sorted and unique")
	}
	for _, c := range codes {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || !IsCountryCode(c) {
			t.Fatalf("bad code %q", c)
		}
	}
	for _, c := range []string{"BA", "HR", "RS", "SI", "ME", "MK", "GB", "US", "DE", "AX", "BQ", "CW", "SS", "SX", "ZW"} {
		if !IsCountryCode(c) {
			t.Fatalf("%s should be valid", c)
		}
	}
	for _, c := range []string{"XK", "UK", "EU", "AN", "YU", "CS", "ba", "Ba", "BIH", "", "XX", "ZZ", "AA"} {
		if IsCountryCode(c) {
			t.Fatalf("%q should be invalid", c)
		}
	}
	codes[0] = "XX"
	if CountryCodes()[0] != "AD" {
		t.Fatal("CountryCodes returned shared storage")
	}
}

// A request addressed to a name that is not a loopback one (a web page's
// own name resolving to 127.0.0.1: DNS rebinding) is refused on every
// route, the export included, unless AllowRemote; loopback names pass.
func TestForeignHostRefused(t *testing.T) {
	e := newEnv(t, Options{})
	uuid := str(e.create(map[string]any{"merchant_customer_id": "dns-rebinding"})["uuid"])
	_, port, _ := strings.Cut(strings.TrimPrefix(e.s.URL(), "http://"), ":")
	for _, path := range []string{"/sandbox/export", "/sandbox/stats", "/v2/customers", "/v2/customers/" + uuid} {
		for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1.evil.example:" + port, "localhost.evil.example", "192.168.1.10:" + port} {
			req := e.request(http.MethodGet, path, "")
			req.Host = host
			e.sign(req, "")
			r := e.send(req)
			expectError(t, r, http.StatusForbidden, "-allow-remote")
			if strings.Contains(string(r.body), uuid) {
				t.Fatalf("%s for Host %s answered the store: %s", path, host, r.body)
			}
		}
		for _, host := range []string{"localhost:" + port, "LOCALHOST", "127.0.0.1:" + port, "127.0.0.2", "[::1]:" + port, "[::1]"} {
			req := e.request(http.MethodGet, path, "")
			req.Host = host
			e.sign(req, "")
			expectStatus(t, e.send(req), http.StatusOK)
		}
	}
	// A POST from a foreign Host changes nothing.
	req := e.request(http.MethodPost, "/sandbox/customers/"+uuid+"/delete", "")
	req.Host = "evil.example"
	expectStatus(t, e.send(req), http.StatusForbidden)
	if c, _ := e.s.Customer(uuid); c.Deleted {
		t.Fatal("a foreign Host deleted a customer")
	}

	remote := newEnv(t, Options{AllowRemote: true})
	for _, path := range []string{"/sandbox/stats", "/v2/customers"} {
		req := remote.request(http.MethodGet, path, "")
		req.Host = "sandbox.internal:8080"
		remote.sign(req, "")
		expectStatus(t, remote.send(req), http.StatusOK)
	}
}

// The /sandbox/ endpoints take POSTs with Content-Type application/json
// only: a web page can send a form or text/plain POST anywhere without a
// CORS preflight, and must not inject faults, clear them or delete
// customers that way.
func TestSandboxPostNeedsJSON(t *testing.T) {
	e := newEnv(t, Options{})
	uuid := str(e.create(map[string]any{"merchant_customer_id": "csrf"})["uuid"])
	posts := []struct{ path, body string }{
		{"/sandbox/faults", `{"route":"GET /v2/customers","kind":"status","status":500,"count":5}`},
		{"/sandbox/faults/clear", ``},
		{"/sandbox/reset-counters", ``},
		{"/sandbox/customers/" + uuid + "/delete", ``},
		{"/sandbox/customers/" + uuid + "/metadata", `{"metadata":{"a":"b"}}`},
		{"/sandbox/customers/" + uuid + "/payment-methods", `{}`},
	}
	for _, p := range posts {
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/json-seq"} {
			req := e.request(http.MethodPost, p.path, p.body)
			if ct == "" {
				req.Header.Del("Content-Type")
			} else {
				req.Header.Set("Content-Type", ct)
			}
			expectError(t, e.send(req), http.StatusUnsupportedMediaType, "application/json")
		}
	}
	// No fault was injected: the listing answers.
	expectStatus(t, e.do(http.MethodGet, "/v2/customers", ""), http.StatusOK)
	if e.s.FaultsInjected() != 0 {
		t.Fatal("a non-JSON POST injected faults")
	}
	if c, _ := e.s.Customer(uuid); c.Deleted {
		t.Fatal("a non-JSON POST deleted a customer")
	}
	var dump bytes.Buffer
	if err := e.s.Export(&dump); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump.String(), `"customer_uuid"`) || !strings.Contains(dump.String(), `"payment_methods": []`) {
		t.Fatalf("a non-JSON POST attached a card: %s", dump.String())
	}
	req := e.request(http.MethodPost, "/sandbox/customers/"+uuid+"/delete", "")
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	expectStatus(t, e.send(req), http.StatusOK)
}
