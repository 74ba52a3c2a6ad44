package provider

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func randomSecret(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// TestAccLogging_noSecretsInTraceLog runs an apply that signs requests,
// obtains an access token and lists saved cards, with TF_LOG=TRACE written
// to a file (the in-process provider's log and Terraform's), then searches
// the file for every secret: the merchant key, each WP3-v2.1 digest sent,
// each access token issued and each card token. The log must also hold the
// http subsystem's request lines, so the test cannot pass on an empty log.
func TestAccLogging_noSecretsInTraceLog(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "trace.log")
	// The in-process provider logs through terraform-plugin-log's test sink:
	// TF_ACC_LOG_PATH names the file and sets the level to TRACE (TF_LOG is
	// the level otherwise). terraform-plugin-testing passes TF_ACC_LOG_PATH
	// to the Terraform CLI as TF_LOG_PATH and TF_ACC_LOG as its TF_LOG.
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)

	key := randomSecret(t, "merchant-key-")
	s := startSandbox(t, sandbox.Options{AuthenticityToken: randomSecret(t, "auth-token-"), MerchantKey: key})
	owner := s.SeedCustomers(1, "logged")[0]
	var cardTokens []string
	for range 2 {
		pm, err := s.AttachCard(owner, sandbox.Card{})
		if err != nil {
			t.Fatal(err)
		}
		cardTokens = append(cardTokens, pm.Token)
	}
	// One failed attempt, so that a retry is logged too.
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503}, 1)
	tap := newClientTap()
	token, _ := s.Credentials()
	config := fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = %q
}

resource "monri_customer" "logged" {
  merchant_customer_id = "logged-customer"
  name                 = "Logged"
}

data "monri_customer_payment_methods" "cards" {
  customer_id = %q
}

ephemeral "monri_access_token" "token" {}
`, s.URL(), token, key, owner)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: tap.factories(),
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{agreement(s, owner)},
		}},
	})

	raw, err := os.ReadFile(logFile) //nolint:gosec // The test's own temporary file.
	if err != nil {
		t.Fatal(err)
	}
	log := withoutHarnessConfig(string(raw))
	authorizations, accessTokens := tap.sent()
	if len(authorizations) == 0 || len(accessTokens) == 0 {
		t.Fatalf("%d signed requests and %d access tokens: the apply did not exercise what this test checks", len(authorizations), len(accessTokens))
	}
	secrets := map[string]string{"merchant key": key}
	for i, a := range authorizations {
		f := strings.Fields(a)
		secrets[fmt.Sprintf("digest %d", i)] = f[len(f)-1]
	}
	for i, tok := range accessTokens {
		secrets[fmt.Sprintf("access token %d", i)] = tok
	}
	for i, tok := range cardTokens {
		secrets[fmt.Sprintf("card token %d", i)] = tok
	}
	for what, secret := range secrets {
		if i := strings.Index(log, secret); i >= 0 {
			t.Errorf("the %s appears in the TRACE log: ...%s...", what, log[max(0, i-200):min(len(log), i+len(secret)+50)])
		}
	}
	if m := regexp.MustCompile(`WP3-v2\.1 \S+ \d+ [0-9a-f]{128}|Bearer [0-9a-f]{32,}`).FindString(log); m != "" {
		t.Errorf("an Authorization header appears in the TRACE log: %s", m)
	}

	// Not vacuous: the log holds the provider's own lines and one line per
	// HTTP attempt from the http subsystem.
	if !strings.Contains(log, "[DEBUG] monri: configured Monri client") {
		t.Error("the TRACE log has no line from the provider's root logger")
	}
	lines := httpLines(log)
	for _, want := range []map[string]string{
		{"method": "POST", "path": "/v2/customers", "status": "503", "attempt": "1"},
		{"method": "GET", "path": "/v2/merchants/customers/logged-customer", "status": "404", "attempt": "1"},
		{"method": "POST", "path": "/v2/customers", "status": "200", "attempt": "2"},
		{"method": "GET", "path": "/v2/customers/" + owner + "/payment-methods?limit=100&offset=0", "status": "200", "attempt": "1"},
		{"method": "POST", "path": "/v2/oauth", "status": "200", "attempt": "1"},
	} {
		found := false
		for _, l := range lines {
			if l["method"] == want["method"] && l["path"] == want["path"] && l["status"] == want["status"] &&
				l["attempt"] == want["attempt"] && regexp.MustCompile(`^\d+$`).MatchString(l["duration_ms"]) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the TRACE log has no http subsystem line with %v (it has %d: %v)", want, len(lines), lines)
		}
	}
}

// logEntries splits an hclog text log into entries (an entry's continuation
// lines do not start with a timestamp).
func logEntries(log string) []string {
	var entries []string
	for _, line := range strings.Split(log, "\n") {
		if len(entries) > 0 && !regexp.MustCompile(`^\d{4}-\d\d-\d\dT`).MatchString(line) {
			entries[len(entries)-1] += "\n" + line
			continue
		}
		entries = append(entries, line)
	}
	return entries
}

// withoutHarnessConfig drops terraform-plugin-testing's echo of the test's
// own configuration ("Setting Terraform configuration"), which holds the
// credentials only because this test writes them into it.
func withoutHarnessConfig(log string) string {
	var kept []string
	for _, e := range logEntries(log) {
		if !strings.Contains(e, "sdk.helper_resource: Setting Terraform configuration") {
			kept = append(kept, e)
		}
	}
	return strings.Join(kept, "\n")
}

// httpLines returns the fields of each http subsystem line.
func httpLines(log string) []map[string]string {
	field := regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)
	var out []map[string]string
	for _, e := range logEntries(log) {
		_, rest, ok := strings.Cut(e, "[DEBUG] monri.http: Monri API request:")
		if !ok {
			continue
		}
		m := map[string]string{}
		for _, f := range field.FindAllStringSubmatch(rest, -1) {
			m[f[1]] = strings.Trim(f[2], `"`)
		}
		out = append(out, m)
	}
	return out
}

