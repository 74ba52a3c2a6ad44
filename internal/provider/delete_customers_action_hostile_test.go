package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The action against a hostile server: an endless listing stops at
// max_listing_items and deletes nothing; a matching uuid of ".." deletes
// nothing and sends no such path; a DELETE answered with another customer
// stops the action and leaves that customer alone; answers echoing
// credentials are quoted without them. What the user sees is the action's
// diagnostics.
func TestDeleteCustomersAction_hostile(t *testing.T) {
	t.Parallel()
	const (
		authToken   = "7a6b5c4d3e7a6b5c4d3e7a6b5c4d3e7a6b5c4d3e" //nolint:gosec // a test credential: 40 hex, as Monri issues them
		merchantKey = "mk-Action-Secret-Key-0017"
	)
	hex64 := strings.Repeat("1f2e3d4c", 8)
	cfg := map[string]tftypes.Value{"max_deletes": tfNum(100), "merchant_customer_id_prefix": tfStr("ci-")}
	start := func(t *testing.T) *sandbox.Server {
		s := startSandbox(t, sandbox.Options{AuthenticityToken: authToken, MerchantKey: merchantKey})
		s.SeedCustomers(3, "ci")
		s.SeedCustomers(1, "keep")
		return s
	}
	wantAllLive := func(t *testing.T, s *sandbox.Server) {
		t.Helper()
		if n := len(s.LiveCustomers()); n != 4 {
			t.Errorf("%d live customers, want the 4 seeded: nothing deleted", n)
		}
	}
	wantNoDelete := func(t *testing.T, s *sandbox.Server) {
		t.Helper()
		if n := s.RequestCount(sandbox.RouteDeleteCustomer); n != 0 {
			t.Errorf("%d DELETE requests, want none", n)
		}
		wantAllLive(t, s)
	}
	noSecret := func(t *testing.T, text string) {
		t.Helper()
		for _, secret := range []string{authToken, merchantKey, hex64, hex64[:24]} {
			if strings.Contains(text, secret) {
				t.Errorf("the diagnostics show the secret %q:\n%s", secret, text)
			}
		}
	}

	t.Run("endless listing", func(t *testing.T) {
		t.Parallel()
		s := start(t)
		p := newActionProvider(t, s, map[string]tftypes.Value{"max_listing_items": tfNum(300)})
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultEndlessPage}, 1_000_000)
		for _, prefix := range []string{"ci-", "endless-"} { // endless-N customers match the second
			_, diags := p.invokeAction(map[string]tftypes.Value{"max_deletes": tfNum(100), "merchant_customer_id_prefix": tfStr(prefix)})
			wantDiag(t, diags, `Unable to Delete Monri Customers: Nothing was deleted\. The listing of /v2/customers stopped after 300 items: `+
				`that is max_listing_items \(provider block; or the MONRI_MAX_LISTING_ITEMS environment variable`)
		}
		wantNoDelete(t, s)
	})

	t.Run("uuid .. in the listing", func(t *testing.T) {
		t.Parallel()
		s := start(t)
		p := newActionProvider(t, s, map[string]tftypes.Value{"max_concurrent_pages": tfNum(1)})
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Body: []byte(`{"status":"approved","data":[` +
			`{"uuid":"..","merchant_customer_id":"ci-dot","metadata":{},"deleted":false,"created_at":"2026-01-01T00:00:00Z"}]}`)}, 1)
		_, diags := p.invokeAction(cfg)
		wantDiag(t, diags, `Unable to Delete Monri Customers: Nothing was deleted\. listing the customers to delete: `+
			`a matching customer has the uuid "\.\.", which cannot be sent in a request path`)
		wantNoDelete(t, s)
	})

	t.Run("DELETE answered with another customer", func(t *testing.T) {
		t.Parallel()
		s := start(t)
		foreign := s.SeedCustomers(1, "foreign")[0]
		fc, _ := s.Customer(foreign)
		p := newActionProvider(t, s, nil)
		s.InjectFault(sandbox.RouteDeleteCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
		_, diags := p.invokeAction(cfg)
		wantDiag(t, diags, `(?s)Unable to Delete All Matching Monri Customers: A delete failed, so no further delete was sent\. `+
			`Monri's answer to DELETE /v2/customers/[0-9a-f-]+ contradicts the request: the request's uuid is "[0-9a-f-]+", `+
			`the answer's is "`+foreign+`"`)
		if err := (foreignSurvives{s: s, uuid: foreign, want: fc}).check(); err != nil {
			t.Error(err)
		}
		if d := diagString(diags); strings.Contains(d[strings.Index(d, "Deleted ("):], foreign) {
			t.Errorf("the foreign customer is listed among the matches:\n%s", d)
		}
	})

	t.Run("answers echoing credentials", func(t *testing.T) {
		t.Parallel()
		s := start(t)
		p := newActionProvider(t, s, map[string]tftypes.Value{"max_retries": tfNum(0)})
		echo := fmt.Sprintf(`upstream error {"client_id":%q,"client_secret":%q} Authorization: WP3-v2.1 %s 1700000000 %s`,
			authToken, merchantKey, authToken, hex64)
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusBadGateway,
			ContentType: "text/plain", Body: []byte(echo)}, 1)
		_, diags := p.invokeAction(cfg)
		wantDiag(t, diags, `Unable to Delete Monri Customers: Nothing was deleted\. Monri answered HTTP 502 to GET /v2/customers`)
		noSecret(t, diagString(diags))
		wantAllLive(t, s)

		s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusForbidden,
			Body: []byte(`{"status":"forbidden","message":"digest ` + hex64 + ` for key ` + merchantKey + `"}`)}, 1)
		_, diags = p.invokeAction(cfg)
		wantDiag(t, diags, `Unable to Delete All Matching Monri Customers: A delete failed, so no further delete was sent\. `+
			`Monri answered HTTP 403 to DELETE /v2/customers/[0-9a-f-]+ \(forbidden\): "digest \*\*\* for key \*\*\*"`)
		noSecret(t, diagString(diags))
	})
}

