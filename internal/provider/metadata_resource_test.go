package provider

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// mapExact is knownvalue.MapExact of strings.
func mapExact(m map[string]string) knownvalue.Check {
	checks := make(map[string]knownvalue.Check, len(m))
	for k, v := range m {
		checks[k] = knownvalue.StringExact(v)
	}
	return knownvalue.MapExact(checks)
}

// expectMetadata checks the state's metadata and metadata_all of
// monri_customer.test (a nil metadata: null).
func expectMetadata(metadata, all map[string]string) []statecheck.StateCheck {
	const address = custAddr
	var md knownvalue.Check = knownvalue.Null()
	if metadata != nil {
		md = mapExact(metadata)
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(address, tfjsonpath.New("metadata"), md),
		statecheck.ExpectKnownValue(address, tfjsonpath.New("metadata_all"), mapExact(all)),
	}
}

// expectUpdates checks that, since the log's last reset, the customer of
// address got exactly the update bodies' metadata in want (one entry per
// request), and that no other customer was updated unless it is in others.
func expectUpdates(log *requestLog, want map[string][]string) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		got, err := log.updates()
		if err != nil {
			return err
		}
		for _, address := range slices.Sorted(maps.Keys(want)) {
			r := findResource(req.State, address)
			if r == nil {
				return fmt.Errorf("%s not in state", address)
			}
			id, _ := r.AttributeValues["id"].(string)
			var bodies []string
			for _, m := range got[id] {
				bodies = append(bodies, metadataBody(m))
			}
			delete(got, id)
			if !slices.Equal(bodies, want[address]) {
				return fmt.Errorf("%s: update requests' metadata %q, want %q", address, bodies, want[address])
			}
		}
		if len(got) > 0 {
			return fmt.Errorf("unexpected updates of other customers: %v", got)
		}
		return nil
	})
}

// metadataConfig writes the provider block with the given extra lines and a
// monri_customer.test with the given metadata line ("" for none).
func metadataTestConfig(s *sandbox.Server, provider []string, metadata string) string {
	return providerConfigWith(s, provider...) + fmt.Sprintf(`
resource "monri_customer" "test" {
  merchant_customer_id = "md-1"
  %s
}
`, metadata)
}

