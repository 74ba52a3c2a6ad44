package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// lister is the provider server's list resource RPCs.
func (p *protoProvider) lister() tfprotov6.ListResourceServer {
	p.t.Helper()
	ls, ok := p.srv.(tfprotov6.ListResourceServer)
	if !ok {
		p.t.Fatal("the provider server does not serve list resources")
	}
	return ls
}

func (p *protoProvider) listConfigType() tftypes.Type {
	p.t.Helper()
	sch := p.schema.ListResourceSchemas["monri_customer"]
	if sch == nil {
		p.t.Fatal("no list resource schema for monri_customer")
	}
	return sch.ValueType()
}

// listConfig is a list block's configuration: vals, null elsewhere.
func (p *protoProvider) listConfig(vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	typ := p.listConfigType()
	return p.dynamic(typ, p.object(typ, vals))
}

// list runs ListResource and collects every result.
func (p *protoProvider) list(cfg map[string]tftypes.Value, includeResource bool, limit int64) []tfprotov6.ListResourceResult {
	p.t.Helper()
	stream, err := p.lister().ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName: "monri_customer", Config: p.listConfig(cfg), IncludeResource: includeResource, Limit: limit,
	})
	if err != nil {
		p.t.Fatalf("ListResource: %v", err)
	}
	var out []tfprotov6.ListResourceResult
	for r := range stream.Results {
		out = append(out, r)
	}
	return out
}

func tfStr(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// TestProtocolListResourceSchema: the provider offers a monri_customer list
// resource whose configuration has the filters of the monri_customers data
// source, all optional.
func TestProtocolListResourceSchema(t *testing.T) {
	p := newProtoProvider(t, startSandbox(t, sandbox.Options{}))
	meta, err := p.srv.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	if err != nil || hasErrors(meta.Diagnostics) {
		t.Fatalf("GetMetadata: %v %s", err, diagString(meta.Diagnostics))
	}
	if len(meta.ListResources) != 1 || meta.ListResources[0].TypeName != "monri_customer" {
		t.Fatalf("list resources %+v, want monri_customer", meta.ListResources)
	}
	sch := p.schema.ListResourceSchemas["monri_customer"]
	if sch == nil {
		t.Fatal("GetProviderSchema has no list resource schema for monri_customer")
	}
	var names []string
	for _, a := range sch.Block.Attributes {
		if !a.Optional || a.Required || a.Computed {
			t.Errorf("attribute %s: optional %v, required %v, computed %v; want optional only", a.Name, a.Optional, a.Required, a.Computed)
		}
		if a.Description == "" {
			t.Errorf("attribute %s has no description", a.Name)
		}
		names = append(names, a.Name)
	}
	slices.Sort(names)
	if want := []string{"created_after", "email", "merchant_customer_id_prefix", "metadata", "name"}; !slices.Equal(names, want) {
		t.Fatalf("attributes %v, want %v", names, want)
	}
}

// TestProtocolValidateListResourceConfig: valid filters pass; each invalid
// one is an error on its attribute that says what is allowed.
func TestProtocolValidateListResourceConfig(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	p := newProtoProvider(t, s)
	validate := func(cfg map[string]tftypes.Value) []*tfprotov6.Diagnostic {
		t.Helper()
		resp, err := p.lister().ValidateListResourceConfig(context.Background(), &tfprotov6.ValidateListResourceConfigRequest{
			TypeName: "monri_customer", Config: p.listConfig(cfg),
		})
		if err != nil {
			t.Fatalf("ValidateListResourceConfig: %v", err)
		}
		return resp.Diagnostics
	}
	if d := validate(map[string]tftypes.Value{
		"email": tfStr("Ana@Example.com"), "name": tfStr("Ana"), "merchant_customer_id_prefix": tfStr("crm-"),
		"metadata":      tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"team": tfStr("payments")}),
		"created_after": tfStr("2026-01-31T01:00:00+01:00"),
	}); len(d) > 0 {
		t.Fatalf("a valid configuration: %s", diagString(d))
	}
	if d := validate(nil); len(d) > 0 {
		t.Fatalf("an empty configuration: %s", diagString(d))
	}
	for name, tc := range map[string]struct {
		attr string
		val  tftypes.Value
		want string
	}{
		"a date":         {"created_after", tfStr("2026-01-31"), `Invalid Timestamp: Attribute created_after value must be an RFC 3339 timestamp with a zone.*got "2026-01-31"`},
		"no zone":        {"created_after", tfStr("2026-01-31T10:00:00"), `created_after value must be an RFC 3339 timestamp with a zone.*got "2026-01-31T10:00:00"`},
		"not an email":   {"email", tfStr("ana"), `email.*must be an email address such as name@example.com`},
		"empty prefix":   {"merchant_customer_id_prefix", tfStr(""), `merchant_customer_id_prefix.*must be between 1 and 100`},
		"empty meta key": {"metadata", tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"": tfStr("x")}), `metadata.*must be at least 1`},
	} {
		t.Run(name, func(t *testing.T) {
			d := validate(map[string]tftypes.Value{tc.attr: tc.val})
			if len(d) != 1 || d[0].Severity != tfprotov6.DiagnosticSeverityError {
				t.Fatalf("diagnostics %s, want one error", diagString(d))
			}
			if !regexp.MustCompile(`(?s)` + tc.want).MatchString(d[0].Summary + ": " + d[0].Detail) {
				t.Fatalf("error %q: %q, want it to match %s", d[0].Summary, d[0].Detail, tc.want)
			}
			if d[0].Attribute == nil || len(d[0].Attribute.Steps()) == 0 ||
				d[0].Attribute.Steps()[0] != tftypes.AttributeName(tc.attr) {
				t.Fatalf("error on %v, want %s", d[0].Attribute, tc.attr)
			}
		})
	}
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("validation made %d requests, want 0", n)
	}
}

