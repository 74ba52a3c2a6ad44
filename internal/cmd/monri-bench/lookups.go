package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// lookupReport is K monri_customer lookups by email over N customers in one
// terraform apply, with the provider's share_listings on or off.
type lookupReport struct {
	Lookups   int  `json:"lookups"`
	Customers int  `json:"customers"`
	Shared    bool `json:"shared"`
	// MaxRequests is the most list requests the K lookups may make: one
	// listing's ceil(N/page) + 1 + the pages in flight when shared, and
	// K of those when not.
	MaxRequests int    `json:"max_requests"`
	Skipped     string `json:"skipped,omitempty"`
	side
	ListRequests float64  `json:"list_requests"` // median
	RequestsOK   bool     `json:"requests_ok"`
	Mismatches   []string `json:"mismatches"`
}

func (l *lookupReport) summarize() {
	l.side.summarize()
	l.ListRequests = median(l.Samples, func(x sample) float64 { return float64(x.Requests[sandbox.RouteListCustomers]) })
	l.RequestsOK = len(l.Mismatches) == 0
}

// lookupMismatches checks one run's requests: only list requests, at most
// MaxRequests of them.
func (l *lookupReport) lookupMismatches(counts map[string]int) []string {
	var out []string
	for route, n := range counts {
		if route != sandbox.RouteListCustomers {
			out = append(out, fmt.Sprintf("%s: %d unexpected requests", route, n))
		}
	}
	if n := counts[sandbox.RouteListCustomers]; n > l.MaxRequests {
		out = append(out, fmt.Sprintf("%s: %d requests for %d lookups, want at most %d", sandbox.RouteListCustomers, n, l.Lookups, l.MaxRequests))
	}
	return out
}

// writeLookupConfig writes k monri_customer lookups by email of seeded
// customers spread over the listing.
func (w *workspace) writeLookupConfig(k, n int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    monri = {\n      source = %q\n    }\n  }\n}\n", w.source)
	for i := range k {
		fmt.Fprintf(&b, "\ndata \"monri_customer\" \"c%d\" {\n  email = \"customer-%05d@example.com\"\n}\n", i, 1+i*(n/k))
	}
	b.WriteString("\noutput \"found\" {\n  value = length([")
	for i := range k {
		fmt.Fprintf(&b, "data.monri_customer.c%d.id, ", i)
	}
	b.WriteString("])\n}\n")
	return os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(b.String()), 0o600)
}

// runLookups measures o.LookupK lookups by email over o.LookupN customers,
// on a sandbox of its own with the same latency, with share_listings on
// (the default) and off (MONRI_SHARE_LISTINGS=false), alternating which
// goes first from run to run.
func runLookups(ctx context.Context, o options, env []string, realBin, tmp string) ([]*lookupReport, error) {
	s, w, err := startMonriWorkspace(ctx, o, env, realBin, tmp, "lookups")
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	wenv := w.env
	if err := w.writeLookupConfig(o.LookupK, o.LookupN); err != nil {
		return nil, err
	}
	sch, err := providerSchema(ctx, w)
	if err != nil {
		return nil, err
	}
	one := (o.LookupN+pageSize-1)/pageSize + 1 + monri.DefaultMaxConcurrentPages
	var reports []*lookupReport
	for _, shared := range []bool{true, false} {
		lr := &lookupReport{Lookups: o.LookupK, Customers: o.LookupN, Shared: shared, MaxRequests: one}
		if !shared {
			lr.MaxRequests = one * o.LookupK
		}
		if shared && !sch.has("provider", "share_listings") {
			lr.Skipped = "the provider has no share_listings setting yet: every lookup lists"
			progress("lookups with a shared listing skipped: %s", lr.Skipped)
		}
		reports = append(reports, lr)
	}
	s.SeedCustomers(o.LookupN, "bench-lookup")
	for r := 1; r <= o.Runs; r++ {
		for i := range reports {
			lr := reports[(i+r)%len(reports)]
			if lr.Skipped != "" {
				continue
			}
			if err := w.removeState(); err != nil {
				return nil, err
			}
			w.env = append(append([]string{}, wenv...), fmt.Sprintf("MONRI_SHARE_LISTINGS=%v", lr.Shared))
			s.ResetCounters()
			res, err := w.run(ctx, tfArgs("apply", o.Parallelism, "-auto-approve"))
			counts, conns := s.RequestCounts(), s.Connections()
			if err != nil {
				return nil, fmt.Errorf("lookups (shared=%v), run %d: %w", lr.Shared, r, err)
			}
			if !strings.Contains(res.Output, fmt.Sprintf("found = %d", o.LookupK)) {
				return nil, fmt.Errorf("lookups (shared=%v), run %d: not every customer was found:\n%s", lr.Shared, r, tail(res.Output, 2000))
			}
			lr.Samples = append(lr.Samples, newSample(r, res, counts, conns))
			for _, m := range lr.lookupMismatches(counts) {
				lr.Mismatches = append(lr.Mismatches, fmt.Sprintf("run %d: %s", r, m))
			}
			progress("run %d/%d %d lookups over %d customers, shared=%v %7.2fs  requests %v",
				r, o.Runs, o.LookupK, o.LookupN, lr.Shared, res.Wall.Seconds(), counts)
		}
	}
	for _, lr := range reports {
		lr.summarize()
	}
	return reports, nil
}

// renderLookups is the lookups table: shared and not, side by side.
func renderLookups(ls []*lookupReport) string {
	if len(ls) == 0 {
		return ""
	}
	var b, rows, skipped strings.Builder
	fmt.Fprintf(&b, "\n%d monri_customer lookups by email over %d customers in one terraform apply (share_listings):\n", ls[0].Lookups, ls[0].Customers)
	rows.WriteString("shared\trun s\tlist requests\tpeak RSS MiB\tpCPU s\ttarget\tcheck\n")
	for _, l := range ls {
		if l.Skipped != "" {
			fmt.Fprintf(&skipped, "shared=%v: SKIPPED: %s\n", l.Shared, l.Skipped)
			continue
		}
		fmt.Fprintf(&rows, "%v\t%.2f\t%.0f\t%.1f\t%.2f\t≤ %d\t%s\n", l.Shared, l.WallSeconds, l.ListRequests, l.PeakRSSMiB,
			l.ProviderCPUSeconds, l.MaxRequests, mark(l.RequestsOK))
	}
	b.WriteString(tabulate(rows.String(), 0))
	b.WriteString(skipped.String())
	b.WriteString("target when shared: one listing, ceil(N/page) + 1 + the pages in flight\n")
	return b.String()
}
