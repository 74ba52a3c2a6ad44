package sandbox

import (
	"errors"
	"fmt"
)

// Variants are the behaviours the real API leaves undocumented. The zero value is the sandbox's default reading of the docs.
//
// Each field names, in its comment, the -variant name the monri-sandbox
// command (and ParseVariants) accepts for it. A Server's variants can be
// changed while it serves (SetVariants); every request reads one consistent
// snapshot.
type Variants struct {
	// DeletedMode (-variant deleted-true): Monri does not say what a
	// retrieve of a soft-deleted customer answers. By default
	// (DeletedNotFound) the sandbox answers 404 to a retrieve, an update or
	// a second delete of a deleted customer; with DeletedReturnsTrue it
	// answers a retrieve with 200, "deleted": true and deleted_at set, an
	// update like a retrieve (deleted customers are immutable), and a second
	// delete with the delete answer.
	DeletedMode DeletedMode
	// ListIncludesDeleted (list-includes-deleted): Monri does not say
	// whether GET /v2/customers lists deleted customers. By default the
	// sandbox leaves them out; with this set it lists them, with
	// "deleted": true.
	ListIncludesDeleted bool
	// NormalizeEmails (normalize-emails): a server may store email
	// addresses lower-cased. With this set the sandbox stores (and answers)
	// every email lower-cased; by default it keeps them as sent.
	NormalizeEmails bool
	// MaxPageSize (page-cap=N): the largest limit Monri serves is unknown.
	// The sandbox serves at most MaxPageSize items per page (0:
	// DefaultMaxPageSize, 100); a larger limit is silently capped, so a
	// page can be shorter than the limit asked for although more items
	// follow.
	MaxPageSize int
	// RejectLargeLimit (limit-above-cap-400): instead of capping it, a
	// server may refuse a limit above its maximum. With this set a limit
	// above MaxPageSize answers 400 invalid-request "limit must be less
	// than or equal to N".
	RejectLargeLimit bool
	// IgnoreNullFields (ignore-null-fields): no Monri client sends null to
	// clear a field, so whether the API honours it is unproven. By default
	// the sandbox clears a top-level field sent as JSON null in an update;
	// with this set it ignores it (the value is kept). A metadata key sent
	// as null still removes the key, and "metadata": null still clears
	// metadata.
	IgnoreNullFields bool
	// BearerOnly (bearer-only): Monri's own SDKs call the customer
	// endpoints with OAuth access tokens only, so the live API may refuse
	// WP3-v2.1 there. With this set every customer and payment-method
	// endpoint answers a WP3-v2.1 Authorization with 401 invalid-request
	// (the message says a Bearer access token from POST /v2/oauth is
	// required) and accepts only Authorization: Bearer tokens with the
	// route's scope.
	BearerOnly bool
	// UnknownCustomerEmptyCards (unknown-customer-empty-cards): a server may
	// answer the card listing of a customer it does not know with an empty
	// list. With this set GET /v2/customers/{uuid}/payment-methods of an
	// unknown or deleted customer answers 200 {"status":"approved",
	// "data":[]}; by default it answers 404.
	UnknownCustomerEmptyCards bool
	// DeleteDeletedAnswers400 (delete-deleted-400): a server may refuse to
	// delete a customer twice. With this set a DELETE of a customer that is already deleted answers
	// 400 invalid-request (an unknown uuid still answers 404), whatever
	// DeletedMode says.
	DeleteDeletedAnswers400 bool
	// DeletedAsString (deleted-as-string): the iOS SDK reads "deleted" as a
	// string. With this set the sandbox sends "deleted" as the JSON strings
	// "true"/"false" in customer objects, list items and delete answers; by
	// default it sends JSON booleans, as the docs show.
	DeletedAsString bool
	// TimestampFormat (timestamps=utc|offset|offset-millis): every example
	// is RFC 3339 in UTC, but the exact format is not specified. The
	// sandbox answers created_at, updated_at, deleted_at and keep_until as
	// 2019-02-12T09:22:33Z (TimestampsUTC, the default),
	// 2019-02-12T11:22:33+02:00 (TimestampsOffset) or
	// 2019-02-12T11:22:33.675+02:00 (TimestampsOffsetMillis): the same
	// instant, in a fixed +02:00 zone.
	TimestampFormat TimestampFormat
	// ListItemKey (list-key=uuid|id|both): the docs' list example shows
	// "id" where the SDKs read "uuid". It is the identifier key of the
	// customer objects in GET /v2/customers list items: KeyDefault and
	// KeyUUID send "uuid", KeyID sends "id", KeyBoth sends both. KeyNone is
	// not allowed here.
	ListItemKey KeyForm
	// DeleteAnswerKey (delete-key=id|uuid|both|none): the docs' delete
	// answer shows "id" where the SDKs read "uuid". It is the identifier key
	// of a delete answer: KeyDefault and KeyID send "id" (as the docs show),
	// KeyUUID sends "uuid", KeyBoth both and KeyNone neither.
	DeleteAnswerKey KeyForm
	// DistinctCardIDs (distinct-card-ids): in the docs' example a saved
	// card's id is its token. By DEFAULT (false) a card's id EQUALS its
	// token, as in the docs' example (id is the card token); with this set
	// AttachCard gives a card an id that differs from its token.
	DistinctCardIDs bool
}

