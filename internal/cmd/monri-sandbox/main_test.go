package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// allVariants names every variant, in canonical order.
const allVariants = "deleted-true,list-includes-deleted,normalize-emails,page-cap=20,limit-above-cap-400,ignore-null-fields," +
	"bearer-only,unknown-customer-empty-cards,delete-deleted-400,deleted-as-string,timestamps=offset," +
	"list-key=both,delete-key=uuid,distinct-card-ids"

// wantVariants checks that the parsed variants are spec.
func wantVariants(spec string) func(t *testing.T, c config) {
	return func(t *testing.T, c config) {
		t.Helper()
		want, err := sandbox.ParseVariants(spec)
		if err != nil {
			t.Fatal(err)
		}
		if c.variants != want || c.variants.String() != spec {
			t.Fatalf("variants %+v (%q), want %+v (%q)", c.variants, c.variants.String(), want, spec)
		}
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c config) {
				if c.addr != "127.0.0.1:8080" || c.variants != (sandbox.Variants{}) || c.variantHelp ||
					c.tolerance != 5*time.Minute || c.authenticityToken != sandbox.DefaultAuthenticityToken || c.verbose {
					t.Fatalf("%+v", c)
				}
			},
		},
		{
			name: "flags",
			args: []string{"-addr", "[::1]:0", "-state", "s.json", "-max-page-size", "10", "-deleted-mode", "deleted-true",
				"-list-includes-deleted", "-latency", "50ms", "-tolerance", "1m", "-merchant-key", "k", "-v"},
			check: func(t *testing.T, c config) {
				if c.addr != "[::1]:0" || c.statePath != "s.json" ||
					c.variants != (sandbox.Variants{MaxPageSize: 10, DeletedMode: sandbox.DeletedReturnsTrue, ListIncludesDeleted: true}) || c.latency != 50*time.Millisecond || c.tolerance != time.Minute || c.merchantKey != "k" || !c.verbose {
					t.Fatalf("%+v", c)
				}
			},
		},
		{
			name: "environment, overridden by flags",
			args: []string{"-max-page-size", "7"},
			env: map[string]string{
				"MONRI_SANDBOX_MAX_PAGE_SIZE": "3", "MONRI_SANDBOX_DELETED_MODE": "deleted-true",
				"MONRI_SANDBOX_LIST_INCLUDES_DELETED": "true", "MONRI_SANDBOX_AUTHENTICITY_TOKEN": "tok",
				"MONRI_SANDBOX_VERBOSE": "1", "MONRI_SANDBOX_ADDR": "localhost:9999",
			},
			check: func(t *testing.T, c config) {
				if c.variants != (sandbox.Variants{MaxPageSize: 7, DeletedMode: sandbox.DeletedReturnsTrue, ListIncludesDeleted: true}) ||
					c.authenticityToken != "tok" || !c.verbose || c.addr != "localhost:9999" {
					t.Fatalf("%+v", c)
				}
			},
		},
		{
			name:  "variants, repeated",
			args:  []string{"-variant", "deleted-true,page-cap=20", "-variant", " list-key=id ,timestamps=offset-millis", "-variant", "bearer-only"},
			check: wantVariants("deleted-true,page-cap=20,bearer-only,timestamps=offset-millis,list-key=id"),
		},
		{
			name:  "a later item for the same field wins",
			args:  []string{"-variant", "timestamps=offset,delete-key=none", "-variant", "timestamps=utc"},
			check: wantVariants("delete-key=none"),
		},
		{
			name:  "every variant",
			args:  []string{"-variant", allVariants},
			check: wantVariants(allVariants),
		},
		{
			name:  "environment variants, then the command line's",
			args:  []string{"-variant", "timestamps=utc,page-cap=9"},
			env:   map[string]string{"MONRI_SANDBOX_VARIANT": "timestamps=offset,bearer-only"},
			check: wantVariants("page-cap=9,bearer-only"),
		},
		{
			name:  "alias after -variant wins",
			args:  []string{"-variant", "page-cap=20", "-max-page-size", "30"},
			check: wantVariants("page-cap=30"),
		},
		{
			name:  "-variant after alias wins",
			args:  []string{"-max-page-size", "30", "-variant", "page-cap=20", "-deleted-mode", "deleted-true", "-deleted-mode", "404"},
			check: wantVariants("page-cap=20"),
		},
		{
			name:  "max-page-size 100 is the default",
			args:  []string{"-max-page-size", "100"},
			check: wantVariants(""),
		},
		{
			name:  "alias flags set the same fields",
			args:  []string{"-list-includes-deleted", "-normalize-emails", "-deleted-mode", "deleted-true", "-max-page-size", "5"},
			check: wantVariants("deleted-true,list-includes-deleted,normalize-emails,page-cap=5"),
		},
		{
			name:  "boolean alias turned off on the command line",
			args:  []string{"-normalize-emails=false"},
			env:   map[string]string{"MONRI_SANDBOX_NORMALIZE_EMAILS": "true", "MONRI_SANDBOX_LIST_INCLUDES_DELETED": "1"},
			check: wantVariants("list-includes-deleted"),
		},
		{
			name: "variant help",
			args: []string{"-variant", "help"},
			check: func(t *testing.T, c config) {
				if !c.variantHelp {
					t.Fatalf("%+v", c)
				}
			},
		},
		{name: "unknown variant", args: []string{"-variant", "deleted-true,maybe"}, wantErr: `unknown variant "maybe" (allowed: deleted-true,`},
		{name: "bad variant value", args: []string{"-variant", "page-cap=0"}, wantErr: `variant "page-cap=0": must be an integer of at least 1`},
		{name: "switch with a value", args: []string{"-variant", "bearer-only=1"}, wantErr: "takes no value"},
		{name: "bad env variant", env: map[string]string{"MONRI_SANDBOX_VARIANT": "list-key=none"}, wantErr: "MONRI_SANDBOX_VARIANT"},
		{name: "bad boolean alias", args: []string{"-normalize-emails=maybe"}, wantErr: "normalize-emails"},
		{name: "remote refused", args: []string{"-addr", "0.0.0.0:8080"}, wantErr: "-allow-remote"},
		{name: "all interfaces refused", args: []string{"-addr", ":8080"}, wantErr: "loopback"},
		{name: "hostname refused", args: []string{"-addr", "example.com:80"}, wantErr: "loopback"},
		{name: "remote allowed", args: []string{"-addr", "0.0.0.0:8080", "-allow-remote"}, check: func(*testing.T, config) {}},
		{name: "bad deleted mode", args: []string{"-deleted-mode", "maybe"}, wantErr: "deleted mode"},
		{name: "bad env", env: map[string]string{"MONRI_SANDBOX_LATENCY": "soon"}, wantErr: "MONRI_SANDBOX_LATENCY"},
		{name: "bad page size", args: []string{"-max-page-size", "0"}, wantErr: "max-page-size"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseConfig(tc.args, envFrom(tc.env), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitReady waits for run (reporting on done) to write its ready file and
// returns the base URL in it.
func waitReady(t *testing.T, ready string, done <-chan error, stderr *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(ready) //nolint:gosec // G304: the test's own temp file.
		if err == nil {
			return strings.TrimSpace(string(b))
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v; stderr: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("ready file never appeared")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-ready-file", ready, "-state", filepath.Join(dir, "state.db"), "-v"},
			envFrom(nil), &stdout, &stderr)
	}()
	baseURL := waitReady(t, ready, done, &stderr)

	wantBanner := "Monri sandbox listening on " + baseURL + "\n" +
		"  MONRI_BASE_URL=" + baseURL + "\n" +
		"  MONRI_AUTHENTICITY_TOKEN=sandbox-authenticity-token\n" +
		"  MONRI_MERCHANT_KEY=sandbox-merchant-key\n"
	if got := stdout.String(); got != wantBanner {
		t.Fatalf("stdout = %q, want %q", got, wantBanner)
	}

	// A signed request with the printed credentials works.
	body := `{"name":"From CLI"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/v2/customers", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha512.Sum512([]byte("sandbox-merchant-key" + ts + "sandbox-authenticity-token" + "/v2/customers" + body))
	req.Header.Set("Authorization", "WP3-v2.1 sandbox-authenticity-token "+ts+" "+hex.EncodeToString(sum[:]))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create answered %d", resp.StatusCode)
	}
	// And an unsigned one is refused (and logged without headers).
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/v2/customers", nil)
	req.Header.Set("Authorization", "WP3-v2.1 sandbox-authenticity-token 1 deadbeef")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop on cancel")
	}
	if _, err := os.Stat(ready); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ready file left behind: %v", err)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "POST /v2/customers 200") || !strings.Contains(logs, "GET /v2/customers 400") {
		t.Fatalf("request log:\n%s", logs)
	}
	if strings.Contains(logs, "WP3") || strings.Contains(logs, "sandbox-merchant-key") {
		t.Fatalf("request log leaks credentials:\n%s", logs)
	}
	state, err := os.ReadFile(filepath.Join(dir, "state.db")) //nolint:gosec // G304: the test's own temp file.
	if err != nil || !strings.Contains(string(state), "From CLI") {
		t.Fatalf("state not saved: %v %s", err, state)
	}
}

func TestRunRefusesRemote(t *testing.T) {
	var stdout bytes.Buffer
	err := run(t.Context(), []string{"-addr", "0.0.0.0:0"}, envFrom(nil), &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v", err)
	}
	if stdout.Len() != 0 {
		t.Fatalf("printed %q", stdout.String())
	}
}

// TestRunVariants: the banner's first lines are unchanged and the active
// variants follow them on a last line; the variants are those served.
func TestRunVariants(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-ready-file", ready, "-variant", "bearer-only,page-cap=5", "-list-includes-deleted"},
			envFrom(map[string]string{"MONRI_SANDBOX_VARIANT": "timestamps=offset"}), &stdout, &stderr)
	}()
	baseURL := waitReady(t, ready, done, &stderr)
	wantBanner := "Monri sandbox listening on " + baseURL + "\n" +
		"  MONRI_BASE_URL=" + baseURL + "\n" +
		"  MONRI_AUTHENTICITY_TOKEN=sandbox-authenticity-token\n" +
		"  MONRI_MERCHANT_KEY=sandbox-merchant-key\n" +
		"  variants: list-includes-deleted,page-cap=5,bearer-only,timestamps=offset\n"
	if got := stdout.String(); got != wantBanner {
		t.Fatalf("stdout = %q, want %q", got, wantBanner)
	}

	// bearer-only is served: a signed request is refused with 401.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/v2/customers", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha512.Sum512([]byte("sandbox-merchant-key" + ts + "sandbox-authenticity-token" + "/v2/customers"))
	req.Header.Set("Authorization", "WP3-v2.1 sandbox-authenticity-token "+ts+" "+hex.EncodeToString(sum[:]))
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Bearer") {
		t.Fatalf("signed request under bearer-only: %d %s", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop on cancel")
	}
}

func TestRunHelp(t *testing.T) {
	// -variant help lists every variant on stdout and exits cleanly,
	// without listening.
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"-variant", "help", "-addr", "0.0.0.0:1"}, envFrom(nil), &stdout, &stderr); err != nil {
		t.Fatalf("run -variant help: %v", err)
	}
	for _, d := range sandbox.VariantDocs() {
		if !strings.Contains(stdout.String(), "  "+d.Name+"\n") || !strings.Contains(stdout.String(), d.Doc) {
			t.Errorf("-variant help does not list %s:\n%s", d.Name, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Fatalf("-variant help started the sandbox:\n%s", stdout.String())
	}

	// -help prints the flags and the variants (on stderr, as flag does).
	stdout.Reset()
	stderr.Reset()
	if err := run(t.Context(), []string{"-help"}, envFrom(nil), &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -help: %v", err)
	}
	help := stderr.String()
	for _, want := range []string{"-variant names", "alias of -variant page-cap=N", "alias of -variant list-includes-deleted",
		"alias of -variant normalize-emails", "alias of -variant deleted-true", "Variants of undocumented behaviour", "distinct-card-ids\n", "(default 100)"} {
		if !strings.Contains(help, want) {
			t.Errorf("-help lacks %q:\n%s", want, help)
		}
	}
	if stdout.Len() != 0 {
		t.Fatalf("-help printed on stdout: %q", stdout.String())
	}
}

// TestDocsListVariants: the README's and the registry page's variant
// tables have one row per variant, named and in the order of
// sandbox.VariantDocs, and their flag tables list -variant and its aliases.
func TestDocsListVariants(t *testing.T) {
	for _, path := range []string{"../../../README.md", "../../../templates/index.md.tmpl"} {
		b, err := os.ReadFile(path) //nolint:gosec // G304: the repository's own files.
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		const header = "| `-variant` name | `Variants` field | what the sandbox does | what the provider does |\n|---|---|---|---|\n"
		_, table, ok := strings.Cut(doc, header)
		if !ok {
			t.Errorf("%s has no variants table", path)
			continue
		}
		var rows []string
		for line := range strings.SplitSeq(table, "\n") {
			if !strings.HasPrefix(line, "|") {
				break
			}
			name, rest, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "` | `")
			field, _, _ := strings.Cut(rest, "`")
			rows = append(rows, strings.ReplaceAll(name, `\|`, "|")+" "+field)
		}
		var want []string
		for _, d := range sandbox.VariantDocs() {
			want = append(want, d.Name+" "+d.Field)
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: variant rows\n%s\nwant\n%s", path, strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		for _, flag := range []string{"-variant", "-max-page-size", "-deleted-mode", "-list-includes-deleted", "-normalize-emails"} {
			if !strings.Contains(doc, "| `"+flag+"` |") {
				t.Errorf("%s: the flag table lacks %s", path, flag)
			}
		}
	}
}

// A request addressed to a foreign host name is refused (403) unless
// -allow-remote, which the command hands to the sandbox.
func TestRunHostCheck(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, http.StatusForbidden},
		{[]string{"-allow-remote"}, http.StatusOK},
	} {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			p := startSandboxProcess(t, tc.args...)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, p.baseURL+"/sandbox/stats", nil)
			req.Host = "rebound.example:80"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("Host %s answered %d, want %d", req.Host, resp.StatusCode, tc.want)
			}
		})
	}
}
