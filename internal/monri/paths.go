package monri

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrDotSegment is the error (use errors.Is) for a request refused before it
// was sent because an id in its URL path is "." or "..". Ids are
// path-escaped, so "/", "?" and "%" are safe, but escaping leaves "." as it
// is, and a server or proxy that normalises paths (RFC 3986, section 5.2.4)
// resolves such a segment: GET /v2/customers/../payment-methods would be
// GET /v2/payment-methods. Nothing is ever sent with such a path.
var ErrDotSegment = errors.New(`an id of "." or ".." cannot be sent: in a URL path it names another path (RFC 3986 dot segment)`)

// IsDotSegment reports whether id is "." or "..", which can never be sent as
// a path segment (see ErrDotSegment).
func IsDotSegment(id string) bool { return id == "." || id == ".." }

// DotSegmentError is a request refused by checkPath: Method and Path name it
// (Path as it would have been sent). It matches ErrDotSegment with errors.Is.
type DotSegmentError struct {
	Method, Path string
}

func (e *DotSegmentError) Error() string {
	return fmt.Sprintf("%s %s: not sent: %v", e.Method, e.Path, ErrDotSegment)
}

func (e *DotSegmentError) Is(target error) bool { return target == ErrDotSegment }

// checkPath refuses a request path (with or without a query) that has a "."
// or ".." segment, written as such or percent-encoded (%2E), so that no
// request ever reaches another endpoint than the one its method names. Every
// request passes through it (in do), whatever built the path.
func checkPath(method, path string) error {
	p, _, _ := strings.Cut(path, "?")
	for _, seg := range strings.Split(p, "/") {
		if IsDotSegment(seg) {
			return &DotSegmentError{Method: method, Path: path}
		}
		if strings.Contains(seg, "%") {
			if dec, err := url.PathUnescape(seg); err == nil && IsDotSegment(dec) {
				return &DotSegmentError{Method: method, Path: path}
			}
		}
	}
	return nil
}

// dotSegmentField is the error for a merchant_customer_id of "." or ".." in
// a create or an update: such a customer could never be looked up by it, so
// it is refused before anything is sent.
func dotSegmentField(method, path, value string) error {
	return fmt.Errorf("%s %s: not sent: merchant_customer_id %q: %w", method, path, value, ErrDotSegment)
}
