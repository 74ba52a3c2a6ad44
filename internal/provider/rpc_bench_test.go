package provider_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	frameworkprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/benchprovider"
	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
	"github.com/monri-community/terraform-provider-monri/internal/provider"
)

// BenchmarkRPC drives each provider server in-process through tfprotov6, the
// way Terraform calls it, for every RPC of a customer's lifecycle and for the
// two data sources: `make bench-rpc`, which compares the providers with
// benchstat -col /provider. Unlike `make bench` it has no sockets, no
// sandbox and no Terraform. Its allocs/op and B/op do not depend on what else
// the machine is doing; cpu-ns/op, the process's CPU time per RPC (garbage
// collection included), hardly does; ns/op, wall time, does when other
// processes share the cores.
//
// The providers, each served as its binary serves it (protoserver.Detach over
// provider.NewProtocol6 for monri, over providerserver.NewProtocol6 for the
// baselines, as internal/cmd/monri-noop-provider) and configured once:
//
//   - baseline: the no-op provider of `make bench` (package benchprovider),
//     with data sources of the same schemas that answer a canned result;
//   - baseline-client: the baseline plus, in each RPC that makes an API
//     request in monri, that same request through a monri.Client on the
//     canned transport, so that monri − baseline-client is what the provider
//     adds besides its HTTP client;
//   - monri: this provider, its HTTP answered by cannedAPI (an
//     http.RoundTripper, no network).
func BenchmarkRPC(b *testing.B) {
	// As the provider binary does when Terraform keeps no logs
	// (protoserver.QuietUnrequestedLogs).
	for _, k := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		b.Setenv(k, "")
	}
	for _, k := range []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER_MONRI", provider.HTTPLevelEnv, "TF_LOG_PROVIDER_MONRINOOP"} {
		b.Setenv(k, "off")
	}
	api := newCannedAPI(1000)
	servers := []*rpcServer{
		newRPCServer(b, "baseline", newBaselineServer(api, nil), api),
		newRPCServer(b, "baseline-client", newBaselineServer(api, cannedClient(b, api)), api),
		newRPCServer(b, "monri", newMonriServer(api), api),
	}
	for _, rpc := range []struct {
		name string
		call func(context.Context, *rpcServer) ([]*tfprotov6.Diagnostic, error)
	}{
		{"ValidateResourceConfig", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ValidateResourceConfig(ctx, s.validate)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"PlanResourceChange/create", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.PlanResourceChange(ctx, s.planCreate)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"PlanResourceChange/update", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.PlanResourceChange(ctx, s.planUpdate)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"ApplyResourceChange/create", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ApplyResourceChange(ctx, s.applyCreate)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"ApplyResourceChange/update", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ApplyResourceChange(ctx, s.applyUpdate)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"ApplyResourceChange/delete", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ApplyResourceChange(ctx, s.applyDelete)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"ReadResource", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ReadResource(ctx, s.read)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"ReadDataSource/customer", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ReadDataSource(ctx, s.readCustomer)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
		{"ReadDataSource/customers-1000", func(ctx context.Context, s *rpcServer) ([]*tfprotov6.Diagnostic, error) {
			r, err := s.srv.ReadDataSource(ctx, s.readCustomers)
			return diagsOf(r, err, func() []*tfprotov6.Diagnostic { return r.Diagnostics })
		}},
	} {
		b.Run("rpc="+rpc.name, func(b *testing.B) {
			for _, s := range servers {
				b.Run("provider="+s.name, func(b *testing.B) {
					ctx := context.Background()
					b.ReportAllocs()
					cpu := processCPU()
					for b.Loop() {
						diags, err := rpc.call(ctx, s)
						if err != nil || provider.HasErrors(diags) {
							b.Fatalf("%v %s", err, provider.DiagString(diags))
						}
					}
					if cpu = processCPU() - cpu; cpu > 0 {
						b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
				})
			}
		})
	}
}

func diagsOf[R any](r *R, err error, diags func() []*tfprotov6.Diagnostic) ([]*tfprotov6.Diagnostic, error) {
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("no %T", r)
	}
	return diags(), nil
}

