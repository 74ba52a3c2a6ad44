package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// attributeType is the type of the attribute name of the object type typ.
func attributeType(t *testing.T, typ tftypes.Type, name string) tftypes.Type {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object type", typ)
	}
	at, ok := obj.AttributeTypes[name]
	if !ok {
		t.Fatalf("%s has no attribute %s", typ, name)
	}
	return at
}

// planUpdate plans changing the resource in state prior to config, as
// Terraform does: the proposed new state is the configuration with the
// prior state's computed values.
func (p *protoProvider) planUpdate(prior *tfprotov6.DynamicValue, config map[string]tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	typ := p.resourceType()
	proposed := p.attrs(typ, prior)
	for _, k := range []string{"merchant_customer_id", "description", "email", "name", "phone", "metadata", "zip_code", "city", "address", "country", "timeouts"} {
		proposed[k] = tftypes.NewValue(attributeType(p.t, typ, k), nil)
		if v, ok := config[k]; ok {
			proposed[k] = v
		}
	}
	resp, err := p.srv.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "monri_customer", PriorState: prior,
		ProposedNewState: p.dynamic(typ, tftypes.NewValue(typ, proposed)),
		Config:           p.dynamic(typ, p.object(typ, config)),
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Fatalf("PlanResourceChange: %v %s", err, diagString(resp.Diagnostics))
	}
	return resp.PlannedState
}

// TestProtocolUpdateStateHoldsKeptFields: when Monri keeps fields an update
// cleared (the ignore-null-fields variant), the state the update itself
// returns, with its errors, holds what Monri applied (the new name and
// metadata) and what it kept (phone and city): not the plan. The acceptance
// test TestAccVariant_ignoreNullFields cannot tell, as the refresh before
// its next step reads Monri's values whatever the update returned.
func TestProtocolUpdateStateHoldsKeptFields(t *testing.T) {
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{IgnoreNullFields: true}})
	p := newProtoProvider(t, s)
	typ := p.resourceType()
	metaType := tftypes.Map{ElementType: tftypes.String}
	meta := func(kv ...string) tftypes.Value {
		m := map[string]tftypes.Value{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = tfStr(kv[i+1])
		}
		return tftypes.NewValue(metaType, m)
	}
	created, _ := p.createCustomer(map[string]tftypes.Value{
		"merchant_customer_id": tfStr("kept-1"), "name": tfStr("Ana"), "phone": tfStr("+38761000111"),
		"city": tfStr("Sarajevo"), "metadata": meta("a", "1", "b", "2"),
	})
	// Rename, drop phone, city and metadata key b.
	config := map[string]tftypes.Value{"merchant_customer_id": tfStr("kept-1"), "name": tfStr("Ana Marija"), "metadata": meta("a", "1")}
	planned := p.planUpdate(created, config)
	resp, err := p.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "monri_customer", PriorState: created, PlannedState: planned, Config: p.dynamic(typ, p.object(typ, config)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// One error per kept field, on its attribute.
	kept := map[string]bool{}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError && d.Summary == "Unable to Update Monri Customer" &&
			regexp.MustCompile(`Monri\s+kept\s+it`).MatchString(d.Detail) && d.Attribute != nil && len(d.Attribute.Steps()) == 1 {
			if name, ok := d.Attribute.Steps()[0].(tftypes.AttributeName); ok {
				kept[string(name)] = true
			}
		}
	}
	if len(resp.Diagnostics) != 2 || !kept["phone"] || !kept["city"] {
		t.Fatalf("diagnostics %s, want an error for phone and one for city", diagString(resp.Diagnostics))
	}
	if resp.NewState == nil {
		t.Fatal("the update returned no state")
	}
	got := p.attrs(typ, resp.NewState)
	server, _ := s.Customer(stringOf(t, got["id"]))
	for name, want := range map[string]string{"name": "Ana Marija", "phone": "+38761000111", "city": "Sarajevo",
		"merchant_customer_id": "kept-1", "updated_at": server.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")} {
		if got[name].IsNull() || !got[name].IsKnown() || stringOf(t, got[name]) != want {
			t.Errorf("the state the update returned has %s = %v, want %q (what Monri holds)", name, got[name], want)
		}
	}
	if !got["metadata"].Equal(meta("a", "1")) {
		t.Errorf("the state the update returned has metadata %v, want {a = 1}", got["metadata"])
	}
}
