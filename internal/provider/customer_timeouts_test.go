package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// slowRetryFactories serve the provider with retries 300 ms apart, so that
// ten retries of a 503 take about three seconds: longer than the timeouts
// the tests set.
var slowRetryFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"monri": func() (tfprotov6.ProviderServer, error) {
		return testProviderServer(&monriProvider{version: "test", newClient: func(c monri.Config) (*monri.Client, error) {
			c.RetryWaitMin, c.RetryWaitMax = 300*time.Millisecond, 300*time.Millisecond
			return monri.New(c)
		}}), nil
	},
}

// timeoutsConfig is a customer with every timeout set to 1s, behind a
// provider that retries ten times.
func timeoutsConfig(s *sandbox.Server, mcid, name, extra string) string {
	return providerConfigWith(s, "max_retries = 10") + fmt.Sprintf(`
resource "monri_customer" "test" {
  merchant_customer_id = %q
  name                 = %q
  timeouts {
    create = "1s"
    read   = "1s"
    update = "1s"
    delete = "1s"
  }
}
%s`, mcid, name, extra)
}

// re makes a pattern of words match across the line breaks Terraform puts
// into long error messages.
func re(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// TestAccCustomerResource_timeouts: each operation's timeout fires while the
// sandbox injects faults (a slow answer, or 503 after 503), with an error
// naming the operation and the timeout; the create that timed out is not
// duplicated when applied again, and with the faults gone everything applies.
func TestAccCustomerResource_timeouts(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id string
	slow := sandbox.Fault{Kind: sandbox.FaultSlow, Delay: 10 * time.Second}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: slowRetryFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				// The create hangs; the sandbox gives up on it when the
				// provider does, so nothing is created.
				PreConfig: func() { s.InjectFault(sandbox.RouteCreateCustomer, slow, 1) },
				Config:    timeoutsConfig(s, "slow-1", "Slow", ""),
				ExpectError: re(`Unable to Create Monri Customer .* Creating the customer did not finish within timeouts.create \(1s\),` +
					` which bounds the whole operation including retries and backoff. The create request's outcome is unknown` +
					`.*merchant_customer_id "slow-1".*no second customer is created.*` +
					`terraform import <resource address> merchant_customer_id:slow-1.*Raise timeouts.create`),
			},
			{
				// Applied again: one customer.
				Config: timeoutsConfig(s, "slow-1", "Slow", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("timeouts"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"create": knownvalue.StringExact("1s"), "read": knownvalue.StringExact("1s"),
						"update": knownvalue.StringExact("1s"), "delete": knownvalue.StringExact("1s"),
					})),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "slow-1", "name": "Slow"}, nil)),
				},
			},
			{
				// Every read answers 503: the retries would take ~3s.
				PreConfig: func() {
					s.ResetCounters()
					s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1000)
				},
				Config: timeoutsConfig(s, "slow-1", "Slow", ""),
				ExpectError: re(`Unable to Read Monri Customer .* Reading customer [0-9a-f-]{36} did not finish within timeouts.read \(1s\)` +
					`.* The time ran out while the provider was waiting for Monri: for an answer, or to retry an attempt that failed.*Raise timeouts.read`),
			},
			{
				// The 503s were retried until the timeout, not max_retries, ended them.
				PreConfig: func() {
					if n := s.RequestCount(sandbox.RouteGetCustomer); n < 2 || n > 6 {
						t.Errorf("%d reads, want the few (2 to 6) that fit into 1s with retries 300ms apart, not max_retries+1 = 11", n)
					}
					s.ClearFaults()
				},
				Config:   timeoutsConfig(s, "slow-1", "Slow", ""),
				PlanOnly: true,
			},
			{
				PreConfig: func() {
					s.ClearFaults()
					s.InjectFault(sandbox.RouteUpdateCustomer, slow, 1)
				},
				Config: timeoutsConfig(s, "slow-1", "Slower", ""),
				ExpectError: re(`Unable to Update Monri Customer .* Updating customer [0-9a-f-]{36} did not finish within timeouts.update \(1s\)` +
					`.*The update may or may not have reached Monri.*The time ran out while the provider was waiting for Monri.*Raise timeouts.update`),
			},
			{
				Config: timeoutsConfig(s, "slow-1", "Slower", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "slow-1", "name": "Slower"}, nil)),
				},
			},
			{
				PreConfig: func() { s.InjectFault(sandbox.RouteDeleteCustomer, slow, 1) },
				Config:    timeoutsConfig(s, "slow-1", "Slower", ""),
				Destroy:   true,
				ExpectError: re(`Unable to Delete Monri Customer .* Deleting customer [0-9a-f-]{36} did not finish within timeouts.delete \(1s\)` +
					`.* The customer may still exist on Monri, so it stays in the state.*Raise timeouts.delete`),
			},
		},
	})
	if n := len(s.Customers()); n != 1 {
		t.Fatalf("%d customers on the sandbox, want exactly 1", n)
	}
}

