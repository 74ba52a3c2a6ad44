package monri

import (
	"crypto/sha512"
	"encoding/hex"
	"strconv"
)

// AuthScheme is the Authorization scheme Monri's API v2 expects.
const AuthScheme = "WP3-v2.1"

// Digest computes the WP3-v2.1 digest:
// hex(sha512(merchantKey + timestamp + authenticityToken + fullpath + body)).
//
// fullpath is the request path including the query string when there is one
// (for example "/v2/customers?limit=50&offset=0"); body is the exact bytes
// sent, empty for GET and DELETE.
func Digest(merchantKey, authenticityToken string, timestamp int64, fullpath string, body []byte) string {
	h := sha512.New()
	ts := strconv.AppendInt(make([]byte, 0, 20), timestamp, 10)
	h.Write([]byte(merchantKey))
	h.Write(ts)
	h.Write([]byte(authenticityToken))
	h.Write([]byte(fullpath))
	h.Write(body)
	var sum [sha512.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// AuthorizationHeader returns the full Authorization header value for a request.
func AuthorizationHeader(merchantKey, authenticityToken string, timestamp int64, fullpath string, body []byte) string {
	return AuthScheme + " " + authenticityToken + " " + strconv.FormatInt(timestamp, 10) + " " +
		Digest(merchantKey, authenticityToken, timestamp, fullpath, body)
}
