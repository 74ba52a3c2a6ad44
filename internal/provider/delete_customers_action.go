package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ action.Action                   = &deleteCustomersAction{}
	_ action.ActionWithConfigure      = &deleteCustomersAction{}
	_ action.ActionWithValidateConfig = &deleteCustomersAction{}
	_ action.ActionWithModifyPlan     = &deleteCustomersAction{}
)

// NewDeleteCustomersAction returns the monri_delete_customers action.
func NewDeleteCustomersAction() action.Action {
	return &deleteCustomersAction{}
}

type deleteCustomersAction struct {
	client     *monri.Client
	production bool
}

type deleteCustomersActionModel struct {
	MerchantCustomerIDPrefix types.String `tfsdk:"merchant_customer_id_prefix"`
	Email                    types.String `tfsdk:"email"`
	Metadata                 types.Map    `tfsdk:"metadata"`
	CreatedBefore            types.String `tfsdk:"created_before"`
	MaxDeletes               types.Int64  `tfsdk:"max_deletes"`
	DryRun                   types.Bool   `tfsdk:"dry_run"`
	AllowProduction          types.Bool   `tfsdk:"allow_production"`
}

// deleteFilters are the attributes that select customers: at least one must
// be set.
var deleteFilters = []string{"merchant_customer_id_prefix", "email", "metadata", "created_before"}

func (a *deleteCustomersAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_delete_customers"
}

func (a *deleteCustomersAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes the merchant's customers that match every filter set, such as the customers test " +
			"pipelines left behind. Invoke it on demand with `terraform apply -invoke=action.monri_delete_customers.<name>` " +
			"(Terraform 1.14 or later), or from a resource's `action_trigger`.\n\n" +
			"Safety: at least one filter is required; when more customers match than `max_deletes`, nothing is deleted; " +
			"with the provider's `environment = \"prod\"` (or a `base_url` on Monri's production host) it refuses unless " +
			"`allow_production = true`; `dry_run = true` only reports what would be deleted.\n\n" +
			"It lists the customers afresh (`GET /v2/customers`, every page), then deletes the matches, a few at a time within " +
			"the provider's `max_requests_per_second`, reporting each deleted customer's `uuid` and `merchant_customer_id`, " +
			"then a summary. A customer already deleted counts as deleted. When a delete fails no new one is sent, and the " +
			"error lists which customers were and were not deleted. The filters mean what they mean in `monri_customers`.",
		Attributes: map[string]schema.Attribute{
			"merchant_customer_id_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only customers whose `merchant_customer_id` starts with this (case-sensitive), such as " +
					"`ci-`; customers without one never match. Not empty.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), validUTF8()},
			},
			"email": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only customers whose email is this address, compared case-insensitively. Not empty.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), validUTF8()},
			},
			"metadata": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Only customers whose metadata holds every key given here with exactly that value " +
					"(other keys may be present too), such as `{ pipeline = \"nightly\" }`. Keys must not be empty; an empty " +
					"map is not a filter.",
				Validators: metadataValidators(),
			},
			"created_before": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only customers created strictly before this instant, an RFC 3339 timestamp such as " +
					"`2024-01-31T00:00:00Z` (compared as instants). With `timeadd(plantimestamp(), \"-24h\")`, customers older " +
					"than a day.",
				Validators: []validator.String{rfc3339Timestamp(), validUTF8()},
			},
			"max_deletes": schema.Int64Attribute{
				Required: true,
				MarkdownDescription: "The most customers this invocation may delete. When more match, it fails before " +
					"deleting any (narrow the filters or raise this). At least 1.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"dry_run": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "When `true`, deletes nothing: reports each customer that would be deleted, and how " +
					"many. Defaults to `false`.",
			},
			"allow_production": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Must be `true` for the action to run when the provider is configured with " +
					"`environment = \"prod\"` (even with a `base_url` pointing elsewhere) or with `base_url` on Monri's " +
					"production host. Defaults to `false`.",
			},
		},
	}
}

func (a *deleteCustomersAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
	if pd, ok := req.ProviderData.(*providerData); ok {
		a.production = pd.production
	}
}

// ValidateConfig requires a filter: a configuration without one would
// delete every customer.
func (a *deleteCustomersAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m deleteCustomersActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range []attr.Value{m.MerchantCustomerIDPrefix, m.Email, m.CreatedBefore, m.Metadata} {
		if v.IsUnknown() {
			return // known at apply; Invoke's client refuses an empty filter too
		}
	}
	if !m.MerchantCustomerIDPrefix.IsNull() || !m.Email.IsNull() || !m.CreatedBefore.IsNull() || len(m.Metadata.Elements()) > 0 {
		return
	}
	resp.Diagnostics.AddError("Missing Customer Filter",
		"monri_delete_customers needs at least one filter ("+strings.Join(deleteFilters, ", ")+") so that it never "+
			"deletes every customer of the merchant; none is set (an empty metadata map is not a filter).")
}

// ModifyPlan refuses production at plan time, when the provider is
// configured by then.
func (a *deleteCustomersAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	var m deleteCustomersActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || a.client == nil {
		return
	}
	resp.Diagnostics.Append(a.productionGuard(m)...)
}

