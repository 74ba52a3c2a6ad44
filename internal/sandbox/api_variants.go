package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// follow. A request without limit gets DefaultPageSize (50) items.
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

// VariantDoc documents one name ParseVariants accepts.
type VariantDoc struct {
	// Name is the name as ParseVariants accepts it, with its argument if it
	// takes one: "deleted-true", "page-cap=N", "timestamps=utc|offset|offset-millis".
	Name string
	// Field is the Variants field it sets.
	Field string
	// Doc is one line saying what the sandbox then does.
	Doc string
}

// variantSpec is one entry of the -variant vocabulary.
type variantSpec struct {
	name  string // without argument
	arg   string // "" for a switch; the argument's syntax otherwise
	field string
	doc   string
	// set applies the item; arg is "" for a switch.
	set func(v *Variants, arg string) error
	// get returns the item's canonical argument ("" for a switch) and
	// whether v differs from the default there.
	get func(v Variants) (string, bool)
}

func switchSpec(name, field, doc string, p func(v *Variants) *bool) variantSpec {
	return variantSpec{
		name: name, field: field, doc: doc,
		set: func(v *Variants, _ string) error { *p(v) = true; return nil },
		get: func(v Variants) (string, bool) { return "", *p(&v) },
	}
}

func keySpec(name, field, doc string, allowed []KeyForm, def KeyForm, p func(v *Variants) *KeyForm) variantSpec {
	names := make([]string, len(allowed))
	for i, k := range allowed {
		names[i] = k.String()
	}
	return variantSpec{
		name: name, arg: strings.Join(names, "|"), field: field, doc: doc,
		set: func(v *Variants, arg string) error {
			for _, k := range allowed {
				if arg == k.String() {
					if k == def {
						k = KeyDefault
					}
					*p(v) = k
					return nil
				}
			}
			return fmt.Errorf("must be one of %s", strings.Join(names, ", "))
		},
		get: func(v Variants) (string, bool) {
			k := *p(&v)
			if k == KeyDefault || k == def {
				return def.String(), false
			}
			return k.String(), true
		},
	}
}

// variantSpecs is the vocabulary, in Variants field order (the canonical
// order of Variants.String).
var variantSpecs = []variantSpec{
	{
		name: "deleted-true", field: "DeletedMode",
		doc: `a retrieve of a deleted customer answers 200 with "deleted": true and deleted_at (an update answers like a retrieve, a second delete like the first) instead of 404`,
		set: func(v *Variants, _ string) error { v.DeletedMode = DeletedReturnsTrue; return nil },
		get: func(v Variants) (string, bool) { return "", v.DeletedMode == DeletedReturnsTrue },
	},
	switchSpec("list-includes-deleted", "ListIncludesDeleted",
		`GET /v2/customers lists deleted customers too, with "deleted": true`,
		func(v *Variants) *bool { return &v.ListIncludesDeleted }),
	switchSpec("normalize-emails", "NormalizeEmails",
		"email addresses are stored and answered lower-cased",
		func(v *Variants) *bool { return &v.NormalizeEmails }),
	{
		name: "page-cap", arg: "N", field: "MaxPageSize",
		doc: fmt.Sprintf("list endpoints serve at most N items per page (default %d); a larger limit is silently capped", DefaultMaxPageSize),
		set: func(v *Variants, arg string) error {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 {
				return errors.New("must be an integer of at least 1")
			}
			if n == DefaultMaxPageSize {
				n = 0
			}
			v.MaxPageSize = n
			return nil
		},
		get: func(v Variants) (string, bool) {
			n := v.pageCap()
			return strconv.Itoa(n), n != DefaultMaxPageSize
		},
	},
	switchSpec("limit-above-cap-400", "RejectLargeLimit",
		`a limit above the page cap answers 400 invalid-request "limit must be less than or equal to N" instead of being capped`,
		func(v *Variants) *bool { return &v.RejectLargeLimit }),
	switchSpec("ignore-null-fields", "IgnoreNullFields",
		`an update's top-level field sent as null is ignored (the value is kept); metadata key nulls still remove the key and "metadata": null still clears metadata`,
		func(v *Variants) *bool { return &v.IgnoreNullFields }),
	switchSpec("bearer-only", "BearerOnly",
		"customer and payment-method endpoints refuse WP3-v2.1 with 401 and accept only Bearer access tokens from POST /v2/oauth with the route's scope",
		func(v *Variants) *bool { return &v.BearerOnly }),
	switchSpec("unknown-customer-empty-cards", "UnknownCustomerEmptyCards",
		`GET /v2/customers/{uuid}/payment-methods of an unknown or deleted customer answers 200 {"status":"approved","data":[]} instead of 404`,
		func(v *Variants) *bool { return &v.UnknownCustomerEmptyCards }),
	switchSpec("delete-deleted-400", "DeleteDeletedAnswers400",
		"DELETE of a customer that is already deleted answers 400 invalid-request (an unknown uuid still answers 404)",
		func(v *Variants) *bool { return &v.DeleteDeletedAnswers400 }),
	switchSpec("deleted-as-string", "DeletedAsString",
		`"deleted" is sent as the strings "true"/"false" in customer objects, list items and delete answers`,
		func(v *Variants) *bool { return &v.DeletedAsString }),
	{
		name: "timestamps", arg: "utc|offset|offset-millis", field: "TimestampFormat",
		doc: "created_at, updated_at, deleted_at and keep_until as 2019-02-12T09:22:33Z (utc, the default), 2019-02-12T11:22:33+02:00 (offset) or 2019-02-12T11:22:33.675+02:00 (offset-millis): the same instant",
		set: func(v *Variants, arg string) error {
			for f := TimestampsUTC; f <= TimestampsOffsetMillis; f++ {
				if arg == f.String() {
					v.TimestampFormat = f
					return nil
				}
			}
			return errors.New("must be one of utc, offset, offset-millis")
		},
		get: func(v Variants) (string, bool) {
			return v.TimestampFormat.String(), v.TimestampFormat != TimestampsUTC
		},
	},
	keySpec("list-key", "ListItemKey",
		`the identifier key of the customers in GET /v2/customers list items: "uuid" (the default), "id" or both`,
		[]KeyForm{KeyUUID, KeyID, KeyBoth}, KeyUUID, func(v *Variants) *KeyForm { return &v.ListItemKey }),
	keySpec("delete-key", "DeleteAnswerKey",
		`the identifier key of a delete answer: "id" (the default, as the docs show), "uuid", both or none`,
		[]KeyForm{KeyID, KeyUUID, KeyBoth, KeyNone}, KeyID, func(v *Variants) *KeyForm { return &v.DeleteAnswerKey }),
	switchSpec("distinct-card-ids", "DistinctCardIDs",
		"a saved card's id differs from its token (by default a card's id is its token, as in the docs' example)",
		func(v *Variants) *bool { return &v.DistinctCardIDs }),
}

