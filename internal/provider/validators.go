package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/monri-community/terraform-provider-monri/internal/iso3166"
)

// countryCodeValidator accepts an officially assigned ISO 3166-1 alpha-2 code
// in upper case, from the full list (not a pattern).
type countryCodeValidator struct{}

func countryCode() validator.String { return countryCodeValidator{} }

func (countryCodeValidator) Description(context.Context) string {
	return "value must be an ISO 3166-1 alpha-2 country code in upper case, such as BA or HR"
}

func (v countryCodeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (countryCodeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if iso3166.IsCountryCode(s) {
		return
	}
	detail := fmt.Sprintf("Attribute %s value must be an ISO 3166-1 alpha-2 country code in upper case, such as \"BA\" or \"HR\"; got %q.", req.Path, s)
	if up := strings.ToUpper(s); up != s && iso3166.IsCountryCode(up) {
		detail += fmt.Sprintf(" Write it in upper case: %q.", up)
	} else {
		detail += " It is not an assigned country code."
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Country Code", detail)
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

// lengthBetween checks a documented length limit of a Monri customer field,
// counted in characters (not bytes).
func lengthBetween(least, most int) validator.String {
	return stringvalidator.UTF8LengthBetween(least, most)
}

func emailValidators() []validator.String {
	return []validator.String{
		lengthBetween(1, 200),
		stringvalidator.RegexMatches(emailPattern, "must be an email address such as name@example.com"),
	}
}

func metadataValidators() []validator.Map {
	return []validator.Map{
		mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1)),
	}
}

// importID is a parsed monri_customer import identifier.
type importID struct {
	uuid               string
	merchantCustomerID string
}

const merchantIDImportPrefix = "merchant_customer_id:"

// parseImportID accepts "<uuid>" or "merchant_customer_id:<value>".
func parseImportID(id string) (importID, error) {
	if rest, ok := strings.CutPrefix(id, merchantIDImportPrefix); ok {
		if rest == "" {
			return importID{}, fmt.Errorf("the import ID %q has no merchant_customer_id after the prefix; use merchant_customer_id:<value>", id)
		}
		return importID{merchantCustomerID: rest}, nil
	}
	if id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, " /?#%") {
		return importID{}, fmt.Errorf("the import ID %q is neither a Monri customer uuid nor merchant_customer_id:<value>", id)
	}
	return importID{uuid: id}, nil
}