// rpcServer is one configured provider server and the requests of the
// benchmark, built with that server's own answers (its plans and states).
type rpcServer struct {
	name string
	srv  tfprotov6.ProviderServer

	validate      *tfprotov6.ValidateResourceConfigRequest
	planCreate    *tfprotov6.PlanResourceChangeRequest
	planUpdate    *tfprotov6.PlanResourceChangeRequest
	applyCreate   *tfprotov6.ApplyResourceChangeRequest
	applyUpdate   *tfprotov6.ApplyResourceChangeRequest
	applyDelete   *tfprotov6.ApplyResourceChangeRequest
	read          *tfprotov6.ReadResourceRequest
	readCustomer  *tfprotov6.ReadDataSourceRequest
	readCustomers *tfprotov6.ReadDataSourceRequest
}

// rpcTypes is what the benchmark needs from a provider schema.
type rpcTypes struct {
	provider, customer, customerData, customersData tftypes.Type
}

func schemaTypes(b *testing.B, srv tfprotov6.ProviderServer) rpcTypes {
	b.Helper()
	sch, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || provider.HasErrors(sch.Diagnostics) {
		b.Fatalf("GetProviderSchema: %v %s", err, provider.DiagString(sch.Diagnostics))
	}
	need := func(s *tfprotov6.Schema, what string) tftypes.Type {
		if s == nil {
			b.Fatalf("the provider has no %s", what)
		}
		return s.ValueType()
	}
	return rpcTypes{
		provider:      need(sch.Provider, "provider schema"),
		customer:      need(sch.ResourceSchemas["monri_customer"], "monri_customer resource"),
		customerData:  need(sch.DataSourceSchemas["monri_customer"], "monri_customer data source"),
		customersData: need(sch.DataSourceSchemas["monri_customers"], "monri_customers data source"),
	}
}

