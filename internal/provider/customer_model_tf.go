package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The monri_customer resource converts its plan and state to and from
// customerResourceModel here rather than with tfsdk's Get and Set. Those reflect over
// the struct on every call (and compile a regular expression for every field
// name, in terraform-plugin-framework v1.19), which made them a tenth of the
// provider's CPU time in `make bench`; this is a table walk. The
// monri_customers data source writes its (possibly thousands of) customers
// the same way, and the monri_customer data source reads its lookup keys and
// writes its customer so too (Get and Set were half of that ReadDataSource's
// allocations, BenchmarkRPC); the other data sources keep using Get and Set.
// TestCustomerModelTerraform, TestCustomerDataTerraform and
// TestCustomersStateValue check that both ways give identical values, field
// for field.

// modelAttr is one attribute of customerModel: its schema name and how to
// read and write the field.
type modelAttr struct {
	name string
	get  func(context.Context) (tftypes.Value, error)
	set  func(context.Context, tftypes.Value) error
}

func attrOf[T attr.Value](name string, typ attr.Type, field *T) modelAttr {
	return modelAttr{
		name: name,
		get:  func(ctx context.Context) (tftypes.Value, error) { return (*field).ToTerraformValue(ctx) },
		set: func(ctx context.Context, v tftypes.Value) error {
			av, err := typ.ValueFromTerraform(ctx, v)
			if err != nil {
				return err
			}
			t, ok := av.(T)
			if !ok {
				return fmt.Errorf("got a %T, want a %T", av, *field)
			}
			*field = t
			return nil
		},
	}
}

