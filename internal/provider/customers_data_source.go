package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ datasource.DataSource              = &customersDataSource{}
	_ datasource.DataSourceWithConfigure = &customersDataSource{}
)

// NewCustomersDataSource returns the monri_customers data source.
func NewCustomersDataSource() datasource.DataSource {
	return &customersDataSource{}
}

type customersDataSource struct {
	client *monri.Client
}

type customersDataSourceModel struct {
	MaxItems       types.Int64         `tfsdk:"max_items"`
	IncludeDeleted types.Bool          `tfsdk:"include_deleted"`
	Customers      []customerDataModel `tfsdk:"customers"`
}

func (d *customersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customers"
}

func (d *customersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the merchant's Monri customers, newest first.\n\n" +
			"The listing pages through `GET /v2/customers` until Monri returns an empty page, so it is complete even when " +
			"Monri caps the page size; a customer seen twice (one created while paging shifts the pages) is listed once. " +
			"Every page is one request: for large accounts, set `max_items` to read only the newest customers.",
		Attributes: map[string]schema.Attribute{
			"max_items": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "The largest number of customers to return: the newest `max_items` customers (after " +
					"`include_deleted` filtering). At least 1. Unset returns every customer.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"include_deleted": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to list customers Monri reports as deleted (with `deleted = true`). " +
					"Defaults to `false`: deleted customers are left out whether or not Monri's listing includes them. " +
					"With `true`, deleted customers appear only if Monri's listing returns them (Monri may leave them out).",
			},
			"customers": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "The customers, newest first (by `created_at`). An empty list when there are none. " +
					"Each has the attributes of the `monri_customer` data source.",
				NestedObject: schema.NestedAttributeObject{Attributes: customerDataAttributes(false)},
			},
		},
	}
}

func (d *customersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *customersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state customersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	includeDeleted := state.IncludeDeleted.ValueBool()
	custs, err := monri.PaginateKept(ctx, monri.PageOptions{MaxItems: int(state.MaxItems.ValueInt64())},
		func(c monri.Customer) string { return c.UUID },
		func(c monri.Customer) bool { return includeDeleted || !c.Deleted },
		d.client.ListCustomers)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Monri Customers", fmt.Sprintf("Listing customers failed. %s", errorDetail(err)))
		return
	}
	v, err := customersStateValue(ctx, resp.State.Schema.Type().TerraformType(ctx), req.Config.Raw, custs)
	if err != nil {
		resp.Diagnostics.Append(modelBug("writing", err)...)
		return
	}
	resp.State.Raw = v
}

// customersStateValue is the data source's state: the configuration's
// max_items and include_deleted, and the customers. It is built without
// tfsdk reflection, which cost about 0.8 ms per customer when listing 10,000
// (see customer_model_tf.go).
func customersStateValue(ctx context.Context, stateType tftypes.Type, config tftypes.Value, custs []monri.Customer) (tftypes.Value, error) {
	obj, ok := stateType.(tftypes.Object)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("the state type is a %T, not an object", stateType)
	}
	list, ok := obj.AttributeTypes["customers"].(tftypes.List)
	if !ok {
		return tftypes.Value{}, errors.New("the customers attribute is not a list")
	}
	var cfg map[string]tftypes.Value
	if err := config.As(&cfg); err != nil {
		return tftypes.Value{}, err
	}
	elems := make([]tftypes.Value, 0, len(custs))
	for i := range custs {
		m := customerDataFromAPI(&custs[i])
		v, err := objectValue(ctx, list.ElementType, m.attributes())
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("customer %s: %w", custs[i].UUID, err)
		}
		elems = append(elems, v)
	}
	vals := map[string]tftypes.Value{
		"max_items":       cfg["max_items"],
		"include_deleted": cfg["include_deleted"],
		"customers":       tftypes.NewValue(list, elems),
	}
	if err := tftypes.ValidateValue(obj, vals); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(obj, vals), nil
}
