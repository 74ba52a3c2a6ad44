// Package provider holds the Terraform types of the Monri provider: the
// provider itself, its resources, data sources and ephemeral resources. API
// calls go through package monri.
package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// Environment variables read by the provider when the attribute is not set.
const (
	EnvAuthenticityToken    = "MONRI_AUTHENTICITY_TOKEN"
	EnvMerchantKey          = "MONRI_MERCHANT_KEY"
	EnvEnvironment          = "MONRI_ENVIRONMENT"
	EnvBaseURL              = "MONRI_BASE_URL"
	EnvRequestTimeout       = "MONRI_REQUEST_TIMEOUT"
	EnvMaxRetries           = "MONRI_MAX_RETRIES"
	EnvMaxRequestsPerSecond = "MONRI_MAX_REQUESTS_PER_SECOND"
	EnvAuthentication       = "MONRI_AUTHENTICATION"
	EnvMaxConcurrentPages   = "MONRI_MAX_CONCURRENT_PAGES"
	EnvMaxListingItems      = "MONRI_MAX_LISTING_ITEMS"
	EnvShareListings        = "MONRI_SHARE_LISTINGS"
)

var (
	_ provider.Provider                       = &monriProvider{}
	_ provider.ProviderWithEphemeralResources = &monriProvider{}
	_ provider.ProviderWithListResources      = &monriProvider{}
	_ provider.ProviderWithActions            = &monriProvider{}
)

// New returns the provider factory for a version string.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &monriProvider{version: version}
	}
}

type monriProvider struct {
	version string
	// configure, when set (tests), replaces how the client is built.
	newClient func(monri.Config) (*monri.Client, error)
}

type providerModel struct {
	AuthenticityToken    types.String  `tfsdk:"authenticity_token"`
	MerchantKey          types.String  `tfsdk:"merchant_key"`
	Environment          types.String  `tfsdk:"environment"`
	BaseURL              types.String  `tfsdk:"base_url"`
	RequestTimeout       types.String  `tfsdk:"request_timeout"`
	MaxRetries           types.Int64   `tfsdk:"max_retries"`
	MaxRequestsPerSecond types.Float64 `tfsdk:"max_requests_per_second"`
	Authentication       types.String  `tfsdk:"authentication"`
	MaxConcurrentPages   types.Int64   `tfsdk:"max_concurrent_pages"`
	MaxListingItems      types.Int64   `tfsdk:"max_listing_items"`
	metadataSettings                   // default_metadata, ignore_metadata_keys, ignore_metadata_key_prefixes
	ShareListings        types.Bool    `tfsdk:"share_listings"`
}

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	client   *monri.Client
	metadata *metadataConfig // default and ignored metadata, for monri_customer
	// production is true when environment is "prod" (whatever base_url
	// says) or base_url is Monri's production API: actions that delete
	// refuse it unless told otherwise.
	production bool
}

// clientFromProviderData returns the API client in the provider data handed to
// a resource, data source or ephemeral resource's Configure: nil before the
// provider is configured, or with an error diagnostic when the data is not
// what this provider made.
func clientFromProviderData(data any, diags *diag.Diagnostics) *monri.Client {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd.client
}

func (p *monriProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "monri"
	resp.Version = p.version
}

