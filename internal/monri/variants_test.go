package monri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// These tests cover what Monri's documents leave open: each answers the
// client the way the live API might, with a canned server, and checks that
// the client copes. (The provider's acceptance tests run the same variants
// against the sandbox.)

// cannedClient is a client for a test server answering with handler, and
// a function returning the request URIs so far.
func cannedClient(t *testing.T, handler http.HandlerFunc) (*Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var uris []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, AuthenticityToken: "tok", MerchantKey: "key", MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(uris)
	}
}

func customerJSON(uuid string, extra string) string {
	return `{"status":"approved","uuid":"` + uuid + `","merchant_customer_id":null,"description":null,"email":null,` +
		`"name":null,"phone":null,"zip_code":null,"city":null,"address":null,"country":null,"metadata":{},` +
		`"created_at":"2019-02-12T11:22:33Z","updated_at":"2019-02-12T11:22:33Z","deleted_at":null` + extra + `}`
}

// "deleted" arrives as a boolean (docs, Android SDK) or a string (iOS SDK).
func TestDecodeDeletedForms(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want bool
	}{
		{`true`, true}, {`false`, false}, {`"true"`, true}, {`"false"`, false}, {`null`, false}, {` "true" `, true},
	} {
		var c Customer
		if err := json.Unmarshal([]byte(`{"uuid":"u","deleted":`+tc.raw+`}`), &c); err != nil {
			t.Fatalf("deleted %s: %v", tc.raw, err)
		}
		if c.Deleted != tc.want {
			t.Errorf("deleted %s: got %v", tc.raw, c.Deleted)
		}
	}
	for _, bad := range []string{`"yes"`, `1`, `{}`} {
		var c Customer
		err := json.Unmarshal([]byte(`{"uuid":"u","deleted":`+bad+`}`), &c)
		if err == nil || !strings.Contains(err.Error(), "expected true or false") {
			t.Errorf("deleted %s: error %v", bad, err)
		}
	}
	// Everywhere a customer is read: a GET answering "deleted": "true" is a
	// deleted customer, and a delete answering "deleted": "false" is refused.
	c, _ := cannedClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			_, _ = fmt.Fprint(w, customerJSON("u1", `,"deleted":"true"`))
		case http.MethodDelete:
			_, _ = fmt.Fprint(w, `{"status":"approved","uuid":"u1","deleted":"false"}`)
		}
	})
	var de *DeletedError
	if _, err := c.GetCustomer(context.Background(), "u1"); !errors.As(err, &de) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("GET with \"deleted\": \"true\": %v", err)
	}
	if err := c.DeleteCustomer(context.Background(), "u1"); err == nil || !strings.Contains(err.Error(), `"deleted": false`) {
		t.Fatalf("DELETE answered \"deleted\": \"false\": %v", err)
	}
}

// Timestamps are kept as Monri sends them, whatever the form.
func TestTimestampsKeptVerbatim(t *testing.T) {
	for _, ts := range []string{"2019-02-12T11:22:33Z", "2019-02-12T11:22:33+02:00", "2019-02-12T11:22:33.675+02:00",
		"2019-02-12T09:22:33.675123Z", "2019-02-12 11:22:33"} {
		var c Customer
		raw := `{"uuid":"u","created_at":"` + ts + `","updated_at":"` + ts + `","deleted_at":"` + ts + `"}`
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			t.Fatalf("%s: %v", ts, err)
		}
		if c.CreatedAt != ts || c.UpdatedAt != ts || c.DeletedAt == nil || *c.DeletedAt != ts {
			t.Errorf("%s: got %q %q %v", ts, c.CreatedAt, c.UpdatedAt, c.DeletedAt)
		}
	}
}

