// Package benchprovider is the benchmark's baseline: a no-op Terraform
// provider that serves the identical monri_customer schema as the real
// provider (it calls provider.CustomerResourceSchema, so the two cannot drift
// apart) but keeps everything in state and makes no request. Timing Terraform
// against it measures the floor that Terraform core and the plugin protocol
// set, which `make bench` compares the real provider with.
//
// It is served by internal/cmd/monri-noop-provider under the address
// registry.terraform.io/monri-community/monrinoop with the type name "monri",
// so a configuration that maps the local name monri to that source uses the
// very same resource type, monri_customer.
package benchprovider

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	monriprovider "github.com/monri-community/terraform-provider-monri/internal/provider"
)

// Address is the registry address the baseline provider is served under.
const Address = "registry.terraform.io/monri-community/monrinoop"

var _ provider.Provider = &noopProvider{}

// New returns the factory of the no-op provider.
func New() provider.Provider { return &noopProvider{} }

type noopProvider struct{}

func (p *noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	// The type name of the real provider, so that the resource is monri_customer.
	resp.TypeName = "monri"
	resp.Version = "noop"
}

func (p *noopProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A no-op stand-in for the Monri provider, used as the benchmark's baseline. It has no configuration.",
	}
}

func (p *noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newCustomerResource}
}

func (p *noopProvider) DataSources(context.Context) []func() datasource.DataSource {
	return nil
}

var _ resource.Resource = &customerResource{}

// customerResource is monri_customer kept in state only.
type customerResource struct{}

func newCustomerResource() resource.Resource { return &customerResource{} }

func (r *customerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_customer"
}

func (r *customerResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = monriprovider.CustomerResourceSchema()
}

// Create stores the plan with a random id and created_at = updated_at = now.
func (r *customerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	id := newUUID()
	now := time.Now().UTC().Format(time.RFC3339)
	resp.State.Raw = req.Plan.Raw
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("created_at"), now)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("updated_at"), now)...)
	setMetadataAll(ctx, &resp.State, &resp.Diagnostics)
}

// setMetadataAll sets metadata_all to metadata ({} when null), as the real
// provider does without default_metadata.
func setMetadataAll(ctx context.Context, st *tfsdk.State, diags *diag.Diagnostics) {
	var md types.Map
	diags.Append(st.GetAttribute(ctx, path.Root("metadata"), &md)...)
	if md.IsNull() {
		md = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
	diags.Append(st.SetAttribute(ctx, path.Root("metadata_all"), md)...)
}

// Read keeps the state as it is (the framework copies it into the response).
func (r *customerResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update stores the plan with updated_at = now (id and created_at are carried
// over from state by the schema's UseStateForUnknown plan modifiers).
func (r *customerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("updated_at"), time.Now().UTC().Format(time.RFC3339))...)
	setMetadataAll(ctx, &resp.State, &resp.Diagnostics)
}

// Delete does nothing: the framework removes the resource from state.
func (r *customerResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// newUUID returns a random (version 4) UUID. crypto/rand.Read never fails
// (since Go 1.24 it crashes the program instead of returning an error).
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
