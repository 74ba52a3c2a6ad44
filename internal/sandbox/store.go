package sandbox

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Customer is a stored customer as the API describes it. Values returned by
// the Server are copies. The JSON tags are those of the state file.
type Customer struct {
	UUID               string            `json:"uuid"`
	MerchantCustomerID *string           `json:"merchant_customer_id"`
	Description        *string           `json:"description"`
	Email              *string           `json:"email"`
	Name               *string           `json:"name"`
	Phone              *string           `json:"phone"`
	ZipCode            *string           `json:"zip_code"`
	City               *string           `json:"city"`
	Address            *string           `json:"address"`
	Country            *string           `json:"country"`
	Metadata           map[string]string `json:"metadata"`
	Deleted            bool              `json:"deleted"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
	DeletedAt          *time.Time        `json:"deleted_at"`
}

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

// PaymentMethod is a saved card as the API describes it. Expired is
// computed from the clock when the value is produced.
type PaymentMethod struct {
	ID             string    `json:"id"`
	Status         string    `json:"status"`
	MaskedPAN      string    `json:"masked_pan"`
	ExpirationDate string    `json:"expiration_date"`
	KeepUntil      time.Time `json:"keep_until"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	CustomerUUID   string    `json:"customer_uuid"`
	Token          string    `json:"token"`
	Expired        bool      `json:"expired"`
}

// customerRec is the stored form. Metadata maps are never mutated in place
// (copy on write), so a shallow copy of a customerRec is a safe snapshot.
type customerRec struct {
	c   Customer
	seq uint64
	// pms holds the customer's payment methods sorted by (CreatedAt, seq).
	pms []*pmRec
}

type pmRec struct {
	pm        PaymentMethod
	seq       uint64
	expiresAt time.Time // first instant after the expiry month
}

type store struct {
	mu sync.RWMutex
	// list holds every customer (deleted ones too) sorted by
	// (CreatedAt, seq): creation order unless the clock went backwards or a
	// test edited CreatedAt. Listing walks it from the end.
	list       []*customerRec
	byUUID     map[string]*customerRec
	byMerchant map[string]*customerRec // live customers only
	deleted    int                     // number of deleted customers in list
	seq        uint64
	pmSeq      uint64
	gen        uint64 // incremented by every mutation, for persistence
}

func newStore() store {
	return store{
		byUUID:     make(map[string]*customerRec),
		byMerchant: make(map[string]*customerRec),
	}
}

