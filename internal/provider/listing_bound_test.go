package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// A server that never ends a listing (new customers on every page) cannot
// keep the provider paging: each listing data source stops after
// max_listing_items (provider block, or MONRI_MAX_LISTING_ITEMS) with an
// error naming the setting and suggesting a filter.
func TestAccListingBound_endlessListing(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	cust := s.SeedCustomers(1, "cards")[0]
	s.SetFaultRate(1, []sandbox.Fault{{Kind: sandbox.FaultEndlessPage}}, 1)
	bounded := func(n int) *regexp.Regexp {
		return regexp.MustCompile(dsPhrase(fmt.Sprintf("stopped after %d items: that is max_listing_items (provider block; or the "+
			"MONRI_MAX_LISTING_ITEMS environment variable; default 1000000)", n)).String() +
			`(?s:.*)` + dsPhrase("narrow the listing with a filter that ends paging early (created_after").String())
	}
	customers := `
data "monri_customers" "all" {}
`
	cards := fmt.Sprintf(`
data "monri_customer_payment_methods" "cards" {
  customer_id = %q
}
`, cust)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfigWith(s, "max_listing_items = 500") + customers,
				ExpectError: regexp.MustCompile(`Unable to List Monri Customers(?s:.*)` + bounded(500).String()),
			},
			{
				Config:      providerConfigWith(s, "max_listing_items = 250") + cards,
				ExpectError: regexp.MustCompile(`Unable to List Monri Payment Methods(?s:.*)` + bounded(250).String()),
			},
			{
				PreConfig:   func() { t.Setenv("MONRI_MAX_LISTING_ITEMS", "300") },
				Config:      providerConfig(s) + customers,
				ExpectError: bounded(300),
			},
			// share_listings (on by default) served the lookups above from
			// one listing; without it each pages on its own, bounded alike.
			{
				Config:      providerConfigWith(s, "max_listing_items = 400", "share_listings = false") + customers,
				ExpectError: regexp.MustCompile(`Unable to List Monri Customers(?s:.*)` + bounded(400).String()),
			},
			// A lookup by email needs the whole listing: the shared one.
			{
				Config: providerConfigWith(s, "max_listing_items = 200") + `
data "monri_customer" "by_email" {
  email = "nobody@example.com"
}
`,
				ExpectError: bounded(200),
			},
		},
	})
}

// max_listing_items must be at least 1, in the block and in the
// environment; MONRI_SHARE_LISTINGS must be a boolean.
func TestAccListingBound_invalidSetting(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfigWith(s, "max_listing_items = 0") + "data \"monri_customers\" \"all\" {}\n",
				ExpectError: dsPhrase("Attribute max_listing_items value must be at least 1, got: 0"),
			},
			{
				PreConfig:   func() { t.Setenv("MONRI_MAX_LISTING_ITEMS", "lots") },
				Config:      providerConfig(s) + "data \"monri_customers\" \"all\" {}\n",
				ExpectError: dsPhrase(`The environment variable MONRI_MAX_LISTING_ITEMS (max_listing_items) is "lots"; it must be a whole number, at least 1.`),
			},
			{
				PreConfig: func() {
					t.Setenv("MONRI_MAX_LISTING_ITEMS", "")
					t.Setenv("MONRI_SHARE_LISTINGS", "sometimes")
				},
				Config:      providerConfig(s) + "data \"monri_customers\" \"all\" {}\n",
				ExpectError: dsPhrase(`The environment variable MONRI_SHARE_LISTINGS (share_listings) is "sometimes"; it must be true or false.`),
			},
		},
	})
}

// The data sources take timeouts { read }: a read slower than it
// fails with an error naming timeouts.read; a bad duration is refused at
// plan time.
func TestAccDataSourceTimeouts_read(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	cust := s.SeedCustomers(1, "cards")[0]
	s.SetFaultRate(1, []sandbox.Fault{{Kind: sandbox.FaultSlow, Delay: 4 * time.Second}}, 1)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfigWith(s, "max_retries = 0") + `
data "monri_customers" "all" {
  timeouts {
    read = "1s"
  }
}
`,
				ExpectError: regexp.MustCompile(`Unable to List Monri Customers(?s:.*)` +
					dsPhrase("Listing customers did not finish within timeouts.read (1s)").String()),
			},
			{
				Config: providerConfigWith(s, "max_retries = 0") + fmt.Sprintf(`
data "monri_customer_payment_methods" "cards" {
  customer_id = %q
  timeouts {
    read = "1s"
  }
}
`, cust),
				ExpectError: regexp.MustCompile(`Unable to List Monri Payment Methods(?s:.*)` +
					dsPhrase(fmt.Sprintf("Listing the payment methods of customer %q did not finish within timeouts.read (1s)", cust)).String()),
			},
			{
				Config: providerConfigWith(s, "max_retries = 0") + fmt.Sprintf(`
data "monri_customer" "c" {
  id = %q
  timeouts {
    read = "1s"
  }
}
`, cust),
				ExpectError: regexp.MustCompile(`Unable to Read Monri Customer(?s:.*)` +
					dsPhrase(fmt.Sprintf("Looking up the customer with id %q did not finish within timeouts.read (1s)", cust)).String()),
			},
			{
				Config: providerConfig(s) + `
data "monri_customers" "all" {
  timeouts {
    read = "-5m"
  }
}
`,
				ExpectError: dsPhrase(`timeouts.read is "-5m", but it is not positive`),
			},
		},
	})
}

// The list resource is bounded like the data sources: with a filter that
// matches nothing, Terraform's limit never stops it, and an endless listing
// stops at max_listing_items with the same error, with share_listings on
// (the default) and off.
func TestProtocolListResource_endlessListing(t *testing.T) {
	t.Parallel()
	for _, share := range []bool{true, false} {
		s := startSandbox(t, sandbox.Options{})
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultEndlessPage}, 1_000_000)
		p := newActionProvider(t, s, map[string]tftypes.Value{"max_listing_items": tfNum(400), "share_listings": tfBool(share)})
		results := p.list(map[string]tftypes.Value{"email": tfStr("nobody@example.com")}, false, 100)
		var diags []*tfprotov6.Diagnostic
		for _, r := range results {
			diags = append(diags, r.Diagnostics...)
		}
		wantDiag(t, diags, `stopped after 400 items: that is max_listing_items \(provider block; or the MONRI_MAX_LISTING_ITEMS`)
		if n := s.RequestCount(sandbox.RouteListCustomers); n > 400/100+4+1 {
			t.Errorf("share_listings %v: %d list requests, want at most %d", share, n, 400/100+4+1)
		}
	}
}