// newRPCServer configures srv and builds its requests by walking a
// customer's lifecycle once: plan and apply the create, plan the update of
// its name, read the customer back through the data source and list.
func newRPCServer(b *testing.B, name string, srv tfprotov6.ProviderServer, api *cannedAPI) *rpcServer {
	b.Helper()
	ctx := context.Background()
	ty := schemaTypes(b, srv)
	cfg := objectOf(b, ty.provider, nil) // the baseline has no settings
	if obj, ok := ty.provider.(tftypes.Object); ok && len(obj.AttributeTypes) > 0 {
		cfg = objectOf(b, ty.provider, map[string]tftypes.Value{
			"base_url":           tftypes.NewValue(tftypes.String, cannedBaseURL),
			"authenticity_token": tftypes.NewValue(tftypes.String, benchToken),
			"merchant_key":       tftypes.NewValue(tftypes.String, benchKey),
		})
	}
	cr, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: dynamicOf(b, ty.provider, cfg)})
	if err != nil || provider.HasErrors(cr.Diagnostics) {
		b.Fatalf("%s: ConfigureProvider: %v %s", name, err, provider.DiagString(cr.Diagnostics))
	}

	// The configuration `make bench` writes for one customer, and its update.
	config := func(customerName string) tftypes.Value {
		return objectOf(b, ty.customer, map[string]tftypes.Value{
			"merchant_customer_id": tftypes.NewValue(tftypes.String, "bench-r1-42"),
			"email":                tftypes.NewValue(tftypes.String, "bench-42@example.com"),
			"name":                 tftypes.NewValue(tftypes.String, customerName),
			"metadata": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
				"bench": tftypes.NewValue(tftypes.String, "r1"),
				"index": tftypes.NewValue(tftypes.String, "42"),
			}),
		})
	}
	created, updated := config("Bench Customer 42"), config("Bench Customer 42 (updated)")
	dyn := func(v tftypes.Value) *tfprotov6.DynamicValue { return dynamicOf(b, ty.customer, v) }
	null := tftypes.NewValue(ty.customer, nil)

	s := &rpcServer{name: name, srv: srv}
	s.validate = &tfprotov6.ValidateResourceConfigRequest{TypeName: "monri_customer", Config: dyn(created)}
	s.planCreate = &tfprotov6.PlanResourceChangeRequest{TypeName: "monri_customer",
		PriorState: dyn(null), ProposedNewState: dyn(created), Config: dyn(created)}
	plan, err := srv.PlanResourceChange(ctx, s.planCreate)
	if err != nil || provider.HasErrors(plan.Diagnostics) {
		b.Fatalf("%s: PlanResourceChange (create): %v %s", name, err, provider.DiagString(plan.Diagnostics))
	}
	s.applyCreate = &tfprotov6.ApplyResourceChangeRequest{TypeName: "monri_customer",
		PriorState: dyn(null), PlannedState: plan.PlannedState, Config: dyn(created), PlannedPrivate: plan.PlannedPrivate}
	applied, err := srv.ApplyResourceChange(ctx, s.applyCreate)
	if err != nil || provider.HasErrors(applied.Diagnostics) {
		b.Fatalf("%s: ApplyResourceChange (create): %v %s", name, err, provider.DiagString(applied.Diagnostics))
	}
	state := applied.NewState
	stateVal, err := state.Unmarshal(ty.customer)
	if err != nil {
		b.Fatal(err)
	}
	s.read = &tfprotov6.ReadResourceRequest{TypeName: "monri_customer", CurrentState: state, Private: applied.Private}

	// Terraform's proposed new state for the update: the configuration with
	// the computed attributes of the prior state.
	var prior, proposed map[string]tftypes.Value
	if err := stateVal.As(&prior); err != nil {
		b.Fatal(err)
	}
	if err := updated.As(&proposed); err != nil {
		b.Fatal(err)
	}
	for _, k := range []string{"id", "created_at", "updated_at"} {
		proposed[k] = prior[k]
	}
	s.planUpdate = &tfprotov6.PlanResourceChangeRequest{TypeName: "monri_customer", PriorState: state,
		ProposedNewState: dyn(tftypes.NewValue(ty.customer, proposed)), Config: dyn(updated), PriorPrivate: applied.Private}
	uplan, err := srv.PlanResourceChange(ctx, s.planUpdate)
	if err != nil || provider.HasErrors(uplan.Diagnostics) {
		b.Fatalf("%s: PlanResourceChange (update): %v %s", name, err, provider.DiagString(uplan.Diagnostics))
	}
	s.applyUpdate = &tfprotov6.ApplyResourceChangeRequest{TypeName: "monri_customer", PriorState: state,
		PlannedState: uplan.PlannedState, Config: dyn(updated), PlannedPrivate: uplan.PlannedPrivate}
	s.applyDelete = &tfprotov6.ApplyResourceChangeRequest{TypeName: "monri_customer", PriorState: state,
		PlannedState: dyn(null), Config: dyn(null), PlannedPrivate: applied.Private}

	s.readCustomer = &tfprotov6.ReadDataSourceRequest{TypeName: "monri_customer",
		Config: dynamicOf(b, ty.customerData, objectOf(b, ty.customerData, map[string]tftypes.Value{
			"id": tftypes.NewValue(tftypes.String, benchUUID),
		}))}
	s.readCustomers = &tfprotov6.ReadDataSourceRequest{TypeName: "monri_customers",
		Config: dynamicOf(b, ty.customersData, objectOf(b, ty.customersData, nil))}
	for _, req := range []*tfprotov6.ReadDataSourceRequest{s.readCustomer, s.readCustomers} {
		r, err := srv.ReadDataSource(ctx, req)
		if err != nil || provider.HasErrors(r.Diagnostics) {
			b.Fatalf("%s: ReadDataSource %s: %v %s", name, req.TypeName, err, provider.DiagString(r.Diagnostics))
		}
		if name == "monri" { // what the baselines answer from now on
			v, err := r.State.Unmarshal(map[string]tftypes.Type{"monri_customer": ty.customerData, "monri_customers": ty.customersData}[req.TypeName])
			if err != nil {
				b.Fatal(err)
			}
			api.setResult(req.TypeName, v)
		}
	}
	return s
}

func objectOf(b *testing.B, typ tftypes.Type, vals map[string]tftypes.Value) tftypes.Value {
	b.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		b.Fatalf("%s is not an object type", typ)
	}
	all := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, at := range obj.AttributeTypes {
		all[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range vals {
		if _, ok := obj.AttributeTypes[name]; !ok {
			b.Fatalf("%s has no attribute %q", typ, name)
		}
		all[name] = v
	}
	return tftypes.NewValue(typ, all)
}

func dynamicOf(b *testing.B, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	b.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		b.Fatalf("NewDynamicValue: %v", err)
	}
	return &dv
}

