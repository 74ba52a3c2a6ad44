package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Answers that carry secrets and fail (an /v2/oauth answer cut short, a
// card listing cut short, a proxy's 502 page echoing the request) are
// reported through the real terraform CLI with their status and no secret:
// not on stdout or stderr, not in Terraform's TRACE log, not in the
// provider's TRACE log.
func TestAccHostileAnswers_noSecretInErrors(t *testing.T) {
	const (
		authToken   = "5e4d3c2b1a5e4d3c2b1a5e4d3c2b1a5e4d3c2b1a" //nolint:gosec // a test credential: 40 hex, as Monri issues them
		merchantKey = "mk-Secret-Merchant-Key-0042"
	)
	hex64 := strings.Repeat("9f8e7d6c", 8)
	otherToken := "tok-Not-Hex-" + strings.Repeat("q", 20)
	cases := []struct {
		name   string
		config func(s *sandbox.Server, cust string) string
		fault  func(s *sandbox.Server, cust string)
		want   []string
	}{
		{
			name: "truncated oauth answer",
			config: func(s *sandbox.Server, cust string) string {
				return providerConfigWith(s, `authentication = "access_token"`, "max_retries = 1") +
					fmt.Sprintf("data \"monri_customer\" \"c\" {\n  id = %q\n}\n", cust)
			},
			fault: func(s *sandbox.Server, _ string) {
				s.InjectFault(sandbox.RouteOAuth, sandbox.Fault{Kind: sandbox.FaultBody,
					Body: []byte(`{"access_token": "` + otherToken + `","token_type":"Bearer","expi`)}, 100)
			},
			want: []string{"Monri answered HTTP 200 to POST /v2/oauth", "not valid JSON"},
		},
		{
			name: "truncated card listing",
			config: func(s *sandbox.Server, cust string) string {
				return providerConfigWith(s, "max_retries = 1") +
					fmt.Sprintf("data \"monri_customer_payment_methods\" \"c\" {\n  customer_id = %q\n}\n", cust)
			},
			fault: func(s *sandbox.Server, _ string) {
				s.InjectFault(sandbox.RouteListPaymentMethods, sandbox.Fault{Kind: sandbox.FaultBody,
					Body: fmt.Appendf(nil, `{"status":"approved","data":[{"id":%q,"masked_pan":"411111******1111","token":"%s`, hex64, hex64[:50])}, 100)
			},
			want: []string{"Monri answered HTTP 200", "/payment-methods", "not valid JSON"},
		},
		{
			name: "502 text/plain echoing the request",
			config: func(s *sandbox.Server, cust string) string {
				return providerConfigWith(s, "max_retries = 1") +
					fmt.Sprintf("data \"monri_customer\" \"c\" {\n  id = %q\n}\n", cust)
			},
			fault: func(s *sandbox.Server, _ string) {
				echo := fmt.Sprintf("upstream error: 502 Bad Gateway\nPOST /v2/oauth HTTP/1.1\nAuthorization: Bearer %s\n\n"+
					`{"client_id":%q,"client_secret":%q,"scopes":["customers"]} card %s`, otherToken, authToken, merchantKey, hex64)
				s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusBadGateway,
					ContentType: "text/plain", Body: []byte(echo)}, 100)
			},
			want: []string{"Monri answered HTTP 502", "upstream error: 502 Bad Gateway POST /v2/oauth"},
		},
	}
	secrets := []string{merchantKey, hex64, hex64[:24], otherToken, otherToken[:14]}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs := t.TempDir()
			providerLog, terraformLog := filepath.Join(logs, "provider.log"), filepath.Join(logs, "terraform.log")
			// The in-process provider's log sink reads these when it starts.
			t.Setenv("TF_LOG", "TRACE")
			t.Setenv("TF_LOG_PATH", providerLog)
			s := startSandbox(t, sandbox.Options{AuthenticityToken: authToken, MerchantKey: merchantKey})
			cust := s.SeedCustomers(1, "hostile")[0]
			tf := newTFCLI(t)
			tf.env = append(tf.env, "TF_LOG=TRACE", "TF_LOG_PATH="+terraformLog)
			tf.writeConfig(tc.config(s, cust))
			tf.run(true, "init", "-input=false", "-no-color")
			tc.fault(s, cust)
			out := tf.run(false, "plan", "-input=false", "-no-color")
			for _, w := range tc.want {
				if !dsPhrase(w).MatchString(out) {
					t.Errorf("the output does not say %q:\n%s", w, out)
				}
			}
			// Each text holds what proves it is the real one: the error, or
			// the data source being read at TRACE.
			for _, x := range []struct{ what, text, control string }{
				{"stdout and stderr", out, tc.want[0]},
				{"Terraform's TRACE log", readFile(t, terraformLog), "[TRACE] vertex \"data.monri_customer"},
				{"the provider's TRACE log", readFile(t, providerLog), "Response contains error diagnostic"},
			} {
				what, text := x.what, x.text
				if !dsPhrase(x.control).MatchString(text) {
					t.Errorf("%s does not hold %q, so it cannot show whether secrets leak:\n%s", what, x.control, text[max(0, len(text)-3000):])
				}
				for _, secret := range secrets {
					if strings.Contains(text, secret) {
						t.Errorf("%s shows the secret %q", what, secret)
					}
				}
			}
		})
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name) //nolint:gosec // a file of the test's own temporary directory
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// foreignAnswer is an answer describing customer uuid with merchant
// customer id mid, handed over after the request was performed, as a cache
// that mixes answers up would.
func foreignAnswer(uuid, mid string) sandbox.Fault {
	return sandbox.Fault{Kind: sandbox.FaultBody, AfterHandling: true, Body: fmt.Appendf(nil,
		`{"status":"approved","uuid":%q,"merchant_customer_id":%q,"name":"Foreign","metadata":{},`+
			`"deleted":false,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`, uuid, mid)}
}

