package provider

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The live API may answer in ways Monri's documents do not rule out. The
// sandbox emulates each (sandbox.Variants); these tests run the real
// terraform binary against it in each variant and check what a user sees.

// variantProviderConfig is providerConfig with an authentication setting
// ("" leaves it unset).
func variantProviderConfig(s *sandbox.Server, authentication string) string {
	if authentication == "" {
		return providerConfig(s)
	}
	return providerConfigWith(s, fmt.Sprintf("authentication = %q", authentication))
}

// countingFactories serves the provider like testAccProtoV6ProviderFactories
// and counts the provider servers Terraform started.
func countingFactories(n *atomic.Int64) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"monri": func() (tfprotov6.ProviderServer, error) {
			n.Add(1)
			return testProviderServer(newTestProvider()), nil
		},
	}
}

// variantConfig is the configuration every variant's lifecycle applies: a
// customer, a lookup of it, a listing of all customers and the cards of a
// seeded customer. phone == "" leaves the phone out.
func variantConfig(s *sandbox.Server, auth, name, phone, cardOwner string) string {
	phoneLine := ""
	if phone != "" {
		phoneLine = fmt.Sprintf("  phone                = %q\n", phone)
	}
	return variantProviderConfig(s, auth) + fmt.Sprintf(`
resource "monri_customer" "test" {
  merchant_customer_id = "variant-1"
  name                 = %q
  email                = "Ana.Anic@Example.com"
%s  metadata = {
    team = "payments"
  }
}

data "monri_customer" "by_mid" {
  merchant_customer_id = monri_customer.test.merchant_customer_id
}

data "monri_customers" "all" {
  depends_on = [monri_customer.test]
}

data "monri_customer_payment_methods" "cards" {
  customer_id = %q
}
`, name, phoneLine, cardOwner)
}

// dsIDs is a check that a list attribute of a data source holds objects
// whose ids are exactly want, in order.
func customersListed(want func() []string) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		r := findResource(req.State, "data.monri_customers.all")
		if r == nil {
			return fmt.Errorf("data.monri_customers.all not in state")
		}
		list, _ := r.AttributeValues["customers"].([]any)
		var got []string
		for _, item := range list {
			m, _ := item.(map[string]any)
			id, _ := m["id"].(string)
			got = append(got, id)
		}
		if w := want(); strings.Join(got, ",") != strings.Join(w, ",") {
			return fmt.Errorf("monri_customers listed %d customers %v, want %d %v", len(got), got, len(w), w)
		}
		return nil
	})
}

