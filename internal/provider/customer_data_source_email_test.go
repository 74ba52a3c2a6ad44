package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Lookup by email: one match (any letter case), none, several; deleted
// customers are left out whether or not Monri's listing includes them.
func TestAccCustomerDataSource_email(t *testing.T) {
	const total, pageCap = 250, 100
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap}})
	sent := newSentCounter() // counts at the client: see sentCounter
	ids := s.SeedCustomers(total, "mail")
	s.EditCustomer(ids[10], func(c *sandbox.Customer) { c.Email = dsStr("Ana.Kovac@Example.com") })
	// Two live customers share an address; a third (deleted) has it too.
	s.EditCustomer(ids[20], func(c *sandbox.Customer) { c.Email = dsStr("shared@example.com") })
	s.EditCustomer(ids[200], func(c *sandbox.Customer) {
		c.Email = dsStr("SHARED@example.com")
		c.MerchantCustomerID = nil
	})
	s.EditCustomer(ids[30], func(c *sandbox.Customer) { c.Email = dsStr("gone@example.com") })
	s.EditCustomer(ids[31], func(c *sandbox.Customer) { c.Email = dsStr("gone@example.com") })
	s.DeleteCustomer(ids[31])
	const addr = "data.monri_customer.x"
	config := func(email string) string {
		return providerConfig(s) + fmt.Sprintf(`
data "monri_customer" "x" {
  email = %q
}
`, email)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				// One match; every page is read (Monri has no lookup by
				// email): 3 pages of 100 and the empty one (and pages
				// still in flight when it came back).
				PreConfig: sent.ResetCounters,
				Config:    config("ana.kovac@EXAMPLE.com"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantPagedRequests(sent, sandbox.RouteListCustomers, 4))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(ids[10])),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("mail-00011")),
					// The configured spelling is kept (emails compare case-insensitively).
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("ana.kovac@EXAMPLE.com")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Customer 00011")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deleted"), knownvalue.Bool(false)),
				},
			},
			{
				// A deleted customer with the same address is left out.
				Config: config("gone@example.com"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(ids[30])),
				},
			},
			{
				// Also when Monri's listing includes deleted customers.
				PreConfig: func() { s.SetListIncludesDeleted(true) },
				Config:    config("gone@example.com"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(ids[30])),
				},
			},
			{
				Config: config("nobody@example.com"),
				ExpectError: regexp.MustCompile(`Unable to Read Monri Customer(?s:.*)` +
					dsPhrase(`There is no Monri customer with email "nobody@example.com": no customer in Monri's listing has this address (compared case-insensitively; deleted customers are left out).`).String()),
			},
			{
				Config: config("Shared@Example.com"),
				ExpectError: regexp.MustCompile(`Unable to Read Monri Customer(?s:.*)` +
					dsPhrase(`2 Monri customers have the email "Shared@Example.com" (compared case-insensitively), newest first:`).String() + `\s+` +
					dsPhrase(fmt.Sprintf(`- id %q, merchant_customer_id none`, ids[200])).String() + `\s+` +
					dsPhrase(fmt.Sprintf(`- id %q, merchant_customer_id "mail-00021"`, ids[20])).String() + `\s+` +
					dsPhrase(`The email does not identify one customer: look the customer up by its id or merchant_customer_id instead.`).String()),
			},
		},
	})
}