// Invalid UTF-8 in any of the action's strings (possible through TF_VAR_…)
// is refused at validation, naming the attribute; nothing is listed.
func TestDeleteCustomersAction_invalidUTF8(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	p := newActionProvider(t, s, nil)
	for name, vals := range map[string]map[string]tftypes.Value{
		"merchant_customer_id_prefix": {"merchant_customer_id_prefix": tfStr(badUTF8)},
		"email":                       {"email": tfStr(badUTF8)},
		"created_before":              {"email": tfStr("a@example.com"), "created_before": tfStr(badUTF8)},
		`metadata["team"]`: {"metadata": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String},
			map[string]tftypes.Value{"team": tfStr(badUTF8)})},
	} {
		vals["max_deletes"] = tfNum(10)
		wantDiag(t, p.validateAction(vals), `Invalid UTF-8: Attribute `+regexp.QuoteMeta(name)+` value must be valid UTF-8`)
	}
	if n := len(s.RequestCounts()); n != 0 {
		t.Errorf("requests were sent: %v", s.RequestCounts())
	}
}

// A listing that mixes customers up (a customer that does not match listed
// under a matching merchant_customer_id) never gets it deleted: each
// customer is read again before its delete.
func TestDeleteCustomersAction_mixedListing(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	keep := s.SeedCustomers(1, "keep")[0]
	kc, _ := s.Customer(keep)
	s.SeedCustomers(3, "ci")
	p := newActionProvider(t, s, map[string]tftypes.Value{"max_concurrent_pages": tfNum(1)})
	s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Body: fmt.Appendf(nil,
		`{"status":"approved","data":[{"uuid":%q,"merchant_customer_id":"ci-mixed","metadata":{},"deleted":false,`+
			`"created_at":"2026-01-01T00:00:00Z"}]}`, keep)}, 1)
	_, diags := p.invokeAction(map[string]tftypes.Value{"max_deletes": tfNum(100), "merchant_customer_id_prefix": tfStr("ci-")})
	wantDiag(t, diags, `(?s)Unable to Delete All Matching Monri Customers: A delete failed, so no further delete was sent\. `+
		`customer `+keep+`: listed as matching the filters, but read again before its delete it does not match`+
		`.*Not deleted \(\d\):.*`+keep)
	if err := (foreignSurvives{s: s, uuid: keep, want: kc}).check(); err != nil {
		t.Error(err)
	}
}
