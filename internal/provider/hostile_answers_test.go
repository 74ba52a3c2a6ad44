package provider

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Answers that carry secrets and fail (an /v2/oauth answer cut short, a
// card listing cut short, a proxy's 502 page echoing the request) are
// reported through the real terraform CLI with their status and no secret:
// not on stdout or stderr, not in Terraform's TRACE log, not in the
// provider's TRACE log.
func TestAccHostileAnswers_noSecretInErrors(t *testing.T) {
	const (
		authToken   = "5e4d3c2b1a5e4d3c2b1a5e4d3c2b1a5e4d3c2b1a" // 40 hex, as Monri issues them
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
