package monri

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
)

// DefaultDeleteConcurrency is how many deletes DeleteCustomers has in flight
// at once when DeleteOptions.Concurrency is 0.
const DefaultDeleteConcurrency = 4

// DeleteOptions control DeleteCustomers.
type DeleteOptions struct {
	// MaxDeletes is the most customers that may match: more fail before
	// any is deleted. At least 1.
	MaxDeletes int
	// DryRun lists what would be deleted, and deletes nothing.
	DryRun bool
	// Concurrency is how many deletes are in flight at once (0:
	// DefaultDeleteConcurrency), all within Config.MaxRequestsPerSecond.
	Concurrency int
	// Progress, when set, is told about each customer deleted (or, with
	// DryRun, that would be deleted), one call at a time.
	Progress func(DeleteProgress)
}

// DeleteProgress is one customer DeleteCustomers deleted.
type DeleteProgress struct {
	Customer Customer
	// AlreadyDeleted: Monri found the customer gone when it was deleted
	// (someone else deleted it since the listing): counted as deleted.
	AlreadyDeleted bool
	DryRun         bool
}

// DeleteResult is what DeleteCustomers did.
type DeleteResult struct {
	Matched []Customer // the customers that matched, newest first
	Deleted []Customer // deleted (already-deleted ones included); with DryRun none
	// AlreadyDeleted is how many of Deleted were gone already.
	AlreadyDeleted int
}

// TooManyMatchesError is DeleteCustomers' refusal when more customers match
// than DeleteOptions.MaxDeletes: nothing was deleted.
type TooManyMatchesError struct {
	Matched, MaxDeletes int
}

func (e *TooManyMatchesError) Error() string {
	return fmt.Sprintf("%d customers match, more than the %d allowed to be deleted: nothing was deleted", e.Matched, e.MaxDeletes)
}

// PartialDeleteError is DeleteCustomers' failure after it started deleting:
// Deleted were deleted, NotDeleted were not (no new delete is sent after a
// failure; those in flight finish).
type PartialDeleteError struct {
	Deleted    []Customer
	NotDeleted []Customer
	Err        error // the first failure
}

func (e *PartialDeleteError) Error() string {
	return fmt.Sprintf("deleted %d of %d matching customers, then a delete failed: %v", len(e.Deleted), len(e.Deleted)+len(e.NotDeleted), e.Err)
}

func (e *PartialDeleteError) Unwrap() error { return e.Err }

// NoLongerMatchesError is DeleteCustomers' refusal to delete customer UUID,
// which the listing said matched and Monri, asked for it just before the
// delete, describes as not matching: the listing mixed customers up (a cache
// or proxy in between) or the customer changed since. It was not deleted.
type NoLongerMatchesError struct {
	UUID string
}

func (e *NoLongerMatchesError) Error() string {
	return "listed as matching the filters, but read again before its delete it does not match " +
		"(the listing mixed customers up, or the customer changed since): not deleted"
}

// confirmMatch reads the customer again and fails unless it still matches
// f, so that a listing that mixed customers up never gets a customer that
// does not match deleted. A customer gone since is ErrNotFound.
func (c *Client) confirmMatch(ctx context.Context, f CustomerFilter, listed Customer) error {
	now, err := c.GetCustomer(ctx, listed.UUID)
	if err != nil {
		return err
	}
	ok, err := f.match(now)
	if err != nil {
		return err
	}
	if !ok {
		return &NoLongerMatchesError{UUID: listed.UUID}
	}
	return nil
}

// DeleteCustomers deletes every customer matching f, which must select on
// something besides the deleted flag (a filter that matches every customer
// is refused). It lists afresh (never from the shared listing), bounded by
// Config.MaxListingItems (a *ListingLimitError), fails with a
// *TooManyMatchesError before deleting any when more than opts.MaxDeletes
// match, then deletes them with opts.Concurrency deletes in flight, each
// read again first and deleted only if it still matches (otherwise a
// *NoLongerMatchesError stops the deleting). A customer already gone counts
// as deleted. A failure stops new deletes and
// is a *PartialDeleteError saying which customers were and were not deleted.
func (c *Client) DeleteCustomers(ctx context.Context, f CustomerFilter, opts DeleteOptions) (*DeleteResult, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if !f.selective() || f.IncludeDeleted {
		return nil, errors.New("deleting customers needs a filter (email, name, merchant_customer_id prefix, metadata or created_before/after) that excludes deleted customers")
	}
	if opts.MaxDeletes < 1 {
		return nil, fmt.Errorf("max deletes %d: at least 1", opts.MaxDeletes)
	}
	var matched []Customer
	// Bounded by Config.MaxListingItems like every listing: a server that
	// never ends the listing cannot keep the action paging.
	lo := c.listingOptions(PageOptions{}, "/v2/customers")
	n, st, err := eachCustomer(ctx, f, lo, c.ListCustomers, func(cu Customer) bool {
		matched = append(matched, cu)
		return true
	})
	c.logListing(ctx, "/v2/customers", n, st, err)
	if err != nil {
		return nil, fmt.Errorf("listing the customers to delete: %w", err)
	}
	if len(matched) > opts.MaxDeletes {
		return nil, &TooManyMatchesError{Matched: len(matched), MaxDeletes: opts.MaxDeletes}
	}
	// A uuid of "." or ".." cannot be sent (checkPath would refuse its
	// DELETE): refuse the listing before deleting any customer, rather
	// than stop half-way.
	for _, cu := range matched {
		if IsDotSegment(cu.UUID) {
			return nil, fmt.Errorf("listing the customers to delete: a matching customer has the uuid %q, which cannot be sent in a "+
				"request path: %w", cu.UUID, ErrDotSegment)
		}
	}
	res := &DeleteResult{Matched: matched}
	progress := func(p DeleteProgress) {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	if opts.DryRun {
		for _, cu := range matched {
			progress(DeleteProgress{Customer: cu, DryRun: true})
		}
		return res, nil
	}

	workers := opts.Concurrency
	if workers <= 0 {
		workers = DefaultDeleteConcurrency
	}
	var (
		mu       sync.Mutex
		done     = make([]bool, len(matched))
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	// take hands out the next customer to delete, or -1 when there is none
	// or a delete has failed.
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || next >= len(matched) || ctx.Err() != nil {
			return -1
		}
		next++
		return next - 1
	}
	for range min(workers, len(matched)) {
		wg.Go(func() {
			for i := take(); i >= 0; i = take() {
				cu := matched[i]
				err := c.confirmMatch(ctx, f, cu)
				if err == nil {
					err = c.DeleteCustomer(ctx, cu.UUID)
				}
				gone := errors.Is(err, ErrNotFound)
				mu.Lock()
				if err != nil && !gone {
					if firstErr == nil {
						firstErr = fmt.Errorf("customer %s: %w", cu.UUID, err)
					}
					mu.Unlock()
					continue
				}
				done[i] = true
				if gone {
					res.AlreadyDeleted++
				}
				progress(DeleteProgress{Customer: cu, AlreadyDeleted: gone})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var notDeleted []Customer
	for i, cu := range matched {
		if done[i] {
			res.Deleted = append(res.Deleted, cu)
		} else {
			notDeleted = append(notDeleted, cu)
		}
	}
	if firstErr == nil && len(notDeleted) > 0 {
		firstErr = cmp.Or(ctx.Err(), errors.New("deleting stopped early")) // the context ended
	}
	if firstErr != nil {
		return res, &PartialDeleteError{Deleted: res.Deleted, NotDeleted: notDeleted, Err: firstErr}
	}
	return res, nil
}
