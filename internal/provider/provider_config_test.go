package provider

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func nullConfig() providerModel {
	return providerModel{
		AuthenticityToken: types.StringNull(), MerchantKey: types.StringNull(), Environment: types.StringNull(),
		BaseURL: types.StringNull(), RequestTimeout: types.StringNull(), MaxRetries: types.Int64Null(),
		MaxRequestsPerSecond: types.Float64Null(), Authentication: types.StringNull(), MaxConcurrentPages: types.Int64Null(),
	}
}

func TestResolveConfig(t *testing.T) {
	env := map[string]string{
		EnvAuthenticityToken: "env-token", EnvMerchantKey: "env-key", EnvEnvironment: "prod",
		EnvRequestTimeout: "5s", EnvMaxRetries: "2", EnvMaxRequestsPerSecond: "7.5", EnvAuthentication: "access_token",
		EnvMaxConcurrentPages: "9",
	}
	got, diags := resolveConfig(nullConfig(), envFrom(env))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got.AuthenticityToken != "env-token" || got.MerchantKey != "env-key" || got.BaseURL != monri.ProdBaseURL ||
		got.RequestTimeout != 5*time.Second || got.MaxRetries != 2 || got.MaxRequestsPerSecond != 7.5 || got.Authentication != monri.AuthAccessToken ||
		got.MaxConcurrentPages != 9 {
		t.Fatalf("from environment: %+v", got)
	}

	cfg := nullConfig()
	cfg.AuthenticityToken = types.StringValue("cfg-token")
	cfg.MerchantKey = types.StringValue("cfg-key")
	cfg.Environment = types.StringValue("test")
	cfg.MaxRetries = types.Int64Value(0)
	cfg.BaseURL = types.StringValue("http://127.0.0.1:9999")
	cfg.Authentication = types.StringValue("signature")
	cfg.MaxConcurrentPages = types.Int64Value(1)
	got, diags = resolveConfig(cfg, envFrom(env))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got.AuthenticityToken != "cfg-token" || got.MerchantKey != "cfg-key" || got.MaxRetries != 0 || got.BaseURL != "http://127.0.0.1:9999" ||
		got.Authentication != monri.AuthSignature || got.MaxConcurrentPages != 1 {
		t.Fatalf("explicit configuration must win: %+v", got)
	}

	got, diags = resolveConfig(nullConfig(), envFrom(map[string]string{EnvAuthenticityToken: "t", EnvMerchantKey: "k"}))
	if diags.HasError() || got.BaseURL != monri.TestBaseURL || got.MaxRetries != monri.DefaultMaxRetries || got.RequestTimeout != 30*time.Second ||
		got.Authentication != monri.AuthSignature || got.MaxConcurrentPages != monri.DefaultMaxConcurrentPages {
		t.Fatalf("defaults: %+v %v", got, diags)
	}
}

// withCreds is the environment of the provider's two required settings
// (authenticity token "t", merchant key "k") with extra added.
func withCreds(extra map[string]string) map[string]string {
	m := map[string]string{EnvAuthenticityToken: "t", EnvMerchantKey: "k"}
	maps.Copy(m, extra)
	return m
}