func (p *monriProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Monri provider manages customers of the [Monri](https://monri.com) payment gateway " +
			"through its Customers API, and looks up customers, their saved payment methods and OAuth access tokens.",
		Attributes: map[string]schema.Attribute{
			"authenticity_token": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The merchant's authenticity token, from the Monri merchant dashboard. " +
					"Can also be set with the `" + EnvAuthenticityToken + "` environment variable. Required (here or in the environment).",
				Validators: []validator.String{validUTF8()},
			},
			"merchant_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The merchant key, from the Monri merchant dashboard, used to sign every request " +
					"(`WP3-v2.1`, SHA-512). A secret: prefer the `" + EnvMerchantKey + "` environment variable. Required (here or in the environment).",
				Validators: []validator.String{validUTF8()},
			},
			"environment": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The Monri environment: `test` (`" + monri.TestBaseURL + "`) or `prod` (`" + monri.ProdBaseURL + "`). " +
					"Defaults to `test`. Can also be set with `" + EnvEnvironment + "`. Ignored when `base_url` is set.",
				Validators: []validator.String{stringvalidator.OneOf("test", "prod"), validUTF8()},
			},
			"base_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The API base URL, overriding `environment` (for a proxy or the bundled Monri sandbox). " +
					"Must be `https://`, except for loopback hosts (`localhost`, `127.0.0.1`, `::1`). Can also be set with `" + EnvBaseURL + "`.",
				Validators: []validator.String{validUTF8()},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long one HTTP attempt may take, as a Go duration such as `30s` or `1m`. Defaults to `30s`. " +
					"Can also be set with `" + EnvRequestTimeout + "`.",
				Validators: []validator.String{validUTF8()},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times a request that failed with a transient fault (connection error, timeout, " +
					"an answer cut short or not JSON, HTTP 429, 500, 502, 503 or 504) is retried, with exponential backoff and jitter, " +
					"honouring `Retry-After`. Also bounds the lookups and re-sends of a create whose outcome is unknown. " +
					"0 to 10; defaults to 4. Can also be set with `" + EnvMaxRetries + "`.",
				Validators: []validator.Int64{int64validator.Between(0, 10)},
			},
			"max_requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Client-side limit on requests per second to Monri, so that a large refresh does not exhaust " +
					"a shared API quota. Unlimited when unset or 0. Can also be set with `" + EnvMaxRequestsPerSecond + "`.",
				Validators: []validator.Float64{float64validator.AtLeast(0)},
			},
			"authentication": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How requests to the customer and payment-method endpoints are authenticated. " +
					"`signature` (the default) signs each request with `WP3-v2.1`, as Monri's Customers API documentation describes. " +
					"`access_token` sends `Authorization: Bearer` with an OAuth access token from `POST /v2/oauth`, as Monri's own " +
					"mobile and PHP SDKs do: the provider obtains one token (scopes `customers` and `payment-methods`) per run, shares it " +
					"between concurrent requests, renews it before it expires and once when Monri answers 401, and never logs it. " +
					"Use `access_token` if Monri answers 401 to correctly signed requests. Can also be set with `" + EnvAuthentication + "`.",
				Validators: []validator.String{stringvalidator.OneOf(monri.AuthSignature, monri.AuthAccessToken), validUTF8()},
			},
			"max_concurrent_pages": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many pages of a listing (`monri_customers`, `monri_customer` by `email`, " +
					"`monri_customer_payment_methods` and the `monri_customer` list resource) may be requested at once. " +
					"The first page shows how many items Monri serves per page; then up to this many pages are in flight, " +
					"within `max_requests_per_second`, and the results stay in Monri's order, each item once. " +
					"`1` pages one page at a time. 1 to 16; defaults to 4. Can also be set with `" + EnvMaxConcurrentPages + "`.",
				Validators: []validator.Int64{int64validator.Between(1, monri.MaxConcurrentPagesLimit)},
			},
			"max_listing_items": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many items (customers, or one customer's saved cards, matching the filters "+
					"or not) one listing may go through before it stops with an error: a server or proxy that never ends a listing "+
					"cannot keep the provider paging, and its memory growing, forever. At least 1; defaults to %d, above the "+
					"customer count of the largest merchant a Monri user could have (see the provider documentation). "+
					"Can also be set with `%s`.", monri.DefaultMaxListingItems, EnvMaxListingItems),
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			// Default and ignored metadata (metadata_plan_modifier.go).
			"default_metadata": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Metadata merged into the metadata of every `monri_customer` this provider manages; the resource's own " +
					"`metadata` wins on the same key, and the result is the resource's `metadata_all`, which is what Monri holds. Changing a " +
					"default plans an in-place update of each customer it changes; removing a key removes it from Monri unless the resource " +
					"sets it. A value not known until apply makes `metadata_all` known after apply. Keys must not be empty nor ignored. " +
					"Data sources and the list resource are unaffected.",
				Validators: defaultMetadataValidators(),
			},
			"ignore_metadata_keys": schema.SetAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Metadata keys that something other than Terraform writes on Monri (such as your application). " +
					"A `monri_customer` leaves them alone: they are never shown as drift, never stored in state, and never changed or removed " +
					"by an update (never sent, not even as `null`). Exact keys, not empty; neither `default_metadata` nor a resource's " +
					"`metadata` may set one. Must be known at plan time. Data sources and the list resource still show them.",
				Validators: ignoreKeysValidators(false),
			},
			"ignore_metadata_key_prefixes": schema.SetAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Like `ignore_metadata_keys`, for every metadata key that starts with one of these prefixes " +
					"(such as `app_`). Prefixes must not be empty.",
				Validators: ignoreKeysValidators(true),
			},
			"share_listings": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether the reads of one Terraform run that need every customer (`monri_customer` by `email`, " +
					"`monri_customers` and the `monri_customer` list resource without `created_after`) share one listing: the first " +
					"lists, the others wait for it or reuse it, so ten lookups cost one listing (reads with `created_after`, or of the newest " +
					"`max_items` customers without a filter, use it when it exists and otherwise stop early on their own). " +
					"A shared listing is as fresh as its " +
					"start; any create, update or delete through this provider (and the `monri_delete_customers` action) drops it, so a " +
					"read that follows a write sees it, but changes made by others during the run are not seen. It keeps every " +
					"customer in memory for the run (about 550 bytes each, plus metadata), up to 100,000 customers: a listing with more " +
					"is not shared, and from then on each read lists on its own, streaming. Defaults to `true`. " +
					"Can also be set with `" + EnvShareListings + "`.",
			},
		},
	}
}

