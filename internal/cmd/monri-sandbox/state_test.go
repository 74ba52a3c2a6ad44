package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHelperProcess is the monri-sandbox command when run by
// startSandboxProcess (the test binary re-executed); a no-op otherwise.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("MONRI_SANDBOX_TEST_HELPER") != "1" {
		t.Skip("only run as the sandbox process of another test")
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	args := strings.Fields(os.Getenv("MONRI_SANDBOX_TEST_ARGS"))
	if err := run(ctx, args, func(string) string { return "" }, io.Discard, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "monri-sandbox:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// sandboxProcess is a monri-sandbox running in a process of its own.
type sandboxProcess struct {
	cmd     *exec.Cmd
	baseURL string
	stderr  *syncBuffer
}

// startSandboxProcess starts the command with args and waits until it
// listens.
func startSandboxProcess(t *testing.T, args ...string) *sandboxProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestHelperProcess$") //nolint:gosec // G204: the test binary itself.
	cmd.Env = append(os.Environ(), "MONRI_SANDBOX_TEST_HELPER=1",
		"MONRI_SANDBOX_TEST_ARGS="+strings.Join(append([]string{"-addr", "127.0.0.1:0", "-ready-file", ready}, args...), " "))
	p := &sandboxProcess{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil { //nolint:gosec // G304: the test's own temp file.
			p.baseURL = strings.TrimSpace(string(b))
			return p
		}
		select {
		case <-exited:
			t.Fatalf("sandbox process exited: %v; stderr: %s", waitErr, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox process never listened; stderr: %s", p.stderr.String())
		}
	}
}

// createCustomer sends a signed create and returns the uuid answered.
func createCustomer(ctx context.Context, client *http.Client, baseURL, body string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v2/customers", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha512.Sum512([]byte("sandbox-merchant-key" + ts + "sandbox-authenticity-token" + "/v2/customers" + body))
	req.Header.Set("Authorization", "WP3-v2.1 sandbox-authenticity-token "+ts+" "+hex.EncodeToString(sum[:]))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		UUID string `json:"uuid"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("create answered %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("create answer unreadable: %w", err)
	}
	if out.UUID == "" {
		return "", errors.New("create answer without uuid")
	}
	return out.UUID, nil
}

type exportedCustomer struct {
	UUID               string            `json:"uuid"`
	MerchantCustomerID *string           `json:"merchant_customer_id"`
	Name               *string           `json:"name"`
	Email              *string           `json:"email"`
	Metadata           map[string]string `json:"metadata"`
}

func export(t *testing.T, baseURL string) ([]byte, []exportedCustomer) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/sandbox/export", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %v %s", resp.StatusCode, err, body)
	}
	var d struct {
		Customers []exportedCustomer `json:"customers"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("export: %v", err)
	}
	return body, d.Customers
}

// A create the sandbox answered survives kill -9 of the process mid-load,
// with and without fsync, and no customer is half written: the restarted sandbox, on the same -state
// file, holds every acknowledged customer, whole, and besides them at most
// the creates that were in flight.
func TestStateSurvivesKill(t *testing.T) {
	for _, sync := range []string{"true", "false"} {
		t.Run("state-sync="+sync, func(t *testing.T) { testStateSurvivesKill(t, "-state-sync="+sync) })
	}
}