// foreignSurvives checks that the foreign customer is on the sandbox,
// not deleted and unchanged, whatever the state holds.
type foreignSurvives struct {
	s    *sandbox.Server
	uuid string
	want sandbox.Customer
}

func (c foreignSurvives) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.check()
	if resp.Error == nil && req.State != nil && strings.Contains(fmt.Sprint(req.State.Values), c.uuid) {
		resp.Error = fmt.Errorf("the state holds the foreign customer %s", c.uuid)
	}
}

func (c foreignSurvives) check() error {
	got, ok := c.s.Customer(c.uuid)
	switch {
	case !ok:
		return fmt.Errorf("the foreign customer %s is gone", c.uuid)
	case got.Deleted:
		return fmt.Errorf("the foreign customer %s was deleted", c.uuid)
	case !reflect.DeepEqual(got, c.want):
		return fmt.Errorf("the foreign customer %s changed: %+v, was %+v", c.uuid, got, c.want)
	}
	return nil
}

// A create answered with another customer's record stores the customer the
// provider created (looked up by merchant_customer_id), never the other
// one; an update, a refresh or a delete answered so is an error that keeps
// the state; the other customer survives every apply and the destroy.
func TestAccHostileAnswers_foreignCustomer(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	foreign := s.SeedCustomers(1, "foreign")[0]
	fc, _ := s.Customer(foreign)
	survives := foreignSurvives{s: s, uuid: foreign, want: fc}
	config := func(name string) string {
		return providerConfig(s) + fmt.Sprintf(`
resource "monri_customer" "test" {
  merchant_customer_id = "mine-1"
  name                 = %q
}
`, name)
	}
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return survives.check()
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() { s.InjectFault(sandbox.RouteCreateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1) },
				Config:    config("Mine"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("merchant_customer_id"), knownvalue.StringExact("mine-1")),
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Mine")),
					captureCustomerID(&id),
					checkServerCustomer(s, custAddr, func(c sandbox.Customer) error {
						if c.MerchantCustomerID == nil || *c.MerchantCustomerID != "mine-1" {
							return fmt.Errorf("merchant_customer_id %v", c.MerchantCustomerID)
						}
						return nil
					}),
					survives,
				},
			},
			{
				PreConfig: func() { s.InjectFault(sandbox.RouteUpdateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1) },
				Config:    config("Renamed"),
				ExpectError: regexp.MustCompile(`Unable to Update Monri Customer(?s:.*)` + dsPhrase(`contradicts the request: the request's uuid is`).String() +
					`(?s:.*)` + dsPhrase(fmt.Sprintf(`the answer's is %q`, foreign)).String()),
			},
			{
				// The failed update kept the state: the refresh finds the
				// rename applied on Monri, and the plan is empty.
				Config: config("Renamed"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Renamed")),
					survives,
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A refresh answered with the other customer is an error.
				PreConfig: func() { s.InjectFault(sandbox.RouteGetCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1) },
				Config:    config("Renamed"),
				ExpectError: regexp.MustCompile(`Unable to Read Monri Customer(?s:.*)` + dsPhrase(`contradicts the request: the request's uuid is "`).String() +
					`[0-9a-f-]{36}` + dsPhrase(fmt.Sprintf(`", the answer's is %q`, foreign)).String()),
			},
			{
				// ... that kept the state: same customer, nothing to do.
				Config: config("Renamed"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("id"), sameString{&id}),
					survives,
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A delete answered with the other customer is an error too;
				// the final destroy then finds the customer gone.
				PreConfig: func() { s.InjectFault(sandbox.RouteDeleteCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1) },
				Config:    config("Renamed"),
				Destroy:   true,
				ExpectError: regexp.MustCompile(`Unable to Delete Monri Customer(?s:.*)` + dsPhrase(`contradicts the request: the request's uuid is "`).String() +
					`[0-9a-f-]{36}` + dsPhrase(fmt.Sprintf(`", the answer's is %q`, foreign)).String()),
			},
		},
	})
	if n := len(s.LiveCustomers()); n != 1 {
		t.Errorf("%d live customers after the destroy, want 1 (the foreign one): %+v", n, s.LiveCustomers())
	}
}

