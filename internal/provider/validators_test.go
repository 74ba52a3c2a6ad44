package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// badUTF8 is a value with a byte that does not begin a UTF-8 character (a
// Windows-1250 "č"), as TF_VAR_name can carry.
const badUTF8 = "Ta\xe8ka"

// providerSchemas returns every schema the provider serves, by a name such as
// "resource monri_customer": the provider block, resources, data sources,
// ephemeral resources, list resources and actions. Each is a schema struct of
// its kind's schema package.
func providerSchemas(t *testing.T) map[string]any {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	out := map[string]any{}
	var ps provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &ps)
	out["provider"] = ps.Schema
	meta := resource.MetadataRequest{ProviderTypeName: "monri"}
	for _, f := range p.Resources(ctx) {
		r := f()
		var m resource.MetadataResponse
		r.Metadata(ctx, meta, &m)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		out["resource "+m.TypeName] = s.Schema
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var m datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "monri"}, &m)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		out["data "+m.TypeName] = s.Schema
	}
	if pe, ok := p.(provider.ProviderWithEphemeralResources); ok {
		for _, f := range pe.EphemeralResources(ctx) {
			e := f()
			var m ephemeral.MetadataResponse
			e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "monri"}, &m)
			var s ephemeral.SchemaResponse
			e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
			out["ephemeral "+m.TypeName] = s.Schema
		}
	}
	if pl, ok := p.(provider.ProviderWithListResources); ok {
		for _, f := range pl.ListResources(ctx) {
			l := f()
			var m resource.MetadataResponse
			l.Metadata(ctx, meta, &m)
			var s list.ListResourceSchemaResponse
			l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &s)
			out["list "+m.TypeName] = s.Schema
		}
	}
	if pa, ok := p.(provider.ProviderWithActions); ok {
		for _, f := range pa.Actions(ctx) {
			a := f()
			var m action.MetadataResponse
			a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "monri"}, &m)
			var s action.SchemaResponse
			a.Schema(ctx, action.SchemaRequest{}, &s)
			out["action "+m.TypeName] = s.Schema
		}
	}
	return out
}

// walkAttributes calls visit with every attribute of a schema, block or
// nested object (any kind's schema package), nested ones included, and its
// path. It reads the Attributes, Blocks and NestedObject fields by
// reflection, so that one walk serves every kind of schema.
func walkAttributes(v reflect.Value, at path.Path, visit func(path.Path, any)) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	child := func(name string) path.Path {
		if at.Equal(path.Empty()) {
			return path.Root(name)
		}
		return at.AtName(name)
	}
	if f := v.FieldByName("Attributes"); f.IsValid() && f.Kind() == reflect.Map {
		for _, k := range f.MapKeys() {
			a := f.MapIndex(k)
			p := child(k.String())
			visit(p, a.Interface())
			if n := reflect.Indirect(a.Elem()).FieldByName("NestedObject"); n.IsValid() {
				walkAttributes(n, p.AtListIndex(0), visit)
			}
		}
	}
	if f := v.FieldByName("Blocks"); f.IsValid() && f.Kind() == reflect.Map {
		for _, k := range f.MapKeys() {
			b := f.MapIndex(k)
			p := child(k.String())
			walkAttributes(b, p, visit)
			if n := reflect.Indirect(b.Elem()).FieldByName("NestedObject"); n.IsValid() {
				walkAttributes(n, p.AtListIndex(0), visit)
			}
		}
	}
}

// checkUTF8Diags checks that diags refuse the bad value with the provider's
// validUTF8 error, on the attribute, without quoting the value, and that
// every diagnostic's path (any validator's) can cross Terraform's protocol,
// whose strings must be UTF-8: a map key that is not turns the whole answer
// into "Plugin error ... string field contains invalid UTF-8".
func checkUTF8Diags(what string, attrPath path.Path, diags diag.Diagnostics) error {
	for _, d := range diags {
		if dp, ok := d.(diag.DiagnosticWithPath); ok && !utf8Path(dp.Path()).Equal(dp.Path()) {
			return fmt.Errorf("%s: a diagnostic's path %s is not UTF-8 and cannot be sent to Terraform", what, dp.Path())
		}
	}
	for _, d := range diags.Errors() {
		if d.Summary() != "Invalid UTF-8" {
			continue
		}
		// The framework writes a map key or set element into the path that
		// names it; past the path, the value (perhaps a secret) is never quoted.
		named, rest, ok := strings.Cut(d.Detail(), " value must be valid UTF-8")
		if !ok || !strings.HasPrefix(named, "Attribute "+attrPath.String()) {
			return fmt.Errorf("%s: the error does not name the attribute %s: %s", what, attrPath, d.Detail())
		}
		if strings.Contains(rest, badUTF8) || strings.Contains(rest, strings.Trim(fmt.Sprintf("%q", badUTF8), `"`)) {
			return fmt.Errorf("%s: the error quotes the value: %s", what, d.Detail())
		}
		return nil
	}
	return fmt.Errorf("%s: no \"Invalid UTF-8\" error; diagnostics: %v", what, diags)
}