// TestAccVariants runs the same lifecycle (create with data sources, import,
// update, deletion outside Terraform, destroy) against the sandbox in each
// variant that needs nothing of the user, and checks that it behaves as in
// the default.
func TestAccVariants(t *testing.T) {
	for _, tc := range []struct {
		spec string // sandbox.ParseVariants
		auth string // the provider's authentication setting
		// timestamp matches created_at as Monri sent it.
		timestamp *regexp.Regexp
		// check runs after the whole test: request counts and the like.
		check func(t *testing.T, s *sandbox.Server)
	}{
		{spec: ""},
		{spec: "deleted-true"},
		{spec: "list-includes-deleted"},
		{spec: "normalize-emails"},
		{spec: "page-cap=2"},
		{spec: "page-cap=60,limit-above-cap-400", check: func(t *testing.T, s *sandbox.Server) {
			// The listings' first request asked for 100 and was refused;
			// every later one (in that provider process and later ones, which
			// start afresh) recovered with 50.
			if s.RequestCount(sandbox.RouteListCustomers) == 0 {
				t.Fatal("no listing requests")
			}
		}},
		{spec: "deleted-as-string"},
		{spec: "timestamps=offset", timestamp: regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+02:00$`)},
		{spec: "timestamps=offset-millis", timestamp: regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+02:00$`)},
		{spec: "list-key=id"},
		{spec: "list-key=both"},
		{spec: "delete-key=uuid"},
		{spec: "delete-key=both"},
		{spec: "delete-key=none"},
		{spec: "distinct-card-ids"},
		{spec: "unknown-customer-empty-cards"},
		{spec: "delete-deleted-400"},
		{spec: "ignore-null-fields"}, // the lifecycle clears nothing top-level
		{spec: "bearer-only", auth: "access_token", check: func(t *testing.T, s *sandbox.Server) {
			if s.RequestCount(sandbox.RouteOAuth) == 0 {
				t.Fatal("no access token was requested")
			}
		}},
		{spec: "", auth: "access_token"},
		{spec: "deleted-true,deleted-as-string,timestamps=offset-millis,list-key=id,delete-key=none,page-cap=60,limit-above-cap-400," +
			"unknown-customer-empty-cards,delete-deleted-400,normalize-emails,bearer-only", auth: "access_token",
			timestamp: regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+02:00$`)},
	} {
		name := tc.spec + "/" + tc.auth
		if name == "/" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := sandbox.ParseVariants(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			s := startSandbox(t, sandbox.Options{Variants: v})
			s.SeedCustomers(5, "seeded")
			owner := s.SeedCustomers(1, "card-owner")[0]
			card, err := s.AttachCard(owner, sandbox.Card{})
			if err != nil {
				t.Fatal(err)
			}
			if v.DistinctCardIDs == (card.ID == card.Token) {
				t.Fatalf("card id == token is %v under %q", card.ID == card.Token, tc.spec)
			}
			var ignoreEmail []string
			if v.NormalizeEmails {
				ignoreEmail = []string{"email"}
			}
			var id, id2, id3 string
			live := func() []string { return newestFirst(s, func(c sandbox.Customer) bool { return !c.Deleted }) }
			timestamp := tc.timestamp
			if timestamp == nil {
				timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
			}
			created := []statecheck.StateCheck{
				captureCustomerID(&id),
				statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(timestamp)),
				statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("updated_at"), knownvalue.StringRegexp(timestamp)),
				statecheck.CompareValuePairs(custAddr, tfjsonpath.New("id"), "data.monri_customer.by_mid", tfjsonpath.New("id"), compare.ValuesSame()),
				statecheck.CompareValuePairs(custAddr, tfjsonpath.New("created_at"), "data.monri_customer.by_mid", tfjsonpath.New("created_at"), compare.ValuesSame()),
				customersListed(live),
				statecheck.ExpectKnownValue("data.monri_customer_payment_methods.cards", tfjsonpath.New("payment_methods"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(card.ID), "token": knownvalue.StringExact(card.Token),
					})})),
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					if c, ok := s.Customer(id3); !ok || !c.Deleted {
						return fmt.Errorf("customer %s was not deleted", id3)
					}
					return nil
				},
				Steps: []resource.TestStep{
					{
						Config: variantConfig(s, tc.auth, "Ana", "+38761000111", owner),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: append(created,
							checkServerCustomer(s, custAddr, wantServer(map[string]string{
								"merchant_customer_id": "variant-1", "name": "Ana", "phone": "+38761000111",
								"email": map[bool]string{true: "ana.anic@example.com", false: "Ana.Anic@Example.com"}[v.NormalizeEmails],
							}, map[string]string{"team": "payments"}))),
					},
					// A normalised email is imported as Monri holds it (the
					// configuration's spelling is equal to it).
					{ResourceName: custAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreEmail},
					{ResourceName: custAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: ignoreEmail,
						ImportStateId: "merchant_customer_id:variant-1"},
					{
						Config: variantConfig(s, tc.auth, "Ana Marija", "+38761000222", owner),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							captureCustomerID(&id2),
							statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Ana Marija")),
							statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("updated_at"), knownvalue.StringRegexp(timestamp)),
							customersListed(live),
						},
					},
					{
						// Deleted outside Terraform: noticed and created again.
						PreConfig: func() {
							if !s.DeleteCustomer(id) {
								t.Fatalf("could not delete %s on the sandbox", id)
							}
						},
						Config: variantConfig(s, tc.auth, "Ana Marija", "+38761000222", owner),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate)},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{captureCustomerID(&id3), customersListed(live)},
					},
				},
			})
			if id != id2 || id3 == id || id3 == "" {
				t.Fatalf("ids: created %s, updated %s, recreated %s", id, id2, id3)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

// A server that ignores a top-level null in an update (ignore-null-fields):
// the apply fails naming the attribute, the state holds what Monri holds (so
// the next plan shows the change again), and setting a value resolves it.
func TestAccVariant_ignoreNullFields(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{IgnoreNullFields: true}})
	config := func(name, phone, city string, meta string) string {
		c := providerConfig(s) + fmt.Sprintf("resource \"monri_customer\" \"test\" {\n  merchant_customer_id = \"kept-1\"\n  name = %q\n", name)
		if phone != "" {
			c += fmt.Sprintf("  phone = %q\n", phone)
		}
		if city != "" {
			c += fmt.Sprintf("  city = %q\n", city)
		}
		return c + "  metadata = {" + meta + "}\n}\n"
	}
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{Config: config("Ana", "+38761000111", "Sarajevo", `a = "1", b = "2"`), ConfigStateChecks: []statecheck.StateCheck{captureCustomerID(&id)}},
			{
				// Remove phone and city, rename, drop metadata key b: Monri
				// applies the name and the key, keeps phone and city.
				Config: config("Ana Marija", "", "", `a = "1"`),
				ExpectError: regexp.MustCompile(`(?s)Unable to Update Monri Customer.*with monri_customer\.test,.*no longer sets phone of\s+customer.*` +
					`sent "phone": null.*Monri\s+kept\s+it.*set phone to a value.*terraform apply -replace=`),
			},
			{
				// The plan shows the clears again (never "Provider produced
				// inconsistent result")...
				Config:             config("Ana Marija", "", "", `a = "1"`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// ...because the state holds Monri's values: configured as
				// Monri holds them, nothing changes.
				Config: config("Ana Marija", "+38761000111", "Sarajevo", `a = "1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("phone"), knownvalue.StringExact("+38761000111")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("city"), knownvalue.StringExact("Sarajevo")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Ana Marija")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), knownvalue.MapExact(map[string]knownvalue.Check{"a": knownvalue.StringExact("1")})),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "kept-1", "name": "Ana Marija",
						"phone": "+38761000111", "city": "Sarajevo"}, map[string]string{"a": "1"})),
				},
			},
			{
				// Setting values resolves it.
				Config: config("Ana Marija", "+38761000999", "Mostar", `a = "1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "kept-1", "name": "Ana Marija",
						"phone": "+38761000999", "city": "Mostar"}, map[string]string{"a": "1"})),
				},
			},
		},
	})
}

// A server that accepts only Bearer tokens on the customer endpoints
// (bearer-only): under the default signature the 401 says what to set; with
// authentication = "access_token" every request succeeds with one token per
// provider process, whatever the parallelism.
func TestAccVariant_bearerOnly(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{BearerOnly: true}})
	customers := func(auth string) string {
		return variantProviderConfig(s, auth) + `
resource "monri_customer" "test" {
  count                = 12
  merchant_customer_id = "bearer-${count.index}"
}
`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      customers(""),
			ExpectError: regexp.MustCompile(`(?s)Unable to Create Monri Customer.*HTTP 401.*authentication\s+=\s+"access_token".*MONRI_AUTHENTICATION=access_token`),
		}},
	})
	if n := len(s.LiveCustomers()); n != 0 {
		t.Fatalf("%d customers created under signature", n)
	}

	var servers atomic.Int64
	s.ResetCounters()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: countingFactories(&servers),
		Steps: []resource.TestStep{{
			Config: customers("access_token"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
	oauth, api := s.RequestCount(sandbox.RouteOAuth), s.TotalRequests()-s.RequestCount(sandbox.RouteOAuth)
	t.Logf("%d provider servers, %d token requests, %d customer requests", servers.Load(), oauth, api)
	if oauth == 0 || int64(oauth) > servers.Load() || s.RequestCount(sandbox.RouteCreateCustomer) != 12 {
		t.Fatalf("%d token requests for %d provider servers and %d creates; want at most one token per provider server",
			oauth, servers.Load(), s.RequestCount(sandbox.RouteCreateCustomer))
	}
	if n := len(s.LiveCustomers()); n != 0 {
		t.Fatalf("%d customers left after destroy", n)
	}
}

// A server that answers 400 to a limit above its maximum
// (limit-above-cap-400): one refused request, then pages of 50, the whole
// listing, no error.
func TestAccVariant_limitAboveCap400(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 60, RejectLargeLimit: true}})
	s.SeedCustomers(130, "paged")
	cli := newTFCLI(t)
	cli.writeConfig(providerConfig(s) + `
data "monri_customers" "all" {}

output "listed" {
  value = length(data.monri_customers.all.customers)
}
`)
	cli.run(true, "init", "-input=false")
	s.ResetCounters()
	out := cli.run(true, "plan", "-input=false", "-no-color")
	if !strings.Contains(out, "listed = 130") {
		t.Fatalf("the plan does not list all 130 customers:\n%s", out)
	}
	// limit=100 refused; limit=50 at offsets 0, 50, 100 and the empty page at
	// 130 (and pages still in flight when it came back).
	if err := dsWantPagedRequests(s, sandbox.RouteListCustomers, 5)(); err != nil {
		t.Fatalf("one 400, then 4 pages of 50: %v", err)
	}
}

// A server that lists no cards for a customer it does not know
// (unknown-customer-empty-cards): one GET of the customer per empty listing,
// and an unknown customer_id is still an error naming it.
func TestAccVariant_unknownCustomerEmptyCards(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{UnknownCustomerEmptyCards: true}})
	ids := s.SeedCustomers(2, "cards")
	if _, err := s.AttachCard(ids[0], sandbox.Card{}); err != nil {
		t.Fatal(err)
	}
	const unknown = "00000000-0000-4000-8000-000000000000"
	config := func(third string) string {
		return providerConfig(s) + fmt.Sprintf(`
data "monri_customer_payment_methods" "with" {
  customer_id = %q
}

data "monri_customer_payment_methods" "without" {
  customer_id = %q
}
%s`, ids[0], ids[1], third)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.monri_customer_payment_methods.with", tfjsonpath.New("payment_methods"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.monri_customer_payment_methods.without", tfjsonpath.New("payment_methods"), knownvalue.ListSizeExact(0)),
				},
			},
			{
				Config: config(fmt.Sprintf("\ndata \"monri_customer_payment_methods\" \"unknown\" {\n  customer_id = %q\n}\n", unknown)),
				ExpectError: regexp.MustCompile(`(?s)Unable to List Monri Payment Methods.*There is no Monri customer with id\s+"` + unknown +
					`":\s+Monri\s+listed\s+no\s+cards\s+for\s+it,\s+and\s+answered\s+HTTP\s+404\s+to\s+GET\s+/v2/customers/` + unknown),
			},
		},
	})
	// Each read of "with" is two listing requests (its card, then an empty
	// page), each read of "without" one listing and one GET; "unknown" is
	// read once: one listing and one GET.
	pms, gets := s.RequestCount(sandbox.RouteListPaymentMethods), s.RequestCount(sandbox.RouteGetCustomer)
	if reads := gets - 1; reads < 1 || pms != 3*reads+1 {
		t.Fatalf("%d listing requests and %d GETs: want 3 listings per GET (one GET per empty listing, none otherwise)", pms, gets)
	}
}