func (p *monriProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	unknown := map[string]bool{
		"authenticity_token":      cfg.AuthenticityToken.IsUnknown(),
		"merchant_key":            cfg.MerchantKey.IsUnknown(),
		"environment":             cfg.Environment.IsUnknown(),
		"base_url":                cfg.BaseURL.IsUnknown(),
		"request_timeout":         cfg.RequestTimeout.IsUnknown(),
		"max_retries":             cfg.MaxRetries.IsUnknown(),
		"max_requests_per_second": cfg.MaxRequestsPerSecond.IsUnknown(),
		"authentication":          cfg.Authentication.IsUnknown(),
		"max_concurrent_pages":    cfg.MaxConcurrentPages.IsUnknown(),
		"max_listing_items":       cfg.MaxListingItems.IsUnknown(),
		"share_listings":          cfg.ShareListings.IsUnknown(),
	}
	for _, name := range []string{"authenticity_token", "merchant_key", "environment", "base_url", "request_timeout", "max_retries", "max_requests_per_second", "authentication", "max_concurrent_pages", "max_listing_items", "share_listings"} {
		if unknown[name] {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown Monri Provider Configuration",
				fmt.Sprintf("The provider cannot create the Monri API client because %q depends on a value that is not known until apply. "+
					"Set it statically, set it through its MONRI_* environment variable, or apply the resource it depends on first "+
					"(terraform apply -target=...).", name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	conf, diags := resolveConfig(cfg, os.LookupEnv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	conf.UserAgent = fmt.Sprintf("terraform-provider-monri/%s (+https://registry.terraform.io/providers/monri-community/monri) Terraform/%s",
		p.version, req.TerraformVersion)
	logger := newHTTPLogger(conf.AuthenticityToken, conf.MerchantKey)
	conf.Logger, conf.Masker = logger, logger.masker

	newClient := p.newClient
	if newClient == nil {
		newClient = monri.New
	}
	client, err := newClient(conf)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Monri API Client", err.Error())
		return
	}
	tflog.Debug(ctx, "configured Monri client", map[string]any{"base_url": conf.BaseURL, "authentication": conf.Authentication})
	md, diags := newMetadataConfig(cfg.metadataSettings)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{client: client, metadata: md, production: isProduction(cfg, conf, os.LookupEnv)}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

// isProduction reports whether the provider talks to Monri's production
// API: environment "prod" (from the block or MONRI_ENVIRONMENT), even with
// a base_url pointing elsewhere, or a base_url on the production host.
func isProduction(cfg providerModel, conf monri.Config, lookupEnv func(string) (string, bool)) bool {
	env := cfg.Environment.ValueString()
	if cfg.Environment.IsNull() {
		env, _ = lookupEnv(EnvEnvironment)
	}
	base, err := monri.ValidateBaseURL(conf.BaseURL)
	prod, _ := monri.ValidateBaseURL(monri.ProdBaseURL)
	return env == "prod" || (err == nil && strings.EqualFold(base.Hostname(), prod.Hostname()))
}

// envAttribute is the provider block setting each string environment
// variable stands for.
var envAttribute = map[string]string{
	EnvAuthenticityToken: "authenticity_token",
	EnvMerchantKey:       "merchant_key",
	EnvEnvironment:       "environment",
	EnvBaseURL:           "base_url",
	EnvRequestTimeout:    "request_timeout",
	EnvAuthentication:    "authentication",
}

// resolveConfig merges the provider block with the environment (the block
// wins) and validates the result. lookupEnv is os.LookupEnv in production.
func resolveConfig(cfg providerModel, lookupEnv func(string) (string, bool)) (monri.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	str := func(v types.String, env string) (string, string) {
		if !v.IsNull() {
			return v.ValueString(), "provider configuration"
		}
		if s, ok := lookupEnv(env); ok && s != "" {
			if !utf8.ValidString(s) {
				// Never quoted: it may be the merchant key.
				diags.AddAttributeError(path.Root(envAttribute[env]), "Invalid UTF-8",
					fmt.Sprintf("The environment variable %s (%s) must be valid UTF-8 text, but it is not. "+
						"Convert it to UTF-8, for example with iconv.", env, envAttribute[env]))
			}
			return s, "environment variable " + env
		}
		return "", ""
	}
	out := monri.Config{MaxRetries: monri.DefaultMaxRetries, RequestTimeout: monri.DefaultRequestTimeout}

	out.AuthenticityToken, _ = str(cfg.AuthenticityToken, EnvAuthenticityToken)
	out.MerchantKey, _ = str(cfg.MerchantKey, EnvMerchantKey)
	if out.AuthenticityToken == "" {
		diags.AddAttributeError(path.Root("authenticity_token"), "Missing Monri Authenticity Token",
			"The provider needs the merchant's authenticity token. Set \"authenticity_token\" in the provider block or the "+
				EnvAuthenticityToken+" environment variable. It is on the Monri merchant dashboard (for the bundled sandbox, see its start-up output).")
	}
	if out.MerchantKey == "" {
		diags.AddAttributeError(path.Root("merchant_key"), "Missing Monri Merchant Key",
			"The provider needs the merchant key to sign requests. Set \"merchant_key\" in the provider block or, better, the "+
				EnvMerchantKey+" environment variable. It is on the Monri merchant dashboard (for the bundled sandbox, see its start-up output).")
	}

	env, envSrc := str(cfg.Environment, EnvEnvironment)
	switch env {
	case "", "test":
		out.BaseURL = monri.TestBaseURL
	case "prod":
		out.BaseURL = monri.ProdBaseURL
	default:
		diags.AddAttributeError(path.Root("environment"), "Invalid Monri Environment",
			fmt.Sprintf("The %s sets environment to %q; allowed values are \"test\" and \"prod\".", envSrc, env))
	}
	if base, src := str(cfg.BaseURL, EnvBaseURL); base != "" {
		if _, err := monri.ValidateBaseURL(base); err != nil {
			diags.AddAttributeError(path.Root("base_url"), "Invalid Monri Base URL",
				fmt.Sprintf("The base_url from the %s is not allowed: %s.", src, err))
		}
		out.BaseURL = base
	}
	if s, src := str(cfg.RequestTimeout, EnvRequestTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid Monri Request Timeout",
				fmt.Sprintf("The request_timeout from the %s is %q; it must be a positive Go duration such as \"30s\" or \"2m\".", src, s))
		}
		out.RequestTimeout = d
	}
	if !cfg.MaxRetries.IsNull() {
		out.MaxRetries = int(cfg.MaxRetries.ValueInt64())
	} else if s, ok := lookupEnv(EnvMaxRetries); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 10 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid Monri Max Retries",
				fmt.Sprintf("The environment variable %s is %q; it must be a whole number from 0 to 10.", EnvMaxRetries, s))
		}
		out.MaxRetries = n
	}
	if !cfg.MaxRequestsPerSecond.IsNull() {
		out.MaxRequestsPerSecond = cfg.MaxRequestsPerSecond.ValueFloat64()
	} else if s, ok := lookupEnv(EnvMaxRequestsPerSecond); ok && s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 {
			diags.AddAttributeError(path.Root("max_requests_per_second"), "Invalid Monri Max Requests Per Second",
				fmt.Sprintf("The environment variable %s is %q; it must be a number of requests per second, 0 or more.", EnvMaxRequestsPerSecond, s))
		}
		out.MaxRequestsPerSecond = f
	}
	out.MaxConcurrentPages = monri.DefaultMaxConcurrentPages
	if !cfg.MaxConcurrentPages.IsNull() {
		out.MaxConcurrentPages = int(cfg.MaxConcurrentPages.ValueInt64())
	} else if s, ok := lookupEnv(EnvMaxConcurrentPages); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > monri.MaxConcurrentPagesLimit {
			diags.AddAttributeError(path.Root("max_concurrent_pages"), "Invalid Monri Max Concurrent Pages",
				fmt.Sprintf("The environment variable %s (max_concurrent_pages) is %q; it must be a whole number from 1 (one page at a time) to %d.",
					EnvMaxConcurrentPages, s, monri.MaxConcurrentPagesLimit))
		}
		out.MaxConcurrentPages = n
	}
	out.MaxListingItems = monri.DefaultMaxListingItems
	if !cfg.MaxListingItems.IsNull() {
		out.MaxListingItems = int(cfg.MaxListingItems.ValueInt64())
	} else if s, ok := lookupEnv(EnvMaxListingItems); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			diags.AddAttributeError(path.Root("max_listing_items"), "Invalid Monri Max Listing Items",
				fmt.Sprintf("The environment variable %s (max_listing_items) is %q; it must be a whole number, at least 1.", EnvMaxListingItems, s))
		}
		out.MaxListingItems = n
	}
	out.ShareListings = true
	if !cfg.ShareListings.IsNull() {
		out.ShareListings = cfg.ShareListings.ValueBool()
	} else if s, ok := lookupEnv(EnvShareListings); ok && s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			diags.AddAttributeError(path.Root("share_listings"), "Invalid Monri Share Listings",
				fmt.Sprintf("The environment variable %s (share_listings) is %q; it must be true or false.", EnvShareListings, s))
		}
		out.ShareListings = b
	}
	switch auth, src := str(cfg.Authentication, EnvAuthentication); auth {
	case "", monri.AuthSignature:
		out.Authentication = monri.AuthSignature
	case monri.AuthAccessToken:
		out.Authentication = monri.AuthAccessToken
	default:
		diags.AddAttributeError(path.Root("authentication"), "Invalid Monri Authentication",
			fmt.Sprintf("The %s sets authentication to %q; allowed values are %q and %q.", src, auth, monri.AuthSignature, monri.AuthAccessToken))
	}
	return out, diags
}

func (p *monriProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewCustomerResource,
	}
}

func (p *monriProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewCustomerListResource,
	}
}

func (p *monriProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewCustomerDataSource,
		NewCustomersDataSource,
		NewCustomerPaymentMethodsDataSource,
	}
}

func (p *monriProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewDeleteCustomersAction,
	}
}

func (p *monriProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAccessTokenEphemeralResource,
	}
}
