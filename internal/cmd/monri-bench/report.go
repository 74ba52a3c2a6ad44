package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// Targets (issue 7).
const (
	excessTargetLatency = 1.10 // with per-request latency
	excessTargetZero    = 1.05 // with latency 0
	rssRatioTarget      = 1.5  // provider peak RSS / baseline's
	rssLimitMiB         = 48.0
)

// Targets of the 10,000-customer listing at the default max_concurrent_pages
// (issue 13).
const (
	listingPagingTarget = 0.5  // paging time / the sequential latency floor, and / the paging time at P=1
	listingRSSLimitMiB  = 96.0 // provider peak RSS
)

type report struct {
	ID               string        `json:"id"`
	Time             string        `json:"time"`
	Commit           string        `json:"commit"`
	Dirty            bool          `json:"dirty"`
	GoVersion        string        `json:"go_version"`
	TerraformVersion string        `json:"terraform_version"`
	CPUs             int           `json:"cpus"`
	Config           reportConfig  `json:"config"`
	Steps            []*stepReport `json:"steps"`
	// Listings are the listing at max_concurrent_pages = 1 and at the
	// provider's default, in that order.
	Listings []*listingReport `json:"listings,omitempty"`
	// Lookups are K lookups by email with share_listings on, then off.
	Lookups []*lookupReport `json:"lookups,omitempty"`
	Missed  []string        `json:"missed"`
}

type reportConfig struct {
	N            int      `json:"n"`
	LatencyMS    int      `json:"latency_ms"`
	Parallelism  int      `json:"parallelism"`
	Runs         int      `json:"runs"`
	ListN        int      `json:"list_n"`
	PageSize     int      `json:"page_size"`
	ApplyRefresh bool     `json:"apply_refresh"`
	Env          []string `json:"env,omitempty"`
	ProviderEnv  []string `json:"provider_env,omitempty"`
}

// sample is one timed Terraform command.
type sample struct {
	Run                int     `json:"run"`
	WallSeconds        float64 `json:"wall_seconds"`
	PeakRSSMiB         float64 `json:"peak_rss_mib"`
	ProviderCPUSeconds float64 `json:"provider_cpu_seconds"`
	// TerraformCPUSeconds is Terraform's own CPU time (with the launchers'),
	// without the providers'.
	TerraformCPUSeconds float64        `json:"terraform_cpu_seconds"`
	ProviderStarts      int            `json:"provider_starts"`
	Requests            map[string]int `json:"requests"`
	// Connections is the number of TCP connections the sandbox accepted.
	Connections int `json:"connections"`
	// PagingSeconds is a listing's paging time, measured in the sandbox:
	// from the first listing request received to the last one answered.
	PagingSeconds float64 `json:"paging_seconds,omitempty"`
}

func newSample(run int, res result, counts map[string]int, conns int) sample {
	return sample{Run: run, WallSeconds: res.Wall.Seconds(), PeakRSSMiB: mib(res.peakRSSKiB()),
		ProviderCPUSeconds: res.cpu().Seconds(), TerraformCPUSeconds: (res.TotalCPU - res.cpu()).Seconds(),
		ProviderStarts: len(res.Launches), Requests: counts, Connections: conns}
}

// side is one provider's samples of a step and their medians.
type side struct {
	WallSeconds         float64  `json:"wall_seconds"`
	PeakRSSMiB          float64  `json:"peak_rss_mib"`
	ProviderCPUSeconds  float64  `json:"provider_cpu_seconds"`
	TerraformCPUSeconds float64  `json:"terraform_cpu_seconds"`
	Connections         float64  `json:"connections"`
	Samples             []sample `json:"samples"`
}

func (s *side) summarize() {
	s.WallSeconds = median(s.Samples, func(x sample) float64 { return x.WallSeconds })
	s.PeakRSSMiB = median(s.Samples, func(x sample) float64 { return x.PeakRSSMiB })
	s.ProviderCPUSeconds = median(s.Samples, func(x sample) float64 { return x.ProviderCPUSeconds })
	s.TerraformCPUSeconds = median(s.Samples, func(x sample) float64 { return x.TerraformCPUSeconds })
	s.Connections = median(s.Samples, func(x sample) float64 { return float64(x.Connections) })
}

type stepReport struct {
	Step         string         `json:"step"`
	Expected     map[string]int `json:"expected_requests"`
	FloorSeconds float64        `json:"latency_floor_seconds"`
	Monri        side           `json:"monri"`
	Baseline     side           `json:"baseline"`
	// Excess is (median monri − floor) / median baseline.
	Excess float64 `json:"excess"`
	// ExcessRuns is each run's excess (that run's monri and baseline
	// times), to judge the noise.
	ExcessRuns   []float64 `json:"excess_runs"`
	ExcessTarget float64   `json:"excess_target"`
	ExcessOK     bool      `json:"excess_ok"`
	RSSRatio     float64   `json:"rss_ratio"`
	RSSOK        bool      `json:"rss_ok"`
	RequestsOK   bool      `json:"requests_ok"`
	Mismatches   []string  `json:"mismatches"`
}

