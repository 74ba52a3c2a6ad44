package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
	MaxItems                 types.Int64             `tfsdk:"max_items"`
	IncludeDeleted           types.Bool              `tfsdk:"include_deleted"`
	Email                    types.String            `tfsdk:"email"`
	Name                     types.String            `tfsdk:"name"`
	MerchantCustomerIDPrefix types.String            `tfsdk:"merchant_customer_id_prefix"`
	Metadata                 map[string]types.String `tfsdk:"metadata"`
	CreatedAfter             types.String            `tfsdk:"created_after"`
	Customers                []customerDataModel     `tfsdk:"customers"`
	Timeouts                 timeouts.Value          `tfsdk:"timeouts"`
}

// filter is the listing the configuration asks for. The validators have
// checked the values at plan time; what they cannot see (a null metadata
// value, a created_after that was unknown then) is reported here.
func (m *customersDataSourceModel) filter() (monri.CustomerFilter, diag.Diagnostics) {
	f, diags := customerFilter(m.Email, m.Name, m.MerchantCustomerIDPrefix, m.CreatedAfter)
	f.IncludeDeleted = m.IncludeDeleted.ValueBool()
	if m.Metadata != nil {
		f.Metadata = make(map[string]string, len(m.Metadata))
		for k, v := range m.Metadata {
			if v.IsNull() || v.IsUnknown() {
				diags.AddAttributeError(path.Root("metadata").AtMapKey(k), "Invalid Metadata Filter",
					fmt.Sprintf("The metadata filter's value for key %q must be a string; it is null. Give the value the customers must hold, or leave the key out.", k))
				continue
			}
			f.Metadata[k] = v.ValueString()
		}
	}
	return f, diags
}

// customerFilter is the part of a monri.CustomerFilter that monri_customers
// and the monri_customer list resource configure alike: the string filters
// and created_after (checked at plan time by rfc3339Timestamp; one unknown
// then is reported here). Metadata and IncludeDeleted are the caller's.
func customerFilter(email, name, merchantCustomerIDPrefix, createdAfter types.String) (monri.CustomerFilter, diag.Diagnostics) {
	var diags diag.Diagnostics
	f := monri.CustomerFilter{
		Email:                    email.ValueString(),
		Name:                     name.ValueString(),
		MerchantCustomerIDPrefix: merchantCustomerIDPrefix.ValueString(),
	}
	if s := createdAfter.ValueString(); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			diags.AddAttributeError(path.Root("created_after"), "Invalid Timestamp", rfc3339Detail(path.Root("created_after"), s))
		}
		f.CreatedAfter = t
	}
	return f, diags
}

func (d *customersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customers"
}

func (d *customersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the merchant's Monri customers, newest first, optionally filtered.\n\n" +
			"The listing pages through `GET /v2/customers` until Monri returns an empty page, so it is complete even when " +
			"Monri caps the page size; a customer seen twice (one created while paging shifts the pages) is listed once. " +
			"Every page is one request of up to 100 customers (or the smaller page Monri serves).\n\n" +
			"The filters (`email`, `name`, `merchant_customer_id_prefix`, `metadata`, `created_after`) are combinable: a " +
			"customer is listed only when it matches every filter that is set. The provider applies them to Monri's listing, " +
			"so they work whatever the API offers, and they cost requests as follows (N customers on the account, P the page size):\n\n" +
			"| Filters | Requests |\n|---|---|\n" +
			"| none, `email`, `name`, `merchant_customer_id_prefix`, `metadata` | every page: ⌈N/P⌉ + 1 (the last, empty page ends the listing) |\n" +
			"| `created_after` (with or without the others) | the pages up to the first that reaches a customer created at or before it: " +
			"⌊K/P⌋ + 1 for K newer customers, whatever N is (Monri lists newest first) |\n" +
			"| `max_items` (with or without filters) | the pages up to the one holding the `max_items`-th match, at most the above |\n\n" +
			"For large accounts, prefer `created_after` or `max_items` to a filter that reads every page.",
		Attributes: map[string]schema.Attribute{
			"max_items": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "The largest number of customers to return: the newest `max_items` customers that match the " +
					"filters (and `include_deleted`). At least 1. Unset returns every match. Paging stops at the page holding the " +
					"last one.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"include_deleted": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to list customers Monri reports as deleted (with `deleted = true`). " +
					"Defaults to `false`: deleted customers are left out whether or not Monri's listing includes them. " +
					"With `true`, deleted customers appear only if Monri's listing returns them (Monri may leave them out).",
			},
			"email": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only customers whose email is this address, compared case-insensitively " +
					"(`Ana@Example.com` matches `ana@example.com`). Not empty. Reads every page.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), validUTF8()},
			},
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only customers whose name is exactly this (case-sensitive). Not empty. Reads every page.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), validUTF8()},
			},
			"merchant_customer_id_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only customers whose `merchant_customer_id` starts with this (case-sensitive), such as " +
					"`crm-`; customers without one never match. Not empty. Reads every page.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), validUTF8()},
			},
			"metadata": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Only customers whose metadata holds every key given here with exactly that value (other " +
					"keys may be present too). Keys must not be empty; an empty map matches every customer. Reads every page.",
				Validators: metadataValidators(),
			},
			"created_after": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only customers created strictly after this instant, an RFC 3339 timestamp such as " +
					"`2024-01-31T00:00:00Z` or `2024-01-31T01:00:00+01:00` (compared as instants, whatever zone Monri writes " +
					"`created_at` in). Monri lists newest first, so paging stops at the first page that reaches an older customer.",
				Validators: []validator.String{rfc3339Timestamp(), validUTF8()},
			},
			"customers": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "The customers, newest first (by `created_at`). An empty list when there are none. " +
					"Each has the attributes of the `monri_customer` data source.",
				NestedObject: schema.NestedAttributeObject{Attributes: customerDataAttributes(false)},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock("listing the customers")},
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
	f, diags := state.filter()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	stateType := resp.State.Schema.Type().TerraformType(ctx)
	obj, list, err := customersTypes(stateType)
	if err != nil {
		resp.Diagnostics.Append(modelBug("writing", err)...)
		return
	}
	// Each customer becomes its Terraform value as its page arrives. Served
	// through NewProtocol6, the values are encoded for the protocol at once
	// and the state holds an empty list in their place (see
	// customersStream); otherwise they are kept for the state.
	stream := customersStreamFrom(ctx)
	rd, cancel, diags := startDataSourceRead(ctx, state.Timeouts)
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	elems := []tftypes.Value{}
	var convErr error
	err = d.client.EachCustomer(rd.ctx, f, monri.PageOptions{MaxItems: int(state.MaxItems.ValueInt64())}, func(c monri.Customer) bool {
		v, err := customerElement(ctx, list.ElementType, &c)
		if err == nil && stream != nil {
			err = stream.add(list.ElementType, v)
		} else if err == nil {
			elems = append(elems, v)
		}
		if err != nil {
			convErr = fmt.Errorf("customer %s: %w", c.UUID, err)
			return false
		}
		return true
	})
	if err != nil && rd.timedOut() {
		rd.addTimedOut(&resp.Diagnostics, "Unable to List Monri Customers", "Listing customers", err)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Monri Customers", fmt.Sprintf("Listing customers failed. %s", errorDetail(err)))
		return
	}
	if convErr != nil {
		resp.Diagnostics.Append(modelBug("writing", convErr)...)
		return
	}
	if stream != nil {
		stream.stateType = obj
	}
	v, err := customersState(obj, list, req.Config.Raw, elems)
	if err != nil {
		resp.Diagnostics.Append(modelBug("writing", err)...)
		return
	}
	resp.State.Raw = v
}

