package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ datasource.DataSource                     = &customerDataSource{}
	_ datasource.DataSourceWithConfigure        = &customerDataSource{}
	_ datasource.DataSourceWithConfigValidators = &customerDataSource{}
)

// NewCustomerDataSource returns the monri_customer data source.
func NewCustomerDataSource() datasource.DataSource {
	return &customerDataSource{}
}

type customerDataSource struct {
	client *monri.Client
}

// customerDataModel is a customer as the data sources expose it: every
// attribute of the resource plus the deletion markers.
type customerDataModel struct {
	customerModel
	Deleted   types.Bool   `tfsdk:"deleted"`
	DeletedAt types.String `tfsdk:"deleted_at"`
}

// customerDataSourceModel is the monri_customer data source: the customer
// and the timeouts block.
type customerDataSourceModel struct {
	customerDataModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// customerDataFromAPI maps a Monri customer for the data sources (metadata
// that is empty on Monri is null).
func customerDataFromAPI(c *monri.Customer) customerDataModel {
	return customerDataModel{
		customerModel: customerFromAPI(c, types.MapNull(types.StringType)),
		Deleted:       types.BoolValue(c.Deleted),
		DeletedAt:     stringFromAPI(c.DeletedAt),
	}
}

func (d *customerDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customer"
}

// customerDataAttributes are the attributes of a customer in the data
// sources. With lookup, id and merchant_customer_id are the (optional) keys
// of the monri_customer data source; otherwise every attribute is computed.
func customerDataAttributes(lookup bool) map[string]schema.Attribute {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	attrs := map[string]schema.Attribute{
		"id":                   computed("The Monri customer UUID (Monri's `uuid`)."),
		"merchant_customer_id": computed("The merchant's own identifier for the customer; null when it has none."),
		"description":          computed("The customer's description; null when unset."),
		"email": schema.StringAttribute{
			Computed:            true,
			CustomType:          emailType{},
			MarkdownDescription: "The customer's email address; null when unset.",
		},
		"name":  computed("The customer's full name or business name; null when unset."),
		"phone": computed("The customer's phone number; null when unset."),
		"metadata": schema.MapAttribute{
			Computed:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Key-value pairs stored with the customer; null when the customer has none.",
		},
		"zip_code":   computed("The customer's ZIP or postal code; null when unset."),
		"city":       computed("The customer's city; null when unset."),
		"address":    computed("The customer's address; null when unset."),
		"country":    computed("The customer's country as an ISO 3166-1 alpha-2 code, such as `BA`; null when unset."),
		"created_at": computed("When the customer was created (RFC 3339, as Monri returns it)."),
		"updated_at": computed("When the customer was last changed (RFC 3339, as Monri returns it)."),
		"deleted": schema.BoolAttribute{
			Computed: true,
			MarkdownDescription: "Whether Monri reports the customer as deleted. A deleted customer keeps its `id` but can no longer be " +
				"charged or updated; guard on this attribute (for example in a `postcondition`) when you need a live customer.",
		},
		"deleted_at": computed("When the customer was deleted (RFC 3339, as Monri returns it); null unless `deleted` is true."),
	}
	if lookup {
		attrs["id"] = schema.StringAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: "The Monri customer UUID to look up, such as `4b281da4-d145-4233-b957-2018cf9aa0fb` (never `.` or `..`, " +
				"which would name another URL path). " +
				"Set exactly one of `id`, `merchant_customer_id` and `email`; the others are filled in from the customer found.",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1),
				pathSegment("the customer is read at /v2/customers/<id>"), validUTF8()},
		}
		attrs["merchant_customer_id"] = schema.StringAttribute{
			Optional: true,
			Computed: true,
			MarkdownDescription: "Your own identifier of the customer to look up (1–100 characters; any characters, including `/`, " +
				"spaces, `%` and non-ASCII, are sent safely escaped, but the whole value may not be `.` or `..`, which name another " +
				"URL path). Set exactly one of `id`, `merchant_customer_id` and `email`; " +
				"the others are filled in from the customer found. Null in the result when the customer has none.",
			Validators: []validator.String{lengthBetween(1, 100),
				pathSegment("the customer is looked up at /v2/merchants/customers/<merchant_customer_id>"), validUTF8()},
		}
		attrs["email"] = schema.StringAttribute{
			Optional:   true,
			Computed:   true,
			CustomType: emailType{},
			MarkdownDescription: "The email address of the customer to look up, compared case-insensitively (the configured " +
				"spelling is kept). Set exactly one of `id`, `merchant_customer_id` and `email`. Monri documents no lookup by email, " +
				"so the provider lists every customer (one request per 100 customers, plus one) and keeps those with this " +
				"address, leaving out customers Monri reports as deleted. None is the not-found error; several is an error " +
				"that lists each one's `id` and `merchant_customer_id`: look such a customer up by one of those instead. " +
				"Null in the result when looked up by another key and the customer has none.",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1), validUTF8()},
		}
	}
	return attrs
}

