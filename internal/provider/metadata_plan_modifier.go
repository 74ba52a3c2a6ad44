package provider

// Default and ignored metadata: the provider block's default_metadata,
// ignore_metadata_keys and ignore_metadata_key_prefixes, and the
// monri_customer attribute metadata_all they make. This file is the one place
// that knows about them; the API client never does.
//
// The shape is the AWS provider's tags/tags_all, without the mistakes of
// hashicorp/terraform-provider-aws#18311 (perpetual diffs, unknown defaults)
// and #19204 (the same key at both levels):
//
//   - metadata is what the configuration sets, and nothing else, also after a
//     refresh; metadata_all is what Monri holds for the customer
//     (default_metadata merged with metadata, the resource winning), minus the
//     ignored keys. Create and update send metadata_all.
//   - The merge happens at plan time, in the resource's ModifyPlan, so a
//     changed default plans an in-place update of the customers it affects.
//     An unknown default makes metadata_all unknown (known after apply).
//   - A refresh decides, key by key, whether a key of Monri's belongs in
//     metadata: yes when the state's metadata has it (the configuration set
//     it, even with the default's value), no when metadata_all had it at the
//     last apply without metadata (it came from a default), no when it equals
//     a current default (an import), and yes otherwise (drift to remove). So
//     moving a key between the two levels changes only metadata, and an import
//     writes into metadata only the keys that are not defaults.
//   - Ignored keys are dropped from Monri's answer before anything else, and
//     from both sides of every update (also the one that adopts the customer
//     a create with an unknown outcome made), so they are never stored,
//     compared or sent.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

var _ resource.ResourceWithModifyPlan = &customerResource{}

// metadataSettings are the provider block's metadata arguments (embedded in
// providerModel).
type metadataSettings struct {
	DefaultMetadata           types.Map `tfsdk:"default_metadata"`
	IgnoreMetadataKeys        types.Set `tfsdk:"ignore_metadata_keys"`
	IgnoreMetadataKeyPrefixes types.Set `tfsdk:"ignore_metadata_key_prefixes"`
}

// metadataConfig is the provider's metadata settings, read once in the
// provider's Configure and handed to monri_customer. A nil *metadataConfig is
// valid: no defaults and nothing ignored.
type metadataConfig struct {
	defaults        map[string]string
	defaultsUnknown bool // some default is not known until apply
	ignoreKeys      map[string]bool
	ignorePrefixes  []string
}

// Validators of the provider block's metadata arguments (plan time:
// ValidateProviderConfig).

func defaultMetadataValidators() []validator.Map {
	return []validator.Map{
		mapvalidator.KeysAre(validUTF8()),
		mapvalidator.ValueStringsAre(validUTF8()),
		defaultMetadataValidator{},
	}
}

func ignoreKeysValidators(prefixes bool) []validator.Set {
	return []validator.Set{setvalidator.ValueStringsAre(validUTF8()), ignoreKeysValidator{prefixes: prefixes}}
}

// defaultMetadataValidator refuses an empty key, a null value, and a key that
// ignore_metadata_keys or ignore_metadata_key_prefixes ignores.
type defaultMetadataValidator struct{}

func (defaultMetadataValidator) Description(context.Context) string {
	return "keys must not be empty and must not be ignored by ignore_metadata_keys or ignore_metadata_key_prefixes"
}

func (v defaultMetadataValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (defaultMetadataValidator) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var ign metadataConfig
	var keys, prefixes types.Set
	if req.Config.Raw.IsNull() { // no configuration to compare with (a validator called on its own)
		keys, prefixes = types.SetNull(types.StringType), types.SetNull(types.StringType)
	} else {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("ignore_metadata_keys"), &keys)...)
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("ignore_metadata_key_prefixes"), &prefixes)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ign.ignoreKeys, _ = knownStrings(keys)
	_, ign.ignorePrefixes = knownStrings(prefixes)
	for _, k := range sortedKeys(req.ConfigValue.Elements()) {
		at := req.Path.AtMapKey(k)
		if k == "" {
			resp.Diagnostics.AddAttributeError(at, "Invalid Default Metadata Key",
				`default_metadata has an empty key (""). Metadata keys must be at least 1 character long.`)
			continue
		}
		if v := req.ConfigValue.Elements()[k]; v.IsNull() {
			resp.Diagnostics.AddAttributeError(at, "Invalid Default Metadata Value",
				fmt.Sprintf("default_metadata key %q is null. Give it a string value (\"\" is allowed), or remove the key.", k))
		}
		if why := ign.ignoredBy(k); why != "" {
			resp.Diagnostics.AddAttributeError(at, "Default Metadata Key Is Ignored",
				fmt.Sprintf("default_metadata sets the key %q, which %s. The provider never sends an ignored key, so the default "+
					"could never reach Monri. Remove %q from default_metadata, or stop ignoring it.", k, why, k))
		}
	}
}

