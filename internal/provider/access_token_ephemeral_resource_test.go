package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// oauthRecorder is a reverse proxy in front of the sandbox that records the
// scopes asked for and the access tokens issued by POST /v2/oauth, so that
// tests know every token and can look for them in plans and state.
type oauthRecorder struct {
	srv    *httptest.Server
	mu     sync.Mutex
	tokens []string
	scopes [][]string
}

func startOAuthRecorder(t *testing.T, s *sandbox.Server) *oauthRecorder {
	t.Helper()
	target, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	rec := &oauthRecorder{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.URL.Path != "/v2/oauth" || resp.StatusCode != http.StatusOK {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			var out struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				return err
			}
			rec.mu.Lock()
			rec.tokens = append(rec.tokens, out.AccessToken)
			rec.mu.Unlock()
			return nil
		},
	}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/oauth" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var in struct {
				Scopes []string `json:"scopes"`
			}
			_ = json.Unmarshal(body, &in)
			rec.mu.Lock()
			rec.scopes = append(rec.scopes, in.Scopes)
			rec.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *oauthRecorder) issued() (tokens []string, scopes [][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.tokens), slices.Clone(r.scopes)
}

// providerConfig is a provider block for the sandbox through the recorder.
func (r *oauthRecorder) providerConfig(s *sandbox.Server) string {
	return providerConfigAt(r.srv.URL, s)
}

// wantBearerStatus makes a GET request to the sandbox with an access token
// and fails unless the answer has the status and its body contains want.
func wantBearerStatus(s *sandbox.Server, token, path string, status int, want string) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL()+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != status || !strings.Contains(string(body), want) {
		return fmt.Errorf("HTTP %d %s, want HTTP %d with %q", resp.StatusCode, body, status, want)
	}
	return nil
}

// dsStateWith is a state check running f on the state.
type dsStateWith func(*tfjson.State) error

func (f dsStateWith) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req.State)
}

// dsPlanWith is a plan check running f on the plan.
type dsPlanWith func(*tfjson.Plan) error

func (f dsPlanWith) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f(req.Plan)
}

// noTokenIn fails if any token issued so far appears in v (a plan or a
// state) marshalled to JSON, or if no token was issued at all (the check
// would then prove nothing).
func (r *oauthRecorder) noTokenIn(what string, v any) error {
	tokens, _ := r.issued()
	if len(tokens) == 0 {
		return fmt.Errorf("no access token was issued before checking the %s", what)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	for _, tok := range tokens {
		if bytes.Contains(raw, []byte(tok)) || bytes.Contains(raw, []byte(tok[:len(tok)/2])) {
			return fmt.Errorf("the %s contains an access token", what)
		}
	}
	return nil
}

func echoFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := map[string]func() (tfprotov6.ProviderServer, error){"echo": echoprovider.NewProviderServer()}
	for k, v := range testAccProtoV6ProviderFactories {
		f[k] = v
	}
	return f
}

func echoData(state *tfjson.State) (map[string]any, error) {
	r := findResource(state, "echo.token")
	if r == nil {
		return nil, fmt.Errorf("echo.token not in state")
	}
	data, ok := r.AttributeValues["data"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("echo.token.data is %T, not an object", r.AttributeValues["data"])
	}
	return data, nil
}

