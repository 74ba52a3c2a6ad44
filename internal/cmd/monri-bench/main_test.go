package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func TestMismatches(t *testing.T) {
	expected := map[string]int{sandbox.RouteGetCustomer: 3}
	if m := mismatches(expected, map[string]int{sandbox.RouteGetCustomer: 3}); len(m) != 0 {
		t.Fatalf("exact counts reported as mismatches: %v", m)
	}
	m := mismatches(expected, map[string]int{sandbox.RouteGetCustomer: 4, sandbox.RouteListCustomers: 1, "GET /elsewhere": 2})
	want := []string{
		"GET /v2/customers: 1 unexpected requests",
		"GET /v2/customers/{uuid}: 4 requests, want exactly 3",
		"GET /elsewhere: 2 unexpected requests",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("mismatches() = %q, want %q", m, want)
	}
	if m := mismatches(expected, nil); len(m) != 1 || !strings.Contains(m[0], "0 requests, want exactly 3") {
		t.Fatalf("missing requests not reported: %q", m)
	}
}

func TestFloor(t *testing.T) {
	got := floor(map[string]int{"a": 1000, "b": 1000}, 20*time.Millisecond, 10)
	if got != 4*time.Second {
		t.Fatalf("floor = %v, want 4s (2000 requests × 20ms / 10)", got)
	}
	if got := floor(map[string]int{"a": 1000}, 0, 10); got != 0 {
		t.Fatalf("floor without latency = %v, want 0", got)
	}
}

func TestMedian(t *testing.T) {
	id := func(x float64) float64 { return x }
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tt.in, id); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLifecycleSteps(t *testing.T) {
	names := func(steps []step) string {
		var n []string
		for _, s := range steps {
			n = append(n, s.name)
		}
		return strings.Join(n, ",")
	}
	o := options{N: 7, Steps: "create,refresh,update,destroy"}
	steps := lifecycleSteps(o)
	if got := names(steps); got != "create,refresh,update,destroy" {
		t.Fatalf("steps = %s", got)
	}
	if !reflect.DeepEqual(steps[2].expected, map[string]int{sandbox.RouteUpdateCustomer: 7}) {
		t.Fatalf("update expects %v, want exactly N POSTs", steps[2].expected)
	}
	o.ApplyRefresh = true
	if got := lifecycleSteps(o)[3].expected; !reflect.DeepEqual(got, map[string]int{sandbox.RouteDeleteCustomer: 7, sandbox.RouteGetCustomer: 7}) {
		t.Fatalf("destroy with -apply-refresh expects %v, want N DELETEs and N GETs", got)
	}
	o.Steps = "refresh"
	if got := names(lifecycleSteps(o)); got != "create,refresh,destroy" {
		t.Fatalf("-steps refresh gives %s; create and destroy must always run", got)
	}
}

func TestReadLaunches(t *testing.T) {
	dir := t.TempDir()
	if l, err := readLaunches(filepath.Join(dir, "missing")); err != nil || l != nil {
		t.Fatalf("a missing file must mean no launches, got %v, %v", l, err)
	}
	path := filepath.Join(dir, "rss.txt")
	if err := os.WriteFile(path, []byte("12 30720 1500000 250000 4000000\n13 51200 10 20 30\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := readLaunches(path)
	if err != nil {
		t.Fatal(err)
	}
	r := result{Launches: l}
	if r.peakRSSKiB() != 51200 || r.cpu() != 1750030*time.Microsecond {
		t.Fatalf("peak %d KiB, CPU %v from %+v", r.peakRSSKiB(), r.cpu(), l)
	}
	if err := os.WriteFile(path, []byte("12 x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readLaunches(path); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("a malformed line must be an error, got %v", err)
	}
}

func TestEnvFlag(t *testing.T) {
	var e envFlag
	if err := e.Set("GOGC=50"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"GOGC", "=50"} {
		if err := e.Set(bad); err == nil {
			t.Errorf("Set(%q) must fail", bad)
		}
	}
	if e.String() != "GOGC=50" {
		t.Fatalf("String() = %q", e.String())
	}
}

func TestBaseEnvDropsTerraformAndMonriSettings(t *testing.T) {
	t.Setenv("TF_LOG", "trace")
	t.Setenv("MONRI_BASE_URL", "https://example.com")
	env := strings.Join(baseEnv("/tmp/x.tfrc"), "\n")
	if strings.Contains(env, "TF_LOG=") || strings.Contains(env, "MONRI_BASE_URL=") {
		t.Fatalf("inherited TF_*/MONRI_* settings must be dropped:\n%s", env)
	}
	for _, want := range []string{"TF_CLI_CONFIG_FILE=/tmp/x.tfrc", "CHECKPOINT_DISABLE=1"} {
		if !strings.Contains(env, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestCLIConfig(t *testing.T) {
	got := cliConfig(map[string]string{"registry.terraform.io/monri-community/monri": "/tmp/a"})
	want := "provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/monri-community/monri\" = \"/tmp/a\"\n  }\n}\n"
	if got != want {
		t.Fatalf("cliConfig() =\n%s\nwant\n%s", got, want)
	}
}
