package provider

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// fullCustomerModel has every field set (checked below), so that a field
// added to the model but not to attributes() cannot go unnoticed.
func fullCustomerModel() customerModel {
	return customerModel{
		ID:                 types.StringValue("4b281da4-d145-4233-b957-2018cf9aa0fb"),
		MerchantCustomerID: types.StringValue("acc-full/1 é"),
		Description:        types.StringValue("description"),
		Email:              newEmailValue("Full@Example.com"),
		Name:               types.StringValue("Full Name"),
		Phone:              types.StringValue("+387 61 000 000"),
		Metadata:           types.MapValueMust(types.StringType, map[string]attr.Value{"a": types.StringValue("1"), "b": types.StringValue("")}),
		ZipCode:            types.StringValue("71000"),
		City:               types.StringValue("Sarajevo"),
		Address:            types.StringValue("Address 1"),
		Country:            types.StringValue("BA"),
		CreatedAt:          types.StringValue("2026-11-21T10:00:00Z"),
		UpdatedAt:          types.StringValue("2026-11-21T11:00:00Z"),
	}
}

// fullResourceModel is fullCustomerModel with every timeout set.
func fullResourceModel() customerResourceModel {
	t := map[string]attr.Value{}
	for _, op := range customerTimeoutOps {
		t[op] = types.StringValue("2m")
	}
	m := fullCustomerModel()
	return customerResourceModel{customerModel: m, MetadataAll: m.Metadata,
		Timeouts: timeouts.Value{Object: types.ObjectValueMust(customerTimeoutsType().AttrTypes, t)}}
}

// TestCustomerModelAttributes: attributes() names exactly the model's tfsdk
// fields and the schema's attributes and blocks, in both directions.
func TestCustomerModelAttributes(t *testing.T) {
	var tags []string
	var fields []reflect.StructField
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			tags = append(tags, f.Tag.Get("tfsdk"))
			fields = append(fields, f)
		}
	}
	walk(reflect.TypeFor[customerResourceModel]())
	var m customerResourceModel
	var names []string
	for _, a := range m.attributes() {
		names = append(names, a.name)
	}
	var schemaNames []string
	for name := range CustomerResourceSchema().Attributes {
		schemaNames = append(schemaNames, name)
	}
	for name := range CustomerResourceSchema().Blocks {
		schemaNames = append(schemaNames, name)
	}
	slices.Sort(tags)
	slices.Sort(names)
	slices.Sort(schemaNames)
	if !slices.Equal(tags, names) || !slices.Equal(names, schemaNames) {
		t.Fatalf("model tags %v\nattributes() %v\nschema %v\nmust name the same attributes", tags, names, schemaNames)
	}
	full := reflect.ValueOf(fullResourceModel())
	for _, f := range fields {
		v, ok := full.FieldByName(f.Name).Interface().(attr.Value)
		if !ok {
			t.Fatalf("field %s is not an attr.Value", f.Name)
		}
		if v.IsNull() || v.IsUnknown() {
			t.Errorf("fullResourceModel leaves %s unset", f.Name)
		}
	}
}

