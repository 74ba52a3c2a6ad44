package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// wantNothingSent fails the test when the sandbox saw any request or holds
// any customer: refused input must be refused before anything is sent.
func wantNothingSent(t *testing.T, s *sandbox.Server) {
	t.Helper()
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("the sandbox saw %d requests, want none: %v", n, s.RequestCounts())
	}
	if cs := s.Customers(); len(cs) != 0 {
		t.Errorf("the sandbox holds %d customers, want none", len(cs))
	}
}

// attrError is a regexp for a validator's "Attribute <name> ..." error as
// Terraform prints it, wrapped at any space.
func attrError(name, rest string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)Attribute\s+` + regexp.QuoteMeta(name) + `\s+` +
		strings.ReplaceAll(regexp.QuoteMeta(rest), " ", `\s+`))
}

// TestAccInvalidUTF8RefusedAtPlan: a value that is not UTF-8 reaches the
// provider through TF_VAR_… (Terraform 1.11 passes the bytes on as they are;
// before the validator, `name = var.bad` created the customer, stored it
// tainted with "Provider produced inconsistent result after apply", and every
// later apply replaced it the same way). Every kind of block refuses it at
// plan with an error naming the attribute; nothing reaches the sandbox.
func TestAccInvalidUTF8RefusedAtPlan(t *testing.T) {
	t.Setenv("TF_VAR_bad", badUTF8)
	const variable = "variable \"bad\" {\n  type = string\n}\n"
	tests := []struct{ config, attr string }{
		{`resource "monri_customer" "test" { name = var.bad }`, "name"},
		{`resource "monri_customer" "test" { merchant_customer_id = var.bad }`, "merchant_customer_id"},
		{`resource "monri_customer" "test" { email = "${var.bad}@example.com" }`, "email"},
		{`resource "monri_customer" "test" { email = var.bad }`, "email"}, // not an address either
		{`resource "monri_customer" "test" { country = var.bad }`, "country"},
		{`resource "monri_customer" "test" { metadata = { crm = var.bad } }`, `metadata["crm"]`},
		{`resource "monri_customer" "test" { metadata = { (var.bad) = "x" } }`, `metadata["Ta\xe8ka"]`},
		{`resource "monri_customer" "test" {
  timeouts {
    create = var.bad
  }
}`, "timeouts.create"},
		{`data "monri_customer" "test" { id = var.bad }`, "id"},
		{`data "monri_customer" "test" { merchant_customer_id = var.bad }`, "merchant_customer_id"},
		{`data "monri_customer" "test" { email = "${var.bad}@example.com" }`, "email"},
		{`data "monri_customers" "test" { name = var.bad }`, "name"},
		{`data "monri_customers" "test" { metadata = { crm = var.bad } }`, `metadata["crm"]`},
		{`data "monri_customer_payment_methods" "test" { customer_id = var.bad }`, "customer_id"},
		{`ephemeral "monri_access_token" "test" { scopes = [var.bad] }`, `scopes[Value("Ta\xe8ka")]`},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.config)[0]+" "+strings.Trim(strings.Fields(tt.config)[1], `"`)+" "+tt.attr, func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{})
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerConfig(s) + variable + tt.config,
					ExpectError: attrError(tt.attr, "value must be valid UTF-8 text, but byte 3 of its"),
				}},
			})
			wantNothingSent(t, s)
		})
	}
}

// TestAccInvalidUTF8InProviderBlock: the provider block's settings, the
// secret merchant_key among them, refuse invalid UTF-8 with an error naming
// the setting and never quoting the value.
func TestAccInvalidUTF8InProviderBlock(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	token, key := s.Credentials()
	t.Setenv("TF_VAR_bad", badUTF8)
	settings := map[string]string{
		"authenticity_token": fmt.Sprintf("%q", token),
		"merchant_key":       fmt.Sprintf("%q", key),
		"base_url":           fmt.Sprintf("%q", s.URL()),
	}
	var steps []resource.TestStep
	for _, attr := range []string{"merchant_key", "authenticity_token", "base_url", "environment", "request_timeout", "authentication"} {
		var b strings.Builder
		b.WriteString("variable \"bad\" {\n  type = string\n}\n\nprovider \"monri\" {\n")
		for k, v := range settings {
			if k != attr {
				fmt.Fprintf(&b, "  %s = %s\n", k, v)
			}
		}
		fmt.Fprintf(&b, "  %s = var.bad\n}\n\nresource \"monri_customer\" \"test\" {}\n", attr)
		steps = append(steps, resource.TestStep{
			Config:      b.String(),
			ExpectError: attrError(attr, "value must be valid UTF-8 text, but byte 3 of its 5 bytes"),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	wantNothingSent(t, s)
}

// TestAccDotSegmentIDsRefusedAtPlan: an id the provider sends as a URL path
// segment may not be "." or "..": a front end that normalises paths would
// turn GET /v2/customers/../payment-methods into GET /v2/payment-methods.
// Each is refused at plan with an error naming the attribute, and nothing
// reaches the sandbox.
func TestAccDotSegmentIDsRefusedAtPlan(t *testing.T) {
	tests := []struct{ config, attr, value string }{
		{`resource "monri_customer" "test" { merchant_customer_id = ".." }`, "merchant_customer_id", ".."},
		{`resource "monri_customer" "test" { merchant_customer_id = "." }`, "merchant_customer_id", "."},
		{`data "monri_customer" "test" { id = ".." }`, "id", ".."},
		{`data "monri_customer" "test" { id = "." }`, "id", "."},
		{`data "monri_customer" "test" { merchant_customer_id = ".." }`, "merchant_customer_id", ".."},
		{`data "monri_customer_payment_methods" "test" { customer_id = ".." }`, "customer_id", ".."},
		{`data "monri_customer_payment_methods" "test" { customer_id = "." }`, "customer_id", "."},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.config)[0]+" "+strings.Trim(strings.Fields(tt.config)[1], `"`)+" "+tt.attr+" "+tt.value, func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{})
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerConfig(s) + tt.config,
					ExpectError: attrError(tt.attr, fmt.Sprintf("value must not be %q:", tt.value)),
				}},
			})
			wantNothingSent(t, s)
		})
	}
}

