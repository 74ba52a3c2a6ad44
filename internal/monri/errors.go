package monri

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrNotFound means the customer does not exist or has been deleted. Monri
// answers either 404 or 200 with "deleted": true for a deleted customer; both
// are reported as ErrNotFound (use errors.Is).
var ErrNotFound = errors.New("monri: not found")

// APIError is an answer from Monri (or a proxy in front of it) that is not a
// success. It never carries the Authorization header or the request body.
type APIError struct {
	// HTTPStatus is the HTTP status code of the response.
	HTTPStatus int
	// Status is Monri's "status" field ("invalid-request", "error"), empty
	// when the body was not Monri JSON.
	Status string
	// Message is Monri's "message" field, or a short excerpt of a non-JSON body.
	Message string
	// Method and Path identify the request (path includes the query string).
	Method string
	Path   string
	// NotJSON is true when the body was not a Monri JSON document (an HTML
	// error page from a proxy, for example).
	NotJSON bool
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Attempts is how many HTTP attempts were made (0 when unknown).
	Attempts int
	// Authentication is how the request was authenticated (AuthSignature
	// or AuthAccessToken; empty for POST /v2/oauth, which sends none).
	Authentication string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if t := http.StatusText(e.HTTPStatus); t != "" {
		b.WriteString(" " + t)
	}
	if e.Status != "" {
		b.WriteString(" (" + e.Status + ")")
	}
	if e.Message != "" {
		if e.NotJSON {
			b.WriteString(": non-JSON response: " + e.Message)
		} else {
			b.WriteString(": " + e.Message)
		}
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.HTTPStatus == http.StatusNotFound
}

// Temporary reports whether the error is of a kind that retrying may cure.
func (e *APIError) Temporary() bool {
	return isRetryableStatus(e.HTTPStatus)
}

// DeletedError is returned (wrapping ErrNotFound) when Monri answers 200 for
// a customer that is marked deleted. Customer holds what Monri returned.
type DeletedError struct {
	Customer *Customer
}

func (e *DeletedError) Error() string {
	return fmt.Sprintf("monri: customer %s is deleted", e.Customer.UUID)
}

func (e *DeletedError) Unwrap() error { return ErrNotFound }

// FieldsKeptError is returned by UpdateCustomer when the update cleared
// fields (sent them as JSON null) and Monri's answer still holds a value for
// them: Monri ignored the null. Customer is what Monri answered (the rest of
// the update was applied); Fields are the JSON names of the kept fields, with
// "metadata.<key>" for a metadata key that was not removed, in a fixed order.
type FieldsKeptError struct {
	Customer *Customer
	Fields   []string
}

func (e *FieldsKeptError) Error() string {
	return fmt.Sprintf("monri: customer %s: the update cleared %s but Monri's answer still has a value",
		e.Customer.UUID, strings.Join(e.Fields, ", "))
}

// AlreadyDeletedError is returned by DeleteCustomer when Monri answered the
// delete with 400 and a GET then found the customer gone: the customer was
// already deleted. It wraps ErrNotFound.
type AlreadyDeletedError struct {
	UUID      string
	DeleteErr error // the 400
	GetErr    error // the GET's not-found error
}

func (e *AlreadyDeletedError) Error() string {
	return fmt.Sprintf("monri: customer %s is already deleted (the delete was answered with %v; a GET found it gone: %v)", e.UUID, e.DeleteErr, e.GetErr)
}

func (e *AlreadyDeletedError) Unwrap() error { return ErrNotFound }

// UnknownOutcomeError is returned by CreateCustomer when the request may have
// created a customer on the server but no answer was received, and the
// customer could not be looked up: there is no merchant_customer_id to look
// it up by (MerchantCustomerID is empty), or the lookup itself failed
// (MerchantCustomerID is set). Retrying blindly could create a duplicate.
type UnknownOutcomeError struct {
	// MerchantCustomerID is set when the create had one but looking the
	// customer up by it failed too.
	MerchantCustomerID string
	Err                error
}

func (e *UnknownOutcomeError) Error() string {
	if e.MerchantCustomerID != "" {
		return fmt.Sprintf("the create request's outcome is unknown (a customer with merchant_customer_id %q may exist on Monri): %v",
			e.MerchantCustomerID, e.Err)
	}
	return "the create request's outcome is unknown (the customer may exist on Monri): " + e.Err.Error()
}

func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// DuplicateMerchantCustomerIDError is returned by CreateCustomer when Monri
// rejects the create because another customer already has the
// merchant_customer_id.
type DuplicateMerchantCustomerIDError struct {
	MerchantCustomerID string
	// ExistingUUID is the uuid of the customer that holds the id, when the
	// lookup found it.
	ExistingUUID string
	Err          error
}

func (e *DuplicateMerchantCustomerIDError) Error() string {
	return fmt.Sprintf("a Monri customer with merchant_customer_id %q already exists: %v", e.MerchantCustomerID, e.Err)
}

func (e *DuplicateMerchantCustomerIDError) Unwrap() error { return e.Err }

// ContradictingAnswerError is an answer that contradicts its request: it
// describes another customer than the one asked for (another uuid, another
// merchant_customer_id), or a create answer whose fields differ from what
// was sent. It is not an answer to the request, so nothing in it is used: a
// cache or proxy that mixes answers up may have handed over another
// request's answer.
type ContradictingAnswerError struct {
	Method, Path string
	// Field is the JSON name of the field that contradicts the request
	// ("uuid", "merchant_customer_id", "email", ...).
	Field string
	// Sent is what the request asked for ("" for a field not sent), Got
	// what the answer holds ("" for a field the answer does not have).
	Sent, Got string
	// UUID is the uuid of the customer the answer describes.
	UUID string
}

func (e *ContradictingAnswerError) Error() string {
	return fmt.Sprintf("%s %s: the answer contradicts the request: the request's %s is %s but the answer's is %s (customer %s); "+
		"it is not an answer to this request", e.Method, e.Path, e.Field, quoteOrNone(e.Sent), quoteOrNone(e.Got), e.UUID)
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

// excerpt returns at most n runes of a body, with runs of white space folded
// and HTML tags removed, for readable errors from non-JSON answers.
func excerpt(body []byte, n int) string {
	var b strings.Builder
	inTag, space := false, false
	count := 0
	for _, r := range string(body) {
		switch {
		case r == '<':
			inTag = true
			continue
		case r == '>' && inTag:
			inTag = false
			space = true
			continue
		case inTag:
			continue
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			count++
		}
		space = false
		b.WriteRune(r)
		count++
		if count >= n {
			b.WriteString("…")
			break
		}
	}
	return b.String()
}