// TimestampFormat is how the sandbox writes the timestamps of its answers.
// The zero value is the default.
type TimestampFormat int

const (
	// TimestampsUTC writes 2019-02-12T09:22:33Z (whole seconds, UTC). It
	// is the default.
	TimestampsUTC TimestampFormat = iota
	// TimestampsOffset writes 2019-02-12T11:22:33+02:00.
	TimestampsOffset
	// TimestampsOffsetMillis writes 2019-02-12T11:22:33.675+02:00.
	TimestampsOffsetMillis
)

// String returns the format's name as -variant timestamps=NAME accepts it.
func (f TimestampFormat) String() string {
	switch f {
	case TimestampsUTC:
		return "utc"
	case TimestampsOffset:
		return "offset"
	case TimestampsOffsetMillis:
		return "offset-millis"
	default:
		return fmt.Sprintf("TimestampFormat(%d)", int(f))
	}
}

// KeyForm is the identifier key (or keys) of an object in an answer. The
// zero value, KeyDefault, is the default of the field that holds it.
type KeyForm int

const (
	// KeyDefault is the field's default: "uuid" for list items, "id" for
	// delete answers.
	KeyDefault KeyForm = iota
	// KeyUUID sends "uuid".
	KeyUUID
	// KeyID sends "id".
	KeyID
	// KeyBoth sends "uuid" and "id", with the same value.
	KeyBoth
	// KeyNone sends neither (delete answers only).
	KeyNone
)

// String returns the form's name as -variant list-key=NAME and
// delete-key=NAME accept it ("default" for KeyDefault).
func (k KeyForm) String() string {
	switch k {
	case KeyDefault:
		return "default"
	case KeyUUID:
		return "uuid"
	case KeyID:
		return "id"
	case KeyBoth:
		return "both"
	case KeyNone:
		return "none"
	default:
		return fmt.Sprintf("KeyForm(%d)", int(k))
	}
}

// validate reports the first field of v that holds an unknown value.
func (v Variants) validate() error {
	switch {
	case v.DeletedMode != DeletedNotFound && v.DeletedMode != DeletedReturnsTrue:
		return fmt.Errorf("sandbox: unknown DeletedMode %d", int(v.DeletedMode))
	case v.MaxPageSize < 0:
		return fmt.Errorf("sandbox: MaxPageSize must not be negative, got %d", v.MaxPageSize)
	case v.TimestampFormat < TimestampsUTC || v.TimestampFormat > TimestampsOffsetMillis:
		return fmt.Errorf("sandbox: unknown TimestampFormat %d", int(v.TimestampFormat))
	case v.ListItemKey == KeyNone:
		return errors.New("sandbox: ListItemKey cannot be KeyNone (list items need an identifier)")
	case v.ListItemKey < KeyDefault || v.ListItemKey > KeyNone:
		return fmt.Errorf("sandbox: unknown ListItemKey %d", int(v.ListItemKey))
	case v.DeleteAnswerKey < KeyDefault || v.DeleteAnswerKey > KeyNone:
		return fmt.Errorf("sandbox: unknown DeleteAnswerKey %d", int(v.DeleteAnswerKey))
	}
	return nil
}

// pageCap is the effective largest page size.
func (v *Variants) pageCap() int {
	if v.MaxPageSize <= 0 {
		return DefaultMaxPageSize
	}
	return v.MaxPageSize
}

// Variants returns the variants the server currently emulates.
func (s *Server) Variants() Variants { return *s.variants.Load() }

// SetVariants replaces the variants the server emulates. Requests already
// being handled finish with the variants they started with. It returns an
// error (and changes nothing) if v holds an unknown value.
func (s *Server) SetVariants(v Variants) error {
	if err := v.validate(); err != nil {
		return err
	}
	s.variants.Store(&v)
	return nil
}

// updateVariants applies fn to a copy of the current variants and stores
// the copy (copy on write; concurrent updates are not lost).
func (s *Server) updateVariants(fn func(*Variants)) {
	for {
		old := s.variants.Load()
		next := *old
		fn(&next)
		if s.variants.CompareAndSwap(old, &next) {
			return
		}
	}
}

// variantsNow is the snapshot a request uses.
func (s *Server) variantsNow() *Variants { return s.variants.Load() }

func (s *Server) mode() DeletedMode { return s.variantsNow().DeletedMode }

// SetMaxPageSize changes the cap on limit; n <= 0 restores the default.
func (s *Server) SetMaxPageSize(n int) {
	s.updateVariants(func(v *Variants) { v.MaxPageSize = max(n, 0) })
}

// SetDeletedMode changes how deleted customers are answered.
func (s *Server) SetDeletedMode(m DeletedMode) {
	s.updateVariants(func(v *Variants) { v.DeletedMode = m })
}

// SetListIncludesDeleted changes whether GET /v2/customers lists deleted
// customers.
func (s *Server) SetListIncludesDeleted(b bool) {
	s.updateVariants(func(v *Variants) { v.ListIncludesDeleted = b })
}
