package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// attachCards saves n cards for a customer (every expiredEvery-th one
// expired, none when 0) and returns them newest first, as Monri lists them.
func attachCards(t *testing.T, s *sandbox.Server, customer string, n, expiredEvery int) []sandbox.PaymentMethod {
	t.Helper()
	var pms []sandbox.PaymentMethod
	for i := range n {
		card := sandbox.Card{PAN: fmt.Sprintf("5555%012d", i+1)}
		if expiredEvery > 0 && i%expiredEvery == 0 {
			card.Expired = true
		}
		pm, err := s.AttachCard(customer, card)
		if err != nil {
			t.Fatalf("attaching card %d: %v", i, err)
		}
		pms = append(pms, pm)
	}
	slices.Reverse(pms)
	return pms
}

func pmIDs(pms []sandbox.PaymentMethod, keep func(sandbox.PaymentMethod) bool) []string {
	var ids []string
	for _, pm := range pms {
		if keep(pm) {
			ids = append(ids, pm.ID)
		}
	}
	return ids
}

func allPMs(sandbox.PaymentMethod) bool    { return true }
func livePMs(p sandbox.PaymentMethod) bool { return !p.Expired }

func TestAccCustomerPaymentMethodsDataSource_basic(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 20}})
	sent := newSentCounter() // counts at the client: see sentCounter
	custs := s.SeedCustomers(3, "cards")
	none, one, many := custs[0], custs[1], custs[2]
	onePM := attachCards(t, s, one, 1, 0)[0]
	manyPMs := attachCards(t, s, many, 45, 5) // 9 expired, 36 valid
	if n := len(pmIDs(manyPMs, livePMs)); n != 36 {
		t.Fatalf("%d valid cards, want 36", n)
	}
	config := func(manyAttrs string) string {
		return providerConfig(s) + fmt.Sprintf(`
data "monri_customer_payment_methods" "none" {
  customer_id = %q
}

data "monri_customer_payment_methods" "one" {
  customer_id = %q
}

data "monri_customer_payment_methods" "many" {
  customer_id = %q
%s}
`, none, one, many, manyAttrs)
	}
	const manyAddr = "data.monri_customer_payment_methods.many"
	tokenPath := tfjsonpath.New("payment_methods").AtSliceIndex(0).AtMapKey("token")

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: sent.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: sent.ResetCounters,
				Config:    config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// none: the empty page; one: [1] then empty; many (pages
					// capped at 20): 20, 20, 5, then empty (and pages still in
					// flight when it came back).
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantPagedRequests(sent, sandbox.RouteListPaymentMethods, 1+2+4))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.monri_customer_payment_methods.none", tfjsonpath.New("payment_methods"),
						knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue("data.monri_customer_payment_methods.one", tfjsonpath.New("payment_methods"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id":              knownvalue.StringExact(onePM.ID),
							"masked_pan":      knownvalue.StringExact("555500******0001"),
							"expiration_date": knownvalue.StringExact(onePM.ExpirationDate),
							"keep_until":      knownvalue.StringExact(onePM.KeepUntil.UTC().Format(time.RFC3339)),
							"expired":         knownvalue.Bool(false),
							"status":          knownvalue.StringExact("approved"),
							"created_at":      knownvalue.StringExact(onePM.CreatedAt.UTC().Format(time.RFC3339)),
							"updated_at":      knownvalue.StringExact(onePM.UpdatedAt.UTC().Format(time.RFC3339)),
							"token":           knownvalue.StringExact(onePM.Token),
						})})),
					statecheck.ExpectSensitiveValue("data.monri_customer_payment_methods.one", tokenPath),
					statecheck.ExpectKnownValue(manyAddr, tfjsonpath.New("payment_methods"), dsIDList(pmIDs(manyPMs, allPMs))),
					statecheck.ExpectKnownValue(manyAddr, tfjsonpath.New("payment_methods").AtSliceIndex(44).AtMapKey("expired"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(manyAddr, tfjsonpath.New("payment_methods").AtSliceIndex(43).AtMapKey("expired"), knownvalue.Bool(false)),
					statecheck.ExpectSensitiveValue(manyAddr, tfjsonpath.New("payment_methods").AtSliceIndex(44).AtMapKey("token")),
				},
			},
			{
				Config: config("  include_expired = false\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manyAddr, tfjsonpath.New("payment_methods"), dsIDList(pmIDs(manyPMs, livePMs))),
				},
			},
			{
				Config: config("  include_expired = true\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manyAddr, tfjsonpath.New("payment_methods"), dsIDList(pmIDs(manyPMs, allPMs))),
				},
			},
			{
				// The newest 25 valid cards. Each request asks only for the
				// cards still missing: 20 (4 expired), 9 (1 expired), 1
				// (expired), 1; then 25 are kept and paging stops.
				PreConfig: sent.ResetCounters,
				Config:    config("  include_expired = false\n  max_items       = 25\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{dsCheckNow(dsWantRequests(sent, sandbox.RouteListPaymentMethods, 1+2+4))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(manyAddr, tfjsonpath.New("payment_methods"), dsIDList(pmIDs(manyPMs, livePMs)[:25])),
				},
			},
		},
	})
}

