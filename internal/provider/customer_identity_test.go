package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// TestProtocolIdentitySchema: monri_customer declares an identity of one
// string attribute, id, required for import.
func TestProtocolIdentitySchema(t *testing.T) {
	p := newProtoProvider(t, startSandbox(t, sandbox.Options{}))
	resp, err := p.srv.GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("GetResourceIdentitySchemas: %v %s", err, diagString(resp.Diagnostics))
	}
	if len(resp.IdentitySchemas) != 1 {
		t.Fatalf("identity schemas for %d resource types, want 1 (monri_customer)", len(resp.IdentitySchemas))
	}
	sch := resp.IdentitySchemas["monri_customer"]
	if sch == nil || sch.Version != 0 || len(sch.IdentityAttributes) != 1 {
		t.Fatalf("monri_customer identity schema %+v, want version 0 with one attribute", sch)
	}
	a := sch.IdentityAttributes[0]
	if a.Name != "id" || !a.Type.Is(tftypes.String) || !a.RequiredForImport || a.OptionalForImport {
		t.Fatalf("identity attribute %+v, want id, a string required for import", a)
	}
}

// createCustomer creates a customer through ApplyResourceChange, as
// Terraform does after a plan, and returns the new state and identity.
func (p *protoProvider) createCustomer(config map[string]tftypes.Value) (*tfprotov6.DynamicValue, *tfprotov6.ResourceIdentityData) {
	p.t.Helper()
	typ := p.resourceType()
	planned := map[string]tftypes.Value{
		"id":         tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"created_at": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"updated_at": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	}
	for k, v := range config {
		planned[k] = v
	}
	resp, err := p.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName:     "monri_customer",
		PriorState:   p.dynamic(typ, tftypes.NewValue(typ, nil)),
		PlannedState: p.dynamic(typ, p.object(typ, planned)),
		Config:       p.dynamic(typ, p.object(typ, config)),
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		p.t.Fatalf("ApplyResourceChange (create): %v %s", err, diagString(resp.Diagnostics))
	}
	return resp.NewState, resp.NewIdentity
}

func (p *protoProvider) read(state *tfprotov6.DynamicValue, identity *tfprotov6.ResourceIdentityData, private []byte) *tfprotov6.ReadResourceResponse {
	p.t.Helper()
	resp, err := p.srv.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{
		TypeName: "monri_customer", CurrentState: state, CurrentIdentity: identity, Private: private,
	})
	if err != nil {
		p.t.Fatalf("ReadResource: %v", err)
	}
	return resp
}

func (p *protoProvider) importState(id string, identity *tfprotov6.ResourceIdentityData) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	resp, err := p.srv.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{
		TypeName: "monri_customer", ID: id, Identity: identity,
	})
	if err != nil {
		p.t.Fatalf("ImportResourceState: %v", err)
	}
	return resp
}

