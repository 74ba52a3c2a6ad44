package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The acceptance tests run whichever CLI TF_ACC_TERRAFORM_PATH names:
// Terraform or OpenTofu. The two give a provider source without a host
// ("monri-community/monri", or the implied "hashicorp/monri" of a config
// without required_providers) different hosts, so the provider under test
// must be served under the host of the CLI that runs.

// TestMain sets TF_ACC_PROVIDER_HOST, under which terraform-plugin-testing
// serves the provider, to the host of the CLI the tests run (unless it is
// set already), so that TF_ACC_TERRAFORM_PATH alone chooses the CLI.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") != "" && os.Getenv(resource.EnvTfAccProviderHost) == "" {
		if err := os.Setenv(resource.EnvTfAccProviderHost, testProviderHost()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// terraformPath is the CLI the tests run: TF_ACC_TERRAFORM_PATH, else terraform on PATH.
func terraformPath() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return "terraform"
}

// testCLI describes the CLI at terraformPath(), from its `version` output.
type testCLI struct {
	openTofu bool
	version  string // "1.12.6", or "" when the CLI could not be run
}

var (
	testCLIOnce sync.Once
	testCLIInfo testCLI
)

var cliVersionLine = regexp.MustCompile(`^(Terraform|OpenTofu) v(\d+\.\d+\.\d+\S*)`)

// currentTestCLI runs `<cli> version` once and says which CLI it is. A CLI
// that cannot be run counts as Terraform: terraform-plugin-testing then fails
// the test with its own error about the missing binary.
func currentTestCLI() testCLI {
	testCLIOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, terraformPath(), "version").Output() //nolint:gosec // the test's own CLI
		if err != nil {
			return
		}
		// The version line, after any warning printed before it (a
		// TF_CLI_CONFIG_FILE naming a missing file, for one).
		for _, line := range strings.Split(string(out), "\n") {
			if m := cliVersionLine.FindStringSubmatch(line); m != nil {
				testCLIInfo = testCLI{openTofu: m[1] == "OpenTofu", version: m[2]}
				return
			}
		}
	})
	return testCLIInfo
}

// testProviderHost is the registry host the CLI under test gives a provider
// source without one: registry.opentofu.org for OpenTofu, registry.terraform.io
// for Terraform. TF_ACC_PROVIDER_HOST, when set, wins.
func testProviderHost() string {
	if h := os.Getenv(resource.EnvTfAccProviderHost); h != "" {
		return strings.TrimSuffix(h, "/")
	}
	if currentTestCLI().openTofu {
		return "registry.opentofu.org"
	}
	return "registry.terraform.io"
}

// testProviderAddress is the full address of monri-community/monri for the CLI under test.
func testProviderAddress() string {
	return testProviderHost() + "/monri-community/monri"
}

// cliFeature is a feature of the CLI that some tests need: the first version
// of Terraform and of OpenTofu that has it (nil: that CLI does not have it).
type cliFeature struct {
	name            string
	terraform, tofu *version.Version
	tofuMissingNote string // why OpenTofu lacks it, for the skip message
}

var (
	featureEphemeral = cliFeature{name: "ephemeral resources", terraform: tfversion.Version1_10_0, tofu: tfversion.Version1_11_0}
	featureIdentity  = cliFeature{name: "resource identity", terraform: tfversion.Version1_12_0, tofu: tfversion.Version1_12_0}
	featureQuery     = cliFeature{name: "terraform query (list resources)", terraform: tfversion.Version1_14_0,
		tofuMissingNote: "OpenTofu has no query command and no list blocks"}
	featureActions = cliFeature{name: "actions (terraform apply -invoke)", terraform: tfversion.Version1_14_0,
		tofuMissingNote: "OpenTofu has no action blocks and no -invoke"}
)

// skipReason says why the CLI under test (of version v) cannot run a test
// that needs f, or "" when it can.
func (f cliFeature) skipReason(cli testCLI, v *version.Version) string {
	name, minimum := "Terraform", f.terraform
	if cli.openTofu {
		name, minimum = "OpenTofu", f.tofu
		if minimum == nil {
			return fmt.Sprintf("%s: %s (OpenTofu %s): skipping test", f.name, f.tofuMissingNote, v)
		}
	}
	if v.Core().LessThan(minimum) {
		return fmt.Sprintf("%s needs %s %s or later; this is %s %s: skipping test", f.name, name, minimum, name, v)
	}
	return ""
}

// CheckTerraformVersion makes a cliFeature a terraform-plugin-testing
// version check: the test skips, saying why, on a CLI without the feature.
func (f cliFeature) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	resp.Skip = f.skipReason(currentTestCLI(), req.TerraformVersion)
}

var _ tfversion.TerraformVersionCheck = cliFeature{}

// skipWithoutFeature skips t, saying why, when the CLI under test lacks f:
// for tests that run the CLI themselves (tfCLI) rather than through
// resource.Test.
func skipWithoutFeature(t *testing.T, f cliFeature) {
	t.Helper()
	cli := currentTestCLI()
	if cli.version == "" {
		t.Fatalf("cannot run %s version to see whether it has %s", terraformPath(), f.name)
	}
	if why := f.skipReason(cli, version.Must(version.NewVersion(cli.version))); why != "" {
		t.Skip(why)
	}
}

// TestCLIFeatureSkipReason: each CLI skips exactly the tests of features it lacks, saying why.
func TestCLIFeatureSkipReason(t *testing.T) {
	tf, tofu := testCLI{}, testCLI{openTofu: true}
	v := func(s string) *version.Version { return version.Must(version.NewVersion(s)) }
	for _, tc := range []struct {
		f    cliFeature
		cli  testCLI
		v    string
		want string // "" runs; else a part of the skip message
	}{
		{featureQuery, tf, "1.14.0", ""},
		{featureQuery, tf, "1.14.0-rc1", ""},
		{featureQuery, tf, "1.13.5", "terraform query (list resources) needs Terraform 1.14.0 or later; this is Terraform 1.13.5"},
		{featureQuery, tofu, "1.12.6", "OpenTofu has no query command and no list blocks (OpenTofu 1.12.6)"},
		{featureQuery, tofu, "1.20.0", "OpenTofu has no query command"},
		{featureIdentity, tf, "1.11.4", "resource identity needs Terraform 1.12.0 or later; this is Terraform 1.11.4"},
		{featureIdentity, tf, "1.12.0", ""},
		{featureIdentity, tofu, "1.11.0", "resource identity needs OpenTofu 1.12.0 or later; this is OpenTofu 1.11.0"},
		{featureIdentity, tofu, "1.12.6", ""},
		{featureEphemeral, tf, "1.9.8", "needs Terraform 1.10.0"},
		{featureEphemeral, tofu, "1.10.0", "needs OpenTofu 1.11.0"},
		{featureEphemeral, tofu, "1.11.0", ""},
		{featureActions, tf, "1.11.4", "actions (terraform apply -invoke) needs Terraform 1.14.0 or later; this is Terraform 1.11.4"},
		{featureActions, tf, "1.14.9", ""},
		{featureActions, tf, "1.15.0-alpha1", ""},
		{featureActions, tofu, "1.12.6", "OpenTofu has no action blocks"},
	} {
		got := tc.f.skipReason(tc.cli, v(tc.v))
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s on openTofu=%v %s: skip %q, want %q", tc.f.name, tc.cli.openTofu, tc.v, got, tc.want)
		}
	}
}
