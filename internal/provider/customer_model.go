package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// customerModel is the Terraform shape of a Monri customer, shared by the
// monri_customer resource and the customer data sources.
type customerModel struct {
	ID                 types.String `tfsdk:"id"`
	MerchantCustomerID types.String `tfsdk:"merchant_customer_id"`
	Description        types.String `tfsdk:"description"`
	Email              emailValue   `tfsdk:"email"`
	Name               types.String `tfsdk:"name"`
	Phone              types.String `tfsdk:"phone"`
	Metadata           types.Map    `tfsdk:"metadata"`
	ZipCode            types.String `tfsdk:"zip_code"`
	City               types.String `tfsdk:"city"`
	Address            types.String `tfsdk:"address"`
	Country            types.String `tfsdk:"country"`
	CreatedAt          types.String `tfsdk:"created_at"`
	UpdatedAt          types.String `tfsdk:"updated_at"`
}

// This file is the one place where null and empty are decided.
//
// From Monri to Terraform:
//   - a string field that is null, absent or "" is null in Terraform (the
//     schema never allows "" to be configured, so nothing is lost);
//   - metadata that is null or {} is null in Terraform, unless the prior value
//     (plan or state) was an empty map, which is kept, so that both
//     `metadata = {}` and an omitted metadata round-trip without a diff.
//
// From Terraform to Monri, null is "not set" on create and "clear" (JSON null)
// on update; unknown never reaches these functions (the plan is known at apply).

func stringFromAPI(p *string) types.String {
	if p == nil || *p == "" {
		return types.StringNull()
	}
	return types.StringValue(*p)
}

func emailFromAPI(p *string) emailValue {
	if p == nil || *p == "" {
		return newEmailNull()
	}
	return newEmailValue(*p)
}

func metadataFromAPI(m map[string]string, prior types.Map) types.Map {
	if len(m) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() && len(prior.Elements()) == 0 {
			return types.MapValueMust(types.StringType, map[string]attr.Value{})
		}
		return types.MapNull(types.StringType)
	}
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// customerFromAPI maps a Monri customer to the model. priorMetadata is the
// metadata of the plan or state the result replaces (null when none).
func customerFromAPI(c *monri.Customer, priorMetadata types.Map) customerModel {
	return customerModel{
		ID:                 types.StringValue(c.UUID),
		MerchantCustomerID: stringFromAPI(c.MerchantCustomerID),
		Description:        stringFromAPI(c.Description),
		Email:              emailFromAPI(c.Email),
		Name:               stringFromAPI(c.Name),
		Phone:              stringFromAPI(c.Phone),
		Metadata:           metadataFromAPI(c.Metadata, priorMetadata),
		ZipCode:            stringFromAPI(c.ZipCode),
		City:               stringFromAPI(c.City),
		Address:            stringFromAPI(c.Address),
		Country:            stringFromAPI(c.Country),
		CreatedAt:          stringFromAPI(&c.CreatedAt),
		UpdatedAt:          stringFromAPI(&c.UpdatedAt),
	}
}

func stringPtr(v interface {
	IsNull() bool
	IsUnknown() bool
	ValueString() string
}) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

func metadataToMap(m types.Map) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := make(map[string]string, len(m.Elements()))
	for k, v := range m.Elements() {
		if s, ok := v.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out[k] = s.ValueString()
		}
	}
	return out
}

// toFields maps the model to the fields sent on create.
func (m customerModel) toFields() monri.CustomerFields {
	f := monri.CustomerFields{
		MerchantCustomerID: stringPtr(m.MerchantCustomerID),
		Description:        stringPtr(m.Description),
		Email:              stringPtr(m.Email),
		Name:               stringPtr(m.Name),
		Phone:              stringPtr(m.Phone),
		ZipCode:            stringPtr(m.ZipCode),
		City:               stringPtr(m.City),
		Address:            stringPtr(m.Address),
		Country:            stringPtr(m.Country),
	}
	if md := metadataToMap(m.Metadata); len(md) > 0 {
		f.Metadata = md
	}
	return f
}

// customerUpdate returns the partial update that turns state into plan: only
// changed attributes are sent, an attribute removed from the configuration is
// sent as null, and a removed metadata key as "key": null.
func customerUpdate(plan, state customerModel) monri.CustomerUpdate {
	return monri.DiffFields(state.toFields(), plan.toFields())
}
