package benchprovider

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/monri-community/terraform-provider-monri/internal/clitest"
	"github.com/monri-community/terraform-provider-monri/internal/provider"
)

// TestMain lets TF_ACC_TERRAFORM_PATH alone choose the CLI, Terraform or
// OpenTofu (clitest.Prepare).
func TestMain(m *testing.M) {
	if err := clitest.Prepare(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// resourceSchema is monri_customer's schema as Terraform receives it.
func resourceSchema(t *testing.T, srv tfprotov6.ProviderServer) *tfprotov6.Schema {
	t.Helper()
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
	}
	s, ok := resp.ResourceSchemas["monri_customer"]
	if !ok {
		t.Fatalf("no monri_customer in %v", reflect.ValueOf(resp.ResourceSchemas).MapKeys())
	}
	return s
}

// The baseline is only a fair floor if Terraform sees the very same resource.
func TestSchemaIdenticalToTheProvider(t *testing.T) {
	got := resourceSchema(t, providerserver.NewProtocol6(New())())
	want := resourceSchema(t, providerserver.NewProtocol6(provider.New("test")())())
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the baseline's monri_customer schema differs from the provider's:\n got %+v\nwant %+v", got, want)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewUUID(t *testing.T) {
	a, b := newUUID(), newUUID()
	if !uuidRE.MatchString(a) || a == b {
		t.Fatalf("newUUID() = %q, %q; want two different version 4 UUIDs", a, b)
	}
}

// The baseline must behave like a provider that works: create, an empty
// plan, an in-place update and destroy, all without any API.
func TestLifecycle(t *testing.T) {
	config := func(name string) string {
		return `
resource "monri_customer" "c" {
  merchant_customer_id = "bench-1"
  name                 = "` + name + `"
  email                = "bench-1@example.com"
  metadata             = { bench = "1" }
}
`
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"monri": providerserver.NewProtocol6WithError(New()),
		},
		Steps: []resource.TestStep{
			{
				Config: config("Ana"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("monri_customer.c", tfjsonpath.New("id"), knownvalue.StringRegexp(uuidRE)),
					statecheck.ExpectKnownValue("monri_customer.c", tfjsonpath.New("created_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("monri_customer.c", tfjsonpath.New("updated_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("monri_customer.c", tfjsonpath.New("metadata"),
						knownvalue.MapExact(map[string]knownvalue.Check{"bench": knownvalue.StringExact("1")})),
					sameID.AddStateValue("monri_customer.c", tfjsonpath.New("id")),
				},
			},
			{
				Config: config("Ana Marija"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("monri_customer.c", plancheck.ResourceActionUpdate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("monri_customer.c", tfjsonpath.New("name"), knownvalue.StringExact("Ana Marija")),
					sameID.AddStateValue("monri_customer.c", tfjsonpath.New("id")),
				},
			},
		},
	})
}