// listFixture is TestProtocolListResource's sandbox: eight customers,
// three a page, some edited and one deleted, and a provider configured
// against it. Every subtest that counts requests or injects faults takes a
// fresh one: a page that an earlier listing cancelled can reach a shared
// sandbox late, and would add a request or take a fault.
func listFixture(t *testing.T, v sandbox.Variants) (*sandbox.Server, *protoProvider, []string) {
	t.Helper()
	v.MaxPageSize = 3
	s := startSandbox(t, sandbox.Options{Variants: v})
	uuids := s.SeedCustomers(8, "crm") // crm-00001 (oldest) … crm-00008 (newest)
	edit := func(i int, fn func(c *sandbox.Customer)) {
		if !s.EditCustomer(uuids[i], fn) {
			t.Fatalf("cannot edit customer %d", i)
		}
	}
	sp := func(s string) *string { return &s }
	edit(1, func(c *sandbox.Customer) { c.Email = sp("Ana.Anic@Example.com"); c.Name = sp("Ana Anić") })
	edit(2, func(c *sandbox.Customer) { c.Metadata = map[string]string{"team": "payments"} })
	edit(3, func(c *sandbox.Customer) { c.Metadata = map[string]string{"team": "payments", "tier": "gold"} })
	edit(7, func(c *sandbox.Customer) { c.MerchantCustomerID = sp("web-1") })
	edit(5, func(c *sandbox.Customer) { c.Name = nil; c.MerchantCustomerID = nil })
	if !s.DeleteCustomer(uuids[6]) {
		t.Fatal("cannot delete customer 6")
	}
	return s, newProtoProvider(t, s), uuids
}

// TestProtocolListResource: ListResource streams the matching live
// customers newest first, paging through a sandbox that serves three per
// page, each with its identity and display name, and the resource object
// only when asked; filters combine, created_after stops early, and Terraform's
// limit stops the listing. A deleted customer is never listed, also where
// the listing includes deleted customers (the list-includes-deleted variant).
func TestProtocolListResource(t *testing.T) {
	for _, includesDeleted := range []bool{false, true} {
		t.Run(fmt.Sprintf("list includes deleted %v", includesDeleted), func(t *testing.T) {
			testProtocolListFilters(t, includesDeleted)
		})
	}
	testProtocolListCounts(t)
}

