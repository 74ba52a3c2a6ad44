package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ datasource.DataSource              = &customerPaymentMethodsDataSource{}
	_ datasource.DataSourceWithConfigure = &customerPaymentMethodsDataSource{}
)

// NewCustomerPaymentMethodsDataSource returns the
// monri_customer_payment_methods data source.
func NewCustomerPaymentMethodsDataSource() datasource.DataSource {
	return &customerPaymentMethodsDataSource{}
}

type customerPaymentMethodsDataSource struct {
	client *monri.Client
}

type customerPaymentMethodsModel struct {
	CustomerID     types.String         `tfsdk:"customer_id"`
	MaxItems       types.Int64          `tfsdk:"max_items"`
	IncludeExpired types.Bool           `tfsdk:"include_expired"`
	PaymentMethods []paymentMethodModel `tfsdk:"payment_methods"`
	Timeouts       timeouts.Value       `tfsdk:"timeouts"`
}

type paymentMethodModel struct {
	ID             types.String `tfsdk:"id"`
	MaskedPAN      types.String `tfsdk:"masked_pan"`
	ExpirationDate types.String `tfsdk:"expiration_date"`
	KeepUntil      types.String `tfsdk:"keep_until"`
	Expired        types.Bool   `tfsdk:"expired"`
	Status         types.String `tfsdk:"status"`
	CreatedAt      types.String `tfsdk:"created_at"`
	UpdatedAt      types.String `tfsdk:"updated_at"`
	Token          types.String `tfsdk:"token"`
}

// paymentMethodFromAPI maps a saved card (empty strings are null).
func paymentMethodFromAPI(p *monri.PaymentMethod) paymentMethodModel {
	return paymentMethodModel{
		ID:             stringFromAPI(&p.ID),
		MaskedPAN:      stringFromAPI(&p.MaskedPAN),
		ExpirationDate: stringFromAPI(&p.ExpirationDate),
		KeepUntil:      stringFromAPI(&p.KeepUntil),
		Expired:        types.BoolValue(p.Expired),
		Status:         stringFromAPI(&p.Status),
		CreatedAt:      stringFromAPI(&p.CreatedAt),
		UpdatedAt:      stringFromAPI(&p.UpdatedAt),
		Token:          stringFromAPI(&p.Token),
	}
}

func (d *customerPaymentMethodsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customer_payment_methods"
}

func (d *customerPaymentMethodsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the saved cards (payment methods) of a Monri customer, newest first.\n\n" +
			"Cards are saved by Monri when a payment is confirmed with the customer's UUID and tokenisation on; " +
			"they cannot be created through Terraform. Each card's `token` is a reusable card token, a secret, and so is its " +
			"`id`: in Monri's documentation a saved card's `id` is the same value as its `token`, and Monri's PHP SDK charges a " +
			"saved card by its `id`. Both are marked sensitive, so Terraform hides them in plan, apply and `terraform show` " +
			"output (`nonsensitive()` reveals them where you must), but like every data source value they are stored in the " +
			"state file, which must be protected accordingly. Refer to a card by `masked_pan` and `expiration_date` in outputs.\n\n" +
			"The listing pages until Monri returns an empty page, so it is complete even when Monri caps the page size.",
		Attributes: map[string]schema.Attribute{
			"customer_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The UUID of the customer whose cards to list, such as `monri_customer.example.id` or " +
					"`data.monri_customer.example.id`. A customer that does not exist (or is deleted) is an error; `.` and `..` are refused " +
					"at plan (they would name another URL path).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1),
					pathSegment("the cards are listed at /v2/customers/<customer_id>/payment-methods"), validUTF8()},
			},
			"max_items": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "The largest number of cards to return: the newest `max_items` cards (after " +
					"`include_expired` filtering). At least 1. Unset returns every card.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"include_expired": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to list cards that have expired (`expired = true`). Defaults to `true`; " +
					"set `false` to list only cards that can still be charged.",
			},
			"payment_methods": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "The customer's saved cards, newest first. An empty list (never null) when the " +
					"customer has none.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							Computed:  true,
							Sensitive: true,
							MarkdownDescription: "The payment method's identifier. Sensitive: Monri's documentation shows a saved card's " +
								"`id` equal to its `token`, and a card can be charged by its `id`, so it is treated as the card token.",
						},
						"masked_pan":      computed("The card number with all but the first six and last four digits masked, such as `411111******1111`."),
						"expiration_date": computed("The card's expiry as `YYYY-MM-DD`, the last day of the month it expires."),
						"keep_until":      computed("Until when Monri keeps the saved card (RFC 3339, as Monri returns it)."),
						"expired": schema.BoolAttribute{
							Computed:            true,
							MarkdownDescription: "Whether the card has expired, as Monri reports it.",
						},
						"status":     computed("The payment method's status as Monri reports it, such as `approved`."),
						"created_at": computed("When the card was saved (RFC 3339, as Monri returns it)."),
						"updated_at": computed("When the saved card last changed (RFC 3339, as Monri returns it)."),
						"token": schema.StringAttribute{
							Computed:  true,
							Sensitive: true,
							MarkdownDescription: "The reusable card token, to charge the card through Monri's payment API. " +
								"A secret: sensitive, hidden in plan and show output, but present in the state file.",
						},
					},
				},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock("listing the saved cards")},
	}
}