func TestAccCustomerPaymentMethodsDataSource_errors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	gone := s.SeedCustomers(1, "gone")[0]
	s.DeleteCustomer(gone)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `
data "monri_customer_payment_methods" "x" {
  customer_id = "00000000-0000-4000-8000-000000000000"
}
`,
				ExpectError: regexp.MustCompile(`Unable to List Monri Payment Methods(?s:.*)` +
					dsPhrase(`no Monri customer with id "00000000-0000-4000-8000-000000000000"`).String() + `(?s:.*)` +
					dsPhrase(`Check customer_id`).String()),
			},
			{
				Config: providerConfig(s) + fmt.Sprintf(`
data "monri_customer_payment_methods" "x" {
  customer_id = %q
}
`, gone),
				ExpectError: dsPhrase(fmt.Sprintf(`no Monri customer with id %q`, gone)),
			},
			{
				Config: providerConfig(s) + fmt.Sprintf(`
data "monri_customer_payment_methods" "x" {
  customer_id = %q
  max_items   = 0
}
`, gone),
				ExpectError: dsPhrase(`Attribute max_items value must be at least 1, got: 0`),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer_payment_methods" "x" {
  customer_id = ""
}
`,
				ExpectError: dsPhrase(`Attribute customer_id string length must be at least 1, got: 0`),
			},
			{
				Config: providerConfig(s) + `
data "monri_customer_payment_methods" "x" {}
`,
				ExpectError: dsPhrase(`The argument "customer_id" is required`),
			},
		},
	})
}

// tfCLI runs the terraform binary against a provider served in-process
// (reattached, as terraform-plugin-testing does), to see Terraform's own
// human-readable output, which the testing framework does not expose.
type tfCLI struct {
	t   *testing.T
	dir string
	env []string
}

func newTFCLI(t *testing.T) *tfCLI {
	t.Helper()
	skipUnlessAcc(t)
	ctx, cancel := context.WithCancel(context.Background())
	reattachCh := make(chan *plugin.ReattachConfig)
	closeCh := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(testProviderAddress(), func() tfprotov6.ProviderServer {
			return testProviderServer(newTestProvider())
		},
			tf6server.WithDebug(ctx, reattachCh, closeCh),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithLoggingSink(t))
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattachCh:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("timed out waiting for the provider's reattach configuration")
	}
	t.Cleanup(func() {
		cancel()
		<-closeCh
	})
	type addr struct{ Network, String string }
	reattach, err := json.Marshal(map[string]any{
		testProviderAddress(): map[string]any{
			"Protocol": string(rc.Protocol), "ProtocolVersion": rc.ProtocolVersion, "Pid": rc.Pid, "Test": rc.Test,
			"Addr": addr{rc.Addr.Network(), rc.Addr.String()},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cliConfig := filepath.Join(dir, "cli.tfrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return &tfCLI{t: t, dir: dir, env: append(os.Environ(),
		"TF_REATTACH_PROVIDERS="+string(reattach),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"TF_LOG=",
	)}
}

// writeConfig replaces the configuration (main.tf) of the working directory.
func (c *tfCLI) writeConfig(config string) {
	c.t.Helper()
	config = `
