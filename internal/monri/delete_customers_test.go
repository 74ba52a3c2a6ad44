package monri

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// onDelete is a transport that calls before(n, uuid) ahead of the n-th DELETE
// (from 1) it sends.
type onDelete struct {
	base   http.RoundTripper
	n      atomic.Int64
	before func(n int64, uuid string)
}

func (o *onDelete) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodDelete {
		o.before(o.n.Add(1), r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
	}
	return o.base.RoundTrip(r)
}

func TestDeleteCustomers(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	keep := s.SeedCustomers(5, "keep")
	doomed := s.SeedCustomers(7, "tmp")
	c, _ := newTestClient(t, s, nil)
	ctx := context.Background()
	f := CustomerFilter{MerchantCustomerIDPrefix: "tmp-"}

	// More matches than allowed: nothing is deleted.
	_, err := c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 6})
	var tooMany *TooManyMatchesError
	if !errors.As(err, &tooMany) || tooMany.Matched != 7 || tooMany.MaxDeletes != 6 {
		t.Fatalf("max 6 of 7: %v", err)
	}
	if n := len(s.LiveCustomers()); n != 12 {
		t.Fatalf("after the refusal: %d live customers, want 12", n)
	}

	// A dry run reports each match and deletes nothing.
	var seen []string
	res, err := c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 7, DryRun: true, Progress: func(p DeleteProgress) {
		if !p.DryRun {
			t.Error("a dry run's progress is not marked dry run")
		}
		seen = append(seen, p.Customer.UUID)
	}})
	if err != nil || len(res.Matched) != 7 || len(res.Deleted) != 0 || len(seen) != 7 {
		t.Fatalf("dry run: %v, %+v, %d progress calls", err, res, len(seen))
	}
	if n := len(s.LiveCustomers()); n != 12 {
		t.Fatalf("after the dry run: %d live customers, want 12", n)
	}

	// Unfiltered, or with deleted customers included, is refused.
	for _, bad := range []CustomerFilter{{}, {IncludeDeleted: true}, {Metadata: map[string]string{}}, {Email: "a@b.c", IncludeDeleted: true}} {
		if _, err := c.DeleteCustomers(ctx, bad, DeleteOptions{MaxDeletes: 100}); err == nil || !strings.Contains(err.Error(), "needs a filter") {
			t.Errorf("filter %+v: %v, want a refusal", bad, err)
		}
	}

	// The real thing: one of them is deleted by someone else first.
	seen = nil
	c2, _ := newTestClient(t, s, func(cfg *Config) {
		cfg.Transport = &onDelete{base: http.DefaultTransport, before: func(n int64, uuid string) {
			if n == 1 {
				s.DeleteCustomer(uuid)
			}
		}}
	})
	res, err = c2.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 7, Progress: func(p DeleteProgress) {
		seen = append(seen, p.Customer.UUID)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 7 || res.AlreadyDeleted != 1 {
		t.Errorf("deleted %d (%d already), want 7 (1 already)", len(res.Deleted), res.AlreadyDeleted)
	}
	slices.Sort(seen)
	want := slices.Clone(doomed)
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("progress for %v, want %v", seen, want)
	}
	live := s.LiveCustomers()
	if len(live) != 5 {
		t.Fatalf("%d live customers left, want the 5 kept", len(live))
	}
	for _, cu := range live {
		if !slices.Contains(keep, cu.UUID) {
			t.Errorf("customer %s survived", cu.UUID)
		}
	}
}

// A failure mid-way stops new deletes and says which were and were not
// deleted.
func TestDeleteCustomersFailureMidway(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(6, "mid")
	c, _ := newTestClient(t, s, func(cfg *Config) {
		cfg.Transport = &onDelete{base: http.DefaultTransport, before: func(n int64, _ string) {
			if n == 3 {
				s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden}, 1)
			}
		}}
	})
	var progressed int
	res, err := c.DeleteCustomers(context.Background(), CustomerFilter{MerchantCustomerIDPrefix: "mid-"},
		DeleteOptions{MaxDeletes: 10, Concurrency: 1, Progress: func(DeleteProgress) { progressed++ }})
	var partial *PartialDeleteError
	if !errors.As(err, &partial) {
		t.Fatalf("want a *PartialDeleteError, got %v", err)
	}
	if len(partial.Deleted) != 2 || len(partial.NotDeleted) != 4 || progressed != 2 || len(res.Deleted) != 2 {
		t.Errorf("deleted %d, not deleted %d, %d progress calls; want 2, 4, 2", len(partial.Deleted), len(partial.NotDeleted), progressed)
	}
	if live := len(s.LiveCustomers()); live != 4 {
		t.Errorf("%d live customers, want 4", live)
	}
	live := uuidsOfSandbox(s.LiveCustomers())
	for _, cu := range partial.NotDeleted {
		if !slices.Contains(live, cu.UUID) {
			t.Errorf("customer %s reported not deleted is gone", cu.UUID)
		}
	}
	wantErrContains(t, err, "deleted 2 of 6", "403")
}

