package provider

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

const custAddr = "monri_customer.test"

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// wantServer compares the sandbox's customer with the expected fields
// ("" meaning null) and metadata.
func wantServer(fields map[string]string, metadata map[string]string) func(c sandbox.Customer) error {
	return func(c sandbox.Customer) error {
		got := map[string]*string{
			"merchant_customer_id": c.MerchantCustomerID, "description": c.Description, "email": c.Email,
			"name": c.Name, "phone": c.Phone, "zip_code": c.ZipCode, "city": c.City, "address": c.Address, "country": c.Country,
		}
		var problems []string
		for k, p := range got {
			want, ok := fields[k]
			switch {
			case !ok && p != nil:
				problems = append(problems, fmt.Sprintf("%s = %q, want null", k, *p))
			case ok && (p == nil || *p != want):
				problems = append(problems, fmt.Sprintf("%s = %s, want %q", k, str(p), want))
			}
		}
		if !maps.Equal(c.Metadata, metadata) && (len(c.Metadata) != 0 || len(metadata) != 0) {
			problems = append(problems, fmt.Sprintf("metadata = %v, want %v", c.Metadata, metadata))
		}
		if c.Deleted {
			problems = append(problems, "customer is deleted")
		}
		if len(problems) > 0 {
			return fmt.Errorf("%s", strings.Join(problems, "; "))
		}
		return nil
	}
}

func checkDestroyed(s *sandbox.Server, ids ...*string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, id := range ids {
			c, ok := s.Customer(*id)
			if !ok {
				return fmt.Errorf("customer %s is unknown to the sandbox", *id)
			}
			if !c.Deleted || c.DeletedAt == nil {
				return fmt.Errorf("customer %s was not deleted on the sandbox", *id)
			}
		}
		return nil
	}
}

func TestAccCustomerResource_lifecycle(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id, id2 string
	full := map[string]string{
		"merchant_customer_id": "acc-full/1 é", "description": "A customer with every attribute", "email": "ana@example.com",
		"name": "Ana Anić", "phone": "+38761000111", "zip_code": "71000", "city": "Sarajevo", "address": "Džemala Bijedića 2", "country": "BA",
	}
	fullMeta := map[string]string{"team": "payments", "env": "test", "owner": "ana"}
	configFull := providerConfig(s) + `
resource "monri_customer" "test" {
  merchant_customer_id = "acc-full/1 é"
  description          = "A customer with every attribute"
  email                = "ana@example.com"
  name                 = "Ana Anić"
  phone                = "+38761000111"
  zip_code             = "71000"
  city                 = "Sarajevo"
  address              = "Džemala Bijedića 2"
  country              = "BA"
  metadata = {
    team  = "payments"
    env   = "test"
    owner = "ana"
  }
}
`
	// Update: change name and country, remove phone, city and address, remove
	// metadata key "owner", change "env", add "tier".
	updated := map[string]string{
		"merchant_customer_id": "acc-full/1 é", "description": "A customer with every attribute", "email": "ana@example.com",
		"name": "Ana Marija Anić", "zip_code": "10000", "country": "HR",
	}
	updatedMeta := map[string]string{"team": "payments", "env": "staging", "tier": "gold"}
	configUpdated := providerConfig(s) + `
resource "monri_customer" "test" {
  merchant_customer_id = "acc-full/1 é"
  description          = "A customer with every attribute"
  email                = "ana@example.com"
  name                 = "Ana Marija Anić"
  zip_code             = "10000"
  country              = "HR"
  metadata = {
    team = "payments"
    env  = "staging"
    tier = "gold"
  }
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				Config: configFull,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Ana Anić")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("country"), knownvalue.StringExact("BA")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("payments"), "env": knownvalue.StringExact("test"), "owner": knownvalue.StringExact("ana"),
					})),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("created_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`))),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("updated_at"), knownvalue.NotNull()),
					checkServerCustomer(s, custAddr, wantServer(full, fullMeta)),
				},
			},
			{
				ResourceName:      custAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:    custAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				ResourceName:      custAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateId:     "merchant_customer_id:acc-full/1 é",
			},
			{
				ResourceName:    custAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "merchant_customer_id:acc-full/1 é",
			},
			{
				Config: configUpdated,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id2),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("phone"), knownvalue.Null()),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("city"), knownvalue.Null()),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("address"), knownvalue.Null()),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("payments"), "env": knownvalue.StringExact("staging"), "tier": knownvalue.StringExact("gold"),
					})),
					checkServerCustomer(s, custAddr, wantServer(updated, updatedMeta)),
				},
			},
		},
	})
	if id != id2 {
		t.Fatalf("the update replaced the customer: %s became %s", id, id2)
	}
	if n := s.RequestCount("POST /v2/customers"); n != 1 {
		t.Fatalf("%d create requests, want exactly 1", n)
	}
}

