package monri

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

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
