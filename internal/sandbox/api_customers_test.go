package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	uuidV4RE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	allKeys     = []string{
		"uuid", "merchant_customer_id", "description", "email", "name", "phone", "status", "deleted",
		"city", "country", "zip_code", "address", "metadata", "created_at", "updated_at", "deleted_at",
	}
)

func checkCustomerShape(t *testing.T, m map[string]any) {
	t.Helper()
	for _, k := range allKeys {
		if _, ok := m[k]; !ok {
			t.Fatalf("customer JSON lacks %q: %v", k, m)
		}
	}
	if len(m) != len(allKeys) {
		t.Fatalf("customer JSON has %d keys, want %d: %v", len(m), len(allKeys), m)
	}
	if uuid, _ := m["uuid"].(string); !uuidV4RE.MatchString(uuid) {
		t.Fatalf("uuid %q is not a v4 UUID", uuid)
	}
	if m["status"] != "approved" {
		t.Fatalf("status %v", m["status"])
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if v, _ := m[k].(string); !timestampRE.MatchString(v) {
			t.Fatalf("%s %q is not RFC 3339 UTC with seconds", k, v)
		}
	}
	if _, ok := m["metadata"].(map[string]any); !ok {
		t.Fatalf("metadata %v is not an object", m["metadata"])
	}
}

func TestCreateRetrieve(t *testing.T) {
	e := newEnv(t, Options{})
	full := map[string]any{
		"merchant_customer_id": "cust-1",
		"description":          "Customer",
		"email":                "ana@example.com",
		"name":                 "Ana",
		"phone":                "+38761000111",
		"metadata":             map[string]any{"tier": "gold"},
		"zip_code":             "71000",
		"city":                 "Sarajevo",
		"address":              "Džemala Bijedića 2",
		"country":              "BA",
	}
	c := e.create(full)
	checkCustomerShape(t, c)
	for k, v := range full {
		if k == "metadata" {
			v = map[string]any{"tier": "gold"}
		}
		if !reflect.DeepEqual(c[k], v) {
			t.Fatalf("%s = %v, want %v", k, c[k], v)
		}
	}
	if c["deleted"] != false || c["deleted_at"] != nil || c["created_at"] != "2026-03-15T10:00:00Z" || c["updated_at"] != c["created_at"] {
		t.Fatalf("bad bookkeeping fields: %v", c)
	}
	uuid := str(c["uuid"])
	r := e.do(http.MethodGet, "/v2/customers/"+uuid, "")
	expectStatus(t, r, http.StatusOK)
	if got := r.object(t); !reflect.DeepEqual(got, c) {
		t.Fatalf("retrieve = %v, want %v", got, c)
	}

	// Minimal customer: unset fields are null, metadata is {}; null on
	// create means "not set".
	m := e.create(map[string]any{"phone": nil, "metadata": map[string]any{"k": nil}})
	checkCustomerShape(t, m)
	for _, k := range []string{"merchant_customer_id", "description", "email", "name", "phone", "city", "country", "zip_code", "address", "deleted_at"} {
		if m[k] != nil {
			t.Fatalf("%s = %v, want null", k, m[k])
		}
	}
	if md := obj(m["metadata"]); len(md) != 0 {
		t.Fatalf("metadata %v, want {}", md)
	}
	if m["uuid"] == c["uuid"] {
		t.Fatal("two customers share a uuid")
	}

	stored, ok := e.s.Customer(uuid)
	if !ok || *stored.Name != "Ana" || stored.Metadata["tier"] != "gold" || !stored.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("Customer(%s) = %+v, %v", uuid, stored, ok)
	}
	// Copies: changing the returned value does not change the store.
	stored.Metadata["tier"] = "changed"
	*stored.Name = "changed"
	again, _ := e.s.Customer(uuid)
	if again.Metadata["tier"] != "gold" || *again.Name != "Ana" {
		t.Fatal("Customer returned shared state")
	}

	expectError(t, e.do(http.MethodGet, "/v2/customers/00000000-0000-4000-8000-000000000000", ""), http.StatusNotFound, "Customer not found")
}