func TestResolveConfigErrors(t *testing.T) {
	with := withCreds
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"missing both", map[string]string{}, []string{"authenticity_token", EnvAuthenticityToken, "merchant_key", EnvMerchantKey}},
		{"missing key", map[string]string{EnvAuthenticityToken: "t"}, []string{"merchant_key", EnvMerchantKey}},
		{"unknown environment", with(map[string]string{EnvEnvironment: "staging"}), []string{"environment", `"staging"`, `"test" and "prod"`}},
		{"plain http", with(map[string]string{EnvBaseURL: "http://ipgtest.monri.com"}), []string{"base_url", "only https is allowed"}},
		{"bad timeout", with(map[string]string{EnvRequestTimeout: "soon"}), []string{"request_timeout", "Go duration"}},
		{"bad retries", with(map[string]string{EnvMaxRetries: "99"}), []string{EnvMaxRetries, "0 to 10"}},
		{"bad rate", with(map[string]string{EnvMaxRequestsPerSecond: "-1"}), []string{EnvMaxRequestsPerSecond}},
		{"concurrent pages 0", with(map[string]string{EnvMaxConcurrentPages: "0"}), []string{"max_concurrent_pages", EnvMaxConcurrentPages, `"0"`, "from 1 (one page at a time) to 16"}},
		{"concurrent pages 17", with(map[string]string{EnvMaxConcurrentPages: "17"}), []string{EnvMaxConcurrentPages, `"17"`, "from 1 (one page at a time) to 16"}},
		{"concurrent pages not a number", with(map[string]string{EnvMaxConcurrentPages: "four"}), []string{EnvMaxConcurrentPages, `"four"`, "whole number"}},
		{"bad authentication", with(map[string]string{EnvAuthentication: "bearer"}), []string{"authentication", EnvAuthentication, `"bearer"`, `"signature" and "access_token"`}},
		{"token not UTF-8", with(map[string]string{EnvAuthenticityToken: "t\xe8"}), []string{"Invalid UTF-8", EnvAuthenticityToken + " (authenticity_token) must be valid UTF-8"}},
		{"key not UTF-8", with(map[string]string{EnvMerchantKey: "k\xe8"}), []string{"Invalid UTF-8", EnvMerchantKey + " (merchant_key) must be valid UTF-8"}},
		{"base_url not UTF-8", with(map[string]string{EnvBaseURL: "https://h\xe8"}), []string{"Invalid UTF-8", EnvBaseURL + " (base_url) must be valid UTF-8"}},
		{"environment not UTF-8", with(map[string]string{EnvEnvironment: "t\xe8"}), []string{"Invalid UTF-8", EnvEnvironment + " (environment) must be valid UTF-8"}},
		{"timeout not UTF-8", with(map[string]string{EnvRequestTimeout: "1\xe8"}), []string{"Invalid UTF-8", EnvRequestTimeout + " (request_timeout) must be valid UTF-8"}},
		{"authentication not UTF-8", with(map[string]string{EnvAuthentication: "t\xe8"}), []string{"Invalid UTF-8", EnvAuthentication + " (authentication) must be valid UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := resolveConfig(nullConfig(), envFrom(tt.env))
			if !diags.HasError() {
				t.Fatal("expected an error")
			}
			var all strings.Builder
			for _, d := range diags.Errors() {
				all.WriteString(d.Summary() + ": " + d.Detail() + "\n")
			}
			for _, w := range tt.want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("diagnostics do not mention %q:\n%s", w, all.String())
				}
			}
		})
	}
}

// The provider configured against the sandbox: from MONRI_* variables alone,
// from the provider block, and with the block winning over the environment.
func TestAccProviderConfigure(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(2, "cfg")
	token, key := s.Credentials()
	const lookup = `
data "monri_customers" "all" {}
`
	countIs2 := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.monri_customers.all", tfjsonpath.New("customers"), knownvalue.ListSizeExact(2)),
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Everything from the environment.
				PreConfig: func() {
					t.Setenv(EnvBaseURL, s.URL())
					t.Setenv(EnvAuthenticityToken, token)
					t.Setenv(EnvMerchantKey, key)
				},
				Config:            `provider "monri" {}` + lookup,
				ConfigStateChecks: countIs2,
			},
			{
				// The provider block wins over a wrong key in the environment.
				PreConfig:         func() { t.Setenv(EnvMerchantKey, "wrong-key") },
				Config:            fmt.Sprintf(`provider "monri" { merchant_key = %q }`, key) + lookup,
				ConfigStateChecks: countIs2,
			},
			{
				// A wrong key in the block wins over a right one in the environment.
				PreConfig:   func() { t.Setenv(EnvMerchantKey, key) },
				Config:      `provider "monri" { merchant_key = "wrong-key" }` + lookup,
				ExpectError: regexp.MustCompile(`(?s)HTTP 401.*check\s+authenticity_token\s+and\s+merchant_key`),
			},
		},
	})
}

