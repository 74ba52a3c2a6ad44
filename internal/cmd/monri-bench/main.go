// Command monri-bench is `make bench`: it measures what the Monri provider
// adds on top of Terraform itself, and how many API requests it makes.
//
// It builds the provider and a no-op baseline provider that serves the
// identical monri_customer schema but keeps everything in state (package
// benchprovider), installs both for Terraform with dev_overrides (no registry,
// no terraform init), starts the Monri sandbox in-process with an injected
// per-request latency, and for N customers runs, against both providers:
//
//	create   terraform apply -auto-approve
//	refresh  terraform plan -detailed-exitcode (must find no changes)
//	update   terraform apply -auto-approve -refresh=false, the name of every customer changed
//	destroy  terraform destroy -auto-approve -refresh=false
//
// Update and destroy skip the refresh by default so that each step measures
// one kind of request (the refresh step measures reading); -apply-refresh runs
// them as a plain apply/destroy does. It then lists -list-n customers with the
// monri_customers data source (terraform apply of a configuration with only
// the data source), side by side in each run: with max_concurrent_pages = 1
// (MONRI_MAX_CONCURRENT_PAGES=1) and at the provider's default. For each it
// reports the paging time, measured in the sandbox from the first listing
// request received to the last one answered, against the sequential latency
// floor ((ceil(N/page) + 1) × latency) and against P=1's; the whole run's
// time (Terraform's own handling of the objects included); the requests,
// exactly ceil(N/page) + 1 at P=1 and at most ceil(N/page) + P otherwise; and
// the provider's peak RSS. A listing the provider cannot do yet (no such data
// source or setting) is skipped with a message.
//
// For each step it reports the wall time of both providers, the latency floor
// (requests × latency / parallelism), the excess (monri − floor) / baseline,
// the sandbox's request counts by route against the exact targets, and the
// peak RSS and CPU time of the provider processes. Every measurement is
// repeated -runs times and the median is reported, as a table on stdout and as
// JSON in -out, so that two commits can be compared.
//
// -cpuprofile DIR builds both providers with -tags benchprofile (see
// internal/protoserver) and keeps a CPU profile of every provider process in
// DIR/r<run>-<step>-<provider>/, to find what the provider spends beyond the
// baseline:
//
//	go tool pprof -proto DIR/r1-update-baseline/*.pprof > base.pb.gz
//	go tool pprof -top -diff_base base.pb.gz DIR/r1-update-monri/*.pprof
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/benchprovider"
	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

const (
	monriAddress = "registry.terraform.io/monri-community/monri"
	pageSize     = 100 // the sandbox's MaxPageSize, as Monri's
)

type options struct {
	N            int
	LatencyMS    int
	Parallelism  int
	Runs         int
	ListN        int
	LookupK      int
	LookupN      int
	Out          string
	Terraform    string
	Repo         string
	ApplyRefresh bool
	Keep         bool
	Env          envFlag
	ProviderEnv  envFlag
	Steps        string
	CPUProfile   string
}

// envFlag collects -env KEY=VALUE flags.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, " ") }