terraform {
  required_providers {
    monri = {
      source = "monri-community/monri"
    }
  }
}
` + config
	if err := os.WriteFile(filepath.Join(c.dir, "main.tf"), []byte(config), 0o600); err != nil { //nolint:gosec // c.dir is a t.TempDir()
		c.t.Fatal(err)
	}
}

// run runs terraform with args and returns stdout and stderr together; it
// fails the test when the command's success is not wantOK.
func (c *tfCLI) run(wantOK bool, args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, terraformPath(), args...) //nolint:gosec // the test's own terraform binary and arguments
	cmd.Dir = c.dir
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if (err == nil) != wantOK {
		c.t.Fatalf("terraform %s: error %v, want success %v; output:\n%s", strings.Join(args, " "), err, wantOK, out.String())
	}
	return out.String()
}

// The card tokens never appear in Terraform's human-readable output (plan,
// apply, show, output), although they are in the state (which the check
// proves can see them), and an output that exposes them without
// `sensitive = true` is refused.
func TestAccCustomerPaymentMethodsDataSource_tokenNeverShown(t *testing.T) {
	// By default the sandbox follows the docs' example, where a saved card's
	// id is its token; distinct-card-ids gives them different values. Either
	// way neither may be shown.
	t.Run("id is token", func(t *testing.T) { testCardSecretsNeverShown(t, sandbox.Variants{}) })
	t.Run("distinct-card-ids", func(t *testing.T) { testCardSecretsNeverShown(t, sandbox.Variants{DistinctCardIDs: true}) })
}

func testCardSecretsNeverShown(t *testing.T, v sandbox.Variants) {
	s := startSandbox(t, sandbox.Options{Variants: v})
	cust := s.SeedCustomers(1, "secret")[0]
	pms := attachCards(t, s, cust, 3, 3)
	var tokens []string
	for _, pm := range pms {
		tokens = append(tokens, pm.Token, pm.ID)
	}
	leaks := func(what, out string) {
		t.Helper()
		for _, tok := range tokens {
			if strings.Contains(out, tok) || strings.Contains(out, tok[:16]) {
				t.Errorf("%s shows a card token or id:\n%s", what, out)
				return
			}
		}
	}

	tf := newTFCLI(t)
	base := providerConfig(s) + fmt.Sprintf(`
data "monri_customer_payment_methods" "cards" {
  customer_id = %q
}
`, cust)
	tf.writeConfig(base + `
output "masked_pans" {
  value = data.monri_customer_payment_methods.cards.payment_methods[*].masked_pan
}

