package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// readData reads a data source with the given arguments (null for the
// others) and fails the test on an error.
func (p *protoProvider) readData(typeName string, args map[string]tftypes.Value) map[string]tftypes.Value {
	p.t.Helper()
	typ := p.schema.DataSourceSchemas[typeName].ValueType()
	resp, err := p.srv.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{
		TypeName: typeName, Config: p.dynamic(typ, p.object(typ, args)),
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Errorf("ReadDataSource %s: %v %s", typeName, err, diagString(resp.Diagnostics))
		return nil
	}
	return p.attrs(typ, resp.State)
}

// Ten monri_customer lookups by email and two monri_customers with other
// filters, read concurrently by one provider instance over 2,000 customers,
// cost at most one listing's requests: ceil(N/page) + 1 + the pages in
// flight. With share_listings = false each pays for its own.
func TestSharedListingDataSources(t *testing.T) {
	t.Parallel()
	const n = 2000
	bound := (n+99)/100 + 1 + monri.DefaultMaxConcurrentPages
	for _, share := range []bool{true, false} {
		t.Run(fmt.Sprintf("share_listings=%v", share), func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, sandbox.Options{})
			s.SeedCustomers(n, "sh")
			p := newActionProvider(t, s, map[string]tftypes.Value{"share_listings": tfBool(share)})
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Go(func() {
					email := fmt.Sprintf("customer-%05d@example.com", 1+i*199)
					got := p.readData("monri_customer", map[string]tftypes.Value{"email": tfStr(email)})
					if got != nil && stringOf(t, got["email"]) != email {
						t.Errorf("lookup of %s found %v", email, got["email"])
					}
				})
			}
			for _, args := range []map[string]tftypes.Value{
				{"merchant_customer_id_prefix": tfStr("sh-019")},
				{"name": tfStr("Customer 00007")},
			} {
				wg.Go(func() {
					got := p.readData(customersTypeName, args)
					if got != nil && len(listOf(t, got["customers"])) == 0 {
						t.Errorf("monri_customers %v found nothing", args)
					}
				})
			}
			wg.Wait()
			requests := s.RequestCount(sandbox.RouteListCustomers)
			t.Logf("12 reads over %d customers: %d list requests", n, requests)
			if share && requests > bound {
				t.Errorf("%d list requests, want at most one listing's %d", requests, bound)
			}
			if !share && requests < 12*(n/100) {
				t.Errorf("%d list requests without sharing, want each read to list (at least %d)", requests, 12*(n/100))
			}
		})
	}
}

// A lookup after a create through the same provider instance (as in one
// apply) sees the new customer, although an earlier read made a shared
// listing without it.
func TestSharedListingLookupAfterCreate(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(150, "lac")
	p := newActionProvider(t, s, nil)
	if got := p.readData(customersTypeName, map[string]tftypes.Value{"email": tfStr("fresh@example.com")}); len(listOf(t, got["customers"])) != 0 {
		t.Fatal("the customer exists before the create")
	}
	p.createCustomer(map[string]tftypes.Value{
		"merchant_customer_id": tfStr("lac-fresh"),
		"email":                tfStr("fresh@example.com"),
	})
	got := p.readData("monri_customer", map[string]tftypes.Value{"email": tfStr("fresh@example.com")})
	if got == nil || stringOf(t, got["merchant_customer_id"]) != "lac-fresh" {
		t.Fatalf("the lookup after the create: %v", got)
	}
	// So does one after the action deletes it.
	if _, diags := p.invokeAction(map[string]tftypes.Value{"max_deletes": tfNum(1), "email": tfStr("fresh@example.com")}); hasErrors(diags) {
		t.Fatal(diagString(diags))
	}
	if got := p.readData(customersTypeName, map[string]tftypes.Value{"email": tfStr("fresh@example.com")}); len(listOf(t, got["customers"])) != 0 {
		t.Fatal("the customer is listed after the action deleted it")
	}
}

