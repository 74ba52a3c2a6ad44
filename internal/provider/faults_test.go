package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Fault-injection acceptance tests: every operation of monri_customer and of
// the list data sources, against every kind of fault the sandbox can inject.
// The outcome is either success after retries or a clear error, and
// afterwards the sandbox's customers and the Terraform state agree.

// accFault is a sandbox fault and whether idempotent requests ride it out.
type accFault struct {
	name    string
	fault   sandbox.Fault
	retried bool
	// times is how many requests the fault hits when injected (0: one).
	times int
}

// accFaults ends with the one fault no request rides out: a 500 on every
// attempt (see everyAttempt).
var accFaults = []accFault{
	{"500", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500}, true, 0},
	{"502 HTML", sandbox.Fault{Kind: sandbox.FaultHTMLBody, Status: 502}, true, 0},
	{"503 Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, RetryAfter: time.Second}, true, 0},
	{"429 Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: time.Second}, true, 0},
	{"dropped connection", sandbox.Fault{Kind: sandbox.FaultDrop}, true, 0},
	{"slower than request_timeout", sandbox.Fault{Kind: sandbox.FaultSlow, Delay: slowDelay}, true, 0},
	{"malformed JSON", sandbox.Fault{Kind: sandbox.FaultMalformedJSON}, true, 0},
	{"500 on every attempt", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500}, false, 0},
}

// afterHandling are faults that hit after the sandbox has done the work: the
// answer is lost.
var afterHandling = []accFault{
	{"dropped after handling", sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, true, 0},
	{"slow after handling", sandbox.Fault{Kind: sandbox.FaultSlow, Delay: slowDelay, AfterHandling: true}, true, 0},
	{"malformed after handling", sandbox.Fault{Kind: sandbox.FaultMalformedJSON, AfterHandling: true}, true, 0},
	{"502 HTML after handling", sandbox.Fault{Kind: sandbox.FaultHTMLBody, Status: 502, AfterHandling: true}, true, 0},
	{"503 after handling", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, AfterHandling: true}, true, 0},
	{"500 after handling", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500, AfterHandling: true}, true, 0},
}

// slowDelay is how long the slow fault holds a request: well past the 1 s
// request_timeout of faultProviderConfig.
const slowDelay = 2 * time.Second

// errHTTP500 is the part of every diagnostic for a 500 that retries did not
// cure.
const errHTTP500 = `Monri answered HTTP 500`

// attemptsPerRequest is how many attempts faultProviderConfig allows one
// request (max_retries 10).
const attemptsPerRequest = 11

// everyAttempt sets the failing faults to hit every attempt of requests
// requests each. Faults are not tied to a request, so the requests of a step
// share them; a step of requests×len(faults) requests that all meet them
// consumes exactly that many (each gives up after attemptsPerRequest), so
// every one of them fails.
func everyAttempt(faults []accFault, requests int) []accFault {
	out := slices.Clone(faults)
	for i := range out {
		out[i].times = attemptsPerRequest * requests
	}
	return out
}

// faultProviderConfig is providerConfig with a 1 s request_timeout, so that
// the slow fault times out quickly, and max_retries 10, so that a request can
// ride out several of the faults a step injects at once.
func faultProviderConfig(s *sandbox.Server) string {
	return strings.Replace(providerConfig(s), `request_timeout    = "5s"`, `request_timeout    = "1s"
  max_retries        = 10`, 1)
}

// split returns the faults idempotent requests ride out, and the others.
func split(faults []accFault) (retried, failing []accFault) {
	for _, f := range faults {
		if f.retried {
			retried = append(retried, f)
		} else {
			failing = append(failing, f)
		}
	}
	return retried, failing
}

// phrase matches s with any run of white space (Terraform wraps long
// diagnostics) between its words.
func phrase(s string) *regexp.Regexp {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// phrases matches each phrase in order, anything in between.
func phrases(ps ...string) *regexp.Regexp {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = phrase(p).String()
	}
	return regexp.MustCompile(strings.Join(parts, `(?s:.*)`))
}

// slug turns a test name into an identifier that is also a valid HCL name
// (it starts with a letter).
func slug(s string) string {
	return "f_" + strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(s), "_"), "_")
}

