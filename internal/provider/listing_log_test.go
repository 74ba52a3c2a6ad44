package provider

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// TestHTTPLogger_listing: one DEBUG line per listing, in the http subsystem,
// with the items, requests, pages in flight and paging time, masked as the
// request lines are; nothing at INFO or off.
func TestHTTPLogger_listing(t *testing.T) {
	t.Setenv(httpLevelEnv, "DEBUG")
	l, secrets, words, masked := logSecrets(t)
	const path = "/v2/customers/4b281da4-d145-4233-b957-2018cf9aa0fb/payment-methods"
	raw, entries := captureLog(t, func(ctx context.Context) {
		l.LogListing(ctx, monri.ListingLog{Path: "/v2/customers", Items: 10000, Requests: 104, MaxInFlight: 4,
			Duration: 612 * time.Millisecond})
		l.LogListing(ctx, monri.ListingLog{Path: path + words, Items: 0, Requests: 2, MaxInFlight: 1,
			Duration: 3 * time.Millisecond, Err: errors.New("Monri answered HTTP 404" + words)})
	})
	assertNoSecret(t, raw, secrets)
	want := []map[string]any{
		{
			"@level": "debug", "@message": "Monri API listing", "@module": "provider.http",
			"path": "/v2/customers", "items": 10000.0, "requests": 104.0, "pages_in_flight": 4.0, "paging_time_ms": 612.0,
		},
		{
			"@level": "debug", "@message": "Monri API listing", "@module": "provider.http",
			"path": path + masked, "items": 0.0, "requests": 2.0, "pages_in_flight": 1.0, "paging_time_ms": 3.0,
			"error": "Monri answered HTTP 404" + masked,
		},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("logged\n%v\nwant\n%v", entries, want)
	}

	for _, level := range []string{"INFO", "off"} {
		t.Setenv(httpLevelEnv, level)
		l := newHTTPLogger("token")
		if raw, _ := captureLog(t, func(ctx context.Context) {
			l.LogListing(ctx, monri.ListingLog{Path: "/v2/customers", Items: 1, Requests: 2, MaxInFlight: 1})
		}); raw != "" {
			t.Errorf("logged %q at %s", raw, level)
		}
	}
}