func newMonriServer(api *cannedAPI) tfprotov6.ProviderServer {
	return protoserver.Detach(provider.NewProtocol6(provider.NewWithTransport("bench", api))())
}

// newBaselineServer is the no-op baseline, plus data sources of monri's
// schemas that answer monri's result (set by newRPCServer) without work.
// With a client, every RPC that makes an API request in monri makes the
// same request with it first.
func newBaselineServer(api *cannedAPI, client *monri.Client) tfprotov6.ProviderServer {
	return protoserver.Detach(providerserver.NewProtocol6(&baselineProvider{Provider: benchprovider.New(), api: api, client: client})())
}

type baselineProvider struct {
	frameworkprovider.Provider
	api    *cannedAPI
	client *monri.Client
}

func (p *baselineProvider) Resources(ctx context.Context) []func() resource.Resource {
	if p.client == nil {
		return p.Provider.Resources(ctx)
	}
	var out []func() resource.Resource
	for _, f := range p.Provider.Resources(ctx) {
		out = append(out, func() resource.Resource { return &clientResource{Resource: f(), client: p.client} })
	}
	return out
}

func (p *baselineProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		func() datasource.DataSource {
			return &cannedDataSource{DataSource: provider.NewCustomerDataSource(), api: p.api, client: p.client, list: false}
		},
		func() datasource.DataSource {
			return &cannedDataSource{DataSource: provider.NewCustomersDataSource(), api: p.api, client: p.client, list: true}
		},
	}
}

// clientResource is the baseline's monri_customer making monri's request of
// each operation before its no-op.
type clientResource struct {
	resource.Resource
	client *monri.Client
}

func (r *clientResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if _, err := r.client.CreateCustomer(ctx, benchFieldsForRPC()); err != nil {
		resp.Diagnostics.AddError("create", err.Error())
	}
	r.Resource.Create(ctx, req, resp)
}

func (r *clientResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if _, err := r.client.GetCustomer(ctx, benchUUID); err != nil {
		resp.Diagnostics.AddError("read", err.Error())
	}
	r.Resource.Read(ctx, req, resp)
}

func (r *clientResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if _, err := r.client.UpdateCustomer(ctx, benchUUID, monri.CustomerUpdate{Name: monri.Set("Bench Customer 42 (updated)")}); err != nil {
		resp.Diagnostics.AddError("update", err.Error())
	}
	r.Resource.Update(ctx, req, resp)
}

func (r *clientResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if err := r.client.DeleteCustomer(ctx, benchUUID); err != nil {
		resp.Diagnostics.AddError("delete", err.Error())
	}
	r.Resource.Delete(ctx, req, resp)
}

// cannedDataSource has the schema of one of monri's data sources and answers
// the result monri gave once (cannedAPI.result), with client's request first
// when it has a client.
type cannedDataSource struct {
	datasource.DataSource
	api    *cannedAPI
	client *monri.Client
	list   bool
}

func (d *cannedDataSource) Configure(context.Context, datasource.ConfigureRequest, *datasource.ConfigureResponse) {
}

func (d *cannedDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	typeName := "monri_customer"
	if d.list {
		typeName = "monri_customers"
	}
	if d.client != nil {
		var err error
		if d.list {
			_, err = d.client.FindCustomers(ctx, monri.CustomerFilter{}, monri.PageOptions{})
		} else {
			_, err = d.client.GetCustomer(ctx, benchUUID)
		}
		if err != nil {
			resp.Diagnostics.AddError("read", err.Error())
			return
		}
	}
	v, ok := d.api.result(typeName)
	if !ok {
		// The first read, before monri's result is known: the configuration.
		v = req.Config.Raw
	}
	resp.State.Raw = v
}

func benchFieldsForRPC() monri.CustomerFields {
	s := func(v string) *string { return &v }
	return monri.CustomerFields{MerchantCustomerID: s("bench-r1-42"), Name: s("Bench Customer 42"),
		Email: s("bench-42@example.com"), Metadata: map[string]string{"bench": "r1", "index": "42"}}
}

