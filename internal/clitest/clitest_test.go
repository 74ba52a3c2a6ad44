package clitest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want CLI
		ok   bool
	}{
		{"Terraform v1.11.4\non linux_amd64\n", CLI{Version: "1.11.4"}, true},
		{"OpenTofu v1.12.6\non linux_amd64\n", CLI{OpenTofu: true, Version: "1.12.6"}, true},
		// A warning before the version line, as a missing TF_CLI_CONFIG_FILE gives.
		{"There are some problems with the CLI configuration:\nWarning: Unable to open CLI configuration file\n\nOpenTofu v1.12.6\n", CLI{OpenTofu: true, Version: "1.12.6"}, true},
		{"Terraform v1.15.0-alpha20250101\n", CLI{Version: "1.15.0-alpha20250101"}, true},
		{"terraform: command not found\n", CLI{}, false},
		{"", CLI{}, false},
	} {
		got, ok := ParseVersion(tc.out)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %+v, %v", tc.out, got, ok, tc.want, tc.ok)
		}
	}
}

// Prepare drops a TF_CLI_CONFIG_FILE naming a missing file, keeps one that
// exists, and leaves a TF_ACC_PROVIDER_HOST already set alone.
func TestPrepare(t *testing.T) {
	t.Setenv("TF_ACC", "1")
	t.Setenv(EnvProviderHost, "example.test")
	missing := filepath.Join(t.TempDir(), "missing.tfrc")
	t.Setenv("TF_CLI_CONFIG_FILE", missing)
	if err := Prepare(); err != nil {
		t.Fatal(err)
	}
	if v, set := os.LookupEnv("TF_CLI_CONFIG_FILE"); set {
		t.Errorf("TF_CLI_CONFIG_FILE naming a missing file kept: %q", v)
	}
	if got := os.Getenv(EnvProviderHost); got != "example.test" {
		t.Errorf("TF_ACC_PROVIDER_HOST = %q, want the one set before", got)
	}
	existing := filepath.Join(t.TempDir(), "cli.tfrc")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", existing)
	if err := Prepare(); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv("TF_CLI_CONFIG_FILE"); got != existing {
		t.Errorf("TF_CLI_CONFIG_FILE = %q, want %q kept", got, existing)
	}
}
