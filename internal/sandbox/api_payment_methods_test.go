package sandbox

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"
)

var maskedPANRE = regexp.MustCompile(`^\d{6}\*{6}\d{4}$`)

func TestPaymentMethods(t *testing.T) {
	e := newEnv(t, Options{}) // Clock: 2026-03-15.
	c := e.create(map[string]any{"name": "Cards"})
	uuid := str(c["uuid"])
	path := "/v2/customers/" + uuid + "/payment-methods"

	if got := e.do(http.MethodGet, path, "").data(t); len(got) != 0 {
		t.Fatalf("new customer has payment methods: %v", got)
	}

	tests := []struct {
		name        string
		card        Card
		wantMasked  string
		wantExpiry  string
		wantKeep    string
		wantExpired bool
	}{
		{"default card", Card{}, "411111******1111", "2029-12-31", "2029-12-31T23:59:59Z", false},
		{"leap February", Card{PAN: "5555555555554444", ExpirationMonth: time.February, ExpirationYear: 2028}, "555555******4444", "2028-02-29", "2028-02-29T23:59:59Z", false},
		{"plain February", Card{PAN: "4058400000000005", ExpirationMonth: time.February, ExpirationYear: 2027}, "405840******0005", "2027-02-28", "2027-02-28T23:59:59Z", false},
		{"expires this month", Card{ExpirationMonth: time.March, ExpirationYear: 2026}, "411111******1111", "2026-03-31", "2026-03-31T23:59:59Z", false},
		{"expired shortcut", Card{Expired: true}, "411111******1111", "2026-02-28", "2026-02-28T23:59:59Z", true},
		{"19-digit PAN", Card{PAN: "6011000990139424123", ExpirationMonth: time.April, ExpirationYear: 2030}, "601100******4123", "2030-04-30", "2030-04-30T23:59:59Z", false},
	}
	var ids []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(time.Second) // distinct created_at
			pm, err := e.s.AttachCard(uuid, tc.card)
			if err != nil {
				t.Fatal(err)
			}
			if pm.MaskedPAN != tc.wantMasked || pm.ExpirationDate != tc.wantExpiry || pm.Expired != tc.wantExpired ||
				formatTime(pm.KeepUntil) != tc.wantKeep || pm.CustomerUUID != uuid || pm.Status != "approved" {
				t.Fatalf("AttachCard = %+v", pm)
			}
			// By default a card's id is its token, as in the docs' example.
			if !isHex(pm.Token) || pm.ID != pm.Token {
				t.Fatalf("id %q / token %q", pm.ID, pm.Token)
			}
			ids = append(ids, pm.ID)
		})
	}

	items := e.do(http.MethodGet, path, "").data(t)
	if len(items) != len(tests) {
		t.Fatalf("%d payment methods listed", len(items))
	}
	for i, m := range items {
		tc := tests[len(tests)-1-i] // newest first
		if m["id"] != ids[len(ids)-1-i] || m["masked_pan"] != tc.wantMasked || m["expiration_date"] != tc.wantExpiry ||
			m["expired"] != tc.wantExpired || m["keep_until"] != tc.wantKeep || m["status"] != "approved" || m["customer_uuid"] != uuid {
			t.Fatalf("item %d = %v (want %s)", i, m, tc.name)
		}
		if mp, _ := m["masked_pan"].(string); !maskedPANRE.MatchString(mp) {
			t.Fatalf("masked_pan %q", mp)
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if v, _ := m[k].(string); !timestampRE.MatchString(v) {
				t.Fatalf("%s = %q", k, v)
			}
		}
		if len(m) != 10 {
			t.Fatalf("payment method has %d fields: %v", len(m), m)
		}
	}

	// Paging.
	got := uuidsOfField(e.do(http.MethodGet, path+"?limit=2&offset=1", "").data(t), "id")
	if want := reversed(ids)[1:3]; !slices.Equal(got, want) {
		t.Fatalf("page = %v, want %v", got, want)
	}
	e.s.SetMaxPageSize(4)
	if got := e.do(http.MethodGet, path+"?limit=50", "").data(t); len(got) != 4 {
		t.Fatalf("cap: %d", len(got))
	}
	expectError(t, e.do(http.MethodGet, path+"?limit=x", ""), http.StatusBadRequest, "limit")
	expectError(t, e.do(http.MethodGet, "/v2/customers/nope/payment-methods", ""), http.StatusNotFound, "Customer not found")

	// The expired flag follows the clock: the March 2026 card expires on
	// April 1st.
	e.clock.Advance(17 * 24 * time.Hour) // 2026-04-01T10:00:xx
	items = e.do(http.MethodGet, path+"?limit=4", "").data(t)
	for _, m := range items {
		want := m["expiration_date"] == "2026-03-31" || m["expiration_date"] == "2026-02-28"
		if m["expired"] != want {
			t.Fatalf("after April 1st, %v expired = %v", m["expiration_date"], m["expired"])
		}
	}

	// Errors.
	if _, err := e.s.AttachCard("nope", Card{}); !errors.Is(err, ErrCustomerNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}
	for _, bad := range []Card{{PAN: "4111"}, {PAN: "4111-1111-1111-1111"}, {ExpirationMonth: 13, ExpirationYear: 2030}, {ExpirationMonth: 1}} {
		if _, err := e.s.AttachCard(uuid, bad); !errors.Is(err, ErrInvalidCard) {
			t.Fatalf("AttachCard(%+v) = %v, want ErrInvalidCard", bad, err)
		}
	}
	e.s.DeleteCustomer(uuid)
	if _, err := e.s.AttachCard(uuid, Card{}); !errors.Is(err, ErrCustomerNotFound) {
		t.Fatalf("deleted customer: %v", err)
	}
}

func uuidsOfField(items []map[string]any, field string) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i], _ = m[field].(string)
	}
	return out
}

func TestExpiredShortcutInJanuary(t *testing.T) {
	clock := &fakeClock{t: time.Date(2027, time.January, 10, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, Options{Now: clock.Now})
	uuid := e.s.SeedCustomers(1, "jan")[0]
	pm, err := e.s.AttachCard(uuid, Card{Expired: true})
	if err != nil {
		t.Fatal(err)
	}
	if pm.ExpirationDate != "2026-12-31" || !pm.Expired {
		t.Fatalf("%+v", pm)
	}
}
