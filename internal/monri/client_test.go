package monri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Tests of every endpoint against the in-process sandbox, which verifies
// signatures, headers and the documented contract.

func TestClientCustomerLifecycle(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, nil)
	ctx := context.Background()

	created, err := c.CreateCustomer(ctx, CustomerFields{
		MerchantCustomerID: ptr("life-1"), Description: ptr("desc"), Email: ptr("ana@example.com"), Name: ptr("Ana"),
		Phone: ptr("+38761000111"), ZipCode: ptr("71000"), City: ptr("Sarajevo"), Address: ptr("Main street 1"), Country: ptr("BA"),
		Metadata: map[string]string{"team": "payments", "owner": "ana"},
	})
	if err != nil {
		t.Fatalf("CreateCustomer: %v", err)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(created.UUID) || created.CreatedAt == "" || created.UpdatedAt == "" {
		t.Fatalf("created = %+v", created)
	}
	srv, ok := s.Customer(created.UUID)
	if !ok || *srv.Name != "Ana" || *srv.Country != "BA" || srv.Metadata["owner"] != "ana" {
		t.Fatalf("sandbox has %+v", srv)
	}

	got, err := c.GetCustomer(ctx, created.UUID)
	if err != nil || got.UUID != created.UUID || *got.Email != "ana@example.com" || got.Metadata["team"] != "payments" {
		t.Fatalf("GetCustomer = %+v, %v", got, err)
	}
	byMID, err := c.GetCustomerByMerchantID(ctx, "life-1")
	if err != nil || byMID.UUID != created.UUID {
		t.Fatalf("GetCustomerByMerchantID = %+v, %v", byMID, err)
	}

	// Set, clear, leave unchanged, and remove one metadata key.
	updated, err := c.UpdateCustomer(ctx, created.UUID, CustomerUpdate{
		Name: Set("Ana Marija"), Phone: Clear(), City: Clear(),
		Metadata: map[string]*string{"owner": nil, "tier": ptr("gold")},
	})
	if err != nil {
		t.Fatalf("UpdateCustomer: %v", err)
	}
	srv, _ = s.Customer(created.UUID)
	switch {
	case srv.Name == nil || *srv.Name != "Ana Marija":
		t.Errorf("name on sandbox = %v", srv.Name)
	case srv.Phone != nil || srv.City != nil:
		t.Errorf("phone/city not cleared on sandbox: %v %v", srv.Phone, srv.City)
	case srv.Email == nil || *srv.Email != "ana@example.com" || srv.Address == nil:
		t.Errorf("unchanged fields changed on sandbox: %+v", srv)
	case !maps.Equal(srv.Metadata, map[string]string{"team": "payments", "tier": "gold"}):
		t.Errorf("metadata on sandbox = %v", srv.Metadata)
	}
	if updated.Phone != nil || *updated.Name != "Ana Marija" || !maps.Equal(updated.Metadata, srv.Metadata) {
		t.Errorf("UpdateCustomer returned %+v", updated)
	}

	// An empty metadata update with ClearMetadata removes every key.
	if _, err := c.UpdateCustomer(ctx, created.UUID, CustomerUpdate{ClearMetadata: true}); err != nil {
		t.Fatalf("clear metadata: %v", err)
	}
	if srv, _ = s.Customer(created.UUID); len(srv.Metadata) != 0 {
		t.Errorf("metadata after ClearMetadata = %v", srv.Metadata)
	}

	if err := c.DeleteCustomer(ctx, created.UUID); err != nil {
		t.Fatalf("DeleteCustomer: %v", err)
	}
	if srv, _ = s.Customer(created.UUID); !srv.Deleted || srv.DeletedAt == nil {
		t.Fatalf("not deleted on sandbox: %+v", srv)
	}
	if _, err := c.GetCustomer(ctx, created.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCustomer after delete: %v, want ErrNotFound", err)
	}
	if _, err := c.GetCustomerByMerchantID(ctx, "life-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCustomerByMerchantID after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteCustomer(ctx, created.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DeleteCustomer: %v, want ErrNotFound", err)
	}
	if _, err := c.UpdateCustomer(ctx, created.UUID, CustomerUpdate{Name: Set("x")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("UpdateCustomer after delete: %v, want ErrNotFound", err)
	}
}

