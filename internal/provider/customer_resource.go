package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ resource.Resource                = &customerResource{}
	_ resource.ResourceWithConfigure   = &customerResource{}
	_ resource.ResourceWithImportState = &customerResource{}
	_ resource.ResourceWithIdentity    = &customerResource{}
)

// NewCustomerResource returns the monri_customer resource.
func NewCustomerResource() resource.Resource {
	return &customerResource{}
}

type customerResource struct {
	client   *monri.Client
	metadata *metadataConfig // the provider's default and ignored metadata
}

func (r *customerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customer"
}

func (r *customerResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = CustomerResourceSchema()
}

// IdentitySchema declares the resource identity (Terraform 1.12 and later):
// the customer's uuid.
func (r *customerResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = CustomerIdentitySchema()
}

// CustomerResourceSchema is the schema of monri_customer. It is exported so
// that the benchmark's no-op baseline provider serves the identical schema.
func CustomerResourceSchema() schema.Schema {
	str := func(desc string, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc, Validators: append(v, validUTF8())}
	}
	return schema.Schema{
		MarkdownDescription: "A customer in Monri's Customers API. Monri keeps the customer's saved cards " +
			"(see the `monri_customer_payment_methods` data source) under its `id`.\n\n" +
			"All attributes are optional. Changes are applied in place with a partial update that sends only what changed; " +
			"removing an attribute from the configuration clears it on Monri (it is sent as `null`). If Monri's answer still holds " +
			"a value it was asked to clear, the apply fails with an error naming the attribute, and the state keeps Monri's value. " +
			"Deleting the resource deletes the customer.\n\n" +
			"Its resource identity (Terraform 1.12 and later) is `id`, the customer's UUID, so an `import` block can name it. " +
			"The `monri_customer` list resource finds existing customers to import with `terraform query` (Terraform 1.14 and later).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The Monri customer UUID (Monri's `uuid`), assigned on create.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"merchant_customer_id": str("Your own identifier for the customer, 1–100 characters, unique among your live customers. "+
				"Can be changed in place. Setting it is strongly recommended: it lets the provider create the customer safely when a "+
				"create request's outcome is unknown, and lets you import with `merchant_customer_id:<value>`. "+
				"It may not be `.` or `..`: the provider looks customers up by it in a URL path, where those would name another path.",
				lengthBetween(1, 100),
				pathSegment("the provider looks the customer up by it in a URL path (/v2/merchants/customers/<merchant_customer_id>) "+
					"to import it and to create it safely")),
			"description": str("A description of the customer, 1–200 characters.", lengthBetween(1, 200)),
			"email": schema.StringAttribute{
				Optional:   true,
				CustomType: emailType{},
				MarkdownDescription: "The customer's email address, 1–200 characters. Compared without regard to letter case, " +
					"so an address Monri stores lower-cased does not show as a change.",
				Validators: emailValidators(),
			},
			"name":  str("The customer's full name or business name, 1–50 characters.", lengthBetween(1, 50)),
			"phone": str("The customer's phone number, 1–30 characters.", lengthBetween(1, 30)),
			"metadata": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Key-value pairs stored with the customer; keys must not be empty. Keys removed from the " +
					"configuration are removed on Monri. The provider's `default_metadata` is merged in (see `metadata_all`); this " +
					"attribute holds only what the configuration sets. A key the provider ignores (`ignore_metadata_keys`, " +
					"`ignore_metadata_key_prefixes`) cannot be set.",
				Validators: metadataValidators(),
			},
			"metadata_all": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The metadata Monri holds for the customer: the provider's `default_metadata` merged with " +
					"`metadata` (which wins on the same key), without the keys the provider ignores. Planned from the configuration, " +
					"so a changed default shows here; unknown until apply when a default is.",
			},
			"zip_code": str("The customer's ZIP or postal code, 1–9 characters.", lengthBetween(1, 9)),
			"city":     str("The customer's city, district, suburb, town or village, 3–30 characters.", lengthBetween(3, 30)),
			"address":  str("The customer's address, 3–100 characters.", lengthBetween(3, 100)),
			"country": str("The customer's country as an ISO 3166-1 alpha-2 code in upper case, such as `BA` or `HR`.",
				countryCode()),
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the customer was created (RFC 3339, as Monri returns it).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the customer was last changed (RFC 3339, as Monri returns it).",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": customerTimeoutsBlock(),
		},
	}
}

func (r *customerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
	r.metadata = metadataConfigFromProviderData(req.ProviderData)
}

