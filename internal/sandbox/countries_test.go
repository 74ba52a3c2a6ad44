package sandbox

import (
	"slices"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/iso3166"
)

// The provider validates country codes at plan time with internal/iso3166;
// the sandbox keeps its own copy so it stays an independent reference. The
// two lists must not drift apart.
func TestCountryCodesMatchProviderList(t *testing.T) {
	if got, want := CountryCodes(), iso3166.CountryCodes(); !slices.Equal(got, want) {
		t.Fatalf("sandbox country list differs from internal/iso3166:\nsandbox:  %v\niso3166: %v", got, want)
	}
}
