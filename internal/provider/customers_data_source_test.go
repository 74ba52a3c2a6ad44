package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// dsIDList is a check that a list of customers (or cards) holds exactly the
// given ids, in this order.
func dsIDList(ids []string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(ids))
	for i, id := range ids {
		checks[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
	}
	return knownvalue.ListExact(checks)
}

// newestFirst returns the sandbox's customer uuids, newest first, keeping
// those for which keep is true.
func newestFirst(s *sandbox.Server, keep func(sandbox.Customer) bool) []string {
	var ids []string
	for _, c := range slices.Backward(s.Customers()) {
		if keep(c) {
			ids = append(ids, c.UUID)
		}
	}
	return ids
}

func TestAccCustomersDataSource_paging(t *testing.T) {
	const total, pageCap = 237, 20
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap}})
	sent := newSentCounter() // counts at the client: see sentCounter
	s.SeedCustomers(total, "bulk")
	all := newestFirst(s, func(sandbox.Customer) bool { return true })
	if len(all) != total {
		t.Fatalf("sandbox has %d customers, want %d", len(all), total)
	}
	newest, _ := s.Customer(all[0])
	const addr = "data.monri_customers.all"
	wantRequests := (total+pageCap-1)/pageCap + 1 // full pages, the short last one, then the empty page

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: sent.ResetCounters,
				Config: providerConfig(s) + `
data "monri_customers" "all" {}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// The step's first plan reads the data source once.
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantPagedRequests(sent, sandbox.RouteListCustomers, wantRequests))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					// Applying the saved plan does not read it again.
					dsStateNow(dsWantPagedRequests(sent, sandbox.RouteListCustomers, wantRequests)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(all)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":                   knownvalue.StringExact(newest.UUID),
						"merchant_customer_id": knownvalue.StringExact(*newest.MerchantCustomerID),
						"description":          knownvalue.Null(),
						"email":                knownvalue.StringExact(*newest.Email),
						"name":                 knownvalue.StringExact(*newest.Name),
						"phone":                knownvalue.Null(),
						"metadata":             knownvalue.Null(),
						"zip_code":             knownvalue.Null(),
						"city":                 knownvalue.StringExact("Sarajevo"),
						"address":              knownvalue.Null(),
						"country":              knownvalue.StringExact("BA"),
						"created_at":           knownvalue.StringExact(newest.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")),
						"updated_at":           knownvalue.StringExact(newest.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")),
						"deleted":              knownvalue.Bool(false),
						"deleted_at":           knownvalue.Null(),
					})),
				},
			},
			{
				PreConfig: sent.ResetCounters,
				Config: providerConfig(s) + `
data "monri_customers" "all" {
  max_items = 30
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// limit=30 (capped to 20), then limit=10; no empty page needed.
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantRequests(sent, sandbox.RouteListCustomers, 2))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(all[:30])),
				},
			},
		},
	})
}

// include_deleted filters deleted customers whether or not Monri's listing
// includes them, also together with max_items.
func TestAccCustomersDataSource_includeDeleted(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 2}})
	sent := newSentCounter() // counts at the client: see sentCounter
	ids := s.SeedCustomers(10, "mixed")
	// Newest first: 9 and 8 deleted, 7, 6, 5 deleted, 4, 3, ...
	for _, i := range []int{9, 8, 5} {
		s.DeleteCustomer(ids[i])
	}
	live := newestFirst(s, func(c sandbox.Customer) bool { return !c.Deleted })
	every := newestFirst(s, func(sandbox.Customer) bool { return true })
	const addr = "data.monri_customers.x"
	config := func(attrs string) string {
		return providerConfig(s) + fmt.Sprintf(`
data "monri_customers" "x" {
%s}
`, attrs)
	}
	deletedFlags := func(ids []string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ids))
		for i, id := range ids {
			c, _ := s.Customer(id)
			var deletedAt knownvalue.Check = knownvalue.Null()
			if c.Deleted {
				deletedAt = knownvalue.StringExact(c.DeletedAt.UTC().Format("2006-01-02T15:04:05Z"))
			}
			checks[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"id": knownvalue.StringExact(id), "deleted": knownvalue.Bool(c.Deleted), "deleted_at": deletedAt,
			})
		}
		return knownvalue.ListExact(checks)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				// Monri leaves deleted customers out.
				Config: config(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), deletedFlags(live)),
				},
			},
			{
				Config: config("  include_deleted = true\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), deletedFlags(live)),
				},
			},
			{
				// Monri lists deleted customers too.
				PreConfig: func() { s.SetListIncludesDeleted(true) },
				Config:    config("  include_deleted = false\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), deletedFlags(live)),
				},
			},
			{
				Config: config("  include_deleted = true\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), deletedFlags(every)),
				},
			},
			{
				// max_items counts kept customers: the newest two (deleted)
				// do not use it up. Pages of 2: [9d 8d] [7 6] [5d] [4].
				PreConfig: sent.ResetCounters,
				Config:    config("  max_items = 3\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantRequests(sent, sandbox.RouteListCustomers, 4))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), deletedFlags(live[:3])),
				},
			},
			{
				Config: config("  max_items       = 3\n  include_deleted = true\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), deletedFlags(every[:3])),
				},
			},
		},
	})
}

func TestAccCustomersDataSource_emptyAndInvalid(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `
data "monri_customers" "none" {
  max_items = 0
}
`,
				ExpectError: regexp.MustCompile(`Invalid Attribute Value(?s:.*)` + dsPhrase(`Attribute max_items value must be at least 1, got: 0`).String()),
			},
			{
				PreConfig: func() {
					if n := s.TotalRequests(); n != 0 {
						t.Fatalf("max_items = 0 reached Monri: %v", s.RequestCounts())
					}
				},
				Config: providerConfig(s) + `
data "monri_customers" "none" {}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantRequests(s, sandbox.RouteListCustomers, 1))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.monri_customers.none", tfjsonpath.New("customers"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// A customer created while the listing pages shifts the later pages by one:
// the customer seen twice is listed once, and nothing is missed.
func TestAccCustomersDataSource_createdWhilePaging(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 20}})
	sent := newSentCounter() // counts at the client: see sentCounter
	s.SeedCustomers(45, "shift")
	before := newestFirst(s, func(sandbox.Customer) bool { return true })
	target, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		ModifyResponse: func(resp *http.Response) error {
			// Right after the first page was served, someone creates a customer.
			if resp.Request.URL.Path == "/v2/customers" && resp.Request.URL.Query().Get("offset") == "0" {
				once.Do(func() { s.SeedCustomers(1, "during") })
			}
			return nil
		},
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	token, key := s.Credentials()

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: sent.ResetCounters,
				Config: fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = %q
}

data "monri_customers" "all" {}
`, front.URL, token, key),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Pages at offsets 0, 20 (starting with the last item of
					// the first page again), 40 (6 items) and 46 (empty).
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantRequests(sent, sandbox.RouteListCustomers, 4))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.monri_customers.all", tfjsonpath.New("customers"), dsIDList(before)),
				},
			},
		},
	})
}

func TestRequireClient(t *testing.T) {
	var diags diag.Diagnostics
	if requireClient(nil, &diags) || !diags.HasError() || diags[0].Summary() != "Unconfigured Monri Provider" {
		t.Fatalf("a nil client was accepted: %v", diags)
	}
	c, err := monri.New(monri.Config{BaseURL: "http://127.0.0.1:1", AuthenticityToken: "t", MerchantKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	diags = nil
	if !requireClient(c, &diags) || diags.HasError() {
		t.Fatalf("a client was refused: %v", diags)
	}
}
