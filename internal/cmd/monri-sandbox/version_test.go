package main

import (
	"bytes"
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionString(t *testing.T) {
	buildInfo := func(v string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{Main: debug.Module{Path: "github.com/monri-community/terraform-provider-monri", Version: v}}, true
		}
	}
	noBuildInfo := func() (*debug.BuildInfo, bool) { return nil, false }
	tests := []struct {
		name, stamped string
		info          func() (*debug.BuildInfo, bool)
		want          string
	}{
		{"stamped wins", "1.2.3", buildInfo("v1.2.3"), "1.2.3"},
		{"stamped snapshot", "0.1.1-SNAPSHOT-abc1234", noBuildInfo, "0.1.1-SNAPSHOT-abc1234"},
		{"go install at a version", "", buildInfo("v0.1.0"), "v0.1.0"},
		{"built in the repository", "", buildInfo("(devel)"), "(devel)"},
		{"build info without a version", "", buildInfo(""), "dev"},
		{"no build info", "", noBuildInfo, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.stamped, tt.info); got != tt.want {
				t.Fatalf("versionString(%q) = %q, want %q", tt.stamped, got, tt.want)
			}
		})
	}
}

func TestRunVersion(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "9.8.7"

	// -version prints only the version and exits cleanly, without
	// listening, whatever the other flags and the environment say.
	for _, args := range [][]string{
		{"-version"},
		{"-addr", "0.0.0.0:1", "-variant", "help", "-version"},
	} {
		var stdout, stderr bytes.Buffer
		env := envFrom(map[string]string{"MONRI_SANDBOX_LATENCY": "soon", "MONRI_SANDBOX_ADDR": "0.0.0.0:1"})
		if err := run(t.Context(), args, env, &stdout, &stderr); err != nil {
			t.Fatalf("run %q: %v", args, err)
		}
		if stdout.String() != "9.8.7\n" || stderr.Len() != 0 {
			t.Fatalf("run %q: stdout %q, stderr %q; want only \"9.8.7\\n\" on stdout", args, stdout.String(), stderr.String())
		}
	}

	// MONRI_SANDBOX_VERSION is not a setting: the sandbox does not stop
	// at it (nor fail on it) but goes on to check the other settings.
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"-addr", "0.0.0.0:1"}, envFrom(map[string]string{"MONRI_SANDBOX_VERSION": "yes"}), &stdout, &stderr)
	if err == nil || err.Error() != `-addr "0.0.0.0:1" is not a loopback address; the sandbox accepts public test credentials, pass -allow-remote to listen there anyway` {
		t.Fatalf("run with MONRI_SANDBOX_VERSION=yes: %v", err)
	}
	if stdout.Len() != 0 {
		t.Fatalf("run with MONRI_SANDBOX_VERSION=yes printed %q", stdout.String())
	}

	// Without -version a bad environment variable is still an error.
	err = run(t.Context(), nil, envFrom(map[string]string{"MONRI_SANDBOX_LATENCY": "soon"}), &stdout, &stderr)
	if err == nil || err.Error() != `MONRI_SANDBOX_LATENCY="soon": parse error` {
		t.Fatalf("run with MONRI_SANDBOX_LATENCY=soon: %v", err)
	}
}

// TestDocsListVersionFlag: the README's and the registry page's flag
// tables list -version.
func TestDocsListVersionFlag(t *testing.T) {
	for _, path := range []string{"../../../README.md", "../../../templates/index.md.tmpl"} {
		b, err := os.ReadFile(path) //nolint:gosec // G304: the repository's own files.
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\n| `-version` | | print the version and exit") {
			t.Errorf("%s: the flag table lacks -version", path)
		}
	}
}