func listOf(t *testing.T, v tftypes.Value) []tftypes.Value {
	t.Helper()
	var out []tftypes.Value
	if err := v.As(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// share_listings defaults to true; MONRI_SHARE_LISTINGS sets it when the
// block does not, and must be a boolean. isProduction sees environment
// "prod" from the block or the environment, whatever base_url says.
func TestResolveConfigShareListingsAndProduction(t *testing.T) {
	t.Parallel()
	creds := withCreds(nil)
	with := withCreds
	got, diags := resolveConfig(nullConfig(), envFrom(creds))
	if diags.HasError() || !got.ShareListings {
		t.Errorf("default: ShareListings %v, %v", got.ShareListings, diags)
	}
	got, diags = resolveConfig(nullConfig(), envFrom(with(map[string]string{EnvShareListings: "false"})))
	if diags.HasError() || got.ShareListings {
		t.Errorf("%s=false: ShareListings %v, %v", EnvShareListings, got.ShareListings, diags)
	}
	cfg := nullConfig()
	cfg.ShareListings = types.BoolValue(true)
	if got, _ = resolveConfig(cfg, envFrom(with(map[string]string{EnvShareListings: "false"}))); !got.ShareListings {
		t.Error("the block's share_listings = true did not win over the environment")
	}
	_, diags = resolveConfig(nullConfig(), envFrom(with(map[string]string{EnvShareListings: "sometimes"})))
	if !diags.HasError() || !strings.Contains(fmt.Sprint(diags), `MONRI_SHARE_LISTINGS (share_listings) is "sometimes"; it must be true or false`) {
		t.Errorf("an invalid %s: %v", EnvShareListings, diags)
	}

	for _, tc := range []struct {
		env, blockEnv, base string
		want                bool
	}{
		{"", "", "", false},
		{"prod", "", "", true},
		{"", "prod", "http://127.0.0.1:1", true},
		{"prod", "test", "", false}, // the block wins
		{"", "", monri.ProdBaseURL + "/", true},
		{"", "", "https://IPG.monri.com", true},
		{"", "", "https://ipgtest.monri.com", false},
	} {
		cfg := nullConfig()
		if tc.blockEnv != "" {
			cfg.Environment = types.StringValue(tc.blockEnv)
		}
		env := with(nil)
		if tc.env != "" {
			env[EnvEnvironment] = tc.env
		}
		if tc.base != "" {
			cfg.BaseURL = types.StringValue(tc.base)
		}
		conf, _ := resolveConfig(cfg, envFrom(env))
		if got := isProduction(cfg, conf, envFrom(env)); got != tc.want {
			t.Errorf("%+v: production %v, want %v", tc, got, tc.want)
		}
	}
}

// terraform query of the list resource (Terraform always sends a limit)
// with a filter starts the shared listing, which monri_customers then
// reuses; a write through the provider drops it.
func TestSharedListingListResource(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(300, "lr")
	p := newActionProvider(t, s, nil)
	if got := p.list(map[string]tftypes.Value{"merchant_customer_id_prefix": tfStr("lr-0000")}, false, 100); len(got) != 9 {
		t.Fatalf("the list resource found %d customers, want 9", len(got))
	}
	first := s.RequestCount(sandbox.RouteListCustomers)
	if got := p.readData(customersTypeName, map[string]tftypes.Value{"name": tfStr("Customer 00042")}); len(listOf(t, got["customers"])) != 1 {
		t.Fatal("monri_customers did not find the customer")
	}
	if n := s.RequestCount(sandbox.RouteListCustomers); n != first {
		t.Errorf("monri_customers after the list resource: %d more list requests, want 0", n-first)
	}
	p.createCustomer(map[string]tftypes.Value{"merchant_customer_id": tfStr("lr-0000-new")})
	if got := p.list(map[string]tftypes.Value{"merchant_customer_id_prefix": tfStr("lr-0000")}, false, 100); len(got) != 10 {
		t.Fatalf("after a create, the list resource found %d customers, want 10", len(got))
	}
}
