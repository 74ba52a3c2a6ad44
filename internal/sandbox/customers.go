package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
		f := c.field(fr.name)
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

// ---- JSON views ----

// Answer layouts of the TimestampFormat variants.
const (
	timeLayout             = "2006-01-02T15:04:05Z"
	timeLayoutOffset       = "2006-01-02T15:04:05-07:00"
	timeLayoutOffsetMillis = "2006-01-02T15:04:05.000-07:00"
)

// offsetZone is the zone of the offset timestamp variants (Monri is in
// Bosnia and Herzegovina: +02:00 is its summer time).
var offsetZone = time.FixedZone("+02:00", 2*60*60)

// formatTime writes t in the default format (UTC, whole seconds).
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// format writes t in the format f selects.
func (f TimestampFormat) format(t time.Time) string {
	switch f {
	case TimestampsOffset:
		return t.In(offsetZone).Format(timeLayoutOffset)
	case TimestampsOffsetMillis:
		return t.In(offsetZone).Format(timeLayoutOffsetMillis)
	default:
		return formatTime(t)
	}
}

// deletedValue is "deleted" as the variants send it: a JSON boolean, or
// the string "true"/"false" with DeletedAsString.
func (v *Variants) deletedValue(b bool) any {
	if v.DeletedAsString {
		return strconv.FormatBool(b)
	}
	return b
}

// deleteAnswer is the body of a successful DELETE.
func (v *Variants) deleteAnswer(uuid string) map[string]any {
	resp := map[string]any{"status": "approved", "deleted": v.deletedValue(true)}
	switch v.DeleteAnswerKey {
	case KeyUUID:
		resp["uuid"] = uuid
	case KeyBoth:
		resp["uuid"], resp["id"] = uuid, uuid
	case KeyNone:
	default:
		resp["id"] = uuid
	}
	return resp
}

type customerJSON struct {
	// UUID and ID are the identifier keys; each is omitted when empty (the
	// list-key variant chooses which a list item carries).
	UUID               string            `json:"uuid,omitempty"`
	ID                 string            `json:"id,omitempty"`
	MerchantCustomerID *string           `json:"merchant_customer_id"`
	Description        *string           `json:"description"`
	Email              *string           `json:"email"`
	Name               *string           `json:"name"`
	Phone              *string           `json:"phone"`
	Status             string            `json:"status"`
	Deleted            any               `json:"deleted"` // bool, or string with DeletedAsString
	City               *string           `json:"city"`
	Country            *string           `json:"country"`
	ZipCode            *string           `json:"zip_code"`
	Address            *string           `json:"address"`
	Metadata           map[string]string `json:"metadata"`
	CreatedAt          string            `json:"created_at"`
	UpdatedAt          string            `json:"updated_at"`
	DeletedAt          *string           `json:"deleted_at"`
}

// customerView renders a customer with the variants v; key is the
// identifier key form (KeyDefault: "uuid"). Called under (at least) the
// read lock; the result shares no mutable state with the store.
func customerView(c *Customer, v *Variants, key KeyForm) customerJSON {
	md := maps.Clone(c.Metadata)
	if md == nil {
		// Undocumented in the real API: the sandbox answers {} rather than
		// null for a customer without metadata.
		md = map[string]string{}
	}
	out := customerJSON{
		MerchantCustomerID: cloneStr(c.MerchantCustomerID),
		Description:        cloneStr(c.Description),
		Email:              cloneStr(c.Email),
		Name:               cloneStr(c.Name),
		Phone:              cloneStr(c.Phone),
		Status:             "approved",
		Deleted:            v.deletedValue(c.Deleted),
		City:               cloneStr(c.City),
		Country:            cloneStr(c.Country),
		ZipCode:            cloneStr(c.ZipCode),
		Address:            cloneStr(c.Address),
		Metadata:           md,
		CreatedAt:          v.TimestampFormat.format(c.CreatedAt),
		UpdatedAt:          v.TimestampFormat.format(c.UpdatedAt),
	}
	switch key {
	case KeyID:
		out.ID = c.UUID
	case KeyBoth:
		out.UUID, out.ID = c.UUID, c.UUID
	default:
		out.UUID = c.UUID
	}
	if c.DeletedAt != nil {
		out.DeletedAt = strPtr(v.TimestampFormat.format(*c.DeletedAt))
	}
	return out
}

