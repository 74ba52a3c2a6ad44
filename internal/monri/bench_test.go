package monri_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Micro-benchmarks of the work the client does per request, with allocations
// reported: `go test ./internal/monri -run '^$' -bench . -benchmem`. `make
// bench` measures the whole provider under Terraform.

const (
	benchKey   = "sandbox-merchant-key"
	benchToken = "sandbox-authenticity-token"
	benchUUID  = "4b281da4-d145-4233-b957-2018cf9aa0fb"
)

// benchCustomerJSON is a customer as the sandbox answers it.
var benchCustomerJSON = []byte(`{"status":"approved","uuid":"4b281da4-d145-4233-b957-2018cf9aa0fb",` +
	`"merchant_customer_id":"bench-r1-42","description":null,"email":"bench-42@example.com",` +
	`"name":"Bench Customer 42","phone":null,"zip_code":null,"city":null,"address":null,"country":null,` +
	`"metadata":{"bench":"r1","index":"42"},"deleted":false,"created_at":"2026-11-21T15:00:00Z",` +
	`"updated_at":"2026-11-21T15:00:00Z","deleted_at":null}`)

func benchStr(s string) *string { return &s }

// benchFields is what `make bench` creates: a merchant id, a name, an email
// and two metadata keys.
func benchFields() monri.CustomerFields {
	return monri.CustomerFields{
		MerchantCustomerID: benchStr("bench-r1-42"),
		Name:               benchStr("Bench Customer 42"),
		Email:              benchStr("bench-42@example.com"),
		Metadata:           map[string]string{"bench": "r1", "index": "42"},
	}
}

func BenchmarkDigest(b *testing.B) {
	body, _ := json.Marshal(benchFields())
	for _, bc := range []struct {
		name string
		path string
		body []byte
	}{
		{"GET", "/v2/customers/" + benchUUID, nil},
		{"POST", "/v2/customers", body},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = monri.Digest(benchKey, benchToken, 1763737200, bc.path, bc.body)
			}
		})
	}
}

func BenchmarkAuthorizationHeader(b *testing.B) {
	b.ReportAllocs()
	path := "/v2/customers/" + benchUUID
	for b.Loop() {
		_ = monri.AuthorizationHeader(benchKey, benchToken, 1763737200, path, nil)
	}
}

func BenchmarkEncodeCustomerFields(b *testing.B) {
	b.ReportAllocs()
	f := benchFields()
	for b.Loop() {
		if _, err := json.Marshal(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeCustomerUpdate(b *testing.B) {
	v := "r2"
	for _, bc := range []struct {
		name string
		u    monri.CustomerUpdate
	}{
		// What `make bench` updates: one attribute.
		{"OneField", monri.CustomerUpdate{Name: monri.Set("Bench Customer 42 (updated)")}},
		{"EveryField", monri.CustomerUpdate{
			MerchantCustomerID: monri.Set("m"), Description: monri.Set("d"), Email: monri.Set("e@example.com"),
			Name: monri.Set("n"), Phone: monri.Set("p"), ZipCode: monri.Set("71000"), City: monri.Clear(),
			Address: monri.Clear(), Country: monri.Set("BA"), Metadata: map[string]*string{"bench": &v, "index": nil},
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(bc.u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeCustomer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var c monri.Customer
		if err := json.Unmarshal(benchCustomerJSON, &c); err != nil {
			b.Fatal(err)
		}
	}
}

// cannedTransport answers every request with the same customer, without a
// network, so that BenchmarkClient measures the client alone.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(benchCustomerJSON)),
		ContentLength: int64(len(benchCustomerJSON)),
		Request:       req,
	}, nil
}

// BenchmarkClient is one whole API call through the client (retry wrapper,
// signing transport, encoding and decoding) minus the network: the provider's
// own per-request cost.
func BenchmarkClient(b *testing.B) {
	c, err := monri.New(monri.Config{BaseURL: "http://127.0.0.1:1", AuthenticityToken: benchToken, MerchantKey: benchKey,
		Transport: cannedTransport{}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("GetCustomer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetCustomer(ctx, benchUUID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateCustomer", func(b *testing.B) {
		b.ReportAllocs()
		f := benchFields()
		for b.Loop() {
			if _, err := c.CreateCustomer(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UpdateCustomer", func(b *testing.B) {
		b.ReportAllocs()
		u := monri.CustomerUpdate{Name: monri.Set("Bench Customer 42 (updated)")}
		for b.Loop() {
			if _, err := c.UpdateCustomer(ctx, benchUUID, u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkClientSandbox is one GetCustomer over loopback HTTP against the
// sandbox, both in this process: what one refresh request costs the machine
// in `make bench` at zero latency (client and sandbox CPU, plus the kernel's
// loopback). Parallel runs ten requests at a time, like terraform -parallelism=10.
func BenchmarkClientSandbox(b *testing.B) {
	s, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	token, key := s.Credentials()
	c, err := monri.New(monri.Config{BaseURL: s.URL(), AuthenticityToken: token, MerchantKey: key})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cust, err := c.CreateCustomer(ctx, benchFields())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("GetCustomer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetCustomer(ctx, cust.UUID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetCustomer-parallel10", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 10/runtime.GOMAXPROCS(0))) // about ten goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.GetCustomer(ctx, cust.UUID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