// TestAccDotSegmentUnknownAtPlan: a merchant_customer_id known only at apply
// (from another resource) escapes the plan-time check, and is refused at
// apply before the customer is created.
func TestAccDotSegmentUnknownAtPlan(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(s) + `
resource "terraform_data" "id" {
  input = ".."
}

resource "monri_customer" "test" {
  merchant_customer_id = terraform_data.id.output
}
`,
			ExpectError: attrError("merchant_customer_id", `value must not be "..":`),
		}},
	})
	wantNothingSent(t, s)
}

// TestAccImportDotSegment: an import ID (by uuid or by merchant_customer_id)
// of "." or ".." is refused before any request, with an error that quotes it.
func TestAccImportDotSegment(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	config := providerConfig(s) + `resource "monri_customer" "test" {}`
	var steps []resource.TestStep
	for id, want := range map[string]string{
		".":                       `the import ID "." is neither a Monri customer uuid nor merchant_customer_id:<value>`,
		"..":                      `the import ID ".." is neither a Monri customer uuid nor merchant_customer_id:<value>`,
		"merchant_customer_id:.":  `the import ID "merchant_customer_id:." names a merchant_customer_id of ".", which cannot be looked up`,
		"merchant_customer_id:..": `the import ID "merchant_customer_id:.." names a merchant_customer_id of "..", which cannot be looked up`,
	} {
		steps = append(steps, resource.TestStep{
			Config: config, ResourceName: custAddr, ImportState: true, ImportStateId: id,
			ExpectError: regexp.MustCompile(`(?s)Invalid Import ID.*` + strings.ReplaceAll(regexp.QuoteMeta(want), " ", `\s+`)),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	wantNothingSent(t, s)
}

// TestAccInvalidUTF8MerchantKeyNeverShown: a merchant key that is not UTF-8,
// in the provider block (from a sensitive variable) or in MONRI_MERCHANT_KEY,
// is refused with an error naming the setting, and the key is not in
// Terraform's output. Before, the environment's key crashed the provider (a
// panic compiling the logger's mask).
func TestAccInvalidUTF8MerchantKeyNeverShown(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	token, _ := s.Credentials()
	const key = "secret-\xe8-merchant-key"
	leaks := func(out string) {
		t.Helper()
		for _, form := range []string{key, "secret-", strings.Trim(fmt.Sprintf("%q", key), `"`)} {
			if strings.Contains(out, form) {
				t.Errorf("the output shows the merchant key (%q):\n%s", form, out)
			}
		}
	}
	tf := newTFCLI(t)
	tf.env = append(tf.env, "TF_VAR_key="+key)
	tf.writeConfig(fmt.Sprintf(`
variable "key" {
  type      = string
  sensitive = true
}

provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = var.key
}

resource "monri_customer" "test" {}
`, s.URL(), token))
	tf.run(true, "init", "-input=false", "-no-color")
	out := tf.run(false, "plan", "-input=false", "-no-color")
	if !attrError("merchant_key", "value must be valid UTF-8 text, but byte 8 of its").MatchString(out) {
		t.Errorf("plan output does not name merchant_key:\n%s", out)
	}
	leaks(out)

	t.Setenv(EnvMerchantKey, key)
	tf.writeConfig(fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
}

resource "monri_customer" "test" {}
`, s.URL(), token))
	out = tf.run(false, "plan", "-input=false", "-no-color")
	if !regexp.MustCompile(`(?s)Invalid UTF-8.*The environment variable MONRI_MERCHANT_KEY \(merchant_key\)\s+must\s+be\s+valid\s+UTF-8\s+text`).MatchString(out) {
		t.Errorf("plan output does not name MONRI_MERCHANT_KEY:\n%s", out)
	}
	leaks(out)
	wantNothingSent(t, s)
}
