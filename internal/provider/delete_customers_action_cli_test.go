package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The tests in this file run monri_delete_customers with the real Terraform
// CLI (terraform apply -invoke=action..., and a resource's action_trigger),
// which needs Terraform 1.14 or later: under an older TF_ACC_TERRAFORM_PATH,
// or OpenTofu, they skip, saying so. CI runs them under 1.14.9 and 1.16.4.
// They check what a user sees: Terraform's own lines around the action's
// progress messages and errors.

// featureDestroyTriggers is an action_trigger on before_destroy or
// after_destroy: Terraform 1.14 accepts only the create and update events
// ("The "event" argument supports the following values: before_create,
// after_create, before_update, after_update"); Terraform 1.16.0 added the
// destroy events (hashicorp/terraform#38668).
var featureDestroyTriggers = cliFeature{name: "action triggers on destroy", terraform: version.Must(version.NewVersion("1.16.0")),
	tofuMissingNote: "OpenTofu has no action blocks and no action_trigger"}

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

// progressLine is how Terraform 1.14+ shows one of the action's progress
// messages, msg being a regexp, when the action was triggered by trigger
// ("CLI" for -invoke, else a resource address).
func progressLine(trigger, msg string) string {
	return `(?m)^Action action\.monri_delete_customers\.cleanup \(triggered by ` + regexp.QuoteMeta(trigger) + `\): ` + msg + `$`
}

// deletedLine is the progress line for customer uuid with merchant_customer_id mid.
func deletedLine(trigger, verb, uuid, mid string) string {
	return progressLine(trigger, verb+` customer `+uuid+` \(merchant_customer_id "`+regexp.QuoteMeta(mid)+`"\)`)
}