// TestCustomerModelTerraform: customerFromTerraform and terraformValue agree
// with tfsdk's reflection-based Get and Set on every kind of value (set,
// null, unknown, empty and non-empty metadata).
func TestCustomerModelTerraform(t *testing.T) {
	ctx := context.Background()
	schema := CustomerResourceSchema()

	nulls := customerModel{
		ID: types.StringNull(), MerchantCustomerID: types.StringNull(), Description: types.StringNull(),
		Email: newEmailNull(), Name: types.StringNull(), Phone: types.StringNull(), Metadata: types.MapNull(types.StringType),
		ZipCode: types.StringNull(), City: types.StringNull(), Address: types.StringNull(), Country: types.StringNull(),
		CreatedAt: types.StringNull(), UpdatedAt: types.StringNull(),
	}
	planned := fullCustomerModel() // a create plan: computed attributes unknown
	planned.ID, planned.CreatedAt, planned.UpdatedAt = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	planned.Metadata = types.MapValueMust(types.StringType, map[string]attr.Value{})
	unknowns := nulls
	unknowns.Email = emailValue{StringValue: types.StringUnknown()}
	unknowns.Metadata = types.MapUnknown(types.StringType)
	mixed := nulls
	mixed.ID, mixed.Name, mixed.Country = types.StringValue("u"), types.StringValue("N"), types.StringValue("HR")

	noTimeouts := customerTimeoutsNull()
	someTimeouts := timeouts.Value{Object: types.ObjectValueMust(customerTimeoutsType().AttrTypes, map[string]attr.Value{
		"create": types.StringValue("90s"), "read": types.StringNull(), "update": types.StringNull(), "delete": types.StringValue("1h"),
	})}
	unknownTimeouts := timeouts.Value{Object: types.ObjectUnknown(customerTimeoutsType().AttrTypes)}
	for name, m := range map[string]customerResourceModel{
		"full":     fullResourceModel(),
		"nulls":    {customerModel: nulls, MetadataAll: types.MapNull(types.StringType), Timeouts: noTimeouts},
		"planned":  {customerModel: planned, MetadataAll: types.MapValueMust(types.StringType, map[string]attr.Value{}), Timeouts: someTimeouts},
		"unknowns": {customerModel: unknowns, MetadataAll: types.MapUnknown(types.StringType), Timeouts: unknownTimeouts},
		"mixed":    {customerModel: mixed, MetadataAll: fullCustomerModel().Metadata, Timeouts: noTimeouts},
	} {
		t.Run(name, func(t *testing.T) {
			ref := tfsdk.State{Schema: schema}
			if d := ref.Set(ctx, &m); d.HasError() {
				t.Fatalf("tfsdk Set: %v", d)
			}
			got, d := m.terraformValue(ctx)
			if d.HasError() {
				t.Fatalf("terraformValue: %v", d)
			}
			if !got.Equal(ref.Raw) {
				t.Fatalf("terraformValue\n%s\ntfsdk Set\n%s", got, ref.Raw)
			}

			var want customerResourceModel
			if d := ref.Get(ctx, &want); d.HasError() {
				t.Fatalf("tfsdk Get: %v", d)
			}
			back, d := customerFromTerraform(ctx, ref.Raw)
			if d.HasError() {
				t.Fatalf("customerFromTerraform: %v", d)
			}
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("customerFromTerraform\n%+v\ntfsdk Get\n%+v", back, want)
			}
			if !reflect.DeepEqual(back, m) {
				t.Fatalf("round trip changed the model\n%+v\nwant\n%+v", back, m)
			}

			var st tfsdk.State
			if d := setCustomerState(ctx, &st, m); d.HasError() || !st.Raw.Equal(ref.Raw) {
				t.Fatalf("setCustomerState: %v, %s", d, st.Raw)
			}
		})
	}
}