// Defaults are merged into what Monri holds; the resource wins on the same
// key; the same key with the same value at both levels is no diff; moving a
// key between the levels sends nothing; removing a default removes it from
// Monri unless the resource sets it.
func TestAccMetadata_defaults(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	log := newRequestLog()
	var id string
	defaults := func(kv string) string { return "default_metadata = { " + kv + " }" }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: log.factories(),
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				// pipeline is set at both levels with the same value.
				Config: metadataTestConfig(s, []string{defaults(`managed_by = "terraform", pipeline = "ci"`)},
					`metadata = { team = "payments", pipeline = "ci" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata_all"),
							mapExact(map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "payments", "pipeline": "ci"},
					map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"}),
					captureCustomerID(&id),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"})),
					stateCheckFunc(func(statecheck.CheckStateRequest) error {
						creates, err := log.creates()
						if err != nil {
							return err
						}
						want := map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"}
						if len(creates) != 1 || !maps.Equal(creates[0], want) {
							return fmt.Errorf("create requests' metadata %v, want one with %v", creates, want)
						}
						return nil
					})),
			},
			{
				// The resource overrides a default.
				PreConfig: log.reset,
				Config: metadataTestConfig(s, []string{defaults(`managed_by = "terraform", pipeline = "ci"`)},
					`metadata = { team = "payments", pipeline = "nightly" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata_all"),
							mapExact(map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "payments", "pipeline": "nightly"},
					map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"}),
					expectUpdates(log, map[string][]string{custAddr: {`{"pipeline": "nightly"}`}}),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"}))),
			},
			// An import holds in metadata the keys that are not defaults
			// (pipeline differs from its default), so it matches the state.
			{ResourceName: custAddr, ImportState: true, ImportStateVerify: true},
			{ResourceName: custAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{
				// team moves from metadata to default_metadata: nothing
				// changes on Monri, so nothing is sent.
				PreConfig: log.reset,
				Config: metadataTestConfig(s, []string{defaults(`managed_by = "terraform", pipeline = "ci", team = "payments"`)},
					`metadata = { pipeline = "nightly" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata_all"),
							mapExact(map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"pipeline": "nightly"},
					map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"}),
					expectUpdates(log, map[string][]string{custAddr: nil})),
			},
			{
				// And back: team moves from default_metadata to metadata.
				PreConfig: log.reset,
				Config: metadataTestConfig(s, []string{defaults(`managed_by = "terraform", pipeline = "ci"`)},
					`metadata = { team = "payments", pipeline = "nightly" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "payments", "pipeline": "nightly"},
					map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"}),
					expectUpdates(log, map[string][]string{custAddr: nil})),
			},
			{
				// managed_by leaves default_metadata: removed from Monri;
				// pipeline leaves the resource: the default comes back.
				PreConfig: log.reset,
				Config:    metadataTestConfig(s, []string{defaults(`pipeline = "ci"`)}, `metadata = { team = "payments" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata_all"),
							mapExact(map[string]string{"pipeline": "ci", "team": "payments"})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "payments"},
					map[string]string{"pipeline": "ci", "team": "payments"}),
					expectUpdates(log, map[string][]string{custAddr: {`{"managed_by": null, "pipeline": "ci"}`}}),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{"pipeline": "ci", "team": "payments"}))),
			},
			{
				// default_metadata goes away, but the resource sets pipeline
				// (to the old default's value): it stays on Monri, and
				// nothing is sent.
				PreConfig: log.reset,
				Config:    metadataTestConfig(s, nil, `metadata = { team = "payments", pipeline = "ci" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "payments", "pipeline": "ci"},
					map[string]string{"pipeline": "ci", "team": "payments"}),
					expectUpdates(log, map[string][]string{custAddr: nil}),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{"pipeline": "ci", "team": "payments"}))),
			},
		},
	})
}

