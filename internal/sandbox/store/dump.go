package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// DumpVersion is the version of a Dump. A JSON state file of the earlier
// monri-sandbox (version 1 as well) is a Dump.
const DumpVersion = 1

// Dump is the whole store as humans read it (GET /sandbox/export) and as
// Import loads it: customers and payment methods in creation order, Seq
// numbering each from 1.
type Dump struct {
	Version        int                 `json:"version"`
	Customers      []DumpCustomer      `json:"customers"`
	PaymentMethods []DumpPaymentMethod `json:"payment_methods"`
}

// DumpCustomer is a customer and its place in creation order.
type DumpCustomer struct {
	Seq uint64 `json:"seq"`
	Customer
}

// DumpPaymentMethod is a payment method and its place in creation order.
type DumpPaymentMethod struct {
	Seq uint64 `json:"seq"`
	PaymentMethod
}

// Export returns the committed state of st as a Dump. Two exports of the
// same state are equal.
func Export(st Store) Dump {
	d := Dump{Version: DumpVersion}
	st.View(func(r Reader) {
		custs := r.Customers()
		pms := r.PaymentMethods()
		d.Customers = make([]DumpCustomer, len(custs))
		for i, c := range custs {
			d.Customers[i] = DumpCustomer{Seq: uint64(i) + 1, Customer: c}
		}
		d.PaymentMethods = make([]DumpPaymentMethod, len(pms))
		for i, pm := range pms {
			pm.Expired = false // Computed by the API when it answers.
			d.PaymentMethods[i] = DumpPaymentMethod{Seq: uint64(i) + 1, PaymentMethod: pm}
		}
	})
	return d
}

// Import loads d into st, which must hold no customer, in one Update:
// customers in Seq order, then payment methods in Seq order. Timestamps
// are kept to the millisecond, in UTC. It refuses a dump of another
// version, a customer without uuid or listed twice, two live customers with
// one merchant_customer_id and a payment method of an unknown customer,
// naming the record.
func Import(st Store, d Dump) error {
	if d.Version != DumpVersion {
		return fmt.Errorf("%w: dump version %d, want %d", ErrInvalid, d.Version, DumpVersion)
	}
	empty := true
	st.View(func(r Reader) { empty = r.Len() == 0 })
	if !empty {
		return fmt.Errorf("%w: import needs an empty store", ErrNotEmpty)
	}
	custs := slices.Clone(d.Customers)
	slices.SortStableFunc(custs, func(a, b DumpCustomer) int { return cmp.Compare(a.Seq, b.Seq) })
	pms := slices.Clone(d.PaymentMethods)
	slices.SortStableFunc(pms, func(a, b DumpPaymentMethod) int { return cmp.Compare(a.Seq, b.Seq) })
	return st.Update(func(w Writer) error {
		seen := make(map[string]bool, len(custs))
		for i, dc := range custs {
			c := dc.Customer
			if c.UUID == "" {
				return fmt.Errorf("%w: customer %d has no uuid", ErrInvalid, i+1)
			}
			if seen[c.UUID] {
				return fmt.Errorf("%w: customer %s is listed twice", ErrInvalid, c.UUID)
			}
			seen[c.UUID] = true
			c.CreatedAt, c.UpdatedAt = ms(c.CreatedAt), ms(c.UpdatedAt)
			if c.DeletedAt != nil {
				t := ms(*c.DeletedAt)
				c.DeletedAt = &t
			}
			if err := w.PutCustomer(c); err != nil {
				if errors.Is(err, ErrMerchantIDTaken) {
					return fmt.Errorf("%w: customer %s: merchant_customer_id %q", err, c.UUID, *c.MerchantCustomerID)
				}
				return fmt.Errorf("customer %s: %w", c.UUID, err)
			}
		}
		for _, dp := range pms {
			pm := dp.PaymentMethod
			pm.Expired = false
			pm.KeepUntil, pm.CreatedAt, pm.UpdatedAt = ms(pm.KeepUntil), ms(pm.CreatedAt), ms(pm.UpdatedAt)
			if err := w.AddPaymentMethod(pm); err != nil {
				return fmt.Errorf("payment method %s of customer %s: %w", pm.ID, pm.CustomerUUID, err)
			}
		}
		return nil
	})
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
