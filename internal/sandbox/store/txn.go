package store

// lookup is what a layer of staged writes reads through to: the committed
// index, or (for a bolt store's writers) the writes being committed.
type lookup interface {
	customer(uuid string) (Customer, uint64, bool)
	liveOwner(mid string) (string, bool)
	hasPM(id string) bool
}

// staged is a customer written and not yet applied to the index.
type staged struct {
	c   Customer
	seq uint64
	gen uint64 // the bolt batch that commits it (pending layer only)
}

type stagedPM struct {
	pm  PaymentMethod
	seq uint64
}

// layer is a set of staged customers and card ids over a lookup: a
// transaction's own writes, or a bolt store's writes being committed.
type layer struct {
	base  lookup
	custs map[string]staged
	live  map[string]string // merchant_customer_id -> uuid of a live staged customer
	pmIDs map[string]uint64 // staged card ids -> gen
}

func newLayer(base lookup) layer {
	return layer{base: base, custs: map[string]staged{}, live: map[string]string{}, pmIDs: map[string]uint64{}}
}

func (l *layer) customer(uuid string) (Customer, uint64, bool) {
	if sc, ok := l.custs[uuid]; ok {
		return sc.c, sc.seq, true
	}
	return l.base.customer(uuid)
}

func (l *layer) liveOwner(mid string) (string, bool) {
	if uuid, ok := l.live[mid]; ok {
		return uuid, true
	}
	uuid, ok := l.base.liveOwner(mid)
	if !ok {
		return "", false
	}
	if _, shadowed := l.custs[uuid]; shadowed {
		// Its staged version is not live with mid, or l.live had it.
		return "", false
	}
	return uuid, true
}

func (l *layer) hasPM(id string) bool {
	if _, ok := l.pmIDs[id]; ok {
		return true
	}
	return l.base.hasPM(id)
}

func (l *layer) put(sc staged) {
	uuid := sc.c.UUID
	if old, ok := l.custs[uuid]; ok && isLive(&old.c) && l.live[*old.c.MerchantCustomerID] == uuid {
		delete(l.live, *old.c.MerchantCustomerID)
	}
	l.custs[uuid] = sc
	if isLive(&sc.c) {
		l.live[*sc.c.MerchantCustomerID] = uuid
	}
}

// drop removes the entries of batch gen (unless a later batch staged the
// same customer again).
func (l *layer) drop(t *txn, gen uint64) {
	for _, uuid := range t.order {
		sc, ok := l.custs[uuid]
		if !ok || sc.gen != gen {
			continue
		}
		if isLive(&sc.c) && l.live[*sc.c.MerchantCustomerID] == uuid {
			delete(l.live, *sc.c.MerchantCustomerID)
		}
		delete(l.custs, uuid)
	}
	for _, p := range t.pms {
		if l.pmIDs[p.pm.ID] == gen {
			delete(l.pmIDs, p.pm.ID)
		}
	}
}

// txn is the Writer of one Update: its writes, in order, over the state
// below.
type txn struct {
	layer
	order []string // uuids in the order first written
	pms   []stagedPM
	// seq and pmSeq are the store's counters: the last numbers handed out.
	seq, pmSeq *uint64
}

func newTxn(base lookup, seq, pmSeq *uint64) *txn {
	return &txn{layer: newLayer(base), seq: seq, pmSeq: pmSeq}
}

func (t *txn) empty() bool { return len(t.order) == 0 && len(t.pms) == 0 }

func (t *txn) Customer(uuid string) (Customer, bool) {
	c, _, ok := t.customer(uuid)
	if !ok {
		return Customer{}, false
	}
	return c.Clone(), true
}

func (t *txn) LiveCustomerByMerchantID(id string) (Customer, bool) {
	uuid, ok := t.liveOwner(id)
	if !ok {
		return Customer{}, false
	}
	return t.Customer(uuid)
}

func (t *txn) PutCustomer(c Customer) error {
	if c.UUID == "" {
		return ErrInvalid
	}
	_, seq, exists := t.customer(c.UUID)
	if isLive(&c) {
		if owner, taken := t.liveOwner(*c.MerchantCustomerID); taken && owner != c.UUID {
			return ErrMerchantIDTaken
		}
	}
	if !exists {
		*t.seq++
		seq = *t.seq
	}
	if _, again := t.custs[c.UUID]; !again {
		t.order = append(t.order, c.UUID)
	}
	t.put(staged{c: c.Clone(), seq: seq})
	return nil
}

func (t *txn) AddPaymentMethod(pm PaymentMethod) error {
	if pm.ID == "" || t.hasPM(pm.ID) {
		return ErrInvalid
	}
	if _, _, ok := t.customer(pm.CustomerUUID); !ok {
		return ErrCustomerNotFound
	}
	*t.pmSeq++
	t.pms = append(t.pms, stagedPM{pm: pm, seq: *t.pmSeq})
	t.pmIDs[pm.ID] = 0
	return nil
}