func TestAccDeleteCustomersAction_cli(t *testing.T) {
	t.Parallel()
	skipWithoutFeature(t, featureActions) // also skips without TF_ACC
	s := startSandbox(t, sandbox.Options{})
	tf := newTFCLI(t)
	doomed := s.SeedCustomers(5, "ci")
	kept := s.SeedCustomers(2, "keep")
	mid := map[string]string{}
	for _, c := range s.LiveCustomers() {
		mid[c.UUID] = *c.MerchantCustomerID
	}
	apply := func(wantOK bool, providerLines []string, args string) string {
		t.Helper()
		s.ResetCounters()
		tf.writeConfig(deleteActionConfig(s, providerLines, args))
		return tf.run(wantOK, "apply", "-input=false", "-no-color", "-auto-approve", invokeCleanup)
	}
	const ciFilter = `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5`
	tf.writeConfig(deleteActionConfig(s, nil, ciFilter))
	tf.run(true, "init", "-input=false", "-no-color")

	// Each guard refuses with nothing deleted; those Terraform checks at
	// plan time refuse before any request reaches Monri.
	t.Run("guards", func(t *testing.T) {
		out := apply(false, nil, `    max_deletes = 5`)
		wantOutput(t, out, `Error: Missing Customer Filter`, `at least one filter \(merchant_customer_id_prefix, email, metadata, created_before\)`)
		noOutput(t, out, `Action started`)
		if n := s.TotalRequests(); n != 0 {
			t.Errorf("no filter: %d requests reached the sandbox (%v), want none", n, s.RequestCounts())
		}

		out = apply(false, nil, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 4`)
		wantOutput(t, out, `Action started: action.monri_delete_customers.cleanup \(triggered by CLI\)`,
			invokeFailed(`Too Many Monri Customers Match`),
			`Too Many Monri Customers Match:? 5 customers match the filters, more than max_deletes = 4, so none was deleted`)
		noOutput(t, out, progressLine("CLI", "deleted"))
		if n := s.RequestCount(sandbox.RouteDeleteCustomer); n != 0 {
			t.Errorf("too many: %d deletes sent, want none", n)
		}

		// environment = "prod" while base_url points at the sandbox: still
		// refused, at plan time.
		out = apply(false, []string{`environment        = "prod"`}, ciFilter)
		wantOutput(t, out, `Error: Refusing to Delete Production Customers`, `with action\.monri_delete_customers\.cleanup`,
			`Set allow_production = true in the action`)
		noOutput(t, out, `Action started`)
		if n := s.TotalRequests(); n != 0 {
			t.Errorf("production: %d requests reached the sandbox (%v), want none", n, s.RequestCounts())
		}
		if n := len(s.LiveCustomers()); n != 7 {
			t.Fatalf("after the refusals: %d live customers, want 7", n)
		}

		// allow_production lets it through (a dry run, here).
		out = apply(true, []string{`environment        = "prod"`}, ciFilter+`
    allow_production            = true
    dry_run                     = true`)
		wantOutput(t, out, progressLine("CLI", `dry run: 5 customers match and would be deleted; nothing was deleted`))
		if n := len(s.LiveCustomers()); n != 7 {
			t.Fatalf("after the allowed dry run: %d live customers, want 7", n)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		out := apply(true, nil, ciFilter+`
    dry_run                     = true`)
		for _, u := range doomed {
			wantOutput(t, out, deletedLine("CLI", "would delete", u, mid[u]))
		}
		for _, u := range kept {
			noOutput(t, out, u)
		}
		wantOutput(t, out, progressLine("CLI", `dry run: 5 customers match and would be deleted; nothing was deleted`),
			`Action complete: action\.monri_delete_customers\.cleanup \(triggered by CLI\)`,
			`Apply complete! Resources: 0 added, 0 changed, 0 destroyed\. Actions: 1 invoked\.`)
		if n := s.RequestCount(sandbox.RouteDeleteCustomer); n != 0 {
			t.Errorf("dry run: %d deletes sent", n)
		}
		if n := len(s.LiveCustomers()); n != 7 {
			t.Fatalf("after the dry run: %d live customers, want 7", n)
		}
	})

	// The first delete fails: what the error says was deleted is gone from
	// the server, each with its progress line; what it says was not
	// deleted is still there; no delete was sent for those but the one
	// that failed.
	t.Run("fault mid-way", func(t *testing.T) {
		s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden}, 1)
		out := apply(false, nil, ciFilter)
		wantOutput(t, out, invokeFailed(`Unable to Delete All Matching Monri Customers`),
			`Unable to Delete All Matching Monri Customers:? A delete failed, so no further delete was sent\. Monri answered HTTP 403`,
			`Invoking the action again deletes the rest`)
		deleted, notDeleted := partialLists(t, out)
		if len(notDeleted) == 0 || len(deleted)+len(notDeleted) != 5 {
			t.Fatalf("deleted %v, not deleted %v: want the 5 ci- customers, at least one not deleted", deleted, notDeleted)
		}
		var live []string
		for _, c := range s.LiveCustomers() {
			live = append(live, c.UUID)
		}
		for _, u := range doomed {
			switch {
			case slices.Contains(deleted, u):
				if slices.Contains(live, u) {
					t.Errorf("customer %s is reported deleted but is live", u)
				}
				wantOutput(t, out, deletedLine("CLI", "deleted", u, mid[u]))
			case slices.Contains(notDeleted, u):
				if !slices.Contains(live, u) {
					t.Errorf("customer %s is reported not deleted but is gone", u)
				}
				noOutput(t, out, deletedLine("CLI", "deleted", u, mid[u]))
			default:
				t.Errorf("customer %s is in neither list", u)
			}
		}
		if got, want := s.RequestCount(sandbox.RouteDeleteCustomer), len(deleted)+1; got != want {
			t.Errorf("%d deletes sent, want %d (those deleted and the one that failed)", got, want)
		}
		wantOutput(t, out, progressLine("CLI", fmt.Sprintf(`failed: deleted %d of 5 matching customers`, len(deleted))))
		noOutput(t, out, `Action complete`)
	})

	// The rest, one of them deleted meanwhile by someone else (the
	// sandbox deletes it, then answers 404): counted as deleted.
	t.Run("invoke", func(t *testing.T) {
		var rest []string
		for _, c := range s.LiveCustomers() {
			if strings.HasPrefix(*c.MerchantCustomerID, "ci-") {
				rest = append(rest, c.UUID)
			}
		}
		s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusNotFound, AfterHandling: true}, 1)
		out := apply(true, nil, ciFilter)
		already := 0
		for _, u := range rest {
			if regexp.MustCompile(deletedLine("CLI", "deleted", u, mid[u])).MatchString(out) {
				continue
			}
			wantOutput(t, out, progressLine("CLI", `deleted customer `+u+` \(merchant_customer_id "`+mid[u]+`"\) \(it was already deleted\)`))
			already++
		}
		if already != 1 {
			t.Errorf("%d customers reported already deleted, want 1", already)
		}
		noun := "customers"
		if len(rest) == 1 {
			noun = "customer"
		}
		summary := fmt.Sprintf(`deleted %d %s \(1 already deleted by someone else\)`, len(rest), noun)
		wantOutput(t, out, progressLine("CLI", summary),
			`Action complete: action\.monri_delete_customers\.cleanup \(triggered by CLI\)`)
		if left := liveMIDs(s); !slices.Equal(left, []string{"keep-00001", "keep-00002"}) {
			t.Fatalf("left: %v", left)
		}

		// Nothing matches any more.
		out = apply(true, nil, ciFilter)
		wantOutput(t, out, progressLine("CLI", `no customer matches the filters; nothing was deleted`))
	})
}

// An action_trigger runs the action when Terraform creates the resource
// (after_create), within the same apply, and not on a later apply that
// changes nothing; the production guard stops such a plan before the
// resource is created.
func TestAccDeleteCustomersAction_trigger(t *testing.T) {
	t.Parallel()
	skipWithoutFeature(t, featureActions) // also skips without TF_ACC
	s := startSandbox(t, sandbox.Options{})
	tf := newTFCLI(t)
	stale := s.SeedCustomers(3, "ci")
	s.SeedCustomers(1, "keep")
	config := func(providerLines ...string) string {
		return deleteActionConfig(s, providerLines, `    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 5`) + `
resource "monri_customer" "run" {
  merchant_customer_id = "run-1"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.monri_delete_customers.cleanup]
    }
  }
}
`
	}
	const by = "monri_customer.run"
	tf.writeConfig(config(`environment        = "prod"`))
	tf.run(true, "init", "-input=false", "-no-color")

	t.Run("production refused at plan", func(t *testing.T) {
		s.ResetCounters()
		out := tf.run(false, "apply", "-input=false", "-no-color", "-auto-approve")
		// Terraform 1.14 says "Failed to plan action", then the action's
		// error; Terraform 1.16 the action's error alone.
		wantOutput(t, out, `Error: (Failed to plan action|Refusing to Delete Production Customers)`,
			`The provider is configured for Monri's production environment`)
		noOutput(t, out, `Creating\.\.\.`)
		if n := s.RequestCount(sandbox.RouteCreateCustomer); n != 0 {
			t.Errorf("the plan was refused, yet %d creates were sent", n)
		}
		if n := len(s.LiveCustomers()); n != 4 {
			t.Errorf("%d live customers, want the 4 seeded", n)
		}
	})

	t.Run("after_create", func(t *testing.T) {
		tf.writeConfig(config())
		out := tf.run(true, "plan", "-input=false", "-no-color")
		wantOutput(t, out, `monri_customer\.run will be created`, `Plan: 1 to add, 0 to change, 0 to destroy\. Actions: 1 to invoke\.`)
		out = tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve")
		wantOutput(t, out, `Action started: action\.monri_delete_customers\.cleanup \(triggered by monri_customer\.run\)`,
			progressLine(by, `deleted 3 customers`),
			`Apply complete! Resources: 1 added, 0 changed, 0 destroyed\. Actions: 1 invoked\.`)
		for i, u := range stale {
			wantOutput(t, out, deletedLine(by, "deleted", u, fmt.Sprintf("ci-%05d", i+1)))
		}
		if left := liveMIDs(s); !slices.Equal(left, []string{"keep-00001", "run-1"}) {
			t.Fatalf("left: %v, want keep-00001 and the new run-1", left)
		}

		// Nothing changes: the trigger does not fire, and a customer
		// left since is not deleted.
		s.SeedCustomers(1, "ci")
		out = tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve")
		wantOutput(t, out, `No changes\.`)
		noOutput(t, out, `Action started`)
		if left := liveMIDs(s); !slices.Equal(left, []string{"ci-00001", "keep-00001", "run-1"}) {
			t.Fatalf("left: %v", left)
		}
	})

	// The guide's "delete the customers this run created once the fixture
	// is destroyed": the action's prefix matches the fixture too, which is
	// gone (so not listed) when the action runs.
	t.Run("after_destroy", func(t *testing.T) {
		skipWithoutFeature(t, featureDestroyTriggers)
		var fixture string
		for _, c := range s.LiveCustomers() {
			if *c.MerchantCustomerID == "run-1" {
				fixture = c.UUID
			}
		}
		ran := s.SeedCustomers(2, "run")
		cfg := strings.Replace(config(), "[after_create]", "[after_destroy]", 1)
		cfg = strings.Replace(cfg, `merchant_customer_id_prefix = "ci-"`, `merchant_customer_id_prefix = "run-"`, 1)
		tf.writeConfig(cfg)
		out := tf.run(true, "destroy", "-input=false", "-no-color", "-auto-approve")
		wantOutput(t, out, `Action started: action\.monri_delete_customers\.cleanup \(triggered by monri_customer\.run\)`,
			deletedLine(by, "deleted", ran[0], "run-00001"), deletedLine(by, "deleted", ran[1], "run-00002"),
			progressLine(by, `deleted 2 customers`),
			`Destroy complete! Resources: 1 destroyed\. Actions: 1 invoked\.`)
		noOutput(t, out, progressLine(by, `deleted customer `+fixture+`.*`))
		if left := liveMIDs(s); !slices.Equal(left, []string{"ci-00001", "keep-00001"}) {
			t.Fatalf("left: %v, want ci-00001 and keep-00001", left)
		}
	})
}

