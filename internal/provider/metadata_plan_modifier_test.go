package provider

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func strMap(m map[string]string) types.Map {
	if m == nil {
		return types.MapNull(types.StringType)
	}
	elems := map[string]attr.Value{}
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

var testMetadataConfig = &metadataConfig{
	defaults:       map[string]string{"managed_by": "terraform", "pipeline": "ci"},
	ignoreKeys:     map[string]bool{"crm_id": true},
	ignorePrefixes: []string{"app_"},
}

// TestMetadataSplit: which of Monri's keys a refresh, an import or an apply
// puts in metadata, and that ignored keys are in neither attribute.
func TestMetadataSplit(t *testing.T) {
	monriHas := map[string]string{
		"managed_by": "terraform", "pipeline": "ci", "team": "payments", "crm_id": "7", "app_seen": "yes", "stray": "x",
	}
	allButIgnored := map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments", "stray": "x"}
	for name, tc := range map[string]struct {
		c               *metadataConfig
		prior, priorAll map[string]string
		wantOwn         map[string]string
		wantAll         map[string]string
	}{
		"import: defaults with their values are not the resource's": {
			c: testMetadataConfig, wantOwn: map[string]string{"team": "payments", "stray": "x"}, wantAll: allButIgnored,
		},
		"refresh: a key the configuration sets at both levels stays": {
			c: testMetadataConfig, prior: map[string]string{"team": "payments", "pipeline": "ci"},
			priorAll: map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"},
			wantOwn:  map[string]string{"team": "payments", "pipeline": "ci", "stray": "x"}, wantAll: allButIgnored,
		},
		"refresh: a key that came from a default that is gone stays out of metadata": {
			c:     &metadataConfig{ignoreKeys: map[string]bool{"crm_id": true}, ignorePrefixes: []string{"app_"}},
			prior: map[string]string{"team": "payments"}, priorAll: map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments"},
			wantOwn: map[string]string{"team": "payments", "stray": "x"}, wantAll: allButIgnored,
		},
		"import: a default key with another value is the resource's": {
			c:       &metadataConfig{defaults: map[string]string{"pipeline": "nightly"}},
			wantOwn: map[string]string{"managed_by": "terraform", "pipeline": "ci", "team": "payments", "stray": "x", "crm_id": "7", "app_seen": "yes"},
			wantAll: monriHas,
		},
		"no settings (the list resource)": {
			c: nil, wantOwn: monriHas, wantAll: monriHas,
		},
	} {
		t.Run(name, func(t *testing.T) {
			own, all := tc.c.split(monriHas, strMap(tc.prior), strMap(tc.priorAll))
			if !maps.Equal(own, tc.wantOwn) {
				t.Errorf("metadata %v, want %v", own, tc.wantOwn)
			}
			if !maps.Equal(all, tc.wantAll) {
				t.Errorf("metadata_all %v, want %v", all, tc.wantAll)
			}
		})
	}
}

func TestMetadataMerge(t *testing.T) {
	got := testMetadataConfig.merge(strMap(map[string]string{"pipeline": "nightly", "team": "payments"}))
	if want := strMap(map[string]string{"managed_by": "terraform", "pipeline": "nightly", "team": "payments"}); !got.Equal(want) {
		t.Errorf("merge: %v, want %v (the resource wins)", got, want)
	}
	if got := testMetadataConfig.merge(types.MapNull(types.StringType)); !got.Equal(strMap(testMetadataConfig.defaults)) {
		t.Errorf("merge of no metadata: %v, want the defaults", got)
	}
	if got := (*metadataConfig)(nil).merge(types.MapNull(types.StringType)); !got.Equal(strMap(map[string]string{})) {
		t.Errorf("merge without settings: %v, want {}", got)
	}
	unknownDefault := &metadataConfig{defaults: map[string]string{"a": "b"}, defaultsUnknown: true}
	if got := unknownDefault.merge(strMap(map[string]string{"team": "x"})); !got.IsUnknown() {
		t.Errorf("merge with an unknown default: %v, want unknown", got)
	}
	partly := types.MapValueMust(types.StringType, map[string]attr.Value{"team": types.StringUnknown()})
	if got := testMetadataConfig.merge(partly); !got.IsUnknown() {
		t.Errorf("merge of metadata with an unknown value: %v, want unknown", got)
	}
}

// TestMetadataUpdate: an update never carries an ignored key, even from a
// state written before metadata_all existed (whose metadata holds all of
// Monri's keys).
func TestMetadataUpdate(t *testing.T) {
	state := customerResourceModel{customerModel: customerModel{
		Metadata: strMap(map[string]string{"team": "payments", "crm_id": "7", "app_seen": "yes"}),
	}, MetadataAll: types.MapNull(types.StringType)}
	plan := customerResourceModel{customerModel: customerModel{Metadata: types.MapNull(types.StringType)},
		MetadataAll: strMap(map[string]string{"managed_by": "terraform", "pipeline": "ci"})}
	b, err := json.Marshal(testMetadataConfig.update(plan, state))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"metadata":{"managed_by":"terraform","pipeline":"ci","team":null}}`
	if string(b) != want {
		t.Errorf("update body %s, want %s", b, want)
	}
	f := testMetadataConfig.fields(plan)
	if !maps.Equal(f.Metadata, map[string]string{"managed_by": "terraform", "pipeline": "ci"}) {
		t.Errorf("create metadata %v, want metadata_all", f.Metadata)
	}
	if f := testMetadataConfig.fields(customerResourceModel{customerModel: customerModel{Metadata: types.MapNull(types.StringType)},
		MetadataAll: strMap(map[string]string{})}); f.Metadata != nil {
		t.Errorf("create metadata %v for an empty metadata_all, want none", f.Metadata)
	}
}

// The list resource, like the data sources, is unaffected by the provider's
// metadata settings: with include_resource, metadata and metadata_all hold
// all of Monri's metadata, ignored keys included and no default added.
func TestMetadataListResourceShowsAllMetadata(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	id := s.SeedCustomers(1, "mdl")[0]
	want := map[string]string{"team": "payments", "crm_id": "7", "app_seen": "yes"}
	s.EditCustomer(id, func(c *sandbox.Customer) { c.Metadata = maps.Clone(want) })
	strs := func(vs ...string) []tftypes.Value {
		var out []tftypes.Value
		for _, v := range vs {
			out = append(out, tfStr(v))
		}
		return out
	}
	p := newActionProvider(t, s, map[string]tftypes.Value{
		"default_metadata":             tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"managed_by": tfStr("terraform")}),
		"ignore_metadata_keys":         tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, strs("crm_id")),
		"ignore_metadata_key_prefixes": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, strs("app_")),
	})
	results := p.list(nil, true, 10)
	if len(results) != 1 {
		t.Fatalf("%d results, want 1", len(results))
	}
	res := p.attrs(p.resourceType(), results[0].Resource)
	for _, name := range []string{"metadata", "metadata_all"} {
		var m map[string]tftypes.Value
		if err := res[name].As(&m); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range m {
			got[k] = stringOf(t, v)
		}
		if !maps.Equal(got, want) {
			t.Errorf("the listed resource's %s is %v, want %v", name, got, want)
		}
	}
}
