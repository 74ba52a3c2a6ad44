package provider

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// The tests in this file drive monri_delete_customers through tfprotov6, as
// Terraform 1.14 does (ValidateActionConfig, PlanAction, InvokeAction);
// delete_customers_action_cli_test.go runs it with the Terraform CLI.

const deleteAction = "monri_delete_customers"

// newActionProvider is the provider server configured against s with the
// given extra provider arguments (such as environment).
func newActionProvider(t *testing.T, s *sandbox.Server, extra map[string]tftypes.Value) *protoProvider {
	t.Helper()
	ctx := context.Background()
	srv := protoserver.Detach(NewProtocol6(newTestProvider())())
	sch, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(sch.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %s", err, diagString(sch.Diagnostics))
	}
	p := &protoProvider{t: t, srv: srv, schema: sch}
	token, key := s.Credentials()
	vals := map[string]tftypes.Value{
		"base_url":           tftypes.NewValue(tftypes.String, s.URL()),
		"authenticity_token": tftypes.NewValue(tftypes.String, token),
		"merchant_key":       tftypes.NewValue(tftypes.String, key),
	}
	for k, v := range extra {
		vals[k] = v
	}
	typ := sch.Provider.ValueType()
	resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0", Config: p.dynamic(typ, p.object(typ, vals)),
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("ConfigureProvider: %v %s", err, diagString(resp.Diagnostics))
	}
	return p
}

func (p *protoProvider) actionServer() tfprotov6.ActionServer {
	p.t.Helper()
	as, ok := p.srv.(tfprotov6.ActionServer)
	if !ok {
		p.t.Fatal("the server does not serve actions")
	}
	return as
}

func (p *protoProvider) actionConfig(vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	typ := p.schema.ActionSchemas[deleteAction].Schema.ValueType()
	return p.dynamic(typ, p.object(typ, vals))
}

// validateAction is ValidateActionConfig's diagnostics.
func (p *protoProvider) validateAction(vals map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	p.t.Helper()
	r, err := p.actionServer().ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{
		ActionType: deleteAction, Config: p.actionConfig(vals)})
	if err != nil {
		p.t.Fatal(err)
	}
	return r.Diagnostics
}

// planAction is PlanAction's diagnostics.
func (p *protoProvider) planAction(vals map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	p.t.Helper()
	r, err := p.actionServer().PlanAction(context.Background(), &tfprotov6.PlanActionRequest{
		ActionType: deleteAction, Config: p.actionConfig(vals)})
	if err != nil {
		p.t.Fatal(err)
	}
	return r.Diagnostics
}

// invokeAction invokes the action and returns its progress messages and
// final diagnostics.
func (p *protoProvider) invokeAction(vals map[string]tftypes.Value) ([]string, []*tfprotov6.Diagnostic) {
	p.t.Helper()
	stream, err := p.actionServer().InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{
		ActionType: deleteAction, Config: p.actionConfig(vals)})
	if err != nil {
		p.t.Fatal(err)
	}
	var progress []string
	var diags []*tfprotov6.Diagnostic
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			diags = e.Diagnostics
		}
	}
	return progress, diags
}

