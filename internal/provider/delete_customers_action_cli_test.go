package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The tests in this file run monri_delete_customers with the real Terraform
// CLI (terraform apply -invoke=action...), which needs Terraform 1.14 or
// later: under an older TF_ACC_TERRAFORM_PATH, or OpenTofu, they skip, saying
// so. CI runs them under 1.14.9 and 1.16.4.

// deleteActionConfig is a provider block for s (with extra provider lines)
// and a monri_delete_customers action "cleanup" with the given arguments.
func deleteActionConfig(s *sandbox.Server, providerLines []string, args string) string {
	return providerConfigWith(s, providerLines...) + fmt.Sprintf(`
action "monri_delete_customers" "cleanup" {
  config {
%s
  }
}
`, args)
}

const invokeCleanup = "-invoke=action.monri_delete_customers.cleanup"

func TestAccDeleteCustomersAction_cli(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	tf := newTFCLI(t)
	skipWithoutFeature(t, featureActions)
	doomed := s.SeedCustomers(5, "ci")
	s.SeedCustomers(2, "keep")
	apply := func(wantOK bool, providerLines []string, args string) string {
		t.Helper()
		tf.writeConfig(deleteActionConfig(s, providerLines, args))
		return tf.run(wantOK, "apply", "-input=false", "-no-color", "-auto-approve", invokeCleanup)
	}
	tf.writeConfig(deleteActionConfig(s, nil, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5`))
	tf.run(true, "init", "-input=false", "-no-color")

	t.Run("guards", func(t *testing.T) {
		out := apply(false, nil, `    max_deletes = 5`)
		wantOutput(t, out, `Missing Customer Filter`, `at least one filter`)
		out = apply(false, nil, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 4`)
		wantOutput(t, out, `Too Many Monri Customers Match`, `5 customers match the filters, more than max_deletes = 4, so none was deleted`)
		out = apply(false, []string{`environment        = "prod"`}, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5`)
		wantOutput(t, out, `Refusing to Delete Production Customers`, `allow_production = true`)
		if n := len(s.LiveCustomers()); n != 7 {
			t.Fatalf("after the refusals: %d live customers, want 7", n)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		out := apply(true, nil, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5
    dry_run                     = true`)
		for _, u := range doomed {
			wantOutput(t, out, "would delete customer "+u)
		}
		wantOutput(t, out, `dry run: 5 customers match and would be deleted; nothing was deleted`)
		if n := len(s.LiveCustomers()); n != 7 {
			t.Fatalf("after the dry run: %d live customers, want 7", n)
		}
	})

	t.Run("fault mid-way", func(t *testing.T) {
		s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden}, 1)
		out := apply(false, nil, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5`)
		wantOutput(t, out, `Unable to Delete All Matching Monri Customers`, `Not deleted \(\d\):`, `failed: deleted \d of 5 matching customers`)
		live := len(s.LiveCustomers())
		if live < 3 || live > 7 {
			t.Fatalf("after the fault: %d live customers", live)
		}
	})

	t.Run("invoke", func(t *testing.T) {
		out := apply(true, nil, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5`)
		wantOutput(t, out, `deleted \d customers \(0 of them were already deleted\)`)
		var left []string
		for _, c := range s.LiveCustomers() {
			left = append(left, *c.MerchantCustomerID)
		}
		slices.Sort(left)
		if !slices.Equal(left, []string{"keep-00001", "keep-00002"}) {
			t.Fatalf("left: %v", left)
		}
	})
}

func wantOutput(t *testing.T, out string, res ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, re := range res {
		if !regexp.MustCompile(re).MatchString(flat) {
			t.Errorf("terraform's output does not match %q:\n%s", re, out)
		}
	}
}