func (a *deleteCustomersAction) productionGuard(m deleteCustomersActionModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if a.production && !m.AllowProduction.ValueBool() {
		diags.AddAttributeError(path.Root("allow_production"), "Refusing to Delete Production Customers",
			"The provider is configured for Monri's production environment (environment = \"prod\", or a base_url on "+
				"Monri's production host), and monri_delete_customers deletes customers. Set allow_production = true in the "+
				"action if you mean to delete production customers (try dry_run = true first).")
	}
	return diags
}

func (a *deleteCustomersAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m deleteCustomersActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !requireClient(a.client, &resp.Diagnostics) {
		return
	}
	resp.Diagnostics.Append(a.productionGuard(m)...)
	f, diags := m.filter()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	send := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	dryRun := m.DryRun.ValueBool()
	res, err := a.client.DeleteCustomers(ctx, f, monri.DeleteOptions{
		MaxDeletes: int(m.MaxDeletes.ValueInt64()),
		DryRun:     dryRun,
		Progress: func(p monri.DeleteProgress) {
			switch {
			case p.DryRun:
				send("would delete " + customerLabel(&p.Customer))
			case p.AlreadyDeleted:
				send("deleted " + customerLabel(&p.Customer) + " (it was already deleted)")
			default:
				send("deleted " + customerLabel(&p.Customer))
			}
		},
	})
	var tooMany *monri.TooManyMatchesError
	var partial *monri.PartialDeleteError
	switch {
	case errors.As(err, &tooMany):
		resp.Diagnostics.AddAttributeError(path.Root("max_deletes"), "Too Many Monri Customers Match",
			fmt.Sprintf("%d customers match the filters, more than max_deletes = %d, so none was deleted. Narrow the filters, "+
				"or raise max_deletes if you mean to delete them all (dry_run = true lists them).", tooMany.Matched, tooMany.MaxDeletes))
		return
	case errors.As(err, &partial):
		send(fmt.Sprintf("failed: deleted %d of %d matching %s", len(partial.Deleted), len(partial.Deleted)+len(partial.NotDeleted),
			plural(len(partial.Deleted)+len(partial.NotDeleted), "customer", "customers")))
		resp.Diagnostics.AddError("Unable to Delete All Matching Monri Customers",
			fmt.Sprintf("A delete failed, so no further delete was sent. %s\n\nDeleted (%d):%s\n\nNot deleted (%d):%s\n\n"+
				"Invoking the action again deletes the rest (customers already deleted no longer match).",
				errorDetail(partial.Err), len(partial.Deleted), customerLabels(partial.Deleted),
				len(partial.NotDeleted), customerLabels(partial.NotDeleted)))
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to Delete Monri Customers", "Nothing was deleted. "+errorDetail(err))
		return
	}
	send(deleteSummary(res, dryRun))
}

// deleteSummary is the last progress message of an invocation that
// succeeded.
func deleteSummary(res *monri.DeleteResult, dryRun bool) string {
	switch n := len(res.Matched); {
	case n == 0 && dryRun:
		return "dry run: no customer matches the filters; nothing would be deleted"
	case n == 0:
		return "no customer matches the filters; nothing was deleted"
	case dryRun:
		return fmt.Sprintf("dry run: %d %s and would be deleted; nothing was deleted", n, plural(n, "customer matches", "customers match"))
	}
	msg := fmt.Sprintf("deleted %d %s", len(res.Deleted), plural(len(res.Deleted), "customer", "customers"))
	if res.AlreadyDeleted > 0 {
		msg += fmt.Sprintf(" (%d already deleted by someone else)", res.AlreadyDeleted)
	}
	return msg
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// filter is the monri.CustomerFilter the configuration describes.
func (m *deleteCustomersActionModel) filter() (monri.CustomerFilter, diag.Diagnostics) {
	var diags diag.Diagnostics
	f := monri.CustomerFilter{
		Email:                    m.Email.ValueString(),
		MerchantCustomerIDPrefix: m.MerchantCustomerIDPrefix.ValueString(),
	}
	if s := m.CreatedBefore.ValueString(); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			diags.AddAttributeError(path.Root("created_before"), "Invalid Timestamp", rfc3339Detail(path.Root("created_before"), s))
		}
		f.CreatedBefore = t
	}
	if !m.Metadata.IsNull() {
		f.Metadata = map[string]string{}
		for k, v := range m.Metadata.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsNull() || s.IsUnknown() {
				diags.AddAttributeError(path.Root("metadata").AtMapKey(k), "Invalid Metadata Filter",
					fmt.Sprintf("The metadata filter's value for key %q must be a string; it is null. Give the value the customers must hold, or leave the key out.", k))
				continue
			}
			f.Metadata[k] = s.ValueString()
		}
	}
	return f, diags
}

// customerLabel is how a progress message names a customer: its uuid and
// merchant_customer_id (never its email or other personal data).
func customerLabel(c *monri.Customer) string {
	mid := "(none)"
	if c.MerchantCustomerID != nil {
		mid = fmt.Sprintf("%q", *c.MerchantCustomerID)
	}
	return fmt.Sprintf("customer %s (merchant_customer_id %s)", c.UUID, mid)
}

// customerLabels names up to 50 customers, one a line, then says how many
// more.
func customerLabels(cs []monri.Customer) string {
	if len(cs) == 0 {
		return " none"
	}
	const most = 50
	var b strings.Builder
	for i := range cs {
		if i == most {
			fmt.Fprintf(&b, "\n  ... and %d more", len(cs)-most)
			break
		}
		b.WriteString("\n  " + customerLabel(&cs[i]))
	}
	return b.String()
}