// sameString is a knownvalue.Check that a string equals *p when the check
// runs (p is set by an earlier step).
type sameString struct{ p *string }

func (c sameString) CheckValue(v any) error {
	if got, ok := v.(string); !ok || got != *c.p {
		return fmt.Errorf("value %v, want %q", v, *c.p)
	}
	return nil
}

func (c sameString) String() string { return *c.p }

// Without a merchant_customer_id the create answered with another
// customer's record is an error naming both; nothing is stored, and the
// next apply creates the customer and leaves the other one alone.
func TestAccHostileAnswers_foreignCustomerNoMerchantID(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	foreign := s.SeedCustomers(1, "foreign")[0]
	fc, _ := s.Customer(foreign)
	survives := foreignSurvives{s: s, uuid: foreign, want: fc}
	config := providerConfig(s) + `
resource "monri_customer" "test" {
  name = "Mine"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return survives.check()
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() { s.InjectFault(sandbox.RouteCreateCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1) },
				Config:    config,
				ExpectError: regexp.MustCompile(`Unable to Create Monri Customer(?s:.*)` +
					dsPhrase(fmt.Sprintf(`the request's merchant_customer_id is none, the answer's is %q`, *fc.MerchantCustomerID)).String() +
					`(?s:.*)` + dsPhrase(`wrote nothing of it to the state`).String() +
					`(?s:.*)` + dsPhrase(`Setting merchant_customer_id lets the provider find its own customer`).String()),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(custAddr, tfjsonpath.New("name"), knownvalue.StringExact("Mine")),
					survives,
				},
			},
		},
	})
}

// A failed attempt whose answer echoes the credentials (a proxy's 502 page)
// and is retried: the plan succeeds, and nothing of that answer's secrets
// reaches stdout, Terraform's or the provider's TRACE log, the saved plan
// (terraform show -json tfplan), the state file or terraform show -json.
// The credentials come from the environment, as the documentation advises:
// written in the provider block, Terraform copies them into the saved
// plan's configuration whatever the schema marks sensitive, which the last
// step shows (so that the advice stays true).
func TestAccHostileAnswers_noSecretAfterRetry(t *testing.T) {
	const (
		authToken   = "6d5c4b3a296d5c4b3a296d5c4b3a296d5c4b3a29" //nolint:gosec // a test credential: 40 hex, as Monri issues them
		merchantKey = "mk-Retried-Merchant-Key-0099"
	)
	hex64 := strings.Repeat("8e7d6c5b", 8)
	bearer := "tok-Not-Hex-" + strings.Repeat("z", 20)
	secrets := []string{authToken, merchantKey, hex64, hex64[:24], bearer, bearer[:14]}
	logs := t.TempDir()
	providerLog, terraformLog := filepath.Join(logs, "provider.log"), filepath.Join(logs, "terraform.log")
	// The in-process provider reads these when it starts.
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", providerLog)
	t.Setenv(EnvAuthenticityToken, authToken)
	t.Setenv(EnvMerchantKey, merchantKey)
	s := startSandbox(t, sandbox.Options{AuthenticityToken: authToken, MerchantKey: merchantKey})
	cust := s.SeedCustomers(1, "retried")[0]
	tf := newTFCLI(t)
	tf.env = append(tf.env, "TF_LOG=TRACE", "TF_LOG_PATH="+terraformLog)
	resources := fmt.Sprintf(`
data "monri_customer" "c" {
  id = %q
}

resource "monri_customer" "new" {
  merchant_customer_id = "retried-new"
  email                = "new@example.com"
  name                 = data.monri_customer.c.name
}
`, cust)
	tf.writeConfig(fmt.Sprintf("provider \"monri\" {\n  base_url    = %q\n  max_retries = 2\n}\n", s.URL()) + resources)
	tf.run(true, "init", "-input=false", "-no-color")
	echo := fmt.Sprintf("upstream error: 502 Bad Gateway\nPOST /v2/oauth HTTP/1.1\nAuthorization: Bearer %s\n"+
		"Authorization: WP3-v2.1 %s 1700000000 %s\n\n"+`{"client_id":%q,"client_secret":%q} card %s`,
		bearer, authToken, hex64, authToken, merchantKey, hex64)
	s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusBadGateway,
		ContentType: "text/plain", Body: []byte(echo)}, 1)
	out := tf.run(true, "plan", "-input=false", "-no-color", "-out=tfplan")
	if n := s.FaultsInjected(); n != 1 {
		t.Fatalf("%d faults injected, want the one the plan's read retried", n)
	}
	planJSON := tf.run(true, "show", "-json", "tfplan")
	out += tf.run(true, "apply", "-input=false", "-no-color", "tfplan")
	stateJSON := tf.run(true, "show", "-json")
	if _, ok := s.CustomerByMerchantID("retried-new"); !ok {
		t.Fatal("the customer was not created, so the checks below prove little")
	}
	for _, x := range []struct{ what, text, control string }{
		{"stdout and stderr", out, "Apply complete!"},
		{"Terraform's TRACE log", readFile(t, terraformLog), `[TRACE] vertex "data.monri_customer.c`},
		{"the provider's TRACE log", readFile(t, providerLog), "status=502"}, // the attempt that was retried
		{"terraform show -json tfplan", planJSON, `"merchant_customer_id":"retried-new"`},
		{"terraform show -json", stateJSON, cust},
		{"the state file", readFile(t, filepath.Join(tf.dir, "terraform.tfstate")), cust},
	} {
		if !strings.Contains(x.text, x.control) {
			t.Errorf("%s does not hold %q, so it cannot show whether secrets leak:\n%s", x.what, x.control, x.text[max(0, len(x.text)-3000):])
		}
		for _, secret := range secrets {
			if strings.Contains(x.text, secret) {
				t.Errorf("%s shows the secret %q", x.what, secret)
			}
		}
	}

	// Written in the provider block, the merchant key is in the saved plan.
	tf.writeConfig(providerConfigAt(s.URL(), s) + resources)
	tf.run(true, "plan", "-input=false", "-no-color", "-out=tfplan")
	if planJSON := tf.run(true, "show", "-json", "tfplan"); !strings.Contains(planJSON, merchantKey) {
		t.Errorf("a merchant_key written in the provider block is not in the saved plan: the documentation's advice to keep it "+
			"in the environment needs updating:\n%s", planJSON)
	}
}