// stateCheckFunc adapts a function to statecheck.StateCheck.
type stateCheckFunc func(req statecheck.CheckStateRequest) error

func (f stateCheckFunc) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req)
}

// stateCustomers returns the ids of every monri_customer in the state, by
// address.
func stateCustomers(req statecheck.CheckStateRequest) map[string]string {
	out := map[string]string{}
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return out
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Type == "monri_customer" && r.Mode == "managed" {
			id, _ := r.AttributeValues["id"].(string)
			out[r.Address] = id
		}
	}
	return out
}

// agreement checks that the sandbox's live customers (apart from those in
// outside) are exactly the monri_customer resources in state: each resource's
// customer exists with the same merchant_customer_id and name, and there is
// no other live customer (no duplicate, no orphan).
func agreement(s *sandbox.Server, outside ...string) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		return agrees(s, stateCustomers(req), req, outside...)
	})
}

func agrees(s *sandbox.Server, inState map[string]string, req statecheck.CheckStateRequest, outside ...string) error {
	var problems []string
	claimed := map[string]string{}
	for addr, id := range inState {
		if other, dup := claimed[id]; dup {
			problems = append(problems, fmt.Sprintf("%s and %s both hold customer %s", addr, other, id))
		}
		claimed[id] = addr
		c, ok := s.Customer(id)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: customer %s is not on the sandbox", addr, id))
			continue
		case c.Deleted:
			problems = append(problems, fmt.Sprintf("%s: customer %s is deleted on the sandbox", addr, id))
			continue
		}
		r := findResource(req.State, addr)
		for _, attr := range []struct {
			name string
			srv  *string
		}{{"merchant_customer_id", c.MerchantCustomerID}, {"name", c.Name}} {
			st, _ := r.AttributeValues[attr.name].(string)
			if (attr.srv == nil) != (r.AttributeValues[attr.name] == nil) || (attr.srv != nil && *attr.srv != st) {
				problems = append(problems, fmt.Sprintf("%s: %s is %v in state, %s on the sandbox", addr, attr.name, r.AttributeValues[attr.name], str(attr.srv)))
			}
		}
	}
	for _, c := range s.Customers() {
		if c.Deleted || slices.Contains(outside, c.UUID) {
			continue
		}
		if _, ok := claimed[c.UUID]; !ok {
			problems = append(problems, fmt.Sprintf("orphan: sandbox customer %s (merchant_customer_id %s, name %s) is not in the state",
				c.UUID, str(c.MerchantCustomerID), str(c.Name)))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("state and sandbox disagree:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// noLiveCustomers is a CheckDestroy: every customer (apart from outside) is
// deleted on the sandbox.
func noLiveCustomers(s *sandbox.Server, outside ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, c := range s.LiveCustomers() {
			if !slices.Contains(outside, c.UUID) {
				return fmt.Errorf("customer %s (%s) is still live after destroy", c.UUID, str(c.Name))
			}
		}
		return nil
	}
}

// faultInjector injects faults and counts them.
type faultInjector struct {
	s        *sandbox.Server
	injected int
	// lateWrites is the delay of a slow fault injected on a POST route
	// since the last settle.
	lateWrites time.Duration
}

// inject returns a PreConfig that injects each fault once on route, in
// order, after letting earlier slow faults play out (see settle).
func (fi *faultInjector) inject(route string, faults ...accFault) func() {
	return func() {
		fi.settle()
		for _, f := range faults {
			n := max(f.times, 1)
			fi.s.InjectFault(route, f.fault, n)
			fi.injected += n
			if f.fault.Kind == sandbox.FaultSlow && !f.fault.AfterHandling && strings.HasPrefix(route, "POST ") {
				fi.lateWrites = max(fi.lateWrites, f.fault.Delay)
			}
		}
	}
}

// settle waits until a POST that timed out on the client under a slow fault
// can no longer reach the sandbox's store. The sandbox does not always
// notice that a client gave up on a request with a body, so it may still
// handle it after the fault's delay: a late write, as a real server may do,
// which must not land in a later step. The request arrived before the step
// that injected the fault ended, so waiting the delay from now is enough.
func (fi *faultInjector) settle() {
	if fi.lateWrites > 0 {
		time.Sleep(fi.lateWrites + 300*time.Millisecond)
		fi.lateWrites = 0
	}
}

// consumed checks that every injected fault was applied, so that a test
// cannot pass because a fault never reached the provider.
func (fi *faultInjector) consumed() statecheck.StateCheck {
	return stateCheckFunc(func(statecheck.CheckStateRequest) error {
		if got := fi.s.FaultsInjected(); got != fi.injected {
			return fmt.Errorf("%d faults applied, want %d", got, fi.injected)
		}
		return nil
	})
}

// customerBlocks is one monri_customer per fault, named after it.
func customerBlocks(faults []accFault, body func(f accFault) string) string {
	var b strings.Builder
	for _, f := range faults {
		fmt.Fprintf(&b, "resource \"monri_customer\" %q {\n%s}\n", slug(f.name), body(f))
	}
	return b.String()
}

// Each operation's test gives every fault of the table its own customer (or
// data source instance) and injects the faults together, so that Terraform's
// parallel walk meets one fault per request; a 500 on every attempt, which
// retries cannot cure, gets a step of its own that must fail with a clear
// error.

func TestAccFaults_customerRead(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	retried, failing := split(accFaults)
	config := faultProviderConfig(s) + customerBlocks(accFaults, func(f accFault) string {
		return fmt.Sprintf("  merchant_customer_id = %q\n  name = %q\n", "read-"+slug(f.name), f.name)
	})
	fi := &faultInjector{s: s}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             noLiveCustomers(s),
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{agreement(s)}},
			{
				// Transient faults on the reads: the refresh rides them out.
				PreConfig: fi.inject(sandbox.RouteGetCustomer, retried...),
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{agreement(s), fi.consumed()},
			},
			{
				// Every customer's refresh meets a 500 on every attempt.
				PreConfig:   fi.inject(sandbox.RouteGetCustomer, everyAttempt(failing, len(accFaults))...),
				Config:      config,
				ExpectError: phrases("Unable to Read Monri Customer", errHTTP500, "Please try later", "after 11 attempts", "usually temporary"),
			},
			{
				// The failed refresh changed nothing.
				PreConfig:         fi.settle,
				Config:            config,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{agreement(s), fi.consumed()},
			},
		},
	})
}

