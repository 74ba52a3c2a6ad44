package store

import (
	"cmp"
	"maps"
	"slices"
)

// index is the in-memory form of the committed state that both stores
// serve reads from. It is not safe for concurrent use: the stores guard it.
// Stored Customer values are never changed in place (a write replaces the
// record's value with a fresh deep copy), and readers get deep copies.
type index struct {
	// list holds every customer (deleted ones too) sorted by (CreatedAt,
	// seq): creation order unless the clock went backwards or an edit
	// changed CreatedAt. Pages walk it from the end.
	list       []*custRec
	byUUID     map[string]*custRec
	byMerchant map[string]*custRec // live customers only
	pmIDs      map[string]struct{}
	deleted    int    // deleted customers in list
	seq, pmSeq uint64 // largest sequence numbers applied
}

type custRec struct {
	c   Customer
	seq uint64   // creation order
	pms []*pmRec // sorted by (CreatedAt, seq)
}

type pmRec struct {
	pm  PaymentMethod
	seq uint64
}

func newIndex() *index {
	return &index{
		byUUID:     make(map[string]*custRec),
		byMerchant: make(map[string]*custRec),
		pmIDs:      make(map[string]struct{}),
	}
}

func lessCust(a, b *custRec) int {
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

func isLive(c *Customer) bool { return !c.Deleted && c.MerchantCustomerID != nil }

// ---- lookup, for the layers of staged writes above the index ----

func (ix *index) customer(uuid string) (Customer, uint64, bool) {
	rec, ok := ix.byUUID[uuid]
	if !ok {
		return Customer{}, 0, false
	}
	return rec.c, rec.seq, true
}

func (ix *index) liveOwner(mid string) (string, bool) {
	rec, ok := ix.byMerchant[mid]
	if !ok {
		return "", false
	}
	return rec.c.UUID, true
}

func (ix *index) hasPM(id string) bool {
	_, ok := ix.pmIDs[id]
	return ok
}

// ---- Reader ----

func (ix *index) Customer(uuid string) (Customer, bool) {
	rec, ok := ix.byUUID[uuid]
	if !ok {
		return Customer{}, false
	}
	return rec.c.Clone(), true
}

func (ix *index) LiveCustomerByMerchantID(id string) (Customer, bool) {
	rec, ok := ix.byMerchant[id]
	if !ok {
		return Customer{}, false
	}
	return rec.c.Clone(), true
}

func (ix *index) LastDeletedByMerchantID(id string) (Customer, bool) {
	for i := len(ix.list) - 1; i >= 0; i-- {
		c := &ix.list[i].c
		if c.Deleted && c.MerchantCustomerID != nil && *c.MerchantCustomerID == id {
			return c.Clone(), true
		}
	}
	return Customer{}, false
}

func (ix *index) CustomerPage(offset, limit int, includeDeleted bool) []Customer {
	out := make([]Customer, 0, max(0, min(limit, 64)))
	list := ix.list
	if includeDeleted || ix.deleted == 0 {
		// Direct indexing: O(page).
		end := len(list) - offset
		for i := end - 1; i >= 0 && i >= end-limit; i-- {
			out = append(out, list[i].c.Clone())
		}
		return out
	}
	skipped := 0
	for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
		if list[i].c.Deleted {
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		out = append(out, list[i].c.Clone())
	}
	return out
}

func (ix *index) Customers() []Customer {
	recs := slices.Clone(ix.list)
	slices.SortFunc(recs, func(a, b *custRec) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Customer, len(recs))
	for i, r := range recs {
		out[i] = r.c.Clone()
	}
	return out
}

func (ix *index) PaymentMethodPage(customerUUID string, offset, limit int) []PaymentMethod {
	rec, ok := ix.byUUID[customerUUID]
	if !ok {
		return nil
	}
	out := make([]PaymentMethod, 0, max(0, min(limit, 64)))
	end := len(rec.pms) - offset
	for i := end - 1; i >= 0 && i >= end-limit; i-- {
		out = append(out, rec.pms[i].pm)
	}
	return out
}

func (ix *index) PaymentMethods() []PaymentMethod {
	var recs []*pmRec
	for _, c := range ix.list {
		recs = append(recs, c.pms...)
	}
	slices.SortFunc(recs, func(a, b *pmRec) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]PaymentMethod, len(recs))
	for i, r := range recs {
		out[i] = r.pm
	}
	return out
}

