package provider

import (
	"bytes"
	"context"
	"math/big"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// readCustomers reads monri_customers with the given arguments (null for the
// others).
func (p *protoProvider) readCustomers(args map[string]tftypes.Value) *tfprotov6.ReadDataSourceResponse {
	p.t.Helper()
	typ := p.schema.DataSourceSchemas[customersTypeName].ValueType()
	resp, err := p.srv.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{
		TypeName: customersTypeName, Config: p.dynamic(typ, p.object(typ, args)),
	})
	if err != nil {
		p.t.Fatalf("ReadDataSource: %v", err)
	}
	return resp
}

// TestCustomersStreamIdentical: served through NewProtocol6, monri_customers
// answers the state and diagnostics of the framework's own server,
// for every kind of customer (all fields, nulls, metadata, deleted), empty
// listings, filters and max_items, lists of more than 15 customers (a
// longer MessagePack header), and errors.
func TestCustomersStreamIdentical(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 7, ListIncludesDeleted: true}})
	uuids := s.SeedCustomers(40, "stream")
	str := func(v string) *string { return &v }
	edits := map[int]func(*sandbox.Customer){
		0: func(c *sandbox.Customer) {
			c.Description, c.Phone, c.ZipCode, c.Address = str("VIP"), str("+387 33 000 000"), str("71000"), str("Titova 1")
			c.Metadata = map[string]string{"tier": "gold", "crm": "42", "empty": ""}
		},
		1: func(c *sandbox.Customer) {
			c.Name, c.Email, c.City, c.Country, c.MerchantCustomerID = nil, nil, nil, nil, nil
		},
		2: func(c *sandbox.Customer) { c.Metadata = map[string]string{"tier": "gold"}; c.Name = str("") },
		3: func(c *sandbox.Customer) { c.Email = str("Mixed.Case@Example.COM") },
	}
	for i, fn := range edits {
		if !s.EditCustomer(uuids[i], fn) {
			t.Fatalf("editing customer %d", i)
		}
	}
	if !s.DeleteCustomer(uuids[5]) {
		t.Fatal("deleting a customer")
	}

	stream := newProtoProvider(t, s)
	framework := newProtoProviderOf(t, s, providerserver.NewProtocol6(newTestProvider())())
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }
	text := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	meta := func(k, v string) tftypes.Value {
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{k: text(v)})
	}
	cases := map[string]map[string]tftypes.Value{
		"all":             nil,
		"include_deleted": {"include_deleted": tftypes.NewValue(tftypes.Bool, true)},
		"max_items":       {"max_items": num(3)},
		"max_items=20":    {"max_items": num(20), "include_deleted": tftypes.NewValue(tftypes.Bool, false)},
		"none match":      {"name": text("nobody")},
		"metadata":        {"metadata": meta("tier", "gold")},
		"email":           {"email": text("mixed.case@example.com")},
		"prefix":          {"merchant_customer_id_prefix": text("stream-0001")},
		"created_after":   {"created_after": text(time.Now().Add(-10 * time.Second).UTC().Format(time.RFC3339))},
		"null metadata":   {"metadata": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"k": tftypes.NewValue(tftypes.String, nil)})},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			want, got := framework.readCustomers(args), stream.readCustomers(args)
			if diagString(got.Diagnostics) != diagString(want.Diagnostics) {
				t.Fatalf("diagnostics\n%s\nwant (the framework's)\n%s", diagString(got.Diagnostics), diagString(want.Diagnostics))
			}
			if (got.State == nil) != (want.State == nil) {
				t.Fatalf("state %v, the framework's %v", got.State, want.State)
			}
			if got.State == nil {
				return
			}
			// tftypes writes a map's keys in Go's map order, so the bytes
			// of a customer with several metadata keys vary from one
			// encoding to the next: compare the values, and the lengths.
			typ := stream.schema.DataSourceSchemas[customersTypeName].ValueType()
			gv, err := got.State.Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			wv, err := want.State.Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			if !gv.Equal(wv) || len(got.State.MsgPack) != len(want.State.MsgPack) {
				t.Fatalf("state (%d bytes)\n%s\nwant (the framework's, %d bytes)\n%s", len(got.State.MsgPack), gv, len(want.State.MsgPack), wv)
			}
			if name == "all" {
				var custs []tftypes.Value
				if err := stream.attrs(typ, got.State)["customers"].As(&custs); err != nil || len(custs) != 39 {
					t.Fatalf("listed %d customers (%v), want the 39 live ones", len(custs), err)
				}
			}
		})
	}

	t.Run("listing error", func(t *testing.T) {
		// Every listing request fails while a read runs. (Injecting
		// exactly the two a read makes, limit 100 then its fallback to 50,
		// was flaky: a page an earlier case's listing had cancelled could
		// reach the sandbox late and take one of them.)
		failing := func(read func() *tfprotov6.ReadDataSourceResponse) *tfprotov6.ReadDataSourceResponse {
			s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Status: http.StatusBadRequest}, 1000)
			defer s.ClearFaults()
			return read()
		}
		want := failing(func() *tfprotov6.ReadDataSourceResponse { return framework.readCustomers(nil) })
		got := failing(func() *tfprotov6.ReadDataSourceResponse { return stream.readCustomers(nil) })
		if !hasErrors(got.Diagnostics) || diagString(got.Diagnostics) != diagString(want.Diagnostics) {
			t.Fatalf("diagnostics\n%s\nwant (the framework's, an error)\n%s", diagString(got.Diagnostics), diagString(want.Diagnostics))
		}
	})
}

