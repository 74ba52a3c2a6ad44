package sandbox

import "github.com/monri-community/terraform-provider-monri/internal/iso3166"

// IsCountryCode reports whether code is an officially assigned ISO 3166-1
// alpha-2 country code, written in upper case (for example "BA"). It is the
// rule the sandbox applies to the customer's country field, and the same list
// the provider validates against at plan time (internal/iso3166).
func IsCountryCode(code string) bool { return iso3166.IsCountryCode(code) }

// CountryCodes returns a sorted copy of the 249 officially assigned
// ISO 3166-1 alpha-2 codes accepted by IsCountryCode.
func CountryCodes() []string { return iso3166.CountryCodes() }
