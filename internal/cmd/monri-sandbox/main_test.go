package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
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
				if c.addr != "127.0.0.1:8080" || c.maxPageSize != 100 || c.deletedMode != sandbox.DeletedNotFound ||
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
				if c.addr != "[::1]:0" || c.statePath != "s.json" || c.maxPageSize != 10 || c.deletedMode != sandbox.DeletedReturnsTrue ||
					!c.listIncludesDeleted || c.latency != 50*time.Millisecond || c.tolerance != time.Minute || c.merchantKey != "k" || !c.verbose {
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
				if c.maxPageSize != 7 || c.deletedMode != sandbox.DeletedReturnsTrue || !c.listIncludesDeleted ||
					c.authenticityToken != "tok" || !c.verbose || c.addr != "localhost:9999" {
					t.Fatalf("%+v", c)
				}
			},
		},
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

func TestRun(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-ready-file", ready, "-state", filepath.Join(dir, "state.json"), "-v"},
			envFrom(nil), &stdout, &stderr)
	}()

	var baseURL string
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(ready) //nolint:gosec // G304: the test's own temp file.
		if err == nil {
			baseURL = strings.TrimSpace(string(b))
			break
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
	state, err := os.ReadFile(filepath.Join(dir, "state.json")) //nolint:gosec // G304: the test's own temp file.
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