output "cards" {
  value     = data.monri_customer_payment_methods.cards.payment_methods
  sensitive = true
}
`)
	tf.run(true, "init", "-input=false", "-no-color")
	plan := tf.run(true, "plan", "-input=false", "-no-color", "-out=tfplan")
	leaks("terraform plan", plan)
	if !strings.Contains(plan, "555500******0001") {
		t.Errorf("the plan does not show the masked PANs, so it cannot show whether tokens leak:\n%s", plan)
	}
	leaks("terraform show tfplan", tf.run(true, "show", "-no-color", "tfplan"))
	leaks("terraform apply", tf.run(true, "apply", "-input=false", "-no-color", "tfplan"))
	show := tf.run(true, "show", "-no-color")
	leaks("terraform show", show)
	for _, pm := range pms {
		if !strings.Contains(show, pm.MaskedPAN) {
			t.Errorf("terraform show does not list card %s, so it cannot show whether tokens leak:\n%s", pm.MaskedPAN, show)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*id\s+= \(sensitive value\)`).MatchString(show) ||
		!regexp.MustCompile(`(?m)^\s*token\s+= \(sensitive value\)`).MatchString(show) {
		t.Errorf("terraform show does not show the id and token attributes as (sensitive value):\n%s", show)
	}
	leaks("terraform output", tf.run(true, "output", "-no-color"))
	leaks("terraform refresh plan", tf.run(true, "plan", "-input=false", "-no-color", "-refresh-only"))

	// Control: the state holds the tokens, and the search finds them there.
	if stateJSON := tf.run(true, "show", "-json"); !strings.Contains(stateJSON, pms[0].Token) || !strings.Contains(stateJSON, pms[0].ID) {
		t.Fatalf("the tokens are not in the state either; the checks above prove nothing:\n%s", stateJSON)
	}

	// Terraform refuses to expose the list without sensitive = true.
	tf.writeConfig(base + `
output "cards" {
  value = data.monri_customer_payment_methods.cards.payment_methods
}
`)
	out := tf.run(false, "plan", "-input=false", "-no-color")
	if !dsPhrase("Output refers to sensitive values").MatchString(out) {
		t.Errorf("an output exposing the cards was not refused as sensitive:\n%s", out)
	}
	leaks("the refused plan", out)
}

// The examples of the data sources and the ephemeral resource plan cleanly
// against the sandbox (with a provider block added).
func TestAccDataSourceExamples(t *testing.T) {
	skipUnlessAcc(t)
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{ListIncludesDeleted: true}})
	ids := s.SeedCustomers(3, "example")
	jane := ids[0]
	s.EditCustomer(jane, func(c *sandbox.Customer) {
		c.MerchantCustomerID = dsStr("crm-000123")
		c.Email = dsStr("jane.doe@example.com")
	})
	attachCards(t, s, jane, 2, 2) // the older one expired
	s.DeleteCustomer(ids[2])

	examples := []struct {
		file string
		want []string // in the plan output
	}{
		{"data-sources/monri_customer/data-source.tf", []string{
			fmt.Sprintf(`jane_customer_id = %q`, jane), `jane_email       = "jane.doe@example.com"`,
		}},
		{"data-sources/monri_customers/data-source.tf", []string{
			`customer_count              = 2`, fmt.Sprintf(`crm-000123    = %q`, jane), fmt.Sprintf(`example-00002 = %q`, ids[1]),
			`recently_deleted            = [`, fmt.Sprintf(`+ %q,`, ids[2]), // the deleted customer
		}},
		{"data-sources/monri_customer_payment_methods/data-source.tf", []string{
			`"555500******0002 (expires `, `jane_newest_card_token = (sensitive value)`,
		}},
		{"ephemeral-resources/monri_access_token/ephemeral-resource.tf", []string{
			`ephemeral.monri_access_token.sdk: Opening...`,
		}},
	}
	for _, ex := range examples {
		t.Run(ex.file, func(t *testing.T) {
			file, err := filepath.Abs(filepath.Join("..", "..", "examples", ex.file))
			if err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(file) //nolint:gosec // a fixed example path
			if err != nil {
				t.Fatal(err)
			}
			// The example's placeholder UUID becomes a customer that exists.
			config := strings.ReplaceAll(string(src), "4b281da4-d145-4233-b957-2018cf9aa0fb", ids[1])
			tf := newTFCLI(t)
			tf.writeConfig(providerConfig(s) + config)
			tf.run(true, "fmt", "-check", "-diff", "-no-color", file)
			tf.run(true, "init", "-input=false", "-no-color")
			tf.run(true, "validate", "-no-color")
			plan := tf.run(true, "plan", "-input=false", "-no-color")
			for _, w := range ex.want {
				if !strings.Contains(plan, w) {
					t.Errorf("the plan does not show %q:\n%s", w, plan)
				}
			}
		})
	}
	if n := s.RequestCount(sandbox.RouteOAuth); n == 0 {
		t.Error("the access token example did not obtain a token")
	}
}