func TestAccFaults_customerUpdate(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	faults := append(slices.Clone(accFaults), afterHandling...)
	retried, failing := split(faults)
	fi := &faultInjector{s: s}
	// version(f) is the name and metadata the customer of fault f gets.
	config := func(version func(f accFault) string) string {
		return faultProviderConfig(s) + customerBlocks(faults, func(f accFault) string {
			return fmt.Sprintf("  merchant_customer_id = %q\n  name = %q\n  metadata = { version = %q }\n", "update-"+slug(f.name), version(f), version(f))
		})
	}
	checks := func(version func(f accFault) string) []statecheck.StateCheck {
		c := []statecheck.StateCheck{agreement(s), fi.consumed()}
		for _, f := range faults {
			c = append(c, checkServerCustomer(s, "monri_customer."+slug(f.name), wantServer(
				map[string]string{"merchant_customer_id": "update-" + slug(f.name), "name": version(f)},
				map[string]string{"version": version(f)})))
		}
		return c
	}
	v := func(all string, failed string) func(accFault) string {
		return func(f accFault) string {
			if !f.retried {
				return failed
			}
			return all
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             noLiveCustomers(s),
		Steps: []resource.TestStep{
			{Config: config(v("v1", "v1")), ConfigStateChecks: checks(v("v1", "v1"))},
			{
				// Every customer but the failing fault's changes; each update
				// meets one transient fault (before or after Monri applied it).
				PreConfig: fi.inject(sandbox.RouteUpdateCustomer, retried...),
				Config:    config(v("v2", "v1")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: checks(v("v2", "v1")),
			},
			{
				// Only the failing fault's customer changes, and its update
				// meets a 500 on every attempt.
				PreConfig:   fi.inject(sandbox.RouteUpdateCustomer, everyAttempt(failing, 1)...),
				Config:      config(v("v2", "v2")),
				ExpectError: phrases("Unable to Update Monri Customer", errHTTP500, "Please try later", "after 11 attempts"),
			},
			{
				// The next apply converges.
				PreConfig:         fi.settle,
				Config:            config(v("v2", "v2")),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: checks(v("v2", "v2")),
			},
		},
	})
}

func TestAccFaults_customerDelete(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	faults := append(slices.Clone(accFaults), afterHandling...)
	retried, failing := split(faults)
	fi := &faultInjector{s: s}
	config := func(faults []accFault) string {
		return faultProviderConfig(s) + customerBlocks(faults, func(f accFault) string {
			return fmt.Sprintf("  merchant_customer_id = %q\n  name = %q\n", "delete-"+slug(f.name), f.name)
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             noLiveCustomers(s),
		Steps: []resource.TestStep{
			{Config: config(faults), ConfigStateChecks: []statecheck.StateCheck{agreement(s)}},
			{
				// Removing the failing fault's customer fails: a 500 on
				// every attempt.
				PreConfig:   fi.inject(sandbox.RouteDeleteCustomer, everyAttempt(failing, 1)...),
				Config:      config(retried),
				ExpectError: phrases("Unable to Delete Monri Customer", errHTTP500, "Please try later", "after 11 attempts"),
			},
			{
				// Removing them all, each delete meeting one transient fault.
				PreConfig: fi.inject(sandbox.RouteDeleteCustomer, retried...),
				Config:    config(nil),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{agreement(s), fi.consumed()},
			},
		},
	})
	if n := len(s.Customers()); n != len(faults) {
		t.Fatalf("%d customers were created, want %d", n, len(faults))
	}
}

// TestAccFaults_customerCreate injects every fault, before the sandbox handles
// the create and after (the customer is created but the answer is lost).
func TestAccFaults_customerCreate(t *testing.T) {
	t.Parallel()
	// Each transient fault once; a create whose outcome stays unknown is
	// TestAccCustomerResource_createUnknownOutcomeWithMerchantID.
	faults, _ := split(append(slices.Clone(accFaults), afterHandling...))
	var before, after, throttled int
	for _, f := range faults {
		switch {
		case f.fault.Status == 429:
			throttled++
		case f.fault.AfterHandling:
			after++
		default:
			before++
		}
	}
	configFor := func(s *sandbox.Server, mid bool) string {
		return faultProviderConfig(s) + customerBlocks(faults, func(f accFault) string {
			b := fmt.Sprintf("  name = %q\n  metadata = { fault = %q }\n", slug(f.name), f.name)
			if mid {
				b += fmt.Sprintf("  merchant_customer_id = %q\n", "create-"+slug(f.name))
			}
			return b
		})
	}

	// With merchant_customer_id every create succeeds, exactly once: after
	// an unknown outcome the customer is looked up, adopted if it exists,
	// created again if not; a 429 is sent again.
	t.Run("merchant_customer_id", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		fi := &faultInjector{s: s}
		requests := stateCheckFunc(func(statecheck.CheckStateRequest) error {
			// Each fault adds its own requests, whichever create meets it.
			creates, lookups := s.RequestCount(sandbox.RouteCreateCustomer), s.RequestCount(sandbox.RouteGetByMerchantID)
			wantCreates, wantLookups := len(faults)+before+throttled, before+after
			// A slow create that times out may be handled late, after the
			// lookup: the re-sent create then meets a duplicate and looks
			// the customer up once more.
			if creates != wantCreates || lookups < wantLookups || lookups > wantLookups+1 {
				return fmt.Errorf("%d creates and %d lookups, want %d and %d", creates, lookups, wantCreates, wantLookups)
			}
			return nil
		})
		checks := []statecheck.StateCheck{agreement(s), fi.consumed(), requests}
		for _, f := range faults {
			checks = append(checks, checkServerCustomer(s, "monri_customer."+slug(f.name), wantServer(
				map[string]string{"merchant_customer_id": "create-" + slug(f.name), "name": slug(f.name)},
				map[string]string{"fault": f.name})))
		}
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             noLiveCustomers(s),
			Steps: []resource.TestStep{
				{
					PreConfig: fi.inject(sandbox.RouteCreateCustomer, faults...),
					Config:    configFor(s, true),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: checks,
				},
				{
					// After any late write: nothing to do, and still agreed.
					PreConfig:         fi.settle,
					Config:            configFor(s, true),
					ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					ConfigStateChecks: checks[:1],
				},
			},
		})
	})

	// Without merchant_customer_id a create with an unknown outcome is not
	// sent again: it fails with an error saying the customer may exist and
	// how to import it. Following that advice converges without duplicates.
	t.Run("no merchant_customer_id", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		fi := &faultInjector{s: s}
		base := configFor(s, false)
		// "Find the customer with the monri_customers data source ...; if
		// it exists, import it, otherwise apply again."
		recovery := base + "data \"monri_customers\" \"existing\" {}\n"
		for _, f := range faults {
			recovery += fmt.Sprintf(`
import {
  for_each = { for c in data.monri_customers.existing.customers : c.id => c.id if c.name == %q }
  to       = monri_customer.%s
  id       = each.value
}
`, slug(f.name), slug(f.name))
		}
		checkLeftovers := func() {
			fi.settle()
			creates := s.RequestCount(sandbox.RouteCreateCustomer)
			if want := len(faults) + throttled; creates != want || s.RequestCount(sandbox.RouteGetByMerchantID) != 0 {
				t.Fatalf("%d creates (want %d: a create with an unknown outcome was sent again?) and %d lookups",
					creates, want, s.RequestCount(sandbox.RouteGetByMerchantID))
			}
			// Every fault after handling leaves a customer behind. Besides,
			// the create that met the 429 was sent again and may have
			// succeeded (that customer is in the state), and a slow create
			// may have been handled late.
			if n := len(s.Customers()); n < after || n > after+2 {
				t.Fatalf("%d customers exist after the failed apply, want %d to %d", n, after, after+2)
			}
		}
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             noLiveCustomers(s),
			Steps: []resource.TestStep{
				{
					PreConfig: fi.inject(sandbox.RouteCreateCustomer, faults...),
					Config:    base,
					ExpectError: phrases("Unable to Create Monri Customer", "outcome is unknown",
						"may have been created on Monri", "without a merchant_customer_id", "did not retry",
						"monri_customers data source", "terraform import", "Setting merchant_customer_id avoids this"),
				},
				{
					PreConfig: checkLeftovers,
					Config:    recovery,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{agreement(s), fi.consumed()},
				},
			},
		})
		if n := len(s.Customers()); n != len(faults) {
			t.Fatalf("%d customers were created for %d resources", n, len(faults))
		}
	})
}

