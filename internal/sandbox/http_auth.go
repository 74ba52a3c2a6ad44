package sandbox

import (
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	authScheme   = "WP3-v2.1"
	bearerScheme = "Bearer"
)

// knownScopes are the scopes /v2/oauth can grant. payments (asked for by
// Monri's PHP SDK) is granted but opens no route of this API.
var knownScopes = []string{scopeCustomers, scopePaymentMethods, scopePayments}

// errBearerRequired is the message of the 401 the bearer-only variant
// answers to any other Authorization scheme.
const errBearerRequired = "this endpoint requires Authorization: Bearer <access_token>, with an access token from POST /v2/oauth; " + authScheme + " is not accepted"

var scopeList = strings.Join(knownScopes, ", ")

// computeDigest returns hex(sha512(merchantKey + timestamp +
// authenticityToken + fullpath + body)), the WP3-v2.1 digest.
func computeDigest(merchantKey, timestamp, authenticityToken, fullpath string, body []byte) string {
	h := sha512.New()
	h.Write([]byte(merchantKey))
	h.Write([]byte(timestamp))
	h.Write([]byte(authenticityToken))
	h.Write([]byte(fullpath))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// requestFullPath is the path and query exactly as the client sent them.
func requestFullPath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	// Requests built for a direct ServeHTTP call have no RequestURI, and a
	// proxy-style request has an absolute URI: fall back to the parsed URL.
	return r.URL.RequestURI()
}

// hasMediaType reports whether the header value lists application/json.
func hasMediaType(values []string, want string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == want {
				return true
			}
		}
	}
	return false
}

// checkHeaders enforces Accept and Content-Type.
func checkHeaders(r *http.Request) *apiError {
	if !hasMediaType(r.Header.Values("Accept"), "application/json") {
		return invalidRequest(http.StatusBadRequest, "Accept header must be application/json")
	}
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		mt, _, err := mime.ParseMediaType(ct)
		if ct == "" || err != nil || mt != "application/json" {
			return invalidRequest(http.StatusBadRequest, "Content-Type header must be application/json")
		}
	}
	return nil
}

// authenticate checks the Authorization header of an API request before a
// byte of its body is read, so that a request that is not signed costs no
// more than its headers: everything but the WP3-v2.1 digest (presence,
// scheme, shape, authenticity token, timestamp window; a bearer token
// whole). scope is the OAuth scope a bearer token needs for the route. For
// a WP3-v2.1 header it returns the check of the digest, which needs the
// body; nil for a bearer token.
func (s *Server) authenticate(r *http.Request, scope string, v *Variants) (func(body []byte) *apiError, *apiError) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 || values[0] == "" {
		if v.BearerOnly {
			return nil, unauthorized("Authorization header is missing: " + errBearerRequired)
		}
		return nil, unauthorized("Authorization header is missing")
	}
	if len(values) > 1 {
		return nil, unauthorized("Authorization header must be sent once")
	}
	parts := strings.Split(values[0], " ")
	switch {
	case parts[0] == bearerScheme:
		return nil, s.authenticateBearer(parts, scope)
	case v.BearerOnly:
		// Whatever the header's validity: the scheme itself is refused.
		return nil, unauthorized(errBearerRequired)
	case parts[0] == authScheme:
		return s.authenticateWP3(r, parts)
	default:
		return nil, unauthorized("unsupported Authorization scheme: expected " + authScheme + " or " + bearerScheme)
	}
}

func (s *Server) authenticateWP3(r *http.Request, parts []string) (func(body []byte) *apiError, *apiError) {
	if len(parts) != 4 || slices.Contains(parts, "") {
		return nil, unauthorized("malformed Authorization header: expected \"" + authScheme + " <authenticity_token> <timestamp> <digest>\" separated by single spaces")
	}
	token, ts, digest := parts[1], parts[2], parts[3]
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.authToken)) != 1 {
		return nil, unauthorized("unknown authenticity token")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, unauthorized("Authorization timestamp must be an integer number of Unix seconds")
	}
	// Compare in whole seconds: a Duration would overflow (and wrap) for
	// absurd timestamps such as milliseconds.
	nowSec, tol := s.preciseNow().Unix(), int64(s.tolerance/time.Second)
	if sec < nowSec-tol || sec > nowSec+tol {
		return nil, unauthorized(fmt.Sprintf("Authorization timestamp is outside the accepted window of %s around the server time %d", s.tolerance, s.preciseNow().Unix()))
	}
	if len(digest) != sha512.Size*2 {
		return nil, unauthorized("invalid digest: expected hex(sha512(merchant_key + timestamp + authenticity_token + fullpath + body)), 128 hex digits, with fullpath the request path and query as sent")
	}
	return func(body []byte) *apiError {
		want := computeDigest(s.merchantKey, ts, s.authToken, requestFullPath(r), body)
		if subtle.ConstantTimeCompare([]byte(digest), []byte(want)) != 1 {
			return unauthorized("invalid digest: expected hex(sha512(merchant_key + timestamp + authenticity_token + fullpath + body)) with fullpath the request path and query as sent")
		}
		return nil
	}, nil
}

func (s *Server) authenticateBearer(parts []string, scope string) *apiError {
	if len(parts) != 2 || parts[1] == "" {
		return unauthorized("malformed Authorization header: expected \"Bearer <access_token>\"")
	}
	tok, ok := s.tokens.get(parts[1])
	if !ok {
		return unauthorized("invalid access token")
	}
	if !s.preciseNow().Before(tok.expiresAt) {
		return unauthorized("access token has expired")
	}
	if !slices.Contains(tok.scopes, scope) {
		return invalidRequest(http.StatusForbidden, "access token is missing the "+scope+" scope")
	}
	return nil
}

type oauthRequest struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
	GrantType    string   `json:"grant_type"`
}

// handleOAuth implements POST /v2/oauth.
func (s *Server) handleOAuth(w http.ResponseWriter, r *http.Request, _ *Variants, _ string, body []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	var req oauthRequest
	if e := decodeStrict(body, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	idOK := subtle.ConstantTimeCompare([]byte(req.ClientID), []byte(s.authToken)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(req.ClientSecret), []byte(s.merchantKey)) == 1
	if !idOK || !secretOK {
		writeAPIError(w, unauthorized("invalid client_id or client_secret"))
		return
	}
	switch req.GrantType {
	case "client_credentials":
	case "":
		writeAPIError(w, invalidRequest(http.StatusBadRequest, "grant_type is required (client_credentials)"))
		return
	default:
		writeAPIError(w, invalidRequest(http.StatusBadRequest, fmt.Sprintf("grant_type %q is not supported (client_credentials)", req.GrantType)))
		return
	}
	if len(req.Scopes) == 0 {
		writeAPIError(w, invalidRequest(http.StatusBadRequest, "scopes must not be empty ("+scopeList+")"))
		return
	}
	for _, sc := range req.Scopes {
		if !slices.Contains(knownScopes, sc) {
			writeAPIError(w, invalidRequest(http.StatusBadRequest, fmt.Sprintf("scopes: unknown scope %q (%s)", sc, scopeList)))
			return
		}
	}
	tok := s.tokens.issue(s.preciseNow(), s.tokenTTL, req.Scopes)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(s.tokenTTL / time.Second),
		"status":       "approved",
	})
}
