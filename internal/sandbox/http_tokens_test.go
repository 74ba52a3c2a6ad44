package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Issuing an access token costs the same with 10 live tokens as with
// thousands: each issue looks at the tokens that have expired, and at one
// more. Before, past 1,024 tokens, every issue scanned them all. Work is
// counted (tokens examined), not timed.
func TestTokenIssueCostFlat(t *testing.T) {
	const ttl = 900 * time.Second
	now := time.Date(2026, time.March, 15, 10, 0, 0, 0, time.UTC)
	var ts tokenStore
	scopes := []string{scopeCustomers}
	// Phase 1: 5,000 tokens within one TTL, none expires.
	for range 5000 {
		ts.issue(now, ttl, scopes)
		now = now.Add(100 * time.Millisecond)
	}
	kept, examined := ts.stats()
	if kept != 5000 {
		t.Fatalf("%d tokens kept, want 5000", kept)
	}
	if examined > 5000 {
		t.Fatalf("5,000 issues examined %d tokens, want at most one each", examined)
	}
	// Phase 2: a steady stream, one token a second for ten TTLs: tokens
	// expire and are dropped as new ones come.
	_, before := ts.stats()
	const issues = 9000
	maxKept := 0
	for range issues {
		ts.issue(now, ttl, scopes)
		now = now.Add(time.Second)
		k, _ := ts.stats()
		maxKept = max(maxKept, k)
	}
	kept, examined = ts.stats()
	perIssue := float64(examined-before) / issues
	t.Logf("steady state: %d tokens kept (at most %d), %.2f examined per issue", kept, maxKept, perIssue)
	// Each token is looked at once when it is dropped, and each issue
	// looks at one token it keeps: whatever the number kept.
	dropped := 5000 + issues - kept
	if examined-before > issues+dropped {
		t.Errorf("%d tokens examined by %d issues that dropped %d (%.2f per issue), want at most %d", examined-before, issues, dropped, perIssue, issues+dropped)
	}
	// Kept: those issued within the last two TTLs (one valid, one to
	// say "expired").
	if kept > int(2*ttl/time.Second)+1 {
		t.Errorf("%d tokens kept, want at most those of the last two TTLs", kept)
	}
}

// A token that expired a moment ago is refused as expired; one expired for
// more than a TTL is forgotten.
func TestTokenExpiry(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Minute})
	token, key := e.s.Credentials()
	oauth := func() string {
		r := e.send(e.request(http.MethodPost, "/v2/oauth", `{"client_id":"`+token+`","client_secret":"`+key+`","scopes":["customers"],"grant_type":"client_credentials"}`))
		expectStatus(t, r, http.StatusOK)
		return str(r.object(t)["access_token"])
	}
	get := func(tok string) response {
		req := e.request(http.MethodGet, "/v2/customers", "")
		req.Header.Set("Authorization", "Bearer "+tok)
		return e.send(req)
	}
	first := oauth()
	expectStatus(t, get(first), http.StatusOK)
	e.clock.Advance(61 * time.Second)
	oauth() // drops nothing yet: first expired a second ago
	expectError(t, get(first), http.StatusUnauthorized, "expired")
	e.clock.Advance(time.Minute)
	oauth() // drops first
	if r := get(first); r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "invalid access token") {
		t.Fatalf("a token expired for more than a TTL: %d %s", r.status, r.body)
	}
}
