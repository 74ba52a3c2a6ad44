package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// adoptionExample is the guide's example configuration, which the adoption
// test applies as it is.
const adoptionExample = "../../examples/guides/adopting-existing-customers/main.tf"

// expectImportsOnly is a plan check: the plan imports exactly n resources of
// the given type and changes nothing (no create, update, replace or delete).
type expectImportsOnly struct {
	resourceType string
	n            int
}

func (e expectImportsOnly) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	imports := 0
	var changes []string
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Change == nil {
			continue
		}
		if rc.Change.Importing != nil && rc.Type == e.resourceType {
			imports++
		}
		if !rc.Change.Actions.NoOp() && !rc.Change.Actions.Read() {
			changes = append(changes, fmt.Sprintf("%s: %v", rc.Address, rc.Change.Actions))
		}
	}
	switch {
	case len(changes) > 0:
		resp.Error = fmt.Errorf("the plan changes resources: %s", strings.Join(changes, "; "))
	case imports != e.n:
		resp.Error = fmt.Errorf("the plan imports %d %s resources, want %d", imports, e.resourceType, e.n)
	}
}

// The guide's example adopts every customer a monri_customers filter
// returns: the plan shows N to import, 0 to add, 0 to change, 0 to destroy,
// and after apply the plan is empty. The customers hold what customers made
// elsewhere hold: emails in mixed case, no metadata, metadata, every
// attribute or almost none; customers that do not match the filter, or are
// deleted, are left alone.
func TestAccCustomerAdoption_forEach(t *testing.T) {
	const n = 30
	example, err := os.ReadFile(filepath.Clean(adoptionExample))
	if err != nil {
		t.Fatal(err)
	}
	s := startSandbox(t, sandbox.Options{})
	sent := newSentCounter() // counts at the client: see sentCounter
	s.SeedCustomers(5, "other")
	ids := s.SeedCustomers(n+1, "adopt")
	s.SeedCustomers(5, "later")
	s.DeleteCustomer(ids[n]) // adopt-00031, deleted: not listed, not adopted
	s.EditCustomer(ids[0], func(c *sandbox.Customer) {
		c.Email = dsStr("Ana.Kovac@Example.COM")
		c.Description = dsStr("Imported from the CRM")
		c.Phone = dsStr("+38761000111")
		c.ZipCode = dsStr("71000")
		c.Address = dsStr("Džemala Bijedića 2")
		c.Metadata = map[string]string{"tier": "gold", "source": "crm"}
	})
	s.EditCustomer(ids[1], func(c *sandbox.Customer) {
		c.Email, c.Name, c.City, c.Country = nil, nil, nil, nil
	})
	s.EditCustomer(ids[2], func(c *sandbox.Customer) { c.Email = dsStr("UPPER@EXAMPLE.COM") })
	first, _ := s.Customer(ids[0])

	vars := config.Variables{"merchant_customer_id_prefix": config.StringVariable("adopt-")}
	const addr0 = `monri_customer.adopted["adopt-00001"]`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig:       sent.ResetCounters,
				Config:          providerConfig(s) + string(example),
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectImportsOnly{resourceType: "monri_customer", n: n},
						// One listing (one page and the empty one), one read per
						// imported customer, nothing else.
						dsCheckNow(func() error {
							t.Logf("requests of the adoption plan of %d customers: %v", n, sent.RequestCounts())
							if err := dsWantRequests(sent, sandbox.RouteListCustomers, 2)(); err != nil {
								return err
							}
							if err := dsWantRequests(sent, sandbox.RouteGetCustomer, n)(); err != nil {
								return err
							}
							if got := sent.TotalRequests(); got != n+2 {
								return fmt.Errorf("%d requests in all, want %d: %v", got, n+2, sent.RequestCounts())
							}
							return nil
						}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr0, tfjsonpath.New("id"), knownvalue.StringExact(ids[0])),
					statecheck.ExpectKnownValue(addr0, tfjsonpath.New("email"), knownvalue.StringExact("Ana.Kovac@Example.COM")),
					statecheck.ExpectKnownValue(addr0, tfjsonpath.New("metadata"), knownvalue.MapExact(map[string]knownvalue.Check{
						"tier": knownvalue.StringExact("gold"), "source": knownvalue.StringExact("crm"),
					})),
					statecheck.ExpectKnownValue(addr0, tfjsonpath.New("created_at"),
						knownvalue.StringExact(first.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))),
					statecheck.ExpectKnownValue(`monri_customer.adopted["adopt-00002"]`, tfjsonpath.New("email"), knownvalue.Null()),
					statecheck.ExpectKnownValue(`monri_customer.adopted["adopt-00002"]`, tfjsonpath.New("metadata"), knownvalue.Null()),
					statecheck.ExpectKnownOutputValue("adopted_ids", knownvalue.MapPartial(map[string]knownvalue.Check{
						"adopt-00001": knownvalue.StringExact(ids[0]),
						"adopt-00030": knownvalue.StringExact(ids[n-1]),
					})),
					dsStateNow(func() error {
						// Applying an import-only plan sends nothing to Monri.
						if got := sent.RequestCount(sandbox.RouteUpdateCustomer) + sent.RequestCount(sandbox.RouteCreateCustomer) +
							sent.RequestCount(sandbox.RouteDeleteCustomer); got != 0 {
							return fmt.Errorf("the apply wrote to Monri: %v", sent.RequestCounts())
						}
						return nil
					}),
				},
			},
			{
				// A second run of the same configuration plans nothing.
				Config:          providerConfig(s) + string(example),
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// While the listing drives the resources, a customer that stops
				// matching the filter is planned for destruction (the guide's
				// reason to freeze the configuration once adopted).
				PreConfig: func() {
					s.EditCustomer(ids[5], func(c *sandbox.Customer) { c.MerchantCustomerID = dsStr("renamed-00006") })
				},
				Config:             providerConfig(s) + string(example),
				ConfigVariables:    vars,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(`monri_customer.adopted["adopt-00006"]`, plancheck.ResourceActionDestroy),
					},
				},
			},
			{
				// Removing the configuration destroys the adopted customers (and
				// leaves an empty state: terraform-plugin-testing's legacy state
				// shim, used before its own destroy, cannot read string for_each
				// keys).
				Config: providerConfig(s),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr0, plancheck.ResourceActionDestroy),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					dsStateNow(func() error {
						// The others stay.
						if got := len(newestFirst(s, func(c sandbox.Customer) bool { return !c.Deleted })); got != 10 {
							return fmt.Errorf("%d live customers after destroy, want 10", got)
						}
						return nil
					}),
				},
			},
		},
	})
}