// TestEveryStringAttributeRefusesInvalidUTF8 walks every schema of the
// provider and runs each configurable attribute's own validators on a value
// that is not UTF-8: every string attribute, every map key and value and every
// set or list element of type string must be refused with the validUTF8
// error naming it. A new attribute without validUTF8() fails here, and so
// does an attribute of a shape this walk does not know how to check.
func TestEveryStringAttributeRefusesInvalidUTF8(t *testing.T) {
	ctx := context.Background()
	var checked []string
	for name, s := range providerSchemas(t) {
		walkAttributes(reflect.ValueOf(s), path.Empty(), func(p path.Path, a any) {
			where := name + "." + p.String()
			fa, ok := a.(interface {
				IsRequired() bool
				IsOptional() bool
				GetType() attr.Type
			})
			if !ok {
				t.Errorf("%s: %T is not a schema attribute", where, a)
				return
			}
			if !fa.IsRequired() && !fa.IsOptional() {
				return // computed only: never configured
			}
			typ := fa.GetType().TerraformType(ctx)
			var errs []error
			switch {
			case typ.Is(tftypes.String):
				sv, ok := a.(interface{ StringValidators() []validator.String })
				if !ok {
					t.Errorf("%s: string attribute %T has no string validators", where, a)
					return
				}
				req := validator.StringRequest{Path: p, PathExpression: p.Expression(), ConfigValue: types.StringValue(badUTF8)}
				var resp validator.StringResponse
				for _, v := range sv.StringValidators() {
					v.ValidateString(ctx, req, &resp)
				}
				errs = append(errs, checkUTF8Diags(where, p, resp.Diagnostics))
			case typ.Is(tftypes.Map{ElementType: tftypes.String}):
				mv, ok := a.(interface{ MapValidators() []validator.Map })
				if !ok {
					t.Errorf("%s: map attribute %T has no map validators", where, a)
					return
				}
				for what, m := range map[string]map[string]attr.Value{
					"a key":   {badUTF8: types.StringValue("ok")},
					"a value": {"ok": types.StringValue(badUTF8)},
				} {
					req := validator.MapRequest{Path: p, PathExpression: p.Expression(), ConfigValue: types.MapValueMust(types.StringType, m)}
					var resp validator.MapResponse
					for _, v := range mv.MapValidators() {
						v.ValidateMap(ctx, req, &resp)
					}
					errs = append(errs, checkUTF8Diags(where+" ("+what+" not UTF-8)", p, resp.Diagnostics))
				}
			case typ.Is(tftypes.Set{ElementType: tftypes.String}):
				sv, ok := a.(interface{ SetValidators() []validator.Set })
				if !ok {
					t.Errorf("%s: set attribute %T has no set validators", where, a)
					return
				}
				req := validator.SetRequest{Path: p, PathExpression: p.Expression(),
					ConfigValue: types.SetValueMust(types.StringType, []attr.Value{types.StringValue(badUTF8)})}
				var resp validator.SetResponse
				for _, v := range sv.SetValidators() {
					v.ValidateSet(ctx, req, &resp)
				}
				errs = append(errs, checkUTF8Diags(where, p, resp.Diagnostics))
			case typ.Is(tftypes.List{ElementType: tftypes.String}):
				lv, ok := a.(interface{ ListValidators() []validator.List })
				if !ok {
					t.Errorf("%s: list attribute %T has no list validators", where, a)
					return
				}
				req := validator.ListRequest{Path: p, PathExpression: p.Expression(),
					ConfigValue: types.ListValueMust(types.StringType, []attr.Value{types.StringValue(badUTF8)})}
				var resp validator.ListResponse
				for _, v := range lv.ListValidators() {
					v.ValidateList(ctx, req, &resp)
				}
				errs = append(errs, checkUTF8Diags(where, p, resp.Diagnostics))
			case typ.Is(tftypes.Bool), typ.Is(tftypes.Number):
				return
			default:
				if _, nested := reflect.Indirect(reflect.ValueOf(a)).Type().FieldByName("NestedObject"); nested {
					return // its attributes are walked one by one
				}
				t.Errorf("%s: a configurable attribute of type %s, which this test does not know how to check for invalid UTF-8; "+
					"teach it, so that no string in it escapes validUTF8()", where, typ)
				return
			}
			for _, err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			checked = append(checked, where)
		})
	}
	slices.Sort(checked)
	t.Logf("checked %d attributes: %s", len(checked), strings.Join(checked, ", "))
	// The walk must reach every kind of schema and nested blocks; a walk
	// that silently finds nothing must not pass.
	for _, want := range []string{
		"provider.merchant_key", "provider.environment",
		"resource monri_customer.name", "resource monri_customer.email", "resource monri_customer.metadata",
		"resource monri_customer.timeouts.create",
		"data monri_customer.id", "data monri_customer.merchant_customer_id", "data monri_customer.email",
		"data monri_customers.metadata", "data monri_customer_payment_methods.customer_id",
		"ephemeral monri_access_token.scopes",
		"list monri_customer.merchant_customer_id_prefix",
		"action monri_delete_customers.email", "action monri_delete_customers.metadata",
		"data monri_customers.timeouts.read", "provider.default_metadata", "provider.ignore_metadata_keys",
	} {
		if !slices.Contains(checked, want) {
			t.Errorf("the walk did not check %s", want)
		}
	}
}