// A server that answers 400 to the delete of a customer already deleted
// (delete-deleted-400): a delete whose answer was lost (500 after deleting)
// is retried, meets the 400, and a GET confirms the customer is gone; a 400
// for a customer that is not gone stays an error.
func TestAccVariant_deleteDeleted400(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{DeleteDeletedAnswers400: true}})
	withCustomer := providerConfig(s) + `
resource "monri_customer" "test" {
  merchant_customer_id = "twice-deleted"
}
`
	var id, id2 string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: withCustomer, ConfigStateChecks: []statecheck.StateCheck{captureCustomerID(&id)}},
			{
				PreConfig: func() {
					s.ResetCounters()
					s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500, AfterHandling: true}, 1)
				},
				Config: providerConfig(s),
				Check: func(*terraform.State) error {
					if c, ok := s.Customer(id); !ok || !c.Deleted {
						return fmt.Errorf("customer %s not deleted", id)
					}
					// The lost answer, the retry answered 400, the GET.
					if d := s.RequestCount(sandbox.RouteDeleteCustomer); d != 2 {
						return fmt.Errorf("%d DELETE requests, want 2", d)
					}
					if g := s.RequestCount(sandbox.RouteGetCustomer); g < 1 {
						return fmt.Errorf("no GET confirmed the deletion")
					}
					return nil
				},
			},
			{Config: withCustomer, ConfigStateChecks: []statecheck.StateCheck{captureCustomerID(&id2)}},
			{
				PreConfig: func() {
					s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 400}, 1)
				},
				Config:      providerConfig(s),
				ExpectError: regexp.MustCompile(`(?s)Unable to Delete Monri Customer.*Deleting customer.*HTTP 400`),
			},
			{
				Config: providerConfig(s),
				Check: func(*terraform.State) error {
					if c, ok := s.Customer(id2); !ok || !c.Deleted {
						return fmt.Errorf("customer %s not deleted once the 400 was gone", id2)
					}
					return nil
				},
			},
		},
	})
}