// TestAccFaults_duplicateMerchantCustomerID: a customer with the
// merchant_customer_id exists before the apply; the create fails with a
// definite answer, and the existing customer is not taken over.
func TestAccFaults_duplicateMerchantCustomerID(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	existing := s.SeedCustomers(1, "taken")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             noLiveCustomers(s, existing...),
		Steps: []resource.TestStep{{
			Config: faultProviderConfig(s) + `
resource "monri_customer" "test" {
  merchant_customer_id = "taken-00001"
  name                 = "Mine"
}
`,
			ExpectError: phrases("Duplicate Monri Customer", `merchant_customer_id "taken-00001"`, "It is customer "+existing[0],
				"terraform import <resource address> merchant_customer_id:taken-00001"),
		}},
	})
	if c, _ := s.Customer(existing[0]); c.Name != nil && *c.Name == "Mine" {
		t.Fatal("the existing customer was taken over")
	}
}

// dataSourceFaults reads a data source with one instance (count) per
// retried fault, with the faults injected, then with a 500 on every attempt.
func dataSourceFaults(t *testing.T, s *sandbox.Server, route, dataSource, args, summary string, listed func(addr string) statecheck.StateCheck) {
	t.Helper()
	retried, failing := split(accFaults)
	fi := &faultInjector{s: s}
	// Each instance rides out its own faults: no listing shared between them.
	config := strings.Replace(faultProviderConfig(s), "max_retries        = 10", "max_retries        = 10\n  share_listings     = false", 1) +
		fmt.Sprintf("data %q \"test\" {\n  count = %d\n  %s\n}\n", dataSource, len(retried), args)
	var checks []statecheck.StateCheck
	for i := range retried {
		checks = append(checks, listed(fmt.Sprintf("data.%s.test[%d]", dataSource, i)))
	}
	before := len(s.Customers())
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
			{
				PreConfig:         fi.inject(route, retried...),
				Config:            config,
				ConfigStateChecks: append(slices.Clone(checks), fi.consumed()),
			},
			{
				PreConfig:   fi.inject(route, everyAttempt(failing, len(retried))...),
				Config:      config,
				ExpectError: phrases(summary, errHTTP500, "Please try later", "after 11 attempts"),
			},
		},
	})
	if s.FaultsInjected() != fi.injected || len(s.Customers()) != before {
		t.Fatalf("%d faults applied (want %d), %d customers (want %d)", s.FaultsInjected(), fi.injected, len(s.Customers()), before)
	}
}