// customerResourceModel is the monri_customer resource's plan and state: the
// customer, metadata_all (metadata_plan_modifier.go) and the resource's
// timeouts block.
type customerResourceModel struct {
	customerModel
	MetadataAll types.Map      `tfsdk:"metadata_all"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// attributes lists every attribute and block of the monri_customer schema
// with its field.
func (m *customerResourceModel) attributes() []modelAttr {
	return append(m.customerModel.attributes(),
		attrOf("metadata_all", types.MapType{ElemType: types.StringType}, &m.MetadataAll),
		attrOf("timeouts", customerTimeoutsType(), &m.Timeouts))
}

// attributes lists every attribute of a customer with its field.
func (m *customerModel) attributes() []modelAttr {
	metadataType := types.MapType{ElemType: types.StringType}
	return []modelAttr{
		attrOf("id", types.StringType, &m.ID),
		attrOf("merchant_customer_id", types.StringType, &m.MerchantCustomerID),
		attrOf("description", types.StringType, &m.Description),
		attrOf("email", emailType{}, &m.Email),
		attrOf("name", types.StringType, &m.Name),
		attrOf("phone", types.StringType, &m.Phone),
		attrOf("metadata", metadataType, &m.Metadata),
		attrOf("zip_code", types.StringType, &m.ZipCode),
		attrOf("city", types.StringType, &m.City),
		attrOf("address", types.StringType, &m.Address),
		attrOf("country", types.StringType, &m.Country),
		attrOf("created_at", types.StringType, &m.CreatedAt),
		attrOf("updated_at", types.StringType, &m.UpdatedAt),
	}
}

// customerObjectType is the Terraform type of a monri_customer object.
var customerObjectType = sync.OnceValue(func() tftypes.Type {
	return CustomerResourceSchema().Type().TerraformType(context.Background())
})

// customerFromTerraform reads a monri_customer plan or state (req.Plan.Raw,
// req.State.Raw).
func customerFromTerraform(ctx context.Context, raw tftypes.Value) (customerResourceModel, diag.Diagnostics) {
	var m customerResourceModel
	diags := readAttributes(ctx, raw, m.attributes())
	return m, diags
}

// customerKeyFromTerraform reads only what a delete needs of a monri_customer
// state: its id and its timeouts block (customerFromTerraform converts all 14,
// a third of the RPC's allocations beyond the baseline's).
func customerKeyFromTerraform(ctx context.Context, raw tftypes.Value) (customerResourceModel, diag.Diagnostics) {
	var m customerResourceModel
	diags := readAttributes(ctx, raw, []modelAttr{
		attrOf("id", types.StringType, &m.ID),
		attrOf("timeouts", customerTimeoutsType(), &m.Timeouts),
	})
	return m, diags
}

// customerLookupFromTerraform reads the monri_customer data source's lookup
// keys (id, merchant_customer_id, email) from its configuration.
func customerLookupFromTerraform(ctx context.Context, raw tftypes.Value) (customerDataSourceModel, diag.Diagnostics) {
	m := customerDataSourceModel{Timeouts: dataSourceTimeoutsNull()}
	diags := readAttributes(ctx, raw, []modelAttr{
		attrOf("id", types.StringType, &m.ID),
		attrOf("merchant_customer_id", types.StringType, &m.MerchantCustomerID),
		attrOf("email", emailType{}, &m.Email),
		attrOf("timeouts", dataSourceTimeoutsType(), &m.Timeouts),
	})
	return m, diags
}

// customerDataObjectType is the Terraform type of the monri_customer data
// source.
var customerDataObjectType = sync.OnceValue(func() tftypes.Type {
	var resp datasource.SchemaResponse
	(&customerDataSource{}).Schema(context.Background(), datasource.SchemaRequest{}, &resp)
	return resp.Schema.Type().TerraformType(context.Background())
})

// terraformValue is the model as the monri_customer data source's state.
func (m customerDataSourceModel) terraformValue(ctx context.Context) (tftypes.Value, diag.Diagnostics) {
	v, err := objectValue(ctx, customerDataObjectType(), append(m.attributes(), attrOf("timeouts", dataSourceTimeoutsType(), &m.Timeouts)))
	if err != nil {
		return tftypes.Value{}, modelBug("writing", err)
	}
	return v, nil
}

// readAttributes sets each of attrs from the object raw.
func readAttributes(ctx context.Context, raw tftypes.Value, attrs []modelAttr) diag.Diagnostics {
	var vals map[string]tftypes.Value
	if err := raw.As(&vals); err != nil {
		return modelBug("reading", err)
	}
	for _, a := range attrs {
		v, ok := vals[a.name]
		if !ok {
			return modelBug("reading", fmt.Errorf("attribute %q is missing", a.name))
		}
		if err := a.set(ctx, v); err != nil {
			return modelBug("reading", fmt.Errorf("attribute %q: %w", a.name, err))
		}
	}
	return nil
}

// terraformValue is the model as a monri_customer object, for resp.State.Raw.
func (m customerResourceModel) terraformValue(ctx context.Context) (tftypes.Value, diag.Diagnostics) {
	v, err := objectValue(ctx, customerObjectType(), m.attributes())
	if err != nil {
		return tftypes.Value{}, modelBug("writing", err)
	}
	return v, nil
}

// objectValue builds an object of type typ from attrs.
func objectValue(ctx context.Context, typ tftypes.Type, attrs []modelAttr) (tftypes.Value, error) {
	vals := make(map[string]tftypes.Value, len(attrs))
	for _, a := range attrs {
		v, err := a.get(ctx)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("attribute %q: %w", a.name, err)
		}
		vals[a.name] = v
	}
	if err := tftypes.ValidateValue(typ, vals); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(typ, vals), nil
}

// attributes lists every attribute of a customer in the data sources.
func (m *customerDataModel) attributes() []modelAttr {
	return append(m.customerModel.attributes(),
		attrOf("deleted", types.BoolType, &m.Deleted),
		attrOf("deleted_at", types.StringType, &m.DeletedAt))
}

// setCustomerState replaces a monri_customer state with the model.
func setCustomerState(ctx context.Context, st *tfsdk.State, m customerResourceModel) diag.Diagnostics {
	v, diags := m.terraformValue(ctx)
	if !diags.HasError() {
		st.Raw = v
	}
	return diags
}

func modelBug(doing string, err error) diag.Diagnostics {
	var d diag.Diagnostics
	d.AddError("Provider Bug: Customer Data Mismatch",
		fmt.Sprintf("The provider failed %s the customer's Terraform data: %s. This is a bug in the provider; please report it.", doing, err))
	return d
}