// List items and delete answers may carry the identifier as "uuid", "id",
// both, or (delete) neither.
func TestKeyForms(t *testing.T) {
	for _, form := range []string{`"uuid":"u1"`, `"id":"u1"`, `"uuid":"u1","id":"u1"`} {
		c, _ := cannedClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("offset") != "0" {
				_, _ = fmt.Fprint(w, `{"status":"approved","data":[]}`)
				return
			}
			_, _ = fmt.Fprint(w, `{"status":"approved","data":[{`+form+`,"name":"A","deleted":false}]}`)
		})
		got, err := c.ListAllCustomers(context.Background(), PageOptions{PageSize: 10})
		if err != nil || len(got) != 1 || got[0].UUID != "u1" {
			t.Errorf("list item {%s}: %v %+v", form, err, got)
		}
	}
	for _, answer := range []string{`{"status":"approved","id":"u1","deleted":true}`, `{"status":"approved","uuid":"u1","deleted":true}`,
		`{"status":"approved","uuid":"u1","id":"u1","deleted":true}`, `{"status":"approved","deleted":true}`, `{"status":"approved"}`} {
		c, _ := cannedClient(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprint(w, answer) })
		if err := c.DeleteCustomer(context.Background(), "u1"); err != nil {
			t.Errorf("delete answered %s: %v", answer, err)
		}
	}
}

// A server that answers 400 to a limit above its maximum (instead of capping
// it) is paged with the documented default for the rest of the client's life.
func TestListLimitRejected(t *testing.T) {
	const total = 130
	c, uris := cannedClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		if limit > 50 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprint(w, `{"status":"invalid-request","message":"limit must be less than or equal to 50"}`)
			return
		}
		var items []string
		for i := offset; i < min(offset+limit, total); i++ {
			items = append(items, fmt.Sprintf(`{"uuid":"c%03d"}`, i))
		}
		_, _ = fmt.Fprintf(w, `{"status":"approved","data":[%s]}`, strings.Join(items, ","))
	})
	got, err := c.ListAllCustomers(context.Background(), PageOptions{PageSize: 100, MaxConcurrentPages: 1})
	if err != nil || len(got) != total {
		t.Fatalf("%d customers, %v; want %d", len(got), err, total)
	}
	want := []string{"GET /v2/customers?limit=100&offset=0", "GET /v2/customers?limit=50&offset=0",
		"GET /v2/customers?limit=50&offset=50", "GET /v2/customers?limit=50&offset=100", "GET /v2/customers?limit=50&offset=130"}
	if !slices.Equal(uris(), want) {
		t.Fatalf("requests %q, want %q", uris(), want)
	}
	// The next listing asks for 50 at once: no second 400.
	if _, err := c.ListCustomers(context.Background(), ListParams{Limit: 100}); err != nil {
		t.Fatal(err)
	}
	if last := uris()[len(uris())-1]; last != "GET /v2/customers?limit=50&offset=0" {
		t.Fatalf("after the fallback the client sent %q", last)
	}
	// A 400 to a limit within the default is an error as before.
	c2, uris2 := cannedClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprint(w, `{"status":"invalid-request","message":"offset is invalid"}`)
	})
	_, err = c2.ListAllCustomers(context.Background(), PageOptions{PageSize: 100})
	wantErrContains(t, err, "HTTP 400", "offset is invalid")
	if n := len(uris2()); n != 2 {
		t.Fatalf("%d requests for a 400 that is not about the limit; want 2 (limit 100, then 50): %q", n, uris2())
	}
}

