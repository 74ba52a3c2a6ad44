package provider

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

func sp(s string) *string { return &s }

func TestCustomerFromAPINullAndEmpty(t *testing.T) {
	c := &monri.Customer{UUID: "u", Name: sp(""), Email: sp("A@b.c"), Metadata: map[string]string{}, CreatedAt: "2019-02-12T11:22:33Z"}

	m := customerFromAPI(c, types.MapNull(types.StringType))
	if !m.Name.IsNull() || !m.Phone.IsNull() || !m.Metadata.IsNull() || m.Email.ValueString() != "A@b.c" || m.ID.ValueString() != "u" {
		t.Fatalf("unexpected model %+v", m)
	}
	if !m.UpdatedAt.IsNull() || m.CreatedAt.ValueString() != "2019-02-12T11:22:33Z" {
		t.Fatalf("timestamps %v %v", m.CreatedAt, m.UpdatedAt)
	}

	empty := types.MapValueMust(types.StringType, map[string]attr.Value{})
	if m := customerFromAPI(c, empty); m.Metadata.IsNull() || len(m.Metadata.Elements()) != 0 {
		t.Fatalf("an empty prior metadata map must stay empty, got %v", m.Metadata)
	}
	c.Metadata = map[string]string{"k": "v"}
	if m := customerFromAPI(c, types.MapNull(types.StringType)); len(m.Metadata.Elements()) != 1 {
		t.Fatalf("metadata from the server must show (drift), got %v", m.Metadata)
	}
}

func TestCustomerUpdateFromModels(t *testing.T) {
	md := func(kv ...string) types.Map {
		e := map[string]attr.Value{}
		for i := 0; i+1 < len(kv); i += 2 {
			e[kv[i]] = types.StringValue(kv[i+1])
		}
		return types.MapValueMust(types.StringType, e)
	}
	state := customerModel{
		ID: types.StringValue("u"), Name: types.StringValue("Ana"), Phone: types.StringValue("123"),
		City: types.StringValue("Sarajevo"), Email: newEmailValue("a@b.c"), Metadata: md("keep", "1", "drop", "2", "change", "3"),
	}
	plan := state
	plan.Name = types.StringValue("Ana Marija") // changed
	plan.Phone = types.StringNull()             // removed
	plan.Country = types.StringValue("BA")      // added
	plan.Metadata = md("keep", "1", "change", "4", "new", "5")

	b, err := json.Marshal(customerUpdate(plan, state))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"country":"BA","metadata":{"change":"4","drop":null,"new":"5"},"name":"Ana Marija","phone":null}`
	if string(b) != want {
		t.Fatalf("update body\n got %s\nwant %s", b, want)
	}

	plan.Metadata = types.MapNull(types.StringType)
	b, _ = json.Marshal(customerUpdate(plan, state))
	want = `{"country":"BA","metadata":{"change":null,"drop":null,"keep":null},"name":"Ana Marija","phone":null}`
	if string(b) != want {
		t.Fatalf("removing all metadata\n got %s\nwant %s", b, want)
	}

	if u := customerUpdate(state, state); !u.IsEmpty() {
		t.Fatalf("no change must send nothing")
	}
}

func TestToFields(t *testing.T) {
	m := customerModel{Name: types.StringValue("Ana"), Email: newEmailNull(), Metadata: types.MapValueMust(types.StringType, map[string]attr.Value{})}
	b, _ := json.Marshal(m.toFields())
	if string(b) != `{"name":"Ana"}` {
		t.Fatalf("got %s", b)
	}
}

func TestParseImportID(t *testing.T) {
	tests := []struct {
		in       string
		uuid, mc string
		bad      bool
	}{
		{in: "4b281da4-d145-4233-b957-2018cf9aa0fb", uuid: "4b281da4-d145-4233-b957-2018cf9aa0fb"},
		{in: "merchant_customer_id:cust-1", mc: "cust-1"},
		{in: "merchant_customer_id:a/b c%d é:x", mc: "a/b c%d é:x"},
		{in: "", bad: true},
		{in: "merchant_customer_id:", bad: true},
		{in: " abc", bad: true},
		{in: "a/b", bad: true},
		{in: ".", bad: true},
		{in: "..", bad: true},
		{in: "...", uuid: "..."}, // not a dot segment: GET /v2/customers/... answers not found
		{in: "merchant_customer_id:.", bad: true},
		{in: "merchant_customer_id:..", bad: true},
		{in: "merchant_customer_id:a..b", mc: "a..b"},
		{in: "Ta\xe8ka", bad: true},
		{in: "merchant_customer_id:Ta\xe8ka", bad: true},
	}
	for _, tt := range tests {
		got, err := parseImportID(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("parseImportID(%q) error = %v, want error %v", tt.in, err, tt.bad)
			continue
		}
		if got.uuid != tt.uuid || got.merchantCustomerID != tt.mc {
			t.Errorf("parseImportID(%q) = %+v", tt.in, got)
		}
	}
}