// created_before keeps customers created at or after it.
func TestCustomerFilterCreatedBefore(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(10, "cb")
	c, _ := newTestClient(t, s, nil)
	all, err := c.ListAllCustomers(context.Background(), PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := ParseTimestamp(all[3].CreatedAt) // newest first: 6 are older
	got, err := c.FindCustomers(context.Background(), CustomerFilter{CreatedBefore: before}, PageOptions{})
	if err != nil || !slices.Equal(uuidsOf(got), uuidsOf(all[4:])) {
		t.Fatalf("created_before: %d customers, %v; want the 6 older", len(got), err)
	}
}

func uuidsOfSandbox(cs []sandbox.Customer) []string {
	out := make([]string, len(cs))
	for i := range cs {
		out[i] = cs[i].UUID
	}
	return out
}

// A hostile listing or answer never makes DeleteCustomers delete a customer
// that did not match, send a path with a dot segment, run forever, or quote
// a secret.
func TestDeleteCustomers_hostile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := CustomerFilter{MerchantCustomerIDPrefix: "tmp-"}
	deletes := func(rec *recorder) int {
		n := 0
		for _, r := range rec.all() {
			if r.Method == http.MethodDelete {
				n++
			}
		}
		return n
	}

	t.Run("endless listing", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		s.SeedCustomers(3, "tmp")
		// Every page holds 100 customers never seen before, endless-N: they
		// match a prefix filter of "endless-" and no other.
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultEndlessPage}, 1_000_000)
		// An unbounded listing fails here in a minute rather than hang.
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for _, filter := range []CustomerFilter{f, {MerchantCustomerIDPrefix: "endless-"}} {
			c, rec := newTestClient(t, s, func(c *Config) { c.MaxListingItems = 500; c.MaxConcurrentPages = 2 })
			_, err := c.DeleteCustomers(ctx, filter, DeleteOptions{MaxDeletes: 1_000_000})
			var le *ListingLimitError
			if !errors.As(err, &le) || le.Limit != 500 {
				t.Fatalf("filter %+v: err = %v, want a ListingLimitError of 500", filter, err)
			}
			wantErrContains(t, err, "listing the customers to delete", "stopped after 500 items")
			if n := deletes(rec); n != 0 {
				t.Errorf("filter %+v: %d DELETE requests, want none", filter, n)
			}
			if n := len(rec.all()); n > 500/100+2+1 {
				t.Errorf("filter %+v: %d requests, want at most %d", filter, n, 500/100+2+1)
			}
		}
		if n := len(s.LiveCustomers()); n != 3 {
			t.Errorf("%d live customers, want the 3 seeded", n)
		}
	})

	t.Run("uuid .. in the listing", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		doomed := s.SeedCustomers(3, "tmp")
		page := `{"status":"approved","data":[` +
			`{"uuid":"..","merchant_customer_id":"tmp-dot","metadata":{},"deleted":false,"created_at":"2026-01-01T00:00:00Z"}]}`
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Body: []byte(page)}, 1)
		c, rec := newTestClient(t, s, func(c *Config) { c.MaxConcurrentPages = 1 })
		_, err := c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 10})
		if !errors.Is(err, ErrDotSegment) {
			t.Fatalf("err = %v, want ErrDotSegment", err)
		}
		wantErrContains(t, err, `the uuid ".."`)
		for _, r := range rec.all() {
			if r.Method == http.MethodDelete || strings.Contains(r.URI, "/..") {
				t.Errorf("sent %s %s", r.Method, r.URI)
			}
		}
		if n := len(s.LiveCustomers()); n != len(doomed) {
			t.Errorf("%d live customers, want %d: nothing deleted", n, len(doomed))
		}
	})

	t.Run("listing that mixes customers up", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		keep := s.SeedCustomers(1, "keep")[0]
		s.SeedCustomers(3, "tmp")
		// The first page lists the kept customer under a matching
		// merchant_customer_id, as a cache that mixed answers up would.
		page := fmt.Sprintf(`{"status":"approved","data":[{"uuid":%q,"merchant_customer_id":"tmp-mixed","metadata":{},`+
			`"deleted":false,"created_at":"2026-01-01T00:00:00Z"}]}`, keep)
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Body: []byte(page)}, 1)
		c, rec := newTestClient(t, s, func(c *Config) { c.MaxConcurrentPages = 1 })
		_, err := c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 10, Concurrency: 1})
		var nlm *NoLongerMatchesError
		if !errors.As(err, &nlm) || nlm.UUID != keep {
			t.Fatalf("err = %v, want a NoLongerMatchesError for %s", err, keep)
		}
		wantErrContains(t, err, "does not match", "not deleted")
		if cu, ok := s.Customer(keep); !ok || cu.Deleted {
			t.Errorf("the customer %s that did not match was deleted", keep)
		}
		if n := deletes(rec); n != 0 {
			t.Errorf("%d DELETE requests, want none (the first customer stopped the deleting)", n)
		}
	})

	t.Run("DELETE answered with another customer", func(t *testing.T) {
		t.Parallel()
		s := startSandbox(t, sandbox.Options{})
		foreign := s.SeedCustomers(1, "foreign")[0]
		s.SeedCustomers(3, "tmp")
		fc, _ := s.Customer(foreign)
		s.InjectFault(sandbox.RouteDeleteCustomer, foreignAnswer(foreign, *fc.MerchantCustomerID), 1)
		c, rec := newTestClient(t, s, nil)
		res, err := c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 10, Concurrency: 1})
		var partial *PartialDeleteError
		if !errors.As(err, &partial) {
			t.Fatalf("err = %v, want a PartialDeleteError", err)
		}
		var ce *ContradictingAnswerError
		if !errors.As(err, &ce) || ce.UUID != foreign {
			t.Fatalf("err = %v, want a contradiction naming %s", err, foreign)
		}
		if len(partial.Deleted) != 0 || len(partial.NotDeleted) != 3 || len(res.Deleted) != 0 {
			t.Errorf("deleted %d, not deleted %d; want 0 and 3 (the contradicted one is not counted as deleted)",
				len(partial.Deleted), len(partial.NotDeleted))
		}
		if n := deletes(rec); n != 1 {
			t.Errorf("%d DELETE requests, want 1 (none after the contradiction)", n)
		}
		for _, r := range rec.all() {
			if r.Method == http.MethodDelete && strings.Contains(r.URI, foreign) {
				t.Errorf("sent DELETE %s to the foreign customer", r.URI)
			}
		}
		if cu, ok := s.Customer(foreign); !ok || cu.Deleted {
			t.Errorf("the foreign customer %s is gone", foreign)
		}
		for _, cu := range partial.NotDeleted {
			if cu.UUID == foreign {
				t.Errorf("the foreign customer is reported as a match")
			}
		}
	})

	t.Run("secrets in answers", func(t *testing.T) {
		t.Parallel()
		hex64 := strings.Repeat("0a1b2c3d", 8)
		s := startSandbox(t, sandbox.Options{})
		s.SeedCustomers(2, "tmp")
		token, key := s.Credentials()
		echo := fmt.Sprintf(`{"client_id":%q,"client_secret":%q} Authorization: WP3-v2.1 %s 1700000000 %s`, token, key, token, hex64)
		// A listing that fails, then a DELETE that fails, each echoing the
		// credentials as a debugging proxy does.
		s.InjectFault(sandbox.RouteListCustomers, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusBadGateway,
			ContentType: "text/plain", Body: []byte(echo)}, 1)
		c, _ := newTestClient(t, s, func(c *Config) { c.MaxRetries = 0 })
		_, err := c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 10})
		assertNoSecret(t, err, key, token, hex64)
		wantErrContains(t, err, "listing the customers to delete", "HTTP 502")

		s.InjectFault(sandbox.RouteDeleteCustomer, sandbox.Fault{Kind: sandbox.FaultBody, Status: http.StatusForbidden,
			Body: []byte(`{"status":"forbidden","message":"key ` + key + ` digest ` + hex64 + `"}`)}, 1)
		_, err = c.DeleteCustomers(ctx, f, DeleteOptions{MaxDeletes: 10, Concurrency: 1})
		var partial *PartialDeleteError
		if !errors.As(err, &partial) {
			t.Fatalf("err = %v, want a PartialDeleteError", err)
		}
		assertNoSecret(t, err, key, hex64)
		wantErrContains(t, err, "deleted 0 of 2", "HTTP 403")
	})
}
