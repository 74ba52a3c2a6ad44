package sandbox

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// unknownUUID is a well-formed uuid no test creates.
const unknownUUID = "00000000-0000-4000-8000-000000000000"

// variantCase is one row of TestVariants: a scenario run once with the
// default variants and once with spec, and a check of the answer in both.
type variantCase struct {
	spec string
	// run prepares the sandbox and sends the request whose answer shows the
	// difference.
	run func(e *env) response
	// check checks the answer; on says whether spec is active.
	check func(t *testing.T, r response, on bool)
}

func TestVariants(t *testing.T) {
	// The fake clock starts on a whole second; advancing it by 675 ms makes
	// the fraction visible in timestamps=offset-millis.
	createAt675 := func(e *env) response {
		e.clock.Advance(675 * time.Millisecond)
		return e.do(http.MethodPost, "/v2/customers", `{"name":"Ana"}`)
	}
	createdAt := func(want string) func(t *testing.T, r response, on bool) {
		return func(t *testing.T, r response, on bool) {
			expectStatus(t, r, http.StatusOK)
			m := r.object(t)
			w := "2026-03-15T10:00:00Z" // whole seconds, UTC
			if on {
				w = want
			}
			if m["created_at"] != w || m["updated_at"] != w || m["deleted_at"] != nil {
				t.Fatalf("created_at %v, updated_at %v, want %s", m["created_at"], m["updated_at"], w)
			}
		}
	}
	// createAndDelete creates a customer and deletes it, returning its uuid.
	createAndDelete := func(e *env) string {
		uuid := str(e.create(map[string]any{"name": "Del"})["uuid"])
		expectStatus(e.t, e.do(http.MethodDelete, "/v2/customers/"+uuid, ""), http.StatusOK)
		return uuid
	}
	deleteAnswer := func(want func(uuid string) map[string]any) (func(e *env) response, func(t *testing.T, r response, on bool)) {
		var uuid string
		return func(e *env) response {
				uuid = str(e.create(map[string]any{"name": "Del"})["uuid"])
				return e.do(http.MethodDelete, "/v2/customers/"+uuid, "")
			}, func(t *testing.T, r response, on bool) {
				expectStatus(t, r, http.StatusOK)
				w := map[string]any{"status": "approved", "id": uuid, "deleted": true}
				if on {
					w = want(uuid)
				}
				if got := r.object(t); !reflect.DeepEqual(got, w) {
					t.Fatalf("delete answer %v, want %v", got, w)
				}
			}
	}
	listOne := func(e *env) response {
		e.create(map[string]any{"name": "Listed"})
		return e.do(http.MethodGet, "/v2/customers", "")
	}
	listKeys := func(wantKeys ...string) func(t *testing.T, r response, on bool) {
		return func(t *testing.T, r response, on bool) {
			expectStatus(t, r, http.StatusOK)
			items := r.data(t)
			if len(items) != 1 {
				t.Fatalf("%d items", len(items))
			}
			want := []string{"uuid"}
			if on {
				want = wantKeys
			}
			var id string
			for _, k := range []string{"uuid", "id"} {
				v, has := items[0][k]
				if has != slices.Contains(want, k) {
					t.Fatalf("list item has %q: %v, want keys %v: %v", k, has, want, items[0])
				}
				if has {
					if id != "" && v != id {
						t.Fatalf("uuid and id differ: %v", items[0])
					}
					id = str(v)
					if !uuidV4RE.MatchString(id) {
						t.Fatalf("%s = %v", k, v)
					}
				}
			}
			if len(items[0]) != len(allKeys)-1+len(want) {
				t.Fatalf("list item has %d keys: %v", len(items[0]), items[0])
			}
		}
	}
	deleteWithUUID := func(uuid string) map[string]any {
		return map[string]any{"status": "approved", "uuid": uuid, "deleted": true}
	}
	deleteWithBoth := func(uuid string) map[string]any {
		return map[string]any{"status": "approved", "uuid": uuid, "id": uuid, "deleted": true}
	}
	deleteWithNone := func(string) map[string]any {
		return map[string]any{"status": "approved", "deleted": true}
	}
	deleteWithString := func(uuid string) map[string]any {
		return map[string]any{"status": "approved", "id": uuid, "deleted": "true"}
	}
	delUUIDRun, delUUIDCheck := deleteAnswer(deleteWithUUID)
	delBothRun, delBothCheck := deleteAnswer(deleteWithBoth)
	delNoneRun, delNoneCheck := deleteAnswer(deleteWithNone)
	delStringRun, delStringCheck := deleteAnswer(deleteWithString)

	tests := []variantCase{
		{
			spec: "deleted-true",
			run: func(e *env) response {
				uuid := createAndDelete(e)
				return e.do(http.MethodGet, "/v2/customers/"+uuid, "")
			},
			check: func(t *testing.T, r response, on bool) {
				if !on {
					expectError(t, r, http.StatusNotFound, "Customer not found")
					return
				}
				expectStatus(t, r, http.StatusOK)
				if m := r.object(t); m["deleted"] != true || m["deleted_at"] != "2026-03-15T10:00:00Z" || m["name"] != "Del" {
					t.Fatalf("deleted customer answered as %v", m)
				}
			},
		},
		{
			spec: "list-includes-deleted",
			run: func(e *env) response {
				e.create(map[string]any{"name": "Live"})
				e.clock.Advance(time.Second)
				_ = createAndDelete(e)
				return e.do(http.MethodGet, "/v2/customers", "")
			},
			check: func(t *testing.T, r response, on bool) {
				expectStatus(t, r, http.StatusOK)
				items := r.data(t)
				var names []string
				for _, m := range items {
					names = append(names, fmt.Sprintf("%v deleted=%v at %v", m["name"], m["deleted"], m["deleted_at"]))
				}
				want := []string{"Live deleted=false at <nil>"}
				if on {
					want = []string{"Del deleted=true at 2026-03-15T10:00:01Z", "Live deleted=false at <nil>"}
				}
				if !slices.Equal(names, want) {
					t.Fatalf("listed %v, want %v", names, want)
				}
			},
		},
		{
			spec: "normalize-emails",
			run: func(e *env) response {
				return e.do(http.MethodPost, "/v2/customers", `{"email":"Ana.B@Example.COM"}`)
			},
			check: func(t *testing.T, r response, on bool) {
				expectStatus(t, r, http.StatusOK)
				want := "Ana.B@Example.COM"
				if on {
					want = "ana.b@example.com"
				}
				if got := r.object(t)["email"]; got != want {
					t.Fatalf("email %v, want %s", got, want)
				}
			},
		},
		{
			spec: "page-cap=2",
			run: func(e *env) response {
				e.s.SeedCustomers(3, "cap")
				return e.do(http.MethodGet, "/v2/customers?limit=3", "")
			},
			check: func(t *testing.T, r response, on bool) {
				expectStatus(t, r, http.StatusOK)
				want := 3
				if on {
					want = 2
				}
				if got := len(r.data(t)); got != want {
					t.Fatalf("%d items, want %d", got, want)
				}
			},
		},
		{
			spec: "limit-above-cap-400",
			run: func(e *env) response {
				e.s.SeedCustomers(1, "big")
				return e.do(http.MethodGet, "/v2/customers?limit=101", "")
			},
			check: func(t *testing.T, r response, on bool) {
				if on {
					expectError(t, r, http.StatusBadRequest, "limit must be less than or equal to 100")
					return
				}
				expectStatus(t, r, http.StatusOK)
				if got := len(r.data(t)); got != 1 {
					t.Fatalf("%d items", got)
				}
			},
		},
		{
			spec: "page-cap=2,limit-above-cap-400",
			run: func(e *env) response {
				uuid := e.s.SeedCustomers(1, "cards")[0]
				return e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods?limit=3", "")
			},
			check: func(t *testing.T, r response, on bool) {
				if on {
					expectError(t, r, http.StatusBadRequest, "limit must be less than or equal to 2")
					return
				}
				expectStatus(t, r, http.StatusOK)
			},
		},
		{
			spec: "ignore-null-fields",
			run: func(e *env) response {
				uuid := str(e.create(map[string]any{"name": "Ana", "city": "Mostar", "metadata": map[string]any{"a": "1", "b": "2"}})["uuid"])
				e.clock.Advance(time.Minute)
				return e.do(http.MethodPost, "/v2/customers/"+uuid, `{"name":null,"city":"Sarajevo","metadata":{"a":null}}`)
			},
			check: func(t *testing.T, r response, on bool) {
				expectStatus(t, r, http.StatusOK)
				m := r.object(t)
				var wantName any // cleared
				if on {
					wantName = "Ana" // kept
				}
				if m["name"] != wantName || m["city"] != "Sarajevo" || !reflect.DeepEqual(m["metadata"], map[string]any{"b": "2"}) ||
					m["updated_at"] != "2026-03-15T10:01:00Z" {
					t.Fatalf("after update: %v", m)
				}
			},
		},
		{
			spec: "bearer-only",
			run: func(e *env) response {
				return e.do(http.MethodGet, "/v2/customers", "")
			},
			check: func(t *testing.T, r response, on bool) {
				if on {
					expectError(t, r, http.StatusUnauthorized, "Bearer", "POST /v2/oauth", "WP3-v2.1")
					return
				}
				expectStatus(t, r, http.StatusOK)
			},
		},
		{
			spec: "unknown-customer-empty-cards",
			run: func(e *env) response {
				return e.do(http.MethodGet, "/v2/customers/"+unknownUUID+"/payment-methods", "")
			},
			check: func(t *testing.T, r response, on bool) {
				if !on {
					expectError(t, r, http.StatusNotFound, "Customer not found")
					return
				}
				expectStatus(t, r, http.StatusOK)
				if string(r.body) != `{"status":"approved","data":[]}` {
					t.Fatalf("body %s", r.body)
				}
			},
		},
		{
			spec: "delete-deleted-400",
			run: func(e *env) response {
				uuid := createAndDelete(e)
				return e.do(http.MethodDelete, "/v2/customers/"+uuid, "")
			},
			check: func(t *testing.T, r response, on bool) {
				if on {
					expectError(t, r, http.StatusBadRequest, "already deleted")
					return
				}
				expectError(t, r, http.StatusNotFound, "Customer not found")
			},
		},
		{
			spec: "deleted-true,delete-deleted-400",
			run: func(e *env) response {
				uuid := createAndDelete(e)
				return e.do(http.MethodDelete, "/v2/customers/"+uuid, "")
			},
			check: func(t *testing.T, r response, on bool) {
				if on {
					expectError(t, r, http.StatusBadRequest, "already deleted")
					return
				}
				expectError(t, r, http.StatusNotFound, "Customer not found")
			},
		},
		{spec: "deleted-as-string", run: delStringRun, check: delStringCheck},
		{spec: "timestamps=offset", run: createAt675, check: createdAt("2026-03-15T12:00:00+02:00")},
		{spec: "timestamps=offset-millis", run: createAt675, check: createdAt("2026-03-15T12:00:00.675+02:00")},
		{spec: "list-key=id", run: listOne, check: listKeys("id")},
		{spec: "list-key=both", run: listOne, check: listKeys("uuid", "id")},
		{spec: "delete-key=uuid", run: delUUIDRun, check: delUUIDCheck},
		{spec: "delete-key=both", run: delBothRun, check: delBothCheck},
		{spec: "delete-key=none", run: delNoneRun, check: delNoneCheck},
		{
			spec: "distinct-card-ids",
			run: func(e *env) response {
				uuid := e.s.SeedCustomers(1, "card")[0]
				if _, err := e.s.AttachCard(uuid, Card{}); err != nil {
					e.t.Fatal(err)
				}
				return e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", "")
			},
			check: func(t *testing.T, r response, on bool) {
				expectStatus(t, r, http.StatusOK)
				items := r.data(t)
				if len(items) != 1 || !isHex(str(items[0]["id"])) || !isHex(str(items[0]["token"])) {
					t.Fatalf("cards %v", items)
				}
				if same := items[0]["id"] == items[0]["token"]; same == on {
					t.Fatalf("id == token is %v, want %v: %v", same, !on, items[0])
				}
			},
		},
	}

	// Every variant has a row.
	for _, d := range VariantDocs() {
		name, _, _ := strings.Cut(d.Name, "=")
		if !slices.ContainsFunc(tests, func(tc variantCase) bool {
			return slices.ContainsFunc(strings.Split(tc.spec, ","), func(item string) bool {
				return item == name || strings.HasPrefix(item, name+"=")
			})
		}) {
			t.Errorf("no TestVariants row for %s", d.Name)
		}
	}

	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			v, err := ParseVariants(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if v == (Variants{}) || v.String() != tc.spec {
				t.Fatalf("ParseVariants(%q) = %+v, String %q", tc.spec, v, v.String())
			}
			for _, on := range []bool{false, true} {
				opts := Options{}
				if on {
					opts.Variants = v
				}
				e := newEnv(t, opts)
				tc.check(t, tc.run(e), on)
			}
		})
	}
}

