package provider

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// generatedBlock returns the resource block for address in HCL that
// `-generate-config-out` wrote ("" if there is none).
func generatedBlock(hcl, resourceType, name string) string {
	start := strings.Index(hcl, fmt.Sprintf("resource %q %q {", resourceType, name))
	if start < 0 {
		return ""
	}
	rest := hcl[start:]
	if end := strings.Index(rest[1:], "\nresource "); end >= 0 {
		rest = rest[:end+1]
	}
	return rest
}

// A customer whose Monri metadata is the defaults plus its own keys plus
// ignored keys imports with an empty plan, and `-generate-config-out`
// writes only the keys that are not defaults (a key whose value differs
// from its default is the resource's own).
func TestAccMetadata_importGeneratesOnlyNonDefaultKeys(t *testing.T) {
	tf := newTFCLI(t)
	s := startSandbox(t, sandbox.Options{})
	ids := s.SeedCustomers(2, "mdimp")
	metadata := map[string]map[string]string{
		ids[0]: {"managed_by": "terraform", "pipeline": "ci", "tier": "gold", "crm_id": "7", "app_seen": "yes"},
		ids[1]: {"managed_by": "terraform", "pipeline": "nightly"},
	}
	for id, m := range metadata {
		if !s.EditCustomer(id, func(c *sandbox.Customer) { c.Metadata = maps.Clone(m) }) {
			t.Fatal("editing a customer on the sandbox failed")
		}
	}
	gen := tf.generateImports(providerConfigWith(s,
		`default_metadata = { managed_by = "terraform", pipeline = "ci" }`,
		`ignore_metadata_keys = ["crm_id"]`,
		`ignore_metadata_key_prefixes = ["app_"]`,
	), [][2]string{{"a", ids[0]}, {"b", ids[1]}})
	t.Logf("generated.tf:\n%s", gen)
	for name, want := range map[string]struct{ has, lacks []string }{
		"a": {has: []string{`tier = "gold"`}, lacks: []string{"managed_by", "pipeline", "crm_id", "app_seen"}},
		"b": {has: []string{`pipeline = "nightly"`}, lacks: []string{"managed_by", "tier", "crm_id"}},
	} {
		block := generatedBlock(gen, "monri_customer", name)
		if block == "" {
			t.Fatalf("generated.tf has no monri_customer.%s:\n%s", name, gen)
		}
		for _, s := range want.has {
			if !strings.Contains(block, s) {
				t.Errorf("monri_customer.%s in generated.tf lacks %s:\n%s", name, s, block)
			}
		}
		for _, s := range want.lacks {
			if strings.Contains(block, s) {
				t.Errorf("monri_customer.%s in generated.tf has %s:\n%s", name, s, block)
			}
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
	for id, m := range metadata {
		if c, _ := s.Customer(id); !maps.Equal(c.Metadata, m) {
			t.Errorf("customer %s: metadata %v after the apply, want %v", id, c.Metadata, m)
		}
	}
	out = tf.run(true, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after apply is not empty:\n%s\ngenerated.tf:\n%s", out, gen)
	}
}

// The provider page's worked example, applied as it is against the sandbox
// (credentials from the environment): the buyer holds the defaults and its
// role, the application's keys are no drift, and the next pipeline run
// updates each customer once, sending only the new pipeline value.
func TestAccMetadata_pipelineExample(t *testing.T) {
	tf := newTFCLI(t)
	s := startSandbox(t, sandbox.Options{})
	token, key := s.Credentials()
	// The provider runs in this process.
	t.Setenv(EnvBaseURL, s.URL())
	t.Setenv(EnvAuthenticityToken, token)
	t.Setenv(EnvMerchantKey, key)
	example, err := os.ReadFile(filepath.Clean("../../examples/default-metadata/main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.dir, "main.tf"), example, 0o600); err != nil { //nolint:gosec // tf.dir is a t.TempDir()
		t.Fatal(err)
	}
	tf.run(true, "init", "-input=false", "-no-color")
	tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve", "-var", "pipeline_run=1841")
	buyer, ok := s.CustomerByMerchantID("ci-buyer")
	if !ok {
		t.Fatal("the buyer is not on the sandbox")
	}
	longLived, _ := s.CustomerByMerchantID("ci-long-lived")
	wantBuyer := map[string]string{"managed_by": "terraform", "pipeline": "1841", "expires_at": "2026-12-31T00:00:00Z", "role": "buyer"}
	if !maps.Equal(buyer.Metadata, wantBuyer) {
		t.Fatalf("buyer metadata %v, want %v", buyer.Metadata, wantBuyer)
	}
	if longLived.Metadata["expires_at"] != "never" {
		t.Fatalf("long_lived metadata %v, want expires_at = never", longLived.Metadata)
	}
	for _, id := range []string{buyer.UUID, longLived.UUID} {
		s.EditCustomer(id, func(c *sandbox.Customer) {
			c.Metadata["app_cart"], c.Metadata["last_checkout_at"] = "3", "2026-12-02T10:00:00Z"
		})
	}
	out := tf.run(true, "plan", "-input=false", "-no-color", "-var", "pipeline_run=1841")
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the application's keys show as drift:\n%s", out)
	}
	out = tf.run(true, "plan", "-input=false", "-no-color", "-var", "pipeline_run=1842")
	if !strings.Contains(out, "Plan: 0 to add, 2 to change, 0 to destroy.") {
		t.Fatalf("the next run does not plan one update per customer:\n%s", out)
	}
	s.ResetCounters()
	tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve", "-var", "pipeline_run=1842")
	if n := s.RequestCount(sandbox.RouteUpdateCustomer); n != 2 {
		t.Errorf("the next run sent %d updates, want 2", n)
	}
	for _, id := range []string{buyer.UUID, longLived.UUID} {
		c, _ := s.Customer(id)
		if c.Metadata["pipeline"] != "1842" || c.Metadata["app_cart"] != "3" || c.Metadata["last_checkout_at"] == "" {
			t.Errorf("customer %s metadata after the next run: %v", id, c.Metadata)
		}
	}
	tf.run(true, "destroy", "-input=false", "-no-color", "-auto-approve", "-var", "pipeline_run=1842")
}

// A key the configuration sets to its default's own value: the import puts
// it in metadata_all only (the refresh after an import cannot tell it from a
// default), so the import plans one in-place update that changes metadata
// alone, and applying it sends nothing to Monri; the plan after is empty.
// (The limitation the customer page's Import section describes.)
func TestAccMetadata_importKeyAtBothLevels(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	log := newRequestLog()
	id := s.SeedCustomers(1, "md")[0] // merchant_customer_id md-00001
	all := map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"}
	s.EditCustomer(id, func(c *sandbox.Customer) { c.Metadata = maps.Clone(all) })
	config := providerConfigWith(s, `default_metadata = { managed_by = "terraform", pipeline = "ci" }`) + fmt.Sprintf(`
import {
  to = monri_customer.test
  id = %q
}

resource "monri_customer" "test" {
  merchant_customer_id = "md-00001"
  name                 = "Customer 00001"
  email                = "customer-00001@example.com"
  city                 = "Sarajevo"
  country              = "BA"
  metadata             = { team = "payments", pipeline = "ci" }
}
`, id)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: log.factories(),
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(custAddr, plancheck.ResourceActionUpdate),
						expectChangesOnly{custAddr, []string{"metadata", "updated_at"}},
						expectPriorMetadata{custAddr, map[string]string{"team": "payments"}},
						plancheck.ExpectKnownValue(custAddr, tfjsonpath.New("metadata_all"), mapExact(all)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(expectMetadata(map[string]string{"team": "payments", "pipeline": "ci"}, all),
					expectUpdates(log, map[string][]string{custAddr: nil}),
					checkServerCustomer(s, custAddr, wantMetadata(all))),
			},
		},
	})
}