func (d *customerDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one Monri customer by its `id` (UUID), by your `merchant_customer_id` or by `email`, so that " +
			"configurations can refer to customers managed elsewhere without hard-coding UUIDs.\n\n" +
			"A lookup by `id` or `merchant_customer_id` is one request; a lookup by `email` lists every customer (Monri documents " +
			"no lookup by email) and must find exactly one.\n\n" +
			"The lookup fails when no customer matches. When Monri still returns a deleted customer by `id` or " +
			"`merchant_customer_id`, it is found with `deleted = true` and `deleted_at` set (Monri may instead answer " +
			"\"not found\" for deleted customers); a lookup by `email` leaves deleted customers out.",
		Attributes: customerDataAttributes(true),
		Blocks:     map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock("looking the customer up")},
	}
}

func (d *customerDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("merchant_customer_id"), path.MatchRoot("email")),
	}
}

func (d *customerDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

// requireClient reports whether the provider handed over a client, adding an
// error diagnostic when it did not (Terraform calls Read and Open only after
// configuring the provider, so this is a safeguard against a panic).
func requireClient(c *monri.Client, diags *diag.Diagnostics) bool {
	if c == nil {
		diags.AddError("Unconfigured Monri Provider",
			"The Monri provider was not configured before it was used. This is a bug in the provider or in Terraform; please report it.")
		return false
	}
	return true
}

var uuidShape = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (d *customerDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	cfg, diags := customerLookupFromTerraform(ctx, req.Config.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	rd, cancel, diags := startDataSourceRead(ctx, cfg.Timeouts)
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = rd.ctx

	var (
		cust      *monri.Customer
		err       error
		key       string
		value     string
		attribute path.Path
	)
	switch {
	case !cfg.ID.IsNull():
		key, value, attribute = "id", cfg.ID.ValueString(), path.Root("id")
		cust, err = d.client.GetCustomer(ctx, value)
	case !cfg.Email.IsNull():
		key, value, attribute = "email", cfg.Email.ValueString(), path.Root("email")
		cust, err = d.findByEmail(ctx, value, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	default:
		key, value, attribute = "merchant_customer_id", cfg.MerchantCustomerID.ValueString(), path.Root("merchant_customer_id")
		cust, err = d.client.GetCustomerByMerchantID(ctx, value)
	}

	var deleted *monri.DeletedError
	var notFound string
	if errors.Is(err, monri.ErrNotFound) {
		notFound = "Monri answered 404 Not Found"
		if key == "email" {
			notFound = "no customer in Monri's listing has this address (compared case-insensitively; deleted customers are left out)"
		}
	}
	switch {
	case errors.As(err, &deleted):
		// Monri returned the customer, marked deleted: expose it as such.
		cust = deleted.Customer
	case errors.Is(err, monri.ErrNotFound):
		detail := fmt.Sprintf("There is no Monri customer with %s %q: %s. Check the value; the customer may "+
			"have been deleted, or belong to another merchant account or environment than the provider's credentials.", key, value, notFound)
		if key == "id" && !uuidShape.MatchString(value) {
			detail += " The id is not shaped like a UUID: to look a customer up by your own identifier, set merchant_customer_id instead."
		}
		resp.Diagnostics.AddAttributeError(attribute, "Unable to Read Monri Customer", detail)
		return
	case err != nil && rd.timedOut():
		rd.addTimedOut(&resp.Diagnostics, "Unable to Read Monri Customer", fmt.Sprintf("Looking up the customer with %s %q", key, value), err)
		return
	case err != nil:
		resp.Diagnostics.AddAttributeError(attribute, "Unable to Read Monri Customer",
			fmt.Sprintf("Looking up the customer with %s %q failed. %s", key, value, errorDetail(err)))
		return
	}

	v, diags := customerDataSourceModel{customerDataFromAPI(cust), cfg.Timeouts}.terraformValue(ctx)
	resp.Diagnostics.Append(diags...)
	if !diags.HasError() {
		resp.State.Raw = v
	}
}

// findByEmail finds the one live customer with this email (case-insensitive)
// by listing every customer. None is ErrNotFound; several is an attribute
// error on email naming each match, and a nil customer.
func (d *customerDataSource) findByEmail(ctx context.Context, email string, diags *diag.Diagnostics) (*monri.Customer, error) {
	custs, err := d.client.FindCustomers(ctx, monri.CustomerFilter{Email: email}, monri.PageOptions{})
	switch {
	case err != nil:
		return nil, err
	case len(custs) == 0:
		return nil, monri.ErrNotFound
	case len(custs) == 1:
		return &custs[0], nil
	}
	var b strings.Builder
	for i := range custs {
		mid := "none"
		if m := custs[i].MerchantCustomerID; m != nil {
			mid = strconv.Quote(*m)
		}
		fmt.Fprintf(&b, "\n  - id %q, merchant_customer_id %s", custs[i].UUID, mid)
	}
	diags.AddAttributeError(path.Root("email"), "Unable to Read Monri Customer",
		fmt.Sprintf("%d Monri customers have the email %q (compared case-insensitively), newest first:%s\n"+
			"The email does not identify one customer: look the customer up by its id or merchant_customer_id instead.",
			len(custs), email, b.String()))
	return nil, nil
}