// bearerToken gets an access token with scopes from the sandbox.
func (e *env) bearerToken(scopes ...string) string {
	e.t.Helper()
	token, key := e.s.Credentials()
	body := jsonString(e.t, map[string]any{"client_id": token, "client_secret": key, "scopes": scopes, "grant_type": "client_credentials"})
	r := e.send(e.request(http.MethodPost, "/v2/oauth", body))
	expectStatus(e.t, r, http.StatusOK)
	return str(r.object(e.t)["access_token"])
}

func (e *env) doBearer(tok, method, path, body string) response {
	e.t.Helper()
	req := e.request(method, path, body)
	req.Header.Set("Authorization", "Bearer "+tok)
	return e.send(req)
}

func TestBearerOnly(t *testing.T) {
	e := newEnv(t, Options{Variants: Variants{BearerOnly: true}})
	// The Monri PHP SDK asks for payments as well: it is granted.
	tok := e.bearerToken("customers", "payment-methods", "payments")
	custOnly := e.bearerToken("customers")
	r := e.doBearer(tok, http.MethodPost, "/v2/customers", `{"merchant_customer_id":"b-1","name":"Bearer"}`)
	expectStatus(t, r, http.StatusOK)
	uuid := str(r.object(t)["uuid"])

	routes := []struct{ method, path, body string }{
		{http.MethodPost, "/v2/customers", `{"name":"x"}`},
		{http.MethodGet, "/v2/customers", ""},
		{http.MethodGet, "/v2/customers/" + uuid, ""},
		{http.MethodPost, "/v2/customers/" + uuid, `{"name":"y"}`},
		{http.MethodGet, "/v2/merchants/customers/b-1", ""},
		{http.MethodGet, "/v2/customers/" + uuid + "/payment-methods", ""},
		{http.MethodDelete, "/v2/customers/" + uuid, ""},
	}
	for _, rt := range routes {
		// A correctly signed WP3-v2.1 request is refused, and so is any
		// other scheme; the message names the way out.
		expectError(t, e.do(rt.method, rt.path, rt.body), http.StatusUnauthorized, "Bearer", "POST /v2/oauth")
		req := e.request(rt.method, rt.path, rt.body)
		req.Header.Set("Authorization", "Basic Zm9vOmJhcg==")
		expectError(t, e.send(req), http.StatusUnauthorized, "Bearer")
		expectError(t, e.send(e.request(rt.method, rt.path, rt.body)), http.StatusUnauthorized, "missing", "Bearer")
	}
	if got := e.s.Customers(); len(got) != 1 || *got[0].Name != "Bearer" {
		t.Fatalf("refused requests changed the store: %+v", got)
	}
	// The route's scope is still required.
	expectError(t, e.doBearer(custOnly, http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", ""), http.StatusForbidden, "payment-methods")
	for _, rt := range routes {
		r := e.doBearer(tok, rt.method, rt.path, rt.body)
		expectStatus(t, r, http.StatusOK)
	}
	// A token with payments only opens no customer route.
	payOnly := e.bearerToken("payments")
	expectError(t, e.doBearer(payOnly, http.MethodGet, "/v2/customers", ""), http.StatusForbidden, "customers")
}

func TestVariantDetails(t *testing.T) {
	t.Run("unknown-customer-empty-cards answers a deleted customer's cards as empty", func(t *testing.T) {
		e := newEnv(t, Options{Variants: Variants{UnknownCustomerEmptyCards: true}})
		uuid := e.s.SeedCustomers(1, "gone")[0]
		if _, err := e.s.AttachCard(uuid, Card{}); err != nil {
			t.Fatal(err)
		}
		if got := e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", "").data(t); len(got) != 1 {
			t.Fatalf("%d cards", len(got))
		}
		e.s.DeleteCustomer(uuid)
		r := e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", "")
		expectStatus(t, r, http.StatusOK)
		if got := r.data(t); len(got) != 0 {
			t.Fatalf("deleted customer lists %v", got)
		}
		// Bad paging is still refused.
		expectError(t, e.do(http.MethodGet, "/v2/customers/"+unknownUUID+"/payment-methods?limit=0", ""), http.StatusBadRequest, "limit")
	})

	t.Run("delete-deleted-400 still answers 404 for an unknown uuid", func(t *testing.T) {
		e := newEnv(t, Options{Variants: Variants{DeleteDeletedAnswers400: true}})
		expectError(t, e.do(http.MethodDelete, "/v2/customers/"+unknownUUID, ""), http.StatusNotFound, "Customer not found")
	})

	t.Run("ignore-null-fields: metadata null still clears metadata", func(t *testing.T) {
		e := newEnv(t, Options{Variants: Variants{IgnoreNullFields: true}})
		uuid := str(e.create(map[string]any{"name": "Ana", "metadata": map[string]any{"a": "1"}})["uuid"])
		r := e.do(http.MethodPost, "/v2/customers/"+uuid, `{"metadata":null,"phone":null}`)
		expectStatus(t, r, http.StatusOK)
		if m := r.object(t); m["name"] != "Ana" || len(obj(m["metadata"])) != 0 || m["phone"] != nil {
			t.Fatalf("after update: %v", m)
		}
		// Invalid values are still refused.
		expectError(t, e.do(http.MethodPost, "/v2/customers/"+uuid, `{"name":""}`), http.StatusBadRequest, "name")
	})

	t.Run("deleted-as-string in customer objects and list items", func(t *testing.T) {
		e := newEnv(t, Options{Variants: Variants{DeletedAsString: true, DeletedMode: DeletedReturnsTrue, ListIncludesDeleted: true}})
		c := e.create(map[string]any{"name": "Str"})
		if c["deleted"] != "false" {
			t.Fatalf("created: deleted = %#v", c["deleted"])
		}
		uuid := str(c["uuid"])
		e.s.SeedCustomers(1, "live")
		e.s.DeleteCustomer(uuid)
		if m := e.do(http.MethodGet, "/v2/customers/"+uuid, "").object(t); m["deleted"] != "true" {
			t.Fatalf("retrieve: deleted = %#v", m["deleted"])
		}
		items := e.do(http.MethodGet, "/v2/customers", "").data(t)
		if len(items) != 2 || items[0]["deleted"] != "false" || items[1]["deleted"] != "true" {
			t.Fatalf("list items %v", items)
		}
		if m := e.do(http.MethodDelete, "/v2/customers/"+uuid, "").object(t); m["deleted"] != "true" {
			t.Fatalf("second delete: %v", m)
		}
	})

	t.Run("timestamps=offset-millis on cards and deleted_at", func(t *testing.T) {
		e := newEnv(t, Options{Variants: Variants{TimestampFormat: TimestampsOffsetMillis, DeletedMode: DeletedReturnsTrue}})
		e.clock.Advance(5 * time.Millisecond)
		uuid := e.s.SeedCustomers(1, "ts")[0]
		if _, err := e.s.AttachCard(uuid, Card{ExpirationMonth: time.December, ExpirationYear: 2030}); err != nil {
			t.Fatal(err)
		}
		cards := e.do(http.MethodGet, "/v2/customers/"+uuid+"/payment-methods", "").data(t)
		if len(cards) != 1 || cards[0]["keep_until"] != "2031-01-01T01:59:59.000+02:00" || cards[0]["created_at"] != "2026-03-15T12:00:00.005+02:00" {
			t.Fatalf("card %v", cards)
		}
		e.clock.Advance(time.Second)
		e.s.DeleteCustomer(uuid)
		if m := e.do(http.MethodGet, "/v2/customers/"+uuid, "").object(t); m["deleted_at"] != "2026-03-15T12:00:01.005+02:00" {
			t.Fatalf("deleted customer %v", m)
		}
		// The store keeps the milliseconds; the default format shows whole seconds.
		if err := e.s.SetVariants(Variants{DeletedMode: DeletedReturnsTrue}); err != nil {
			t.Fatal(err)
		}
		if m := e.do(http.MethodGet, "/v2/customers/"+uuid, "").object(t); m["deleted_at"] != "2026-03-15T10:00:01Z" {
			t.Fatalf("deleted customer %v", m)
		}
	})

	t.Run("list-key does not change single objects", func(t *testing.T) {
		e := newEnv(t, Options{Variants: Variants{ListItemKey: KeyID}})
		c := e.create(map[string]any{"name": "One"})
		checkCustomerShape(t, c)
		checkCustomerShape(t, e.do(http.MethodGet, "/v2/customers/"+str(c["uuid"]), "").object(t))
	})
}

func TestParseVariants(t *testing.T) {
	full := "deleted-true,list-includes-deleted,normalize-emails,page-cap=20,limit-above-cap-400,ignore-null-fields," +
		"bearer-only,unknown-customer-empty-cards,delete-deleted-400,deleted-as-string,timestamps=offset-millis," +
		"list-key=both,delete-key=none,distinct-card-ids"
	v, err := ParseVariants(full)
	if err != nil {
		t.Fatal(err)
	}
	want := Variants{
		DeletedMode: DeletedReturnsTrue, ListIncludesDeleted: true, NormalizeEmails: true, MaxPageSize: 20,
		RejectLargeLimit: true, IgnoreNullFields: true, BearerOnly: true, UnknownCustomerEmptyCards: true,
		DeleteDeletedAnswers400: true, DeletedAsString: true, TimestampFormat: TimestampsOffsetMillis,
		ListItemKey: KeyBoth, DeleteAnswerKey: KeyNone, DistinctCardIDs: true,
	}
	if v != want {
		t.Fatalf("ParseVariants(full) = %+v\nwant %+v", v, want)
	}
	if v.String() != full {
		t.Fatalf("String() = %q\nwant %q", v.String(), full)
	}

	canonical := []struct{ in, want string }{
		{"", ""},
		{" , ", ""},
		{"page-cap=100,list-key=uuid,delete-key=id,timestamps=utc", ""},
		{" page-cap=20 , deleted-true,", "deleted-true,page-cap=20"},
		{"timestamps=offset,timestamps=utc", ""},
		{"timestamps=utc,timestamps=offset", "timestamps=offset"},
		{"delete-key=uuid,list-key=id", "list-key=id,delete-key=uuid"},
		{"page-cap=1", "page-cap=1"},
	}
	for _, tc := range canonical {
		v, err := ParseVariants(tc.in)
		if err != nil {
			t.Fatalf("ParseVariants(%q): %v", tc.in, err)
		}
		if got := v.String(); got != tc.want {
			t.Errorf("ParseVariants(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := ParseVariants(v.String()); err != nil || back != v {
			t.Errorf("round trip of %q: %+v, %v; want %+v", tc.in, back, err, v)
		}
	}
	if (Variants{}).String() != "" {
		t.Fatal("the zero Variants is not the empty spec")
	}
	// Each name alone round-trips.
	for _, d := range VariantDocs() {
		name, args, hasArgs := strings.Cut(d.Name, "=")
		specs := []string{name}
		if hasArgs {
			specs = nil
			for a := range strings.SplitSeq(args, "|") {
				if a == "N" {
					a = "7"
				}
				specs = append(specs, name+"="+a)
			}
		}
		for _, spec := range specs {
			v, err := ParseVariants(spec)
			if err != nil {
				t.Fatalf("ParseVariants(%q): %v", spec, err)
			}
			if back, err := ParseVariants(v.String()); err != nil || back != v {
				t.Errorf("round trip of %q via %q: %+v, %v", spec, v.String(), back, err)
			}
		}
	}

	errs := []struct {
		in   string
		want []string
	}{
		{"deleted-true,bogus", []string{`unknown variant "bogus"`, "allowed: deleted-true, list-includes-deleted,", "page-cap=N", "timestamps=utc|offset|offset-millis", "distinct-card-ids"}},
		{"Deleted-True", []string{`unknown variant "Deleted-True"`}},
		{"bearer-only=yes", []string{`variant "bearer-only=yes" takes no value`}},
		{"page-cap", []string{`variant "page-cap" needs a value`, "page-cap=N"}},
		{"page-cap=", []string{`variant "page-cap=" needs a value`}},
		{"page-cap=0", []string{`variant "page-cap=0"`, "at least 1"}},
		{"page-cap=x", []string{`variant "page-cap=x"`, "integer"}},
		{"timestamps=local", []string{`variant "timestamps=local"`, "utc, offset, offset-millis"}},
		{"list-key=none", []string{`variant "list-key=none"`, "uuid, id, both"}},
		{"delete-key=key", []string{`variant "delete-key=key"`, "id, uuid, both, none"}},
	}
	for _, tc := range errs {
		_, err := ParseVariants(tc.in)
		if err == nil {
			t.Errorf("ParseVariants(%q) succeeded", tc.in)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseVariants(%q): %q does not contain %q", tc.in, err, w)
			}
		}
	}

	// Apply keeps the fields it does not name and is atomic on error.
	v = Variants{NormalizeEmails: true}
	if err := v.Apply("page-cap=5"); err != nil || v != (Variants{NormalizeEmails: true, MaxPageSize: 5}) {
		t.Fatalf("Apply: %+v, %v", v, err)
	}
	if err := v.Apply("bearer-only,nope"); err == nil || v != (Variants{NormalizeEmails: true, MaxPageSize: 5}) {
		t.Fatalf("failed Apply changed v: %+v, %v", v, err)
	}
}

func TestVariantDocs(t *testing.T) {
	docs := VariantDocs()
	typ := reflect.TypeFor[Variants]()
	if len(docs) != typ.NumField() {
		t.Fatalf("%d docs for %d Variants fields", len(docs), typ.NumField())
	}
	for i, d := range docs {
		if d.Field != typ.Field(i).Name {
			t.Errorf("doc %d (%s) is for %s, field %d is %s", i, d.Name, d.Field, i, typ.Field(i).Name)
		}
		if d.Doc == "" || strings.Contains(d.Doc, "\n") || d.Name == "" {
			t.Errorf("doc %+v", d)
		}
	}
	for _, f := range []TimestampFormat{TimestampsUTC, TimestampsOffset, TimestampsOffsetMillis, 9} {
		if f.String() == "" {
			t.Errorf("TimestampFormat(%d) has no name", int(f))
		}
	}
	for _, k := range []KeyForm{KeyDefault, KeyUUID, KeyID, KeyBoth, KeyNone, 9} {
		if k.String() == "" {
			t.Errorf("KeyForm(%d) has no name", int(k))
		}
	}
}

func TestSetVariants(t *testing.T) {
	for _, bad := range []Variants{
		{DeletedMode: 7}, {MaxPageSize: -1}, {TimestampFormat: 3}, {TimestampFormat: -1},
		{ListItemKey: KeyNone}, {ListItemKey: 9}, {DeleteAnswerKey: 9},
	} {
		if s, err := New(Options{Variants: bad}); err == nil {
			_ = s.Close()
			t.Errorf("New with %+v succeeded", bad)
		}
	}
	e := newEnv(t, Options{Variants: Variants{NormalizeEmails: true}})
	if err := e.s.SetVariants(Variants{ListItemKey: KeyNone}); err == nil {
		t.Fatal("SetVariants accepted an invalid value")
	}
	if got := e.s.Variants(); got != (Variants{NormalizeEmails: true}) {
		t.Fatalf("a refused SetVariants changed the variants: %+v", got)
	}
	if err := e.s.SetVariants(Variants{DeletedAsString: true}); err != nil {
		t.Fatal(err)
	}
	if c := e.create(map[string]any{"email": "A@B.C"}); c["email"] != "A@B.C" || c["deleted"] != "false" {
		t.Fatalf("SetVariants not applied: %v", c)
	}
	e.s.SetMaxPageSize(3)
	e.s.SetDeletedMode(DeletedReturnsTrue)
	e.s.SetListIncludesDeleted(true)
	if got := e.s.Variants(); got != (Variants{DeletedAsString: true, MaxPageSize: 3, DeletedMode: DeletedReturnsTrue, ListIncludesDeleted: true}) {
		t.Fatalf("after the setters: %+v", got)
	}
	e.s.SetMaxPageSize(-5)
	if got := e.s.Variants().MaxPageSize; got != 0 {
		t.Fatalf("SetMaxPageSize(-5) left %d", got)
	}

	// Concurrent setters of different fields lose no update, and readers
	// always see a consistent snapshot.
	var wg sync.WaitGroup
	var torn sync.Once
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				switch i {
				case 0:
					e.s.SetListIncludesDeleted(j%2 == 0)
				case 1:
					e.s.SetDeletedMode(DeletedMode(j % 2))
				case 2:
					if v := e.s.Variants(); !v.DeletedAsString {
						torn.Do(func() { t.Errorf("a reader saw %+v", v) })
					}
				}
			}
			if i == 3 {
				e.s.SetMaxPageSize(42)
			}
		})
	}
	wg.Wait()
	if got := e.s.Variants(); got.MaxPageSize != 42 || !got.DeletedAsString || got.ListIncludesDeleted || got.DeletedMode != DeletedReturnsTrue {
		t.Fatalf("after concurrent setters: %+v", got)
	}
}