func tfNum(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
func tfBool(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }

// wantDiag wants an error among diags, and their text to match re.
func wantDiag(t *testing.T, diags []*tfprotov6.Diagnostic, re string) {
	t.Helper()
	if !hasErrors(diags) || !regexp.MustCompile(re).MatchString(diagString(diags)) {
		t.Errorf("diagnostics %q do not match %q", diagString(diags), re)
	}
}

func liveMIDs(s *sandbox.Server) []string {
	var out []string
	for _, c := range s.LiveCustomers() {
		if c.MerchantCustomerID != nil {
			out = append(out, *c.MerchantCustomerID)
		}
	}
	slices.Sort(out)
	return out
}

// The guards: a filter is required (at validation, so at plan time), more
// matches than max_deletes fail before any delete, production is refused
// unless allowed (at plan time too, and also with a base_url elsewhere).
func TestDeleteCustomersActionGuards(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(5, "ci")
	s.SeedCustomers(3, "keep")
	p := newActionProvider(t, s, nil)

	for name, vals := range map[string]map[string]tftypes.Value{
		"no filter":          {"max_deletes": tfNum(10)},
		"empty metadata":     {"max_deletes": tfNum(10), "metadata": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{})},
		"only dry_run/allow": {"max_deletes": tfNum(10), "dry_run": tfBool(true), "allow_production": tfBool(true)},
	} {
		wantDiag(t, p.validateAction(vals), `Missing Customer Filter.*at least one filter \(merchant_customer_id_prefix, email, metadata, created_before\)`)
		_ = name
	}
	if d := p.validateAction(map[string]tftypes.Value{"max_deletes": tfNum(10), "email": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}); hasErrors(d) {
		t.Errorf("a filter unknown until apply: %s", diagString(d))
	}
	wantDiag(t, p.validateAction(map[string]tftypes.Value{"max_deletes": tfNum(0), "email": tfStr("a@example.com")}), `max_deletes.*at least 1`)
	wantDiag(t, p.validateAction(map[string]tftypes.Value{"max_deletes": tfNum(1), "created_before": tfStr("yesterday")}),
		`Invalid Timestamp.*created_before.*RFC 3339.*got "yesterday"`)

	// Too many: nothing deleted.
	progress, diags := p.invokeAction(map[string]tftypes.Value{"max_deletes": tfNum(4), "merchant_customer_id_prefix": tfStr("ci-")})
	wantDiag(t, diags, `Too Many Monri Customers Match: 5 customers match the filters, more than max_deletes = 4, so none was deleted`)
	if len(progress) != 0 || len(s.LiveCustomers()) != 8 {
		t.Errorf("too many: progress %q, %d live customers; want none deleted", progress, len(s.LiveCustomers()))
	}

	// Production, even with base_url on the sandbox: refused at plan and
	// at invoke, unless allow_production.
	prod := newActionProvider(t, s, map[string]tftypes.Value{"environment": tfStr("prod")})
	cfg := map[string]tftypes.Value{"max_deletes": tfNum(5), "merchant_customer_id_prefix": tfStr("ci-")}
	wantDiag(t, prod.planAction(cfg), `Refusing to Delete Production Customers.*allow_production = true`)
	_, diags = prod.invokeAction(cfg)
	wantDiag(t, diags, `Refusing to Delete Production Customers`)
	if n := len(s.LiveCustomers()); n != 8 {
		t.Fatalf("production refused, yet %d live customers, want 8", n)
	}
	if d := p.planAction(cfg); hasErrors(d) {
		t.Errorf("plan on test: %s", diagString(d))
	}
	cfg["allow_production"] = tfBool(true)
	if d := prod.planAction(cfg); hasErrors(d) {
		t.Errorf("plan with allow_production: %s", diagString(d))
	}
	_, diags = prod.invokeAction(cfg)
	if hasErrors(diags) {
		t.Fatalf("allow_production: %s", diagString(diags))
	}
	if got := liveMIDs(s); !slices.Equal(got, []string{"keep-00001", "keep-00002", "keep-00003"}) {
		t.Errorf("after the allowed delete: %v", got)
	}
}

