package sandbox

import (
	"maps"
	"strconv"
	"time"
)

// The JSON the API answers: views of stored records under the variants.

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
