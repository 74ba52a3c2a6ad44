package provider

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// FuzzParseImportID checks that parsing any import ID never panics, that an
// accepted ID yields exactly one of uuid and merchant_customer_id (the
// latter exactly as written after the prefix), that an accepted uuid is
// safe in a URL path segment's spirit (no space, "/", "?", "#", "%", no
// surrounding white space, not "." or ".."), that both are valid UTF-8, and
// that a refused ID gets an error quoting it.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{
		"4b281da4-d145-4233-b957-2018cf9aa0fb",
		"merchant_customer_id:customer-1234",
		"merchant_customer_id:a/b c%d é:x",
		"merchant_customer_id:",
		"merchant_customer_id",
		"MERCHANT_CUSTOMER_ID:x",
		"merchant_customer_id: padded ",
		"merchant_customer_id:merchant_customer_id:x",
		"",
		" ",
		" abc",
		"abc\t",
		"a/b",
		"a?b",
		"a#b",
		"a%2Fb",
		"../../etc/passwd",
		".",
		"..",
		"merchant_customer_id:..",
		"\x00",
		"\xff\xfe",
		strings.Repeat("é", 200),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseImportID(in)
		if err != nil {
			if got != (importID{}) {
				t.Fatalf("parseImportID(%q) returned %+v with error %v", in, got, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
				t.Fatalf("parseImportID(%q): error %q does not quote the ID", in, err)
			}
			return
		}
		switch rest, ok := strings.CutPrefix(in, merchantIDImportPrefix); {
		case ok:
			if got.uuid != "" || got.merchantCustomerID != rest || rest == "" || monri.IsDotSegment(rest) || !utf8.ValidString(rest) {
				t.Fatalf("parseImportID(%q) = %+v, want merchant_customer_id %q", in, got, rest)
			}
		default:
			if got.merchantCustomerID != "" || got.uuid != in {
				t.Fatalf("parseImportID(%q) = %+v, want uuid %q", in, got, in)
			}
			if in == "" || strings.TrimSpace(in) != in || strings.ContainsAny(in, " /?#%") || monri.IsDotSegment(in) || !utf8.ValidString(in) {
				t.Fatalf("parseImportID(%q) accepted a uuid that cannot be one", in)
			}
		}
	})
}
