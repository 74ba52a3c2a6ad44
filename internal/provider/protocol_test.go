package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The tests in this file and in customer_identity_test.go and
// customer_list_resource_test.go drive the provider server in-process
// through tfprotov6, the way Terraform calls it. They prove what the
// Terraform CLI installed here (1.11) cannot run: resource identity
// (Terraform 1.12) and list resources for terraform query (1.14).

// protoProvider is the provider server, configured against a sandbox.
type protoProvider struct {
	t      *testing.T
	srv    tfprotov6.ProviderServer
	schema *tfprotov6.GetProviderSchemaResponse
}

func newProtoProvider(t *testing.T, s *sandbox.Server) *protoProvider {
	t.Helper()
	return newProtoProviderOf(t, s, NewProtocol6(newTestProvider())())
}

// newProtoProviderOf is newProtoProvider with the given server (such as the
// framework's own, without NewProtocol6), served through protoserver.Detach.
func newProtoProviderOf(t *testing.T, s *sandbox.Server, server tfprotov6.ProviderServer) *protoProvider {
	t.Helper()
	ctx := context.Background()
	srv := protoserver.Detach(server)
	sch, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(sch.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %s", err, diagString(sch.Diagnostics))
	}
	p := &protoProvider{t: t, srv: srv, schema: sch}
	token, key := s.Credentials()
	cfg := p.object(sch.Provider.ValueType(), map[string]tftypes.Value{
		"base_url":           tftypes.NewValue(tftypes.String, s.URL()),
		"authenticity_token": tftypes.NewValue(tftypes.String, token),
		"merchant_key":       tftypes.NewValue(tftypes.String, key),
		"request_timeout":    tftypes.NewValue(tftypes.String, "5s"),
		// The tests count each read's requests; shared_listing_test.go
		// tests the shared listing.
		"share_listings": tftypes.NewValue(tftypes.Bool, false),
	})
	resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config:           p.dynamic(sch.Provider.ValueType(), cfg),
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("ConfigureProvider: %v %s", err, diagString(resp.Diagnostics))
	}
	return p
}

// object is an object of type typ with vals and null for every attribute
// vals leaves out.
func (p *protoProvider) object(typ tftypes.Type, vals map[string]tftypes.Value) tftypes.Value {
	p.t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		p.t.Fatalf("%s is not an object type", typ)
	}
	all := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, at := range obj.AttributeTypes {
		all[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range vals {
		if _, ok := obj.AttributeTypes[name]; !ok {
			p.t.Fatalf("%s has no attribute %q", typ, name)
		}
		all[name] = v
	}
	return tftypes.NewValue(typ, all)
}

func (p *protoProvider) dynamic(typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		p.t.Fatalf("NewDynamicValue: %v", err)
	}
	return &dv
}

// attrs decodes a dynamic value of type typ into its attributes (nil when
// the value is null).
func (p *protoProvider) attrs(typ tftypes.Type, dv *tfprotov6.DynamicValue) map[string]tftypes.Value {
	p.t.Helper()
	if dv == nil {
		p.t.Fatal("no value")
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		p.t.Fatalf("decoding a %s: %v", typ, err)
	}
	if v.IsNull() {
		return nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		p.t.Fatal(err)
	}
	return m
}

func (p *protoProvider) resourceType() tftypes.Type {
	return p.schema.ResourceSchemas["monri_customer"].ValueType()
}

func (p *protoProvider) identityType() tftypes.Type {
	p.t.Helper()
	resp, err := p.srv.GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Fatalf("GetResourceIdentitySchemas: %v %s", err, diagString(resp.Diagnostics))
	}
	return resp.IdentitySchemas["monri_customer"].ValueType()
}

// identity is a monri_customer identity for the protocol.
func (p *protoProvider) identity(uuid string) *tfprotov6.ResourceIdentityData {
	typ := p.identityType()
	return &tfprotov6.ResourceIdentityData{IdentityData: p.dynamic(typ, tftypes.NewValue(typ, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, uuid),
	}))}
}

// identityID is the id in an identity, "" when there is none.
func (p *protoProvider) identityID(id *tfprotov6.ResourceIdentityData) string {
	p.t.Helper()
	if id == nil || id.IdentityData == nil {
		return ""
	}
	m := p.attrs(p.identityType(), id.IdentityData)
	return stringOf(p.t, m["id"])
}

func stringOf(t *testing.T, v tftypes.Value) string {
	t.Helper()
	if v.IsNull() {
		return ""
	}
	var s string
	if err := v.As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagString(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Severity.String() + ": " + d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}