func TestDuplicateMerchantCustomerID(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.create(map[string]any{"merchant_customer_id": "dup"})
	r := e.do(http.MethodPost, "/v2/customers", `{"merchant_customer_id":"dup"}`)
	expectError(t, r, http.StatusBadRequest, "merchant_customer_id has already been taken")

	// Update of another customer to the taken id is refused too; to its own
	// id it is fine.
	other := e.create(map[string]any{"merchant_customer_id": "other"})
	expectError(t, e.do(http.MethodPost, "/v2/customers/"+str(other["uuid"]), `{"merchant_customer_id":"dup"}`), http.StatusBadRequest, "merchant_customer_id")
	expectStatus(t, e.do(http.MethodPost, "/v2/customers/"+str(first["uuid"]), `{"merchant_customer_id":"dup"}`), http.StatusOK)

	// Once the holder is deleted the id is free again.
	expectStatus(t, e.do(http.MethodDelete, "/v2/customers/"+str(first["uuid"]), ""), http.StatusOK)
	again := e.create(map[string]any{"merchant_customer_id": "dup"})
	if got, _ := e.s.CustomerByMerchantID("dup"); got.UUID != again["uuid"] {
		t.Fatalf("CustomerByMerchantID = %s, want %s", got.UUID, again["uuid"])
	}
}

