package provider

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// Micro-benchmarks of the provider's per-resource work besides the HTTP call,
// with allocations reported: `go test ./internal/provider -run '^$' -bench .
// -benchmem`. `make bench` measures the whole provider under Terraform.

func benchPtr(s string) *string { return &s }

// benchCustomer is a customer as `make bench` creates it.
func benchCustomer() *monri.Customer {
	return &monri.Customer{
		UUID:               "4b281da4-d145-4233-b957-2018cf9aa0fb",
		MerchantCustomerID: benchPtr("bench-r1-42"),
		Email:              benchPtr("bench-42@example.com"),
		Name:               benchPtr("Bench Customer 42"),
		Metadata:           map[string]string{"bench": "r1", "index": "42"},
		Status:             "approved",
		CreatedAt:          "2026-11-21T15:00:00Z",
		UpdatedAt:          "2026-11-21T15:00:00Z",
	}
}

func benchMetadata() types.Map {
	return types.MapValueMust(types.StringType, map[string]attr.Value{
		"bench": types.StringValue("r1"),
		"index": types.StringValue("42"),
	})
}

func BenchmarkCustomerFromAPI(b *testing.B) {
	b.ReportAllocs()
	c := benchCustomer()
	prior := benchMetadata()
	for b.Loop() {
		_ = customerFromAPI(c, prior)
	}
}

// BenchmarkStateSet and BenchmarkStateGet compare the resource's own
// conversion (customer_model_tf.go) with tfsdk's reflection, which it replaces.
func BenchmarkStateSet(b *testing.B) {
	ctx := context.Background()
	m := customerResourceModel{customerModel: customerFromAPI(benchCustomer(), benchMetadata()), MetadataAll: benchMetadata(), Timeouts: customerTimeoutsNull()}
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var st tfsdk.State
			if d := setCustomerState(ctx, &st, m); d.HasError() {
				b.Fatal(d)
			}
		}
	})
	b.Run("tfsdk-reflection", func(b *testing.B) {
		b.ReportAllocs()
		schema := CustomerResourceSchema()
		for b.Loop() {
			st := tfsdk.State{Schema: schema}
			if d := st.Set(ctx, &m); d.HasError() {
				b.Fatal(d)
			}
		}
	})
}

func BenchmarkStateGet(b *testing.B) {
	ctx := context.Background()
	var st tfsdk.State
	if d := setCustomerState(ctx, &st, customerResourceModel{customerModel: customerFromAPI(benchCustomer(), benchMetadata()), MetadataAll: benchMetadata(), Timeouts: customerTimeoutsNull()}); d.HasError() {
		b.Fatal(d)
	}
	st.Schema = CustomerResourceSchema()
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, d := customerFromTerraform(ctx, st.Raw); d.HasError() {
				b.Fatal(d)
			}
		}
	})
	b.Run("tfsdk-reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m customerResourceModel
			if d := st.Get(ctx, &m); d.HasError() {
				b.Fatal(d)
			}
		}
	})
}

func BenchmarkToFields(b *testing.B) {
	b.ReportAllocs()
	m := customerFromAPI(benchCustomer(), benchMetadata())
	for b.Loop() {
		_ = m.toFields()
	}
}

func BenchmarkCustomerUpdate(b *testing.B) {
	b.ReportAllocs()
	state := customerFromAPI(benchCustomer(), benchMetadata())
	plan := state
	plan.Name = types.StringValue("Bench Customer 42 (updated)") // what `make bench` changes
	for b.Loop() {
		if u := customerUpdate(plan, state); u.IsEmpty() {
			b.Fatal("the update must change the name")
		}
	}
}

// BenchmarkHTTPLogger is the logging done for every HTTP attempt. The root
// logger is the one the plugin server sets up when TF_LOG_PROVIDER is unset
// (JSON at TRACE, written to stderr for Terraform to filter); here it writes
// to io.Discard.
// The "off" case is the provider binary's default when Terraform keeps no
// logs (TF_LOG_PROVIDER_MONRI_HTTP=off, see protoserver.QuietUnrequestedLogs).
func BenchmarkHTTPLogger(b *testing.B) {
	ctx := tflogtest.RootLogger(context.Background(), io.Discard)
	r := monri.RequestLog{Method: "GET", Path: "/v2/customers/4b281da4-d145-4233-b957-2018cf9aa0fb",
		Status: 200, Duration: 20 * time.Millisecond, Attempt: 1}
	for _, level := range []string{"", "off"} {
		name := "level-unset"
		if level != "" {
			name = "level-" + level
		}
		b.Run(name, func(b *testing.B) {
			b.Setenv(httpLevelEnv, level)
			b.ReportAllocs()
			l := newHTTPLogger("sandbox-authenticity-token", "sandbox-merchant-key")
			for b.Loop() {
				l.LogRequest(ctx, r)
			}
		})
	}
}