// TestCustomerModelTerraformErrors: data of the wrong shape is a diagnostic
// that says it is a provider bug, never a panic.
func TestCustomerModelTerraformErrors(t *testing.T) {
	ctx := context.Background()
	full, d := fullResourceModel().terraformValue(ctx)
	if d.HasError() {
		t.Fatal(d)
	}
	var attrs map[string]tftypes.Value
	if err := full.As(&attrs); err != nil {
		t.Fatal(err)
	}
	missing := map[string]tftypes.Value{}
	missingTypes := map[string]tftypes.Type{}
	for k, v := range attrs {
		if k != "city" {
			missing[k] = v
			missingTypes[k] = v.Type()
		}
	}
	wrongTypes := map[string]tftypes.Type{}
	wrong := map[string]tftypes.Value{}
	for k, v := range attrs {
		wrong[k], wrongTypes[k] = v, v.Type()
	}
	wrong["metadata"], wrongTypes["metadata"] = tftypes.NewValue(tftypes.String, "x"), tftypes.String

	for name, tc := range map[string]struct {
		raw  tftypes.Value
		want string
	}{
		"not an object":     {tftypes.NewValue(tftypes.String, "x"), "reading"},
		"missing attribute": {tftypes.NewValue(tftypes.Object{AttributeTypes: missingTypes}, missing), `attribute "city" is missing`},
		"wrong type":        {tftypes.NewValue(tftypes.Object{AttributeTypes: wrongTypes}, wrong), `attribute "metadata"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, d := customerFromTerraform(ctx, tc.raw)
			if !d.HasError() {
				t.Fatal("no error")
			}
			msg := d[0].Summary() + ": " + d[0].Detail()
			if !strings.Contains(msg, "Provider Bug") || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "please report it") {
				t.Fatalf("error %q, want it to name %q and say it is a provider bug", msg, tc.want)
			}
		})
	}
}

// TestCustomersStateValue: the monri_customers state built without reflection
// equals what tfsdk's Set makes of the same model, for no customers, and for
// a full, a minimal and a deleted customer.
func TestCustomersStateValue(t *testing.T) {
	ctx := context.Background()
	var sresp datasource.SchemaResponse
	NewCustomersDataSource().Schema(ctx, datasource.SchemaRequest{}, &sresp)
	schema := sresp.Schema
	stateType := schema.Type().TerraformType(ctx)

	deletedAt := "2026-11-21T12:00:00Z"
	full := monri.Customer{UUID: "u-full", MerchantCustomerID: sp("m"), Description: sp("d"), Email: sp("A@b.c"), Name: sp("N"),
		Phone: sp("1"), ZipCode: sp("71000"), City: sp("Sarajevo"), Address: sp("Address 1"), Country: sp("BA"),
		Metadata: map[string]string{"k": "v"}, CreatedAt: "2026-11-21T10:00:00Z", UpdatedAt: "2026-11-21T11:00:00Z"}
	minimal := monri.Customer{UUID: "u-min", Metadata: map[string]string{}, CreatedAt: "2026-11-21T10:00:00Z"}
	deleted := monri.Customer{UUID: "u-del", Name: sp(""), Deleted: true, DeletedAt: &deletedAt, CreatedAt: "2026-11-21T09:00:00Z"}

	for name, tc := range map[string]struct {
		maxItems types.Int64
		include  types.Bool
		custs    []monri.Customer
	}{
		"none":  {types.Int64Null(), types.BoolNull(), nil},
		"three": {types.Int64Value(5), types.BoolValue(true), []monri.Customer{full, minimal, deleted}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := tfsdk.Config{Schema: schema}
			cfgModel := customersDataSourceModel{MaxItems: tc.maxItems, IncludeDeleted: tc.include, Timeouts: dataSourceTimeoutsNull()}
			st := tfsdk.State{Schema: schema}
			if d := st.Set(ctx, &cfgModel); d.HasError() {
				t.Fatal(d)
			}
			cfg.Raw = st.Raw // the configuration: customers is null (computed)

			want := cfgModel
			want.Customers = make([]customerDataModel, 0, len(tc.custs))
			for i := range tc.custs {
				want.Customers = append(want.Customers, customerDataFromAPI(&tc.custs[i]))
			}
			ref := tfsdk.State{Schema: schema}
			if d := ref.Set(ctx, &want); d.HasError() {
				t.Fatal(d)
			}
			got, err := customersStateValue(ctx, stateType, cfg.Raw, tc.custs)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(ref.Raw) {
				t.Fatalf("customersStateValue\n%s\ntfsdk Set\n%s", got, ref.Raw)
			}
		})
	}

	if _, err := customersStateValue(ctx, tftypes.String, tftypes.NewValue(tftypes.String, "x"), nil); err == nil {
		t.Fatal("a state type that is not an object must be an error")
	}
}

// TestCustomerDataTerraform: the monri_customer data source reads its lookup
// keys and writes its state as tfsdk's Get and Set do.
func TestCustomerDataTerraform(t *testing.T) {
	ctx := context.Background()
	var sresp datasource.SchemaResponse
	NewCustomerDataSource().Schema(ctx, datasource.SchemaRequest{}, &sresp)
	schema := sresp.Schema
	if !customerDataObjectType().Equal(schema.Type().TerraformType(ctx)) {
		t.Fatalf("customerDataObjectType is %s, the schema's type %s", customerDataObjectType(), schema.Type().TerraformType(ctx))
	}

	deletedAt := "2026-11-21T12:00:00Z"
	for name, c := range map[string]monri.Customer{
		"full": {UUID: "u-full", MerchantCustomerID: sp("m"), Description: sp("d"), Email: sp("A@b.c"), Name: sp("N"),
			Phone: sp("1"), ZipCode: sp("71000"), City: sp("Sarajevo"), Address: sp("Address 1"), Country: sp("BA"),
			Metadata: map[string]string{"k": "v"}, CreatedAt: "2026-11-21T10:00:00Z", UpdatedAt: "2026-11-21T11:00:00Z"},
		"minimal": {UUID: "u-min", Metadata: map[string]string{}, CreatedAt: "2026-11-21T10:00:00Z"},
		"deleted": {UUID: "u-del", Name: sp(""), Deleted: true, DeletedAt: &deletedAt, CreatedAt: "2026-11-21T09:00:00Z"},
	} {
		t.Run(name, func(t *testing.T) {
			m := customerDataSourceModel{customerDataFromAPI(&c), dataSourceTimeoutsNull()}
			ref := tfsdk.State{Schema: schema}
			if d := ref.Set(ctx, &m); d.HasError() {
				t.Fatal(d)
			}
			got, d := m.terraformValue(ctx)
			if d.HasError() {
				t.Fatal(d)
			}
			if !got.Equal(ref.Raw) {
				t.Fatalf("terraformValue\n%s\ntfsdk Set\n%s", got, ref.Raw)
			}

			// Read back as a configuration: the lookup keys are tfsdk Get's.
			var want customerDataSourceModel
			if d := (tfsdk.Config{Schema: schema, Raw: ref.Raw}).Get(ctx, &want); d.HasError() {
				t.Fatal(d)
			}
			keys, d := customerLookupFromTerraform(ctx, ref.Raw)
			if d.HasError() {
				t.Fatal(d)
			}
			if !keys.ID.Equal(want.ID) || !keys.MerchantCustomerID.Equal(want.MerchantCustomerID) || !keys.Email.Equal(want.Email) {
				t.Fatalf("lookup keys %v %v %v, tfsdk Get %v %v %v", keys.ID, keys.MerchantCustomerID, keys.Email,
					want.ID, want.MerchantCustomerID, want.Email)
			}
		})
	}
	if _, d := customerLookupFromTerraform(ctx, tftypes.NewValue(tftypes.String, "x")); !d.HasError() {
		t.Fatal("a configuration that is not an object must be an error")
	}
}
