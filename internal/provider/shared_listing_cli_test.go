package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The shared listing seen from the CLI (any CLI: these are data sources and
// a resource): the sandbox's counters for one `terraform plan`, and a
// lookup after a create within one `terraform apply`.

// sharedListingReads is 10 monri_customer lookups by email and 2
// monri_customers with different filters over customers seeded with
// SeedCustomers(n, "sl"), and outputs saying what each found.
func sharedListingReads(n int) string {
	var b strings.Builder
	for i := range 10 {
		num := 1 + i*(n/10)
		fmt.Fprintf(&b, `
data "monri_customer" "l%d" {
  email = "customer-%05d@example.com"
}
`, i, num)
	}
	b.WriteString(`
data "monri_customers" "prefix" {
  merchant_customer_id_prefix = "sl-0001"
}

data "monri_customers" "name" {
  name = "Customer 00007"
}

output "found" {
  value = [` + func() string {
		var refs []string
		for i := range 10 {
			refs = append(refs, fmt.Sprintf("data.monri_customer.l%d.merchant_customer_id", i))
		}
		return strings.Join(refs, ", ")
	}() + `]
}

output "prefix_count" {
  value = length(data.monri_customers.prefix.customers)
}

output "name_count" {
  value = length(data.monri_customers.name.customers)
}
`)
	return b.String()
}

// Issue 21's figure, from the sandbox's counters: one terraform plan with
// 10 lookups by email and 2 monri_customers with different filters over
// 2,000 customers sends at most one listing's requests, ceil(N/page) + 1 +
// the pages in flight; with share_listings = false each read lists on its
// own.
func TestAccSharedListing_cliPlan(t *testing.T) {
	t.Parallel()
	skipUnlessAcc(t)
	const n, page = 2000, 100
	bound := (n+page-1)/page + 1 + monri.DefaultMaxConcurrentPages
	for _, share := range []bool{true, false} {
		t.Run(fmt.Sprintf("share_listings=%v", share), func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, sandbox.Options{})
			s.SeedCustomers(n, "sl")
			tf := newTFCLI(t)
			tf.writeConfig(providerConfigWith(s, fmt.Sprintf("share_listings     = %v", share)) + sharedListingReads(n))
			tf.run(true, "init", "-input=false", "-no-color")
			s.ResetCounters()
			out := tf.run(true, "plan", "-input=false", "-no-color")
			var want []string
			for i := range 10 {
				want = append(want, `(\+ )?`+regexp.QuoteMeta(fmt.Sprintf(`"sl-%05d"`, 1+i*(n/10))))
			}
			// A plan shows the outputs as additions: + found = [ + "sl-00001", ...
			wantOutput(t, out, `found = \[ `+strings.Join(want, `, `)+`,? \]`,
				`name_count = 1`, `prefix_count = 10`)
			counts := s.RequestCounts()
			list := counts[sandbox.RouteListCustomers]
			t.Logf("terraform plan, 12 reads over %d customers, share_listings=%v: requests %v", n, share, counts)
			if len(counts) != 1 {
				t.Errorf("requests %v, want only list requests", counts)
			}
			if share && list > bound {
				t.Errorf("%d list requests, want at most one listing's ceil(%d/%d) + 1 + %d = %d", list, n, page, monri.DefaultMaxConcurrentPages, bound)
			}
			if !share && list < 12*(n/page) {
				t.Errorf("%d list requests without sharing, want each of the 12 reads to list (at least %d)", list, 12*(n/page))
			}
		})
	}
}

// Within one terraform apply, a lookup by email after a create sees the new
// customer, although a read earlier in the same apply (forced into the
// apply by depending on terraform_data) made a shared listing without it:
// the create drops the listing.
func TestAccSharedListing_cliLookupAfterCreate(t *testing.T) {
	t.Parallel()
	skipUnlessAcc(t)
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(250, "lac")
	tf := newTFCLI(t)
	tf.writeConfig(providerConfig(s) + `
resource "terraform_data" "gate" {
  input = "fresh@example.com"
}

# Read during the apply (its email is known only then): lists every customer.
data "monri_customers" "before" {
  email = terraform_data.gate.output
}

resource "monri_customer" "fresh" {
  merchant_customer_id = "lac-fresh"
  email                = "fresh@example.com"
  depends_on           = [data.monri_customers.before]
}

data "monri_customer" "after" {
  email = monri_customer.fresh.email
}

output "before_count" {
  value = length(data.monri_customers.before.customers)
}

output "after_matches" {
  value = data.monri_customer.after.id == monri_customer.fresh.id
}
`)
	tf.run(true, "init", "-input=false", "-no-color")
	s.ResetCounters()
	out := tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve")
	wantOutput(t, out, `data\.monri_customers\.before: Reading\.\.\.`, `data\.monri_customer\.after: Reading\.\.\.`,
		`after_matches = true`, `before_count = 0`)
	// Both reads ran in the apply and each listed: the one after the
	// create could not use the listing the one before it made.
	if list, one := s.RequestCount(sandbox.RouteListCustomers), (250+99)/100+1; list < 2*one {
		t.Errorf("%d list requests in the apply, want two listings (at least %d)", list, 2*one)
	}
}
