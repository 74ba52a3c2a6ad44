package monri

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Customer is a Monri customer as the API returns it. Optional fields are
// nil when Monri returns null (or omits them).
type Customer struct {
	UUID               string
	MerchantCustomerID *string
	Description        *string
	Email              *string
	Name               *string
	Phone              *string
	ZipCode            *string
	City               *string
	Address            *string
	Country            *string
	// Metadata is never nil after decoding; empty when Monri returns null or {}.
	Metadata  map[string]string
	Status    string
	Deleted   bool
	CreatedAt string
	UpdatedAt string
	DeletedAt *string
}

type customerWire struct {
	UUID               string                     `json:"uuid"`
	ID                 string                     `json:"id"`
	MerchantCustomerID *string                    `json:"merchant_customer_id"`
	Description        *string                    `json:"description"`
	Email              *string                    `json:"email"`
	Name               *string                    `json:"name"`
	Phone              *string                    `json:"phone"`
	ZipCode            *string                    `json:"zip_code"`
	City               *string                    `json:"city"`
	Address            *string                    `json:"address"`
	Country            *string                    `json:"country"`
	Metadata           map[string]json.RawMessage `json:"metadata"`
	Status             string                     `json:"status"`
	Deleted            flexBool                   `json:"deleted"`
	CreatedAt          *string                    `json:"created_at"`
	UpdatedAt          *string                    `json:"updated_at"`
	DeletedAt          *string                    `json:"deleted_at"`
}

// UnmarshalJSON accepts the customer identifier as "uuid" or "id" (the
// documentation shows both), null for unset fields, and metadata values that
// are not strings (kept as their JSON text; null values are dropped).
func (c *Customer) UnmarshalJSON(data []byte) error {
	var w customerWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*c = Customer{
		UUID:               w.UUID,
		MerchantCustomerID: w.MerchantCustomerID,
		Description:        w.Description,
		Email:              w.Email,
		Name:               w.Name,
		Phone:              w.Phone,
		ZipCode:            w.ZipCode,
		City:               w.City,
		Address:            w.Address,
		Country:            w.Country,
		Metadata:           make(map[string]string, len(w.Metadata)),
		Status:             w.Status,
		Deleted:            bool(w.Deleted),
		DeletedAt:          w.DeletedAt,
	}
	if c.UUID == "" {
		c.UUID = w.ID
	}
	if w.CreatedAt != nil {
		c.CreatedAt = *w.CreatedAt
	}
	if w.UpdatedAt != nil {
		c.UpdatedAt = *w.UpdatedAt
	}
	for k, raw := range w.Metadata {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("metadata %q: %w", k, err)
			}
			c.Metadata[k] = s
			continue
		}
		c.Metadata[k] = string(raw)
	}
	return nil
}

