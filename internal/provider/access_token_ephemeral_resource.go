package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var (
	_ ephemeral.EphemeralResource              = &accessTokenEphemeralResource{}
	_ ephemeral.EphemeralResourceWithConfigure = &accessTokenEphemeralResource{}
)

// NewAccessTokenEphemeralResource returns the monri_access_token ephemeral
// resource.
func NewAccessTokenEphemeralResource() ephemeral.EphemeralResource {
	return &accessTokenEphemeralResource{}
}

type accessTokenEphemeralResource struct {
	client *monri.Client
}

type accessTokenModel struct {
	Scopes      types.Set    `tfsdk:"scopes"`
	AccessToken types.String `tfsdk:"access_token"`
	TokenType   types.String `tfsdk:"token_type"`
	ExpiresIn   types.Int64  `tfsdk:"expires_in"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
}

// accessTokenScopes are the scopes requested when none are configured.
var accessTokenScopes = []string{monri.ScopeCustomers, monri.ScopePaymentMethods}

// allowedScopes are the scopes a configuration may ask for: the default ones
// and payments, which Monri's PHP SDK requests.
var allowedScopes = []string{monri.ScopeCustomers, monri.ScopePaymentMethods, monri.ScopePayments}

func (r *accessTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_token"
}

func (r *accessTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Obtains an OAuth access token from Monri (`POST /v2/oauth`, client-credentials grant with the " +
			"provider's `authenticity_token` and `merchant_key`), as a backend does for Monri's mobile SDKs.\n\n" +
			"Being ephemeral, the token is never stored in the plan or state: a new one is issued each time Terraform " +
			"needs it (every plan and apply). Use it in provider blocks, in other ephemeral resources, or in write-only " +
			"attributes of other providers (for example to store it in a secrets manager). Requires Terraform 1.10 or later.",
		Attributes: map[string]schema.Attribute{
			"scopes": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "What the token may be used for: `customers` (the customer endpoints) and/or " +
					"`payment-methods` (listing saved cards), and `payments` (Monri's payment API, as its PHP SDK requests). " +
					"Defaults to `customers` and `payment-methods`. At least one scope when set.",
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(allowedScopes...)),
					setvalidator.ValueStringsAre(validUTF8()),
				},
			},
			"access_token": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The access token, sent as `Authorization: Bearer <access_token>`. A secret; " +
					"valid until `expires_at`.",
			},
			"token_type": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The token type Monri reports, `Bearer`.",
			},
			"expires_in": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "The token's lifetime in seconds, as Monri reports it (900 on Monri's hosts).",
			},
			"expires_at": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "When the token expires (RFC 3339, UTC): the time the request was sent plus `expires_in`, " +
					"so never later than Monri's own expiry. Null when Monri reports no lifetime.",
			},
		},
	}
}

func (r *accessTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *accessTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var data accessTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	scopes := slices.Clone(accessTokenScopes)
	if !data.Scopes.IsNull() && !data.Scopes.IsUnknown() {
		scopes = nil
		resp.Diagnostics.Append(data.Scopes.ElementsAs(ctx, &scopes, false)...)
		if resp.Diagnostics.HasError() {
			return
		}
		slices.Sort(scopes)
	}

	sent := time.Now()
	tok, err := r.client.CreateAccessToken(ctx, scopes)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Monri Access Token",
			fmt.Sprintf("Monri did not issue an access token for the scopes %q. %s", scopes, errorDetail(err)))
		return
	}

	scopeSet, diags := types.SetValueFrom(ctx, types.StringType, scopes)
	resp.Diagnostics.Append(diags...)
	data.Scopes = scopeSet
	data.AccessToken = types.StringValue(tok.AccessToken)
	data.TokenType = stringFromAPI(&tok.TokenType)
	data.ExpiresIn = types.Int64Value(tok.ExpiresIn)
	data.ExpiresAt = types.StringNull()
	if tok.ExpiresIn > 0 {
		data.ExpiresAt = types.StringValue(sent.Add(time.Duration(tok.ExpiresIn) * time.Second).UTC().Format(time.RFC3339))
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &data)...)
}