func (d *customerPaymentMethodsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *customerPaymentMethodsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state customerPaymentMethodsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	customerID := state.CustomerID.ValueString()
	includeExpired := state.IncludeExpired.IsNull() || state.IncludeExpired.ValueBool()
	rd, cancel, diags := startDataSourceRead(ctx, state.Timeouts)
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	pms, err := d.client.FindPaymentMethods(rd.ctx, customerID,
		func(p monri.PaymentMethod) bool { return includeExpired || !p.Expired },
		monri.PageOptions{MaxItems: int(state.MaxItems.ValueInt64())})
	switch {
	case err != nil && rd.timedOut():
		rd.addTimedOut(&resp.Diagnostics, "Unable to List Monri Payment Methods", fmt.Sprintf("Listing the payment methods of customer %q", customerID), err)
		return
	case errors.Is(err, monri.ErrNotFound):
		resp.Diagnostics.AddAttributeError(path.Root("customer_id"), "Unable to List Monri Payment Methods",
			fmt.Sprintf("There is no Monri customer with id %q: %s. "+
				"Check customer_id: it must be the customer's UUID (its id), of a customer that is not deleted and belongs to the "+
				"merchant account of the provider's credentials. To find a customer by your own identifier, use the monri_customer "+
				"data source with merchant_customer_id.", customerID, notFoundReason(err)))
		return
	case err != nil:
		resp.Diagnostics.AddAttributeError(path.Root("customer_id"), "Unable to List Monri Payment Methods",
			fmt.Sprintf("Listing the payment methods of customer %q failed. %s", customerID, errorDetail(err)))
		return
	}
	state.PaymentMethods = make([]paymentMethodModel, 0, len(pms))
	for i := range pms {
		state.PaymentMethods = append(state.PaymentMethods, paymentMethodFromAPI(&pms[i]))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// notFoundReason says how Monri told the provider that a customer is not
// there, for a not-found error of the payment-method listing: its own 404,
// or (when Monri lists no cards for an unknown customer) the customer's GET.
func notFoundReason(err error) string {
	var deleted *monri.DeletedError
	var apiErr *monri.APIError
	switch {
	case errors.As(err, &deleted):
		return "Monri reports it as deleted"
	case errors.As(err, &apiErr) && !strings.Contains(apiErr.Path, "/payment-methods"):
		return fmt.Sprintf("Monri listed no cards for it, and answered HTTP %d to %s %s", apiErr.HTTPStatus, apiErr.Method, apiErr.Path)
	}
	return "Monri answered 404 Not Found to the payment-method listing"
}
