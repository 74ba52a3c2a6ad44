package monri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDigestDocumentedVector(t *testing.T) {
	// The worked example from Monri's Customers API documentation.
	got := Digest("qwert1234", "7db11ea5d4a1af32421b564c79b946d1ead3daf0", 1593457122, "/v2/payment/new", []byte(`{"example":"1"}`))
	want := "bd120476c656a8ec3ce5d6a150f17061d03a8e280b0fbba278a73a15066830562f73ce5536882c9222e265f1ff6c2df629173375b549cba5a9275b08686f32ea"
	if got != want {
		t.Fatalf("Digest() = %s, want %s", got, want)
	}
	h := AuthorizationHeader("qwert1234", "7db11ea5d4a1af32421b564c79b946d1ead3daf0", 1593457122, "/v2/payment/new", []byte(`{"example":"1"}`))
	if h != "WP3-v2.1 7db11ea5d4a1af32421b564c79b946d1ead3daf0 1593457122 "+want {
		t.Fatalf("AuthorizationHeader() = %s", h)
	}
}

func TestCustomerUpdateJSON(t *testing.T) {
	v := "x"
	tests := []struct {
		name string
		u    CustomerUpdate
		want string
	}{
		{"empty", CustomerUpdate{}, `{}`},
		{"set clear unchanged", CustomerUpdate{Name: Set("Ana"), Phone: Clear(), City: Unchanged}, `{"name":"Ana","phone":null}`},
		{"metadata key removal", CustomerUpdate{Metadata: map[string]*string{"a": &v, "b": nil}}, `{"metadata":{"a":"x","b":null}}`},
		{"metadata cleared", CustomerUpdate{ClearMetadata: true, Metadata: map[string]*string{"a": &v}}, `{"metadata":null}`},
		{"every field", CustomerUpdate{
			MerchantCustomerID: Set("m"), Description: Set("d"), Email: Set("e@x"), Name: Set("n"), Phone: Set("p"),
			ZipCode: Set("z"), City: Clear(), Address: Clear(), Country: Set("BA"),
		}, `{"address":null,"city":null,"country":"BA","description":"d","email":"e@x","merchant_customer_id":"m","name":"n","phone":"p","zip_code":"z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.u)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
			if tt.u.IsEmpty() != (tt.want == `{}`) {
				t.Fatalf("IsEmpty() = %v for %s", tt.u.IsEmpty(), b)
			}
		})
	}
}

func TestCustomerFieldsOmitUnset(t *testing.T) {
	name := "Ana"
	b, _ := json.Marshal(CustomerFields{Name: &name, Metadata: map[string]string{}})
	if string(b) != `{"name":"Ana"}` {
		t.Fatalf("got %s", b)
	}
}

func TestCustomerDecoding(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(t *testing.T, c Customer)
	}{
		{"uuid and nulls", `{"uuid":"u1","name":null,"email":"a@b","metadata":null,"deleted":false,"deleted_at":null,"created_at":"2019-02-12T11:22:33Z"}`,
			func(t *testing.T, c Customer) {
				if c.UUID != "u1" || c.Name != nil || *c.Email != "a@b" || c.Metadata == nil || len(c.Metadata) != 0 || c.CreatedAt != "2019-02-12T11:22:33Z" {
					t.Fatalf("%+v", c)
				}
			}},
		{"id instead of uuid", `{"id":"u2"}`, func(t *testing.T, c Customer) {
			if c.UUID != "u2" {
				t.Fatalf("UUID = %q", c.UUID)
			}
		}},
		{"uuid wins over id", `{"id":"i","uuid":"u"}`, func(t *testing.T, c Customer) {
			if c.UUID != "u" {
				t.Fatalf("UUID = %q", c.UUID)
			}
		}},
		{"non-string metadata", `{"uuid":"u","metadata":{"a":"x","n":5,"b":true,"z":null}}`, func(t *testing.T, c Customer) {
			if len(c.Metadata) != 3 || c.Metadata["a"] != "x" || c.Metadata["n"] != "5" || c.Metadata["b"] != "true" {
				t.Fatalf("metadata = %v", c.Metadata)
			}
		}},
		{"deleted", `{"uuid":"u","deleted":true,"deleted_at":"2020-01-01T00:00:00Z"}`, func(t *testing.T, c Customer) {
			if !c.Deleted || c.DeletedAt == nil {
				t.Fatalf("%+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Customer
			if err := json.Unmarshal([]byte(tt.in), &c); err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestDecodeResponseErrors(t *testing.T) {
	html := []byte("<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
	tests := []struct {
		name   string
		status int
		body   []byte
		want   []string
	}{
		{"invalid request", 400, []byte(`{"status":"invalid-request","message":"Name is too long"}`), []string{"HTTP 400", "invalid-request", "Name is too long", "POST /v2/customers"}},
		{"server error", 500, []byte(`{"status":"error","message":"An error occurred"}`), []string{"HTTP 500", "(error)", "An error occurred"}},
		{"html 502", 502, html, []string{"HTTP 502", "non-JSON response", "502 Bad Gateway"}},
		{"empty 503", 503, nil, []string{"HTTP 503 Service Unavailable"}},
		{"malformed 200", 200, []byte(`{"uuid":"abc",`), []string{"HTTP 200", "could not decode"}},
		{"approved status other", 200, []byte(`{"status":"declined","message":"nope"}`), []string{"declined", "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Customer
			err := decodeResponse(nil, "POST", "/v2/customers", tt.status, tt.body, &c)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "<") {
				t.Errorf("error %q keeps HTML tags", err)
			}
		})
	}
	if err := decodeResponse(nil, "GET", "/v2/customers/x", 404, []byte(`{"status":"invalid-request","message":"Customer not found"}`), nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("404 is not ErrNotFound: %v", err)
	}
}

func TestPaginate(t *testing.T) {
	items := make([]string, 237)
	for i := range items {
		items[i] = fmt.Sprintf("c%03d", i)
	}
	const serverCap = 20
	server := func(calls *int, insertAfterFirst bool) func(context.Context, ListParams) ([]string, error) {
		data := append([]string(nil), items...)
		return func(_ context.Context, p ListParams) ([]string, error) {
			*calls++
			if insertAfterFirst && *calls == 2 {
				data = append([]string{"new"}, data...) // a create shifts offsets by one
			}
			limit := min(p.Limit, serverCap)
			if p.Offset >= len(data) {
				return nil, nil
			}
			return data[p.Offset:min(p.Offset+limit, len(data))], nil
		}
	}
	key := func(s string) string { return s }

	calls := 0
	got, err := Paginate(context.Background(), PageOptions{PageSize: 50}, key, server(&calls, false))
	if err != nil || len(got) != 237 || got[0] != "c000" || got[236] != "c236" {
		t.Fatalf("got %d items, err %v", len(got), err)
	}
	if calls != 237/serverCap+1+1 { // 12 pages with data + 1 empty
		t.Fatalf("calls = %d, want %d", calls, 237/serverCap+2)
	}

	calls = 0
	got, err = Paginate(context.Background(), PageOptions{PageSize: 50, MaxItems: 30}, key, server(&calls, false))
	if err != nil || len(got) != 30 || calls != 2 {
		t.Fatalf("max items: got %d items in %d calls, err %v", len(got), calls, err)
	}

	calls = 0
	got, err = Paginate(context.Background(), PageOptions{PageSize: 50}, key, server(&calls, true))
	if err != nil || len(got) != 237 {
		t.Fatalf("shifted: got %d items, err %v", len(got), err)
	}
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s] {
			t.Fatalf("%s listed twice", s)
		}
		seen[s] = true
	}

	// A server that ignores offset must not loop forever or truncate silently.
	_, err = Paginate(context.Background(), PageOptions{PageSize: 10}, key, func(context.Context, ListParams) ([]string, error) {
		return items[:10], nil
	})
	if err == nil || !strings.Contains(err.Error(), "ignoring offset") {
		t.Fatalf("want an error for a server that ignores offset, got %v", err)
	}
}

func TestValidateBaseURL(t *testing.T) {
	for _, ok := range []string{"https://ipgtest.monri.com", "https://ipg.monri.com/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://proxy.example.com/monri"} {
		if _, err := ValidateBaseURL(ok); err != nil {
			t.Errorf("ValidateBaseURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"http://ipgtest.monri.com", "http://10.0.0.1", "ftp://x", "ipgtest.monri.com", "", "https://x/?a=b", "https://user:pw@x"} {
		if _, err := ValidateBaseURL(bad); err == nil {
			t.Errorf("ValidateBaseURL(%q) accepted", bad)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 10 {
		d := Backoff(100*time.Millisecond, 2*time.Second, attempt, nil)
		if d < 50*time.Millisecond || d > 2*time.Second {
			t.Fatalf("attempt %d: %v out of bounds", attempt, d)
		}
	}
	resp := &http.Response{Header: http.Header{"Retry-After": {"3"}}}
	if d := Backoff(100*time.Millisecond, 10*time.Second, 0, resp); d != 3*time.Second {
		t.Fatalf("Retry-After ignored: %v", d)
	}
	if d := Backoff(100*time.Millisecond, time.Second, 0, resp); d != time.Second {
		t.Fatalf("Retry-After not capped: %v", d)
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	tok := AccessToken{AccessToken: "s3cr3t", TokenType: "Bearer", ExpiresIn: 900}
	// A saved card's id is its token (the docs' example has the same value
	// in both): neither may be printed.
	pm := PaymentMethod{ID: "cardid", Token: "cardtok", MaskedPAN: "411111******1111"}
	for _, s := range []string{
		fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok),
		fmt.Sprint(pm), fmt.Sprintf("%+v", pm), fmt.Sprintf("%#v", pm), fmt.Sprintf("%v", []PaymentMethod{pm}),
		fmt.Sprintf("%#v", []PaymentMethod{pm}),
	} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "cardtok") || strings.Contains(s, "cardid") {
			t.Fatalf("secret printed: %s", s)
		}
	}
	if s := fmt.Sprint(pm); !strings.Contains(s, "411111******1111") {
		t.Fatalf("String lost the masked PAN: %s", s)
	}
}

// PaginateKept filters while paging: MaxItems counts kept items, requests ask
// only for what is missing, repeats are dropped, and errors pass through.
func TestPaginateKept(t *testing.T) {
	type item struct {
		id   string
		keep bool
	}
	// Pages as a server answers them: "b" repeats (shifted offsets), the
	// last page is empty.
	pages := [][]item{{{"a", true}, {"b", false}}, {{"b", false}, {"c", true}}, {{"d", true}}, {}}
	for _, tc := range []struct {
		max          int64
		want         []string
		wantRequests int
		wantLimits   []int
	}{
		{0, []string{"a", "c", "d"}, 4, []int{100, 100, 100, 100}},
		{1, []string{"a"}, 1, []int{1}},
		{2, []string{"a", "c"}, 2, []int{2, 1}},
		{3, []string{"a", "c", "d"}, 3, []int{3, 2, 1}},
		{9, []string{"a", "c", "d"}, 4, []int{9, 8, 7, 6}},
	} {
		var limits []int
		got, err := PaginateKept(context.Background(), PageOptions{MaxItems: int(tc.max)}, func(i item) string { return i.id }, func(i item) bool { return i.keep },
			func(_ context.Context, p ListParams) ([]item, error) {
				limits = append(limits, p.Limit)
				return pages[len(limits)-1], nil
			})
		if err != nil {
			t.Fatalf("max %d: %v", tc.max, err)
		}
		var ids []string
		for _, i := range got {
			ids = append(ids, i.id)
		}
		if !slices.Equal(ids, tc.want) || len(limits) != tc.wantRequests || !slices.Equal(limits, tc.wantLimits) {
			t.Errorf("max %d: got %v with limits %v, want %v with limits %v", tc.max, ids, limits, tc.want, tc.wantLimits)
		}
	}

	_, err := PaginateKept(context.Background(), PageOptions{}, func(i item) string { return i.id }, func(item) bool { return true },
		func(context.Context, ListParams) ([]item, error) { return nil, errors.New("boom") })
	if err == nil || err.Error() != "boom" {
		t.Fatalf("error = %v, want boom", err)
	}
}

// stubTransport answers every request with status 200 and body.
type stubTransport string

func (s stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": []string{"application/json"}},
		Body: io.NopCloser(strings.NewReader(string(s))), Request: req}, nil
}

// TestListPageItemWithoutKey: a page with an item that has no key is an
// error naming the item, not a list with an empty id in it.
func TestListPageItemWithoutKey(t *testing.T) {
	ctx := context.Background()
	newClient := func(body string) *Client {
		c, err := New(Config{BaseURL: "https://ipgtest.monri.com", AuthenticityToken: "t", MerchantKey: "k", Transport: stubTransport(body)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	_, err := newClient(`{"status":"approved","data":[{"uuid":"a"},{"uuid":""}]}`).ListCustomers(ctx, ListParams{Limit: 10})
	if err == nil || !strings.Contains(err.Error(), "customer 1 of the page has no uuid") {
		t.Fatalf("ListCustomers: %v, want the missing uuid named", err)
	}
	_, err = newClient(`{"status":"approved","data":[{"id":""}]}`).ListPaymentMethods(ctx, "u", ListParams{Limit: 10})
	if err == nil || !strings.Contains(err.Error(), "payment method 0 of the page has no id") {
		t.Fatalf("ListPaymentMethods: %v, want the missing id named", err)
	}
	got, err := newClient(`{"status":"approved","data":[{"uuid":"a"}]}`).ListCustomers(ctx, ListParams{Limit: 10})
	if err != nil || len(got) != 1 || got[0].UUID != "a" {
		t.Fatalf("ListCustomers = %v, %v", got, err)
	}
}