// TestProtocolCustomerIdentity: the identity is the uuid after create,
// after every read (also of a state written before identities existed),
// after an import by identity or by either kind of ID, and is null after the
// customer is destroyed.
func TestProtocolCustomerIdentity(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	p := newProtoProvider(t, s)
	typ := p.resourceType()
	state, identity := p.createCustomer(map[string]tftypes.Value{
		"merchant_customer_id": tftypes.NewValue(tftypes.String, "ident-1"),
		"name":                 tftypes.NewValue(tftypes.String, "Ida Identity"),
	})
	cust, ok := s.CustomerByMerchantID("ident-1")
	if !ok {
		t.Fatal("the sandbox has no customer ident-1")
	}
	uuid := cust.UUID
	if got := stringOf(t, p.attrs(typ, state)["id"]); got != uuid {
		t.Fatalf("state id %q, want %q", got, uuid)
	}
	if got := p.identityID(identity); got != uuid {
		t.Fatalf("identity after create %q, want %q", got, uuid)
	}

	t.Run("read", func(t *testing.T) {
		resp := p.read(state, identity, nil)
		if len(resp.Diagnostics) > 0 {
			t.Fatalf("diagnostics: %s", diagString(resp.Diagnostics))
		}
		if got := p.identityID(resp.NewIdentity); got != uuid {
			t.Fatalf("identity after read %q, want %q", got, uuid)
		}
	})
	t.Run("read without a prior identity", func(t *testing.T) {
		// A state written by a provider version without identities.
		resp := p.read(state, nil, nil)
		if hasErrors(resp.Diagnostics) {
			t.Fatalf("diagnostics: %s", diagString(resp.Diagnostics))
		}
		if got := p.identityID(resp.NewIdentity); got != uuid {
			t.Fatalf("identity after read %q, want %q", got, uuid)
		}
	})
	for name, req := range map[string]struct {
		id       string
		identity *tfprotov6.ResourceIdentityData
	}{
		"import by identity":             {identity: p.identity(uuid)},
		"import by uuid":                 {id: uuid},
		"import by merchant_customer_id": {id: "merchant_customer_id:ident-1"},
	} {
		t.Run(name, func(t *testing.T) {
			resp := p.importState(req.id, req.identity)
			if len(resp.Diagnostics) > 0 || len(resp.ImportedResources) != 1 {
				t.Fatalf("%d imported, diagnostics: %s", len(resp.ImportedResources), diagString(resp.Diagnostics))
			}
			imp := resp.ImportedResources[0]
			if got := stringOf(t, p.attrs(typ, imp.State)["id"]); got != uuid {
				t.Fatalf("imported state id %q, want %q", got, uuid)
			}
			if got := p.identityID(imp.Identity); got != uuid {
				t.Fatalf("imported identity %q, want %q", got, uuid)
			}
			// Terraform reads the imported resource next.
			read := p.read(imp.State, imp.Identity, imp.Private)
			if len(read.Diagnostics) > 0 {
				t.Fatalf("read after import: %s", diagString(read.Diagnostics))
			}
			got := p.attrs(typ, read.NewState)
			if stringOf(t, got["name"]) != "Ida Identity" || stringOf(t, got["merchant_customer_id"]) != "ident-1" {
				t.Fatalf("state after import and read: %v", got)
			}
			if id := p.identityID(read.NewIdentity); id != uuid {
				t.Fatalf("identity after import and read %q, want %q", id, uuid)
			}
		})
	}

	// Destroy: the new state and identity are null.
	resp, err := p.srv.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName:        "monri_customer",
		PriorState:      state,
		PlannedIdentity: identity,
		PlannedState:    p.dynamic(typ, tftypes.NewValue(typ, nil)),
		Config:          p.dynamic(typ, tftypes.NewValue(typ, nil)),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("ApplyResourceChange (destroy): %v %s", err, diagString(resp.Diagnostics))
	}
	if p.attrs(typ, resp.NewState) != nil {
		t.Fatal("the state after destroy is not null")
	}
	if resp.NewIdentity != nil && resp.NewIdentity.IdentityData != nil {
		if v, err := resp.NewIdentity.IdentityData.Unmarshal(p.identityType()); err != nil || !v.IsNull() {
			t.Fatalf("identity after destroy %v (%v), want null", v, err)
		}
	}
	if c, _ := s.Customer(uuid); !c.Deleted {
		t.Fatal("the sandbox did not delete the customer")
	}
}

// TestProtocolImportIdentityErrors: an identity whose id is not a uuid is
// refused with an error on the identity's id that says what is allowed.
func TestProtocolImportIdentityErrors(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	p := newProtoProvider(t, s)
	typ := p.identityType()
	for name, tc := range map[string]struct {
		identity *tfprotov6.ResourceIdentityData
		want     string
	}{
		"merchant_customer_id": {p.identity("merchant_customer_id:crm-1"),
			`identity sets id to "merchant_customer_id:crm-1", which is not a Monri customer uuid.*use the import block's id argument instead: id = "merchant_customer_id:<value>"`},
		"with a space": {p.identity("not a uuid"), `identity sets id to "not a uuid", which is not a Monri customer uuid`},
		"dot":          {p.identity("."), `identity sets id to "\.", which is not a Monri customer uuid`},
		"dot dot":      {p.identity(".."), `identity sets id to "\.\.", which is not a Monri customer uuid`},
		"null id": {&tfprotov6.ResourceIdentityData{IdentityData: p.dynamic(typ, p.object(typ, nil))},
			`identity must set id to a Monri customer uuid`},
	} {
		t.Run(name, func(t *testing.T) {
			resp := p.importState("", tc.identity)
			if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityError {
				t.Fatalf("diagnostics: %s, want one error", diagString(resp.Diagnostics))
			}
			d := resp.Diagnostics[0]
			if d.Summary != "Invalid Import Identity" || !regexp.MustCompile(`(?s)`+tc.want).MatchString(d.Detail) {
				t.Fatalf("error %q: %q, want Invalid Import Identity matching %s", d.Summary, d.Detail, tc.want)
			}
			if d.Attribute == nil || !d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("id")) {
				t.Fatalf("error on %v, want the identity's id", d.Attribute)
			}
		})
	}
	if n := s.TotalRequests(); n != 0 {
		t.Fatalf("invalid identities made %d requests, want 0", n)
	}
}

