package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func TestListingRequestMismatches(t *testing.T) {
	list := sandbox.RouteListCustomers
	seq := &listingReport{MaxConcurrentPages: 1, Expected: map[string]int{list: 101}, MaxRequests: 101}
	par := &listingReport{MaxConcurrentPages: 4, Expected: map[string]int{list: 101}, MaxRequests: 104}
	for _, tt := range []struct {
		l      *listingReport
		counts map[string]int
		want   []string
	}{
		{seq, map[string]int{list: 101}, nil},
		{seq, map[string]int{list: 102}, []string{"GET /v2/customers: 102 requests, want exactly 101"}},
		{par, map[string]int{list: 101}, nil},
		{par, map[string]int{list: 104}, nil},
		{par, map[string]int{list: 105}, []string{"GET /v2/customers: 105 requests, want 101 to 104"}},
		{par, map[string]int{list: 100}, []string{"GET /v2/customers: 100 requests, want 101 to 104"}},
		{par, map[string]int{list: 102, sandbox.RouteGetCustomer: 1}, []string{"GET /v2/customers/{uuid}: 1 unexpected requests"}},
	} {
		if got := tt.l.requestMismatches(tt.counts); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("P=%d, %v: %q, want %q", tt.l.MaxConcurrentPages, tt.counts, got, tt.want)
		}
	}
}

func TestListingTargets(t *testing.T) {
	seq := &listingReport{MaxConcurrentPages: 1, FloorSeconds: 2.02, Expected: map[string]int{sandbox.RouteListCustomers: 101},
		side: side{Samples: []sample{{PagingSeconds: 2.4, PeakRSSMiB: 40}}}}
	def := &listingReport{MaxConcurrentPages: 4, Default: true, FloorSeconds: 2.02, Expected: map[string]int{sandbox.RouteListCustomers: 101}, MaxRequests: 104,
		side: side{Samples: []sample{{PagingSeconds: 0.7, PeakRSSMiB: 45}, {PagingSeconds: 0.6, PeakRSSMiB: 44}, {PagingSeconds: 0.8, PeakRSSMiB: 100}}}}
	seq.summarize()
	def.summarize()
	def.PagingVsSequential = def.PagingSeconds / seq.PagingSeconds
	if def.PagingSeconds != 0.7 || def.PeakRSSMiB != 45 {
		t.Fatalf("medians: paging %v, RSS %v; want 0.7 and 45", def.PagingSeconds, def.PeakRSSMiB)
	}
	if m := def.targetsMissed(); len(m) != 0 {
		t.Fatalf("0.7 s of paging (0.35× the floor, 0.29× P=1's) at 45 MiB missed %q", m)
	}
	if m := seq.targetsMissed(); len(m) != 0 {
		t.Fatalf("the targets apply to the default P only: %q", m)
	}
	def.PagingSeconds, def.PagingVsFloor, def.PagingVsSequential, def.PeakRSSMiB = 1.5, 1.5/2.02, 1.5/2.4, 97
	if m := def.targetsMissed(); len(m) != 3 {
		t.Fatalf("paging 0.74× the floor, 0.63× P=1's, 97 MiB: missed %q, want three", m)
	}

	out := renderListings([]*listingReport{seq, def}, 20)
	for _, want := range []string{"sequential latency floor 101 requests × 20 ms = 2.02 s", "4 (default)", "101 to 104", "exactly 101"} {
		if !strings.Contains(out, want) {
			t.Errorf("the listing table has no %q:\n%s", want, out)
		}
	}
	skipped := &listingReport{MaxConcurrentPages: 1, Skipped: "no setting", Expected: map[string]int{sandbox.RouteListCustomers: 101}}
	if out := renderListings([]*listingReport{skipped, def}, 20); !strings.Contains(out, "P=1: SKIPPED: no setting") {
		t.Errorf("a skipped listing is not shown:\n%s", out)
	}
}

func TestLookupRequestMismatches(t *testing.T) {
	list := sandbox.RouteListCustomers
	shared := &lookupReport{Lookups: 10, Shared: true, MaxRequests: 25}
	for _, tt := range []struct {
		counts map[string]int
		want   []string
	}{
		{map[string]int{list: 22}, nil},
		{map[string]int{list: 25}, nil},
		{map[string]int{list: 26}, []string{"GET /v2/customers: 26 requests for 10 lookups, want at most 25"}},
		{map[string]int{list: 21, sandbox.RouteGetCustomer: 2}, []string{"GET /v2/customers/{uuid}: 2 unexpected requests"}},
	} {
		if got := shared.lookupMismatches(tt.counts); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: %q, want %q", tt.counts, got, tt.want)
		}
	}
	shared.Samples = []sample{{Requests: map[string]int{list: 22}}, {Requests: map[string]int{list: 24}}, {Requests: map[string]int{list: 23}}}
	shared.summarize()
	off := &lookupReport{Lookups: 10, MaxRequests: 250, side: side{Samples: []sample{{Requests: map[string]int{list: 220}}}}}
	off.summarize()
	out := renderLookups([]*lookupReport{shared, off})
	for _, want := range []string{"10 monri_customer lookups by email", "true", "23", "false", "220", "≤ 250"} {
		if !strings.Contains(out, want) {
			t.Errorf("the lookups table has no %q:\n%s", want, out)
		}
	}
}