func (r *customerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, diags := customerFromTerraform(ctx, req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	op, cancel, diags := startOperation(ctx, plan.Timeouts, "create")
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	cust, err := r.client.CreateCustomerWith(op.ctx, r.metadata.fields(plan), r.metadata.createOptions())
	if err != nil {
		var dup *monri.DuplicateMerchantCustomerIDError
		var unknown *monri.UnknownOutcomeError
		var contra *monri.ContradictingAnswerError
		switch {
		case errors.As(err, &contra) && !errors.As(err, &unknown):
			resp.Diagnostics.AddError("Unable to Create Monri Customer", createContradictedDetail(contra))
		case op.timedOut() && errors.As(err, &dup) && dup.ExistingUUID != "":
			// The create's outcome was unknown and the lookup found the
			// customer, but bringing it in line ran out of time.
			resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Create Monri Customer", createTimedOutAdoptingDetail(op, dup))
		case errors.As(err, &dup):
			resp.Diagnostics.AddAttributeError(path.Root("merchant_customer_id"), "Duplicate Monri Customer", duplicateCustomerDetail(dup))
		case op.timedOut() && errors.As(err, &unknown) && unknown.MerchantCustomerID != "":
			resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Create Monri Customer", createTimedOutUnknownDetail(op, unknown))
		case op.timedOut() && errors.As(err, &unknown):
			resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Create Monri Customer", createTimedOutUnknownNoIDDetail(op))
		case op.timedOut():
			resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Create Monri Customer", createTimedOutDetail(op, err))
		case errors.As(err, &unknown) && unknown.MerchantCustomerID != "":
			resp.Diagnostics.AddError("Unable to Create Monri Customer", createUnknownOutcomeDetail(unknown))
		case errors.As(err, &unknown):
			resp.Diagnostics.AddError("Unable to Create Monri Customer", createUnknownOutcomeNoIDDetail(unknown))
		default:
			resp.Diagnostics.AddError("Unable to Create Monri Customer", errorDetail(err))
		}
		return
	}
	resp.Diagnostics.Append(setCustomerState(ctx, &resp.State, r.metadata.resourceFromAPI(cust, plan))...)
	setCustomerIdentity(resp.Identity, cust.UUID)
}

func (r *customerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, diags := customerFromTerraform(ctx, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	uuid := state.ID.ValueString()
	// The identity is the uuid also when the customer turns out to be gone:
	// the framework requires one after every read without errors.
	setCustomerIdentity(resp.Identity, uuid)
	op, cancel, diags := startOperation(ctx, state.Timeouts, "read")
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	cust, err := r.client.GetCustomer(op.ctx, uuid)
	if errors.Is(err, monri.ErrNotFound) {
		// created_at is null only in the read that follows an import (the
		// import sets the id alone), where Terraform itself reports that the
		// customer does not exist.
		if !state.CreatedAt.IsNull() {
			resp.Diagnostics.AddWarning("Monri Customer Deleted Outside Terraform", deletedWarning(uuid, state.MerchantCustomerID, err))
		}
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		if op.timedOut() {
			resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Read Monri Customer",
				op.exceeded("Reading customer "+uuid)+" "+op.lastError(err)+"\n\n"+op.next())
			return
		}
		resp.Diagnostics.AddError("Unable to Read Monri Customer",
			fmt.Sprintf("Reading customer %s failed. %s", uuid, errorDetail(err)))
		return
	}
	resp.Diagnostics.Append(setCustomerState(ctx, &resp.State, r.metadata.resourceFromAPI(cust, state))...)
}

// deletedWarning says which customer a refresh found gone, how Monri said
// so, and what happens next.
func deletedWarning(uuid string, merchantCustomerID types.String, err error) string {
	who := fmt.Sprintf("Customer %s", uuid)
	if !merchantCustomerID.IsNull() {
		who += fmt.Sprintf(" (merchant_customer_id %q)", merchantCustomerID.ValueString())
	} else {
		who += " (no merchant_customer_id)"
	}
	how := "Monri answers 404 Not Found for it"
	var deleted *monri.DeletedError
	if errors.As(err, &deleted) {
		how = "Monri answers it with \"deleted\": true"
		if deleted.Customer.DeletedAt != nil && *deleted.Customer.DeletedAt != "" {
			how += ", deleted_at " + *deleted.Customer.DeletedAt
		}
	}
	return who + " was deleted outside Terraform: " + how + ". It has been removed from the Terraform state, and " +
		"while the configuration still declares it, the next apply will create it again as a new customer with a new id " +
		"(Monri does not restore deleted customers, and cards saved for the old one stay with it). " +
		"If that is not wanted, remove the resource from the configuration."
}

func (r *customerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, diags := customerFromTerraform(ctx, req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	state, diags := customerFromTerraform(ctx, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	uuid := state.ID.ValueString()
	setCustomerIdentity(resp.Identity, uuid)
	op, cancel, diags := startOperation(ctx, plan.Timeouts, "update")
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	u := r.metadata.update(plan, state)
	var cust *monri.Customer
	var err error
	if u.IsEmpty() {
		// Nothing Monri holds is to change: only the timeouts block, or how
		// metadata's emptiness is spelled (null or {}), changed. (An email
		// whose letter case changed is sent: the update compares exact
		// strings.) The state takes Monri's current values.
		cust, err = r.client.GetCustomer(op.ctx, uuid)
	} else {
		cust, err = r.client.UpdateCustomer(op.ctx, uuid, u)
	}
	var kept *monri.FieldsKeptError
	if errors.As(err, &kept) {
		// Monri applied the update but ignored some of its nulls: the state
		// holds what Monri holds, and each kept attribute is an error.
		resp.Diagnostics.Append(setCustomerState(ctx, &resp.State, r.metadata.resourceFromAPI(kept.Customer, plan))...)
		addFieldsKeptErrors(&resp.Diagnostics, uuid, kept.Fields)
		return
	}
	if err != nil {
		detail := fmt.Sprintf("Updating customer %s failed. %s", uuid, errorDetail(err))
		switch {
		case errors.Is(err, monri.ErrNotFound):
			detail = fmt.Sprintf("Customer %s no longer exists on Monri (it was deleted outside Terraform). "+
				"Run terraform apply again: the refresh will notice and plan to create it.", uuid)
		case op.timedOut():
			resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Update Monri Customer",
				op.exceeded("Updating customer "+uuid)+" The update may or may not have reached Monri; the next plan compares "+
					"the configuration with what Monri holds. "+op.lastError(err)+"\n\n"+op.next())
			return
		}
		resp.Diagnostics.AddError("Unable to Update Monri Customer", detail)
		return
	}
	resp.Diagnostics.Append(setCustomerState(ctx, &resp.State, r.metadata.resourceFromAPI(cust, plan))...)
}

// addFieldsKeptErrors reports, one error per attribute, that Monri kept a
// value the update cleared (fields as in monri.FieldsKeptError).
func addFieldsKeptErrors(diags *diag.Diagnostics, uuid string, fields []string) {
	for _, f := range fields {
		attr, what, sent := path.Root(f), f, fmt.Sprintf("%q: null", f)
		next := fmt.Sprintf("set %s to a value in the configuration (Monri keeps the last value it was given)", f)
		if key, ok := strings.CutPrefix(f, "metadata."); ok {
			attr, what, sent = path.Root("metadata").AtMapKey(key), fmt.Sprintf("metadata key %q", key), fmt.Sprintf("\"metadata\": {%q: null}", key)
			next = fmt.Sprintf("keep the key %q in metadata with a value", key)
		}
		diags.AddAttributeError(attr, "Unable to Update Monri Customer", fmt.Sprintf(
			"The configuration no longer sets %s of customer %s, so the provider sent %s to clear it, but Monri's answer "+
				"still holds a value: Monri kept it (its documentation promises clearing only for metadata keys). The rest of the "+
				"update was applied, and the state now holds what Monri holds, so the next plan shows the same change again.\n\n"+
				"To resolve it, either %s, or replace the customer so that it is created without it:\n\n"+
				"  terraform apply -replace=<resource address>", what, uuid, sent, next))
	}
}

func (r *customerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, diags := customerKeyFromTerraform(ctx, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	uuid := state.ID.ValueString()
	op, cancel, diags := startOperation(ctx, state.Timeouts, "delete")
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteCustomer(op.ctx, uuid)
	switch {
	case err == nil || errors.Is(err, monri.ErrNotFound):
	case op.timedOut():
		resp.Diagnostics.AddAttributeError(op.attr(), "Unable to Delete Monri Customer",
			op.exceeded("Deleting customer "+uuid)+" The customer may still exist on Monri, so it stays in the state. "+
				op.lastError(err)+"\n\n"+op.next())
	default:
		resp.Diagnostics.AddError("Unable to Delete Monri Customer",
			fmt.Sprintf("Deleting customer %s failed. %s", uuid, errorDetail(err)))
	}
}

// ImportState takes a uuid or merchant_customer_id:<value> as the import ID
// (terraform import, an import block's id), or an identity (an import
// block's identity, Terraform 1.12 and later) whose id is a uuid.
func (r *customerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil {
		uuid, diags := customerIdentityUUID(req.Identity)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), uuid)...)
		setCustomerIdentity(resp.Identity, uuid)
		return
	}
	id, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error()+
			"\n\nImport a customer by its uuid (terraform import monri_customer.example 4b281da4-d145-4233-b957-2018cf9aa0fb) "+
			"or by merchant_customer_id (terraform import monri_customer.example merchant_customer_id:customer-1234).")
		return
	}
	uuid := id.uuid
	if id.merchantCustomerID != "" {
		cust, err := r.client.GetCustomerByMerchantID(ctx, id.merchantCustomerID)
		switch {
		case errors.Is(err, monri.ErrNotFound):
			resp.Diagnostics.AddError("Cannot Import Monri Customer",
				fmt.Sprintf("There is no Monri customer with merchant_customer_id %q.", id.merchantCustomerID))
			return
		case err != nil:
			resp.Diagnostics.AddError("Cannot Import Monri Customer",
				fmt.Sprintf("Looking up merchant_customer_id %q failed. %s", id.merchantCustomerID, errorDetail(err)))
			return
		}
		uuid = cust.UUID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), uuid)...)
	setCustomerIdentity(resp.Identity, uuid)
}