func testStateSurvivesKill(t *testing.T, syncFlag string) {
	state := filepath.Join(t.TempDir(), "sandbox.db")
	p := startSandboxProcess(t, "-state", state, syncFlag)

	const clients, killAfter = 10, 300
	acked := map[string]string{} // merchant_customer_id -> uuid
	var mu sync.Mutex
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	for g := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				mid := fmt.Sprintf("crash-%d-%d", g, i)
				body := fmt.Sprintf(`{"merchant_customer_id":%q,"name":"Crash %d %d","email":"crash-%d-%d@example.com","metadata":{"g":"%d","i":"%d"}}`, mid, g, i, g, i, g, i)
				uuid, err := createCustomer(t.Context(), client, p.baseURL, body)
				if err != nil {
					select {
					case <-killed: // Expected once the process is gone.
					default:
						t.Errorf("create before the kill: %v", err)
					}
					return
				}
				mu.Lock()
				acked[mid] = uuid
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					once.Do(func() {
						if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown at all.
							t.Error(err)
						}
						close(killed)
					})
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	p2 := startSandboxProcess(t, "-state", state, syncFlag)
	_, custs := export(t, p2.baseURL)
	found := map[string]exportedCustomer{}
	for _, c := range custs {
		// Whole: every field the create sent is there.
		var g, i int
		if c.MerchantCustomerID == nil || c.Name == nil || c.Email == nil {
			t.Fatalf("half-written customer %+v", c)
		}
		if _, err := fmt.Sscanf(*c.MerchantCustomerID, "crash-%d-%d", &g, &i); err != nil ||
			*c.Name != fmt.Sprintf("Crash %d %d", g, i) || *c.Email != fmt.Sprintf("crash-%d-%d@example.com", g, i) ||
			c.Metadata["g"] != strconv.Itoa(g) || c.Metadata["i"] != strconv.Itoa(i) || len(c.Metadata) != 2 {
			t.Fatalf("half-written customer %+v", c)
		}
		found[*c.MerchantCustomerID] = c
	}
	for mid, uuid := range acked {
		if c, ok := found[mid]; !ok || c.UUID != uuid {
			t.Errorf("acknowledged customer %s (%s) lost in the crash", mid, uuid)
		}
	}
	if extra := len(found) - len(acked); extra < 0 || extra > clients {
		t.Errorf("%d customers after the crash, %d acknowledged: at most %d creates were in flight", len(found), len(acked), clients)
	}
	t.Logf("%d creates acknowledged before kill -9, %d customers after restart", len(acked), len(found))
	// And the restarted sandbox goes on where it stopped.
	if _, err := createCustomer(t.Context(), client, p2.baseURL, `{"merchant_customer_id":"after-restart"}`); err != nil {
		t.Fatal(err)
	}
}

// GET /sandbox/export of one sandbox, loaded with -import into another
// (with and without -state), exports the same bytes; -import refuses a
// store that is not empty and a file that is not an export.
func TestExportImportCommand(t *testing.T) {
	dir := t.TempDir()
	p := startSandboxProcess(t, "-state", filepath.Join(dir, "a.db"))
	client := &http.Client{Timeout: 30 * time.Second}
	for i := range 5 {
		if _, err := createCustomer(t.Context(), client, p.baseURL, fmt.Sprintf(`{"merchant_customer_id":"x-%d","name":"X %d"}`, i, i)); err != nil {
			t.Fatal(err)
		}
	}
	dump, _ := export(t, p.baseURL)
	dumpFile := filepath.Join(dir, "dump.json")
	if err := os.WriteFile(dumpFile, dump, 0o600); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "b.db")
	for _, args := range [][]string{{"-import", dumpFile}, {"-import", dumpFile, "-state", b}} {
		p2 := startSandboxProcess(t, args...)
		if got, _ := export(t, p2.baseURL); !bytes.Equal(got, dump) {
			t.Fatalf("%v: export after import\n%s\nwant\n%s", args, got, dump)
		}
		_ = p2.cmd.Process.Kill()
	}
	// b.db now holds the customers: a second import is refused.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-import", dumpFile, "-state", b}, "-import " + dumpFile + ": sandbox: import: store: not empty: import needs an empty store"},
		{[]string{"-import", filepath.Join(dir, "a.db")}, "-import " + filepath.Join(dir, "a.db") + ": sandbox: import: not a sandbox export"},
		{[]string{"-import", filepath.Join(dir, "missing.json")}, "-import: open " + filepath.Join(dir, "missing.json")},
	} {
		err := run(t.Context(), tc.args, envFrom(nil), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %v = %v, want %q", tc.args, err, tc.want)
		}
	}
	// An earlier version's JSON -state file is refused, pointing at -import.
	old := filepath.Join(dir, "old.json")
	if err := os.WriteFile(old, dump, 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), []string{"-state", old}, envFrom(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is a JSON state file of an earlier monri-sandbox") || !strings.Contains(err.Error(), "-state "+old+" -import "+old+".old") {
		t.Errorf("run -state old.json = %v", err)
	}
}

func TestParseStateFlags(t *testing.T) {
	c, err := parseConfig(nil, envFrom(nil), io.Discard)
	if err != nil || c.statePath != "" || c.importPath != "" || c.stateSync {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = parseConfig([]string{"-state", "s.db", "-import", "d.json", "-state-sync"}, envFrom(nil), io.Discard)
	if err != nil || c.statePath != "s.db" || c.importPath != "d.json" || !c.stateSync {
		t.Fatalf("flags: %+v %v", c, err)
	}
	c, err = parseConfig(nil, envFrom(map[string]string{"MONRI_SANDBOX_STATE_SYNC": "true", "MONRI_SANDBOX_IMPORT": "e.json"}), io.Discard)
	if err != nil || c.importPath != "e.json" || !c.stateSync {
		t.Fatalf("environment: %+v %v", c, err)
	}
}