// ignoreKeysValidator refuses an empty key or prefix (an empty prefix would
// ignore every key).
type ignoreKeysValidator struct{ prefixes bool }

func (v ignoreKeysValidator) Description(context.Context) string {
	if v.prefixes {
		return "prefixes must not be empty"
	}
	return "keys must not be empty"
}

func (v ignoreKeysValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v ignoreKeysValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			continue
		}
		switch {
		case s.IsNull():
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Ignored Metadata Key",
				fmt.Sprintf("%s contains null. Remove it.", req.Path))
		case s.ValueString() == "" && v.prefixes:
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Ignored Metadata Key Prefix",
				fmt.Sprintf(`%s contains an empty prefix (""), which would ignore every metadata key. Prefixes must be at least 1 character long.`, req.Path))
		case s.ValueString() == "":
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Ignored Metadata Key",
				fmt.Sprintf(`%s contains an empty key (""). Metadata keys must be at least 1 character long.`, req.Path))
		}
	}
}

// newMetadataConfig reads the provider block's metadata settings in
// Configure. The ignore sets must be known (a refresh filters with them); a
// default that is not known until apply is allowed.
func newMetadataConfig(s metadataSettings) (*metadataConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	for name, v := range map[string]types.Set{"ignore_metadata_keys": s.IgnoreMetadataKeys, "ignore_metadata_key_prefixes": s.IgnoreMetadataKeyPrefixes} {
		if !isFullyKnown(v) {
			diags.AddAttributeError(path.Root(name), "Unknown Monri Provider Configuration",
				fmt.Sprintf("%s depends on a value that is not known until apply, but every refresh needs it to tell which metadata keys "+
					"to leave alone. Set it statically, or apply the resource it depends on first (terraform apply -target=...).", name))
		}
	}
	c := &metadataConfig{}
	c.ignoreKeys, _ = knownStrings(s.IgnoreMetadataKeys)
	_, c.ignorePrefixes = knownStrings(s.IgnoreMetadataKeyPrefixes)
	switch {
	case s.DefaultMetadata.IsUnknown():
		c.defaultsUnknown = true
	case !s.DefaultMetadata.IsNull():
		c.defaults = map[string]string{}
		for k, v := range s.DefaultMetadata.Elements() {
			if v.IsUnknown() {
				c.defaultsUnknown = true
			} else if s, ok := v.(types.String); ok && !s.IsNull() {
				c.defaults[k] = s.ValueString()
			}
		}
	}
	return c, diags
}

// metadataConfigFromProviderData returns the metadata settings in the data
// the provider's Configure made (nil before it is configured).
func metadataConfigFromProviderData(data any) *metadataConfig {
	if pd, ok := data.(*providerData); ok {
		return pd.metadata
	}
	return nil
}

func isFullyKnown(s types.Set) bool {
	if s.IsUnknown() {
		return false
	}
	for _, e := range s.Elements() {
		if e.IsUnknown() {
			return false
		}
	}
	return true
}

// knownStrings returns a set of strings' known values, as a set and in order.
func knownStrings(s types.Set) (map[string]bool, []string) {
	if s.IsNull() || s.IsUnknown() {
		return nil, nil
	}
	set := map[string]bool{}
	var list []string
	for _, e := range s.Elements() {
		if v, ok := e.(types.String); ok && !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" {
			set[v.ValueString()] = true
			list = append(list, v.ValueString())
		}
	}
	slices.Sort(list)
	return set, list
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ignoredBy says which setting ignores the key ("" when none does).
func (c *metadataConfig) ignoredBy(key string) string {
	if c == nil {
		return ""
	}
	if c.ignoreKeys[key] {
		return "ignore_metadata_keys ignores"
	}
	for _, p := range c.ignorePrefixes {
		if strings.HasPrefix(key, p) {
			return fmt.Sprintf("ignore_metadata_key_prefixes ignores (it starts with %q)", p)
		}
	}
	return ""
}

func (c *metadataConfig) ignores(key string) bool { return c.ignoredBy(key) != "" }

// withoutIgnored returns m without the ignored keys.
func (c *metadataConfig) withoutIgnored(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !c.ignores(k) {
			out[k] = v
		}
	}
	return out
}