// TestDestroyTriggersSkipReason: the destroy-trigger subtest runs on
// Terraform 1.16 and skips, saying why, on 1.14 and OpenTofu.
func TestDestroyTriggersSkipReason(t *testing.T) {
	v := func(s string) *version.Version { return version.Must(version.NewVersion(s)) }
	for _, tc := range []struct {
		cli  testCLI
		v    string
		want string
	}{
		{testCLI{}, "1.16.0", ""},
		{testCLI{}, "1.16.4", ""},
		{testCLI{}, "1.14.9", "action triggers on destroy needs Terraform 1.16.0 or later; this is Terraform 1.14.9"},
		{testCLI{OpenTofu: true}, "1.12.6", "OpenTofu has no action blocks and no action_trigger (OpenTofu 1.12.6)"},
	} {
		got := featureDestroyTriggers.skipReason(tc.cli, v(tc.v))
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%v %s: skip %q, want %q", tc.cli, tc.v, got, tc.want)
		}
	}
}

// invokeFailed matches the error block of a failed invocation: Terraform 1.14
// heads it "Error when invoking action" (then the action's summary and
// detail), Terraform 1.16 with the action's own summary.
func invokeFailed(summary string) string {
	return `Error: (Error when invoking action|` + summary + `)`
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// partialLists reads the uuids of the "Deleted (n):" and "Not deleted (n):"
// lists of Terraform's final error block, checking each list's count.
func partialLists(t *testing.T, out string) (deleted, notDeleted []string) {
	t.Helper()
	i := strings.LastIndex(out, "Error: ")
	if i < 0 {
		t.Fatalf("no error block in:\n%s", out)
	}
	block := out[i:]
	d, nd, end := strings.Index(block, "Deleted ("), strings.Index(block, "Not deleted ("), strings.Index(block, "Invoking the action again")
	if d < 0 || nd < d || end < nd {
		t.Fatalf("the error does not list what was and was not deleted:\n%s", block)
	}
	deleted = uuidRE.FindAllString(block[d:nd], -1)
	notDeleted = uuidRE.FindAllString(block[nd:end], -1)
	wantOutput(t, block, fmt.Sprintf(`Deleted \(%d\):`, len(deleted)), fmt.Sprintf(`Not deleted \(%d\):`, len(notDeleted)))
	return deleted, notDeleted
}

func wantOutput(t *testing.T, out string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !outputMatches(out, re) {
			t.Errorf("terraform's output does not match %q:\n%s", re, out)
		}
	}
}

func noOutput(t *testing.T, out string, res ...string) {
	t.Helper()
	for _, re := range res {
		if outputMatches(out, re) {
			t.Errorf("terraform's output matches %q, and must not:\n%s", re, out)
		}
	}
}

// outputMatches matches re against out line by line when re is anchored
// to lines ((?m)), else against out with its whitespace runs (line wraps
// included) made single spaces.
func outputMatches(out, re string) bool {
	if strings.HasPrefix(re, "(?m)") {
		return regexp.MustCompile(re).MatchString(strings.ReplaceAll(out, "\r", ""))
	}
	return regexp.MustCompile(re).MatchString(strings.Join(strings.Fields(out), " "))
}