func TestValidation(t *testing.T) {
	e := newEnv(t, Options{})
	long := func(n int) string { return strings.Repeat("é", n) } // multi-byte: lengths are in runes
	manyKeys := map[string]any{}
	for i := range 51 {
		manyKeys[fmt.Sprintf("k%02d", i)] = "v"
	}
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"merchant_customer_id too long", jsonString(t, map[string]any{"merchant_customer_id": long(101)}), []string{"merchant_customer_id is too long (maximum is 100 characters)"}},
		{"description too long", jsonString(t, map[string]any{"description": long(201)}), []string{"description is too long (maximum is 200 characters)"}},
		{"email too long", jsonString(t, map[string]any{"email": "a@" + long(199)}), []string{"email is too long (maximum is 200 characters)"}},
		{"name too long", jsonString(t, map[string]any{"name": long(51)}), []string{"name is too long (maximum is 50 characters)"}},
		{"phone too long", jsonString(t, map[string]any{"phone": long(31)}), []string{"phone is too long (maximum is 30 characters)"}},
		{"zip_code too long", jsonString(t, map[string]any{"zip_code": long(10)}), []string{"zip_code is too long (maximum is 9 characters)"}},
		{"city too long", jsonString(t, map[string]any{"city": long(31)}), []string{"city is too long (maximum is 30 characters)"}},
		{"address too long", jsonString(t, map[string]any{"address": long(101)}), []string{"address is too long (maximum is 100 characters)"}},
		{"city too short", `{"city":"ab"}`, []string{"city is too short (minimum is 3 characters)"}},
		{"address too short", `{"address":"ab"}`, []string{"address is too short (minimum is 3 characters)"}},
		{"empty name", `{"name":""}`, []string{"name can't be blank"}},
		{"empty merchant id", `{"merchant_customer_id":""}`, []string{"merchant_customer_id"}},
		{"empty zip", `{"zip_code":""}`, []string{"zip_code"}},
		{"email without @", `{"email":"ana.example.com"}`, []string{"email is invalid"}},
		{"email with two @", `{"email":"a@b@c"}`, []string{"email is invalid"}},
		{"email nothing before @", `{"email":"@example.com"}`, []string{"email is invalid"}},
		{"email nothing after @", `{"email":"ana@"}`, []string{"email is invalid"}},
		{"country XX", `{"country":"XX"}`, []string{"country"}},
		{"country lower case", `{"country":"ba"}`, []string{"country"}},
		{"country alpha-3", `{"country":"BIH"}`, []string{"country"}},
		{"country user-assigned XK", `{"country":"XK"}`, []string{"country"}},
		{"country reserved UK", `{"country":"UK"}`, []string{"country"}},
		{"country empty", `{"country":""}`, []string{"country"}},
		{"two errors", `{"name":"","city":"x"}`, []string{"name", "city"}},
		{"unknown field", `{"name":"Ana","nickname":"A"}`, []string{`unknown field "nickname"`}},
		{"read-only field uuid", `{"uuid":"x"}`, []string{`"uuid"`}},
		{"number for string", `{"name":5}`, []string{"name must be a string"}},
		{"bool for string", `{"country":true}`, []string{"country must be a string"}},
		{"metadata not an object", `{"metadata":"a=b"}`, []string{"metadata must be an object"}},
		{"metadata number value", `{"metadata":{"a":1}}`, []string{"metadata.a must be a string"}},
		{"metadata nested object", `{"metadata":{"a":{"b":"c"}}}`, []string{"metadata.a"}},
		{"metadata empty key", `{"metadata":{"":"v"}}`, []string{"metadata keys must not be empty"}},
		{"metadata key too long", jsonString(t, map[string]any{"metadata": map[string]any{long(41): "v"}}), []string{"metadata key", "maximum is 40"}},
		{"metadata value too long", jsonString(t, map[string]any{"metadata": map[string]any{"k": long(501)}}), []string{"metadata.k is too long (maximum is 500 characters)"}},
		{"metadata too many keys", jsonString(t, map[string]any{"metadata": manyKeys}), []string{"metadata has too many keys (maximum is 50)"}},
		{"invalid JSON", `{"name":`, []string{"not valid JSON"}},
		{"trailing garbage", `{"name":"a"} x`, []string{"not valid JSON"}},
		{"array body", `[{"name":"a"}]`, []string{"JSON object"}},
		{"null body", `null`, []string{"JSON object"}},
		{"empty body", ``, []string{"JSON object"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.do(http.MethodPost, "/v2/customers", tc.body), http.StatusBadRequest, tc.want...)
		})
	}
	if n := len(e.s.Customers()); n != 0 {
		t.Fatalf("%d customers created by invalid requests", n)
	}

	// Updates validate the same way.
	c := e.create(map[string]any{"name": "Ana"})
	path := "/v2/customers/" + str(c["uuid"])
	expectError(t, e.do(http.MethodPost, path, `{"name":"`+long(51)+`"}`), http.StatusBadRequest, "name is too long")
	expectError(t, e.do(http.MethodPost, path, `{"country":"ba"}`), http.StatusBadRequest, "country")
	expectError(t, e.do(http.MethodPost, path, `{"status":"approved"}`), http.StatusBadRequest, `"status"`)

	// Every maximum (and minimum) is accepted, counted in runes.
	ok := e.create(map[string]any{
		"merchant_customer_id": long(100), "description": long(200), "email": "a@" + long(198),
		"name": long(50), "phone": long(30), "zip_code": long(9), "city": long(30), "address": long(100), "country": "ZW",
		"metadata": map[string]any{long(40): long(500), "empty": ""},
	})
	checkCustomerShape(t, ok)
	short := e.create(map[string]any{"city": "abc", "address": "abc", "name": "A", "zip_code": "1", "phone": "1", "description": "d", "merchant_customer_id": "m"})
	checkCustomerShape(t, short)
	// Exactly 50 metadata keys are accepted.
	delete(manyKeys, "k00")
	e.create(map[string]any{"metadata": manyKeys})
}

func TestUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(map[string]any{
		"merchant_customer_id": "u-1", "name": "Ana", "email": "ana@example.com", "phone": "123",
		"metadata": map[string]any{"a": "1", "b": "2"},
	})
	uuid := str(c["uuid"])
	path := "/v2/customers/" + uuid
	update := func(body string) map[string]any {
		t.Helper()
		r := e.do(http.MethodPost, path, body)
		expectStatus(t, r, http.StatusOK)
		m := r.object(t)
		checkCustomerShape(t, m)
		return m
	}

	e.clock.Advance(time.Minute)
	m := update(`{"name":"Ana B","phone":null,"metadata":{"a":null,"c":"3","b":"2"}}`)
	want := map[string]any{
		"name": "Ana B", "phone": nil, "email": "ana@example.com", "merchant_customer_id": "u-1",
		"metadata": map[string]any{"b": "2", "c": "3"}, "created_at": c["created_at"], "updated_at": "2026-03-15T10:01:00Z",
	}
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			t.Fatalf("after update %s = %#v, want %#v", k, m[k], v)
		}
	}
	// The retrieve agrees with the update's answer.
	if got := e.do(http.MethodGet, path, "").object(t); !reflect.DeepEqual(got, m) {
		t.Fatalf("retrieve %v != update answer %v", got, m)
	}

	// An update that changes nothing leaves updated_at alone.
	e.clock.Advance(time.Minute)
	if m2 := update(`{"name":"Ana B","metadata":{"b":"2","gone":null}}`); m2["updated_at"] != m["updated_at"] {
		t.Fatalf("no-op update bumped updated_at to %v", m2["updated_at"])
	}
	if m2 := update(`{}`); !reflect.DeepEqual(m2, m) {
		t.Fatalf("empty update changed the customer: %v", m2)
	}

	// metadata: null clears everything; clearing merchant_customer_id frees it.
	m = update(`{"metadata":null,"merchant_customer_id":null}`)
	if md := obj(m["metadata"]); len(md) != 0 || m["merchant_customer_id"] != nil || m["updated_at"] != "2026-03-15T10:02:00Z" {
		t.Fatalf("after clearing: %v", m)
	}
	if _, ok := e.s.CustomerByMerchantID("u-1"); ok {
		t.Fatal("cleared merchant id still indexed")
	}
	e.create(map[string]any{"merchant_customer_id": "u-1"})

	// Merge after clear, then setting a new merchant id indexes it.
	m = update(`{"metadata":{"x":"1"},"merchant_customer_id":"u-2"}`)
	if md := obj(m["metadata"]); !reflect.DeepEqual(md, map[string]any{"x": "1"}) {
		t.Fatalf("metadata %v", md)
	}
	if got, ok := e.s.CustomerByMerchantID("u-2"); !ok || got.UUID != uuid {
		t.Fatal("new merchant id not indexed")
	}

	expectError(t, e.do(http.MethodPost, "/v2/customers/00000000-0000-4000-8000-000000000000", `{"name":"x"}`), http.StatusNotFound, "Customer not found")
}

