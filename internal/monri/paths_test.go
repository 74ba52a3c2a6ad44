package monri

import (
	"context"
	"errors"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func TestCheckPath(t *testing.T) {
	for _, tc := range []struct {
		path    string
		refused bool
	}{
		{"/v2/customers", false},
		{"/v2/customers/4b281da4-d145-4233-b957-2018cf9aa0fb", false},
		{"/v2/merchants/customers/a.b", false},
		{"/v2/merchants/customers/...", false},
		{"/v2/merchants/customers/%252E%252E", false}, // "%2E%2E" as written by the user, escaped
		{"/v2/merchants/customers/..%2F", false},
		{"/v2/customers?limit=100&offset=0&q=..", false}, // the query is not the path
		{"/v2/customers/.", true},
		{"/v2/customers/..", true},
		{"/v2/customers/../payment-methods", true},
		{"/v2/customers/./payment-methods?limit=10", true},
		{"/v2/merchants/customers/%2E", true},
		{"/v2/merchants/customers/%2e%2E", true},
		{"/v2/merchants/customers/.%2e", true},
	} {
		err := checkPath("GET", tc.path)
		if (err != nil) != tc.refused {
			t.Errorf("checkPath(%q) = %v, want refused %v", tc.path, err, tc.refused)
			continue
		}
		if err != nil && (!errors.Is(err, ErrDotSegment) || err.Error() != "GET "+tc.path+": not sent: "+ErrDotSegment.Error()) {
			t.Errorf("checkPath(%q) = %q, want a DotSegmentError naming the request", tc.path, err)
		}
	}
}

// TestDotSegmentIDsNeverSent: every client method that puts an id (or a
// merchant_customer_id that it may later look up) into a URL path refuses
// "." and ".." with ErrDotSegment, before any request, with either
// authentication (so not even an access token is requested).
func TestDotSegmentIDsNeverSent(t *testing.T) {
	ctx := context.Background()
	for _, auth := range []string{AuthSignature, AuthAccessToken} {
		t.Run(auth, func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{})
			c, rec := newTestClient(t, s, func(c *Config) { c.Authentication = auth })
			for _, id := range []string{".", ".."} {
				calls := map[string]func() error{
					"GetCustomer": func() error { _, err := c.GetCustomer(ctx, id); return err },
					"GetCustomerByMerchantID": func() error {
						_, err := c.GetCustomerByMerchantID(ctx, id)
						return err
					},
					"UpdateCustomer": func() error {
						_, err := c.UpdateCustomer(ctx, id, CustomerUpdate{Name: Set("x")})
						return err
					},
					"UpdateCustomer merchant_customer_id": func() error {
						_, err := c.UpdateCustomer(ctx, "4b281da4-d145-4233-b957-2018cf9aa0fb", CustomerUpdate{MerchantCustomerID: Set(id)})
						return err
					},
					"CreateCustomer merchant_customer_id": func() error {
						_, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr(id)})
						return err
					},
					"DeleteCustomer": func() error { return c.DeleteCustomer(ctx, id) },
					"ListPaymentMethods": func() error {
						_, err := c.ListPaymentMethods(ctx, id, ListParams{Limit: 10})
						return err
					},
					"FindPaymentMethods": func() error {
						_, err := c.FindPaymentMethods(ctx, id, nil, PageOptions{})
						return err
					},
				}
				for name, call := range calls {
					err := call()
					if !errors.Is(err, ErrDotSegment) {
						t.Errorf("%s(%q) = %v, want ErrDotSegment", name, id, err)
					}
					wantErrContains(t, err, "not sent", `"." or ".."`)
				}
			}
			if got := rec.all(); len(got) != 0 {
				t.Fatalf("%d requests sent, want none: %+v", len(got), got)
			}
			if n := s.TotalRequests(); n != 0 {
				t.Fatalf("the sandbox saw %d requests, want none", n)
			}
			if n := len(s.Customers()); n != 0 {
				t.Fatalf("the sandbox has %d customers, want none", n)
			}
		})
	}
}