// TestAccCustomerResource_createTimeoutAfterCreated: Monri creates the
// customer but its answer comes too late for timeouts.create. Applying again
// does not create a second customer: Monri refuses the duplicate
// merchant_customer_id and the error says to import it, and an import block
// then adopts it with an empty plan.
func TestAccCustomerResource_createTimeoutAfterCreated(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: slowRetryFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultSlow, Delay: 10 * time.Second, AfterHandling: true}, 1)
				},
				Config:      timeoutsConfig(s, "slow-2", "Late", ""),
				ExpectError: re(`did not finish within timeouts.create \(1s\).*outcome is unknown.*merchant_customer_id "slow-2"`),
			},
			{
				Config: timeoutsConfig(s, "slow-2", "Late", ""),
				ExpectError: re(`Duplicate Monri Customer .*merchant_customer_id "slow-2".*` +
					`terraform import <resource address> merchant_customer_id:slow-2`),
			},
			{
				Config: timeoutsConfig(s, "slow-2", "Late", `
import {
  to = monri_customer.test
  id = "merchant_customer_id:slow-2"
}
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					checkServerCustomer(s, custAddr, wantServer(map[string]string{"merchant_customer_id": "slow-2", "name": "Late"}, nil)),
				},
			},
		},
	})
	if n := len(s.Customers()); n != 1 {
		t.Fatalf("%d customers on the sandbox, want exactly 1", n)
	}
}

// TestAccCustomerResource_createTimeoutWhileAdopting: the create's answer
// is lost, the lookup finds the customer, but Monri stored the email
// lower-cased, so the provider updates it to the configured spelling, and
// that update runs out of time. The error says which customer was found and
// how to import it; nothing is created twice.
func TestAccCustomerResource_createTimeoutWhileAdopting(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{NormalizeEmails: true}})
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, 1)
	s.InjectFault(sandbox.RouteUpdateCustomer, sandbox.Fault{Kind: sandbox.FaultSlow, Delay: 10 * time.Second}, 1)
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
}
resource "monri_customer" "test" {
  merchant_customer_id = "adopt-1"
  email                = "Ana@Example.com"
  timeouts {
    create = "1s"
  }
}
`, s.URL(), token, key),
				ExpectError: re(`Unable to Create Monri Customer .* Creating the customer did not finish within timeouts.create \(1s\)` +
					`.*looking it up by merchant_customer_id "adopt-1" found customer [0-9a-f-]{36}.*ran out while updating it` +
					`.*terraform import <resource address> merchant_customer_id:adopt-1`),
			},
		},
	})
	if n := len(s.Customers()); n != 1 {
		t.Fatalf("%d customers on the sandbox, want exactly 1", n)
	}
}

// TestAccCustomerResource_timeoutsOnly: adding a timeouts block to a
// customer in state without one (as after an import) plans an update that
// sends nothing to Monri: the customer is read and the state records the
// timeouts; removing it again is as quiet.
func TestAccCustomerResource_timeoutsOnly(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	withTimeouts := providerConfig(s) + `
resource "monri_customer" "test" {
  name = "Timely"
  timeouts {
    read = "30s"
  }
}
`
	without := providerConfig(s) + `
resource "monri_customer" "test" {
  name = "Timely"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: without},
			{
				ResourceName:      custAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config: withTimeouts,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("timeouts").AtMapKey("read"), knownvalue.StringExact("30s")),
				},
			},
			{
				Config: without,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("timeouts"), knownvalue.Null()),
				},
			},
		},
	})
	if n := s.RequestCount(sandbox.RouteUpdateCustomer); n != 0 {
		t.Fatalf("%d update requests, want 0: only the timeouts changed", n)
	}
}

// TestAccCustomerResource_timeoutsValidation: a timeout that is not a
// positive Go duration is refused at plan time, naming the attribute.
func TestAccCustomerResource_timeoutsValidation(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var steps []resource.TestStep
	for _, tc := range []struct{ op, value, why string }{
		{"create", "soon", "it is not a Go duration"},
		{"read", "0s", "it is not positive"},
		{"delete", "-5m", "it is not positive"},
		{"update", "10", "it is not a Go duration"},
	} {
		steps = append(steps, resource.TestStep{
			Config: providerConfig(s) + fmt.Sprintf("resource \"monri_customer\" \"test\" {\n  timeouts {\n    %s = %q\n  }\n}\n", tc.op, tc.value),
			ExpectError: re(fmt.Sprintf(`Invalid Timeout .*timeouts.%s is %q, but %s: it must be a positive Go duration such as "30s", "5m" or "1h30m"`,
				tc.op, tc.value, tc.why)),
			PlanOnly: true,
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("invalid timeouts made %d requests, want 0", n)
	}
}