func (e *envFlag) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	if isLauncher() {
		os.Exit(runLauncher())
	}
	var o options
	flag.IntVar(&o.N, "n", 1000, "number of customers (monri_customer resources)")
	flag.IntVar(&o.LatencyMS, "latency-ms", 20, "latency the sandbox adds to every API request, in milliseconds")
	flag.IntVar(&o.Parallelism, "parallelism", 10, "terraform -parallelism")
	flag.IntVar(&o.Runs, "runs", 3, "how many times each measurement is repeated (the median is reported)")
	flag.IntVar(&o.ListN, "list-n", 10000, "customers listed with the monri_customers data source (0 skips the listing)")
	flag.IntVar(&o.LookupK, "lookup-k", 10, "monri_customer lookups by email measured with share_listings on and off (0 skips them)")
	flag.IntVar(&o.LookupN, "lookup-n", 2000, "customers the lookups look among")
	flag.StringVar(&o.Out, "out", "bench-results.json", "where the JSON results are written")
	flag.StringVar(&o.Terraform, "terraform", "terraform", "the terraform executable")
	flag.StringVar(&o.Repo, "repo", ".", "the provider's module root (built with go build)")
	flag.BoolVar(&o.ApplyRefresh, "apply-refresh", false, "refresh during update and destroy too (as a plain apply/destroy does); the targets then include N GETs in those steps")
	flag.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (binaries, working directories, state) for inspection")
	flag.Var(&o.Env, "env", "extra environment for Terraform and both providers, KEY=VALUE (repeatable), for experiments such as -env GOGC=50; applied after the benchmark clears TF_* and MONRI_*")
	flag.Var(&o.ProviderEnv, "provider-env", "extra environment for both provider processes only (not Terraform), KEY=VALUE (repeatable), e.g. -provider-env GOGC=50")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "build both providers with -tags benchprofile and write a CPU profile of every provider process under this directory, one subdirectory per run, step and provider (go tool pprof -top DIR/r1-create-monri/*.pprof)")
	flag.StringVar(&o.Steps, "steps", "create,refresh,update,destroy", "the lifecycle steps to measure; create and destroy always run (they set up and clean up), refresh and update can be left out")
	flag.Parse()
	for _, name := range strings.Split(o.Steps, ",") {
		switch strings.TrimSpace(name) {
		case "create", "refresh", "update", "destroy":
		default:
			fmt.Fprintf(os.Stderr, "monri-bench: -steps: unknown step %q (create, refresh, update, destroy)\n", name)
			os.Exit(2)
		}
	}
	if o.N < 1 || o.Runs < 1 || o.Parallelism < 1 || o.LatencyMS < 0 || o.ListN < 0 || o.LookupK < 0 || o.LookupN < o.LookupK {
		fmt.Fprintln(os.Stderr, "monri-bench: -n, -runs and -parallelism must be at least 1; -latency-ms, -list-n and -lookup-k at least 0; -lookup-n at least -lookup-k")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "monri-bench:", err)
		os.Exit(1)
	}
	collectMissed(rep)
	fmt.Print(renderTable(rep))
	data, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(o.Out, append(data, '\n'), 0o644) //nolint:gosec // results are not secret
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "monri-bench: writing results:", err)
		os.Exit(1)
	}
	fmt.Printf("\nJSON results written to %s\n", o.Out)
}

// step is one measured Terraform command.
type step struct {
	name     string
	expected map[string]int // exact request counts by route
}

