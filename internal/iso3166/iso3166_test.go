package iso3166

import "testing"

func TestCountryCodes(t *testing.T) {
	codes := CountryCodes()
	if len(codes) != 249 {
		t.Fatalf("got %d codes, want the 249 officially assigned ones", len(codes))
	}
	for i := 1; i < len(codes); i++ {
		if codes[i-1] >= codes[i] {
			t.Fatalf("codes not sorted or repeated at %d: %q then %q", i, codes[i-1], codes[i])
		}
	}
	for _, c := range []string{"BA", "HR", "US", "GB", "SS", "BQ", "AX"} {
		if !IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = false, want true", c)
		}
	}
	for _, c := range []string{"", "XX", "XK", "UK", "EU", "AN", "ba", "Ba", "BIH", "B"} {
		if IsCountryCode(c) {
			t.Errorf("IsCountryCode(%q) = true, want false", c)
		}
	}
}