// Ignored keys written on Monri by someone else are no drift, are not in
// state, and no update sends them, not even when the resource's whole
// metadata is removed; data sources still show them.
func TestAccMetadata_ignored(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	log := newRequestLog()
	var id string
	settings := func(managedBy string) []string {
		return []string{
			`ignore_metadata_keys = ["crm_id"]`,
			`ignore_metadata_key_prefixes = ["app_", "sync."]`,
			fmt.Sprintf(`default_metadata = { managed_by = %q }`, managedBy),
		}
	}
	dataSource := `
data "monri_customer" "ds" {
  id = monri_customer.test.id
}

data "monri_customers" "by_ignored_key" {
  metadata   = { crm_id = "43" }
  depends_on = [monri_customer.test]
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: log.factories(),
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				Config: metadataTestConfig(s, settings("terraform"), `metadata = { team = "payments" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{"managed_by": "terraform", "team": "payments"})),
				},
			},
			{
				// The merchant's application writes its keys out of band:
				// the plan is empty and the state does not hold them.
				PreConfig: func() {
					log.reset()
					// Through the sandbox's drift endpoint, as a pipeline
					// would emulate its application.
					driftMetadata(t, s, id, `{"metadata": {"crm_id": "42", "app_seen": "yes", "sync.at": "2026-12-01"}}`)
				},
				Config: metadataTestConfig(s, settings("terraform"), `metadata = { team = "payments" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "payments"},
					map[string]string{"managed_by": "terraform", "team": "payments"}),
					expectUpdates(log, map[string][]string{custAddr: nil})),
			},
			{
				// The application changes its key, someone adds a key
				// nobody ignores (drift), and the configuration drops its
				// whole metadata: the update clears team and the stray key,
				// and sends no ignored key.
				PreConfig: func() {
					log.reset()
					if !s.EditCustomer(id, func(c *sandbox.Customer) { c.Metadata["crm_id"], c.Metadata["stray"] = "43", "x" }) {
						t.Fatal("editing the customer on the sandbox failed")
					}
				},
				Config: metadataTestConfig(s, settings("terraform"), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata_all"), mapExact(map[string]string{"managed_by": "terraform"})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(nil, map[string]string{"managed_by": "terraform"}),
					expectUpdates(log, map[string][]string{custAddr: {`{"stray": null, "team": null}`}}),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{
						"managed_by": "terraform", "crm_id": "43", "app_seen": "yes", "sync.at": "2026-12-01",
					}))),
			},
			{
				// A changed default and a new key: only those are sent.
				PreConfig: log.reset,
				Config:    metadataTestConfig(s, settings("pipeline"), `metadata = { team = "ops" }`) + dataSource,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(
					map[string]string{"team": "ops"},
					map[string]string{"managed_by": "pipeline", "team": "ops"}),
					expectUpdates(log, map[string][]string{custAddr: {`{"managed_by": "pipeline", "team": "ops"}`}}),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{
						"managed_by": "pipeline", "team": "ops", "crm_id": "43", "app_seen": "yes", "sync.at": "2026-12-01",
					}))),
			},
			{
				// The data sources show all of Monri's metadata, and filter
				// by an ignored key.
				Config: metadataTestConfig(s, settings("pipeline"), `metadata = { team = "ops" }`) + dataSource,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.monri_customer.ds", tfjsonpath.New("metadata"), mapExact(map[string]string{
						"managed_by": "pipeline", "team": "ops", "crm_id": "43", "app_seen": "yes", "sync.at": "2026-12-01",
					})),
					statecheck.ExpectKnownValue("data.monri_customers.by_ignored_key", tfjsonpath.New("customers"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"merchant_customer_id": knownvalue.StringExact("md-1"),
							"metadata": mapExact(map[string]string{
								"managed_by": "pipeline", "team": "ops", "crm_id": "43", "app_seen": "yes", "sync.at": "2026-12-01",
							}),
						}),
					})),
				},
			},
			// The import drops the ignored keys too.
			{ResourceName: custAddr, ImportState: true, ImportStateVerify: true},
		},
	})
}

// Changing one default key plans one in-place update of each customer it
// affects and nothing for the others, and the apply sends one request per
// affected customer.
func TestAccMetadata_defaultChangeUpdatesEachAffectedCustomer(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	log := newRequestLog()
	config := func(env string) string {
		return providerConfigWith(s, fmt.Sprintf(`default_metadata = { env = %q, managed_by = "terraform" }`, env)) + `
resource "monri_customer" "a" {}

resource "monri_customer" "b" {
  metadata = { team = "payments" }
}

resource "monri_customer" "c" {
  metadata = { env = "prod" }
}
`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: log.factories(),
		Steps: []resource.TestStep{
			{
				Config: config("test"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				PreConfig: log.reset,
				Config:    config("staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("monri_customer.a", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("monri_customer.b", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("monri_customer.c", plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue("monri_customer.a", tfjsonpath.New("metadata_all"),
							mapExact(map[string]string{"env": "staging", "managed_by": "terraform"})),
						plancheck.ExpectKnownValue("monri_customer.b", tfjsonpath.New("metadata_all"),
							mapExact(map[string]string{"env": "staging", "managed_by": "terraform", "team": "payments"})),
						// Only what Monri holds changes, metadata does not.
						expectChangesOnly{"monri_customer.a", []string{"metadata_all", "updated_at"}},
						expectChangesOnly{"monri_customer.b", []string{"metadata_all", "updated_at"}},
						plancheck.ExpectUnknownValue("monri_customer.a", tfjsonpath.New("updated_at")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectUpdates(log, map[string][]string{
						"monri_customer.a": {`{"env": "staging"}`},
						"monri_customer.b": {`{"env": "staging"}`},
						"monri_customer.c": nil,
					}),
					checkServerCustomer(s, "monri_customer.a", wantMetadata(map[string]string{"env": "staging", "managed_by": "terraform"})),
					checkServerCustomer(s, "monri_customer.b", wantMetadata(map[string]string{"env": "staging", "managed_by": "terraform", "team": "payments"})),
					checkServerCustomer(s, "monri_customer.c", wantMetadata(map[string]string{"env": "prod", "managed_by": "terraform"})),
				},
			},
		},
	})
}

// A default whose value is not known until apply makes metadata_all unknown
// in the plan: no error, and no diff once applied.
func TestAccMetadata_unknownDefault(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	config := func(trigger string) string {
		return fmt.Sprintf(`
resource "terraform_data" "run" {
  triggers_replace = %q
}
`, trigger) + metadataTestConfig(s, []string{`default_metadata = { run = terraform_data.run.id, managed_by = "terraform" }`},
			`metadata = { team = "payments" }`)
	}
	sameRun := statecheck.CompareValuePairs("terraform_data.run", tfjsonpath.New("id"),
		custAddr, tfjsonpath.New("metadata_all").AtMapKey("run"), compare.ValuesSame())
	serverHasRun := stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		run := findResource(req.State, "terraform_data.run")
		cust := findResource(req.State, custAddr)
		if run == nil || cust == nil {
			return fmt.Errorf("terraform_data.run or %s not in state", custAddr)
		}
		id, _ := cust.AttributeValues["id"].(string)
		runID, _ := run.AttributeValues["id"].(string)
		c, _ := s.Customer(id)
		want := map[string]string{"run": runID, "managed_by": "terraform", "team": "payments"}
		return wantMetadata(want)(c)
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("r1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(custAddr, tfjsonpath.New("metadata_all")),
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), mapExact(map[string]string{"team": "payments"})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameRun, serverHasRun,
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata"), mapExact(map[string]string{"team": "payments"}))},
			},
			{
				// A new run id: an in-place update, metadata_all unknown.
				Config: config("r2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(custAddr, tfjsonpath.New("metadata_all")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameRun, serverHasRun},
			},
			{
				// The whole default_metadata map is unknown until apply:
				// the same, metadata_all unknown, then no diff.
				Config: `
resource "terraform_data" "defaults" {
  input = { run = "r3", managed_by = "terraform" }
}
` + metadataTestConfig(s, []string{`default_metadata = terraform_data.defaults.output`}, `metadata = { team = "payments" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(custAddr, tfjsonpath.New("metadata_all")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(map[string]string{"team": "payments"},
					map[string]string{"run": "r3", "managed_by": "terraform", "team": "payments"}),
					checkServerCustomer(s, custAddr, wantMetadata(map[string]string{"run": "r3", "managed_by": "terraform", "team": "payments"}))),
			},
		},
	})
}

