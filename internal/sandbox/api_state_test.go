package sandbox

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state.db")
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
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files in state dir: %v", entries)
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
	// New customers sort after the loaded ones, and their counter went on.
	list := e2.do(http.MethodGet, "/v2/customers", "").data(t)
	if len(list) != 2 || list[1]["uuid"] != kept["uuid"] {
		t.Fatalf("list after restart: %v", list)
	}
	if all := e2.s.Customers(); len(all) != 3 || all[0].UUID != str(kept["uuid"]) || all[2].MerchantCustomerID == nil || *all[2].MerchantCustomerID != "gone" {
		t.Fatalf("creation order after restart: %+v", all)
	}
}

// A -state JSON file of the earlier sandbox is refused with a message that
// says how to load it; -import (Server.Import) loads it.
func TestStateJSONFileOfEarlierVersion(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "sandbox.json")
	const oldState = `{
  "version": 1,
  "customers": [
    {"seq": 1, "uuid": "11111111-1111-4111-8111-111111111111", "merchant_customer_id": "old-1", "description": null,
     "email": "old@example.com", "name": "Old", "phone": null, "zip_code": null, "city": null, "address": null,
     "country": "BA", "metadata": {"k": "v"}, "deleted": false,
     "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z", "deleted_at": null}
  ],
  "payment_methods": [
    {"seq": 1, "id": "aa", "status": "approved", "masked_pan": "411111******1111", "expiration_date": "2030-12-31",
     "keep_until": "2030-12-31T23:59:59Z", "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
     "customer_uuid": "11111111-1111-4111-8111-111111111111", "token": "aa", "expired": false}
  ]
}
`
	if err := os.WriteFile(old, []byte(oldState), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{StatePath: old})
	if err == nil || !strings.Contains(err.Error(), "JSON state file of an earlier monri-sandbox") ||
		!strings.Contains(err.Error(), "-state "+old+" -import "+old+".old") {
		t.Fatalf("New on a JSON state file: %v", err)
	}
	if data, _ := os.ReadFile(old); string(data) != oldState { //nolint:gosec // G304: the test's own temp file.
		t.Fatal("the JSON state file was changed")
	}

	s, err := New(Options{StatePath: filepath.Join(dir, "sandbox.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if err := s.Import(strings.NewReader(oldState)); err != nil {
		t.Fatal(err)
	}
	c, ok := s.CustomerByMerchantID("old-1")
	if !ok || c.UUID != "11111111-1111-4111-8111-111111111111" || c.Metadata["k"] != "v" || !c.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("imported %+v %v", c, ok)
	}
}

func TestStateErrors(t *testing.T) {
	dir := t.TempDir()
	// Missing file: empty store.
	missing := filepath.Join(dir, "missing.db")
	s, err := New(Options{StatePath: missing})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Customers()) != 0 {
		t.Fatal("customers from a missing file")
	}
	// The file is held by s: a second sandbox on it gives up.
	if _, err := New(Options{StatePath: missing}); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("second sandbox on one file: %v", err)
	}
	_ = s.Close()

	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("not a database "), 400), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: bad}); err == nil || !strings.Contains(err.Error(), "sandbox: the -state file "+bad+" cannot be used: it is not a bbolt database") {
		t.Fatalf("New on a file that is no database: %v", err)
	}
}

func TestSeedPersists(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "seed.db")
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

