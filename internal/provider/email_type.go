package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// emailType is a string type whose values compare case-insensitively, so that
// an address Monri returns normalised (lower-cased) does not make Terraform
// report a change or an inconsistent result: the configured spelling is kept.
type emailType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = emailType{}
	_ basetypes.StringValuableWithSemanticEquals = emailValue{}
)

func (t emailType) Equal(o attr.Type) bool {
	other, ok := o.(emailType)
	return ok && t.StringType.Equal(other.StringType)
}

func (t emailType) String() string { return "emailType" }

func (t emailType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return emailValue{StringValue: in}, nil
}

func (t emailType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	sv, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return emailValue{StringValue: sv}, nil
}

func (t emailType) ValueType(context.Context) attr.Value { return emailValue{} }

// emailValue is a value of emailType.
type emailValue struct {
	basetypes.StringValue
}

func (v emailValue) Equal(o attr.Value) bool {
	other, ok := o.(emailValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v emailValue) Type(context.Context) attr.Type { return emailType{} }

// StringSemanticEquals treats addresses that differ only in letter case as equal.
func (v emailValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	nv, ok := newValuable.(emailValue)
	if !ok {
		return false, nil
	}
	return strings.EqualFold(v.ValueString(), nv.ValueString()), nil
}

func newEmailNull() emailValue          { return emailValue{StringValue: basetypes.NewStringNull()} }
func newEmailValue(s string) emailValue { return emailValue{StringValue: basetypes.NewStringValue(s)} }