// A server that answers an empty list for the cards of a customer that does
// not exist: one GET of the customer, only when the listing is empty.
func TestPaymentMethodsOfUnknownCustomer(t *testing.T) {
	cards := map[string]int{"live-empty": 0, "live-cards": 3}
	c, uris := cannedClient(t, func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/customers/"), "/")
		n, known := cards[parts[0]]
		switch {
		case len(parts) == 2: // payment methods: never a 404
			offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			var items []string
			for i := offset; i < n; i++ {
				items = append(items, fmt.Sprintf(`{"id":"pm%d","token":"pm%d"}`, i, i))
			}
			_, _ = fmt.Fprintf(w, `{"status":"approved","data":[%s]}`, strings.Join(items, ","))
		case parts[0] == "deleted":
			_, _ = fmt.Fprint(w, customerJSON("deleted", `,"deleted":true`))
		case known:
			_, _ = fmt.Fprint(w, customerJSON(parts[0], `,"deleted":false`)) //nolint:gosec // G705: a test server's JSON answer, not HTML.
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = fmt.Fprint(w, `{"status":"invalid-request","message":"Customer not found"}`)
		}
	})
	ctx := context.Background()
	for _, tc := range []struct {
		uuid     string
		cards    int
		notFound bool
		requests []string
	}{
		{"live-cards", 3, false, []string{"GET /v2/customers/live-cards/payment-methods?limit=100&offset=0", "GET /v2/customers/live-cards/payment-methods?limit=100&offset=3"}},
		{"live-empty", 0, false, []string{"GET /v2/customers/live-empty/payment-methods?limit=100&offset=0", "GET /v2/customers/live-empty"}},
		{"unknown", 0, true, []string{"GET /v2/customers/unknown/payment-methods?limit=100&offset=0", "GET /v2/customers/unknown"}},
		{"deleted", 0, true, []string{"GET /v2/customers/deleted/payment-methods?limit=100&offset=0", "GET /v2/customers/deleted"}},
	} {
		before := len(uris())
		pms, err := c.ListAllPaymentMethods(ctx, tc.uuid, PageOptions{})
		if tc.notFound != errors.Is(err, ErrNotFound) || (!tc.notFound && err != nil) || len(pms) != tc.cards {
			t.Errorf("%s: %d cards, %v", tc.uuid, len(pms), err)
		}
		if got := uris()[before:]; !slices.Equal(got, tc.requests) {
			t.Errorf("%s: requests %q, want %q", tc.uuid, got, tc.requests)
		}
	}
}

// A delete answered 400 for a customer that is already deleted is confirmed
// with a GET; any other 400 stays an error.
func TestDeleteAnswered400(t *testing.T) {
	for _, tc := range []struct {
		name, get string
		getStatus int
		gone      bool
	}{
		{"gone, 404", `{"status":"invalid-request","message":"Customer not found"}`, 404, true},
		{"gone, deleted true", customerJSON("u1", `,"deleted":true,"deleted_at":"2019-02-12T11:22:33Z"`), 200, true},
		{"gone, deleted \"true\"", customerJSON("u1", `,"deleted":"true"`), 200, true},
		{"live", customerJSON("u1", `,"deleted":false`), 200, false},
		{"get fails", `{"status":"invalid-request","message":"Forbidden"}`, 403, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, uris := cannedClient(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete {
					w.WriteHeader(http.StatusBadRequest)
					_, _ = fmt.Fprint(w, `{"status":"invalid-request","message":"Customer is already deleted"}`)
					return
				}
				w.WriteHeader(tc.getStatus)
				_, _ = fmt.Fprint(w, tc.get)
			})
			err := c.DeleteCustomer(context.Background(), "u1")
			var ad *AlreadyDeletedError
			if tc.gone {
				if !errors.Is(err, ErrNotFound) || !errors.As(err, &ad) {
					t.Fatalf("want already deleted (ErrNotFound), got %v", err)
				}
			} else {
				if errors.Is(err, ErrNotFound) {
					t.Fatalf("a 400 for a customer that is not gone became not found: %v", err)
				}
				wantErrContains(t, err, "HTTP 400", "Customer is already deleted")
			}
			if want := []string{"DELETE /v2/customers/u1", "GET /v2/customers/u1"}; !slices.Equal(uris(), want) {
				t.Fatalf("requests %q, want %q", uris(), want)
			}
		})
	}
}