func TestClientDeletedReturnsTrueMode(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{DeletedMode: sandbox.DeletedReturnsTrue}})
	c, _ := newTestClient(t, s, nil)
	ctx := context.Background()
	cu, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("gone-1"), Name: ptr("Gone")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCustomer(ctx, cu.UUID); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() (*Customer, error){
		"GetCustomer":             func() (*Customer, error) { return c.GetCustomer(ctx, cu.UUID) },
		"GetCustomerByMerchantID": func() (*Customer, error) { return c.GetCustomerByMerchantID(ctx, "gone-1") },
		"UpdateCustomer":          func() (*Customer, error) { return c.UpdateCustomer(ctx, cu.UUID, CustomerUpdate{Name: Set("Back")}) },
	} {
		got, err := call()
		var del *DeletedError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &del) {
			t.Errorf("%s: err = %v, want ErrNotFound as *DeletedError", name, err)
			continue
		}
		if !del.Customer.Deleted || del.Customer.DeletedAt == nil || got == nil || got.UUID != cu.UUID {
			t.Errorf("%s: DeletedError carries %+v", name, del.Customer)
		}
	}
	if srv, _ := s.Customer(cu.UUID); *srv.Name != "Gone" {
		t.Errorf("a deleted customer was updated: %+v", srv)
	}
	// Creating again with the freed merchant_customer_id works.
	again, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("gone-1")})
	if err != nil || again.UUID == cu.UUID {
		t.Fatalf("re-create: %+v, %v", again, err)
	}
}

func TestClientDocumentedErrors(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, nil)
	ctx := context.Background()

	t.Run("404", func(t *testing.T) {
		s.ResetCounters()
		_, err := c.GetCustomer(ctx, "00000000-0000-4000-8000-000000000000")
		var apiErr *APIError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &apiErr) || apiErr.HTTPStatus != 404 {
			t.Fatalf("err = %v", err)
		}
		wantErrContains(t, err, "GET /v2/customers/00000000-0000-4000-8000-000000000000", "HTTP 404")
		if n := s.TotalRequests(); n != 1 {
			t.Errorf("a 404 was retried: %d requests", n)
		}
	})

	t.Run("400 invalid-request", func(t *testing.T) {
		s.ResetCounters()
		_, err := c.CreateCustomer(ctx, CustomerFields{Name: ptr(strings.Repeat("n", 51))})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 400 || apiErr.Status != "invalid-request" {
			t.Fatalf("err = %#v", err)
		}
		wantErrContains(t, err, "HTTP 400", "invalid-request", "name is too long (maximum is 50 characters)")
		if n := s.TotalRequests(); n != 1 {
			t.Errorf("a 400 was retried or looked up: %d requests", n)
		}
		// The same on update.
		cu, _ := c.CreateCustomer(ctx, CustomerFields{Name: ptr("ok")})
		_, err = c.UpdateCustomer(ctx, cu.UUID, CustomerUpdate{Country: Set("ba")})
		wantErrContains(t, err, "HTTP 400", "country")
	})

	t.Run("duplicate merchant_customer_id", func(t *testing.T) {
		first, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("dup-1"), Name: ptr("First")})
		if err != nil {
			t.Fatal(err)
		}
		s.ResetCounters()
		_, err = c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("dup-1"), Name: ptr("Second")})
		var dup *DuplicateMerchantCustomerIDError
		if !errors.As(err, &dup) || dup.ExistingUUID != first.UUID || dup.MerchantCustomerID != "dup-1" {
			t.Fatalf("err = %#v", err)
		}
		wantErrContains(t, err, `merchant_customer_id "dup-1" already exists`, "has already been taken")
		if got := s.RequestCounts(); got[sandbox.RouteCreateCustomer] != 1 || got[sandbox.RouteGetByMerchantID] != 1 {
			t.Errorf("requests = %v, want one create and one lookup", got)
		}
		if srv, _ := s.Customer(first.UUID); *srv.Name != "First" {
			t.Errorf("the existing customer was changed: %+v", srv)
		}
	})

	t.Run("401 wrong merchant key", func(t *testing.T) {
		bad, _ := newTestClient(t, s, func(c *Config) { c.MerchantKey = "not-the-key" })
		for name, call := range map[string]func() error{
			"get":  func() error { _, err := bad.GetCustomer(ctx, "00000000-0000-4000-8000-000000000000"); return err },
			"list": func() error { _, err := bad.ListCustomers(ctx, ListParams{Limit: 1}); return err },
			"create": func() error {
				_, err := bad.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("x")})
				return err
			},
			"oauth": func() error { _, err := bad.CreateAccessToken(ctx, nil); return err },
		} {
			s.ResetCounters()
			err := call()
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 401 {
				t.Errorf("%s: err = %v, want a 401 *APIError", name, err)
				continue
			}
			if n := s.TotalRequests(); n != 1 {
				t.Errorf("%s: %d requests, want 1 (401 is never retried nor looked up)", name, n)
			}
			if strings.Contains(err.Error(), "not-the-key") {
				t.Errorf("%s: error echoes the merchant key: %v", name, err)
			}
		}
	})

	t.Run("HTML 502", func(t *testing.T) {
		noRetry, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 0 })
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultHTMLBody, Status: 502}, 1)
		_, err := noRetry.ListCustomers(ctx, ListParams{})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 502 || !apiErr.NotJSON {
			t.Fatalf("err = %#v", err)
		}
		wantErrContains(t, err, "GET /v2/customers", "HTTP 502 Bad Gateway", "non-JSON response", "502 Bad Gateway nginx")
		if strings.ContainsAny(err.Error(), "<>") {
			t.Errorf("error keeps HTML: %v", err)
		}
	})
}

