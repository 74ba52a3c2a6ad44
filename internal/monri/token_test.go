package monri

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// An access token is renewed a quarter of its lifetime before it expires,
// and at most a minute before: a 2-minute token 30 s early, a 4-minute one
// a minute early (both rules agree), a 10-minute one a minute early (the
// cap). Each lifetime is checked just before and just after its renewal
// point, on a fake clock shared by the client and the sandbox.
func TestAccessTokenRenewedAtAQuarterOfItsLifetime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lifetime, renewAfter time.Duration
	}{
		{2 * time.Minute, 90 * time.Second},
		{4 * time.Minute, 3 * time.Minute},
		{10 * time.Minute, 9 * time.Minute},
	} {
		t.Run(fmt.Sprintf("lifetime %v", tc.lifetime), func(t *testing.T) {
			t.Parallel()
			start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			var now atomic.Int64
			now.Store(start.UnixNano())
			clock := func() time.Time { return time.Unix(0, now.Load()) }
			s := startSandbox(t, sandbox.Options{TokenTTL: tc.lifetime, Now: clock})
			c, rec := newTestClient(t, s, func(cfg *Config) {
				cfg.Authentication = AuthAccessToken
				cfg.Now = clock
			})
			// Counted as they leave the client.
			tokenRequests := func() int {
				n := 0
				for _, r := range rec.all() {
					if r.URI == "/v2/oauth" {
						n++
					}
				}
				return n
			}
			ctx := context.Background()
			cu, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: ptr("renew-1")})
			if err != nil {
				t.Fatal(err)
			}
			at := func(d time.Duration, want int) {
				t.Helper()
				now.Store(start.Add(d).UnixNano())
				if _, err := c.GetCustomer(ctx, cu.UUID); err != nil {
					t.Fatal(err)
				}
				if n := tokenRequests(); n != want {
					t.Fatalf("%d token requests after %v of a %v token, want %d (renewal due after %v)", n, d, tc.lifetime, want, tc.renewAfter)
				}
			}
			at(tc.renewAfter-time.Second, 1)
			at(tc.renewAfter+time.Second, 2)
		})
	}
}