func (r *stepReport) summarize(o options) {
	r.Monri.summarize()
	r.Baseline.summarize()
	r.ExcessTarget = excessTargetLatency
	if o.LatencyMS == 0 {
		r.ExcessTarget = excessTargetZero
	}
	if r.Baseline.WallSeconds > 0 {
		r.Excess = (r.Monri.WallSeconds - r.FloorSeconds) / r.Baseline.WallSeconds
	}
	r.ExcessOK = r.Excess <= r.ExcessTarget
	for i := range min(len(r.Monri.Samples), len(r.Baseline.Samples)) {
		if b := r.Baseline.Samples[i].WallSeconds; b > 0 {
			r.ExcessRuns = append(r.ExcessRuns, (r.Monri.Samples[i].WallSeconds-r.FloorSeconds)/b)
		}
	}
	if r.Baseline.PeakRSSMiB > 0 {
		r.RSSRatio = r.Monri.PeakRSSMiB / r.Baseline.PeakRSSMiB
	}
	r.RSSOK = r.RSSRatio <= rssRatioTarget && r.Monri.PeakRSSMiB < rssLimitMiB
	r.RequestsOK = len(r.Mismatches) == 0
}

type listingReport struct {
	Customers int `json:"customers"`
	PageSize  int `json:"page_size"`
	// MaxConcurrentPages is the provider's max_concurrent_pages (P);
	// Default is true when it is the provider's default (not set).
	MaxConcurrentPages int  `json:"max_concurrent_pages"`
	Default            bool `json:"default"`
	// Expected is the sequential listing's exact request count,
	// ceil(N/page) + 1; MaxRequests the most a listing at P may make,
	// ceil(N/page) + P.
	Expected    map[string]int `json:"expected_requests"`
	MaxRequests int            `json:"max_requests"`
	// FloorSeconds is the sequential latency floor: ceil(N/page) + 1
	// requests × latency.
	FloorSeconds float64 `json:"latency_floor_seconds"`
	Skipped      string  `json:"skipped,omitempty"`
	side
	// PagingSeconds is the median paging time; PagingVsFloor is it over
	// FloorSeconds, PagingVsSequential over the paging time at P=1 (set at
	// the default P).
	PagingSeconds      float64  `json:"paging_seconds"`
	PagingVsFloor      float64  `json:"paging_vs_floor"`
	PagingVsSequential float64  `json:"paging_vs_sequential,omitempty"`
	RequestsOK         bool     `json:"requests_ok"`
	Mismatches         []string `json:"mismatches"`
}

func (l *listingReport) summarize() {
	l.side.summarize()
	l.PagingSeconds = median(l.Samples, func(x sample) float64 { return x.PagingSeconds })
	if l.FloorSeconds > 0 {
		l.PagingVsFloor = l.PagingSeconds / l.FloorSeconds
	}
	l.RequestsOK = len(l.Mismatches) == 0
}

// requestMismatches checks a listing's requests: only GET /v2/customers,
// exactly ceil(N/page) + 1 of them at P=1, and from that to ceil(N/page) + P
// at a larger P (up to P - 1 pages past the end may be in flight when the
// empty page arrives).
func (l *listingReport) requestMismatches(counts map[string]int) []string {
	if l.MaxConcurrentPages <= 1 {
		return mismatches(l.Expected, counts)
	}
	route := sandbox.RouteListCustomers
	others := maps.Clone(counts)
	delete(others, route)
	out := mismatches(nil, others)
	if n, least := counts[route], l.Expected[route]; n < least || n > l.MaxRequests {
		out = append(out, fmt.Sprintf("%s: %d requests, want %d to %d", route, n, least, l.MaxRequests))
	}
	return out
}

// targetsMissed lists the listing targets a listing at the default P misses.
func (l *listingReport) targetsMissed() []string {
	if !l.Default || l.Skipped != "" {
		return nil
	}
	var out []string
	if l.PagingVsFloor > listingPagingTarget {
		out = append(out, fmt.Sprintf("listing at P=%d: paging %.2f s is %.2f× the sequential latency floor %.2f s; target ≤ %.2f×",
			l.MaxConcurrentPages, l.PagingSeconds, l.PagingVsFloor, l.FloorSeconds, listingPagingTarget))
	}
	if l.PagingVsSequential > listingPagingTarget {
		out = append(out, fmt.Sprintf("listing at P=%d: paging is %.2f× the paging at P=1; target ≤ %.2f×",
			l.MaxConcurrentPages, l.PagingVsSequential, listingPagingTarget))
	}
	if l.PeakRSSMiB > listingRSSLimitMiB {
		out = append(out, fmt.Sprintf("listing at P=%d: provider peak RSS %.1f MiB; target ≤ %.0f MiB", l.MaxConcurrentPages, l.PeakRSSMiB, listingRSSLimitMiB))
	}
	return out
}

