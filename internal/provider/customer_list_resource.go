package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ list.ListResource              = &customerListResource{}
	_ list.ListResourceWithConfigure = &customerListResource{}
)

// NewCustomerListResource returns the monri_customer list resource, which
// `terraform query` (Terraform 1.14 and later) uses to find customers to
// import.
func NewCustomerListResource() list.ListResource {
	return &customerListResource{}
}

type customerListResource struct {
	client *monri.Client
}

// customerListModel is the configuration of a list "monri_customer" block.
type customerListModel struct {
	Email                    types.String `tfsdk:"email"`
	Name                     types.String `tfsdk:"name"`
	MerchantCustomerIDPrefix types.String `tfsdk:"merchant_customer_id_prefix"`
	Metadata                 types.Map    `tfsdk:"metadata"`
	CreatedAfter             types.String `tfsdk:"created_after"`
}

func (r *customerListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customer"
}

func (r *customerListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds Monri customers for `terraform query` (Terraform 1.14 and later), newest first, so that they " +
			"can be imported into `monri_customer` resources. Each result has the customer's identity (its uuid) and a display " +
			"name (the name and `merchant_customer_id`); with `include_resource = true` it also has every attribute of the " +
			"resource. A customer must match every filter that is set; with none set, every live customer is listed. " +
			"Deleted customers are never listed. The listing pages through Monri as the `monri_customers` data source does, " +
			"and stops once the block's `limit` (default 100) customers are found.",
		Attributes: map[string]listschema.Attribute{
			"email": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only the customer(s) with this email address, compared without regard to letter case.",
				Validators:          emailValidators(),
			},
			"name": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only customers with exactly this name.",
				Validators:          []validator.String{lengthBetween(1, 50), validUTF8()},
			},
			"merchant_customer_id_prefix": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only customers whose `merchant_customer_id` starts with this, such as `crm-`.",
				Validators:          []validator.String{lengthBetween(1, 100), validUTF8()},
			},
			"metadata": listschema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Only customers whose metadata has every one of these keys with exactly this value (other keys may be present).",
				Validators:          metadataValidators(),
			},
			"created_after": listschema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only customers created strictly after this instant, an RFC 3339 timestamp with a time zone such as " +
					"`2026-01-31T00:00:00Z` or `2026-01-31T01:00:00+01:00`. Monri lists newest first, so the listing stops at the first " +
					"older customer instead of reading every page.",
				Validators: []validator.String{rfc3339Timestamp(), validUTF8()},
			},
		},
	}
}

func (r *customerListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

// List streams the matching customers as Monri's pages arrive: identity and
// display name always, the resource object when Terraform asks for it.
func (r *customerListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg customerListModel
	diags := req.Config.Get(ctx, &cfg)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if r.client == nil {
		diags.AddError("Unconfigured Monri Provider",
			"The monri provider was not configured before listing customers. This is a bug in the provider; please report it.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	filter, diags := cfg.filter()
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := monri.PageOptions{}
	if req.Limit > 0 {
		opts.MaxItems = int(req.Limit)
	}
	stream.Results = func(push func(list.ListResult) bool) {
		err := r.client.EachCustomer(ctx, filter, opts, func(c monri.Customer) bool {
			return push(customerListResult(ctx, req, &c))
		})
		if err != nil {
			var d diag.Diagnostics
			d.AddError("Unable to List Monri Customers", "Listing customers for terraform query failed. "+errorDetail(err))
			push(list.ListResult{Diagnostics: d})
		}
	}
}

// customerListResult is one listed customer.
func customerListResult(ctx context.Context, req list.ListRequest, c *monri.Customer) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = customerDisplayName(c)
	result.Identity.Raw = customerIdentityValue(c.UUID)
	if req.IncludeResource {
		// What an import of the customer followed by a refresh would hold.
		// All of Monri's metadata, in metadata and metadata_all: the list
		// resource knows no provider defaults nor ignored keys.
		m := (*metadataConfig)(nil).resourceFromAPI(c, customerResourceModel{
			customerModel: customerModel{Metadata: types.MapNull(types.StringType)},
			MetadataAll:   types.MapNull(types.StringType), Timeouts: customerTimeoutsNull()})
		v, diags := m.terraformValue(ctx)
		result.Diagnostics.Append(diags...)
		if !diags.HasError() {
			result.Resource.Raw = v
		}
	}
	return result
}

// customerDisplayName is how terraform query shows a customer: its name and
// merchant_customer_id, whichever it has, else its email, else its uuid.
func customerDisplayName(c *monri.Customer) string {
	name, mcid := deref(c.Name), deref(c.MerchantCustomerID)
	switch {
	case name != "" && mcid != "":
		return fmt.Sprintf("%s (%s)", name, mcid)
	case name != "":
		return name
	case mcid != "":
		return mcid
	case deref(c.Email) != "":
		return deref(c.Email)
	}
	return c.UUID
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// filter is the configuration as a monri.CustomerFilter.
func (m customerListModel) filter() (monri.CustomerFilter, diag.Diagnostics) {
	f, diags := customerFilter(m.Email, m.Name, m.MerchantCustomerIDPrefix, m.CreatedAfter)
	f.Metadata = metadataToMap(m.Metadata)
	return f, diags
}
