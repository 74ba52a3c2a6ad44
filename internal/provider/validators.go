package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/monri-community/terraform-provider-monri/internal/iso3166"
	"github.com/monri-community/terraform-provider-monri/internal/monri"
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
		validUTF8(),
	}
}

func metadataValidators() []validator.Map {
	return []validator.Map{
		mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1)),
		mapvalidator.KeysAre(validUTF8()),
		mapvalidator.ValueStringsAre(validUTF8()),
	}
}

// validUTF8Validator refuses a string that is not valid UTF-8. Terraform's
// own files are UTF-8 (and file() refuses a file that is not), but a value
// from the environment (TF_VAR_…) reaches the provider byte for byte.
// Such a value would be sent to Monri as U+FFFD replacement characters, so
// Monri's answer could never match the configuration; and the length
// validators count each stray byte as a character. Every string attribute a
// user can set has this validator (TestEveryStringAttributeRefusesInvalidUTF8
// walks the schemas). The error never quotes the value: it may be a secret.
type validUTF8Validator struct{}

func validUTF8() validator.String { return validUTF8Validator{} }

func (validUTF8Validator) Description(context.Context) string {
	return "value must be valid UTF-8 text"
}

func (v validUTF8Validator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (validUTF8Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if utf8.ValidString(s) {
		return
	}
	at := 0
	for at < len(s) {
		r, size := utf8.DecodeRuneInString(s[at:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	resp.Diagnostics.AddAttributeError(utf8Path(req.Path), "Invalid UTF-8",
		fmt.Sprintf("Attribute %s value must be valid UTF-8 text, but byte %d of its %d bytes does not begin a UTF-8 character. "+
			"Terraform configuration files are UTF-8, so the value most likely came from an environment variable (TF_VAR_…) "+
			"set from a system or file in another encoding (such as Windows-1250 or ISO 8859-2); convert it to UTF-8, for example with iconv. "+
			"Nothing was sent to Monri.", req.Path, at+1, len(s)))
}

// utf8Path is p up to the first map key that is not valid UTF-8 (the key
// being refused): Terraform's protocol carries a diagnostic's path in UTF-8
// strings, and a path that is not fails the whole answer with "grpc: error
// while marshaling: string field contains invalid UTF-8" instead of showing
// the error. The detail still names the full path, with the bad bytes
// escaped. (terraform-plugin-go makes a diagnostic's summary and detail
// valid UTF-8 itself, and never sends a set element's step, which the
// protocol cannot express; a map key it sends as it is.)
func utf8Path(p path.Path) path.Path {
	steps := p.Steps()
	for i, step := range steps {
		if key, ok := step.(path.PathStepElementKeyString); ok && !utf8.ValidString(string(key)) {
			for range len(steps) - i {
				p = p.ParentPath()
			}
			return p
		}
	}
	return p
}

// pathSegmentValidator refuses "." and "..": the provider sends these ids as
// one segment of a URL path (escaped, so "/" and "%" are safe), and a server
// or proxy that normalises paths (RFC 3986, section 5.2.4) resolves a "." or
// ".." segment, turning /v2/customers/../payment-methods into
// /v2/payment-methods. The client refuses such paths too.
type pathSegmentValidator struct{ use string }

// pathSegment refuses "." and ".."; use says what the value is sent for, as
// in "the customer is looked up by it in the URL path".
func pathSegment(use string) validator.String { return pathSegmentValidator{use: use} }

func (pathSegmentValidator) Description(context.Context) string {
	return `value must not be "." or ".."`
}

func (v pathSegmentValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v pathSegmentValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if !monri.IsDotSegment(s) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Identifier",
		fmt.Sprintf("Attribute %s value must not be %q: %s, and a server or proxy that normalises URL paths (RFC 3986) "+
			"reads a %q segment as \"this\" or \"the parent\" path, so the request would reach another resource. "+
			"Any other value, including one with \".\" among other characters, is allowed.", req.Path, s, v.use, s))
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
		if monri.IsDotSegment(rest) {
			return importID{}, fmt.Errorf("the import ID %q names a merchant_customer_id of %q, which cannot be looked up: "+
				"it would be sent as a URL path segment that servers and proxies resolve to another path (RFC 3986)", id, rest)
		}
		if !utf8.ValidString(rest) {
			return importID{}, fmt.Errorf("the import ID %q is not valid UTF-8 text; a merchant_customer_id is UTF-8", id)
		}
		return importID{merchantCustomerID: rest}, nil
	}
	if id == "" || strings.TrimSpace(id) != id || strings.ContainsAny(id, " /?#%") || monri.IsDotSegment(id) || !utf8.ValidString(id) {
		return importID{}, fmt.Errorf("the import ID %q is neither a Monri customer uuid nor merchant_customer_id:<value>", id)
	}
	return importID{uuid: id}, nil
}