// An update that clears a field Monri keeps is reported, naming the field.
func TestUpdateFieldsKept(t *testing.T) {
	c, _ := cannedClient(t, func(w http.ResponseWriter, _ *http.Request) {
		// A server that ignores nulls: it still has the phone, the city and
		// metadata key "a"; it applied the name and removed "b".
		_, _ = fmt.Fprint(w, `{"status":"approved","uuid":"u1","name":"New","phone":"+387 61 000","city":"Sarajevo",`+
			`"email":null,"metadata":{"a":"1"},"deleted":false,"created_at":"2019-02-12T11:22:33Z","updated_at":"2019-02-12T11:22:34Z"}`)
	})
	_, err := c.UpdateCustomer(context.Background(), "u1", CustomerUpdate{Name: Set("New"), Phone: Clear(), City: Clear(), Email: Clear(),
		Metadata: map[string]*string{"a": nil, "b": nil}})
	var kept *FieldsKeptError
	if !errors.As(err, &kept) {
		t.Fatalf("want *FieldsKeptError, got %v", err)
	}
	if want := []string{"phone", "city", "metadata.a"}; !slices.Equal(kept.Fields, want) {
		t.Fatalf("kept %q, want %q", kept.Fields, want)
	}
	if kept.Customer == nil || *kept.Customer.Name != "New" || *kept.Customer.Phone != "+387 61 000" {
		t.Fatalf("the error must carry what Monri answered: %+v", kept.Customer)
	}
	// "metadata": null that leaves keys behind is reported too.
	_, err = c.UpdateCustomer(context.Background(), "u1", CustomerUpdate{ClearMetadata: true})
	if !errors.As(err, &kept) || !slices.Equal(kept.Fields, []string{"phone", "city", "metadata.a"}) && !slices.Equal(kept.Fields, []string{"metadata.a"}) {
		t.Fatalf("ClearMetadata kept: %v", err)
	}
	// Clearing what the answer no longer has is fine.
	_, err = c.UpdateCustomer(context.Background(), "u1", CustomerUpdate{Email: Clear(), Metadata: map[string]*string{"b": nil}})
	if err != nil {
		t.Fatalf("honoured clears reported: %v", err)
	}
}

// secretLog records the secrets a client registers with its logger.
type secretLog struct {
	mu      sync.Mutex
	secrets []string
}

func (l *secretLog) LogRequest(context.Context, RequestLog) {}
func (l *secretLog) AddSecret(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.secrets = append(l.secrets, s)
}

// With authentication = access_token, one token is shared by concurrent
// requests, renewed before it expires and once on a 401, sent as Bearer and
// registered with the logger before use.
func TestAccessTokenAuthentication(t *testing.T) {
	var serverNow atomic.Int64
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	serverNow.Store(start.UnixNano())
	s := startSandbox(t, sandbox.Options{TokenTTL: 10 * time.Minute, Now: func() time.Time { return time.Unix(0, serverNow.Load()) }})
	var clientNow atomic.Int64
	clientNow.Store(start.UnixNano())
	logs := &secretLog{}
	c, rec := newTestClient(t, s, func(cfg *Config) {
		cfg.Authentication = AuthAccessToken
		cfg.Now = func() time.Time { return time.Unix(0, clientNow.Load()) }
		cfg.Logger = logs
	})
	ctx := context.Background()
	cu, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("bearer-1")})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := c.GetCustomer(ctx, cu.UUID); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := s.RequestCount(sandbox.RouteOAuth); n != 1 {
		t.Fatalf("%d token requests for 21 concurrent requests; want 1", n)
	}
	var tokens []string
	for _, r := range rec.all() {
		switch {
		case r.URI == "/v2/oauth":
			if r.HasAuthorization {
				t.Fatalf("the token request carried an Authorization header")
			}
			if !strings.Contains(r.Body, `"scopes":["customers","payment-methods"]`) {
				t.Fatalf("token request body lacks both scopes: %s", strings.ReplaceAll(r.Body, "sandbox-merchant-key", "***"))
			}
		case !strings.HasPrefix(r.Authorization, "Bearer "):
			t.Fatalf("%s %s sent %q, want a Bearer token", r.Method, r.URI, strings.SplitN(r.Authorization, " ", 2)[0])
		default:
			tokens = append(tokens, strings.TrimPrefix(r.Authorization, "Bearer "))
		}
	}
	slices.Sort(tokens)
	if tokens = slices.Compact(tokens); len(tokens) != 1 || !slices.Equal(logs.secrets, tokens) {
		t.Fatalf("%d distinct tokens sent, %d registered with the logger; want the same one", len(tokens), len(logs.secrets))
	}

	// Renewed before expiry: 10 min lifetime, renewed a minute early.
	clientNow.Store(start.Add(9*time.Minute + time.Second).UnixNano())
	serverNow.Store(start.Add(9*time.Minute + time.Second).UnixNano())
	if _, err := c.GetCustomer(ctx, cu.UUID); err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount(sandbox.RouteOAuth); n != 2 {
		t.Fatalf("%d token requests after 9m01s of a 10m token; want 2 (renewed early)", n)
	}

	// A token the server no longer accepts (its clock ran ahead): one 401,
	// one renewal, the request again.
	serverNow.Store(start.Add(30 * time.Minute).UnixNano())
	s.ResetCounters()
	if _, err := c.GetCustomer(ctx, cu.UUID); err != nil {
		t.Fatalf("after a 401 the token should be renewed: %v", err)
	}
	if got := s.RequestCounts(); got[sandbox.RouteOAuth] != 1 || got[sandbox.RouteGetCustomer] != 2 {
		t.Fatalf("requests %v; want one renewal and the GET twice", got)
	}

	// A 401 that renewal does not cure is reported, once renewed.
	s.ResetCounters()
	s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 401}, 2)
	_, err = c.GetCustomer(ctx, cu.UUID)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 401 || apiErr.Authentication != AuthAccessToken {
		t.Fatalf("want a 401 APIError under access_token, got %#v", err)
	}
	if got := s.RequestCounts(); got[sandbox.RouteOAuth] != 1 || got[sandbox.RouteGetCustomer] != 2 {
		t.Fatalf("requests %v; want one renewal and the GET twice", got)
	}
	for _, l := range logs.secrets {
		if strings.Contains(err.Error(), l) {
			t.Fatal("the error contains the access token")
		}
	}
}