func lessCustomer(a, b *customerRec) int {
	if c := a.c.CreatedAt.Compare(b.c.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func lessPM(a, b *pmRec) int {
	if c := a.pm.CreatedAt.Compare(b.pm.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// insertSorted inserts v into the sorted slice, scanning from the end (the
// common case is an append).
func insertSorted[T any](list []T, v T, less func(a, b T) int) []T {
	i := len(list)
	for i > 0 && less(list[i-1], v) > 0 {
		i--
	}
	return slices.Insert(list, i, v)
}

// add stores a new customer. Caller holds the write lock.
func (st *store) add(c Customer) *customerRec {
	st.seq++
	rec := &customerRec{c: c, seq: st.seq}
	st.list = insertSorted(st.list, rec, lessCustomer)
	st.byUUID[c.UUID] = rec
	if c.Deleted {
		st.deleted++
	} else if c.MerchantCustomerID != nil {
		st.byMerchant[*c.MerchantCustomerID] = rec
	}
	st.gen++
	return rec
}

// resort restores the order of list after rec's CreatedAt changed.
func (st *store) resort(rec *customerRec) {
	i := slices.Index(st.list, rec)
	st.list = slices.Delete(st.list, i, i+1)
	st.list = insertSorted(st.list, rec, lessCustomer)
}

// reindex moves rec in the merchant index from its old merchant id and
// deleted state to the current ones, and keeps the deleted count. Caller holds the write lock.
func (st *store) reindex(rec *customerRec, oldID *string, oldDeleted bool) {
	if !oldDeleted && oldID != nil && st.byMerchant[*oldID] == rec {
		delete(st.byMerchant, *oldID)
	}
	if !rec.c.Deleted && rec.c.MerchantCustomerID != nil {
		st.byMerchant[*rec.c.MerchantCustomerID] = rec
	}
	switch {
	case oldDeleted && !rec.c.Deleted:
		st.deleted--
	case !oldDeleted && rec.c.Deleted:
		st.deleted++
	}
}

// liveOwner returns the live customer holding merchant id, if any.
func (st *store) liveOwner(id string) (*customerRec, bool) {
	rec, ok := st.byMerchant[id]
	return rec, ok
}

// lastDeletedByMerchant finds the newest deleted customer with merchant id.
// O(N): only used in DeletedReturnsTrue mode after the live index missed.
func (st *store) lastDeletedByMerchant(id string) (*customerRec, bool) {
	for i := len(st.list) - 1; i >= 0; i-- {
		rec := st.list[i]
		if rec.c.Deleted && rec.c.MerchantCustomerID != nil && *rec.c.MerchantCustomerID == id {
			return rec, true
		}
	}
	return nil, false
}

// copyCustomer returns a deep copy of c (metadata never nil).
func copyCustomer(c Customer) Customer {
	out := c
	out.MerchantCustomerID = cloneStr(c.MerchantCustomerID)
	out.Description = cloneStr(c.Description)
	out.Email = cloneStr(c.Email)
	out.Name = cloneStr(c.Name)
	out.Phone = cloneStr(c.Phone)
	out.ZipCode = cloneStr(c.ZipCode)
	out.City = cloneStr(c.City)
	out.Address = cloneStr(c.Address)
	out.Country = cloneStr(c.Country)
	out.Metadata = maps.Clone(c.Metadata)
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if c.DeletedAt != nil {
		t := *c.DeletedAt
		out.DeletedAt = &t
	}
	return out
}

func cloneStr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func strPtr(s string) *string { return &s }

// field returns a pointer to the customer's field with the given API name.
func (c *Customer) field(name string) **string {
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
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec, ok := s.st.byUUID[uuid]
	if !ok {
		return Customer{}, false
	}
	return copyCustomer(rec.c), true
}

// Customers returns copies of every customer, deleted ones included, in
// creation order.
func (s *Server) Customers() []Customer {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	recs := slices.Clone(s.st.list)
	slices.SortFunc(recs, func(a, b *customerRec) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Customer, len(recs))
	for i, r := range recs {
		out[i] = copyCustomer(r.c)
	}
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
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec, ok := s.st.byMerchant[id]
	if !ok {
		return Customer{}, false
	}
	return copyCustomer(rec.c), true
}

// DeleteCustomer soft-deletes a customer out of band (as another client or
// the Monri dashboard would). It returns false if the customer is unknown or
// already deleted.
func (s *Server) DeleteCustomer(uuid string) bool {
	s.st.mu.Lock()
	rec, ok := s.st.byUUID[uuid]
	if !ok || rec.c.Deleted {
		s.st.mu.Unlock()
		return false
	}
	s.softDelete(rec)
	s.st.mu.Unlock()
	_ = s.persist()
	return true
}

// softDelete marks rec deleted. Caller holds the write lock.
func (s *Server) softDelete(rec *customerRec) {
	now := s.now()
	oldID, oldDeleted := rec.c.MerchantCustomerID, rec.c.Deleted
	rec.c.Deleted = true
	rec.c.DeletedAt = &now
	rec.c.UpdatedAt = now
	s.st.reindex(rec, oldID, oldDeleted)
	s.st.gen++
}

// EditCustomer edits a customer out of band (drift). fn receives a copy it
// may change freely (fields are not validated, so invalid data can be
// planted); the UUID cannot be changed. UpdatedAt is set to now unless fn
// changed it. Setting Deleted fills DeletedAt if fn left it nil, clearing
// Deleted clears DeletedAt. It returns false if the customer is unknown or
// if the new merchant_customer_id belongs to another live customer.
func (s *Server) EditCustomer(uuid string, fn func(*Customer)) bool {
	s.st.mu.Lock()
	rec, ok := s.st.byUUID[uuid]
	if !ok {
		s.st.mu.Unlock()
		return false
	}
	c := copyCustomer(rec.c)
	fn(&c)
	c.UUID = rec.c.UUID
	now := s.now()
	if c.UpdatedAt.Equal(rec.c.UpdatedAt) {
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
	if !c.Deleted && c.MerchantCustomerID != nil {
		if owner, taken := s.st.liveOwner(*c.MerchantCustomerID); taken && owner != rec {
			s.st.mu.Unlock()
			return false
		}
	}
	c = copyCustomer(c)
	oldID, oldDeleted, oldCreated := rec.c.MerchantCustomerID, rec.c.Deleted, rec.c.CreatedAt
	rec.c = c
	s.st.reindex(rec, oldID, oldDeleted)
	if !oldCreated.Equal(c.CreatedAt) {
		s.st.resort(rec)
	}
	s.st.gen++
	s.st.mu.Unlock()
	_ = s.persist()
	return true
}

// SeedCustomers creates n valid customers quickly (one lock, one save) and
// returns their uuids in creation order. Merchant customer ids are
// prefix-00001, prefix-00002, ... (numbers already held by a live customer
// are skipped). created_at is strictly increasing, one second apart, the
// last one being now.
func (s *Server) SeedCustomers(n int, prefix string) []string {
	if n <= 0 {
		return nil
	}
	s.st.mu.Lock()
	now := s.now()
	uuids := make([]string, 0, n)
	start := now.Add(-time.Duration(n-1) * time.Second)
	num := 0
	for i := range n {
		var mid string
		for {
			num++
			mid = fmt.Sprintf("%s-%05d", prefix, num)
			if _, taken := s.st.byMerchant[mid]; !taken {
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
		// Append and sort once below instead of inserting one by one.
		s.st.seq++
		rec := &customerRec{c: c, seq: s.st.seq}
		s.st.list = append(s.st.list, rec)
		s.st.byUUID[c.UUID] = rec
		s.st.byMerchant[mid] = rec
		uuids = append(uuids, c.UUID)
	}
	if !slices.IsSortedFunc(s.st.list, lessCustomer) {
		slices.SortStableFunc(s.st.list, lessCustomer)
	}
	s.st.gen++
	s.st.mu.Unlock()
	_ = s.persist()
	return uuids
}
