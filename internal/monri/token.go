package monri

import (
	"context"
	"fmt"
	"time"
)

// tokenSource holds the one access token a Client in AuthAccessToken mode
// shares between all its requests. It obtains the token on first use, with
// both scopes the customer endpoints need, renews it before expires_in runs
// out, and drops it when Monri rejects it (invalidate). Concurrent requests
// that find no valid token wait for a single POST /v2/oauth.
type tokenSource struct {
	c      *Client
	now    func() time.Time
	secret SecretSink // nil when the logger does not mask secrets

	// lock is a one-slot semaphore rather than a sync.Mutex, so that a
	// request waiting for another's token request can give up when its
	// context ends.
	lock    chan struct{}
	token   string
	renewAt time.Time
}

func newTokenSource(c *Client, now func() time.Time, logger Logger) *tokenSource {
	ts := &tokenSource{c: c, now: now, lock: make(chan struct{}, 1)}
	ts.secret, _ = logger.(SecretSink)
	return ts
}

// tokenScopes are the scopes of the shared token: customers for the customer
// endpoints, payment-methods for the card listings.
var tokenScopes = []string{ScopeCustomers, ScopePaymentMethods}

// renewMargin is how long before expiry a token is renewed: a quarter of its
// lifetime, at most a minute, so a request never leaves with a token that
// expires on the way.
func renewMargin(lifetime time.Duration) time.Duration {
	return min(lifetime/4, time.Minute)
}

// get returns a valid access token, obtaining one when there is none or
// the current one is due for renewal.
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	select {
	case ts.lock <- struct{}{}:
	case <-ctx.Done():
		return "", &TransportError{Method: "POST", Path: "/v2/oauth", Err: &notSentError{err: fmt.Errorf("waiting for an access token: %w", ctx.Err())}}
	}
	defer func() { <-ts.lock }()
	if ts.token != "" && ts.now().Before(ts.renewAt) {
		return ts.token, nil
	}
	ts.token = ""
	issued := ts.now()
	tok, err := ts.c.CreateAccessToken(ctx, tokenScopes)
	if err != nil {
		return "", &AccessTokenError{Err: err}
	}
	ts.c.masker.AddSecret(tok.AccessToken)
	if ts.secret != nil {
		ts.secret.AddSecret(tok.AccessToken)
	}
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	if lifetime <= 0 {
		// No (or a nonsensical) lifetime: use the token for this request
		// only and ask again next time.
		return tok.AccessToken, nil
	}
	ts.token = tok.AccessToken
	ts.renewAt = issued.Add(lifetime - renewMargin(lifetime))
	return ts.token, nil
}

// invalidate drops token if it is still the current one (Monri answered 401
// to it), so that the next get obtains a new one.
func (ts *tokenSource) invalidate(token string) {
	ts.lock <- struct{}{}
	if ts.token == token {
		ts.token = ""
	}
	<-ts.lock
}

// AccessTokenError is returned when authentication is AuthAccessToken and no
// access token could be obtained for a request.
type AccessTokenError struct {
	Err error
}

func (e *AccessTokenError) Error() string {
	return "obtaining an OAuth access token (POST /v2/oauth) to authenticate the request failed: " + e.Err.Error()
}

func (e *AccessTokenError) Unwrap() error { return e.Err }
