package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const stateVersion = 1

type stateFile struct {
	Version        int               `json:"version"`
	Customers      []stateCustomer   `json:"customers"`
	PaymentMethods []stateCardRecord `json:"payment_methods"`
}

type stateCustomer struct {
	Seq uint64 `json:"seq"`
	Customer
}

type stateCardRecord struct {
	Seq uint64 `json:"seq"`
	PaymentMethod
}

// persist writes the current store to StatePath (if set) and returns once
// a snapshot at least as new as the caller's mutation is on disk. Saves are
// group-committed: callers queue on saveMu, the first one snapshots the
// store (under the read lock, so file I/O never holds the store lock) and
// writes it, and the callers whose mutations that snapshot already contains
// return without writing.
func (s *Server) persist() error {
	if s.statePath == "" {
		return nil
	}
	s.st.mu.RLock()
	wantGen := s.st.gen
	s.st.mu.RUnlock()

	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if wantGen <= s.savedGen {
		return nil
	}
	s.st.mu.RLock()
	gen := s.st.gen
	custs := make([]stateCustomer, len(s.st.list))
	var pms []stateCardRecord
	for i, rec := range s.st.list {
		// rec.c's pointers and metadata map are never mutated in place,
		// so a shallow copy is a consistent snapshot.
		custs[i] = stateCustomer{Seq: rec.seq, Customer: rec.c}
		for _, pr := range rec.pms {
			pms = append(pms, stateCardRecord{Seq: pr.seq, PaymentMethod: pr.pm})
		}
	}
	s.st.mu.RUnlock()

	slices.SortFunc(custs, func(a, b stateCustomer) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(pms, func(a, b stateCardRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	if pms == nil {
		pms = []stateCardRecord{}
	}
	data, err := json.MarshalIndent(stateFile{Version: stateVersion, Customers: custs, PaymentMethods: pms}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := writeFileAtomic(s.statePath, append(data, '\n')); err != nil {
		return err
	}
	s.savedGen = gen
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path, so a reader (or a crashed sandbox) never sees a partial
// file. It does not fsync: the sandbox trades durability across a power
// loss for speed.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmpName != "" {
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	tmpName = ""
	return nil
}

// load reads StatePath into the empty store. A missing file is an empty
// store.
func (s *Server) load() error {
	data, err := os.ReadFile(s.statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: read state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("sandbox: parse state %s: %w", s.statePath, err)
	}
	if f.Version != stateVersion {
		return fmt.Errorf("sandbox: state %s has version %d, want %d", s.statePath, f.Version, stateVersion)
	}
	st := &s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, sc := range f.Customers {
		c := sc.Customer
		if c.UUID == "" {
			return fmt.Errorf("sandbox: state %s: customer without uuid", s.statePath)
		}
		if _, dup := st.byUUID[c.UUID]; dup {
			return fmt.Errorf("sandbox: state %s: duplicate customer %s", s.statePath, c.UUID)
		}
		if !c.Deleted && c.MerchantCustomerID != nil {
			if _, dup := st.byMerchant[*c.MerchantCustomerID]; dup {
				return fmt.Errorf("sandbox: state %s: merchant_customer_id %q held by two live customers", s.statePath, *c.MerchantCustomerID)
			}
		}
		c = copyCustomer(c)
		c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Second)
		c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Second)
		rec := &customerRec{c: c, seq: sc.Seq}
		st.list = append(st.list, rec)
		st.byUUID[c.UUID] = rec
		if c.Deleted {
			st.deleted++
		} else if c.MerchantCustomerID != nil {
			st.byMerchant[*c.MerchantCustomerID] = rec
		}
		st.seq = max(st.seq, sc.Seq)
	}
	slices.SortStableFunc(st.list, lessCustomer)
	for _, sp := range f.PaymentMethods {
		rec, ok := st.byUUID[sp.CustomerUUID]
		if !ok {
			return fmt.Errorf("sandbox: state %s: payment method %s of unknown customer %s", s.statePath, sp.ID, sp.CustomerUUID)
		}
		expiresAt, err := expiryFromDate(sp.ExpirationDate)
		if err != nil {
			return fmt.Errorf("sandbox: state %s: payment method %s: %w", s.statePath, sp.ID, err)
		}
		pm := sp.PaymentMethod
		pm.Expired = false // Computed when answered.
		rec.pms = append(rec.pms, &pmRec{pm: pm, seq: sp.Seq, expiresAt: expiresAt})
		st.pmSeq = max(st.pmSeq, sp.Seq)
	}
	for _, rec := range st.list {
		slices.SortStableFunc(rec.pms, lessPM)
	}
	return nil
}
