package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/monri-community/terraform-provider-monri/internal/clitest"
)

// The acceptance tests run whichever CLI TF_ACC_TERRAFORM_PATH names:
// Terraform or OpenTofu. The two give a provider source without a host
// ("monri-community/monri", or the implied "hashicorp/monri" of a config
// without required_providers) different hosts, so the provider under test
// must be served under the host of the CLI that runs.

// TestMain prepares the environment (clitest.Prepare): TF_ACC_PROVIDER_HOST,
// under which terraform-plugin-testing serves the provider, becomes the host
// of the CLI the tests run (unless it is set already), so that
// TF_ACC_TERRAFORM_PATH alone chooses the CLI.
func TestMain(m *testing.M) {
	if err := clitest.Prepare(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// terraformPath is the CLI the tests run: TF_ACC_TERRAFORM_PATH, else terraform on PATH.
func terraformPath() string { return clitest.Path() }

// testCLI describes the CLI at terraformPath(), from its `version` output.
type testCLI = clitest.CLI

// currentTestCLI says which CLI the tests run (clitest.Current).
func currentTestCLI() testCLI { return clitest.Current() }

// testProviderHost is the registry host the CLI under test gives a provider
// source without one (clitest.ProviderHost).
func testProviderHost() string { return clitest.ProviderHost() }

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
	if cli.OpenTofu {
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

// skipUnlessAcc skips an acceptance test that runs the CLI itself (tfCLI)
// unless TF_ACC is set, as resource.Test does on its own.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
}

// skipWithoutFeature skips t, saying why, when TF_ACC is unset or the CLI
// under test lacks f: for tests that run the CLI themselves (tfCLI) rather
// than through resource.Test.
func skipWithoutFeature(t *testing.T, f cliFeature) {
	t.Helper()
	skipUnlessAcc(t)
	cli := currentTestCLI()
	if cli.Version == "" {
		t.Fatalf("cannot run %s version to see whether it has %s", terraformPath(), f.name)
	}
	if why := f.skipReason(cli, version.Must(version.NewVersion(cli.Version))); why != "" {
		t.Skip(why)
	}
}

// TestCLIFeatureSkipReason: each CLI skips exactly the tests of features it lacks, saying why.
func TestCLIFeatureSkipReason(t *testing.T) {
	tf, tofu := testCLI{}, testCLI{OpenTofu: true}
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
			t.Errorf("%s on openTofu=%v %s: skip %q, want %q", tc.f.name, tc.cli.OpenTofu, tc.v, got, tc.want)
		}
	}
}