// `terraform plan -generate-config-out` writes HCL for an imported customer
// that applies with no diff, for a customer with every attribute and for one
// with almost none.
func TestAccCustomerAdoption_generateConfig(t *testing.T) {
	tf := newTFCLI(t)
	s := startSandbox(t, sandbox.Options{})
	ids := s.SeedCustomers(2, "gen")
	s.EditCustomer(ids[0], func(c *sandbox.Customer) {
		c.Email = dsStr("Ana.Kovac@Example.COM")
		c.Description = dsStr("Imported from the CRM")
		c.Phone = dsStr("+38761000111")
		c.ZipCode = dsStr("71000")
		c.Address = dsStr("Džemala Bijedića 2")
		c.Metadata = map[string]string{"tier": "gold"}
	})
	s.EditCustomer(ids[1], func(c *sandbox.Customer) {
		c.MerchantCustomerID, c.Email, c.Name, c.City, c.Country = nil, nil, nil, nil, nil
	})
	gen := tf.generateImports(providerConfig(s), [][2]string{{"full", ids[0]}, {"sparse", ids[1]}})
	for _, want := range []string{`email                = "Ana.Kovac@Example.COM"`, `merchant_customer_id = "gen-00001"`, `tier = "gold"`} {
		if !strings.Contains(gen, want) {
			t.Errorf("generated.tf lacks %s:\n%s", want, gen)
		}
	}
	s.ResetCounters()
	out := tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve")
	if !strings.Contains(out, "Apply complete! Resources: 2 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Fatalf("apply of the generated configuration:\n%s", out)
	}
	if n := s.RequestCount(sandbox.RouteUpdateCustomer); n != 0 {
		t.Errorf("the apply updated %d customers", n)
	}
	// -detailed-exitcode: 0 is an empty plan, 2 a plan with changes.
	out = tf.run(true, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	t.Logf("generated.tf:\n%s", gen)
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after apply is not empty:\n%s\ngenerated.tf:\n%s", out, gen)
	}
}