func TestValidUTF8Validator(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		in   types.String
		want string // "" for no error
	}{
		{types.StringNull(), ""},
		{types.StringUnknown(), ""},
		{types.StringValue(""), ""},
		{types.StringValue("Čačak – Ђурђевдан \uFFFD"), ""}, // a real U+FFFD is valid UTF-8
		{types.StringValue("\xff"), "byte 1 of its 1 bytes"},
		{types.StringValue("Ta\xe8ka"), "byte 3 of its 5 bytes"},
		{types.StringValue("ok\xc4"), "byte 3 of its 3 bytes"},       // cut in the middle of "č"
		{types.StringValue("\xed\xa0\x80"), "byte 1 of its 3 bytes"}, // a UTF-16 surrogate, not UTF-8
	} {
		var resp validator.StringResponse
		validUTF8().ValidateString(ctx, validator.StringRequest{Path: path.Root("name"), ConfigValue: tc.in}, &resp)
		switch {
		case tc.want == "" && resp.Diagnostics.HasError():
			t.Errorf("%q: unexpected error %v", tc.in.ValueString(), resp.Diagnostics)
		case tc.want != "" && (!resp.Diagnostics.HasError() ||
			!strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "Attribute name value must be valid UTF-8 text, but "+tc.want)):
			t.Errorf("%q: diagnostics %v, want an error saying %q", tc.in.ValueString(), resp.Diagnostics, tc.want)
		}
	}
}

func TestPathSegmentValidator(t *testing.T) {
	ctx := context.Background()
	for in, refused := range map[string]bool{".": true, "..": true, "...": false, "a.b": false, "./x": false, "%2E": false, "": false} {
		var resp validator.StringResponse
		pathSegment("it is sent in a URL path").ValidateString(ctx,
			validator.StringRequest{Path: path.Root("customer_id"), ConfigValue: types.StringValue(in)}, &resp)
		if resp.Diagnostics.HasError() != refused {
			t.Errorf("%q: diagnostics %v, want refused %v", in, resp.Diagnostics, refused)
			continue
		}
		if refused {
			want := fmt.Sprintf("Attribute customer_id value must not be %q: it is sent in a URL path", in)
			if d := resp.Diagnostics.Errors()[0]; d.Summary() != "Invalid Identifier" || !strings.HasPrefix(d.Detail(), want) {
				t.Errorf("%q: %q %q, want Invalid Identifier starting %q", in, d.Summary(), d.Detail(), want)
			}
		}
	}
}