func TestAccCustomerResource_minimal(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `resource "monri_customer" "test" {}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.Null()),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), knownvalue.Null()),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("email"), knownvalue.Null()),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{}, nil)),
				},
			},
			{ResourceName: custAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: custAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{
				// An empty metadata map is kept as written, without a diff.
				Config: providerConfig(s) + `resource "monri_customer" "test" {
  metadata = {}
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), knownvalue.MapSizeExact(0)),
				},
			},
			{
				// And going back to no metadata at all is quiet too.
				Config: providerConfig(s) + `resource "monri_customer" "test" {}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccCustomerResource_driftDeleted(t *testing.T) {
	for _, mode := range []sandbox.DeletedMode{sandbox.DeletedNotFound, sandbox.DeletedReturnsTrue} {
		t.Run(mode.String(), func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{DeletedMode: mode}})
			var first, second string
			config := providerConfig(s) + `
resource "monri_customer" "test" {
  merchant_customer_id = "drift-1"
  name                 = "Drifty"
}
`
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             checkDestroyed(s, &second),
				Steps: []resource.TestStep{
					{
						Config:            config,
						ConfigStateChecks: []statecheck.StateCheck{captureCustomerID(&first)},
					},
					{
						PreConfig: func() {
							if !s.DeleteCustomer(first) {
								t.Fatalf("sandbox could not delete %s", first)
							}
						},
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate)},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							captureCustomerID(&second),
							checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "drift-1", "name": "Drifty"}, nil)),
						},
					},
				},
			})
			if first == second || second == "" {
				t.Fatalf("the customer was not recreated: %q then %q", first, second)
			}
		})
	}
}

func TestAccCustomerResource_driftEdited(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id string
	config := providerConfig(s) + `
resource "monri_customer" "test" {
  name     = "Original"
  metadata = { a = "1" }
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{captureCustomerID(&id)}},
			{
				PreConfig: func() {
					s.EditCustomer(id, func(c *sandbox.Customer) {
						n, p := "Someone else", "555"
						c.Name, c.Phone = &n, &p
						c.Metadata = map[string]string{"a": "1", "added": "x"}
					})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Original")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"name": "Original"}, map[string]string{"a": "1"})),
				},
			},
		},
	})
}

func TestAccCustomerResource_duplicateMerchantCustomerID(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	uuids := s.SeedCustomers(1, "taken")
	existing, _ := s.Customer(uuids[0])
	mcid := *existing.MerchantCustomerID
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + fmt.Sprintf(`
resource "monri_customer" "test" {
  merchant_customer_id = %q
}
`, mcid),
				ExpectError: regexp.MustCompile(`(?s)Duplicate Monri Customer.*` + regexp.QuoteMeta(mcid) + `.*` + uuids[0] +
					`.*terraform import <resource address>\s+merchant_customer_id:` + regexp.QuoteMeta(mcid)),
			},
		},
	})
	if n := len(s.Customers()); n != 1 {
		t.Fatalf("%d customers on the sandbox, want 1", n)
	}
}

func TestAccCustomerResource_importErrors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	config := providerConfig(s) + `resource "monri_customer" "test" {}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				Config: config, ResourceName: custAddr, ImportState: true, ImportStateId: "merchant_customer_id:nobody",
				ExpectError: regexp.MustCompile(`no Monri customer with merchant_customer_id "nobody"`),
			},
			{
				Config: config, ResourceName: custAddr, ImportState: true, ImportStateId: "not a uuid",
				ExpectError: regexp.MustCompile(`neither a Monri customer uuid nor\s+merchant_customer_id:<value>`),
			},
			{
				Config: config, ResourceName: custAddr, ImportState: true, ImportStateId: "00000000-0000-4000-8000-000000000000",
				ExpectError: regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

func TestAccCustomerResource_validation(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		attr, value string
		want        string
	}{
		{"merchant_customer_id", `""`, `merchant_customer_id UTF-8 character count must be between 1 and 100`},
		{"merchant_customer_id", fmt.Sprintf("%q", long(101)), `merchant_customer_id UTF-8 character count must be between 1 and 100`},
		{"description", fmt.Sprintf("%q", long(201)), `description UTF-8 character count must be between 1 and 200`},
		{"email", fmt.Sprintf("%q", long(195)+"@x.com"), `email UTF-8 character count must be between 1 and 200`},
		{"email", `"not-an-email"`, `email must be an email address such as name@example.com`},
		{"name", fmt.Sprintf("%q", strings.Repeat("č", 51)), `name UTF-8 character count must be between 1 and 50`},
		{"phone", fmt.Sprintf("%q", long(31)), `phone UTF-8 character count must be between 1 and 30`},
		{"zip_code", `"1234567890"`, `zip_code UTF-8 character count must be between 1 and 9`},
		{"city", `"ab"`, `city UTF-8 character count must be between 3 and 30`},
		{"city", fmt.Sprintf("%q", long(31)), `city UTF-8 character count must be between 3 and 30`},
		{"address", `"ab"`, `address UTF-8 character count must be between 3 and 100`},
		{"address", fmt.Sprintf("%q", long(101)), `address UTF-8 character count must be between 3 and 100`},
		{"country", `"XX"`, `country value must be an ISO 3166-1 alpha-2 country code.*"XX".*not an assigned`},
		{"country", `"ba"`, `country value must be an ISO 3166-1 alpha-2 country code.*Write it in upper case: "BA"`},
		{"country", `"BIH"`, `country value must be an ISO 3166-1 alpha-2`},
		{"metadata", `{ "" = "x" }`, `metadata.*must be at least 1`},
	}
	var steps []resource.TestStep
	for _, tt := range tests {
		steps = append(steps, resource.TestStep{
			Config:      providerConfig(s) + fmt.Sprintf("resource \"monri_customer\" \"test\" {\n  %s = %s\n}\n", tt.attr, tt.value),
			ExpectError: regexp.MustCompile(`(?s)Attribute ` + strings.ReplaceAll(tt.want, " ", `\s+`)),
			PlanOnly:    true,
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("invalid configurations made %d requests to the sandbox, want 0: %v", n, s.RequestCounts())
	}
}

// Monri may store email addresses lower-cased; the configured spelling must
// then not show as a change or an inconsistent result.
func TestAccCustomerResource_emailNormalised(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{NormalizeEmails: true}})
	config := func(email string) string {
		return providerConfig(s) + fmt.Sprintf(`
