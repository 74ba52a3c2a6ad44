package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store"
)

// Field rules from the API reference (lengths in characters, counted as
// runes).
type fieldRule struct {
	name     string
	min, max int
}

var fieldRules = []fieldRule{
	{"merchant_customer_id", 1, 100},
	{"description", 1, 200},
	{"email", 1, 200},
	{"name", 1, 50},
	{"phone", 1, 30},
	{"zip_code", 1, 9},
	{"city", 3, 30},
	{"address", 3, 100},
	{"country", 2, 2},
}

// Metadata limits. The real API only says "predefined": these are the
// sandbox's own limits, chosen to be generous but finite.
const (
	maxMetadataKeys       = 50
	maxMetadataKeyRunes   = 40
	maxMetadataValueRunes = 500
)

// customerPatch is a decoded create or update body. For each field present
// in the body, fields holds nil (JSON null) or the string.
type customerPatch struct {
	fields map[string]*string
	// metadata is present when hasMetadata; metadataNull for "metadata":
	// null; otherwise each key maps to nil (remove) or the value.
	hasMetadata  bool
	metadataNull bool
	metadata     map[string]*string
}

// parseCustomerPatch decodes a body strictly and validates each value.
func parseCustomerPatch(body []byte) (customerPatch, *apiError) {
	p := customerPatch{fields: map[string]*string{}}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if len(trimmed) > 0 && !json.Valid(trimmed) {
			return p, invalidRequest(http.StatusBadRequest, "request body is not valid JSON")
		}
		return p, invalidRequest(http.StatusBadRequest, "request body must be a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return p, invalidRequest(http.StatusBadRequest, "request body is not valid JSON")
	}
	known := map[string]bool{"metadata": true}
	for _, fr := range fieldRules {
		known[fr.name] = true
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !known[k] {
			return p, invalidRequest(http.StatusBadRequest, fmt.Sprintf("unknown field %q", k))
		}
	}
	var errs []string
	for _, fr := range fieldRules {
		v, ok := raw[fr.name]
		if !ok {
			continue
		}
		if isNull(v) {
			p.fields[fr.name] = nil
			continue
		}
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			errs = append(errs, fr.name+" must be a string or null")
			continue
		}
		if msg := validateField(fr, str); msg != "" {
			errs = append(errs, msg)
			continue
		}
		p.fields[fr.name] = &str
	}
	if v, ok := raw["metadata"]; ok {
		p.hasMetadata = true
		switch {
		case isNull(v):
			p.metadataNull = true
		default:
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				errs = append(errs, "metadata must be an object of strings")
				break
			}
			p.metadata = make(map[string]*string, len(m))
			for _, k := range slices.Sorted(maps.Keys(m)) {
				mv := m[k]
				if k == "" {
					errs = append(errs, "metadata keys must not be empty")
					continue
				}
				if n := utf8.RuneCountInString(k); n > maxMetadataKeyRunes {
					errs = append(errs, fmt.Sprintf("metadata key %q is too long (maximum is %d characters)", k, maxMetadataKeyRunes))
					continue
				}
				if isNull(mv) {
					p.metadata[k] = nil
					continue
				}
				var str string
				if err := json.Unmarshal(mv, &str); err != nil {
					errs = append(errs, fmt.Sprintf("metadata.%s must be a string or null", k))
					continue
				}
				if n := utf8.RuneCountInString(str); n > maxMetadataValueRunes {
					errs = append(errs, fmt.Sprintf("metadata.%s is too long (maximum is %d characters)", k, maxMetadataValueRunes))
					continue
				}
				p.metadata[k] = &str
			}
		}
	}
	if len(errs) > 0 {
		return p, invalidRequest(http.StatusBadRequest, strings.Join(errs, ", "))
	}
	return p, nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// validateField checks one string value; it returns "" when valid.
func validateField(fr fieldRule, v string) string {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		return fr.name + " can't be blank"
	case fr.name == "country":
		if !IsCountryCode(v) {
			return "country is not a valid ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. BA)"
		}
		return ""
	case n < fr.min:
		return fmt.Sprintf("%s is too short (minimum is %d characters)", fr.name, fr.min)
	case n > fr.max:
		return fmt.Sprintf("%s is too long (maximum is %d characters)", fr.name, fr.max)
	case fr.name == "email":
		at := strings.IndexByte(v, '@')
		if at <= 0 || at == len(v)-1 || strings.Count(v, "@") != 1 {
			return "email is invalid"
		}
	}
	return ""
}