func TestAccProviderConfigureErrors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	token, key := s.Credentials()
	t.Setenv(EnvBaseURL, "")
	t.Setenv(EnvAuthenticityToken, "")
	t.Setenv(EnvMerchantKey, "")
	t.Setenv(EnvEnvironment, "")
	const lookup = `
data "monri_customers" "all" {}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fmt.Sprintf(`provider "monri" { base_url = %q }`, s.URL()) + lookup,
				ExpectError: regexp.MustCompile(`(?s)Missing Monri Authenticity Token.*MONRI_AUTHENTICITY_TOKEN.*Missing Monri Merchant Key.*MONRI_MERCHANT_KEY`),
			},
			{
				Config:      fmt.Sprintf("provider \"monri\" {\n  environment = \"staging\"\n  authenticity_token = %q\n  merchant_key = %q\n}\n", token, key) + lookup,
				ExpectError: regexp.MustCompile(`(?s)environment.*value must be one of: \["test" "prod"\]`),
			},
			{
				// Checked at plan time, before any request.
				Config:      fmt.Sprintf("provider \"monri\" {\n  max_concurrent_pages = 17\n  authenticity_token = %q\n  merchant_key = %q\n}\n", token, key) + lookup,
				ExpectError: regexp.MustCompile(`(?s)max_concurrent_pages.*value must be between 1 and 16, got: 17`),
			},
			{
				PreConfig:   func() { t.Setenv(EnvEnvironment, "staging") },
				Config:      fmt.Sprintf("provider \"monri\" {\n  authenticity_token = %q\n  merchant_key = %q\n}\n", token, key) + lookup,
				ExpectError: regexp.MustCompile(`(?s)Invalid Monri Environment.*environment variable MONRI_ENVIRONMENT sets environment to\s+"staging"`),
			},
			{
				PreConfig:   func() { t.Setenv(EnvEnvironment, "") },
				Config:      fmt.Sprintf("provider \"monri\" {\n  base_url = \"http://monri.example.com\"\n  authenticity_token = %q\n  merchant_key = %q\n}\n", token, key) + lookup,
				ExpectError: regexp.MustCompile(`(?s)Invalid Monri Base URL.*only https is allowed, except for\s+loopback hosts`),
			},
			{
				// Credentials that depend on a resource are unknown while planning.
				Config: fmt.Sprintf(`
resource "terraform_data" "key" {
  input = %q
}
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = terraform_data.key.output
}
`, key, s.URL(), token) + lookup,
				ExpectError: regexp.MustCompile(`(?s)Unknown Monri Provider Configuration.*"merchant_key"\s+depends\s+on\s+a\s+value\s+that\s+is\s+not\s+known\s+until\s+apply`),
			},
			{
				PreConfig:   func() { t.Setenv(EnvMaxConcurrentPages, "0") },
				Config:      fmt.Sprintf("provider \"monri\" {\n  base_url = %q\n  authenticity_token = %q\n  merchant_key = %q\n}\n", s.URL(), token, key) + lookup,
				ExpectError: regexp.MustCompile(`(?s)Invalid Monri Max Concurrent Pages.*MONRI_MAX_CONCURRENT_PAGES\s+\(max_concurrent_pages\)\s+is\s+"0";\s+it\s+must\s+be\s+a\s+whole\s+number\s+from\s+1\s+\(one\s+page\s+at\s+a\s+time\)\s+to\s+16`),
			},
		},
	})
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("misconfigured providers made %d requests", n)
	}
}

func TestClientFromProviderData(t *testing.T) {
	var diags diag.Diagnostics
	if c := clientFromProviderData(nil, &diags); c != nil || diags.HasError() {
		t.Fatal("nil provider data (provider not configured yet) must give no client and no error")
	}
	client := &monri.Client{}
	if c := clientFromProviderData(&providerData{client: client}, &diags); c != client || diags.HasError() {
		t.Fatal("the provider's own data must give its client")
	}
	if c := clientFromProviderData("something else", &diags); c != nil || !diags.HasError() ||
		!strings.Contains(diags.Errors()[0].Detail(), "got string") {
		t.Fatalf("foreign provider data must be an error naming its type: %v", diags)
	}
}