// customersStateValue is the data source's state: the configuration's
// arguments (max_items, include_deleted, the filters), and the customers. It is built without
// tfsdk reflection, which cost about 0.8 ms per customer when listing 10,000
// (see customer_model_tf.go).
func customersStateValue(ctx context.Context, stateType tftypes.Type, config tftypes.Value, custs []monri.Customer) (tftypes.Value, error) {
	obj, list, err := customersTypes(stateType)
	if err != nil {
		return tftypes.Value{}, err
	}
	elems := make([]tftypes.Value, 0, len(custs))
	for i := range custs {
		v, err := customerElement(ctx, list.ElementType, &custs[i])
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("customer %s: %w", custs[i].UUID, err)
		}
		elems = append(elems, v)
	}
	return customersState(obj, list, config, elems)
}

// customersTypes are the data source's state type and the type of its
// customers attribute.
func customersTypes(stateType tftypes.Type) (tftypes.Object, tftypes.List, error) {
	obj, ok := stateType.(tftypes.Object)
	if !ok {
		return tftypes.Object{}, tftypes.List{}, fmt.Errorf("the state type is a %T, not an object", stateType)
	}
	list, ok := obj.AttributeTypes["customers"].(tftypes.List)
	if !ok {
		return tftypes.Object{}, tftypes.List{}, errors.New("the customers attribute is not a list")
	}
	return obj, list, nil
}

// customerElement is one customer of the customers list.
func customerElement(ctx context.Context, elemType tftypes.Type, c *monri.Customer) (tftypes.Value, error) {
	m := customerDataFromAPI(c)
	return objectValue(ctx, elemType, m.attributes())
}

// customersState is the state: every argument as configured, and the
// customers.
func customersState(obj tftypes.Object, list tftypes.List, config tftypes.Value, elems []tftypes.Value) (tftypes.Value, error) {
	var cfg map[string]tftypes.Value
	if err := config.As(&cfg); err != nil {
		return tftypes.Value{}, err
	}
	vals := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name := range obj.AttributeTypes {
		vals[name] = cfg[name]
	}
	vals["customers"] = tftypes.NewValue(list, elems)
	if err := tftypes.ValidateValue(obj, vals); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(obj, vals), nil
}

// rfc3339TimestampValidator accepts an RFC 3339 timestamp with a zone, such
// as 2024-01-31T00:00:00Z or 2024-01-31T01:00:00.5+01:00.
type rfc3339TimestampValidator struct{}

func rfc3339Timestamp() validator.String { return rfc3339TimestampValidator{} }

func (rfc3339TimestampValidator) Description(context.Context) string {
	return "value must be an RFC 3339 timestamp with a zone, such as 2024-01-31T00:00:00Z or 2024-01-31T01:00:00+01:00"
}

func (v rfc3339TimestampValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (rfc3339TimestampValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timestamp", rfc3339Detail(req.Path, req.ConfigValue.ValueString()))
	}
}

func rfc3339Detail(p path.Path, got string) string {
	return fmt.Sprintf("Attribute %s value must be an RFC 3339 timestamp with a zone, such as \"2024-01-31T00:00:00Z\" or "+
		"\"2024-01-31T01:00:00+01:00\" (date, \"T\", time, then \"Z\" or an offset); got %q.", p, got)
}