// A dry run deletes nothing and reports what it would delete; the real run
// reports each deleted customer, then a summary, and leaves the others.
func TestDeleteCustomersActionDryRunAndProgress(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	doomed := s.SeedCustomers(4, "ci")
	s.SeedCustomers(2, "keep")
	for _, u := range doomed[:3] {
		s.EditCustomer(u, func(c *sandbox.Customer) { c.Metadata = map[string]string{"pipeline": "nightly", "x": "y"} })
	}
	p := newActionProvider(t, s, nil)
	cfg := map[string]tftypes.Value{
		"max_deletes":                 tfNum(3),
		"merchant_customer_id_prefix": tfStr("ci-"),
		"metadata":                    tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"pipeline": tfStr("nightly")}),
		"dry_run":                     tfBool(true),
	}
	progress, diags := p.invokeAction(cfg)
	if hasErrors(diags) {
		t.Fatal(diagString(diags))
	}
	if len(progress) != 4 || !strings.HasPrefix(progress[3], "dry run: 3 customers match and would be deleted; nothing was deleted") {
		t.Fatalf("dry run progress: %q", progress)
	}
	for _, u := range doomed[:3] {
		if !slices.ContainsFunc(progress, func(m string) bool {
			return strings.HasPrefix(m, "would delete customer "+u+" (merchant_customer_id \"ci-")
		}) {
			t.Errorf("dry run: no progress message for %s: %q", u, progress)
		}
	}
	if n := len(s.LiveCustomers()); n != 6 {
		t.Fatalf("dry run deleted: %d live customers", n)
	}

	cfg["dry_run"] = tfBool(false)
	progress, diags = p.invokeAction(cfg)
	if hasErrors(diags) {
		t.Fatal(diagString(diags))
	}
	if len(progress) != 4 || progress[3] != "deleted 3 customers" {
		t.Fatalf("progress: %q", progress)
	}
	for _, u := range doomed[:3] {
		if !slices.ContainsFunc(progress, func(m string) bool {
			return regexp.MustCompile(`^deleted customer ` + u + ` \(merchant_customer_id "ci-0000\d"\)$`).MatchString(m)
		}) {
			t.Errorf("no progress message for %s: %q", u, progress)
		}
	}
	if got := liveMIDs(s); !slices.Equal(got, []string{"ci-00004", "keep-00001", "keep-00002"}) {
		t.Errorf("left: %v", got)
	}
}

// A delete that fails mid-way: no new delete is sent, and the error lists
// what was and was not deleted; the customers said not deleted are there.
func TestDeleteCustomersActionFault(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(6, "ci")
	p := newActionProvider(t, s, nil)
	s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden}, 1)
	progress, diags := p.invokeAction(map[string]tftypes.Value{"max_deletes": tfNum(10), "merchant_customer_id_prefix": tfStr("ci-")})
	wantDiag(t, diags, `(?s)Unable to Delete All Matching Monri Customers: A delete failed, so no further delete was sent\..*403.*`+
		`Deleted \(\d\):.*Not deleted \([1-6]\):\n  customer [0-9a-f-]+ \(merchant_customer_id "ci-`)
	d := diagString(diags)
	notDeleted := d[strings.Index(d, "Not deleted"):]
	live := s.LiveCustomers()
	if len(live) == 0 || len(live) == 6 && len(progress) > 1 {
		t.Fatalf("%d live customers after a fault, progress %q", len(live), progress)
	}
	for _, c := range live {
		if !strings.Contains(notDeleted, c.UUID) {
			t.Errorf("live customer %s is not listed as not deleted:\n%s", c.UUID, d)
		}
	}
	if !strings.HasPrefix(progress[len(progress)-1], "failed: deleted ") {
		t.Errorf("last progress message %q", progress[len(progress)-1])
	}
}

// The last progress message of a successful invocation, in words a user
// reads.
func TestDeleteSummary(t *testing.T) {
	cs := func(n int) []monri.Customer { return make([]monri.Customer, n) }
	for _, tc := range []struct {
		res    monri.DeleteResult
		dryRun bool
		want   string
	}{
		{monri.DeleteResult{}, false, "no customer matches the filters; nothing was deleted"},
		{monri.DeleteResult{}, true, "dry run: no customer matches the filters; nothing would be deleted"},
		{monri.DeleteResult{Matched: cs(1)}, true, "dry run: 1 customer matches and would be deleted; nothing was deleted"},
		{monri.DeleteResult{Matched: cs(3)}, true, "dry run: 3 customers match and would be deleted; nothing was deleted"},
		{monri.DeleteResult{Matched: cs(1), Deleted: cs(1)}, false, "deleted 1 customer"},
		{monri.DeleteResult{Matched: cs(3), Deleted: cs(3)}, false, "deleted 3 customers"},
		{monri.DeleteResult{Matched: cs(3), Deleted: cs(3), AlreadyDeleted: 2}, false, "deleted 3 customers (2 already deleted by someone else)"},
	} {
		if got := deleteSummary(&tc.res, tc.dryRun); got != tc.want {
			t.Errorf("%d matched, %d deleted (%d already), dry run %v: %q, want %q",
				len(tc.res.Matched), len(tc.res.Deleted), tc.res.AlreadyDeleted, tc.dryRun, got, tc.want)
		}
	}
}