// Every rule of the metadata settings is checked at plan time, with an
// error naming the key.
func TestAccMetadata_validation(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	step := func(provider []string, metadata, wantErr string) resource.TestStep {
		return resource.TestStep{
			Config:      metadataTestConfig(s, provider, metadata),
			PlanOnly:    true,
			ExpectError: dsPhrase(wantErr),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step([]string{`default_metadata = { "" = "x" }`}, "",
				`default_metadata has an empty key (""). Metadata keys must be at least 1 character long.`),
			step([]string{`default_metadata = { owner = null }`}, "",
				`default_metadata key "owner" is null.`),
			step([]string{`default_metadata = { crm_id = "1" }`, `ignore_metadata_keys = ["crm_id"]`}, "",
				`default_metadata sets the key "crm_id", which ignore_metadata_keys ignores.`),
			step([]string{`default_metadata = { app_x = "1" }`, `ignore_metadata_key_prefixes = ["app_"]`}, "",
				`default_metadata sets the key "app_x", which ignore_metadata_key_prefixes ignores (it starts with "app_").`),
			step([]string{`ignore_metadata_keys = ["crm_id", ""]`}, "",
				`ignore_metadata_keys contains an empty key ("").`),
			step([]string{`ignore_metadata_key_prefixes = [""]`}, "",
				`ignore_metadata_key_prefixes contains an empty prefix (""), which would ignore every metadata key.`),
			step([]string{`ignore_metadata_keys = ["crm_id"]`}, `metadata = { crm_id = "7" }`,
				`metadata sets the key "crm_id", which the provider's ignore_metadata_keys ignores.`),
			step([]string{`ignore_metadata_key_prefixes = ["app_"]`}, `metadata = { team = "a", app_y = "7" }`,
				`metadata sets the key "app_y", which the provider's ignore_metadata_key_prefixes ignores (it starts with "app_").`),
			{
				Config: `
resource "terraform_data" "k" {
  input = "crm_id"
}
` + metadataTestConfig(s, []string{`ignore_metadata_keys = [terraform_data.k.id]`}, ""),
				PlanOnly:    true,
				ExpectError: dsPhrase(`ignore_metadata_keys depends on a value that is not known until apply`),
			},
			{
				// A default_metadata known only at apply is checked then,
				// before any customer is created.
				Config: `
resource "terraform_data" "defaults" {
  input = { crm_id = "1", managed_by = "terraform" }
}
` + metadataTestConfig(s, []string{`default_metadata = terraform_data.defaults.output`, `ignore_metadata_keys = ["crm_id"]`}, ""),
				ExpectError: dsPhrase(`default_metadata sets the key "crm_id", which ignore_metadata_keys ignores.`),
			},
		},
	})
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("validation sent %d requests to Monri: %v", n, s.RequestCounts())
	}
	if n := len(s.Customers()); n != 0 {
		t.Errorf("validation left %d customers on the sandbox", n)
	}
}