// testProtocolListFilters: what each configuration lists (no request
// counted, so the subtests share one sandbox).
func testProtocolListFilters(t *testing.T, listIncludesDeleted bool) {
	s, p, uuids := listFixture(t, sandbox.Variants{ListIncludesDeleted: listIncludesDeleted})
	mapOf := func(m map[string]string) tftypes.Value {
		vals := map[string]tftypes.Value{}
		for k, v := range m {
			vals[k] = tfStr(v)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vals)
	}
	c4, _ := s.Customer(uuids[4])
	createdAfter := c4.CreatedAt.UTC().Format(time.RFC3339Nano)

	for name, tc := range map[string]struct {
		cfg   map[string]tftypes.Value
		limit int64
		want  []int // indexes into uuids, newest first
	}{
		"everything":       {nil, 100, []int{7, 5, 4, 3, 2, 1, 0}},
		"limit":            {nil, 2, []int{7, 5}},
		"no limit":         {nil, 0, []int{7, 5, 4, 3, 2, 1, 0}},
		"prefix":           {map[string]tftypes.Value{"merchant_customer_id_prefix": tfStr("crm-0000")}, 100, []int{4, 3, 2, 1, 0}},
		"email any case":   {map[string]tftypes.Value{"email": tfStr("ana.anic@example.COM")}, 100, []int{1}},
		"name":             {map[string]tftypes.Value{"name": tfStr("Ana Anić")}, 100, []int{1}},
		"metadata":         {map[string]tftypes.Value{"metadata": mapOf(map[string]string{"team": "payments"})}, 100, []int{3, 2}},
		"metadata two":     {map[string]tftypes.Value{"metadata": mapOf(map[string]string{"team": "payments", "tier": "gold"})}, 100, []int{3}},
		"created_after":    {map[string]tftypes.Value{"created_after": tfStr(createdAfter)}, 100, []int{7, 5}},
		"combined":         {map[string]tftypes.Value{"created_after": tfStr("2000-01-01T00:00:00Z"), "merchant_customer_id_prefix": tfStr("crm-"), "metadata": mapOf(map[string]string{"tier": "gold"})}, 100, []int{3}},
		"nothing matching": {map[string]tftypes.Value{"name": tfStr("Nobody")}, 100, nil},
	} {
		t.Run(name, func(t *testing.T) {
			for _, include := range []bool{false, true} {
				results := p.list(tc.cfg, include, tc.limit)
				var got []string
				for _, r := range results {
					if len(r.Diagnostics) > 0 {
						t.Fatalf("diagnostics: %s", diagString(r.Diagnostics))
					}
					got = append(got, p.identityID(r.Identity))
					if include != (r.Resource != nil) {
						t.Fatalf("include_resource %v, but resource %v", include, r.Resource)
					}
				}
				var want []string
				for _, i := range tc.want {
					want = append(want, uuids[i])
				}
				if !slices.Equal(got, want) {
					t.Fatalf("include_resource %v: listed %v, want %v", include, got, want)
				}
			}
		})
	}

	t.Run("display names and resources", func(t *testing.T) {
		results := p.list(nil, true, 100)
		wantNames := []string{"Customer 00008 (web-1)", "customer-00006@example.com", "Customer 00005 (crm-00005)", "Customer 00004 (crm-00004)",
			"Customer 00003 (crm-00003)", "Ana Anić (crm-00002)", "Customer 00001 (crm-00001)"}
		if len(results) != len(wantNames) {
			t.Fatalf("%d results, want %d", len(results), len(wantNames))
		}
		typ := p.resourceType()
		for i, r := range results {
			if r.DisplayName != wantNames[i] {
				t.Errorf("result %d: display name %q, want %q", i, r.DisplayName, wantNames[i])
			}
		}
		// The resource object is what an import and refresh would hold.
		res := p.attrs(typ, results[3].Resource)
		c, _ := s.Customer(uuids[3])
		checks := map[string]string{"id": c.UUID, "merchant_customer_id": "crm-00004", "name": "Customer 00004",
			"email": *c.Email, "city": "Sarajevo", "country": "BA"}
		for k, want := range checks {
			if got := stringOf(t, res[k]); got != want {
				t.Errorf("resource %s = %q, want %q", k, got, want)
			}
		}
		var meta map[string]tftypes.Value
		if err := res["metadata"].As(&meta); err != nil || len(meta) != 2 || stringOf(t, meta["tier"]) != "gold" {
			t.Errorf("resource metadata %v (%v), want team and tier", meta, err)
		}
		if !res["timeouts"].IsNull() || res["created_at"].IsNull() || res["updated_at"].IsNull() || !res["phone"].IsNull() {
			t.Errorf("resource timeouts %v, created_at %v, updated_at %v, phone %v", res["timeouts"], res["created_at"], res["updated_at"], res["phone"])
		}
		imported := p.importState(c.UUID, nil)
		read := p.read(imported.ImportedResources[0].State, imported.ImportedResources[0].Identity, imported.ImportedResources[0].Private)
		readVal, err := read.NewState.Unmarshal(typ)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := results[3].Resource.Unmarshal(typ)
		if err != nil {
			t.Fatal(err)
		}
		if !listed.Equal(readVal) {
			t.Fatalf("listed resource\n%s\nimport and read\n%s", listed, readVal)
		}
	})
}