func TestAccFaults_customersDataSource(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 2}})
	seeded := s.SeedCustomers(5, "listed")
	want := slices.Clone(seeded)
	slices.Reverse(want) // newest first
	dataSourceFaults(t, s, sandbox.RouteListCustomers, "monri_customers", "", "Unable to List Monri Customers",
		func(addr string) statecheck.StateCheck {
			return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
				r := findResource(req.State, addr)
				if r == nil {
					return fmt.Errorf("%s not in state", addr)
				}
				list, _ := r.AttributeValues["customers"].([]any)
				var ids []string
				for _, c := range list {
					m, _ := c.(map[string]any)
					id, _ := m["id"].(string)
					ids = append(ids, id)
				}
				if !slices.Equal(ids, want) {
					return fmt.Errorf("%s lists %v, want %v", addr, ids, want)
				}
				return nil
			})
		})
}

func TestAccFaults_paymentMethodsDataSource(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 1}})
	owner := s.SeedCustomers(1, "cards")[0]
	for range 3 {
		if _, err := s.AttachCard(owner, sandbox.Card{}); err != nil {
			t.Fatal(err)
		}
	}
	dataSourceFaults(t, s, sandbox.RouteListPaymentMethods, "monri_customer_payment_methods",
		fmt.Sprintf("customer_id = %q", owner), "Unable to List Monri Payment Methods",
		func(addr string) statecheck.StateCheck {
			return statecheck.ExpectKnownValue(addr, tfjsonpath.New("payment_methods"), knownvalue.ListSizeExact(3))
		})
}

