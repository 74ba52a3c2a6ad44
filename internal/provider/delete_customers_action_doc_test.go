package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
)

// The action's documentation page is a static file,
// templates/actions/delete_customers.md, that tfplugindocs copies into
// docs/ whatever the Terraform CLI: tfplugindocs renders an action from
// `terraform providers schema -json`, which lists actions only from
// Terraform 1.14 on, and an action template fails the whole generation
// under an older CLI. This test keeps the page true: its Schema section and
// its example are what tfplugindocs would write.

const actionDocPage = "../../templates/actions/delete_customers.md"

// actionSchemaMarkdown is the Schema section tfplugindocs writes for the
// action's schema.
func actionSchemaMarkdown(t *testing.T) string {
	t.Helper()
	var resp action.SchemaResponse
	NewDeleteCustomersAction().Schema(context.Background(), action.SchemaRequest{}, &resp)
	names := make([]string, 0, len(resp.Schema.Attributes))
	for name := range resp.Schema.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	var required, optional strings.Builder
	for _, name := range names {
		a := resp.Schema.Attributes[name]
		var typ string
		switch a.(type) {
		case schema.StringAttribute:
			typ = "String"
		case schema.Int64Attribute:
			typ = "Number"
		case schema.BoolAttribute:
			typ = "Boolean"
		case schema.MapAttribute:
			typ = "Map of String"
		default:
			t.Fatalf("attribute %s: a %T, which this test does not know how tfplugindocs names", name, a)
		}
		line := fmt.Sprintf("- `%s` (%s) %s\n", name, typ, a.GetMarkdownDescription())
		if a.IsRequired() {
			required.WriteString(line)
		} else {
			optional.WriteString(line)
		}
	}
	return "## Schema\n\n### Required\n\n" + required.String() + "\n### Optional\n\n" + optional.String()
}

func TestDeleteCustomersActionDocPage(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(actionDocPage)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(page)
	if want := actionSchemaMarkdown(t); !strings.HasSuffix(doc, "\n"+want) {
		t.Errorf("%s does not end with the action's Schema section; it should end with:\n\n%s", actionDocPage, want)
	}
	var resp action.SchemaResponse
	NewDeleteCustomersAction().Schema(context.Background(), action.SchemaRequest{}, &resp)
	if !strings.Contains(doc, "\n"+resp.Schema.MarkdownDescription+"\n") {
		t.Errorf("%s does not hold the action's description:\n\n%s", actionDocPage, resp.Schema.MarkdownDescription)
	}
	example, err := os.ReadFile(filepath.Join("../../examples/actions/monri_delete_customers/action.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "```terraform\n" + string(example) + "```\n"; !strings.Contains(doc, want) {
		t.Errorf("%s does not show examples/actions/monri_delete_customers/action.tf as it is:\n\n%s", actionDocPage, want)
	}
}