func (ix *index) Len() int { return len(ix.list) }

// ---- applying committed writes ----

// apply applies a committed transaction's writes.
func (ix *index) apply(t *txn) {
	for _, uuid := range t.order {
		ix.applyCustomer(t.custs[uuid])
	}
	for _, p := range t.pms {
		ix.applyPM(p)
	}
}

func (ix *index) applyCustomer(sc staged) {
	ix.seq = max(ix.seq, sc.seq)
	rec, ok := ix.byUUID[sc.c.UUID]
	if !ok {
		rec = &custRec{c: sc.c, seq: sc.seq}
		ix.list = insertSorted(ix.list, rec, lessCust)
		ix.byUUID[sc.c.UUID] = rec
		if rec.c.Deleted {
			ix.deleted++
		} else if rec.c.MerchantCustomerID != nil {
			ix.byMerchant[*rec.c.MerchantCustomerID] = rec
		}
		return
	}
	old := rec.c
	rec.c = sc.c
	if !old.Deleted && old.MerchantCustomerID != nil && ix.byMerchant[*old.MerchantCustomerID] == rec {
		delete(ix.byMerchant, *old.MerchantCustomerID)
	}
	if isLive(&rec.c) {
		ix.byMerchant[*rec.c.MerchantCustomerID] = rec
	}
	switch {
	case old.Deleted && !rec.c.Deleted:
		ix.deleted--
	case !old.Deleted && rec.c.Deleted:
		ix.deleted++
	}
	if !old.CreatedAt.Equal(rec.c.CreatedAt) {
		i := slices.Index(ix.list, rec)
		ix.list = slices.Delete(ix.list, i, i+1)
		ix.list = insertSorted(ix.list, rec, lessCust)
	}
}

func (ix *index) applyPM(p stagedPM) {
	ix.pmSeq = max(ix.pmSeq, p.seq)
	rec := ix.byUUID[p.pm.CustomerUUID] // The transaction checked it exists.
	rec.pms = insertSorted(rec.pms, &pmRec{pm: p.pm, seq: p.seq}, lessPM)
	ix.pmIDs[p.pm.ID] = struct{}{}
}

// load fills an empty index with records read from a file, sorting once.
func (ix *index) load(custs []staged, pms []stagedPM) error {
	for _, sc := range custs {
		if sc.c.UUID == "" || ix.byUUID[sc.c.UUID] != nil {
			return ErrInvalid
		}
		rec := &custRec{c: sc.c, seq: sc.seq}
		ix.list = append(ix.list, rec)
		ix.byUUID[sc.c.UUID] = rec
		if rec.c.Deleted {
			ix.deleted++
		} else if rec.c.MerchantCustomerID != nil {
			if ix.byMerchant[*rec.c.MerchantCustomerID] != nil {
				return ErrMerchantIDTaken
			}
			ix.byMerchant[*rec.c.MerchantCustomerID] = rec
		}
		ix.seq = max(ix.seq, sc.seq)
	}
	slices.SortFunc(ix.list, lessCust)
	for _, p := range pms {
		rec, ok := ix.byUUID[p.pm.CustomerUUID]
		if !ok {
			return ErrCustomerNotFound
		}
		rec.pms = append(rec.pms, &pmRec{pm: p.pm, seq: p.seq})
		ix.pmIDs[p.pm.ID] = struct{}{}
		ix.pmSeq = max(ix.pmSeq, p.seq)
	}
	for _, rec := range ix.list {
		slices.SortFunc(rec.pms, lessPM)
	}
	return nil
}

// Clone returns a deep copy of c (metadata never nil).
func (c Customer) Clone() Customer {
	out := c
	for _, p := range []**string{
		&out.MerchantCustomerID, &out.Description, &out.Email, &out.Name, &out.Phone,
		&out.ZipCode, &out.City, &out.Address, &out.Country,
	} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
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