type paymentMethodJSON struct {
	Status         string `json:"status"`
	ID             string `json:"id"`
	MaskedPAN      string `json:"masked_pan"`
	ExpirationDate string `json:"expiration_date"`
	KeepUntil      string `json:"keep_until"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	CustomerUUID   string `json:"customer_uuid"`
	Token          string `json:"token"`
	Expired        bool   `json:"expired"`
}

func paymentMethodView(pm PaymentMethod, v *Variants) paymentMethodJSON {
	return paymentMethodJSON{
		Status:         pm.Status,
		ID:             pm.ID,
		MaskedPAN:      pm.MaskedPAN,
		ExpirationDate: pm.ExpirationDate,
		KeepUntil:      v.TimestampFormat.format(pm.KeepUntil),
		CreatedAt:      v.TimestampFormat.format(pm.CreatedAt),
		UpdatedAt:      v.TimestampFormat.format(pm.UpdatedAt),
		CustomerUUID:   pm.CustomerUUID,
		Token:          pm.Token,
		Expired:        pm.Expired,
	}
}

type listResponse[T any] struct {
	Status string `json:"status"`
	Data   []T    `json:"data"`
}

// ---- Handlers ----

// handleCreate implements POST /v2/customers.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, v *Variants, _ string, body []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	p, e := parseCustomerPatch(body)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	normalize(p, v)
	var c Customer
	applyPatch(&c, p, true)
	if len(c.Metadata) > maxMetadataKeys {
		writeAPIError(w, invalidRequest(http.StatusBadRequest, fmt.Sprintf("metadata has too many keys (maximum is %d)", maxMetadataKeys)))
		return
	}
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	c.UUID = newUUID()

	s.st.mu.Lock()
	if c.MerchantCustomerID != nil {
		if _, taken := s.st.liveOwner(*c.MerchantCustomerID); taken {
			s.st.mu.Unlock()
			writeAPIError(w, invalidRequest(http.StatusBadRequest, "merchant_customer_id has already been taken"))
			return
		}
	}
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	rec := s.st.add(c)
	view := customerView(&rec.c, v, KeyDefault)
	s.st.mu.Unlock()

	s.respondAfterMutation(w, view)
}

// respondAfterMutation persists the store and answers v.
func (s *Server) respondAfterMutation(w http.ResponseWriter, v any) {
	if err := s.persist(); err != nil {
		writeAPIError(w, serverError("sandbox could not save its state: "+err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleGet implements GET /v2/customers/{uuid}.
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, _ []byte) {
	s.writeFound(w, r, v, func() (*customerRec, bool) {
		rec, ok := s.st.byUUID[uuid]
		return rec, ok && (!rec.c.Deleted || v.DeletedMode != DeletedNotFound)
	})
}

// handleGetByMerchantID implements GET /v2/merchants/customers/{id}.
func (s *Server) handleGetByMerchantID(w http.ResponseWriter, r *http.Request, v *Variants, id string, _ []byte) {
	s.writeFound(w, r, v, func() (*customerRec, bool) {
		rec, ok := s.st.liveOwner(id)
		if !ok && v.DeletedMode == DeletedReturnsTrue {
			rec, ok = s.st.lastDeletedByMerchant(id)
		}
		return rec, ok
	})
}

// writeFound answers a GET of one customer: the one find returns (called
// under the store's read lock), or 404 when it finds none.
func (s *Server) writeFound(w http.ResponseWriter, r *http.Request, v *Variants, find func() (*customerRec, bool)) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	s.st.mu.RLock()
	rec, ok := find()
	if !ok {
		s.st.mu.RUnlock()
		writeAPIError(w, errCustomerNotFound)
		return
	}
	view := customerView(&rec.c, v, KeyDefault)
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, view)
}

// handleUpdate implements POST /v2/customers/{uuid}.
func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, body []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	p, e := parseCustomerPatch(body)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	normalize(p, v)
	if v.IgnoreNullFields {
		dropNullFields(p)
	}
	s.st.mu.Lock()
	rec, ok := s.st.byUUID[uuid]
	if !ok || (rec.c.Deleted && v.DeletedMode == DeletedNotFound) {
		s.st.mu.Unlock()
		writeAPIError(w, errCustomerNotFound)
		return
	}
	if rec.c.Deleted {
		// DeletedReturnsTrue: deleted customers are immutable; answer as a
		// retrieve would.
		view := customerView(&rec.c, v, KeyDefault)
		s.st.mu.Unlock()
		writeJSON(w, http.StatusOK, view)
		return
	}
	next := rec.c // Shallow copy: applyPatch replaces, never mutates, pointers and maps.
	changed := applyPatch(&next, p, false)
	if len(next.Metadata) > maxMetadataKeys {
		s.st.mu.Unlock()
		writeAPIError(w, invalidRequest(http.StatusBadRequest, fmt.Sprintf("metadata has too many keys (maximum is %d)", maxMetadataKeys)))
		return
	}
	if next.MerchantCustomerID != nil {
		if owner, taken := s.st.liveOwner(*next.MerchantCustomerID); taken && owner != rec {
			s.st.mu.Unlock()
			writeAPIError(w, invalidRequest(http.StatusBadRequest, "merchant_customer_id has already been taken"))
			return
		}
	}
	if !changed {
		view := customerView(&rec.c, v, KeyDefault)
		s.st.mu.Unlock()
		writeJSON(w, http.StatusOK, view)
		return
	}
	next.UpdatedAt = s.now()
	oldID := rec.c.MerchantCustomerID
	rec.c = next
	s.st.reindex(rec, oldID, false)
	s.st.gen++
	view := customerView(&rec.c, v, KeyDefault)
	s.st.mu.Unlock()

	s.respondAfterMutation(w, view)
}

// handleDelete implements DELETE /v2/customers/{uuid}.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, _ []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	resp := v.deleteAnswer(uuid)
	s.st.mu.Lock()
	rec, ok := s.st.byUUID[uuid]
	switch {
	case !ok:
		s.st.mu.Unlock()
		writeAPIError(w, errCustomerNotFound)
		return
	case rec.c.Deleted && v.DeleteDeletedAnswers400:
		s.st.mu.Unlock()
		writeAPIError(w, errAlreadyDeleted)
		return
	case rec.c.Deleted && v.DeletedMode == DeletedNotFound:
		s.st.mu.Unlock()
		writeAPIError(w, errCustomerNotFound)
		return
	case rec.c.Deleted:
		s.st.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
		return
	}
	s.softDelete(rec)
	s.st.mu.Unlock()
	s.respondAfterMutation(w, resp)
}

// handleList implements GET /v2/customers.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request, v *Variants, _ string, _ []byte) {
	limit, offset, e := pageParams(r, v)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	includeDeleted := v.ListIncludesDeleted
	data := make([]customerJSON, 0, min(limit, 64))
	s.st.mu.RLock()
	list := s.st.list
	if includeDeleted || s.st.deleted == 0 {
		// Direct indexing: O(page).
		end := len(list) - offset
		for i := end - 1; i >= 0 && i >= end-limit; i-- {
			data = append(data, customerView(&list[i].c, v, v.ListItemKey))
		}
	} else {
		skipped := 0
		for i := len(list) - 1; i >= 0 && len(data) < limit; i-- {
			if list[i].c.Deleted {
				continue
			}
			if skipped < offset {
				skipped++
				continue
			}
			data = append(data, customerView(&list[i].c, v, v.ListItemKey))
		}
	}
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, listResponse[customerJSON]{Status: "approved", Data: data})
}

// handleListPaymentMethods implements GET /v2/customers/{uuid}/payment-methods.
func (s *Server) handleListPaymentMethods(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, _ []byte) {
	limit, offset, e := pageParams(r, v)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	now := s.preciseNow()
	data := make([]paymentMethodJSON, 0, min(limit, 64))
	s.st.mu.RLock()
	rec, ok := s.st.byUUID[uuid]
	if !ok || rec.c.Deleted {
		s.st.mu.RUnlock()
		if v.UnknownCustomerEmptyCards {
			writeJSON(w, http.StatusOK, listResponse[paymentMethodJSON]{Status: "approved", Data: data})
			return
		}
		writeAPIError(w, errCustomerNotFound)
		return
	}
	end := len(rec.pms) - offset
	for i := end - 1; i >= 0 && i >= end-limit; i-- {
		data = append(data, paymentMethodView(withExpired(rec.pms[i], now), v))
	}
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, listResponse[paymentMethodJSON]{Status: "approved", Data: data})
}

// rejectQuery answers 400 for a query string on a route that takes none.
func rejectQuery(r *http.Request) *apiError {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return invalidRequest(http.StatusBadRequest, "query string is malformed")
	}
	if keys := slices.Sorted(maps.Keys(q)); len(keys) > 0 {
		return invalidRequest(http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q", keys[0]))
	}
	return nil
}

// pageParams parses limit and offset (limit default 50, capped at the max
// page size, or refused above it with RejectLargeLimit; offset default 0).
func pageParams(r *http.Request, v *Variants) (limit, offset int, e *apiError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
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