func (sp variantSpec) syntax() string {
	if sp.arg == "" {
		return sp.name
	}
	return sp.name + "=" + sp.arg
}

// VariantDocs returns the names ParseVariants accepts, one entry per
// Variants field, in field order.
func VariantDocs() []VariantDoc {
	out := make([]VariantDoc, len(variantSpecs))
	for i, sp := range variantSpecs {
		out[i] = VariantDoc{Name: sp.syntax(), Field: sp.field, Doc: sp.doc}
	}
	return out
}

func allowedVariants() string {
	names := make([]string, len(variantSpecs))
	for i, sp := range variantSpecs {
		names[i] = sp.syntax()
	}
	return strings.Join(names, ", ")
}

// ParseVariants parses a comma-separated list of variant names (see
// VariantDocs), for example "deleted-true,page-cap=20,list-key=id". Spaces
// around items and empty items are ignored; when an item is repeated the
// last one wins. "" is the zero Variants. The result is canonical: a value
// that equals the default (page-cap=100, list-key=uuid, delete-key=id,
// timestamps=utc) is stored as the zero value.
func ParseVariants(spec string) (Variants, error) {
	var v Variants
	if err := v.apply(spec); err != nil {
		return Variants{}, err
	}
	return v, nil
}

// Apply parses spec like ParseVariants and applies its items on top of v
// (fields spec does not name are kept). On error v is unchanged.
func (v *Variants) Apply(spec string) error {
	next := *v
	if err := next.apply(spec); err != nil {
		return err
	}
	*v = next
	return nil
}

func (v *Variants) apply(spec string) error {
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, arg, hasArg := strings.Cut(item, "=")
		i := slices.IndexFunc(variantSpecs, func(sp variantSpec) bool { return sp.name == name })
		if i < 0 {
			return fmt.Errorf("unknown variant %q (allowed: %s)", item, allowedVariants())
		}
		sp := variantSpecs[i]
		switch {
		case sp.arg == "" && hasArg:
			return fmt.Errorf("variant %q takes no value (write %s)", item, sp.name)
		case sp.arg != "" && (!hasArg || arg == ""):
			return fmt.Errorf("variant %q needs a value (write %s)", item, sp.syntax())
		}
		if err := sp.set(v, arg); err != nil {
			return fmt.Errorf("variant %q: %w (write %s)", item, err, sp.syntax())
		}
	}
	return nil
}

// String returns the canonical spec of v: the names of the fields that
// differ from the default, comma-separated in field order ("" for the
// default). ParseVariants(v.String()) gives v back for every valid v whose
// fields hold canonical values (as ParseVariants returns them).
func (v Variants) String() string {
	var items []string
	for _, sp := range variantSpecs {
		arg, set := sp.get(v)
		switch {
		case !set:
		case sp.arg == "":
			items = append(items, sp.name)
		default:
			items = append(items, sp.name+"="+arg)
		}
	}
	return strings.Join(items, ",")
}
