package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// dsPhrase matches s in Terraform's CLI output, where long diagnostics are
// wrapped: every run of spaces in s matches any run of white space.
func dsPhrase(s string) *regexp.Regexp {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// dsCheckNow is a plan check that runs check when the plan check runs: after
// the step's first plan (which reads every data source whose configuration is
// known exactly once) and before anything else reaches the provider. It is
// used to read the sandbox's request counters at that exact moment.
type dsCheckNow func() error

func (f dsCheckNow) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// dsStateNow is the same as a state check (run after apply).
type dsStateNow func() error

func (f dsStateNow) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// dsWantRequests returns a function that fails unless the sandbox counted
// exactly want requests to route since the last ResetCounters.
func dsWantRequests(s requestCounter, route string, want int) func() error {
	return func() error {
		if got := s.RequestCount(route); got != want {
			return fmt.Errorf("%d %s requests, want exactly %d (all: %v)", got, route, want, s.RequestCounts())
		}
		return nil
	}
}

func dsStr(s string) *string { return &s }

// awkwardMerchantIDs need path escaping: a slash, spaces, a literal "%25"
// (which an unescaped path would decode to "%"), "?" and "#" (which would
// start a query or fragment) and non-ASCII letters.
var awkwardMerchantIDs = []string{
	"acme/eu-west/42",
	"  two  spaces ",
	"100%25 off % sale",
	"a?b=c#frag",
	"Džemal Bijedić žćčšđ 日本",
}

func TestAccCustomerDataSource_lookup(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	sent := newSentCounter() // counts at the client: see sentCounter
	ids := s.SeedCustomers(len(awkwardMerchantIDs)+1, "lookup")
	full := ids[0]
	s.EditCustomer(full, func(c *sandbox.Customer) {
		c.MerchantCustomerID = dsStr("full-1")
		c.Description = dsStr("Every attribute set")
		c.Email = dsStr("ana@example.com")
		c.Name = dsStr("Ana Anić")
		c.Phone = dsStr("+38761000111")
		c.ZipCode = dsStr("71000")
		c.City = dsStr("Sarajevo")
		c.Address = dsStr("Džemala Bijedića 2")
		c.Country = dsStr("BA")
		c.Metadata = map[string]string{"team": "payments", "tier": "gold"}
	})
	var wantIDs, wantMIDs []knownvalue.Check
	var awkward strings.Builder
	for i, mid := range awkwardMerchantIDs {
		if !s.EditCustomer(ids[i+1], func(c *sandbox.Customer) { c.MerchantCustomerID = dsStr(mid) }) {
			t.Fatalf("cannot set merchant_customer_id %q", mid)
		}
		wantIDs = append(wantIDs, knownvalue.StringExact(ids[i+1]))
		wantMIDs = append(wantMIDs, knownvalue.StringExact(mid))
		fmt.Fprintf(&awkward, "    %q,\n", mid)
	}
	fullCust, _ := s.Customer(full)

	config := providerConfig(s) + fmt.Sprintf(`
data "monri_customer" "by_id" {
  id = %q
}

data "monri_customer" "by_merchant_id" {
  merchant_customer_id = "full-1"
}

data "monri_customer" "awkward" {
  count                = length(local.awkward)
  merchant_customer_id = local.awkward[count.index]
}

locals {
  awkward = [
%s  ]
}

output "awkward_ids" {
  value = data.monri_customer.awkward[*].id
}

output "awkward_merchant_ids" {
  value = data.monri_customer.awkward[*].merchant_customer_id
}
`, full, awkward.String())

	fullChecks := func(addr string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(full)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("full-1")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Every attribute set")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("ana@example.com")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Ana Anić")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("phone"), knownvalue.StringExact("+38761000111")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("zip_code"), knownvalue.StringExact("71000")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("city"), knownvalue.StringExact("Sarajevo")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("address"), knownvalue.StringExact("Džemala Bijedića 2")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("country"), knownvalue.StringExact("BA")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("metadata"), knownvalue.MapExact(map[string]knownvalue.Check{
				"team": knownvalue.StringExact("payments"), "tier": knownvalue.StringExact("gold"),
			})),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"),
				knownvalue.StringExact(fullCust.CreatedAt.UTC().Format(time.RFC3339))),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("updated_at"),
				knownvalue.StringExact(fullCust.UpdatedAt.UTC().Format(time.RFC3339))),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deleted"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deleted_at"), knownvalue.Null()),
		}
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: sent.ResetCounters,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// One plan reads each data source once: 1 by uuid, 1 + 5 by merchant id.
					PreApply: []plancheck.PlanCheck{
						dsCheckNow(dsWantRequests(sent, sandbox.RouteGetCustomer, 1)),
						dsCheckNow(dsWantRequests(sent, sandbox.RouteGetByMerchantID, 1+len(awkwardMerchantIDs))),
					},
				},
				ConfigStateChecks: append(append(fullChecks("data.monri_customer.by_id"), fullChecks("data.monri_customer.by_merchant_id")...),
					statecheck.ExpectKnownOutputValue("awkward_ids", knownvalue.ListExact(wantIDs)),
					statecheck.ExpectKnownOutputValue("awkward_merchant_ids", knownvalue.ListExact(wantMIDs)),
				),
			},
		},
	})
}