// normalize lower-cases the email of a patch when NormalizeEmails is set.
func normalize(p customerPatch, v *Variants) {
	if e := p.fields["email"]; v.NormalizeEmails && e != nil {
		lower := strings.ToLower(*e)
		p.fields["email"] = &lower
	}
}

// dropNullFields removes the top-level fields sent as null (the
// ignore-null-fields variant); metadata is left alone.
func dropNullFields(p customerPatch) {
	for k, val := range p.fields {
		if val == nil {
			delete(p.fields, k)
		}
	}
}

// applyPatch applies p to c. With create set, nulls mean "not set". It
// returns whether anything changed.
func applyPatch(c *Customer, p customerPatch, create bool) bool {
	changed := false
	for _, fr := range fieldRules {
		v, ok := p.fields[fr.name]
		if !ok || (create && v == nil) {
			continue
		}
		f := customerField(c, fr.name)
		if !equalStrPtr(*f, v) {
			*f = cloneStr(v)
			changed = true
		}
	}
	if !p.hasMetadata {
		return changed
	}
	next := maps.Clone(c.Metadata)
	if next == nil || p.metadataNull {
		next = map[string]string{}
	}
	for k, v := range p.metadata {
		if v == nil {
			delete(next, k)
		} else {
			next[k] = *v
		}
	}
	if !maps.Equal(next, c.Metadata) {
		// Copy on write: stored maps are never mutated in place.
		c.Metadata = next
		changed = true
	}
	return changed
}

func equalStrPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ---- Operations of the Customers API ----

// errRejected makes the store drop an Update's writes when the API refused
// the request (the *apiError says why).
var errRejected = errors.New("sandbox: request rejected")

// update runs fn in one store Update. fn answers an *apiError to refuse
// the request, which writes nothing; a store failure is a 500.
func (s *Server) update(fn func(w store.Writer) *apiError) *apiError {
	var refused *apiError
	err := s.st.Update(func(w store.Writer) error {
		if refused = fn(w); refused != nil {
			return errRejected
		}
		return nil
	})
	switch {
	case refused != nil:
		return refused
	case err != nil:
		return serverError("sandbox could not save its state: " + err.Error())
	}
	return nil
}

var errMerchantIDTaken = invalidRequest(http.StatusBadRequest, "merchant_customer_id has already been taken")

func errTooManyMetadataKeys() *apiError {
	return invalidRequest(http.StatusBadRequest, fmt.Sprintf("metadata has too many keys (maximum is %d)", maxMetadataKeys))
}

// createCustomer implements POST /v2/customers.
func (s *Server) createCustomer(v *Variants, body []byte) (customerJSON, *apiError) {
	p, e := parseCustomerPatch(body)
	if e != nil {
		return customerJSON{}, e
	}
	normalize(p, v)
	var c Customer
	applyPatch(&c, p, true)
	if len(c.Metadata) > maxMetadataKeys {
		return customerJSON{}, errTooManyMetadataKeys()
	}
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	c.UUID = newUUID()
	var view customerJSON
	e = s.update(func(w store.Writer) *apiError {
		if c.MerchantCustomerID != nil {
			if _, taken := w.LiveCustomerByMerchantID(*c.MerchantCustomerID); taken {
				return errMerchantIDTaken
			}
		}
		now := s.now()
		c.CreatedAt, c.UpdatedAt = now, now
		if err := w.PutCustomer(c); err != nil {
			return serverError(err.Error())
		}
		view = customerView(&c, v, KeyDefault)
		return nil
	})
	return view, e
}

// getCustomer implements GET /v2/customers/{uuid}.
func (s *Server) getCustomer(v *Variants, uuid string) (customerJSON, *apiError) {
	var c Customer
	var ok bool
	s.st.View(func(r store.Reader) { c, ok = r.Customer(uuid) })
	if !ok || (c.Deleted && v.DeletedMode == DeletedNotFound) {
		return customerJSON{}, errCustomerNotFound
	}
	return customerView(&c, v, KeyDefault), nil
}

// getCustomerByMerchantID implements GET /v2/merchants/customers/{id}.
func (s *Server) getCustomerByMerchantID(v *Variants, id string) (customerJSON, *apiError) {
	var c Customer
	var ok bool
	s.st.View(func(r store.Reader) {
		c, ok = r.LiveCustomerByMerchantID(id)
		if !ok && v.DeletedMode == DeletedReturnsTrue {
			c, ok = r.LastDeletedByMerchantID(id)
		}
	})
	if !ok {
		return customerJSON{}, errCustomerNotFound
	}
	return customerView(&c, v, KeyDefault), nil
}

