package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

func uuidsOf(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i], _ = m["uuid"].(string)
	}
	return out
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestListCustomers(t *testing.T) {
	e := newEnv(t, Options{})
	seeded := e.s.SeedCustomers(120, "list")
	newestFirst := reversed(seeded)

	t.Run("default limit and order", func(t *testing.T) {
		items := e.do(http.MethodGet, "/v2/customers", "").data(t)
		if got := uuidsOf(items); !slices.Equal(got, newestFirst[:50]) {
			t.Fatalf("default page = %v", got)
		}
		for _, m := range items {
			checkCustomerShape(t, m)
		}
		for i := 1; i < len(items); i++ {
			if str(items[i-1]["created_at"]) <= str(items[i]["created_at"]) {
				t.Fatalf("not sorted by created_at DESC at %d", i)
			}
		}
	})

	t.Run("limit offset and cap", func(t *testing.T) {
		tests := []struct {
			query      string
			from, upTo int
		}{
			{"?limit=10", 0, 10},
			{"?limit=10&offset=5", 5, 15},
			{"?offset=100", 100, 120},
			{"?limit=500", 0, 100}, // capped at MaxPageSize
			{"?limit=100&offset=110", 110, 120},
			{"?offset=120", 120, 120},
			{"?offset=99999999999", 120, 120},
			{"?limit=1&offset=119", 119, 120},
		}
		for _, tc := range tests {
			got := uuidsOf(e.do(http.MethodGet, "/v2/customers"+tc.query, "").data(t))
			if !slices.Equal(got, newestFirst[tc.from:tc.upTo]) {
				t.Fatalf("%s: got %d items, want [%d:%d]", tc.query, len(got), tc.from, tc.upTo)
			}
		}
		e.s.SetMaxPageSize(7)
		if got := e.do(http.MethodGet, "/v2/customers?limit=50", "").data(t); len(got) != 7 {
			t.Fatalf("SetMaxPageSize(7): %d items", len(got))
		}
		if got := e.do(http.MethodGet, "/v2/customers", "").data(t); len(got) != 7 {
			t.Fatalf("default limit not capped: %d items", len(got))
		}
		e.s.SetMaxPageSize(0)
		if got := e.do(http.MethodGet, "/v2/customers?limit=1000", "").data(t); len(got) != 100 {
			t.Fatalf("SetMaxPageSize(0) should restore 100: %d", len(got))
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		tests := []struct{ query, want string }{
			{"?limit=abc", "limit"},
			{"?limit=-1", "limit"},
			{"?limit=0", "limit"},
			{"?limit=1.5", "limit"},
			{"?limit=", "limit"},
			{"?limit=99999999999999999999", "limit"},
			{"?offset=-1", "offset"},
			{"?offset=x", "offset"},
			{"?limit=5&limit=6", "limit"},
			{"?page=2", `"page"`},
			{"?limit=10&per_page=10", `"per_page"`},
		}
		for _, tc := range tests {
			expectError(t, e.do(http.MethodGet, "/v2/customers"+tc.query, ""), http.StatusBadRequest, tc.want)
		}
	})
}

func TestListTiesAndDeleted(t *testing.T) {
	e := newEnv(t, Options{})
	// Three customers in the same second: ties broken newest first.
	var created []string
	for i := range 5 {
		c := e.create(map[string]any{"name": fmt.Sprint("c", i)})
		created = append(created, str(c["uuid"]))
	}
	got := uuidsOf(e.do(http.MethodGet, "/v2/customers", "").data(t))
	if !slices.Equal(got, reversed(created)) {
		t.Fatalf("tie order %v, want %v", got, reversed(created))
	}

	// A clock that goes backwards still yields created_at DESC.
	e.clock.Advance(-time.Hour)
	old := str(e.create(map[string]any{"name": "old"})["uuid"])
	got = uuidsOf(e.do(http.MethodGet, "/v2/customers", "").data(t))
	if got[len(got)-1] != old {
		t.Fatalf("customer created in the past is not last: %v", got)
	}
	e.clock.Advance(time.Hour)

	expectStatus(t, e.do(http.MethodDelete, "/v2/customers/"+created[1], ""), http.StatusOK)
	expectStatus(t, e.do(http.MethodDelete, "/v2/customers/"+created[3], ""), http.StatusOK)
	live := []string{created[4], created[2], created[0], old}
	all := []string{created[4], created[3], created[2], created[1], created[0], old}

	if got := uuidsOf(e.do(http.MethodGet, "/v2/customers", "").data(t)); !slices.Equal(got, live) {
		t.Fatalf("list without deleted = %v, want %v", got, live)
	}
	if got := uuidsOf(e.do(http.MethodGet, "/v2/customers?limit=2&offset=1", "").data(t)); !slices.Equal(got, live[1:3]) {
		t.Fatalf("paged list without deleted = %v, want %v", got, live[1:3])
	}
	e.s.SetListIncludesDeleted(true)
	items := e.do(http.MethodGet, "/v2/customers", "").data(t)
	if got := uuidsOf(items); !slices.Equal(got, all) {
		t.Fatalf("list with deleted = %v, want %v", got, all)
	}
	if items[1]["deleted"] != true || items[1]["deleted_at"] == nil || items[0]["deleted"] != false {
		t.Fatalf("deleted flags in list: %v", items[:2])
	}
	if got := uuidsOf(e.do(http.MethodGet, "/v2/customers?limit=2&offset=3", "").data(t)); !slices.Equal(got, all[3:5]) {
		t.Fatalf("paged list with deleted = %v", got)
	}
}

func TestListIncludesDeletedOption(t *testing.T) {
	e := newEnv(t, Options{Variants: Variants{ListIncludesDeleted: true, MaxPageSize: 2}})
	a := str(e.create(map[string]any{"name": "a"})["uuid"])
	b := str(e.create(map[string]any{"name": "b"})["uuid"])
	e.s.DeleteCustomer(a)
	if got := uuidsOf(e.do(http.MethodGet, "/v2/customers?limit=10", "").data(t)); !slices.Equal(got, []string{b, a}) {
		t.Fatalf("got %v", got)
	}
	e.s.SetListIncludesDeleted(false)
	if got := uuidsOf(e.do(http.MethodGet, "/v2/customers", "").data(t)); !slices.Equal(got, []string{b}) {
		t.Fatalf("got %v", got)
	}
}