// CustomerFields are the writable fields of a customer, as sent on create.
// A nil pointer is not sent.
type CustomerFields struct {
	MerchantCustomerID *string           `json:"merchant_customer_id,omitempty"`
	Description        *string           `json:"description,omitempty"`
	Email              *string           `json:"email,omitempty"`
	Name               *string           `json:"name,omitempty"`
	Phone              *string           `json:"phone,omitempty"`
	ZipCode            *string           `json:"zip_code,omitempty"`
	City               *string           `json:"city,omitempty"`
	Address            *string           `json:"address,omitempty"`
	Country            *string           `json:"country,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
}

// Field is one attribute of a partial update: the zero value leaves the
// attribute unchanged, Set(v) sets it and Clear() sends JSON null so that
// Monri clears it.
type Field struct {
	op    fieldOp
	value string
}

type fieldOp uint8

const (
	opUnchanged fieldOp = iota
	opSet
	opClear
)

// Set returns a Field that sets the attribute to v.
func Set(v string) Field { return Field{op: opSet, value: v} }

// Clear returns a Field that clears the attribute (JSON null).
func Clear() Field { return Field{op: opClear} }

// Unchanged is the Field that leaves the attribute as it is (not sent).
var Unchanged = Field{}

// IsUnchanged reports whether the field is left out of the request.
func (f Field) IsUnchanged() bool { return f.op == opUnchanged }

// CustomerUpdate is a partial update. Fields left Unchanged are not sent.
// Metadata holds only the keys to change: a non-nil value sets the key, a nil
// value removes it (JSON null). ClearMetadata sends "metadata": null.
type CustomerUpdate struct {
	MerchantCustomerID Field
	Description        Field
	Email              Field
	Name               Field
	Phone              Field
	ZipCode            Field
	City               Field
	Address            Field
	Country            Field
	Metadata           map[string]*string
	ClearMetadata      bool
}

func (u *CustomerUpdate) fields() []struct {
	key string
	f   Field
} {
	return []struct {
		key string
		f   Field
	}{
		{"merchant_customer_id", u.MerchantCustomerID},
		{"description", u.Description},
		{"email", u.Email},
		{"name", u.Name},
		{"phone", u.Phone},
		{"zip_code", u.ZipCode},
		{"city", u.City},
		{"address", u.Address},
		{"country", u.Country},
	}
}

// IsEmpty reports whether the update would send nothing.
func (u *CustomerUpdate) IsEmpty() bool {
	for _, kf := range u.fields() {
		if !kf.f.IsUnchanged() {
			return false
		}
	}
	return len(u.Metadata) == 0 && !u.ClearMetadata
}

// MarshalJSON encodes only what changes, with JSON null for cleared fields and
// removed metadata keys. Keys are sorted, so the output is deterministic.
func (u CustomerUpdate) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 10)
	for _, kf := range u.fields() {
		switch kf.f.op {
		case opSet:
			m[kf.key] = kf.f.value
		case opClear:
			m[kf.key] = nil
		}
	}
	switch {
	case u.ClearMetadata:
		m["metadata"] = nil
	case len(u.Metadata) > 0:
		m["metadata"] = u.Metadata
	}
	return json.Marshal(m)
}

// flexBool decodes a JSON boolean that may also arrive as the string "true"
// or "false" (Monri's iOS SDK reads "deleted" as a string; the docs and the
// Android SDK say boolean). null is false.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null", `""`:
		*b = false
	default:
		return fmt.Errorf("expected true or false (a boolean or a string), got %s", excerpt(data, 40))
	}
	return nil
}

// PaymentMethod is a saved card of a customer. Token is a reusable card token:
// a secret. ID is one too: in Monri's documentation a saved card's id is the
// same value as its token, and Monri's PHP SDK pays with a saved card by its
// id.
type PaymentMethod struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	MaskedPAN      string `json:"masked_pan"`
	ExpirationDate string `json:"expiration_date"`
	KeepUntil      string `json:"keep_until"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	CustomerUUID   string `json:"customer_uuid"`
	Token          string `json:"token"`
	Expired        bool   `json:"expired"`
}

// String never prints the token or the id (both are the card token).
func (p PaymentMethod) String() string {
	return fmt.Sprintf("PaymentMethod{masked_pan:%s expiration_date:%s expired:%s}",
		p.MaskedPAN, p.ExpirationDate, strconv.FormatBool(p.Expired))
}

// GoString is String, so that %#v does not print the secrets either.
func (p PaymentMethod) GoString() string { return p.String() }

// AccessToken is an OAuth access token issued by POST /v2/oauth.
type AccessToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Status      string `json:"status"`
}

// String never prints the token itself.
func (t AccessToken) String() string {
	return fmt.Sprintf("AccessToken{token_type:%s expires_in:%d}", t.TokenType, t.ExpiresIn)
}

// GoString is String, so that %#v does not print the token either.
func (t AccessToken) GoString() string { return t.String() }

// Scopes an access token can be issued for. ScopePayments is not needed by
// the Customers API; Monri's PHP SDK requests it.
const (
	ScopeCustomers      = "customers"
	ScopePaymentMethods = "payment-methods"
	ScopePayments       = "payments"
)

// DefaultPageSize is Monri's documented default limit of list endpoints.
const DefaultPageSize = 50

// ListParams selects a page of a list endpoint. Zero Limit sends no limit
// (Monri's default, 50).
type ListParams struct {
	Limit  int
	Offset int
}

func (p ListParams) query() string {
	if p.Limit <= 0 && p.Offset <= 0 {
		return ""
	}
	q := "?"
	if p.Limit > 0 {
		q += "limit=" + strconv.Itoa(p.Limit)
	}
	if p.Offset > 0 || p.Limit > 0 {
		if len(q) > 1 {
			q += "&"
		}
		q += "offset=" + strconv.Itoa(p.Offset)
	}
	return q
}
