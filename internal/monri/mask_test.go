package monri

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// TestMasker_masks: every kind of secret is masked, known or only shaped
// like one, and ordinary values around them are kept.
func TestMasker_masks(t *testing.T) {
	m := NewMasker("merchant-key-Zq81", "", "merchant-key-Zq81")
	m.AddSecret("held-access-token-77")
	hex64 := strings.Repeat("0a1b2c3d", 8)
	for _, tt := range []struct{ in, want string }{
		{`merchant-key-Zq81 and held-access-token-77`, `*** and ***`},
		{`{"access_token": "0a36`, `{***`},
		{`{"access_token":"abc","token_type":"Bearer"}`, `{***,"token_type":"Bearer"}`},
		{`{"client_id":"x","client_secret":"s3cr\"et","scopes":["customers"]}`, `{"client_id":"x",***,"scopes":["customers"]}`},
		{`{"data":[{"id":"pm-1","masked_pan":"411111******1111","token":"` + hex64[:30], `{"data":[{***,"masked_pan":"411111******1111",***`},
		{`grant_type=client_credentials&client_secret=abc&x=1`, `grant_type=client_credentials&***&x=1`},
		{`Authorization: Bearer eyJhbGciOi.payload`, `Authorization: ***`},
		{`Authorization: WP3-v2.1 ` + hex64[:40] + ` 1593457122 ` + hex64, `Authorization: ***`},
		{`card ` + hex64 + ` end`, `card *** end`},
		{`word aGVsbG8gV29ybGQgdGhpcyBpcyBhIHRva2VuIDEyMw== end`, `word *** end`},
		{`/v2/customers/4b281da4-d145-4233-b957-2018cf9aa0fb/payment-methods`, `/v2/customers/4b281da4-d145-4233-b957-2018cf9aa0fb/payment-methods`},
		{`/v2/merchants/customers/order-2026-000123-acme-corporation-eu`, `/v2/merchants/customers/order-2026-000123-acme-corporation-eu`},
		{`"uuid":"4b281da4-d145-4233-b957-2018cf9aa0fb"`, `"uuid":"4b281da4-d145-4233-b957-2018cf9aa0fb"`},
		{`name is too long (maximum is 50 characters)`, `name is too long (maximum is 50 characters)`},
	} {
		if got := m.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Answers cut short or echoed by a proxy carry secrets; the errors that
// quote them keep their status, Monri's message or the first harmless words,
// and no secret.
func TestErrorsQuoteNoSecret(t *testing.T) {
	ctx := context.Background()
	hex64 := strings.Repeat("9f8e7d6c", 8)
	t.Run("truncated oauth answer", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		// Not hexadecimal: only the key-value and known-secret rules find it.
		token := "tok-Not-Hex-" + strings.Repeat("q", 20)
		s.InjectFault(sandbox.RouteOAuth, sandbox.Fault{Kind: sandbox.FaultBody,
			Body: []byte(`{"access_token": "` + token + `","token_type":"Bearer","expi`)}, 100)
		c, _ := newTestClient(t, s, func(c *Config) { c.Authentication = AuthAccessToken })
		_, err := c.GetCustomer(ctx, "4b281da4-d145-4233-b957-2018cf9aa0fb")
		assertNoSecret(t, err, token, token[:10])
		wantErrContains(t, err, "POST /v2/oauth: HTTP 200", "not valid JSON", notQuoted)
	})
	t.Run("truncated card listing", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		cust := s.SeedCustomers(1, "cards")[0]
		body := fmt.Sprintf(`{"status":"approved","data":[{"id":%q,"masked_pan":"411111******1111","token":%q},{"id":"%s`, hex64, hex64, hex64[:50])
		s.InjectFault(sandbox.RouteListPaymentMethods, sandbox.Fault{Kind: sandbox.FaultBody, Body: []byte(body)}, 100)
		c, _ := newTestClient(t, s, nil)
		_, err := c.ListAllPaymentMethods(ctx, cust, PageOptions{})
		assertNoSecret(t, err, hex64, hex64[:16])
		wantErrContains(t, err, "/payment-methods", "HTTP 200", "not valid JSON")
	})
	t.Run("502 text/plain echoing the request", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		authToken, key := s.Credentials()
		echo := fmt.Sprintf("upstream error: 502 Bad Gateway\nPOST /v2/oauth HTTP/1.1\nAuthorization: Bearer %s\n\n"+
			`{"client_id":%q,"client_secret":%q,"scopes":["customers"],"grant_type":"client_credentials"} card %s`,
			"some-Bearer-token-1234567890", authToken, key, hex64)
		s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusBadGateway,
			ContentType: "text/plain", Body: []byte(echo)}, 100)
		c, _ := newTestClient(t, s, nil)
		_, err := c.GetCustomer(ctx, "4b281da4-d145-4233-b957-2018cf9aa0fb")
		assertNoSecret(t, err, key, authToken, hex64, "some-Bearer-token-1234567890")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusBadGateway {
			t.Fatalf("err = %v, want a 502 APIError", err)
		}
		wantErrContains(t, err, "HTTP 502", "non-JSON response: upstream error: 502 Bad Gateway POST /v2/oauth")
	})
	t.Run("Monri message echoing the key", func(t *testing.T) {
		s := startSandbox(t, sandbox.Options{})
		_, key := s.Credentials()
		s.InjectFault(sandbox.RouteGetCustomer, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusBadRequest,
			Body: []byte(`{"status":"invalid-request","message":"bad digest for key ` + key + `"}`)}, 1)
		c, _ := newTestClient(t, s, nil)
		_, err := c.GetCustomer(ctx, "4b281da4-d145-4233-b957-2018cf9aa0fb")
		assertNoSecret(t, err, key)
		wantErrContains(t, err, "HTTP 400", "(invalid-request): bad digest for key ***")
	})
}

func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%#v", err), s) {
			t.Errorf("the error shows the secret %q: %v", s, err)
		}
	}
}
