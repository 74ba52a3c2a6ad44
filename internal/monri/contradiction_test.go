package monri

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// foreignAnswer is an answer describing customer uuid (merchant_customer_id
// mid), as a cache that mixes answers up would hand over.
func foreignAnswer(uuid, mid string) sandbox.Fault {
	return sandbox.Fault{Kind: sandbox.FaultBody, AfterHandling: true, Body: fmt.Appendf(nil,
		`{"status":"approved","uuid":%q,"merchant_customer_id":%q,"email":"foreign@example.com","name":"Foreign","metadata":{},`+
			`"deleted":false,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`, uuid, mid)}
}

func wantContradiction(t *testing.T, err error, field, sent, got string) {
	t.Helper()
	var ce *ContradictingAnswerError
	if !errors.As(err, &ce) || ce.Field != field || ce.Sent != sent || ce.Got != got {
		t.Fatalf("err = %v, want a contradiction of %s (sent %q, got %q)", err, field, sent, got)
	}
}

// A create answered with another customer's record is not an answer to it:
// with a merchant_customer_id the client looks its own customer up by it and
// returns that; without one it is an error naming both. The other customer
// is never returned.
func TestCreateCustomer_foreignAnswer(t *testing.T) {
	ctx := context.Background()
	t.Run("with merchant_customer_id", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		foreign := s.SeedCustomers(1, "foreign")[0]
		fc, _ := s.Customer(foreign)
		s.InjectFault(sandbox.RouteCreateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
		c, _ := newTestClient(t, s, nil)
		cust, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("mine-1"), Email: ptr("me@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if cust.UUID == foreign || cust.MerchantCustomerID == nil || *cust.MerchantCustomerID != "mine-1" {
			t.Fatalf("CreateCustomer returned %+v, want the customer with merchant_customer_id mine-1", cust)
		}
		if n := s.RequestCount(sandbox.RouteCreateCustomer); n != 1 {
			t.Errorf("%d creates, want 1 (the lookup found the customer it created)", n)
		}
		if n := s.RequestCount(sandbox.RouteGetByMerchantID); n != 1 {
			t.Errorf("%d lookups by merchant_customer_id, want 1", n)
		}
	})
	t.Run("without merchant_customer_id", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		foreign := s.SeedCustomers(1, "foreign")[0]
		fc, _ := s.Customer(foreign)
		s.InjectFault(sandbox.RouteCreateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
		c, _ := newTestClient(t, s, nil)
		_, err := c.CreateCustomer(ctx, CustomerFields{Email: ptr("me@example.com")})
		wantContradiction(t, err, "merchant_customer_id", "", *fc.MerchantCustomerID)
		wantErrContains(t, err, foreign, "contradicts the request")
	})
	t.Run("without merchant_customer_id, fields differ", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultBody, AfterHandling: true,
			Body: []byte(`{"status":"approved","uuid":"4b281da4-d145-4233-b957-2018cf9aa0fb","email":"other@example.com","metadata":{}}`)}, 1)
		c, _ := newTestClient(t, s, nil)
		_, err := c.CreateCustomer(ctx, CustomerFields{Email: ptr("me@example.com")})
		wantContradiction(t, err, "email", "me@example.com", "other@example.com")
	})
	t.Run("email in another letter case is no contradiction", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{NormalizeEmails: true}})
		c, _ := newTestClient(t, s, nil)
		if _, err := c.CreateCustomer(ctx, CustomerFields{Email: ptr("Me@Example.com")}); err != nil {
			t.Fatal(err)
		}
	})
}

// Read, update and delete answers about another uuid are errors.
func TestCustomerRequests_foreignAnswer(t *testing.T) {
	ctx := context.Background()
	s := startSandbox(t, sandbox.Options{})
	ids := s.SeedCustomers(2, "c")
	mine, foreign := ids[0], ids[1]
	fc, _ := s.Customer(foreign)
	mc, _ := s.Customer(mine)
	c, _ := newTestClient(t, s, nil)

	s.InjectFault(sandbox.RouteGetCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
	_, err := c.GetCustomer(ctx, mine)
	wantContradiction(t, err, "uuid", mine, foreign)

	s.InjectFault(sandbox.RouteGetByMerchantID, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
	_, err = c.GetCustomerByMerchantID(ctx, *mc.MerchantCustomerID)
	wantContradiction(t, err, "merchant_customer_id", *mc.MerchantCustomerID, *fc.MerchantCustomerID)

	s.InjectFault(sandbox.RouteUpdateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
	_, err = c.UpdateCustomer(ctx, mine, CustomerUpdate{Name: Set("New")})
	wantContradiction(t, err, "uuid", mine, foreign)

	s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultBody,
		Body: []byte(`{"status":"approved","uuid":"` + foreign + `","deleted":true}`)}, 1)
	err = c.DeleteCustomer(ctx, mine)
	wantContradiction(t, err, "uuid", mine, foreign)

	if got, _ := s.Customer(foreign); got.Deleted {
		t.Error("the foreign customer was deleted")
	}
}