// Under signature, a 401 says how the request was authenticated, so the
// provider can suggest access tokens; a failed token request is an
// *AccessTokenError and never leads to a create.
func TestAuthenticationErrors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, nil)
	s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 401}, 1)
	_, err := c.GetCustomer(context.Background(), "u1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 401 || apiErr.Authentication != AuthSignature {
		t.Fatalf("want a 401 APIError under signature, got %v", err)
	}

	c2, _ := newTestClient(t, s, func(cfg *Config) { cfg.Authentication = AuthAccessToken; cfg.MerchantKey = "wrong" })
	s.ResetCounters()
	_, err = c2.CreateCustomer(context.Background(), CustomerFields{MerchantCustomerID: ptr("never")})
	var tokErr *AccessTokenError
	if !errors.As(err, &tokErr) || !errors.As(err, &apiErr) || apiErr.HTTPStatus != 401 {
		t.Fatalf("want *AccessTokenError wrapping the 401, got %v", err)
	}
	if got := s.RequestCounts(); got[sandbox.RouteCreateCustomer] != 0 || got[sandbox.RouteGetByMerchantID] != 0 {
		t.Fatalf("requests %v: nothing but the token request may be sent", got)
	}
	wantErrContains(t, err, "obtaining an OAuth access token")

	if _, err := New(Config{BaseURL: s.URL(), AuthenticityToken: "a", MerchantKey: "b", Authentication: "oauth"}); err == nil ||
		!strings.Contains(err.Error(), `"signature" and "access_token"`) {
		t.Fatalf("unknown authentication: %v", err)
	}
}

// A create whose context ends while its outcome is unknown, before the
// lookup by merchant_customer_id could be made, says so (it used to print
// "%!w(<nil>)" for the lookup's error).
func TestCreateDeadlineBeforeLookup(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, nil)
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultSlow, Delay: 2 * time.Second, AfterHandling: true}, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("deadline-1")})
	var unknown *UnknownOutcomeError
	if !errors.As(err, &unknown) || unknown.MerchantCustomerID != "deadline-1" {
		t.Fatalf("want *UnknownOutcomeError for deadline-1, got %v", err)
	}
	if strings.Contains(err.Error(), "%!") {
		t.Fatalf("malformed error: %v", err)
	}
	wantErrContains(t, err, "could not be looked up by merchant_customer_id", "context deadline exceeded")
}