func TestClientMerchantIDPathEscaping(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, rec := newTestClient(t, s, nil)
	ctx := context.Background()
	const mid = "a/b c%d é"
	cu, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr(mid)})
	if err != nil {
		t.Fatal(err)
	}
	rec.reset()
	got, err := c.GetCustomerByMerchantID(ctx, mid)
	if err != nil || got.UUID != cu.UUID || *got.MerchantCustomerID != mid {
		t.Fatalf("GetCustomerByMerchantID(%q) = %+v, %v", mid, got, err)
	}
	if r := rec.all(); len(r) != 1 || r[0].URI != "/v2/merchants/customers/a%2Fb%20c%25d%20%C3%A9" {
		t.Fatalf("sent %+v", r)
	}
	if _, err := c.GetCustomerByMerchantID(ctx, "a/b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a prefix of the id matched: %v", err)
	}
	if _, err := c.GetCustomerByMerchantID(ctx, ""); err == nil {
		t.Fatal("empty merchant_customer_id accepted")
	}
	if _, err := c.GetCustomer(ctx, ""); err == nil {
		t.Fatal("empty uuid accepted")
	}
}

func TestClientPaging(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 20}})
	c, rec := newTestClient(t, s, sequential) // exact sequential requests; concurrent paging: paginate_test.go
	ctx := context.Background()
	uuids := s.SeedCustomers(237, "page")

	all, err := c.ListAllCustomers(ctx, PageOptions{PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 237 {
		t.Fatalf("listed %d customers, want 237", len(all))
	}
	// Newest first, each once.
	for i, cu := range all {
		if cu.UUID != uuids[len(uuids)-1-i] {
			t.Fatalf("item %d is %s, want %s", i, cu.UUID, uuids[len(uuids)-1-i])
		}
	}
	var uris []string
	for _, r := range rec.all() {
		uris = append(uris, r.URI)
	}
	// The server caps each page at 20: paging continues past short pages
	// until an empty one.
	if len(uris) != 13 || uris[0] != "/v2/customers?limit=50&offset=0" || uris[1] != "/v2/customers?limit=50&offset=20" ||
		uris[12] != "/v2/customers?limit=50&offset=237" {
		t.Fatalf("requests: %v", uris)
	}

	capped, err := c.ListAllCustomers(ctx, PageOptions{PageSize: 50, MaxItems: 45})
	if err != nil || len(capped) != 45 {
		t.Fatalf("MaxItems: %d items, %v", len(capped), err)
	}
	page, err := c.ListCustomers(ctx, ListParams{Limit: 5, Offset: 3})
	if err != nil || len(page) != 5 || page[0].UUID != uuids[len(uuids)-4] {
		t.Fatalf("ListCustomers(5, 3): %d items, %v", len(page), err)
	}
	def, err := c.ListCustomers(ctx, ListParams{})
	if err != nil || len(def) != 20 {
		t.Fatalf("ListCustomers default page: %d items (server cap 20), %v", len(def), err)
	}
}

func TestClientPaymentMethods(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 2}})
	c, _ := newTestClient(t, s, nil)
	ctx := context.Background()
	cu, err := c.CreateCustomer(ctx, CustomerFields{Name: ptr("Card holder")})
	if err != nil {
		t.Fatal(err)
	}
	none, err := c.ListAllPaymentMethods(ctx, cu.UUID, PageOptions{})
	if err != nil || len(none) != 0 {
		t.Fatalf("no cards: %v, %v", none, err)
	}
	var want []sandbox.PaymentMethod
	for _, card := range []sandbox.Card{{}, {PAN: "5555555555554444"}, {Expired: true}, {PAN: "4000000000000002"}, {}} {
		pm, err := s.AttachCard(cu.UUID, card)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, pm)
	}
	got, err := c.ListAllPaymentMethods(ctx, cu.UUID, PageOptions{PageSize: 10})
	if err != nil || len(got) != len(want) {
		t.Fatalf("ListAllPaymentMethods: %d items, %v", len(got), err)
	}
	byID := map[string]PaymentMethod{}
	for _, pm := range got {
		byID[pm.ID] = pm
	}
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok || g.MaskedPAN != w.MaskedPAN || g.Token != w.Token || g.ExpirationDate != w.ExpirationDate ||
			g.Expired != w.Expired || g.CustomerUUID != cu.UUID || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(g.Token) {
			t.Errorf("payment method %s: got %+v, want %+v", w.ID, g, w)
		}
		if strings.Contains(fmt.Sprint(g), g.Token) {
			t.Errorf("PaymentMethod prints its token: %v", g)
		}
	}
	page, err := c.ListPaymentMethods(ctx, cu.UUID, ListParams{Limit: 1, Offset: 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("ListPaymentMethods(1, 1): %v, %v", page, err)
	}
	if _, err := c.ListPaymentMethods(ctx, "00000000-0000-4000-8000-000000000000", ListParams{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown customer: %v, want ErrNotFound", err)
	}
	if _, err := c.ListPaymentMethods(ctx, "", ListParams{}); err == nil {
		t.Fatal("empty customer uuid accepted")
	}
}

func TestClientAccessToken(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, rec := newTestClient(t, s, nil)
	ctx := context.Background()
	tok, err := c.CreateAccessToken(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 {
		t.Fatalf("token = %+v", tok)
	}
	if strings.Contains(fmt.Sprintf("%v %+v", tok, tok), tok.AccessToken) {
		t.Fatal("AccessToken prints the token")
	}
	r := rec.all()
	token, key := s.Credentials()
	if len(r) != 1 || r[0].Method != http.MethodPost || r[0].URI != "/v2/oauth" || r[0].HasAuthorization {
		t.Fatalf("sent %+v", r)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["client_id"] != token || body["client_secret"] != key || body["grant_type"] != "client_credentials" ||
		fmt.Sprint(body["scopes"]) != "[customers payment-methods]" {
		t.Fatalf("oauth body %v", body)
	}
	// The token works as a Bearer token on the API.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/v2/customers", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the token was refused: HTTP %d", resp.StatusCode)
	}

	// A single scope.
	if _, err := c.CreateAccessToken(ctx, []string{ScopeCustomers}); err != nil {
		t.Fatal(err)
	}
	// A rejected OAuth call never echoes the request body (client_secret).
	bad, _ := newTestClient(t, s, func(c *Config) { c.MerchantKey = "wrong-secret-4711" })
	_, err = bad.CreateAccessToken(ctx, nil)
	wantErrContains(t, err, "POST /v2/oauth", "HTTP 401", "invalid client_id or client_secret")
	if strings.Contains(err.Error(), "wrong-secret-4711") || strings.Contains(err.Error(), "client_secret\":") {
		t.Fatalf("error echoes the request body: %v", err)
	}
	_, err = c.CreateAccessToken(ctx, []string{"everything"})
	wantErrContains(t, err, "HTTP 400", `unknown scope "everything"`)
	if strings.Contains(err.Error(), key) {
		t.Fatalf("error echoes the merchant key: %v", err)
	}
}

func TestClientHeadersAndDigest(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, rec := newTestClient(t, s, nil)
	ctx := context.Background()
	token, key := s.Credentials()
	cu, err := c.CreateCustomer(ctx, CustomerFields{Name: ptr("Headers")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListCustomers(ctx, ListParams{Limit: 2, Offset: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCustomer(ctx, cu.UUID); err != nil {
		t.Fatal(err)
	}
	r := rec.all()
	if len(r) != 3 {
		t.Fatalf("sent %d requests, want 3", len(r))
	}
	authRE := regexp.MustCompile(`^WP3-v2\.1 (\S+) (\d+) ([0-9a-f]{128})$`)
	for _, q := range r {
		if q.UA != "terraform-provider-monri/test (client_test)" || q.Accept != "application/json" || q.ContentType != "application/json" {
			t.Errorf("%s %s headers: UA %q Accept %q Content-Type %q", q.Method, q.URI, q.UA, q.Accept, q.ContentType)
		}
		m := authRE.FindStringSubmatch(q.Authorization)
		if m == nil || m[1] != token {
			t.Errorf("%s %s Authorization %q", q.Method, q.URI, q.Authorization)
			continue
		}
		var ts int64
		_, _ = fmt.Sscan(m[2], &ts)
		if want := Digest(key, token, ts, q.URI, []byte(q.Body)); m[3] != want {
			t.Errorf("%s %s digest %s, want one over path+query and body %s", q.Method, q.URI, m[3], want)
		}
		if d := time.Since(time.Unix(ts, 0)); d < -2*time.Second || d > 10*time.Second {
			t.Errorf("timestamp %d is not now", ts)
		}
	}
	// The list's digest covers the query string; the sandbox accepted it.
	list := r[1]
	if list.URI != "/v2/customers?limit=2&offset=1" {
		t.Fatalf("list URI %q", list.URI)
	}
	ts := strings.Fields(list.Authorization)[2]
	var sec int64
	_, _ = fmt.Sscan(ts, &sec)
	if strings.HasSuffix(list.Authorization, Digest(key, token, sec, "/v2/customers", nil)) {
		t.Fatal("the digest ignores the query string")
	}
	if r[0].Body == "" || r[2].Body != "" {
		t.Fatalf("bodies: create %q, delete %q", r[0].Body, r[2].Body)
	}
}

// stepClock is a shared fake clock: the sandbox reads it, and every signature
// the client makes advances it by step first.
type stepClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) Tick() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func TestClientRetriesAreResigned(t *testing.T) {
	t.Parallel()
	clock := &stepClock{t: time.Now().Truncate(time.Second), step: time.Minute}
	// A signature is accepted for 30 s, and each attempt happens one
	// (simulated) minute after the previous one: re-using a signature fails.
	s := startSandbox(t, sandbox.Options{Now: clock.Now, TimestampTolerance: 30 * time.Second})
	c, rec := newTestClient(t, s, func(c *Config) { c.Now = clock.Tick })
	ctx := context.Background()

	cu, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("resign")})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := c.GetCustomer(ctx, cu.UUID); return err },
		"update": func() error { _, err := c.UpdateCustomer(ctx, cu.UUID, CustomerUpdate{Name: Set("x")}); return err },
		"list":   func() error { _, err := c.ListCustomers(ctx, ListParams{Limit: 5}); return err },
		"create": func() error {
			_, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("resign-create")})
			return err
		},
	} {
		rec.reset()
		s.InjectFault("", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 2)
		if err := call(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		seen := map[string]bool{}
		for _, q := range rec.all() {
			ts := strings.Fields(q.Authorization)[2]
			if seen[ts] {
				t.Errorf("%s: timestamp %s signed twice: %+v", name, ts, rec.all())
			}
			seen[ts] = true
		}
		if len(seen) < 3 {
			t.Errorf("%s: %d attempts, want at least 3", name, len(seen))
		}
	}
	// Control: the first attempt's signature, replayed now, is refused.
	rec.reset()
	s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1)
	if _, err := c.GetCustomer(ctx, cu.UUID); err != nil {
		t.Fatal(err)
	}
	first := rec.all()[0]
	clock.Tick()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+first.URI, nil)
	req.Header.Set("Authorization", first.Authorization)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a stale signature was accepted (HTTP %d): the test would not notice a client that re-uses it", resp.StatusCode)
	}
}