const (
	cannedBaseURL = "http://127.0.0.1:1"
	benchToken    = "sandbox-authenticity-token"
	benchKey      = "sandbox-merchant-key"
	benchUUID     = "4b281da4-d145-4233-b957-2018cf9aa0fb"
)

func cannedClient(b *testing.B, api *cannedAPI) *monri.Client {
	b.Helper()
	c, err := monri.New(monri.Config{BaseURL: cannedBaseURL, AuthenticityToken: benchToken, MerchantKey: benchKey, Transport: api})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// cannedAPI answers the Customers API from memory: every customer request
// with the same customer (by uuid, created, updated or deleted), and the
// listing from n customers in pages, all bodies built once.
type cannedAPI struct {
	customer, updated, deleted []byte
	list                       []string // the customers' JSON objects, newest first

	mu      sync.Mutex
	pages   map[string][]byte        // by query
	results map[string]tftypes.Value // monri's data source results, by type name
}

func newCannedAPI(n int) *cannedAPI {
	a := &cannedAPI{
		customer: cannedCustomerJSON(benchUUID, "bench-r1-42", "Bench Customer 42"),
		updated:  cannedCustomerJSON(benchUUID, "bench-r1-42", "Bench Customer 42 (updated)"),
		deleted:  []byte(`{"status":"approved","uuid":"` + benchUUID + `","deleted":true}`),
		pages:    map[string][]byte{},
		results:  map[string]tftypes.Value{},
	}
	for i := range n {
		a.list = append(a.list, string(cannedCustomerJSON(fmt.Sprintf("%08x-d145-4233-b957-2018cf9aa0fb", i), fmt.Sprintf("bench-list-%d", i),
			fmt.Sprintf("Bench Customer %d", i))))
	}
	return a
}

func cannedCustomerJSON(uuid, mid, name string) []byte {
	return []byte(`{"status":"approved","uuid":"` + uuid + `","merchant_customer_id":"` + mid + `","description":null,` +
		`"email":"bench-42@example.com","name":"` + name + `","phone":null,"zip_code":null,"city":null,"address":null,` +
		`"country":null,"metadata":{"bench":"r1","index":"42"},"deleted":false,"created_at":"2026-11-21T15:00:00Z",` +
		`"updated_at":"2026-11-21T15:00:00Z","deleted_at":null}`)
}

func (a *cannedAPI) page(query string) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if body, ok := a.pages[query]; ok {
		return body, nil
	}
	q, err := parseQuery(query)
	if err != nil {
		return nil, err
	}
	limit, offset := q["limit"], q["offset"]
	if limit <= 0 {
		limit = 10
	}
	end := min(offset+limit, len(a.list))
	start := min(offset, end)
	body := []byte(`{"status":"approved","data":[` + strings.Join(a.list[start:end], ",") + `]}`)
	a.pages[query] = body
	return body, nil
}

func parseQuery(query string) (map[string]int, error) {
	out := map[string]int{}
	for kv := range strings.SplitSeq(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", query, err)
		}
		out[k] = n
	}
	return out, nil
}

func (a *cannedAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	var body []byte
	switch p := req.URL.Path; {
	case p == "/v2/customers" && req.Method == http.MethodGet:
		var err error
		if body, err = a.page(req.URL.RawQuery); err != nil {
			return nil, err
		}
	case p == "/v2/customers" && req.Method == http.MethodPost:
		body = a.customer
	case strings.HasPrefix(p, "/v2/customers/") && req.Method == http.MethodGet:
		body = a.customer
	case strings.HasPrefix(p, "/v2/customers/") && req.Method == http.MethodPost:
		body = a.updated
	case strings.HasPrefix(p, "/v2/customers/") && req.Method == http.MethodDelete:
		body = a.deleted
	default:
		return nil, fmt.Errorf("cannedAPI: no answer for %s %s", req.Method, p)
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

func (a *cannedAPI) setResult(typeName string, v tftypes.Value) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.results[typeName] = v
}

func (a *cannedAPI) result(typeName string) (tftypes.Value, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, ok := a.results[typeName]
	return v, ok
}
