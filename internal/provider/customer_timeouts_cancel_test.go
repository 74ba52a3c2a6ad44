package provider

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// TestProtocolTimeoutOnlyWhenOwnTimeoutFires: an operation's error names its
// timeouts block only when its own timeout fired. When the caller ends the
// RPC first (Terraform cancels the run, or the caller's own deadline
// passes), create, read, update and delete fail without a timeout error;
// when the operation's timeout fires, they fail with one. Monri answers
// nothing for 30 s during each operation; each case has a sandbox of its own.
func TestProtocolTimeoutOnlyWhenOwnTimeoutFires(t *testing.T) {
	t.Parallel()
	routes := map[string]string{
		"create": sandbox.RouteCreateCustomer, "read": sandbox.RouteGetCustomer,
		"update": sandbox.RouteUpdateCustomer, "delete": sandbox.RouteDeleteCustomer,
	}
	for _, caller := range []string{"cancelled", "deadline", "own timeout"} {
		for op, route := range routes {
			t.Run(caller+"/"+op, func(t *testing.T) {
				t.Parallel()
				timeout := "1h"
				if caller == "own timeout" {
					timeout = "1s"
				}
				s := startSandbox(t, sandbox.Options{})
				p := newProtoProvider(t, s)
				typ := p.resourceType()
				toType := attributeType(t, typ, "timeouts")
				timeouts := tftypes.NewValue(toType, map[string]tftypes.Value{
					"create": tfStr(timeout), "read": tfStr(timeout), "update": tfStr(timeout), "delete": tfStr(timeout),
				})
				config := map[string]tftypes.Value{"merchant_customer_id": tfStr("cancel-" + op), "name": tfStr("Ana"), "timeouts": timeouts}
				var created *tfprotov6.DynamicValue
				if op != "create" {
					created, _ = p.createCustomer(config)
				}
				var planned *tfprotov6.DynamicValue
				if op == "update" {
					config["name"] = tfStr("Ana Marija")
					planned = p.planUpdate(created, config)
				}
				s.SetLatency(30 * time.Second)

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				switch caller {
				case "deadline":
					ctx, cancel = context.WithTimeout(ctx, time.Second)
					defer cancel()
				case "cancelled":
					go func() {
						// Terraform cancels once the request is at Monri.
						for s.RequestCount(route) == 0 && ctx.Err() == nil {
							time.Sleep(5 * time.Millisecond)
						}
						cancel()
					}()
				}
				var diags []*tfprotov6.Diagnostic
				var err error
				null := p.dynamic(typ, tftypes.NewValue(typ, nil))
				switch op {
				case "create":
					planned := map[string]tftypes.Value{
						"id":         tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
						"created_at": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
						"updated_at": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
					}
					for k, v := range config {
						planned[k] = v
					}
					var resp *tfprotov6.ApplyResourceChangeResponse
					resp, err = p.srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: "monri_customer",
						PriorState: null, PlannedState: p.dynamic(typ, p.object(typ, planned)), Config: p.dynamic(typ, p.object(typ, config))})
					if resp != nil {
						diags = resp.Diagnostics
					}
				case "read":
					var resp *tfprotov6.ReadResourceResponse
					resp, err = p.srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "monri_customer", CurrentState: created})
					if resp != nil {
						diags = resp.Diagnostics
					}
				case "update":
					var resp *tfprotov6.ApplyResourceChangeResponse
					resp, err = p.srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: "monri_customer",
						PriorState: created, PlannedState: planned, Config: p.dynamic(typ, p.object(typ, config))})
					if resp != nil {
						diags = resp.Diagnostics
					}
				case "delete":
					var resp *tfprotov6.ApplyResourceChangeResponse
					resp, err = p.srv.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: "monri_customer",
						PriorState: created, PlannedState: null, Config: null})
					if resp != nil {
						diags = resp.Diagnostics
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				if !hasErrors(diags) {
					t.Fatalf("no error: %s", diagString(diags))
				}
				timeoutErr := regexp.MustCompile(`did not finish within timeouts\.` + op + ` \(`)
				named := false
				for _, d := range diags {
					onTimeouts := d.Attribute != nil && len(d.Attribute.Steps()) > 0 && d.Attribute.Steps()[0] == tftypes.AttributeName("timeouts")
					if timeoutErr.MatchString(d.Detail) || onTimeouts {
						named = true
					}
				}
				if want := caller == "own timeout"; named != want {
					t.Fatalf("caller %s: a timeout error %v, want %v:\n%s", caller, named, want, diagString(diags))
				}
			})
		}
	}
}
