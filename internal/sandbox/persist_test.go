package sandbox

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPersistenceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state.json")
	clock := newFakeClock()

	e := newEnv(t, Options{StatePath: statePath, Now: clock.Now})
	e.clock = clock
	kept := e.create(map[string]any{
		"merchant_customer_id": "keep", "name": "Kept", "metadata": map[string]any{"a": "1"}, "country": "HR",
	})
	gone := e.create(map[string]any{"merchant_customer_id": "gone"})
	clock.Advance(time.Minute)
	expectStatus(t, e.do(http.MethodDelete, "/v2/customers/"+str(gone["uuid"]), ""), http.StatusOK)
	pm, err := e.s.AttachCard(str(kept["uuid"]), Card{ExpirationMonth: time.May, ExpirationYear: 2030})
	if err != nil {
		t.Fatal(err)
	}
	before := e.s.Customers()
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(statePath) //nolint:gosec // G304: the test's own temp file.
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) || !strings.Contains(string(data), `"merchant_customer_id": "keep"`) {
		t.Fatalf("state file: %s", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("leftover files in state dir: %v", entries)
	}

	e2 := newEnv(t, Options{StatePath: statePath, Now: clock.Now})
	e2.clock = clock
	if after := e2.s.Customers(); !reflect.DeepEqual(after, before) {
		t.Fatalf("customers after restart\n%+v\nwant\n%+v", after, before)
	}
	r := e2.do(http.MethodGet, "/v2/customers/"+str(kept["uuid"]), "")
	expectStatus(t, r, http.StatusOK)
	if got := r.object(t); !reflect.DeepEqual(got, kept) {
		t.Fatalf("retrieve after restart = %v, want %v", got, kept)
	}
	expectStatus(t, e2.do(http.MethodGet, "/v2/customers/"+str(gone["uuid"]), ""), http.StatusNotFound)
	items := e2.do(http.MethodGet, "/v2/customers/"+str(kept["uuid"])+"/payment-methods", "").data(t)
	if len(items) != 1 || items[0]["id"] != pm.ID || items[0]["token"] != pm.Token || items[0]["expiration_date"] != "2030-05-31" {
		t.Fatalf("payment methods after restart: %v", items)
	}
	// Indexes were rebuilt: the live merchant id is taken, the deleted one free.
	expectError(t, e2.do(http.MethodPost, "/v2/customers", `{"merchant_customer_id":"keep"}`), http.StatusBadRequest, "taken")
	expectStatus(t, e2.do(http.MethodPost, "/v2/customers", `{"merchant_customer_id":"gone"}`), http.StatusOK)
	// New customers sort after the loaded ones.
	list := e2.do(http.MethodGet, "/v2/customers", "").data(t)
	if len(list) != 2 || list[1]["uuid"] != kept["uuid"] {
		t.Fatalf("list after restart: %v", list)
	}
}

func TestPersistenceErrors(t *testing.T) {
	dir := t.TempDir()
	// Missing file: empty store.
	s, err := New(Options{StatePath: filepath.Join(dir, "missing.json")})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Customers()) != 0 {
		t.Fatal("customers from a missing file")
	}
	_ = s.Close()

	bad := filepath.Join(dir, "bad.json")
	for _, content := range []string{`{not json`, `{"version":99,"customers":[]}`} {
		if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{StatePath: bad}); err == nil {
			t.Fatalf("New accepted state %q", content)
		}
	}
}

func TestSeedPersistsOnce(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "seed.json")
	s, err := New(Options{StatePath: statePath})
	if err != nil {
		t.Fatal(err)
	}
	uuids := s.SeedCustomers(500, "bulk")
	_ = s.Close()
	s2, err := New(Options{StatePath: statePath})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	got := s2.Customers()
	if len(got) != 500 || got[0].UUID != uuids[0] || got[499].UUID != uuids[499] {
		t.Fatalf("reloaded %d customers", len(got))
	}
}
