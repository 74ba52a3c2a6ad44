package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
)

// TestEveryKindReachable: every kind of thing the provider declares
// (resources, data sources, ephemeral resources, list resources, actions)
// reaches the framework through the server the binary serves (main.go:
// protoserver.Serve wraps NewProtocol6 in Detach). tf6server finds list
// resources and actions by type assertion on that server, so a wrapper that
// forwards RPCs one by one hides a new kind ("ValidateActionConfig Not
// Implemented").
func TestEveryKindReachable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := protoserver.Detach(NewProtocol6(New("test")())())
	lists, ok := srv.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("the binary's server does not serve list resources (tfprotov6.ListResourceServer)")
	}
	actions, ok := srv.(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the binary's server does not serve actions (tfprotov6.ActionServer)")
	}
	sch, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(sch.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %s", err, diagString(sch.Diagnostics))
	}
	// Each kind the provider is expected to declare, at least one of each.
	p := &protoProvider{t: t}
	nullConfig := func(s *tfprotov6.Schema) *tfprotov6.DynamicValue {
		return p.dynamic(s.ValueType(), p.object(s.ValueType(), nil))
	}
	// unknownType is what the framework answers for a type it was not
	// told about; an RPC that never reached it is an error or a nil answer.
	check := func(kind, name string, diags []*tfprotov6.Diagnostic, err error, answered bool) {
		t.Helper()
		if err != nil || !answered {
			t.Errorf("%s %s: the RPC did not reach the framework: %v", kind, name, err)
			return
		}
		for _, d := range diags {
			if strings.Contains(d.Summary, "Not Found") || strings.Contains(d.Summary, "Unknown") || strings.Contains(d.Detail, "not implemented") {
				t.Errorf("%s %s: %s: %s", kind, name, d.Summary, d.Detail)
			}
		}
	}
	counts := map[string]int{}
	for name, s := range sch.ResourceSchemas {
		counts["resource"]++
		r, err := srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: name, Config: nullConfig(s)})
		check("resource", name, diagsOf(r, func(r *tfprotov6.ValidateResourceConfigResponse) []*tfprotov6.Diagnostic { return r.Diagnostics }), err, r != nil)
	}
	for name, s := range sch.DataSourceSchemas {
		counts["data source"]++
		r, err := srv.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: name, Config: nullConfig(s)})
		check("data source", name, diagsOf(r, func(r *tfprotov6.ValidateDataResourceConfigResponse) []*tfprotov6.Diagnostic { return r.Diagnostics }), err, r != nil)
	}
	for name, s := range sch.EphemeralResourceSchemas {
		counts["ephemeral resource"]++
		r, err := srv.ValidateEphemeralResourceConfig(ctx, &tfprotov6.ValidateEphemeralResourceConfigRequest{TypeName: name, Config: nullConfig(s)})
		check("ephemeral resource", name, diagsOf(r, func(r *tfprotov6.ValidateEphemeralResourceConfigResponse) []*tfprotov6.Diagnostic {
			return r.Diagnostics
		}), err, r != nil)
	}
	for name, s := range sch.ListResourceSchemas {
		counts["list resource"]++
		r, err := lists.ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{TypeName: name, Config: nullConfig(s)})
		check("list resource", name, diagsOf(r, func(r *tfprotov6.ValidateListResourceConfigResponse) []*tfprotov6.Diagnostic { return r.Diagnostics }), err, r != nil)
	}
	for name, s := range sch.ActionSchemas {
		counts["action"]++
		r, err := actions.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{ActionType: name, Config: nullConfig(s.Schema)})
		check("action", name, diagsOf(r, func(r *tfprotov6.ValidateActionConfigResponse) []*tfprotov6.Diagnostic { return r.Diagnostics }), err, r != nil)
		// The action's own validation ran: a configuration without a
		// filter is refused by it.
		if r != nil && !strings.Contains(diagString(r.Diagnostics), "Missing Customer Filter") {
			t.Errorf("action %s: its ValidateConfig did not run: %s", name, diagString(r.Diagnostics))
		}
	}
	for _, kind := range []string{"resource", "data source", "ephemeral resource", "list resource", "action"} {
		if counts[kind] == 0 {
			t.Errorf("the provider declares no %s", kind)
		}
	}
	// A type the provider does not have is refused by the framework: the
	// check above would notice an RPC answered by something else.
	r, err := actions.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{ActionType: "monri_nope",
		Config: p.dynamic(tftypes.Object{}, tftypes.NewValue(tftypes.Object{}, map[string]tftypes.Value{}))})
	if err != nil || r == nil || !hasErrors(r.Diagnostics) {
		t.Errorf("an unknown action type: %v %v", err, r)
	}
}

func diagsOf[R any](r *R, f func(*R) []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	if r == nil {
		return nil
	}
	return f(r)
}