// TestProtocolDeletedWarning: a refresh that finds the customer deleted
// outside Terraform removes it from state with a warning naming its uuid and
// merchant_customer_id and saying it will be created again, whichever way
// Monri says it is gone. The read that follows an import of a customer that
// does not exist has no such warning (Terraform reports it).
func TestProtocolDeletedWarning(t *testing.T) {
	for _, mode := range []sandbox.DeletedMode{sandbox.DeletedNotFound, sandbox.DeletedReturnsTrue} {
		t.Run(mode.String(), func(t *testing.T) {
			s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{DeletedMode: mode}})
			p := newProtoProvider(t, s)
			typ := p.resourceType()
			how := map[sandbox.DeletedMode]string{
				sandbox.DeletedNotFound:    `Monri answers 404 Not Found for it`,
				sandbox.DeletedReturnsTrue: `Monri answers it with "deleted": true, deleted_at \d{4}-`,
			}[mode]
			for name, tc := range map[string]struct {
				config map[string]tftypes.Value
				who    string
			}{
				"with merchant_customer_id": {map[string]tftypes.Value{
					"merchant_customer_id": tftypes.NewValue(tftypes.String, "gone-1"),
				}, `\(merchant_customer_id "gone-1"\)`},
				"without": {map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "Nameless")}, `\(no merchant_customer_id\)`},
			} {
				t.Run(name, func(t *testing.T) {
					state, identity := p.createCustomer(tc.config)
					uuid := stringOf(t, p.attrs(typ, state)["id"])
					if !s.DeleteCustomer(uuid) {
						t.Fatalf("sandbox could not delete %s", uuid)
					}
					resp := p.read(state, identity, nil)
					if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityWarning {
						t.Fatalf("diagnostics: %s, want one warning", diagString(resp.Diagnostics))
					}
					d := resp.Diagnostics[0]
					want := `(?s)^Customer ` + uuid + ` ` + tc.who + ` was deleted outside Terraform: ` + how +
						`.*removed from the Terraform state.*the next apply will create it again`
					if d.Summary != "Monri Customer Deleted Outside Terraform" || !regexp.MustCompile(want).MatchString(d.Detail) {
						t.Fatalf("warning %q: %q\nwant it to match %s", d.Summary, d.Detail, want)
					}
					if p.attrs(typ, resp.NewState) != nil {
						t.Fatal("the customer is still in state")
					}
				})
			}
			t.Run("read after import", func(t *testing.T) {
				imp := p.importState("00000000-0000-4000-8000-000000000000", nil)
				if len(imp.Diagnostics) > 0 || len(imp.ImportedResources) != 1 {
					t.Fatalf("import: %s", diagString(imp.Diagnostics))
				}
				resp := p.read(imp.ImportedResources[0].State, imp.ImportedResources[0].Identity, imp.ImportedResources[0].Private)
				if len(resp.Diagnostics) > 0 || p.attrs(typ, resp.NewState) != nil {
					t.Fatalf("diagnostics %s, state %v: want none and no customer", diagString(resp.Diagnostics), resp.NewState)
				}
			})
		})
	}
}

// TestAccCustomerResource_identity runs where the Terraform CLI is 1.12 or
// later (it skips on older ones): the state holds the identity, and an import
// block with an identity imports the customer.
func TestAccCustomerResource_identity(t *testing.T) {
	s := startSandbox(t, sandbox.Options{})
	var id string
	config := providerConfig(s) + `
resource "monri_customer" "test" {
  merchant_customer_id = "ident-acc-1"
  name                 = "Ida Identity"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{featureIdentity},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(s, &id),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					captureCustomerID(&id),
					statecheck.ExpectIdentity(custAddr, map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`)),
					}),
					statecheck.ExpectIdentityValueMatchesState(custAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:    custAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