func TestDeleteModes(t *testing.T) {
	for _, mode := range []DeletedMode{DeletedNotFound, DeletedReturnsTrue} {
		t.Run(mode.String(), func(t *testing.T) {
			e := newEnv(t, Options{Variants: Variants{DeletedMode: mode}})
			c := e.create(map[string]any{"merchant_customer_id": "del-1", "name": "Del"})
			uuid := str(c["uuid"])
			path := "/v2/customers/" + uuid
			_, err := e.s.AttachCard(uuid, Card{})
			if err != nil {
				t.Fatal(err)
			}

			e.clock.Advance(time.Hour)
			r := e.do(http.MethodDelete, path, "")
			expectStatus(t, r, http.StatusOK)
			if got := r.object(t); !reflect.DeepEqual(got, map[string]any{"status": "approved", "id": uuid, "deleted": true}) {
				t.Fatalf("delete answer %v", got)
			}
			stored, _ := e.s.Customer(uuid)
			if !stored.Deleted || stored.DeletedAt == nil || !stored.DeletedAt.Equal(e.clock.Now()) {
				t.Fatalf("stored after delete: %+v", stored)
			}

			get := e.do(http.MethodGet, path, "")
			byMID := e.do(http.MethodGet, "/v2/merchants/customers/del-1", "")
			again := e.do(http.MethodDelete, path, "")
			upd := e.do(http.MethodPost, path, `{"name":"Changed"}`)
			switch mode {
			case DeletedNotFound:
				expectError(t, get, http.StatusNotFound, "Customer not found")
				expectError(t, byMID, http.StatusNotFound, "Customer not found")
				expectError(t, again, http.StatusNotFound, "Customer not found")
				expectError(t, upd, http.StatusNotFound, "Customer not found")
			case DeletedReturnsTrue:
				for _, r := range []response{get, byMID, upd} {
					expectStatus(t, r, http.StatusOK)
					m := r.object(t)
					checkCustomerShape(t, m)
					if m["deleted"] != true || m["deleted_at"] != "2026-03-15T11:00:00Z" || m["name"] != "Del" || m["uuid"] != uuid {
						t.Fatalf("deleted customer answered as %v", m)
					}
				}
				expectStatus(t, again, http.StatusOK)
				if got := again.object(t); got["id"] != uuid || got["deleted"] != true {
					t.Fatalf("second delete answer %v", got)
				}
				// Invalid updates are still rejected.
				expectError(t, e.do(http.MethodPost, path, `{"name":""}`), http.StatusBadRequest, "name")
			}
			// Payment methods of a deleted customer: 404 in both modes.
			expectError(t, e.do(http.MethodGet, path+"/payment-methods", ""), http.StatusNotFound, "Customer not found")
			// Unknown uuid: 404 in both modes.
			expectError(t, e.do(http.MethodDelete, "/v2/customers/nope", ""), http.StatusNotFound, "Customer not found")
			if _, ok := e.s.CustomerByMerchantID("del-1"); ok {
				t.Fatal("CustomerByMerchantID returned a deleted customer")
			}
			if got, _ := e.s.Customer(uuid); got.Name == nil || *got.Name != "Del" {
				t.Fatal("update of a deleted customer was applied")
			}
		})
	}
}

func TestMerchantIDLookup(t *testing.T) {
	e := newEnv(t, Options{})
	ids := []string{"a/b c%d é", "plain", "with+plus", "semi;colon?q=1#frag", "..", "a//b/"}
	for _, id := range ids {
		c := e.create(map[string]any{"merchant_customer_id": id})
		r := e.do(http.MethodGet, "/v2/merchants/customers/"+url.PathEscape(id), "")
		expectStatus(t, r, http.StatusOK)
		got := r.object(t)
		if got["uuid"] != c["uuid"] || got["merchant_customer_id"] != id {
			t.Fatalf("lookup of %q = %v", id, got)
		}
	}
	if got := e.s.RequestCount(RouteGetByMerchantID); got != len(ids) {
		t.Fatalf("RequestCount(merchant) = %d", got)
	}
	// The unescaped prefix "a" of "a/b c%d é" is a different id.
	expectError(t, e.do(http.MethodGet, "/v2/merchants/customers/a", ""), http.StatusNotFound, "Customer not found")
	expectError(t, e.do(http.MethodGet, "/v2/merchants/customers/"+url.PathEscape("missing"), ""), http.StatusNotFound, "Customer not found")
}

func TestRouting(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodPut, "/v2/customers", http.StatusMethodNotAllowed},
		{http.MethodPatch, "/v2/customers/abc", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v2/merchants/customers/abc", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v2/oauth", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v2/customer", http.StatusNotFound},
		{http.MethodGet, "/v2/customers/abc/cards", http.StatusNotFound},
		{http.MethodGet, "/v2/merchants/customers/", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
	}
	for _, tc := range tests {
		r := e.do(tc.method, tc.path, "")
		expectStatus(t, r, tc.status)
		if tc.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
			t.Fatalf("%s %s: no Allow header", tc.method, tc.path)
		}
	}
	if n := e.s.TotalRequests(); n != 0 {
		t.Fatalf("unrouted requests were counted: %d", n)
	}
	// A query on a route without parameters is rejected.
	c := e.create(map[string]any{"name": "Q"})
	expectError(t, e.do(http.MethodGet, "/v2/customers/"+str(c["uuid"])+"?expand=all", ""), http.StatusBadRequest, `"expand"`)
}