// updateCustomer implements POST /v2/customers/{uuid}: a partial update.
func (s *Server) updateCustomer(v *Variants, uuid string, body []byte) (customerJSON, *apiError) {
	p, e := parseCustomerPatch(body)
	if e != nil {
		return customerJSON{}, e
	}
	normalize(p, v)
	if v.IgnoreNullFields {
		dropNullFields(p)
	}
	var view customerJSON
	e = s.update(func(w store.Writer) *apiError {
		c, ok := w.Customer(uuid)
		if !ok || (c.Deleted && v.DeletedMode == DeletedNotFound) {
			return errCustomerNotFound
		}
		if c.Deleted {
			// DeletedReturnsTrue: deleted customers are immutable; answer
			// as a retrieve would.
			view = customerView(&c, v, KeyDefault)
			return nil
		}
		next := c.Clone()
		changed := applyPatch(&next, p, false)
		if len(next.Metadata) > maxMetadataKeys {
			return errTooManyMetadataKeys()
		}
		if next.MerchantCustomerID != nil {
			if owner, taken := w.LiveCustomerByMerchantID(*next.MerchantCustomerID); taken && owner.UUID != uuid {
				return errMerchantIDTaken
			}
		}
		if !changed {
			view = customerView(&c, v, KeyDefault)
			return nil
		}
		next.UpdatedAt = s.now()
		if err := w.PutCustomer(next); err != nil {
			return serverError(err.Error())
		}
		view = customerView(&next, v, KeyDefault)
		return nil
	})
	return view, e
}

// deleteCustomer implements DELETE /v2/customers/{uuid}: a soft delete.
func (s *Server) deleteCustomer(v *Variants, uuid string) (map[string]any, *apiError) {
	e := s.update(func(w store.Writer) *apiError {
		c, ok := w.Customer(uuid)
		switch {
		case !ok:
			return errCustomerNotFound
		case c.Deleted && v.DeleteDeletedAnswers400:
			return errAlreadyDeleted
		case c.Deleted && v.DeletedMode == DeletedNotFound:
			return errCustomerNotFound
		case c.Deleted:
			return nil // DeletedReturnsTrue: answered like the first delete.
		}
		s.softDelete(&c)
		if err := w.PutCustomer(c); err != nil {
			return serverError(err.Error())
		}
		return nil
	})
	if e != nil {
		return nil, e
	}
	return v.deleteAnswer(uuid), nil
}

// softDelete marks c deleted now.
func (s *Server) softDelete(c *Customer) {
	now := s.now()
	c.Deleted = true
	c.DeletedAt = &now
	c.UpdatedAt = now
}

// listCustomers implements GET /v2/customers: newest first, paged by limit
// and offset.
func (s *Server) listCustomers(v *Variants, rawQuery string) (listResponse[customerJSON], *apiError) {
	limit, offset, e := pageParams(rawQuery, v)
	if e != nil {
		return listResponse[customerJSON]{}, e
	}
	var page []Customer
	s.st.View(func(r store.Reader) { page = r.CustomerPage(offset, limit, v.ListIncludesDeleted) })
	data := make([]customerJSON, len(page))
	for i := range page {
		data[i] = customerView(&page[i], v, v.ListItemKey)
	}
	return listResponse[customerJSON]{Status: "approved", Data: data}, nil
}

// pageParams parses limit and offset (limit default 50, capped at the max
// page size, or refused above it with RejectLargeLimit; offset default 0).
func pageParams(rawQuery string, v *Variants) (limit, offset int, e *apiError) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return 0, 0, invalidRequest(http.StatusBadRequest, "query string is malformed")
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if k != "limit" && k != "offset" {
			return 0, 0, invalidRequest(http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q (limit and offset are supported)", k))
		}
		if len(q[k]) > 1 {
			return 0, 0, invalidRequest(http.StatusBadRequest, k+" must be given once")
		}
	}
	limit = DefaultPageSize
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 {
			return 0, 0, invalidRequest(http.StatusBadRequest, "limit must be a valid number greater than or equal to 1")
		}
		limit = n
	}
	if v, ok := q["offset"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return 0, 0, invalidRequest(http.StatusBadRequest, "offset must be a valid number greater than or equal to 0")
		}
		offset = n
	}
	if pageCap := v.pageCap(); limit > pageCap {
		if v.RejectLargeLimit {
			return 0, 0, invalidRequest(http.StatusBadRequest, fmt.Sprintf("limit must be less than or equal to %d", pageCap))
		}
		limit = pageCap
	}
	return limit, offset, nil
}
