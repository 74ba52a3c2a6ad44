package provider

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// chaosFaults are the faults the chaos test draws from: every transient kind,
// before and after the sandbox handles the request (a create that succeeds
// on the server but loses its answer), Monri's documented 500 included.
var chaosFaults = []sandbox.Fault{
	{Kind: sandbox.FaultStatus, Status: 500},
	{Kind: sandbox.FaultStatus, Status: 500, AfterHandling: true},
	{Kind: sandbox.FaultStatus, Status: 502},
	{Kind: sandbox.FaultHTMLBody, Status: 502},
	{Kind: sandbox.FaultStatus, Status: 503, RetryAfter: time.Second},
	{Kind: sandbox.FaultStatus, Status: 504},
	{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: time.Second},
	{Kind: sandbox.FaultDrop},
	{Kind: sandbox.FaultSlow, Delay: slowDelay},
	{Kind: sandbox.FaultMalformedJSON},
	{Kind: sandbox.FaultDrop, AfterHandling: true},
	{Kind: sandbox.FaultSlow, Delay: slowDelay, AfterHandling: true},
	{Kind: sandbox.FaultMalformedJSON, AfterHandling: true},
	{Kind: sandbox.FaultHTMLBody, Status: 502, AfterHandling: true},
	{Kind: sandbox.FaultStatus, Status: 503, AfterHandling: true},
}

// TestAccChaos applies 60 customers while a fifth of all requests fail, and
// checks that the apply (re-run at most once if it errors) converges: exactly
// 60 customers on the sandbox, no duplicates, no orphans, and an empty plan.
func TestAccChaos(t *testing.T) {
	t.Parallel()
	const (
		customers = 60
		faultRate = 0.2
		seed      = 20260315
	)
	s := startSandbox(t, sandbox.Options{})
	tap := newClientTap()
	token, key := s.Credentials()
	config := fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = %q
  request_timeout    = "1s"
}

resource "monri_customer" "chaos" {
  count                = %d
  merchant_customer_id = format("chaos-%%03d", count.index)
  name                 = "Chaos ${count.index}"
  metadata             = { index = tostring(count.index) }
}
`, s.URL(), token, key, customers)

	var (
		step         int
		applyErrors  []error
		faults       int
		requests     map[string]int
		total        int
		retries      int64
		chaosApplies int
	)
	// converged checks the sandbox against the state and the configuration.
	converged := stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		if err := agrees(s, stateCustomers(req), req); err != nil {
			return err
		}
		byMID := map[string][]string{}
		for _, c := range s.LiveCustomers() {
			byMID[str(c.MerchantCustomerID)] = append(byMID[str(c.MerchantCustomerID)], c.UUID)
		}
		var problems []string
		for i := range customers {
			mid := fmt.Sprintf("chaos-%03d", i)
			if n := len(byMID[mid]); n != 1 {
				problems = append(problems, fmt.Sprintf("%d live customers with merchant_customer_id %s", n, mid))
			}
			delete(byMID, mid)
		}
		for mid := range byMID {
			problems = append(problems, "unexpected live customer "+mid)
		}
		if len(problems) > 0 {
			sort.Strings(problems)
			return fmt.Errorf("%s", strings.Join(problems, "; "))
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: tap.factories(),
		// The chaos apply may fail once; the re-run may not.
		ErrorCheck: func(err error) error {
			if step == 1 {
				applyErrors = append(applyErrors, err)
				return nil
			}
			return err
		},
		CheckDestroy: noLiveCustomers(s),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					step = 1
					chaosApplies++
					s.SetFaultRate(faultRate, chaosFaults, seed)
				},
				Config: config,
			},
			{
				PreConfig: func() { step = 2 },
				SkipFunc: func() (bool, error) {
					if len(applyErrors) == 0 {
						return true, nil
					}
					chaosApplies++
					t.Logf("the first apply failed, re-running it once: %v", applyErrors[0])
					return false, nil
				},
				Config: config,
			},
			{
				// Faults off: the next plan must be empty and the sandbox
				// must hold exactly the 60 customers of the state.
				PreConfig: func() {
					step = 3
					time.Sleep(slowDelay + 300*time.Millisecond) // let a late write land (see faultInjector.settle)
					s.ClearFaults()
					faults, total, retries = s.FaultsInjected(), s.TotalRequests(), tap.Retries()
					requests = s.RequestCounts()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{converged},
			},
		},
	})
	if t.Failed() {
		return
	}
	routes := slices.Sorted(maps.Keys(requests))
	var perRoute []string
	for _, r := range routes {
		perRoute = append(perRoute, fmt.Sprintf("%s=%d", r, requests[r]))
	}
	t.Logf("chaos: %d customers, fault rate %.0f%% (seed %d), %d apply run(s): %d faults injected in %d requests, %d retries (re-sent requests); requests by route: %s",
		customers, faultRate*100, seed, chaosApplies, faults, total, retries, strings.Join(perRoute, ", "))
	if faults == 0 || retries == 0 || requests[sandbox.RouteGetByMerchantID] == 0 {
		t.Fatal("no faults, no retries or no create with an unknown outcome (no lookup): the test proves less than it claims")
	}
	if live := len(s.LiveCustomers()); live != 0 {
		t.Fatalf("%d customers live after destroy", live)
	}
}