func TestOutOfBandHelpers(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(map[string]any{"merchant_customer_id": "oob", "name": "Oob"})
	uuid := str(c["uuid"])

	e.clock.Advance(time.Minute)
	if !e.s.EditCustomer(uuid, func(c *Customer) { c.Name = strPtr("Drifted"); c.Country = strPtr("ba") }) {
		t.Fatal("EditCustomer failed")
	}
	m := e.do(http.MethodGet, "/v2/customers/"+uuid, "").object(t)
	if m["name"] != "Drifted" || m["country"] != "ba" || m["updated_at"] != "2026-03-15T10:01:00Z" {
		t.Fatalf("after EditCustomer: %v", m)
	}
	other := e.create(map[string]any{"merchant_customer_id": "taken"})
	if e.s.EditCustomer(uuid, func(c *Customer) { c.MerchantCustomerID = strPtr("taken") }) {
		t.Fatal("EditCustomer allowed a duplicate live merchant id")
	}
	if e.s.EditCustomer("nope", func(*Customer) {}) {
		t.Fatal("EditCustomer of unknown uuid succeeded")
	}

	if !e.s.DeleteCustomer(uuid) || e.s.DeleteCustomer(uuid) || e.s.DeleteCustomer("nope") {
		t.Fatal("DeleteCustomer results wrong")
	}
	expectStatus(t, e.do(http.MethodGet, "/v2/customers/"+uuid, ""), http.StatusNotFound)
	all := e.s.Customers()
	if len(all) != 2 || all[0].UUID != uuid || all[1].UUID != other["uuid"] || !all[0].Deleted {
		t.Fatalf("Customers() = %+v", all)
	}

	// Undelete through EditCustomer.
	if !e.s.EditCustomer(uuid, func(c *Customer) { c.Deleted = false }) {
		t.Fatal("undelete failed")
	}
	if got, ok := e.s.CustomerByMerchantID("oob"); !ok || got.DeletedAt != nil {
		t.Fatalf("undeleted customer: %+v %v", got, ok)
	}

	// SeedCustomers: strictly increasing created_at, skips taken numbers.
	e.create(map[string]any{"merchant_customer_id": "seed-00002"})
	uuids := e.s.SeedCustomers(3, "seed")
	var prev time.Time
	var mids []string
	for _, u := range uuids {
		c, ok := e.s.Customer(u)
		if !ok || !c.CreatedAt.After(prev) {
			t.Fatalf("seeded customer %s: %+v", u, c)
		}
		prev = c.CreatedAt
		mids = append(mids, *c.MerchantCustomerID)
	}
	if !slices.Equal(mids, []string{"seed-00001", "seed-00003", "seed-00004"}) {
		t.Fatalf("seeded merchant ids %v", mids)
	}
}

func TestLiveCustomers(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	uuids := s.SeedCustomers(3, "live")
	if !s.DeleteCustomer(uuids[1]) {
		t.Fatal("DeleteCustomer failed")
	}
	var got []string
	for _, c := range s.LiveCustomers() {
		got = append(got, c.UUID)
	}
	if want := []string{uuids[0], uuids[2]}; !slices.Equal(got, want) {
		t.Fatalf("LiveCustomers = %v, want %v (creation order, the deleted one left out)", got, want)
	}
	if n := len(s.Customers()); n != 3 {
		t.Fatalf("Customers has %d, want all 3", n)
	}
}
