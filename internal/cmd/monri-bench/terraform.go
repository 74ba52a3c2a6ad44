package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// workspace is one Terraform working directory served by one provider.
type workspace struct {
	name   string // "monri" or "baseline"
	dir    string
	source string // provider source for required_providers
	target string // the real provider executable the launcher starts
	env    []string
	tf     string // terraform executable
	tmp    string // where per-command rusage files go
	seq    int
	// profileDir, when set, is where the provider processes of the next
	// command write their CPU profiles (-cpuprofile).
	profileDir string
}

// result is one timed Terraform command.
type result struct {
	Wall time.Duration
	// TotalCPU is the CPU time of terraform and every process it waited
	// for (the launchers and the providers).
	TotalCPU time.Duration
	Launches []launch
	Output   string
	ExitCode int
}

// peakRSSKiB is the largest peak RSS among the provider processes.
func (r result) peakRSSKiB() int64 {
	var m int64
	for _, l := range r.Launches {
		m = max(m, l.MaxRSSKiB)
	}
	return m
}

// cpu is the CPU time (user + system) of all provider processes.
func (r result) cpu() time.Duration {
	var us int64
	for _, l := range r.Launches {
		us += l.UserMicros + l.SysMicros
	}
	return time.Duration(us) * time.Microsecond
}

// run runs terraform with args in the workspace and times it; an exit code
// other than 0 is a failure.
func (w *workspace) run(ctx context.Context, args []string) (result, error) {
	w.seq++
	rss := filepath.Join(w.tmp, fmt.Sprintf("rss-%s-%04d.txt", w.name, w.seq))
	cmd := exec.CommandContext(ctx, w.tf, args...) //nolint:gosec // the terraform the user chose with -terraform, with our arguments
	// On Ctrl-C, interrupt Terraform so that it stops its providers, rather
	// than killing it and leaving them behind.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	cmd.Dir = w.dir
	cmd.Env = append(append([]string{}, w.env...), envLaunchTarget+"="+w.target, envRSSFile+"="+rss)
	if w.profileDir != "" {
		cmd.Env = append(cmd.Env, envCPUProfileDir+"="+w.profileDir)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	res := result{Wall: time.Since(start), Output: out.String()}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
		res.TotalCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	launches, lerr := readLaunches(rss)
	res.Launches = launches
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return res, fmt.Errorf("%s: terraform %s: %w", w.name, strings.Join(args, " "), err)
	}
	if res.ExitCode != 0 {
		return res, fmt.Errorf("%s: terraform %s exited with %d:\n%s", w.name, strings.Join(args, " "), res.ExitCode, tail(res.Output, 4000))
	}
	if lerr != nil {
		return res, lerr
	}
	if len(launches) == 0 {
		return res, fmt.Errorf("%s: terraform %s started no provider process through the launcher (is the dev_overrides configuration in effect?)", w.name, strings.Join(args, " "))
	}
	return res, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// writeConfig writes the customers configuration: count = n customers with a
// merchant_customer_id, a name, an email and two metadata keys. updated
// changes the name of every customer (the update step).
func (w *workspace) writeConfig(n int, runTag string, updated bool) error {
	suffix := ""
	if updated {
		suffix = " (updated)"
	}
	cfg := fmt.Sprintf(`terraform {
  required_providers {
    monri = {
      source = %q
    }
  }
}

resource "monri_customer" "bench" {
  count                = %d
  merchant_customer_id = "bench-%s-${count.index}"
  name                 = "Bench Customer ${count.index}%s"
  email                = "bench-${count.index}@example.com"
  metadata = {
    bench = %q
    index = tostring(count.index)
  }
}
`, w.source, n, runTag, suffix, runTag)
	return os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(cfg), 0o600)
}

// writeListConfig writes a configuration that lists every customer with the
// monri_customers data source.
func (w *workspace) writeListConfig() error {
	cfg := fmt.Sprintf(`terraform {
  required_providers {
    monri = {
      source = %q
    }
  }
}

data "monri_customers" "all" {}

output "count" {
  value = length(data.monri_customers.all.customers)
}
`, w.source)
	return os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(cfg), 0o600)
}

// removeState deletes the workspace's state files.
func (w *workspace) removeState() error {
	for _, f := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
		if err := os.Remove(filepath.Join(w.dir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// common flags of every timed command.
func tfArgs(cmd string, parallelism int, extra ...string) []string {
	args := []string{cmd, "-input=false", "-no-color", "-parallelism=" + strconv.Itoa(parallelism)}
	return append(args, extra...)
}

// cliConfig is the Terraform CLI configuration: both providers are installed
// with dev_overrides (no registry, no terraform init) and nothing else can be
// installed.
func cliConfig(overrides map[string]string) string {
	var b strings.Builder
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for addr, dir := range overrides {
		fmt.Fprintf(&b, "    %q = %q\n", addr, dir)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// baseEnv is the environment of every Terraform command: the caller's, minus
// anything that would change Terraform's or the provider's behaviour (TF_*,
// MONRI_*), plus the CLI configuration and no checkpoint (network) calls.
func baseEnv(cliConfigPath string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "MONRI_") || strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"TF_CLI_CONFIG_FILE="+cliConfigPath,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
	)
}
