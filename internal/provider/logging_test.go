package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
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
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureEphemeral},
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
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureEphemeral},
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

// randomHex returns n random bytes as 2n lower-case hexadecimal characters.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers: each subsystem
// logger the http logger creates has its own hclog mutex.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// captureLog runs log with a JSON root logger (tflogtest's) and returns the
// raw output and its entries.
func captureLog(t *testing.T, log func(ctx context.Context)) (string, []map[string]any) {
	t.Helper()
	var out lockedBuffer
	log(tflogtest.RootLogger(context.Background(), &out))
	raw := out.buf.String()
	entries, err := tflogtest.MultilineJSONDecode(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return raw, entries
}

// loggedSecret is a secret that could reach the http logger, and its name.
type loggedSecret struct{ what, value string }

// assertNoSecret fails when any 16 characters of a secret, or any run of 40
// hexadecimal characters, appear in the log: masking must leave no part of a
// secret behind.
func assertNoSecret(t *testing.T, log string, secrets []loggedSecret) {
	t.Helper()
	for _, s := range secrets {
		for i := 0; i+16 <= len(s.value); i++ {
			if j := strings.Index(log, s.value[i:i+16]); j >= 0 {
				t.Errorf("the %s (%s) appears in the log: ...%s...", s.what, s.value, log[max(0, j-80):min(len(log), j+96)])
				break
			}
		}
	}
	if m := regexp.MustCompile(`[0-9A-Fa-f]{40,}`).FindString(log); m != "" {
		t.Errorf("a long hexadecimal run appears in the log: %s", m)
	}
}

// logSecrets returns one of each secret that could reach the http logger, a
// logger that knows the credentials and the access token, and the secrets
// as separate words (" s1 s2 ...") with what the log must show instead.
func logSecrets(t *testing.T) (l *httpLogger, secrets []loggedSecret, words, masked string) {
	t.Helper()
	merchantKey := randomSecret(t, "merchant-key-") // not hexadecimal: masked as a registered secret
	authToken := randomHex(t, 20)                   // 40 hexadecimal characters, as Monri issues them
	digest := randomHex(t, 64)                      // hex(sha512(...))
	accessToken := randomSecret(t, "access-token-") // not hexadecimal: only AddSecret masks it alone
	secrets = []loggedSecret{
		{"merchant key", merchantKey},
		{"authenticity token", authToken},
		{"WP3-v2.1 Authorization value", "WP3-v2.1 " + authToken + " 1593457122 " + digest},
		{"SHA-512 digest", digest},
		{"Bearer Authorization value", "Bearer " + accessToken},
		{"access token", accessToken},
		{"card token", randomHex(t, 32)}, // 64 hexadecimal characters
		// A saved card's id is its token; either case.
		{"card id", strings.ToUpper(randomHex(t, 32))},
	}
	for _, s := range secrets {
		words += " " + s.value
		masked += " ***"
	}
	l = newHTTPLogger(authToken, merchantKey, "")
	l.AddSecret("") // ignored: masking "" would put *** between every character
	l.AddSecret(accessToken)
	l.AddSecret(accessToken) // a repeat changes nothing
	return l, secrets, words, masked
}

// TestHTTPLogger_masksSecrets hands LogRequest every secret in each string it
// logs (method, path and error) and checks that none appears in clear while
// both lines, their other fields and the text around the secrets are there.
// The secrets are separate words, so the masked text is known exactly.
func TestHTTPLogger_masksSecrets(t *testing.T) {
	t.Setenv(httpLevelEnv, "TRACE")
	l, secrets, words, masked := logSecrets(t)
	const uuid = "4b281da4-d145-4233-b957-2018cf9aa0fb"
	raw, entries := captureLog(t, func(ctx context.Context) {
		l.LogRequest(ctx, monri.RequestLog{Method: "GET", Path: "/v2/customers/" + uuid + "/payment-methods?limit=100&offset=0" + words,
			Status: 200, Duration: 20 * time.Millisecond, Attempt: 1})
		l.LogRequest(ctx, monri.RequestLog{Method: "POST" + words, Path: "/v2/customers" + words,
			Duration: 5 * time.Millisecond, Attempt: 2,
			Err: fmt.Errorf(`Post "https://ipgtest.monri.com/v2/customers": read: connection reset%s`, words)})
	})
	assertNoSecret(t, raw, secrets)
	want := []map[string]any{
		{
			"@level": "debug", "@message": "Monri API request", "@module": "provider.http",
			"method": "GET", "path": "/v2/customers/" + uuid + "/payment-methods?limit=100&offset=0" + masked,
			"status": 200.0, "duration_ms": 20.0, "attempt": 1.0,
		},
		{
			"@level": "warn", "@message": "Monri API request failed", "@module": "provider.http",
			"method": "POST" + masked, "path": "/v2/customers" + masked,
			"error":  `Post "https://ipgtest.monri.com/v2/customers": read: connection reset` + masked,
			"status": 0.0, "duration_ms": 5.0, "attempt": 2.0,
		},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("logged\n%v\nwant\n%v", entries, want)
	}
}

// TestHTTPLogger_masksWhateverTheSubsystemLogs: the masks belong to the
// subsystem, not to LogRequest's fields: a message and any field value are
// masked, and the values of credential-named fields are masked whole.
func TestHTTPLogger_masksWhateverTheSubsystemLogs(t *testing.T) {
	t.Setenv(httpLevelEnv, "TRACE")
	l, secrets, words, masked := logSecrets(t)
	raw, entries := captureLog(t, func(ctx context.Context) {
		ctx = l.subsystem(ctx)
		tflog.SubsystemTrace(ctx, httpSubsystem, "request"+words, map[string]any{
			"authorization": "anything", "merchant_key": "anything", "access_token": "anything",
			"token": "anything", "client_secret": "anything", "detail": "detail" + words, "count": 3,
		})
	})
	assertNoSecret(t, raw, secrets)
	want := []map[string]any{{
		"@level": "trace", "@message": "request" + masked, "@module": "provider.http",
		"authorization": "***", "merchant_key": "***", "access_token": "***", "token": "***", "client_secret": "***",
		"detail": "detail" + masked, "count": 3.0,
	}}
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("logged\n%v\nwant\n%v", entries, want)
	}
}

