package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store"
)

// Customer is a stored customer as the API describes it. Values returned by
// the Server are copies. The JSON tags are those of Export.
type Customer = store.Customer

// PaymentMethod is a saved card as the API describes it. Expired is
// computed from the clock when the value is produced.
type PaymentMethod = store.PaymentMethod

// Card describes a card to attach to a customer with AttachCard.
type Card struct {
	// PAN is the card number, 12 to 19 digits. Default "4111111111111111".
	PAN string
	// ExpirationMonth and ExpirationYear give the expiry; when both are zero
	// the card expires in December three years from now.
	ExpirationMonth time.Month
	ExpirationYear  int
	// Expired is a shortcut for a card that expired last month; it overrides
	// ExpirationMonth and ExpirationYear.
	Expired bool
}

func cloneStr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func strPtr(s string) *string { return &s }

// customerField returns a pointer to the customer's field with the given
// API name.
func customerField(c *Customer, name string) **string {
	switch name {
	case "merchant_customer_id":
		return &c.MerchantCustomerID
	case "description":
		return &c.Description
	case "email":
		return &c.Email
	case "name":
		return &c.Name
	case "phone":
		return &c.Phone
	case "zip_code":
		return &c.ZipCode
	case "city":
		return &c.City
	case "address":
		return &c.Address
	case "country":
		return &c.Country
	}
	panic("sandbox: unknown customer field " + name)
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomHex64 returns 64 random hex digits (256 bits), the shape of Monri's
// payment method ids, card tokens and access tokens.
func randomHex64() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	return hex.EncodeToString(b[:])
}

// ---- Store access for tests ----

// Customer returns a copy of the customer with the given uuid, deleted ones
// included.
func (s *Server) Customer(uuid string) (Customer, bool) {
	var c Customer
	var ok bool
	s.st.View(func(r store.Reader) { c, ok = r.Customer(uuid) })
	return c, ok
}

// Customers returns copies of every customer, deleted ones included, in
// creation order.
func (s *Server) Customers() []Customer {
	var out []Customer
	s.st.View(func(r store.Reader) { out = r.Customers() })
	return out
}

// LiveCustomers returns copies of the customers that are not deleted, in
// creation order.
func (s *Server) LiveCustomers() []Customer {
	return slices.DeleteFunc(s.Customers(), func(c Customer) bool { return c.Deleted })
}

// CustomerByMerchantID returns a copy of the live (not deleted) customer
// with the given merchant_customer_id.
func (s *Server) CustomerByMerchantID(id string) (Customer, bool) {
	var c Customer
	var ok bool
	s.st.View(func(r store.Reader) { c, ok = r.LiveCustomerByMerchantID(id) })
	return c, ok
}

// DeleteCustomer soft-deletes a customer out of band (as another client or
// the Monri dashboard would). It returns false if the customer is unknown or
// already deleted (or the store could not save the change).
func (s *Server) DeleteCustomer(uuid string) bool {
	err := s.st.Update(func(w store.Writer) error {
		c, ok := w.Customer(uuid)
		if !ok || c.Deleted {
			return errRejected
		}
		s.softDelete(&c)
		return w.PutCustomer(c)
	})
	return err == nil
}

// EditCustomer edits a customer out of band (drift). fn receives a copy it
// may change freely (fields are not validated, so invalid data can be
// planted); the UUID cannot be changed. UpdatedAt is set to now unless fn
// changed it. Setting Deleted fills DeletedAt if fn left it nil, clearing
// Deleted clears DeletedAt. It returns false if the customer is unknown, if
// the new merchant_customer_id belongs to another live customer (or if the
// store could not save the change).
func (s *Server) EditCustomer(uuid string, fn func(*Customer)) bool {
	err := s.st.Update(func(w store.Writer) error {
		old, ok := w.Customer(uuid)
		if !ok {
			return errRejected
		}
		c := old.Clone()
		fn(&c)
		c.UUID = old.UUID
		now := s.now()
		if c.UpdatedAt.Equal(old.UpdatedAt) {
			c.UpdatedAt = now
		}
		c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
		c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Millisecond)
		switch {
		case c.Deleted && c.DeletedAt == nil:
			c.DeletedAt = &now
		case !c.Deleted:
			c.DeletedAt = nil
		}
		if c.DeletedAt != nil {
			t := c.DeletedAt.UTC().Truncate(time.Millisecond)
			c.DeletedAt = &t
		}
		return w.PutCustomer(c)
	})
	return err == nil
}

// SeedCustomers creates n valid customers quickly (one store Update) and
// returns their uuids in creation order. Merchant customer ids are
// prefix-00001, prefix-00002, ... (numbers already held by a live customer
// are skipped). created_at is strictly increasing, one second apart, the
// last one being now. It returns nil if the store could not save them.
func (s *Server) SeedCustomers(n int, prefix string) []string {
	if n <= 0 {
		return nil
	}
	uuids := make([]string, 0, n)
	err := s.st.Update(func(w store.Writer) error {
		now := s.now()
		start := now.Add(-time.Duration(n-1) * time.Second)
		num := 0
		for i := range n {
			var mid string
			for {
				num++
				mid = fmt.Sprintf("%s-%05d", prefix, num)
				if _, taken := w.LiveCustomerByMerchantID(mid); !taken {
					break
				}
			}
			ts := start.Add(time.Duration(i) * time.Second)
			c := Customer{
				UUID:               newUUID(),
				MerchantCustomerID: strPtr(mid),
				Name:               strPtr(fmt.Sprintf("Customer %05d", num)),
				Email:              strPtr(fmt.Sprintf("customer-%05d@example.com", num)),
				City:               strPtr("Sarajevo"),
				Country:            strPtr("BA"),
				Metadata:           map[string]string{},
				CreatedAt:          ts,
				UpdatedAt:          ts,
			}
			if err := w.PutCustomer(c); err != nil {
				return err
			}
			uuids = append(uuids, c.UUID)
		}
		return nil
	})
	if err != nil {
		return nil
	}
	return uuids
}