// ModifyPlan merges default_metadata with the planned metadata into
// metadata_all, and refuses a metadata key the provider ignores (the provider
// configuration is not available to ValidateResourceConfig, so this check
// happens here, still at plan time).
func (r *customerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var planned types.Map
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("metadata"), &planned)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.metadata
	for _, k := range sortedKeys(planned.Elements()) {
		if why := c.ignoredBy(k); why != "" {
			resp.Diagnostics.AddAttributeError(path.Root("metadata").AtMapKey(k), "Metadata Key Is Ignored",
				fmt.Sprintf("metadata sets the key %q, which the provider's %s. The provider never sends, stores or compares an ignored "+
					"key, so this resource cannot set it. Remove %q from metadata, or stop ignoring it in the provider block.", k, why, k))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	all := c.merge(planned)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("metadata_all"), all)...)
	if req.State.Raw.IsNull() {
		return // create: everything computed is unknown already
	}
	var prior types.Map
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("metadata_all"), &prior)...)
	if !all.Equal(prior) {
		// The configuration may be unchanged (only a default changed), in
		// which case the framework left updated_at at its prior value; the
		// update will change it.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("updated_at"), types.StringUnknown())...)
	}
}

// merge returns metadata_all for the planned metadata: the defaults, then
// the resource's own keys over them; unknown when any of it is unknown.
func (c *metadataConfig) merge(metadata types.Map) types.Map {
	if metadata.IsUnknown() || (c != nil && c.defaultsUnknown) {
		return types.MapUnknown(types.StringType)
	}
	all := map[string]attr.Value{}
	if c != nil {
		for k, v := range c.defaults {
			all[k] = types.StringValue(v)
		}
	}
	for k, v := range metadata.Elements() {
		if v.IsUnknown() {
			return types.MapUnknown(types.StringType)
		}
		if s, ok := v.(types.String); ok && !s.IsNull() {
			all[k] = s
		}
	}
	return types.MapValueMust(types.StringType, all)
}

// fields is what Monri is to hold for the monri_customer plan or state m:
// its attributes with metadata_all (defaults merged in) as the metadata, and
// never an ignored key. A state written before metadata_all existed has it
// null; its metadata stands in.
func (c *metadataConfig) fields(m customerResourceModel) monri.CustomerFields {
	f := m.toFields()
	if !m.MetadataAll.IsNull() && !m.MetadataAll.IsUnknown() {
		f.Metadata = metadataToMap(m.MetadataAll)
	}
	f.Metadata = c.withoutIgnored(f.Metadata)
	if len(f.Metadata) == 0 {
		f.Metadata = nil
	}
	return f
}

// update returns the partial update that turns the customer of state into
// that of plan. Ignored keys are on neither side, so they are never sent.
func (c *metadataConfig) update(plan, state customerResourceModel) monri.CustomerUpdate {
	return monri.DiffFields(c.fields(state), c.fields(plan))
}

// createOptions make a create whose outcome is unknown, when it adopts the
// customer it finds, leave the ignored keys alone: the update that brings the
// customer in line with the plan never sends them, not even as null.
func (c *metadataConfig) createOptions() monri.CreateOptions {
	return monri.CreateOptions{LeaveMetadataKey: c.ignores}
}

// resourceFromAPI maps a Monri customer to the monri_customer state that
// replaces prior (the plan, the state being refreshed, or, for an import or
// a listing, a model whose metadata and metadata_all are null). Its
// timeouts are prior's.
func (c *metadataConfig) resourceFromAPI(cust *monri.Customer, prior customerResourceModel) customerResourceModel {
	own, all := c.split(cust.Metadata, prior.Metadata, prior.MetadataAll)
	m := customerResourceModel{customerModel: customerFromAPI(cust, prior.Metadata), Timeouts: prior.Timeouts}
	m.Metadata = metadataFromAPI(own, prior.Metadata)
	m.MetadataAll = metadataFromAPI(all, types.MapValueMust(types.StringType, nil))
	return m
}

// split divides Monri's metadata m, without its ignored keys, into the keys
// that belong in metadata (own) and all of them (all); see the top of the
// file. prior and priorAll are the metadata and metadata_all the result
// replaces.
func (c *metadataConfig) split(m map[string]string, prior, priorAll types.Map) (own, all map[string]string) {
	inPrior := func(mm types.Map, k string) bool {
		if mm.IsNull() || mm.IsUnknown() {
			return false
		}
		_, ok := mm.Elements()[k]
		return ok
	}
	own, all = map[string]string{}, map[string]string{}
	for k, v := range m {
		if c.ignores(k) {
			continue
		}
		all[k] = v
		switch {
		case inPrior(prior, k):
			own[k] = v
		case inPrior(priorAll, k):
			// metadata_all had it without metadata: it came from a default.
		case c.isDefault(k, v):
			// A current default, with the default's value.
		default:
			own[k] = v
		}
	}
	return own, all
}

// isDefault says whether default_metadata sets key to value.
func (c *metadataConfig) isDefault(key, value string) bool {
	if c == nil {
		return false
	}
	v, ok := c.defaults[key]
	return ok && v == value
}