resource "monri_customer" "test" {
  email = %q
}
`, email)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("Ana.Anic@Example.COM"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("email"), knownvalue.StringExact("Ana.Anic@Example.COM")),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"email": "ana.anic@example.com"}, nil)),
				},
			},
			{
				// A real change of address is still a change.
				Config: config("Other@Example.com"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"email": "other@example.com"}, nil)),
				},
			},
		},
	})
}

// A create whose outcome stays unknown even though it has a
// merchant_customer_id (the lookups fail too) stops with an error that says
// how to adopt the customer, and leaves nothing half-written in state.
func TestAccCustomerResource_createUnknownOutcomeWithMerchantID(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, 100)
	s.InjectFault(sandbox.RouteGetByMerchantID, sandbox.Fault{Kind: sandbox.FaultDrop}, 100)
	token, key := s.Credentials()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = %q
  max_retries        = 1
}
resource "monri_customer" "test" {
  merchant_customer_id = "lost-1"
}
`, s.URL(), token, key),
				ExpectError: regexp.MustCompile(`(?s)Unable to Create Monri Customer.*outcome is unknown.*merchant_customer_id\s+"lost-1"\s+failed\s+too.*terraform import <resource address>\s+merchant_customer_id:lost-1`),
			},
		},
	})
	if _, ok := s.CustomerByMerchantID("lost-1"); !ok {
		t.Fatal("the test's premise failed: the sandbox did not create the customer")
	}
}

// TestAccCustomerResource_merchantCustomerIDChangedInPlace: a new
// merchant_customer_id is an in-place update of the same customer (the
// schema promises "Can be changed in place"), not a replacement: the plan is
// an update, the id stays, the sandbox holds the new value, the new value
// finds the customer and the old one no longer does.
func TestAccCustomerResource_merchantCustomerIDChangedInPlace(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id string
	config := func(mcid string) string {
		return providerConfig(s) + fmt.Sprintf(`
resource "monri_customer" "test" {
  merchant_customer_id = %q
  name                 = "Keeps its id"
}
`, mcid)
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	// foundBy checks which merchant_customer_id finds the resource's customer
	// on the sandbox, and which finds no live customer at all.
	foundBy := func(current, old string) statecheck.StateCheck {
		return checkServerCustomer(s, custAddr, func(c sandbox.Customer) error {
			if got, ok := s.CustomerByMerchantID(current); !ok || got.UUID != c.UUID {
				return fmt.Errorf("merchant_customer_id %q finds %q (found: %v), want %s", current, got.UUID, ok, c.UUID)
			}
			if got, ok := s.CustomerByMerchantID(old); ok {
				return fmt.Errorf("the old merchant_customer_id %q still finds customer %s", old, got.UUID)
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				Config: config("mcid-before"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					sameID.AddStateValue(custAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("mcid-before")),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "mcid-before", "name": "Keeps its id"}, nil)),
					foundBy("mcid-before", "mcid-after"),
				},
			},
			{
				Config: config("mcid-after"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("mcid-after")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(custAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("mcid-after")),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "mcid-after", "name": "Keeps its id"}, nil)),
					foundBy("mcid-after", "mcid-before"),
				},
			},
			{
				ResourceName:      custAddr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateId:     "merchant_customer_id:mcid-after",
			},
			{
				Config: config("mcid-after"), ResourceName: custAddr, ImportState: true, ImportStateId: "merchant_customer_id:mcid-before",
				ExpectError: regexp.MustCompile(`no Monri customer with merchant_customer_id "mcid-before"`),
			},
		},
	})
	// One customer, updated once and deleted once, at destroy.
	for route, want := range map[string]int{sandbox.RouteCreateCustomer: 1, sandbox.RouteUpdateCustomer: 1, sandbox.RouteDeleteCustomer: 1} {
		if n := s.RequestCount(route); n != want {
			t.Errorf("%d requests to %s, want %d", n, route, want)
		}
	}
}
