package provider

import (
	"bytes"
	"context"
	"math/big"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
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
// listings, filters and max_items, lists of 15, 16 and 17 customers (at 16
// the MessagePack array header takes three bytes instead of one), and
// errors. Both servers build each customer through the same function, so
// every customer listed is also compared with a literal written here from
// the sandbox's record (wantCustomerElement): a field that function drops
// or garbles would otherwise cancel out.
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
	typ := stream.schema.DataSourceSchemas[customersTypeName].ValueType()
	list, ok := attributeType(t, typ, "customers").(tftypes.List)
	if !ok {
		t.Fatal("customers is not a list")
	}
	elemType := list.ElementType
	// The live customers, newest first, as the sandbox holds them.
	var live []sandbox.Customer
	for _, c := range s.Customers() {
		if !c.Deleted {
			live = append(live, c)
		}
	}
	slices.SortFunc(live, func(a, b sandbox.Customer) int { return b.CreatedAt.Compare(a.CreatedAt) })
	newest := func(n int) []string {
		var ids []string
		for _, c := range live[:n] {
			ids = append(ids, c.UUID)
		}
		return ids
	}
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }
	text := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	meta := func(k, v string) tftypes.Value {
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{k: text(v)})
	}
	cases := map[string]struct {
		args map[string]tftypes.Value
		want []string // the customers listed, in order (nil: not checked)
	}{
		"all":             {nil, newest(39)},
		"include_deleted": {map[string]tftypes.Value{"include_deleted": tftypes.NewValue(tftypes.Bool, true)}, nil},
		"max_items":       {map[string]tftypes.Value{"max_items": num(3)}, newest(3)},
		"max_items=15":    {map[string]tftypes.Value{"max_items": num(15)}, newest(15)},
		"max_items=16":    {map[string]tftypes.Value{"max_items": num(16)}, newest(16)},
		"max_items=17":    {map[string]tftypes.Value{"max_items": num(17)}, newest(17)},
		"max_items=20":    {map[string]tftypes.Value{"max_items": num(20), "include_deleted": tftypes.NewValue(tftypes.Bool, false)}, newest(20)},
		"none match":      {map[string]tftypes.Value{"name": text("nobody")}, []string{}},
		"metadata":        {map[string]tftypes.Value{"metadata": meta("tier", "gold")}, []string{uuids[2], uuids[0]}},
		"email":           {map[string]tftypes.Value{"email": text("mixed.case@example.com")}, []string{uuids[3]}},
		"prefix":          {map[string]tftypes.Value{"merchant_customer_id_prefix": text("stream-0001")}, nil},
		"created_after":   {map[string]tftypes.Value{"created_after": text(time.Now().Add(-10 * time.Second).UTC().Format(time.RFC3339))}, nil},
		"null metadata":   {map[string]tftypes.Value{"metadata": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"k": tftypes.NewValue(tftypes.String, nil)})}, nil},
	}
	for name, tc := range cases {
		args := tc.args
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
			var custs []tftypes.Value
			if err := stream.attrs(typ, got.State)["customers"].As(&custs); err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, c := range custs {
				var attrs map[string]tftypes.Value
				if err := c.As(&attrs); err != nil {
					t.Fatal(err)
				}
				id := stringOf(t, attrs["id"])
				ids = append(ids, id)
				rec, ok := s.Customer(id)
				if !ok {
					t.Fatalf("listed %s, which the sandbox does not hold", id)
				}
				if want := wantCustomerElement(t, elemType, rec); !c.Equal(want) {
					t.Fatalf("customer %s\n%s\nwant (from the sandbox's record)\n%s", id, c, want)
				}
			}
			if tc.want != nil && !slices.Equal(ids, tc.want) {
				t.Fatalf("listed %d customers %v\nwant %d %v", len(ids), ids, len(tc.want), tc.want)
			}
		})
	}

	t.Run("listing error", func(t *testing.T) {
		// On a sandbox of its own (a page an earlier case's listing had
		// cancelled could reach a shared one late and take a fault), every
		// listing request fails while a read runs, however many a read
		// makes (limit 100, then its fallback to 50).
		s := startSandbox(t, sandbox.Options{})
		s.SeedCustomers(3, "err")
		stream := newProtoProvider(t, s)
		framework := newProtoProviderOf(t, s, providerserver.NewProtocol6(newTestProvider())())
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

// wantCustomerElement is the customer c of the sandbox as an element of
// monri_customers' customers, written out here field by field rather than
// through the provider's own conversion: a string Monri answers empty or
// null is null, empty metadata is null, and timestamps are the sandbox's
// default answer format.
func wantCustomerElement(t *testing.T, elemType tftypes.Type, c sandbox.Customer) tftypes.Value {
	t.Helper()
	str := func(p *string) tftypes.Value {
		if p == nil || *p == "" {
			return tftypes.NewValue(tftypes.String, nil)
		}
		return tftypes.NewValue(tftypes.String, *p)
	}
	ts := func(tm time.Time) tftypes.Value {
		return tftypes.NewValue(tftypes.String, tm.UTC().Format("2006-01-02T15:04:05Z"))
	}
	metaType := tftypes.Map{ElementType: tftypes.String}
	meta := tftypes.NewValue(metaType, nil)
	if len(c.Metadata) > 0 {
		m := map[string]tftypes.Value{}
		for k, v := range c.Metadata {
			m[k] = tftypes.NewValue(tftypes.String, v)
		}
		meta = tftypes.NewValue(metaType, m)
	}
	deletedAt := tftypes.NewValue(tftypes.String, nil)
	if c.DeletedAt != nil {
		deletedAt = ts(*c.DeletedAt)
	}
	vals := map[string]tftypes.Value{
		"id":                   tftypes.NewValue(tftypes.String, c.UUID),
		"merchant_customer_id": str(c.MerchantCustomerID),
		"description":          str(c.Description),
		"email":                str(c.Email),
		"name":                 str(c.Name),
		"phone":                str(c.Phone),
		"metadata":             meta,
		"zip_code":             str(c.ZipCode),
		"city":                 str(c.City),
		"address":              str(c.Address),
		"country":              str(c.Country),
		"created_at":           ts(c.CreatedAt),
		"updated_at":           ts(c.UpdatedAt),
		"deleted":              tftypes.NewValue(tftypes.Bool, c.Deleted),
		"deleted_at":           deletedAt,
	}
	if err := tftypes.ValidateValue(elemType, vals); err != nil {
		t.Fatalf("the expected customer does not fit the schema's element type: %v", err)
	}
	return tftypes.NewValue(elemType, vals)
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
