package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// testAccProtoV6ProviderFactories serves the provider in-process. Retries
// wait milliseconds instead of seconds so that fault tests stay fast.
// The provider is served through NewProtocol6 and protoserver.Detach, as the
// provider binary serves it.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"monri": func() (tfprotov6.ProviderServer, error) { return testProviderServer(newTestProvider()), nil },
}

// testProviderServer serves p as the provider binary serves the provider.
func testProviderServer(p *monriProvider) tfprotov6.ProviderServer {
	return protoserver.Detach(NewProtocol6(p)())
}

func newTestProvider() *monriProvider {
	return &monriProvider{
		version: "test",
		newClient: func(c monri.Config) (*monri.Client, error) {
			c.RetryWaitMin = 5 * time.Millisecond
			c.RetryWaitMax = 50 * time.Millisecond
			return monri.New(c)
		},
	}
}

// testAccPreCheck fails clearly when acceptance tests cannot run.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return // resource.Test skips by itself
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Log("TF_ACC_TERRAFORM_PATH is not set; terraform-plugin-testing will look for terraform on PATH")
	}
}

// startSandbox starts an in-process Monri sandbox for one test.
func startSandbox(t *testing.T, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	s, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("starting sandbox: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// providerConfig is a provider block pointing at the sandbox.
func providerConfig(s *sandbox.Server) string {
	return providerConfigAt(s.URL(), s)
}

// providerConfigWith is providerConfig with more arguments in the provider
// block, one "name = value" line each.
func providerConfigWith(s *sandbox.Server, lines ...string) string {
	const last = "  request_timeout    = \"5s\"\n"
	var b strings.Builder
	b.WriteString(last)
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	return strings.Replace(providerConfig(s), last, b.String(), 1)
}

// providerConfigAt is a provider block with the sandbox's credentials that
// sends its requests to baseURL (a proxy in front of the sandbox).
func providerConfigAt(baseURL string, s *sandbox.Server) string {
	token, key := s.Credentials()
	return fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = %q
  request_timeout    = "5s"
}
`, baseURL, token, key)
}

// captureAttr is a state check that stores a string attribute of a resource,
// for steps that need it (PreConfig, import IDs).
type captureAttr struct {
	address, attr string
	dst           *string
}

// captureCustomerID stores the id of monri_customer.test.
func captureCustomerID(dst *string) statecheck.StateCheck {
	return captureAttr{address: custAddr, attr: "id", dst: dst}
}

func findResource(state *tfjson.State, address string) *tfjson.StateResource {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == address {
			return r
		}
	}
	return nil
}

func (c captureAttr) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	r := findResource(req.State, c.address)
	if r == nil {
		resp.Error = fmt.Errorf("%s not in state", c.address)
		return
	}
	v, ok := r.AttributeValues[c.attr].(string)
	if !ok {
		resp.Error = fmt.Errorf("%s.%s is not a string: %v", c.address, c.attr, r.AttributeValues[c.attr])
		return
	}
	*c.dst = v
}

// sandboxCheck is a state check that inspects the sandbox (the server), not
// the state, for the customer whose uuid is the resource's id.
type sandboxCheck struct {
	s       *sandbox.Server
	address string
	check   func(c sandbox.Customer) error
}

func checkServerCustomer(s *sandbox.Server, address string, check func(c sandbox.Customer) error) statecheck.StateCheck {
	return sandboxCheck{s: s, address: address, check: check}
}

func (c sandboxCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	r := findResource(req.State, c.address)
	if r == nil {
		resp.Error = fmt.Errorf("%s not in state", c.address)
		return
	}
	id, _ := r.AttributeValues["id"].(string)
	cust, ok := c.s.Customer(id)
	if !ok {
		resp.Error = fmt.Errorf("customer %s of %s is not on the sandbox", id, c.address)
		return
	}
	if err := c.check(cust); err != nil {
		resp.Error = fmt.Errorf("sandbox customer %s: %w", id, err)
	}
}
