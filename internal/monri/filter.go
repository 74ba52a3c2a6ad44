package monri

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CustomerFilter selects customers; a customer must match every field that is set.
type CustomerFilter struct {
	Email                    string            // exact match, case-insensitive ("" = any)
	Name                     string            // exact match
	MerchantCustomerIDPrefix string            // prefix match
	Metadata                 map[string]string // every key present with that value
	CreatedAfter             time.Time         // zero = any; customers created strictly after it
	CreatedBefore            time.Time         // zero = any; customers created strictly before it
	IncludeDeleted           bool              // listings may include deleted customers (an undocumented variant); false drops them
}

// Validate reports a filter that can never be meant: an empty metadata key.
func (f CustomerFilter) Validate() error {
	for k := range f.Metadata {
		if k == "" {
			return errors.New("a metadata filter key is empty")
		}
	}
	return nil
}

// Match reports whether c matches every field of f that is set. A customer
// whose created_at cannot be parsed does not match a filter with
// CreatedAfter set (FindCustomers and EachCustomer report it as an error).
func (f CustomerFilter) Match(c *Customer) bool {
	ok, err := f.match(c)
	return ok && err == nil
}

// selective reports whether f looks at more than the deleted flag: then a
// page is worth asking for in full however few matches are still missing.
func (f CustomerFilter) selective() bool {
	return f.Email != "" || f.Name != "" || f.MerchantCustomerIDPrefix != "" || len(f.Metadata) > 0 || !f.CreatedAfter.IsZero() ||
		!f.CreatedBefore.IsZero()
}

func (f CustomerFilter) match(c *Customer) (bool, error) {
	if c.Deleted && !f.IncludeDeleted {
		return false, nil
	}
	if f.Email != "" && (c.Email == nil || !strings.EqualFold(*c.Email, f.Email)) {
		return false, nil
	}
	if f.Name != "" && (c.Name == nil || *c.Name != f.Name) {
		return false, nil
	}
	if f.MerchantCustomerIDPrefix != "" && (c.MerchantCustomerID == nil || !strings.HasPrefix(*c.MerchantCustomerID, f.MerchantCustomerIDPrefix)) {
		return false, nil
	}
	for k, want := range f.Metadata {
		if got, ok := c.Metadata[k]; !ok || got != want {
			return false, nil
		}
	}
	if !f.CreatedAfter.IsZero() || !f.CreatedBefore.IsZero() {
		t, err := ParseTimestamp(c.CreatedAt)
		if err != nil {
			return false, fmt.Errorf("customer %s: created_at: %w", c.UUID, err)
		}
		if (!f.CreatedAfter.IsZero() && !t.After(f.CreatedAfter)) || (!f.CreatedBefore.IsZero() && !t.Before(f.CreatedBefore)) {
			return false, nil
		}
	}
	return true, nil
}

// ParseTimestamp parses a Monri timestamp: RFC 3339 with a zone ("Z" or an
// offset) and optional fractional seconds, e.g. 2019-02-12T09:22:33Z,
// 2019-02-12T11:22:33+02:00 or 2019-02-12T11:22:33.675+02:00. Compare the
// results as instants (time.Time.Before/After/Equal).
func ParseTimestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("the timestamp is empty")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp (like 2019-02-12T09:22:33Z)", s)
	}
	return t, nil
}

// FindCustomers lists every customer matching f, newest first, paging as
// Paginate does (never stopping at a short page, de-duplicated).
// opts.MaxItems counts matching customers; with CreatedAfter set, paging
// stops at the first page that reaches a customer created at or before it
// (the API lists created_at DESC).
func (c *Client) FindCustomers(ctx context.Context, f CustomerFilter, opts PageOptions) ([]Customer, error) {
	var out []Customer
	err := c.EachCustomer(ctx, f, opts, func(cu Customer) bool {
		out = append(out, cu)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachCustomer is FindCustomers streaming: yield is called per matching
// customer in the API's order (newest first), as pages arrive; returning
// false stops the listing and cancels the requests in flight.
//
// Requests: one per page of opts.PageSize (default 100, or the smaller page
// Monri serves), until an empty page, with up to opts.MaxConcurrentPages (or
// the client's Config.MaxConcurrentPages) in flight at once: at most
// ceil(N/page) + that many (see Paginate). With CreatedAfter set, paging
// stops after the first page that holds a customer created at or before it
// (no empty page is then asked for); with MaxItems set, after the page
// holding the MaxItems-th match. Without a selective filter (only the
// deleted flag) each request asks for just the matches still missing.
func (c *Client) EachCustomer(ctx context.Context, f CustomerFilter, opts PageOptions, yield func(Customer) bool) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if shared, err := c.eachShared(ctx, f, opts, yield); shared {
		return err
	}
	opts = c.listingOptions(opts, "/v2/customers")
	n, st, err := eachCustomer(ctx, f, opts, c.ListCustomers, yield)
	c.logListing(ctx, "/v2/customers", n, st, err)
	return err
}

// eachCustomer is EachCustomer over any page source (unit tests give it
// pages that a sandbox would not serve). It returns how many customers it
// yielded.
func eachCustomer(ctx context.Context, f CustomerFilter, opts PageOptions,
	fetch func(context.Context, ListParams) ([]Customer, error), yield func(Customer) bool,
) (int, pageStats, error) {
	matched := 0
	p := &pager[Customer]{
		key: func(c Customer) string { return c.UUID }, fetch: fetch, size: opts.PageSize, parallel: opts.MaxConcurrentPages,
		bound: opts.MaxListingItems, path: opts.path,
		visit: func(cu Customer) (verdict, error) {
			v := more
			if !f.CreatedAfter.IsZero() {
				t, err := ParseTimestamp(cu.CreatedAt)
				if err != nil {
					return stopNow, fmt.Errorf("customer %s: created_at cannot be compared with created_after: %w", cu.UUID, err)
				}
				if !t.After(f.CreatedAfter) {
					// The API lists created_at DESC: nothing later on
					// matches (the rest of this page is still looked at).
					v = stopAfterPage
				}
			}
			ok, err := f.match(&cu)
			if err != nil {
				return stopNow, err
			}
			if !ok {
				return v, nil
			}
			matched++
			if !yield(cu) || (opts.MaxItems > 0 && matched >= opts.MaxItems) {
				return stopNow, nil
			}
			return v, nil
		},
	}
	if !f.selective() && opts.MaxItems > 0 {
		p.remaining = func() int { return opts.MaxItems - matched }
	}
	st, err := p.run(ctx)
	return matched, st, err
}
