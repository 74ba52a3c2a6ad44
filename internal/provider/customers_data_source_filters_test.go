package provider

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// pick returns ids[i] for each i, in the order given (callers list them
// newest first).
func pick(ids []string, idx ...int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = ids[j]
	}
	return out
}

// span returns ids[from..to] newest first (from > to).
func span(ids []string, from, to int) []string {
	out := slices.Clone(ids[to : from+1])
	slices.Reverse(out)
	return out
}

// Each filter alone, their combination and max_items with filters, against
// 60 customers served 10 per page (7 requests for a full listing).
func TestAccCustomersDataSource_filters(t *testing.T) {
	const total, pageCap = 60, 10
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap}})
	sent := newSentCounter() // counts at the client: see sentCounter
	// ids[i] is filt-000(i+1), email customer-000(i+1)@example.com, name
	// "Customer 000(i+1)"; ids[59] is the newest.
	ids := s.SeedCustomers(total, "filt")
	gold := map[string]string{"tier": "gold"}
	goldBA := map[string]string{"tier": "gold", "region": "ba"}
	for i, md := range map[int]map[string]string{3: gold, 14: goldBA, 15: {"tier": "silver"}, 42: goldBA, 50: {"tier": "gold", "region": "hr"}} {
		s.EditCustomer(ids[i], func(c *sandbox.Customer) { c.Metadata = md })
	}
	// The same address as customer 7's in other letter cases.
	s.EditCustomer(ids[40], func(c *sandbox.Customer) { c.Email = dsStr("Customer-00007@Example.COM") })
	s.EditCustomer(ids[41], func(c *sandbox.Customer) { c.MerchantCustomerID = nil })

	const addr = "data.monri_customers.x"
	config := func(attrs string, providerLines ...string) string {
		return providerConfigWith(s, providerLines...) + fmt.Sprintf(`
data "monri_customers" "x" {
%s}
`, attrs)
	}
	requests := func(n int) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantPagedRequests(sent, sandbox.RouteListCustomers, n))},
		}
	}
	step := func(attrs string, want []string, nRequests int, providerLines ...string) resource.TestStep {
		return resource.TestStep{
			PreConfig:        sent.ResetCounters,
			Config:           config(attrs, providerLines...),
			ConfigPlanChecks: requests(nRequests),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(want)),
			},
		}
	}
	const full = total/pageCap + 1 // six pages and the empty one

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			// email: exact, case-insensitive either way round.
			step(`  email = "CUSTOMER-00007@example.com"`+"\n", pick(ids, 40, 6), full),
			step(`  email = "customer-00007@example"`+"\n", nil, full),
			// name: exact and case-sensitive.
			step(`  name = "Customer 00012"`+"\n", pick(ids, 11), full),
			step(`  name = "customer 00012"`+"\n", nil, full),
			// merchant_customer_id_prefix: filt-00010 .. filt-00019.
			step(`  merchant_customer_id_prefix = "filt-0001"`+"\n", span(ids, 18, 9), full),
			// metadata: every given key with that value; others may be there.
			step(`  metadata = { tier = "gold" }`+"\n", pick(ids, 50, 42, 14, 3), full),
			step(`  metadata = { tier = "gold", region = "ba" }`+"\n", pick(ids, 42, 14), full),
			step(`  metadata = { tier = "Gold" }`+"\n", nil, full),
			// An empty map sets no condition.
			step(`  metadata = {}`+"\n", span(ids, 59, 0), full),
			// Combined: every filter must match.
			step(`  merchant_customer_id_prefix = "filt-0001"
  metadata                    = { tier = "gold" }
  name                        = "Customer 00015"
  email                       = "Customer-00015@example.com"
`, pick(ids, 14), full),
			step(`  merchant_customer_id_prefix = "filt-0001"
  metadata                    = { tier = "gold" }
  name                        = "Customer 00004"
`, nil, full),
			// max_items counts matches: filt-00019 .. filt-00017 are the
			// 42nd..44th newest, on the fifth page; without a shared
			// listing, paging stops there.
			step(`  merchant_customer_id_prefix = "filt-0001"
  max_items                   = 3
`, span(ids, 18, 16), 5, "share_listings = false"),
			// With the shared listing (the default), a filter that selects
			// may need every page, so the read takes the whole listing
			// (which later reads of the run then reuse).
			step(`  merchant_customer_id_prefix = "filt-0001"
  max_items                   = 3
`, span(ids, 18, 16), full),
			// More than match: every page is read.
			step(`  metadata  = { tier = "gold" }
  max_items = 10
`, pick(ids, 50, 42, 14, 3), full),
		},
	})
}