// testProtocolListCounts: the requests a listing makes, and its errors,
// each on a fresh sandbox.
func testProtocolListCounts(t *testing.T) {
	t.Run("paging", func(t *testing.T) {
		s, p, _ := listFixture(t, sandbox.Variants{})
		if n := len(p.list(nil, false, 100)); n != 7 {
			t.Fatalf("%d results, want 7", n)
		}
		// 8 customers, 3 a page: 3 pages and the empty one that ends it,
		// and pages still in flight when it came back.
		if err := dsWantPagedRequests(s, sandbox.RouteListCustomers, 4)(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("paging with a limit", func(t *testing.T) {
		s, p, _ := listFixture(t, sandbox.Variants{})
		if n := len(p.list(nil, false, 2)); n != 2 {
			t.Fatalf("%d results, want 2", n)
		}
		if n := s.RequestCount(sandbox.RouteListCustomers); n != 1 {
			t.Fatalf("%d list requests for a limit of 2, want 1", n)
		}
	})

	t.Run("stopped by Terraform", func(t *testing.T) {
		s, p, _ := listFixture(t, sandbox.Variants{})
		stream, err := p.lister().ListResource(context.Background(), &tfprotov6.ListResourceRequest{
			TypeName: "monri_customer", Config: p.listConfig(nil), Limit: 100,
		})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range stream.Results {
			n++
			break
		}
		if n != 1 || s.RequestCount(sandbox.RouteListCustomers) != 1 {
			t.Fatalf("%d results, %d requests after the consumer stopped at the first, want 1 and 1", n, s.RequestCount(sandbox.RouteListCustomers))
		}
	})

	t.Run("error", func(t *testing.T) {
		s, p, _ := listFixture(t, sandbox.Variants{})
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultStatus, Status: 403}, 1)
		results := p.list(nil, false, 100)
		if len(results) != 1 || len(results[0].Diagnostics) != 1 {
			t.Fatalf("%d results, want one with an error", len(results))
		}
		d := results[0].Diagnostics[0]
		if d.Severity != tfprotov6.DiagnosticSeverityError || d.Summary != "Unable to List Monri Customers" ||
			!regexp.MustCompile(`Monri answered HTTP 403 to GET /v2/customers.*not allowed`).MatchString(d.Detail) {
			t.Fatalf("diagnostic %s", diagString(results[0].Diagnostics))
		}
	})
}

// TestAccCustomerListResource_query runs where the Terraform CLI is 1.14 or
// later (it skips on older ones): terraform query lists the customers that
// match, with identity, display name and, with include_resource, the
// resource's attributes.
func TestAccCustomerListResource_query(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 2}})
	uuids := s.SeedCustomers(5, "crm")
	s.EditCustomer(uuids[2], func(c *sandbox.Customer) { c.Metadata = map[string]string{"team": "payments"} })
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureQuery},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Query: true,
				Config: providerConfig(s) + `
list "monri_customer" "all" {
  provider = monri
}

list "monri_customer" "payments" {
  provider         = monri
  include_resource = true

  config {
    merchant_customer_id_prefix = "crm-"
    metadata = {
      team = "payments"
    }
  }
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("monri_customer.all", 5),
					querycheck.ExpectLength("monri_customer.payments", 1),
					querycheck.ExpectIdentity("monri_customer.payments", map[string]knownvalue.Check{
						"id": knownvalue.StringExact(uuids[2]),
					}),
					querycheck.ExpectResourceDisplayName("monri_customer.payments",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(uuids[2])}),
						knownvalue.StringExact("Customer 00003 (crm-00003)")),
					querycheck.ExpectResourceKnownValues("monri_customer.payments",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(uuids[2])}),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("merchant_customer_id"), KnownValue: knownvalue.StringExact("crm-00003")},
							{Path: tfjsonpath.New("metadata").AtMapKey("team"), KnownValue: knownvalue.StringExact("payments")},
						}),
				},
			},
		},
	})
}