func lifecycleSteps(o options) []step {
	read := func(m map[string]int) map[string]int {
		if o.ApplyRefresh {
			m[sandbox.RouteGetCustomer] = o.N
		}
		return m
	}
	all := []step{
		{"create", map[string]int{sandbox.RouteCreateCustomer: o.N}},
		{"refresh", map[string]int{sandbox.RouteGetCustomer: o.N}},
		{"update", read(map[string]int{sandbox.RouteUpdateCustomer: o.N})},
		{"destroy", read(map[string]int{sandbox.RouteDeleteCustomer: o.N})},
	}
	want := map[string]bool{"create": true, "destroy": true}
	for _, name := range strings.Split(o.Steps, ",") {
		want[strings.TrimSpace(name)] = true
	}
	var out []step
	for _, st := range all {
		if want[st.name] {
			out = append(out, st)
		}
	}
	return out
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) (*report, error) {
	tmp, err := os.MkdirTemp("", "monri-bench-")
	if err != nil {
		return nil, err
	}
	if o.Keep {
		progress("keeping %s", tmp)
	} else {
		defer func() { _ = os.RemoveAll(tmp) }()
	}
	latency := time.Duration(o.LatencyMS) * time.Millisecond

	rep := newReport(o)
	rep.Commit, rep.Dirty = gitCommit(ctx, o.Repo)
	if rep.TerraformVersion, err = terraformVersion(ctx, o.Terraform); err != nil {
		return nil, err
	}

	// Build both providers, and put a launcher copy of this program where
	// Terraform looks for each of them.
	progress("building the provider and the no-op baseline provider")
	bin := filepath.Join(tmp, "bin")
	realBin := filepath.Join(bin, "terraform-provider-monri")
	noopBin := filepath.Join(bin, "terraform-provider-monrinoop")
	var tags []string
	if o.CPUProfile != "" {
		tags = []string{"-tags", "benchprofile"}
	}
	if err := goBuild(ctx, o.Repo, realBin, ".", tags...); err != nil {
		return nil, err
	}
	if err := goBuild(ctx, o.Repo, noopBin, "./internal/cmd/monri-noop-provider", tags...); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	overrides := map[string]string{
		monriAddress:          filepath.Join(tmp, "launch", "monri"),
		benchprovider.Address: filepath.Join(tmp, "launch", "monrinoop"),
	}
	for addr, dir := range overrides {
		if err := copyExecutable(self, filepath.Join(dir, "terraform-provider-"+addr[strings.LastIndex(addr, "/")+1:])); err != nil {
			return nil, err
		}
	}
	cliPath := filepath.Join(tmp, "terraform.tfrc")
	if err := os.WriteFile(cliPath, []byte(cliConfig(overrides)), 0o600); err != nil {
		return nil, err
	}
	env := append(baseEnv(cliPath), o.Env...)
	if len(o.ProviderEnv) > 0 {
		env = append(env, envProviderEnv+"="+strings.Join(o.ProviderEnv, "\n"))
	}

	s, err := startSandbox(ctx, sandbox.Options{Latency: latency, Variants: sandbox.Variants{MaxPageSize: pageSize}})
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	token, key := s.Credentials()
	monriEnv := append(append([]string{}, env...),
		"MONRI_BASE_URL="+s.URL(), "MONRI_AUTHENTICITY_TOKEN="+token, "MONRI_MERCHANT_KEY="+key)

	newWS := func(name, source, target string, env []string) (*workspace, error) {
		dir := filepath.Join(tmp, "work", name)
		return &workspace{name: name, dir: dir, source: source, target: target, env: env, tf: o.Terraform, tmp: tmp},
			os.MkdirAll(dir, 0o750)
	}
	monriWS, err := newWS("monri", "monri-community/monri", realBin, monriEnv)
	if err != nil {
		return nil, err
	}
	baseWS, err := newWS("baseline", "monri-community/monrinoop", noopBin, env)
	if err != nil {
		return nil, err
	}

	steps := lifecycleSteps(o)
	for _, st := range steps {
		rep.Steps = append(rep.Steps, &stepReport{Step: st.name, Expected: st.expected,
			FloorSeconds: floor(st.expected, latency, o.Parallelism).Seconds()})
	}
	for r := 1; r <= o.Runs; r++ {
		tag := fmt.Sprintf("%s-r%d", rep.ID, r)
		// Alternate which provider goes first, so that neither always runs
		// on a machine warmed up (or slowed down) by the other.
		order := []*workspace{monriWS, baseWS}
		if r%2 == 0 {
			order = []*workspace{baseWS, monriWS}
		}
		for _, w := range order {
			if err := w.removeState(); err != nil {
				return nil, err
			}
		}
		for i, st := range steps {
			for _, w := range order {
				if err := prepare(w, st.name, o.N, tag); err != nil {
					return nil, err
				}
				if o.CPUProfile != "" {
					w.profileDir = filepath.Join(o.CPUProfile, fmt.Sprintf("r%d-%s-%s", r, st.name, w.name))
					if err := os.MkdirAll(w.profileDir, 0o750); err != nil {
						return nil, err
					}
				}
				s.ResetCounters()
				res, err := w.run(ctx, stepArgs(st.name, o))
				counts, conns := s.RequestCounts(), s.Connections()
				if err != nil && st.name == "refresh" && res.ExitCode == 2 {
					err = fmt.Errorf("%s: the refresh plan is not empty (terraform plan -detailed-exitcode exited with 2):\n%s", w.name, tail(res.Output, 4000))
				}
				if err != nil {
					return nil, fmt.Errorf("run %d, %s: %w", r, st.name, err)
				}
				sr := rep.Steps[i]
				smp := newSample(r, res, counts, conns)
				if w == monriWS {
					sr.Monri.Samples = append(sr.Monri.Samples, smp)
					for _, m := range mismatches(st.expected, counts) {
						sr.Mismatches = append(sr.Mismatches, fmt.Sprintf("run %d: %s", r, m))
					}
					if err := verify(s, st.name, o.N, tag); err != nil {
						return nil, fmt.Errorf("run %d, %s: %w", r, st.name, err)
					}
				} else {
					sr.Baseline.Samples = append(sr.Baseline.Samples, smp)
					if len(counts) > 0 {
						sr.Mismatches = append(sr.Mismatches, fmt.Sprintf("run %d: the baseline made API requests: %v", r, counts))
					}
				}
				progress("run %d/%d %-8s %-8s %7.2fs  peak RSS %5.1f MiB  CPU provider %6.2fs terraform %6.2fs  requests %v  connections %d",
					r, o.Runs, st.name, w.name, res.Wall.Seconds(), smp.PeakRSSMiB, smp.ProviderCPUSeconds, smp.TerraformCPUSeconds, counts, conns)
			}
		}
	}
	for _, sr := range rep.Steps {
		sr.summarize(o)
	}

	if o.ListN > 0 {
		rep.Listings, err = runListing(ctx, o, env, realBin, tmp)
		if err != nil {
			return nil, err
		}
	}
	if o.LookupK > 0 {
		if rep.Lookups, err = runLookups(ctx, o, env, realBin, tmp); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// prepare writes the configuration a step applies.
func prepare(w *workspace, stepName string, n int, tag string) error {
	switch stepName {
	case "create":
		return w.writeConfig(n, tag, false)
	case "update":
		return w.writeConfig(n, tag, true)
	}
	return nil
}

func stepArgs(name string, o options) []string {
	refresh := "-refresh=" + strconv.FormatBool(o.ApplyRefresh)
	switch name {
	case "create":
		return tfArgs("apply", o.Parallelism, "-auto-approve")
	case "refresh":
		return tfArgs("plan", o.Parallelism, "-detailed-exitcode")
	case "update":
		return tfArgs("apply", o.Parallelism, "-auto-approve", refresh)
	default:
		return tfArgs("destroy", o.Parallelism, "-auto-approve", refresh)
	}
}

// verify checks on the sandbox that a step of the real provider did its work.
func verify(s *benchSandbox, stepName string, n int, tag string) error {
	prefix := "bench-" + tag + "-"
	live, updated := 0, 0
	for _, c := range s.Customers() {
		if c.Deleted || c.MerchantCustomerID == nil || !strings.HasPrefix(*c.MerchantCustomerID, prefix) {
			continue
		}
		live++
		if c.Name != nil && strings.HasSuffix(*c.Name, " (updated)") {
			updated++
		}
	}
	want, wantUpdated := n, 0
	switch stepName {
	case "update":
		wantUpdated = n
	case "destroy":
		want = 0
	}
	if live != want || updated != wantUpdated {
		return fmt.Errorf("after %s the sandbox has %d live customers of this run (%d updated); want %d (%d updated)",
			stepName, live, updated, want, wantUpdated)
	}
	return nil
}

// floor is the time the requests take at best: each costs latency, and
// Terraform runs parallelism of them at once.
func floor(expected map[string]int, latency time.Duration, parallelism int) time.Duration {
	total := 0
	for _, n := range expected {
		total += n
	}
	return time.Duration(total) * latency / time.Duration(parallelism)
}

// mismatches compares request counts with the exact targets, in route order.
func mismatches(expected, got map[string]int) []string {
	var out []string
	for _, route := range sandbox.Routes() {
		want, ok := expected[route]
		switch {
		case ok && got[route] != want:
			out = append(out, fmt.Sprintf("%s: %d requests, want exactly %d", route, got[route], want))
		case !ok && got[route] > 0:
			out = append(out, fmt.Sprintf("%s: %d unexpected requests", route, got[route]))
		}
	}
	known := sandbox.Routes()
	for _, route := range slices.Sorted(maps.Keys(got)) {
		if !slices.Contains(known, route) && got[route] > 0 {
			out = append(out, fmt.Sprintf("%s: %d unexpected requests", route, got[route]))
		}
	}
	return out
}

var countOutput = regexp.MustCompile(`(?m)^count = (\d+)$`)

// runListing lists o.ListN seeded customers with the monri_customers data
// source, on a sandbox of its own with the same latency: with
// max_concurrent_pages = 1 (MONRI_MAX_CONCURRENT_PAGES=1) and at the
// provider's default, alternating which goes first from run to run. The
// sequential listing is skipped when the provider has no such setting.
func runListing(ctx context.Context, o options, env []string, realBin, tmp string) ([]*listingReport, error) {
	pages := (o.ListN + pageSize - 1) / pageSize
	latency := time.Duration(o.LatencyMS) * time.Millisecond
	s, w, err := startMonriWorkspace(ctx, o, env, realBin, tmp, "listing")
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	wenv := w.env
	if err := w.writeListConfig(); err != nil {
		return nil, err
	}
	sch, err := providerSchema(ctx, w)
	if err != nil {
		return nil, err
	}
	var reports []*listingReport
	for _, p := range []int{1, monri.DefaultMaxConcurrentPages} {
		lr := &listingReport{Customers: o.ListN, PageSize: pageSize, MaxConcurrentPages: p, Default: p == monri.DefaultMaxConcurrentPages,
			Expected: map[string]int{sandbox.RouteListCustomers: pages + 1}, MaxRequests: pages + p}
		lr.FloorSeconds = (time.Duration(pages+1) * latency).Seconds()
		switch {
		case !sch.has("data_source", "monri_customers"):
			lr.Skipped = "the provider has no monri_customers data source yet (internal/provider/customers_data_source.go); listing not measured"
		case !lr.Default && !sch.has("provider", "max_concurrent_pages"):
			lr.Skipped = "the provider has no max_concurrent_pages setting yet; the sequential listing is not measured"
		}
		if lr.Skipped != "" {
			progress("listing at P=%d skipped: %s", p, lr.Skipped)
		}
		reports = append(reports, lr)
	}
	s.SeedCustomers(o.ListN, "bench-list")
	for r := 1; r <= o.Runs; r++ {
		order := slices.Clone(reports)
		if r%2 == 0 {
			slices.Reverse(order)
		}
		for _, lr := range order {
			if lr.Skipped != "" {
				continue
			}
			if err := w.removeState(); err != nil {
				return nil, err
			}
			w.env = wenv
			if !lr.Default {
				w.env = append(slices.Clone(wenv), "MONRI_MAX_CONCURRENT_PAGES="+strconv.Itoa(lr.MaxConcurrentPages))
			}
			s.ResetCounters()
			res, err := w.run(ctx, tfArgs("apply", o.Parallelism, "-auto-approve"))
			counts, conns, paging := s.RequestCounts(), s.Connections(), s.PagingTime()
			if err != nil {
				return nil, fmt.Errorf("listing at P=%d, run %d: %w", lr.MaxConcurrentPages, r, err)
			}
			m := countOutput.FindStringSubmatch(res.Output)
			if m == nil || m[1] != strconv.Itoa(o.ListN) {
				got := "no count output"
				if m != nil {
					got = m[1] + " customers"
				}
				return nil, fmt.Errorf("listing at P=%d, run %d: the data source returned %s, want %d:\n%s", lr.MaxConcurrentPages, r, got, o.ListN, tail(res.Output, 2000))
			}
			smp := newSample(r, res, counts, conns)
			smp.PagingSeconds = paging.Seconds()
			lr.Samples = append(lr.Samples, smp)
			for _, mm := range lr.requestMismatches(counts) {
				lr.Mismatches = append(lr.Mismatches, fmt.Sprintf("run %d: %s", r, mm))
			}
			progress("run %d/%d listing %d customers at P=%d %7.2fs  paging %5.2fs  peak RSS %5.1f MiB  requests %v",
				r, o.Runs, o.ListN, lr.MaxConcurrentPages, res.Wall.Seconds(), paging.Seconds(), mib(res.peakRSSKiB()), counts)
		}
	}
	for _, lr := range reports {
		lr.summarize()
	}
	if len(reports) == 2 && reports[0].Skipped == "" && reports[1].PagingSeconds > 0 {
		reports[1].PagingVsSequential = reports[1].PagingSeconds / reports[0].PagingSeconds
	}
	return reports, nil
}

// schemaNames is what the benchmark needs of the provider's schema: the
// names of its data sources and of its provider arguments.
type schemaNames map[string]map[string]bool

func (s schemaNames) has(kind, name string) bool { return s[kind][name] }

// providerSchema asks Terraform for the provider's schema.
func providerSchema(ctx context.Context, w *workspace) (schemaNames, error) {
	res, err := w.run(ctx, []string{"providers", "schema", "-json"})
	if err != nil {
		return nil, err
	}
	var schema struct {
		ProviderSchemas map[string]struct {
			Provider struct {
				Block struct {
					Attributes map[string]json.RawMessage `json:"attributes"`
				} `json:"block"`
			} `json:"provider"`
			DataSourceSchemas map[string]json.RawMessage `json:"data_source_schemas"`
		} `json:"provider_schemas"`
	}
	out := res.Output
	if i := strings.Index(out, "{"); i > 0 {
		out = out[i:] // drop the dev_overrides warning, if any
	}
	if err := json.Unmarshal([]byte(out), &schema); err != nil {
		return nil, fmt.Errorf("reading terraform providers schema -json: %w", err)
	}
	ps := schema.ProviderSchemas[monriAddress]
	names := schemaNames{"provider": {}, "data_source": {}}
	for name := range ps.Provider.Block.Attributes {
		names["provider"][name] = true
	}
	for name := range ps.DataSourceSchemas {
		names["data_source"][name] = true
	}
	return names, nil
}

func goBuild(ctx context.Context, repo, out, pkg string, flags ...string) error {
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...) //nolint:gosec // our own build of the repository's packages
	cmd.Dir = repo
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

func copyExecutable(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	in, err := os.Open(src) //nolint:gosec // this program's own executable
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755) //nolint:gosec // an executable
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

func terraformVersion(ctx context.Context, tf string) (string, error) {
	out, err := exec.CommandContext(ctx, tf, "version", "-json").Output() //nolint:gosec // the terraform the user chose with -terraform
	if err != nil {
		return "", fmt.Errorf("running %s version: %w (install Terraform or pass -terraform)", tf, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", errors.New("cannot read terraform version -json")
	}
	return v.Version, nil
}

func gitCommit(ctx context.Context, repo string) (commit string, dirty bool) {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "rev-parse", "HEAD").Output() //nolint:gosec // the -repo directory
	if err != nil {
		return "unknown", false
	}
	st, _ := exec.CommandContext(ctx, "git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output() //nolint:gosec // the -repo directory
	return strings.TrimSpace(string(out)), len(strings.TrimSpace(string(st))) > 0
}

func mib(kib int64) float64 { return float64(kib) / 1024 }