// The guide's freeze: after the adoption, the listing's values are written
// to adopted.auto.tfvars.json from the adoption's output, the configuration
// is replaced by frozen/main.tf, and the plan is empty (same addresses, no
// import blocks, no listing).
func TestAccCustomerAdoption_freeze(t *testing.T) {
	tf := newTFCLI(t)
	adopt, err := os.ReadFile(filepath.Clean(adoptionExample))
	if err != nil {
		t.Fatal(err)
	}
	frozen, err := os.ReadFile(filepath.Join(filepath.Dir(adoptionExample), "frozen", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	s := startSandbox(t, sandbox.Options{})
	ids := s.SeedCustomers(3, "crm")
	s.EditCustomer(ids[0], func(c *sandbox.Customer) {
		c.Email = dsStr("Ana.Kovac@Example.COM")
		c.Metadata = map[string]string{"tier": "gold"}
	})
	s.EditCustomer(ids[1], func(c *sandbox.Customer) { c.Email, c.Name, c.City, c.Country = nil, nil, nil, nil })

	tf.writeConfig(providerConfig(s) + string(adopt))
	tf.run(true, "init", "-input=false", "-no-color")
	out := tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve")
	if !strings.Contains(out, "Resources: 3 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Fatalf("adoption apply:\n%s", out)
	}
	vals := tf.run(true, "output", "-json", "adopted")
	tfvars := `{"adopted_customers": ` + vals + `}`
	if err := os.WriteFile(filepath.Join(tf.dir, "adopted.auto.tfvars.json"), []byte(tfvars), 0o600); err != nil {
		t.Fatal(err)
	}
	tf.writeConfig(providerConfig(s) + string(frozen))
	s.ResetCounters()
	out = tf.run(true, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the frozen configuration plans changes:\n%s\nadopted.auto.tfvars.json:\n%s", out, tfvars)
	}
	// The frozen plan refreshes the three customers and lists nothing.
	if n := s.RequestCount(sandbox.RouteListCustomers); n != 0 {
		t.Errorf("the frozen plan listed customers: %v", s.RequestCounts())
	}
	if n := s.RequestCount(sandbox.RouteGetCustomer); n != 3 {
		t.Errorf("the frozen plan read %d customers, want 3: %v", n, s.RequestCounts())
	}
	tf.run(true, "destroy", "-input=false", "-no-color", "-auto-approve")
}

// generateImports writes config with an import block for each {name, uuid}
// (to monri_customer.<name>), runs init and `terraform plan
// -generate-config-out=generated.tf`, checks that the plan only imports them,
// and returns generated.tf.
func (tf *tfCLI) generateImports(config string, imports [][2]string) string {
	tf.t.Helper()
	var b strings.Builder
	b.WriteString(config)
	for _, im := range imports {
		fmt.Fprintf(&b, "\nimport {\n  to = monri_customer.%s\n  id = %q\n}\n", im[0], im[1])
	}
	tf.writeConfig(b.String())
	tf.run(true, "init", "-input=false", "-no-color")
	out := tf.run(true, "plan", "-input=false", "-no-color", "-generate-config-out=generated.tf")
	if want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy", len(imports)); !strings.Contains(out, want) {
		tf.t.Fatalf("the generating plan is not %d imports only:\n%s", len(imports), out)
	}
	gen, err := os.ReadFile(filepath.Join(tf.dir, "generated.tf"))
	if err != nil {
		tf.t.Fatal(err)
	}
	return string(gen)
}