// A customer with few attributes has nulls, not empty strings; a lookup whose
// key is only known at apply is deferred and then works.
func TestAccCustomerDataSource_sparseAndDeferred(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `
resource "monri_customer" "new" {
  merchant_customer_id = "deferred-1"
}

data "monri_customer" "new" {
  id = monri_customer.new.id
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("data.monri_customer.new", plancheck.ResourceActionRead),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("monri_customer.new", tfjsonpath.New("id"),
						"data.monri_customer.new", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.monri_customer.new", tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("deferred-1")),
					statecheck.ExpectKnownValue("data.monri_customer.new", tfjsonpath.New("name"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.monri_customer.new", tfjsonpath.New("email"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.monri_customer.new", tfjsonpath.New("metadata"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.monri_customer.new", tfjsonpath.New("deleted"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.monri_customer.new", tfjsonpath.New("deleted_at"), knownvalue.Null()),
				},
			},
		},
	})
}

func TestAccCustomerDataSource_deleted(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{DeletedMode: sandbox.DeletedReturnsTrue}})
	id := s.SeedCustomers(1, "gone")[0]
	s.DeleteCustomer(id)
	gone, _ := s.Customer(id)
	config := providerConfig(s) + fmt.Sprintf(`
data "monri_customer" "by_id" {
  id = %q
}

data "monri_customer" "by_merchant_id" {
  merchant_customer_id = "gone-00001"
}
`, id)
	checks := func(addr string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deleted"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("deleted_at"), knownvalue.StringExact(gone.DeletedAt.UTC().Format(time.RFC3339))),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Monri answers 200 with "deleted": true: the customer is found, marked deleted.
				Config:            config,
				ConfigStateChecks: append(checks("data.monri_customer.by_id"), checks("data.monri_customer.by_merchant_id")...),
			},
			{
				// Monri answers 404 for deleted customers: not found.
				PreConfig:   func() { s.SetDeletedMode(sandbox.DeletedNotFound) },
				Config:      config,
				ExpectError: dsPhrase(fmt.Sprintf(`no Monri customer with id %q`, id)),
			},
		},
	})
}

func TestAccCustomerDataSource_notFound(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(3, "present")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  id = "00000000-0000-4000-8000-000000000000"
}
`,
				ExpectError: regexp.MustCompile(`Unable to Read Monri Customer(?s:.*)` +
					dsPhrase(`no Monri customer with id "00000000-0000-4000-8000-000000000000"`).String()),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  merchant_customer_id = "nobody/here 100%"
}
`,
				ExpectError: dsPhrase(`no Monri customer with merchant_customer_id "nobody/here 100%"`),
			},
			{
				// A merchant id put in id gets a hint.
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  id = "present-00001"
}
`,
				ExpectError: regexp.MustCompile(dsPhrase(`no Monri customer with id "present-00001"`).String() + `(?s:.*)` +
					dsPhrase(`set merchant_customer_id instead`).String()),
			},
		},
	})
}

// Configuration errors are reported at plan time, before any request.
func TestAccCustomerDataSource_invalidConfig(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  id                   = "00000000-0000-4000-8000-000000000000"
  merchant_customer_id = "both"
}
`,
				ExpectError: regexp.MustCompile(`Invalid Attribute Combination(?s:.*)` +
					dsPhrase(`Exactly one of these attributes must be configured: [id,merchant_customer_id,email]`).String()),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {}
`,
				ExpectError: regexp.MustCompile(`Missing Attribute Configuration(?s:.*)` +
					dsPhrase(`Exactly one of these attributes must be configured: [id,merchant_customer_id,email]`).String()),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  merchant_customer_id = ""
}
`,
				ExpectError: dsPhrase(`Attribute merchant_customer_id UTF-8 character count must be between 1 and 100, got: 0`),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  id = ""
}
`,
				ExpectError: dsPhrase(`Attribute id string length must be at least 1`),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  id    = "00000000-0000-4000-8000-000000000000"
  email = "ana@example.com"
}
`,
				ExpectError: regexp.MustCompile(`Invalid Attribute Combination(?s:.*)` +
					dsPhrase(`Exactly one of these attributes must be configured: [id,merchant_customer_id,email]`).String()),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer" "x" {
  email = ""
}
`,
				ExpectError: dsPhrase(`Attribute email string length must be at least 1`),
			},
		},
	})
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("invalid configurations reached Monri: %d requests (%v)", n, s.RequestCounts())
	}
}