// TestAccLogging_httpSubsystemLevel: TF_LOG_PROVIDER_MONRI_HTTP sets the
// http subsystem's level on its own: OFF silences the request lines while
// the provider's other lines stay; WARN keeps only failed attempts.
func TestAccLogging_httpSubsystemLevel(t *testing.T) {
	for _, tc := range []struct {
		level      string
		wantDebug  bool
		wantFailed bool
	}{
		{"OFF", false, false},
		{"WARN", false, true},
		{"DEBUG", true, true},
	} {
		t.Run(tc.level, func(t *testing.T) {
			logFile := filepath.Join(t.TempDir(), "trace.log")
			t.Setenv("TF_ACC_LOG_PATH", logFile)
			t.Setenv("TF_LOG_PROVIDER_MONRI_HTTP", tc.level)
			s := startSandbox(t, sandbox.Options{})
			// A dropped connection is a failed attempt (logged at WARN).
			s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop}, 1)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: providerConfig(s) + `
resource "monri_customer" "levels" {
  merchant_customer_id = "levels"
}
`,
				}},
			})
			raw, err := os.ReadFile(logFile) //nolint:gosec // The test's own temporary file.
			if err != nil {
				t.Fatal(err)
			}
			log := string(raw)
			if !strings.Contains(log, "[DEBUG] monri: configured Monri client") {
				t.Error("the provider's root logger is silent")
			}
			if got := strings.Contains(log, "[DEBUG] monri.http: Monri API request:"); got != tc.wantDebug {
				t.Errorf("request lines at DEBUG logged: %v, want %v", got, tc.wantDebug)
			}
			failed := regexp.MustCompile(`\[WARN\]  monri\.http: Monri API request failed: .*error=`)
			if got := failed.MatchString(log); got != tc.wantFailed {
				t.Errorf("failed attempt logged at WARN: %v, want %v", got, tc.wantFailed)
			}
		})
	}
}

// TestAccLogging_errorsDoNotEchoSecrets: when Monri rejects the credentials,
// the errors Terraform shows name the request and Monri's message, never the
// request body (the OAuth call carries the merchant key as client_secret).
func TestAccLogging_errorsDoNotEchoSecrets(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	token, _ := s.Credentials()
	wrongKey := randomSecret(t, "wrong-merchant-key-")
	provider := fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = %q
}
`, s.URL(), token, wrongKey)
	// Each step's error must match its pattern and must not hold the key.
	wants := []*regexp.Regexp{
		phrases("Unable to Create Monri Access Token", `Monri answered HTTP 401 to POST /v2/oauth (invalid-request): "invalid client_id or client_secret"`),
		phrases("Unable to Create Monri Customer", "Monri answered HTTP 401 to POST /v2/customers", "check authenticity_token and merchant_key"),
	}
	step, checked := 0, 0
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		ErrorCheck: func(err error) error {
			if !wants[step].MatchString(err.Error()) {
				return fmt.Errorf("the error does not match %s: %w", wants[step], err)
			}
			if strings.Contains(err.Error(), wrongKey) || strings.Contains(err.Error(), "client_secret\":") {
				return fmt.Errorf("the error echoes the request body or the merchant key: %w", err)
			}
			checked++
			return nil
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() { step = 0 },
				Config:    provider + `ephemeral "monri_access_token" "token" {}`,
			},
			{
				PreConfig: func() { step = 1 },
				Config:    provider + `resource "monri_customer" "rejected" { name = "Rejected" }`,
			},
		},
	})
	if checked != len(wants) {
		t.Fatalf("%d of %d steps failed as expected", checked, len(wants))
	}
}