// GET /sandbox/export writes the whole store, sorted and stable; Import of
// it into an empty sandbox (in memory or with a state file) gives the same
// customers, cards and export.
func TestExportImportRoundTrip(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, Variants: Variants{DistinctCardIDs: true}})
	e.clock = clock
	a := e.create(map[string]any{"merchant_customer_id": "a", "name": "Ä <b>", "metadata": map[string]any{"x": "1", "y": "2"}})
	clock.Advance(1500 * time.Millisecond)
	b := e.create(map[string]any{"merchant_customer_id": "b", "email": "b@example.com"})
	clock.Advance(time.Second)
	e.create(map[string]any{"name": "no merchant id"})
	expectStatus(t, e.do(http.MethodDelete, "/v2/customers/"+str(b["uuid"]), ""), http.StatusOK)
	e.create(map[string]any{"merchant_customer_id": "b"}) // The deleted b's id, reused.
	for range 2 {
		if _, err := e.s.AttachCard(str(a["uuid"]), Card{}); err != nil {
			t.Fatal(err)
		}
	}
	if !e.s.EditCustomer(str(a["uuid"]), func(c *Customer) { c.CreatedAt = c.CreatedAt.Add(time.Hour) }) {
		t.Fatal("edit")
	}

	export := func(e *env) []byte {
		t.Helper()
		req := e.request(http.MethodGet, "/sandbox/export", "")
		r := e.send(req)
		expectStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		return r.body
	}
	first := export(e)
	if again := export(e); !bytes.Equal(first, again) {
		t.Fatalf("two exports differ:\n%s\n%s", first, again)
	}
	for _, want := range []string{`"version": 1`, `"seq": 4`, `"name": "Ä <b>"`, `"deleted": true`, `"payment_methods": [`} {
		if !bytes.Contains(first, []byte(want)) {
			t.Fatalf("export lacks %s:\n%s", want, first)
		}
	}

	for _, statePath := range []string{"", filepath.Join(t.TempDir(), "imported.db")} {
		e2 := newEnv(t, Options{Now: clock.Now, StatePath: statePath})
		e2.clock = clock
		if err := e2.s.Import(bytes.NewReader(first)); err != nil {
			t.Fatal(err)
		}
		if got, want := e2.s.Customers(), e.s.Customers(); !reflect.DeepEqual(got, want) {
			t.Fatalf("imported customers (state %q)\n%+v\nwant\n%+v", statePath, got, want)
		}
		for _, path := range []string{"/v2/customers?offset=0&limit=10", "/v2/customers/" + str(a["uuid"]) + "/payment-methods"} {
			if got, want := e2.do(http.MethodGet, path, ""), e.do(http.MethodGet, path, ""); !bytes.Equal(got.body, want.body) {
				t.Fatalf("GET %s after import:\n%s\nwant\n%s", path, got.body, want.body)
			}
		}
		if again := export(e2); !bytes.Equal(first, again) {
			t.Fatalf("export after import differs:\n%s\n%s", again, first)
		}
		// Only into an empty store.
		if err := e2.s.Import(bytes.NewReader(first)); err == nil || !strings.Contains(err.Error(), "import needs an empty store") {
			t.Fatalf("second import: %v", err)
		}
	}
}

func TestImportErrors(t *testing.T) {
	const cust = `{"seq":1,"uuid":"u1","merchant_customer_id":"m","metadata":{},"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	const other = `{"seq":2,"uuid":"u2","merchant_customer_id":"m","metadata":{},"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	for _, tc := range []struct{ dump, want string }{
		{`{not json`, "sandbox: import: not a sandbox export"},
		{`{"version":1,"customers":[],"cards":[]}`, `unknown field "cards"`},
		{`{"version":2,"customers":[]}`, "dump version 2, want 1"},
		{`{"version":1,"customers":[{"seq":1,"uuid":""}]}`, "customer 1 has no uuid"},
		{`{"version":1,"customers":[` + cust + `,` + cust + `]}`, "customer u1 is listed twice"},
		{`{"version":1,"customers":[` + cust + `,` + other + `]}`, `customer u2: merchant_customer_id "m"`},
		{`{"version":1,"customers":[` + cust + `],"payment_methods":[{"seq":1,"id":"p","customer_uuid":"nobody"}]}`, "payment method p of customer nobody: store: customer not found"},
	} {
		s, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Import(strings.NewReader(tc.dump))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Import(%s) = %v, want %q", tc.dump, err, tc.want)
		}
		if n := len(s.Customers()); n != 0 {
			t.Errorf("Import(%s) left %d customers", tc.dump, n)
		}
		_ = s.Close()
	}
}