func TestClientConcurrentUse(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 8 })
	ctx := context.Background()
	// Transient faults on a tenth of all requests, creates included.
	s.SetFaultRate(0.1, []sandbox.Fault{
		{Kind: sandbox.FaultStatus, Status: 503},
		{Kind: sandbox.FaultDrop},
		{Kind: sandbox.FaultDrop, AfterHandling: true},
		{Kind: sandbox.FaultStatus, Status: 429},
	}, 42)
	const workers = 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mid := fmt.Sprintf("conc-%02d", i)
			cu, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: &mid, Name: ptr("Worker")})
			if err != nil {
				errs <- fmt.Errorf("%s create: %w", mid, err)
				return
			}
			if _, err := c.UpdateCustomer(ctx, cu.UUID, CustomerUpdate{Name: Set(mid), Metadata: map[string]*string{"i": &mid}}); err != nil {
				errs <- fmt.Errorf("%s update: %w", mid, err)
				return
			}
			if got, err := c.GetCustomerByMerchantID(ctx, mid); err != nil || got.UUID != cu.UUID || *got.Name != mid {
				errs <- fmt.Errorf("%s lookup: %+v %w", mid, got, err)
				return
			}
			if _, err := c.ListCustomers(ctx, ListParams{Limit: 10}); err != nil {
				errs <- fmt.Errorf("%s list: %w", mid, err)
				return
			}
			if i%2 == 0 {
				if err := c.DeleteCustomer(ctx, cu.UUID); err != nil && !errors.Is(err, ErrNotFound) {
					errs <- fmt.Errorf("%s delete: %w", mid, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s.ClearFaults()
	live := s.LiveCustomers()
	var mids []string
	for _, cu := range live {
		mids = append(mids, *cu.MerchantCustomerID)
		if *cu.Name != *cu.MerchantCustomerID {
			t.Errorf("customer %s: name %q", *cu.MerchantCustomerID, *cu.Name)
		}
	}
	slices.Sort(mids)
	if len(live) != workers/2 || len(s.Customers()) != workers {
		t.Fatalf("%d live of %d customers (%v), want %d of %d: duplicates or losses", len(live), len(s.Customers()), mids, workers/2, workers)
	}
	t.Logf("faults injected %d, requests %d, retries %d", s.FaultsInjected(), s.TotalRequests(), c.Retries())
	if s.FaultsInjected() == 0 || c.Retries() == 0 {
		t.Fatal("no faults were injected: the test proves nothing")
	}
}
