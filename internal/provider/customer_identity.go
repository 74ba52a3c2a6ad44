package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The resource identity of monri_customer (Terraform 1.12 and later) is the
// customer's uuid, under the same name as the resource's id attribute. The
// resource and the monri_customer list resource both write it here.

// identityIDAttr is the identity's one attribute.
const identityIDAttr = "id"

// CustomerIdentitySchema is the identity schema of monri_customer.
func CustomerIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			identityIDAttr: identityschema.StringAttribute{
				RequiredForImport: true,
				Description: "The Monri customer UUID (Monri's `uuid`, the resource's `id`), " +
					"such as `4b281da4-d145-4233-b957-2018cf9aa0fb`.",
			},
		},
	}
}

// customerIdentityType is the Terraform type of a monri_customer identity.
var customerIdentityType = sync.OnceValue(func() tftypes.Type {
	return CustomerIdentitySchema().Type().TerraformType(context.Background())
})

// customerIdentityValue is the identity of the customer with this uuid.
func customerIdentityValue(uuid string) tftypes.Value {
	return tftypes.NewValue(customerIdentityType(), map[string]tftypes.Value{
		identityIDAttr: tftypes.NewValue(tftypes.String, uuid),
	})
}

// setCustomerIdentity writes the identity of the customer with this uuid. A
// nil identity (Terraform older than 1.12 sends none) is left alone.
func setCustomerIdentity(id *tfsdk.ResourceIdentity, uuid string) {
	if id == nil {
		return
	}
	id.Raw = customerIdentityValue(uuid)
}

// customerIdentityUUID reads the uuid from an identity given to an import
// block's identity argument, checking that it is one.
func customerIdentityUUID(id *tfsdk.ResourceIdentity) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	var attrs map[string]tftypes.Value
	if id == nil || id.Raw.IsNull() || id.Raw.As(&attrs) != nil {
		diags.AddError("Invalid Import Identity", "The import gave neither an ID nor an identity. "+
			"Import a customer by its uuid, with an import block's identity = { id = \"<uuid>\" } or id = \"<uuid>\".")
		return "", diags
	}
	var uuid string
	if v := attrs[identityIDAttr]; !v.IsKnown() || v.IsNull() || v.As(&uuid) != nil || uuid == "" {
		diags.AddAttributeError(path.Root(identityIDAttr), "Invalid Import Identity",
			"The import block's identity must set id to a Monri customer uuid, such as 4b281da4-d145-4233-b957-2018cf9aa0fb.")
		return "", diags
	}
	if parsed, err := parseImportID(uuid); err != nil || parsed.uuid == "" {
		diags.AddAttributeError(path.Root(identityIDAttr), "Invalid Import Identity", fmt.Sprintf(
			"The import block's identity sets id to %q, which is not a Monri customer uuid (such as "+
				"4b281da4-d145-4233-b957-2018cf9aa0fb). To import by merchant_customer_id, use the import block's "+
				"id argument instead: id = \"%s<value>\".", uuid, merchantIDImportPrefix))
		return "", diags
	}
	return uuid, diags
}