func newReport(o options) *report {
	var id [3]byte
	_, _ = rand.Read(id[:])
	return &report{
		ID:        hex.EncodeToString(id[:]),
		Time:      time.Now().UTC().Format(time.RFC3339),
		GoVersion: runtime.Version(),
		CPUs:      runtime.NumCPU(),
		Config: reportConfig{N: o.N, LatencyMS: o.LatencyMS, Parallelism: o.Parallelism, Runs: o.Runs,
			ListN: o.ListN, PageSize: pageSize, ApplyRefresh: o.ApplyRefresh, Env: o.Env, ProviderEnv: o.ProviderEnv},
		Missed: []string{},
	}
}

func median[T any](xs []T, f func(T) float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func mark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISS"
}

// collectMissed lists every target the results miss in rep.Missed.
func collectMissed(rep *report) {
	rep.Missed = []string{}
	for _, s := range rep.Steps {
		if !s.ExcessOK {
			rep.Missed = append(rep.Missed, fmt.Sprintf("%s: excess %.3f > %.2f", s.Step, s.Excess, s.ExcessTarget))
		}
		if !s.RSSOK {
			rep.Missed = append(rep.Missed, fmt.Sprintf("%s: provider peak RSS %.1f MiB (%.2f× the baseline's %.1f MiB); target ≤ %.1f× and < %.0f MiB",
				s.Step, s.Monri.PeakRSSMiB, s.RSSRatio, s.Baseline.PeakRSSMiB, rssRatioTarget, rssLimitMiB))
		}
		for _, m := range s.Mismatches {
			rep.Missed = append(rep.Missed, s.Step+": "+m)
		}
	}
	for _, l := range rep.Listings {
		for _, m := range l.Mismatches {
			rep.Missed = append(rep.Missed, fmt.Sprintf("listing at P=%d: %s", l.MaxConcurrentPages, m))
		}
		rep.Missed = append(rep.Missed, l.targetsMissed()...)
	}
	for _, l := range rep.Lookups {
		for _, m := range l.Mismatches {
			rep.Missed = append(rep.Missed, fmt.Sprintf("lookups (shared=%v): %s", l.Shared, m))
		}
	}
}

// tabulate aligns tab-separated rows.
func tabulate(rows string, flags uint) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', flags)
	if _, err := tw.Write([]byte(rows)); err != nil {
		return rows
	}
	if err := tw.Flush(); err != nil {
		return rows
	}
	return b.String()
}

// renderTable is the human-readable report (rep.Missed must be collected).
func renderTable(rep *report) string {
	var b strings.Builder
	c := rep.Config
	commit := rep.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if rep.Dirty {
		commit += " (uncommitted changes)"
	}
	fmt.Fprintf(&b, "\nmonri-bench  N=%d  latency=%dms  parallelism=%d  runs=%d (medians)  commit %s  terraform %s  %s  %d CPUs\n",
		c.N, c.LatencyMS, c.Parallelism, c.Runs, commit, rep.TerraformVersion, rep.GoVersion, rep.CPUs)
	if len(c.Env) > 0 {
		fmt.Fprintf(&b, "extra environment: %s\n", strings.Join(c.Env, " "))
	}
	if len(c.ProviderEnv) > 0 {
		fmt.Fprintf(&b, "extra provider environment: %s\n", strings.Join(c.ProviderEnv, " "))
	}
	if !c.ApplyRefresh {
		b.WriteString("update and destroy run with -refresh=false (the refresh step measures reading)\n")
	}
	b.WriteString("wall times, peak RSS and CPU are medians; floor = requests × latency / parallelism; excess = (monri − floor) / baseline;\n" +
		"runs = the lowest and highest excess of single runs (monri and baseline of the same run), to judge the noise;\n" +
		"pCPU = CPU of the provider processes, tfCPU = Terraform's own; conns = TCP connections the provider opened to the sandbox\n\n")

	var rows strings.Builder
	rows.WriteString("step\tmonri s\tbaseline s\tfloor s\texcess\truns\ttarget\t\tRSS monri MiB\tRSS base MiB\tratio\t\tpCPU monri s\tpCPU base s\ttfCPU monri s\ttfCPU base s\tconns\t\n")
	for _, s := range rep.Steps {
		fmt.Fprintf(&rows, "%s\t%.2f\t%.2f\t%.2f\t%.3f\t%s\t≤%.2f\t%s\t%.1f\t%.1f\t%.2f\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t\n",
			s.Step, s.Monri.WallSeconds, s.Baseline.WallSeconds, s.FloorSeconds, s.Excess, spread(s.ExcessRuns), s.ExcessTarget, mark(s.ExcessOK),
			s.Monri.PeakRSSMiB, s.Baseline.PeakRSSMiB, s.RSSRatio, mark(s.RSSOK), s.Monri.ProviderCPUSeconds, s.Baseline.ProviderCPUSeconds,
			s.Monri.TerraformCPUSeconds, s.Baseline.TerraformCPUSeconds, s.Monri.Connections)
	}
	b.WriteString(tabulate(rows.String(), tabwriter.AlignRight))

	rows.Reset()
	rows.WriteString("step\trequests (monri; per run when they differ)\ttarget (exact)\tcheck\n")
	for _, s := range rep.Steps {
		fmt.Fprintf(&rows, "%s\t%s\t%s\t%s\n", s.Step, runCounts(s.Monri.Samples), formatCounts(s.Expected), mark(s.RequestsOK))
	}
	b.WriteString("\n" + tabulate(rows.String(), 0))

	b.WriteString(renderListings(rep.Listings, c.LatencyMS))
	b.WriteString(renderLookups(rep.Lookups))

	if len(rep.Missed) == 0 {
		b.WriteString("\nall targets met\n")
		return b.String()
	}
	b.WriteString("\ntargets missed:\n")
	for _, m := range rep.Missed {
		b.WriteString("  - " + m + "\n")
	}
	return b.String()
}