// TestHTTPLogger_keepsOrdinaryValues: customer UUIDs, merchant customer ids,
// queries, timestamps and hexadecimal runs shorter than 40 are logged as
// they are.
func TestHTTPLogger_keepsOrdinaryValues(t *testing.T) {
	t.Setenv(httpLevelEnv, "TRACE")
	l, _, _, _ := logSecrets(t)
	for _, path := range []string{
		"/v2/customers/4b281da4-d145-4233-b957-2018cf9aa0fb",
		"/v2/customers/4B281DA4-D145-4233-B957-2018CF9AA0FB/payment-methods?limit=100&offset=0",
		"/v2/merchants/customers/order-2026-000123",
		"/v2/merchants/customers/" + strings.Repeat("a1", 19) + "f", // 39 hexadecimal characters
		// 40 joined to other word characters: part of an identifier, not a token.
		"/v2/merchants/customers/order" + strings.Repeat("0", 40),
		"/v2/merchants/customers/" + strings.Repeat("0", 40) + "_2026",
		"/v2/customers?limit=50&offset=1593457122",
		"/v2/oauth",
	} {
		_, entries := captureLog(t, func(ctx context.Context) {
			l.LogRequest(ctx, monri.RequestLog{Method: "GET", Path: path, Status: 404, Attempt: 1,
				Err: fmt.Errorf("Monri answered HTTP 404 to GET %s", path)})
		})
		if len(entries) != 1 || entries[0]["path"] != path || entries[0]["error"] != "Monri answered HTTP 404 to GET "+path {
			t.Errorf("logged %v, want path %s unchanged", entries, path)
		}
	}
}

// TestHTTPLogger_masksLongestSecretFirst: a secret that holds a shorter one
// is masked whole, whichever was registered first.
func TestHTTPLogger_masksLongestSecretFirst(t *testing.T) {
	t.Setenv(httpLevelEnv, "TRACE")
	short := randomSecret(t, "token-")
	long := short + "-" + randomSecret(t, "rest-")
	for _, order := range [][]string{{short, long}, {long, short}} {
		l := newHTTPLogger(order...)
		raw, entries := captureLog(t, func(ctx context.Context) {
			l.LogRequest(ctx, monri.RequestLog{Method: "GET", Path: "/v2/customers " + long + " " + short, Status: 200, Attempt: 1})
		})
		assertNoSecret(t, raw, []loggedSecret{{"short secret", short}, {"long secret", long}})
		if len(entries) != 1 || entries[0]["path"] != "/v2/customers *** ***" {
			t.Errorf("registered %q: logged %v", order, entries)
		}
	}
}

// TestHTTPLogger_off: at "off" LogRequest writes nothing.
func TestHTTPLogger_off(t *testing.T) {
	t.Setenv(httpLevelEnv, "off")
	l := newHTTPLogger("token")
	if raw, _ := captureLog(t, func(ctx context.Context) {
		l.LogRequest(ctx, monri.RequestLog{Method: "GET", Path: "/v2/oauth", Status: 200, Attempt: 1})
	}); raw != "" {
		t.Errorf("logged %q at off", raw)
	}
}

// TestHTTPLogger_addSecretConcurrently registers access tokens while requests
// are logged (run it with -race): each token is masked in every line logged
// after it was added.
func TestHTTPLogger_addSecretConcurrently(t *testing.T) {
	t.Setenv(httpLevelEnv, "TRACE")
	l := newHTTPLogger("authenticity-token", "merchant-key")
	var tokens []loggedSecret
	for i := range 16 {
		tokens = append(tokens, loggedSecret{fmt.Sprintf("access token %d", i), randomSecret(t, "access-token-")})
	}
	raw, entries := captureLog(t, func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, tok := range tokens {
			wg.Go(func() {
				l.LogRequest(ctx, monri.RequestLog{Method: "POST", Path: "/v2/oauth", Status: 200, Attempt: 1})
				l.AddSecret(tok.value)
				l.LogRequest(ctx, monri.RequestLog{Method: "GET", Path: "/v2/customers", Status: 0, Attempt: 1,
					Err: errors.New("token endpoint answered " + tok.value)})
			})
		}
		wg.Wait()
	})
	assertNoSecret(t, raw, tokens)
	if len(entries) != 2*len(tokens) {
		t.Errorf("%d lines, want %d", len(entries), 2*len(tokens))
	}
	for _, e := range entries {
		if e["@level"] == "warn" && e["error"] != "token endpoint answered ***" {
			t.Errorf("error logged as %q", e["error"])
		}
	}
}