// A create whose answer is lost is resolved by looking the customer up by
// merchant_customer_id and adopting it, with an update when it differs from
// the plan. Between the create and the lookup the merchant's application
// stamps its own keys (ignored by the provider) on both customers, and on
// "busy" someone also changes a default key and adds a key nobody ignores.
// The adoption leaves the ignored keys alone (never sent, not even as null):
// "quiet" gets no update at all, "busy" one that restores the default and
// removes the stray key, and nothing else.
func TestAccMetadata_safeCreateAdoptionLeavesIgnoredKeys(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	log := newRequestLog()
	var mu sync.Mutex
	edited := map[string]bool{}
	log.onSend = func(method, path string) {
		mid, ok := strings.CutPrefix(path, "/v2/merchants/customers/")
		if method != http.MethodGet || !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		c, found := s.CustomerByMerchantID(mid)
		if edited[mid] || !found {
			return
		}
		edited[mid] = true
		s.EditCustomer(c.UUID, func(c *sandbox.Customer) {
			if c.Metadata == nil {
				c.Metadata = map[string]string{}
			}
			c.Metadata["crm_id"], c.Metadata["app_seen"] = "42", "yes"
			if mid == "md-busy" {
				c.Metadata["pipeline"], c.Metadata["stray"] = "manual", "x"
			}
		})
	}
	config := providerConfigWith(s,
		`ignore_metadata_keys = ["crm_id"]`,
		`ignore_metadata_key_prefixes = ["app_"]`,
		`default_metadata = { managed_by = "terraform", pipeline = "ci" }`) + `
resource "monri_customer" "quiet" {
  merchant_customer_id = "md-quiet"
  metadata             = { team = "payments" }
}

resource "monri_customer" "busy" {
  merchant_customer_id = "md-busy"
  metadata             = { team = "ops" }
}
`
	sent := stateCheckFunc(func(statecheck.CheckStateRequest) error {
		creates, err := log.creates()
		if err != nil {
			return err
		}
		if len(creates) != 2 {
			return fmt.Errorf("%d create requests, want 2 (one per customer, each answer lost)", len(creates))
		}
		for _, m := range creates {
			if m["managed_by"] != "terraform" || m["pipeline"] != "ci" || len(m) != 3 {
				return fmt.Errorf("a create request's metadata is %v, want the defaults and team", m)
			}
		}
		for _, mid := range []string{"md-quiet", "md-busy"} {
			if n := log.count(http.MethodGet, "/v2/merchants/customers/"+mid); n != 1 {
				return fmt.Errorf("%s was looked up %d times, want once", mid, n)
			}
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: log.factories(),
		CheckDestroy:             noLiveCustomers(s),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, 2)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sent,
					expectUpdates(log, map[string][]string{
						"monri_customer.quiet": nil,
						"monri_customer.busy":  {`{"pipeline": "ci", "stray": null}`},
					}),
					statecheck.ExpectKnownValue("monri_customer.quiet", tfjsonpath.New("metadata"), mapExact(map[string]string{"team": "payments"})),
					statecheck.ExpectKnownValue("monri_customer.quiet", tfjsonpath.New("metadata_all"),
						mapExact(map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"})),
					statecheck.ExpectKnownValue("monri_customer.busy", tfjsonpath.New("metadata"), mapExact(map[string]string{"team": "ops"})),
					statecheck.ExpectKnownValue("monri_customer.busy", tfjsonpath.New("metadata_all"),
						mapExact(map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "ops"})),
					checkServerCustomer(s, "monri_customer.quiet", wantMetadata(map[string]string{
						"managed_by": "terraform", "pipeline": "ci", "team": "payments", "crm_id": "42", "app_seen": "yes"})),
					checkServerCustomer(s, "monri_customer.busy", wantMetadata(map[string]string{
						"managed_by": "terraform", "pipeline": "ci", "team": "ops", "crm_id": "42", "app_seen": "yes"})),
					stateCheckFunc(func(statecheck.CheckStateRequest) error {
						if n := s.FaultsInjected(); n != 2 {
							return fmt.Errorf("%d faults met, want both creates' answers lost", n)
						}
						if n := len(s.Customers()); n != 2 {
							return fmt.Errorf("%d customers on the sandbox, want 2", n)
						}
						return nil
					}),
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// With the shared listing (share_listings defaults to true), a lookup in the
// same apply after a create or an update that changes only a default sees
// the customer with the metadata Monri now holds, although a listing made
// earlier in that apply (data.monri_customers.before, deferred to apply by
// its unknown filter) holds the customer as it was, or not at all.
func TestAccMetadata_sharedListingSeesWrites(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	config := func(env string) string {
		return fmt.Sprintf(`
resource "terraform_data" "gate" {
  input = %[1]q
}

data "monri_customers" "before" {
  metadata = { env = terraform_data.gate.output }
}
`, env) + providerConfigWith(s, fmt.Sprintf(`default_metadata = { env = %q }`, env)) + `
resource "monri_customer" "test" {
  merchant_customer_id = "md-1"
  metadata             = { team = "payments" }
  depends_on           = [data.monri_customers.before]
}

data "monri_customers" "after" {
  metadata   = { env = terraform_data.gate.output }
  depends_on = [monri_customer.test]
}
`
	}
	found := func(env string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.monri_customers.before", tfjsonpath.New("customers"), knownvalue.ListSizeExact(0)),
			statecheck.ExpectKnownValue("data.monri_customers.after", tfjsonpath.New("customers"), knownvalue.ListExact([]knownvalue.Check{
				knownvalue.ObjectPartial(map[string]knownvalue.Check{
					"merchant_customer_id": knownvalue.StringExact("md-1"),
					"metadata":             mapExact(map[string]string{"env": env, "team": "payments"}),
				}),
			})),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             noLiveCustomers(s),
		Steps: []resource.TestStep{
			{
				Config:            config("test"),
				ConfigStateChecks: found("test"),
			},
			{
				Config: config("staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						expectChangesOnly{custAddr, []string{"metadata_all", "updated_at"}},
					},
				},
				ConfigStateChecks: found("staging"),
			},
		},
	})
}
