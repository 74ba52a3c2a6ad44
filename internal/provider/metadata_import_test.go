package provider

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	tf.writeConfig(providerConfigWith(s,
		`default_metadata = { managed_by = "terraform", pipeline = "ci" }`,
		`ignore_metadata_keys = ["crm_id"]`,
		`ignore_metadata_key_prefixes = ["app_"]`,
	) + fmt.Sprintf(`
import {
  to = monri_customer.a
  id = %q
}

import {
  to = monri_customer.b
  id = %q
}
`, ids[0], ids[1]))
	tf.run(true, "init", "-input=false", "-no-color")
	out := tf.run(true, "plan", "-input=false", "-no-color", "-generate-config-out=generated.tf")
	if !strings.Contains(out, "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the generating plan is not 2 imports only:\n%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(tf.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	gen := string(raw)
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
	out = tf.run(true, "apply", "-input=false", "-no-color", "-auto-approve")
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