// created_after keeps newer customers only, compared as instants whatever
// zone Monri writes, and stops paging at the first page reaching an older
// customer: ⌊K/P⌋ + 1 requests for K newer customers and pages of P.
func TestAccCustomersDataSource_createdAfter(t *testing.T) {
	const total, pageCap = 100, 10
	// Monri writes created_at with +02:00 and milliseconds; the
	// configuration uses UTC.
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: pageCap, TimestampFormat: sandbox.TimestampsOffsetMillis}})
	sent := newSentCounter() // counts at the client: see sentCounter
	ids := s.SeedCustomers(total, "age")
	// ids[74] is the 26th newest: 25 are newer.
	pivot, _ := s.Customer(ids[74])
	after := pivot.CreatedAt.UTC().Format(time.RFC3339Nano)
	s.EditCustomer(ids[80], func(c *sandbox.Customer) { c.Metadata = map[string]string{"tier": "gold"} })
	s.EditCustomer(ids[60], func(c *sandbox.Customer) { c.Metadata = map[string]string{"tier": "gold"} })
	const addr = "data.monri_customers.x"
	config := func(attrs string, providerLines ...string) string {
		return providerConfigWith(s, providerLines...) + fmt.Sprintf(`
data "monri_customers" "x" {
%s}
`, attrs)
	}
	requests := func(n int) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantPagedRequests(sent, sandbox.RouteListCustomers, n))},
		}
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				// The whole listing, for comparison: 10 pages and the empty one.
				PreConfig:        sent.ResetCounters,
				Config:           config(""),
				ConfigPlanChecks: requests(11),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(span(ids, 99, 0))),
				},
			},
			{
				// Pages 1-2 are newer; page 3 holds the pivot (the 26th
				// newest), so paging stops there: 3 requests, not 11.
				PreConfig:        sent.ResetCounters,
				Config:           config(fmt.Sprintf("  created_after = %q\n", after)),
				ConfigPlanChecks: requests(3),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(span(ids, 99, 75))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_after"), knownvalue.StringExact(after)),
				},
			},
			{
				// The same instant written in another zone.
				PreConfig:        sent.ResetCounters,
				Config:           config(fmt.Sprintf("  created_after = %q\n", pivot.CreatedAt.In(time.FixedZone("", -5*3600)).Format(time.RFC3339Nano))),
				ConfigPlanChecks: requests(3),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(span(ids, 99, 75))),
				},
			},
			{
				// With another filter: the same pages are read.
				PreConfig: sent.ResetCounters,
				Config: config(fmt.Sprintf(`  created_after = %q
  metadata      = { tier = "gold" }
`, after)),
				ConfigPlanChecks: requests(3),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), dsIDList(pick(ids, 80))),
				},
			},
			{
				// In the future: the first page already reaches older ones.
				PreConfig:        sent.ResetCounters,
				Config:           config(`  created_after = "2999-01-01T00:00:00Z"` + "\n"),
				ConfigPlanChecks: requests(1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("customers"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// Invalid filters are plan-time errors naming the attribute and what is
// allowed, before any request.
func TestAccCustomersDataSource_invalidFilters(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	config := func(attrs string, providerLines ...string) string {
		return providerConfigWith(s, providerLines...) + fmt.Sprintf(`
data "monri_customers" "x" {
%s}
`, attrs)
	}
	rfc := func(got string) *regexp.Regexp {
		return regexp.MustCompile(`Invalid Timestamp(?s:.*)` + dsPhrase(fmt.Sprintf(`Attribute created_after value must be an RFC 3339 timestamp with a zone, such as "2024-01-31T00:00:00Z" or "2024-01-31T01:00:00+01:00" (date, "T", time, then "Z" or an offset); got %q.`, got)).String())
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(`  created_after = "2024-01-31"` + "\n"), ExpectError: rfc("2024-01-31")},
			{Config: config(`  created_after = "2024-01-31T00:00:00"` + "\n"), ExpectError: rfc("2024-01-31T00:00:00")},
			{Config: config(`  created_after = "2024-01-31 00:00:00Z"` + "\n"), ExpectError: rfc("2024-01-31 00:00:00Z")},
			{Config: config(`  created_after = ""` + "\n"), ExpectError: rfc("")},
			{
				Config:      config(`  metadata = { "" = "x" }` + "\n"),
				ExpectError: dsPhrase(`Attribute metadata[""] string length must be at least 1, got: 0`),
			},
			{
				Config:      config(`  email = ""` + "\n"),
				ExpectError: dsPhrase(`Attribute email string length must be at least 1, got: 0`),
			},
			{
				Config:      config(`  name = ""` + "\n"),
				ExpectError: dsPhrase(`Attribute name string length must be at least 1, got: 0`),
			},
			{
				Config:      config(`  merchant_customer_id_prefix = ""` + "\n"),
				ExpectError: dsPhrase(`Attribute merchant_customer_id_prefix string length must be at least 1, got: 0`),
			},
			{
				Config:      config(`  metadata = { tier = null }` + "\n"),
				ExpectError: regexp.MustCompile(`Invalid Metadata Filter(?s:.*)` + dsPhrase(`The metadata filter's value for key "tier" must be a string; it is null.`).String()),
			},
		},
	})
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("invalid filters reached Monri: %d requests (%v)", n, s.RequestCounts())
	}
}