// renderListings is the listing table: P=1 and the default P side by side.
func renderListings(ls []*listingReport, latencyMS int) string {
	if len(ls) == 0 {
		return ""
	}
	var b strings.Builder
	l0 := ls[0]
	fmt.Fprintf(&b, "\nlisting %d customers with data.monri_customers (page size %d; sequential latency floor %d requests × %d ms = %.2f s):\n",
		l0.Customers, l0.PageSize, l0.Expected[sandbox.RouteListCustomers], latencyMS, l0.FloorSeconds)
	b.WriteString("paging = first listing request received to last answered, in the sandbox; run = the whole terraform apply (Terraform's handling of the objects included)\n")
	var rows, skipped strings.Builder
	rows.WriteString("P\tpaging s\t/floor\t/P=1\trun s\tpeak RSS MiB\tpCPU s\ttfCPU s\tconns\trequests (per run when they differ)\ttarget\tcheck\n")
	for _, l := range ls {
		p := strconv.Itoa(l.MaxConcurrentPages)
		if l.Default {
			p += " (default)"
		}
		if l.Skipped != "" {
			fmt.Fprintf(&skipped, "P=%s: SKIPPED: %s\n", p, l.Skipped)
			continue
		}
		vsSeq, target := "-", fmt.Sprintf("exactly %d", l.Expected[sandbox.RouteListCustomers])
		if l.PagingVsSequential > 0 {
			vsSeq = fmt.Sprintf("%.2f", l.PagingVsSequential)
		}
		if l.MaxConcurrentPages > 1 {
			target = fmt.Sprintf("%d to %d", l.Expected[sandbox.RouteListCustomers], l.MaxRequests)
		}
		fmt.Fprintf(&rows, "%s\t%.2f\t%.2f\t%s\t%.2f\t%.1f\t%.2f\t%.2f\t%.0f\t%s\t%s\t%s\n",
			p, l.PagingSeconds, l.PagingVsFloor, vsSeq, l.WallSeconds, l.PeakRSSMiB, l.ProviderCPUSeconds, l.TerraformCPUSeconds,
			l.Connections, runCounts(l.Samples), target, mark(l.RequestsOK))
	}
	b.WriteString(tabulate(rows.String(), 0))
	b.WriteString(skipped.String())
	fmt.Fprintf(&b, "targets at the default P: paging ≤ %.2f× the floor and ≤ %.2f× P=1's, requests ≤ ceil(N/page) + P, provider peak RSS ≤ %.0f MiB\n",
		listingPagingTarget, listingPagingTarget, listingRSSLimitMiB)
	return b.String()
}

// runCounts shows the request counts of each run, or one set when all runs
// made the same requests.
func runCounts(samples []sample) string {
	var parts []string
	for _, s := range samples {
		f := formatCounts(s.Requests)
		if len(parts) == 0 || parts[len(parts)-1] != f {
			parts = append(parts, f)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts, " | ")
}

// spread shows the lowest and highest of xs.
func spread(xs []float64) string {
	if len(xs) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f–%.2f", slices.Min(xs), slices.Max(xs))
}