// TestAppendMsgPackLen checks the headers against tftypes' encoding of lists
// of each length around the forms' limits.
func TestAppendMsgPackLen(t *testing.T) {
	list := tftypes.List{ElementType: tftypes.Bool}
	for _, n := range []int{0, 1, 15, 16, 65535, 65536} {
		elems := make([]tftypes.Value, n)
		for i := range elems {
			elems[i] = tftypes.NewValue(tftypes.Bool, false)
		}
		dv, err := tfprotov6.NewDynamicValue(list, tftypes.NewValue(list, elems))
		if err != nil {
			t.Fatal(err)
		}
		header := dv.MsgPack[:len(dv.MsgPack)-n] // each false is one byte
		if got := appendMsgPackLen(nil, n, 0x90, 0xdc, 0xdd); !bytes.Equal(got, header) {
			t.Errorf("array of %d: % x, want % x", n, got, header)
		}
	}
}

// BenchmarkReadCustomers10000 reads 10,000 customers through the protocol,
// through NewProtocol6 and through the framework's own server, from an
// in-process sandbox (which allocates too: compare the two). peak-heap-MiB
// is the largest heap seen (sampled every 0.2 ms) during a read.
//
//	go test ./internal/provider -run '^$' -bench ReadCustomers10000 -benchmem -benchtime 3x
func BenchmarkReadCustomers10000(b *testing.B) {
	t := &testing.T{}
	s, err := sandbox.Start(sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 100}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.SeedCustomers(10000, "bench-list")
	for _, bc := range []struct {
		name   string
		server func() tfprotov6.ProviderServer
	}{
		{"stream", NewProtocol6(newTestProvider())},
		{"framework", providerserver.NewProtocol6(newTestProvider())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := newProtoProviderOf(t, s, bc.server())
			var peak uint64
			for b.Loop() {
				runtime.GC()
				stop := sampleHeap(&peak)
				resp := p.readCustomers(nil)
				stop()
				if hasErrors(resp.Diagnostics) {
					b.Fatal(diagString(resp.Diagnostics))
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// sampleHeap records the largest heap in *peak until the returned function
// is called.
func sampleHeap(peak *uint64) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		smp := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(smp)
			*peak = max(*peak, smp[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	return func() { close(done); <-exited }
}
