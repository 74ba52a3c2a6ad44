package monri

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeResponse feeds arbitrary status codes and bodies to the response
// decoder, for a customer and for both list shapes: it must never panic,
// must fail for every non-2xx status, and must keep its errors short and free
// of HTML tags.
func FuzzDecodeResponse(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"status":"approved","uuid":"u1","merchant_customer_id":"m","name":null,"metadata":{"a":"b","n":1,"z":null},"deleted":false,"created_at":"2026-01-01T00:00:00Z"}`},
		{200, `{"id":"u2","deleted":true,"deleted_at":"2026-01-02T00:00:00Z"}`},
		{200, `{"status":"approved","data":[{"uuid":"a"},{"id":"b"}]}`},
		{200, `{"status":"approved","data":[{"id":"pm","masked_pan":"411111******1111","token":"t","expired":false}]}`},
		{200, `{"status":"approved","data":null}`},
		{200, `{"status":"approved","data":[null]}`},
		{200, `{"status":"declined","message":"no"}`},
		{200, `{"uuid":"abc",`},
		{200, ``},
		{200, `null`},
		{200, `[]`},
		{200, `"string"`},
		{200, `{"metadata":{"k":{"nested":[1,2]}}}`},
		{200, `{"metadata":"not an object"}`},
		{200, `{"uuid":1}`},
		{200, "\xff\xfe{}"},
		{400, `{"status":"invalid-request","message":"name is too long (maximum is 50 characters)"}`},
		{401, `{"status":"invalid-request","message":"invalid digest"}`},
		{404, `{"status":"invalid-request","message":"Customer not found"}`},
		{429, ``},
		{500, `{"status":"error","message":"An error occurred"}`},
		{502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"},
		{503, "<<<>>>" + strings.Repeat("é", 300)},
		{307, `moved`},
		{0, ``},
		{-1, `{}`},
		{999, `{"status":"","message":""}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		outs := []any{new(Customer), new(listResponse[Customer]), new(listResponse[PaymentMethod]), new(AccessToken), nil}
		for _, out := range outs {
			err := decodeResponse(nil, "GET", "/v2/customers", status, body, out)
			if status < 200 || status > 299 {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.HTTPStatus != status {
					t.Fatalf("status %d: err = %v, want an *APIError with that status", status, err)
				}
				if errors.Is(err, ErrNotFound) != (status == 404) {
					t.Fatalf("status %d: errors.Is(err, ErrNotFound) = %v", status, errors.Is(err, ErrNotFound))
				}
			}
			if err == nil {
				continue
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.NotJSON {
				if n := utf8.RuneCountInString(apiErr.Message); n > 400 {
					t.Fatalf("excerpt of %d runes: %q", n, apiErr.Message)
				}
				// The excerpt of a non-JSON error page has its tags removed.
				if (status < 200 || status > 299) && strings.Contains(apiErr.Message, "<") {
					t.Fatalf("excerpt keeps a tag: %q", apiErr.Message)
				}
			}
		}
	})
}

// FuzzErrorQuoting plants secrets in an answer, between any bytes, with any
// status, for any endpoint, and decodes it as the client does: no error text
// may show a planted secret. The merchant key and an access token the client
// holds are known to the masker; the others are secrets it has never seen
// (a card token and an access token of another client), found by their
// shape.
func FuzzErrorQuoting(f *testing.F) {
	const (
		merchantKey = "sandbox-merchant-key"
		heldToken   = "held.access.token"
		cardToken   = "0a36f3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e" //nolint:gosec // a planted test secret
		otherToken  = "Zm9vYmFyQmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg"                           //nolint:gosec // a planted test secret
	)
	seeds := []struct {
		status         int
		prefix, suffix string
		planted        uint8
	}{
		{200, `{"access_token": "`, `","expires_in":3600`, 1},
		{200, `{"access_token": "`, ``, 3},
		{200, `{"status":"approved","data":[{"id":"`, `","token":"` + cardToken[:20], 2},
		{502, "POST /v2/oauth\n{\"client_id\":\"t\",\"client_secret\":\"", `","scopes":["customers"]}`, 0},
		{400, `{"status":"invalid-request","message":"key `, `"}`, 0},
		{401, `{"status":"invalid-request","message":"Bearer `, `"}`, 1},
		{500, `<html><body>`, `</body></html>`, 3},
		{200, `{"uuid":"u","deleted":"`, `"}`, 2},
		{200, `"token": "`, ``, 3},
	}
	for _, s := range seeds {
		for path := range uint8(3) {
			f.Add(s.status, []byte(s.prefix), []byte(s.suffix), s.planted, path)
		}
	}
	secrets := []string{merchantKey, heldToken, cardToken, otherToken}
	paths := []string{"/v2/customers/u", "/v2/oauth", "/v2/customers/u/payment-methods?limit=100&offset=0"}
	f.Fuzz(func(t *testing.T, status int, prefix, suffix []byte, planted, path uint8) {
		m := NewMasker(merchantKey)
		m.AddSecret(heldToken)
		secret := secrets[int(planted)%len(secrets)]
		body := append(append(append([]byte(nil), prefix...), secret...), suffix...)
		p := paths[int(path)%len(paths)]
		outs := []any{new(Customer), new(listResponse[PaymentMethod]), new(AccessToken), nil}
		for _, out := range outs {
			err := decodeResponse(m, "GET", p, status, body, out)
			if err == nil {
				continue
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the planted secret %q: %v", secret, err)
			}
		}
		// The quote of a body cut anywhere shows none of it either.
		for _, n := range []int{1, 20, 120} {
			if q := m.quote(p, body, n); strings.Contains(q, secret) {
				t.Fatalf("quote(%d) shows the planted secret %q: %q", n, secret, q)
			}
		}
	})
}