// clientTap builds in-process provider factories whose Monri clients it keeps
// (for their retry counts) and whose HTTP attempts it records (every
// Authorization header sent and every access token received), for tests
// that need to know what went over the wire.
type clientTap struct {
	mu             sync.Mutex
	clients        []*monri.Client
	authorizations []string
	accessTokens   []string
	base           http.RoundTripper
}

func newClientTap() *clientTap {
	return &clientTap{base: cleanhttp.DefaultPooledTransport()}
}

func (tap *clientTap) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	p := &monriProvider{
		version: "test",
		newClient: func(c monri.Config) (*monri.Client, error) {
			c.RetryWaitMin = 5 * time.Millisecond
			c.RetryWaitMax = 50 * time.Millisecond
			c.Transport = tap
			cl, err := monri.New(c)
			if err == nil {
				tap.mu.Lock()
				tap.clients = append(tap.clients, cl)
				tap.mu.Unlock()
			}
			return cl, err
		},
	}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"monri": func() (tfprotov6.ProviderServer, error) { return NewProtocol6(p)(), nil },
	}
}

// Retries sums the retries of every client the provider built.
func (tap *clientTap) Retries() int64 {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	var n int64
	for _, c := range tap.clients {
		n += c.Retries()
	}
	return n
}

func (tap *clientTap) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); a != "" {
		tap.mu.Lock()
		tap.authorizations = append(tap.authorizations, a)
		tap.mu.Unlock()
	}
	resp, err := tap.base.RoundTrip(req)
	if err != nil || req.URL.Path != "/v2/oauth" {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil //nolint:nilerr // The client sees the short body.
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &tok) == nil && tok.AccessToken != "" {
		tap.mu.Lock()
		tap.accessTokens = append(tap.accessTokens, tok.AccessToken)
		tap.mu.Unlock()
	}
	return resp, nil
}

func (tap *clientTap) sent() (authorizations, accessTokens []string) {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return slices.Clone(tap.authorizations), slices.Clone(tap.accessTokens)
}