// The token is obtained through the echo provider (which, for the test's
// sake, copies it into state) with only the customers scope: it is a token
// the sandbox issued, it works for customers and is refused for payment
// methods.
func TestAccAccessTokenEphemeralResource_echo(t *testing.T) {
	const ttl = 600
	s := startSandbox(t, sandbox.Options{TokenTTL: ttl * time.Second})
	cust := s.SeedCustomers(1, "tok")[0]
	rec := startOAuthRecorder(t, s)
	start := time.Now()

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureEphemeral},
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{
			{
				Config: rec.providerConfig(s) + `
ephemeral "monri_access_token" "test" {
  scopes = ["customers"]
}

provider "echo" {
  data = ephemeral.monri_access_token.test
}

resource "echo" "token" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("token_type"), knownvalue.StringExact("Bearer")),
					statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("expires_in"), knownvalue.Int64Exact(ttl)),
					statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("scopes"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("customers")})),
					dsStateWith(func(state *tfjson.State) error {
						data, err := echoData(state)
						if err != nil {
							return err
						}
						expiresAt, err := time.Parse(time.RFC3339, fmt.Sprint(data["expires_at"]))
						if err != nil {
							return fmt.Errorf("expires_at: %w", err)
						}
						lo, hi := start.Add(ttl*time.Second-time.Second), time.Now().Add(ttl*time.Second)
						if expiresAt.Before(lo) || expiresAt.After(hi) {
							return fmt.Errorf("expires_at %s is not %ds after the request (between %s and %s)", expiresAt, ttl, lo, hi)
						}
						token, _ := data["access_token"].(string)
						tokens, scopes := rec.issued()
						if token == "" || !slices.Contains(tokens, token) {
							return fmt.Errorf("access_token is not one the sandbox issued (%d issued)", len(tokens))
						}
						for _, sc := range scopes {
							if !slices.Equal(sc, []string{"customers"}) {
								return fmt.Errorf("a token was requested with scopes %q, want [customers]", sc)
							}
						}
						if err := wantBearerStatus(s, token, "/v2/customers?limit=1", http.StatusOK, `"status":"approved"`); err != nil {
							return fmt.Errorf("listing customers with the token: %w", err)
						}
						if err := wantBearerStatus(s, token, "/v2/customers/"+cust+"/payment-methods", http.StatusForbidden, "payment-methods scope"); err != nil {
							return fmt.Errorf("listing payment methods with a customers-only token: %w", err)
						}
						return nil
					}),
				},
			},
		},
	})
}

// Used in a provider block (the echo provider's configuration), the token
// never reaches a plan or the state: only values derived from it are stored
// here, and no token the sandbox issued appears in any plan or state.
// Default scopes are both.
func TestAccAccessTokenEphemeralResource_notInState(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	cust := s.SeedCustomers(1, "tok")[0]
	rec := startOAuthRecorder(t, s)
	noTokenInPlan := dsPlanWith(func(p *tfjson.Plan) error { return rec.noTokenIn("plan", p) })

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureEphemeral},
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{
			{
				Config: rec.providerConfig(s) + `
ephemeral "monri_access_token" "test" {}

provider "echo" {
  data = {
    token_length = length(ephemeral.monri_access_token.test.access_token)
    token_type   = ephemeral.monri_access_token.test.token_type
    scopes       = ephemeral.monri_access_token.test.scopes
  }
}

resource "echo" "token" {}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{noTokenInPlan},
					PostApplyPreRefresh:  []plancheck.PlanCheck{noTokenInPlan},
					PostApplyPostRefresh: []plancheck.PlanCheck{noTokenInPlan},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("token_length"), knownvalue.Int64Exact(64)),
					statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("token_type"), knownvalue.StringExact("Bearer")),
					statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("scopes"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("customers"), knownvalue.StringExact("payment-methods"),
					})),
					dsStateWith(func(state *tfjson.State) error {
						if err := rec.noTokenIn("state", state); err != nil {
							return err
						}
						tokens, scopes := rec.issued()
						for _, sc := range scopes {
							if !slices.Equal(sc, []string{"customers", "payment-methods"}) {
								return fmt.Errorf("a token was requested with scopes %q, want both", sc)
							}
						}
						last := tokens[len(tokens)-1]
						if err := wantBearerStatus(s, last, "/v2/customers/"+cust+"/payment-methods", http.StatusOK, `"status":"approved"`); err != nil {
							return fmt.Errorf("listing payment methods with a default-scope token: %w", err)
						}
						return nil
					}),
				},
			},
		},
	})
}

func TestAccAccessTokenEphemeralResource_errors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	token, _ := s.Credentials()
	badCredentials := fmt.Sprintf(`
provider "monri" {
  base_url           = %q
  authenticity_token = %q
  merchant_key       = "not-the-merchant-key"
  request_timeout    = "5s"
}
`, s.URL(), token)
	echo := `
provider "echo" {
  data = ephemeral.monri_access_token.test
}

resource "echo" "token" {}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureEphemeral},
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{
			{
				Config: providerConfig(s) + `
ephemeral "monri_access_token" "test" {
  scopes = ["customers", "admin"]
}
` + echo,
				ExpectError: regexp.MustCompile(`Invalid Attribute Value Match(?s:.*)` +
					dsPhrase(`Attribute scopes[Value("admin")] value must be one of: ["customers" "payment-methods" "payments"], got: "admin"`).String()),
			},
			{
				Config: providerConfig(s) + `
ephemeral "monri_access_token" "test" {
  scopes = []
}
` + echo,
				ExpectError: dsPhrase(`Attribute scopes set must contain at least 1 elements, got: 0`),
			},
			{
				PreConfig: func() {
					if n := s.TotalRequests(); n != 0 {
						t.Fatalf("invalid scopes reached Monri: %v", s.RequestCounts())
					}
				},
				Config: badCredentials + `
ephemeral "monri_access_token" "test" {}
` + echo,
				ExpectError: regexp.MustCompile(`Unable to Create Monri Access Token(?s:.*)` +
					dsPhrase(`Monri answered HTTP 401 to POST /v2/oauth (invalid-request): "invalid client_id or client_secret"`).String() +
					`(?s:.*)` + dsPhrase(`check authenticity_token and merchant_key`).String()),
			},
		},
	})
}

// The payments scope, which Monri's PHP SDK requests, is accepted and asked
// for as configured.
func TestAccAccessTokenEphemeralResource_paymentsScope(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	rec := startOAuthRecorder(t, s)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureEphemeral},
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{{
			Config: rec.providerConfig(s) + `
ephemeral "monri_access_token" "test" {
  scopes = ["customers", "payments"]
}

provider "echo" {
  data = ephemeral.monri_access_token.test
}

resource "echo" "token" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.token", tfjsonpath.New("data").AtMapKey("scopes"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("customers"), knownvalue.StringExact("payments")})),
				dsStateWith(func(*tfjson.State) error {
					_, scopes := rec.issued()
					if len(scopes) == 0 {
						return fmt.Errorf("no token was requested")
					}
					for _, sc := range scopes {
						if !slices.Equal(sc, []string{"customers", "payments"}) {
							return fmt.Errorf("a token was requested with scopes %q, want [customers payments]", sc)
						}
					}
					return nil
				}),
			},
		}},
	})
}
