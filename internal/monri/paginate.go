package monri

import (
	"context"
	"fmt"
)

// PageOptions control a complete listing.
type PageOptions struct {
	// PageSize is the limit asked for per request (default 100). The server
	// may answer fewer; paging goes on until it answers an empty page.
	PageSize int
	// MaxItems stops the listing once this many distinct (and, with
	// PaginateKept, kept) items are collected (0: no limit).
	MaxItems int
}

// Paginate fetches pages until the server returns an empty one (never
// stopping early because a page was shorter than asked: the server may cap
// the page size), de-duplicating items by key (a create during paging shifts
// offsets and repeats an item). If a whole non-empty page holds only items
// already seen, the server is not honouring offset and Paginate fails rather
// than loop or truncate silently.
func Paginate[T any](ctx context.Context, opts PageOptions, key func(T) string, fetch func(context.Context, ListParams) ([]T, error)) ([]T, error) {
	return PaginateKept(ctx, opts, key, nil, fetch)
}

// PaginateKept is Paginate returning only the items for which keep is true
// (all items when keep is nil). MaxItems counts kept items, and each request
// asks only for as many as are still missing. Filtering happens on the
// collected items, not on the pages, so offsets stay the server's.
func PaginateKept[T any](ctx context.Context, opts PageOptions, key func(T) string, keep func(T) bool,
	fetch func(context.Context, ListParams) ([]T, error),
) ([]T, error) {
	size := opts.PageSize
	if size <= 0 {
		size = 100
	}
	var out []T
	seen := map[string]struct{}{}
	offset := 0
	for {
		limit := size
		if opts.MaxItems > 0 && opts.MaxItems-len(out) < limit {
			limit = opts.MaxItems - len(out)
		}
		page, err := fetch(ctx, ListParams{Limit: limit, Offset: offset})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		fresh := 0
		for _, item := range page {
			k := key(item)
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			fresh++
			if keep != nil && !keep(item) {
				continue
			}
			out = append(out, item)
			if opts.MaxItems > 0 && len(out) >= opts.MaxItems {
				return out, nil
			}
		}
		if fresh == 0 {
			return nil, fmt.Errorf("listing stopped at offset %d: the server returned a page of %d items that were all already seen (it may be ignoring offset)", offset, len(page))
		}
		offset += len(page)
	}
}

// ListAllCustomers lists every customer Monri's listing returns (deleted
// ones too, when it includes them), newest first: FindCustomers without a
// filter.
func (c *Client) ListAllCustomers(ctx context.Context, opts PageOptions) ([]Customer, error) {
	return c.FindCustomers(ctx, CustomerFilter{IncludeDeleted: true}, opts)
}

// ListAllPaymentMethods lists every saved card of a customer, paging as
// Paginate does.
func (c *Client) ListAllPaymentMethods(ctx context.Context, customerUUID string, opts PageOptions) ([]PaymentMethod, error) {
	return Paginate(ctx, opts, func(p PaymentMethod) string { return p.ID },
		func(ctx context.Context, p ListParams) ([]PaymentMethod, error) {
			return c.ListPaymentMethods(ctx, customerUUID, p)
		})
}
