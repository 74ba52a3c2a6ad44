// Package clitest tells tests which Terraform-compatible CLI they run
// (Terraform or OpenTofu, and its version) and prepares the environment so
// that TF_ACC_TERRAFORM_PATH alone chooses it. Only tests import it.
package clitest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// EnvProviderHost is terraform-plugin-testing's TF_ACC_PROVIDER_HOST: the
// registry host under which it serves the provider under test.
const EnvProviderHost = "TF_ACC_PROVIDER_HOST"

// Path is the CLI the tests run: TF_ACC_TERRAFORM_PATH, else terraform on PATH.
func Path() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return "terraform"
}

// CLI describes the CLI at Path(), from its `version` output.
type CLI struct {
	OpenTofu bool
	Version  string // "1.12.6", or "" when the CLI could not be run
}

var (
	once    sync.Once
	current CLI
)

var versionLine = regexp.MustCompile(`^(Terraform|OpenTofu) v(\d+\.\d+\.\d+\S*)`)

// ParseVersion finds the version line of `<cli> version` output, after any
// warning printed before it (a TF_CLI_CONFIG_FILE naming a missing file, for
// one).
func ParseVersion(out string) (CLI, bool) {
	for _, line := range strings.Split(out, "\n") {
		if m := versionLine.FindStringSubmatch(line); m != nil {
			return CLI{OpenTofu: m[1] == "OpenTofu", Version: m[2]}, true
		}
	}
	return CLI{}, false
}

// Current runs `<cli> version` once and says which CLI it is. A CLI that
// cannot be run counts as Terraform: terraform-plugin-testing then fails the
// test with its own error about the missing binary.
func Current() CLI {
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, Path(), "version").Output() //nolint:gosec // the tests' own CLI
		if err == nil {
			current, _ = ParseVersion(string(out))
		}
	})
	return current
}

// ProviderHost is the registry host the CLI under test gives a provider
// source without one: registry.opentofu.org for OpenTofu,
// registry.terraform.io for Terraform. TF_ACC_PROVIDER_HOST, when set, wins.
func ProviderHost() string {
	if h := os.Getenv(EnvProviderHost); h != "" {
		return strings.TrimSuffix(h, "/")
	}
	if Current().OpenTofu {
		return "registry.opentofu.org"
	}
	return "registry.terraform.io"
}

// Prepare is for a test package's TestMain, before m.Run: it drops a
// TF_CLI_CONFIG_FILE naming a missing file (it adds nothing but a warning
// that OpenTofu prints before its version line, which
// terraform-plugin-testing then cannot parse), and with TF_ACC set it sets
// TF_ACC_PROVIDER_HOST to ProviderHost() unless it is set already.
func Prepare() error {
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) { //nolint:gosec // the path the user set for the CLI, only checked
			fmt.Fprintf(os.Stderr, "note: TF_CLI_CONFIG_FILE=%s does not exist: unset for these tests\n", f)
			if err := os.Unsetenv("TF_CLI_CONFIG_FILE"); err != nil {
				return err
			}
		}
	}
	if os.Getenv("TF_ACC") != "" && os.Getenv(EnvProviderHost) == "" {
		return os.Setenv(EnvProviderHost, ProviderHost())
	}
	return nil
}
