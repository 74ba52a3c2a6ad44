package monri

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

func TestCustomerFilterMatch(t *testing.T) {
	t.Parallel()
	c := Customer{
		UUID: "u1", MerchantCustomerID: ptr("shop-00042"), Email: ptr("Ana.Kovac@Example.com"), Name: ptr("Ana Kovač"),
		Metadata: map[string]string{"tier": "gold", "region": "ba"}, CreatedAt: "2019-02-12T11:22:33.675+02:00",
	}
	deleted := c
	deleted.Deleted = true
	bare := Customer{UUID: "u2", Metadata: map[string]string{}, CreatedAt: "2019-02-12T09:22:33Z"}
	instant := time.Date(2019, 2, 12, 9, 22, 33, 0, time.UTC)
	tests := []struct {
		name string
		f    CustomerFilter
		c    *Customer
		want bool
	}{
		{"empty filter", CustomerFilter{}, &c, true},
		{"empty filter drops deleted", CustomerFilter{}, &deleted, false},
		{"include deleted", CustomerFilter{IncludeDeleted: true}, &deleted, true},
		{"email other case", CustomerFilter{Email: "ana.kovac@example.COM"}, &c, true},
		{"email differs", CustomerFilter{Email: "ana@example.com"}, &c, false},
		{"email unset on customer", CustomerFilter{Email: "ana@example.com"}, &bare, false},
		{"name exact", CustomerFilter{Name: "Ana Kovač"}, &c, true},
		{"name other case", CustomerFilter{Name: "ana kovač"}, &c, false},
		{"name unset on customer", CustomerFilter{Name: "Ana"}, &bare, false},
		{"prefix", CustomerFilter{MerchantCustomerIDPrefix: "shop-"}, &c, true},
		{"whole id as prefix", CustomerFilter{MerchantCustomerIDPrefix: "shop-00042"}, &c, true},
		{"prefix differs", CustomerFilter{MerchantCustomerIDPrefix: "Shop-"}, &c, false},
		{"prefix, no id", CustomerFilter{MerchantCustomerIDPrefix: "shop-"}, &bare, false},
		{"metadata subset", CustomerFilter{Metadata: map[string]string{"tier": "gold"}}, &c, true},
		{"metadata all", CustomerFilter{Metadata: map[string]string{"tier": "gold", "region": "ba"}}, &c, true},
		{"metadata value differs", CustomerFilter{Metadata: map[string]string{"tier": "Gold"}}, &c, false},
		{"metadata key missing", CustomerFilter{Metadata: map[string]string{"tier": "gold", "x": ""}}, &c, false},
		{"metadata empty value is not absent", CustomerFilter{Metadata: map[string]string{"x": ""}}, &bare, false},
		{"created after (offset millis, .675 s later)", CustomerFilter{CreatedAfter: instant}, &c, true},
		{"created at the instant is not after", CustomerFilter{CreatedAfter: instant}, &bare, false},
		{"created before", CustomerFilter{CreatedAfter: instant.Add(time.Second)}, &c, false},
		{"combination", CustomerFilter{Email: "ANA.KOVAC@EXAMPLE.COM", Name: "Ana Kovač", MerchantCustomerIDPrefix: "shop",
			Metadata: map[string]string{"tier": "gold"}, CreatedAfter: instant}, &c, true},
		{"combination, one field differs", CustomerFilter{Email: "ana.kovac@example.com", Name: "Ana Kovač",
			MerchantCustomerIDPrefix: "shop", Metadata: map[string]string{"tier": "silver"}}, &c, false},
		{"unparseable created_at", CustomerFilter{CreatedAfter: instant}, &Customer{UUID: "u3", CreatedAt: "12.02.2019"}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(tt.c); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseTimestampForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2019, 2, 12, 9, 22, 33, 0, time.UTC)
	for _, s := range []string{"2019-02-12T09:22:33Z", "2019-02-12T11:22:33+02:00", "2019-02-12T11:22:33.000+02:00"} {
		got, err := ParseTimestamp(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "2019-02-12 09:22:33", "2019-02-12T09:22:33"} {
		if _, err := ParseTimestamp(s); err == nil {
			t.Errorf("ParseTimestamp(%q) succeeded", s)
		}
	}
}

func TestCustomerFilterValidate(t *testing.T) {
	t.Parallel()
	err := CustomerFilter{Metadata: map[string]string{"": "x"}}.Validate()
	wantErrContains(t, err, "metadata filter key is empty")
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, nil)
	_, err = c.FindCustomers(context.Background(), CustomerFilter{Metadata: map[string]string{"": "x"}}, PageOptions{})
	wantErrContains(t, err, "metadata filter key is empty")
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("an invalid filter sent %d requests", n)
	}
}

// uuidsOf returns the uuids of custs in order.
func uuidsOf(custs []Customer) []string {
	out := make([]string, len(custs))
	for i := range custs {
		out[i] = custs[i].UUID
	}
	return out
}

func TestFindCustomersPagesPastShortPages(t *testing.T) {
	t.Parallel()
	// The server caps pages at 40: a page shorter than asked is not the end.
	s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{MaxPageSize: 40}})
	seeded := s.SeedCustomers(250, "page")
	c, _ := newTestClient(t, s, sequential)
	ctx := context.Background()

	got, err := c.FindCustomers(ctx, CustomerFilter{}, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(seeded)
	slices.Reverse(want) // newest first
	if !slices.Equal(uuidsOf(got), want) {
		t.Fatalf("got %d customers, not the 250 seeded newest first", len(got))
	}
	// 7 pages of at most 40, then the empty page that ends the listing.
	if n := s.RequestCount(sandbox.RouteListCustomers); n != 8 {
		t.Errorf("list requests = %d, want 8", n)
	}

	// MaxItems counts matches: 10 of the 250 match the prefix
	// (page-00100..page-00109); asking for 3 stops at the page holding the
	// third, page-00107, the 144th newest: on the 4th page of 40.
	s.ResetCounters()
	got, err = c.FindCustomers(ctx, CustomerFilter{MerchantCustomerIDPrefix: "page-0010"}, PageOptions{MaxItems: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || *got[0].MerchantCustomerID != "page-00109" || *got[2].MerchantCustomerID != "page-00107" {
		t.Fatalf("got %v", midsOf(got))
	}
	if n := s.RequestCount(sandbox.RouteListCustomers); n != 4 {
		t.Errorf("list requests = %d, want 4", n)
	}
}

func midsOf(custs []Customer) []string {
	out := make([]string, len(custs))
	for i := range custs {
		if custs[i].MerchantCustomerID != nil {
			out[i] = *custs[i].MerchantCustomerID
		}
	}
	return out
}

func TestFindCustomersFiltersAgainstSandbox(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, _ := newTestClient(t, s, nil)
	ctx := context.Background()
	create := func(mid, email, name string, md map[string]string) {
		t.Helper()
		if _, err := c.CreateCustomer(ctx, CustomerFields{MerchantCustomerID: &mid, Email: &email, Name: &name, Metadata: md}); err != nil {
			t.Fatal(err)
		}
	}
	create("crm-1", "Ana@Example.com", "Ana", map[string]string{"tier": "gold", "region": "ba"})
	create("crm-2", "ana@example.com", "Ana", map[string]string{"tier": "silver"})
	create("erp-1", "bo@example.com", "Bo", map[string]string{"tier": "gold"})
	create("crm-3", "cy@example.com", "Ana", nil)

	tests := []struct {
		name string
		f    CustomerFilter
		max  int
		want []string // merchant customer ids, newest first
	}{
		{"email any case", CustomerFilter{Email: "ANA@example.COM"}, 0, []string{"crm-2", "crm-1"}},
		{"name", CustomerFilter{Name: "Ana"}, 0, []string{"crm-3", "crm-2", "crm-1"}},
		{"prefix", CustomerFilter{MerchantCustomerIDPrefix: "crm-"}, 0, []string{"crm-3", "crm-2", "crm-1"}},
		{"metadata", CustomerFilter{Metadata: map[string]string{"tier": "gold"}}, 0, []string{"erp-1", "crm-1"}},
		{"combination", CustomerFilter{Name: "Ana", Metadata: map[string]string{"tier": "gold"}}, 0, []string{"crm-1"}},
		{"max items counts matches", CustomerFilter{MerchantCustomerIDPrefix: "crm-"}, 2, []string{"crm-3", "crm-2"}},
		{"none", CustomerFilter{Email: "nobody@example.com"}, 0, nil},
	}
	for _, tt := range tests {
		got, err := c.FindCustomers(ctx, tt.f, PageOptions{MaxItems: tt.max})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(midsOf(got), tt.want) && (len(got) != 0 || len(tt.want) != 0) {
			t.Errorf("%s: got %v, want %v", tt.name, midsOf(got), tt.want)
		}
	}
}

func TestFindCustomersCreatedAfterStopsEarly(t *testing.T) {
	t.Parallel()
	for _, format := range []sandbox.TimestampFormat{sandbox.TimestampsUTC, sandbox.TimestampsOffset, sandbox.TimestampsOffsetMillis} {
		t.Run(format.String(), func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, sandbox.Options{Variants: sandbox.Variants{TimestampFormat: format}})
			seeded := s.SeedCustomers(250, "ts")
			c, _ := newTestClient(t, s, sequential)
			ctx := context.Background()
			all, err := c.FindCustomers(ctx, CustomerFilter{}, PageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// The whole listing: 3 pages of 100 and the empty page.
			if n := s.RequestCount(sandbox.RouteListCustomers); n != 4 {
				t.Errorf("full listing: list requests = %d, want 4", n)
			}
			// After the 150th newest: the 149 newer ones, from the first
			// two pages; the second page reaches older customers, so no
			// third page is asked for.
			after, err := ParseTimestamp(all[149].CreatedAt)
			if err != nil {
				t.Fatal(err)
			}
			s.ResetCounters()
			got, err := c.FindCustomers(ctx, CustomerFilter{CreatedAfter: after}, PageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(seeded[101:])
			slices.Reverse(want)
			if !slices.Equal(uuidsOf(got), want) {
				t.Fatalf("got %d customers, want the 149 newest", len(got))
			}
			if n := s.RequestCount(sandbox.RouteListCustomers); n != 2 {
				t.Errorf("created_after: list requests = %d, want 2", n)
			}

			// Newer than everything: the first page already reaches older ones.
			s.ResetCounters()
			newest, _ := ParseTimestamp(all[0].CreatedAt)
			got, err = c.FindCustomers(ctx, CustomerFilter{CreatedAfter: newest}, PageOptions{})
			if err != nil || len(got) != 0 {
				t.Fatalf("after the newest: got %d, %v", len(got), err)
			}
			if n := s.RequestCount(sandbox.RouteListCustomers); n != 1 {
				t.Errorf("after the newest: list requests = %d, want 1", n)
			}
		})
	}
}

// pagesOf serves custs as a list endpoint would, newest first as given.
func pagesOf(custs []Customer, calls *int) func(context.Context, ListParams) ([]Customer, error) {
	return func(_ context.Context, p ListParams) ([]Customer, error) {
		*calls++
		if p.Offset >= len(custs) {
			return nil, nil
		}
		return custs[p.Offset:min(len(custs), p.Offset+p.Limit)], nil
	}
}

func TestEachCustomerMixedTimestampForms(t *testing.T) {
	t.Parallel()
	// The same instant in the three forms, and instants .675 s either side:
	// compared as instants, not as strings.
	custs := []Customer{
		{UUID: "a", CreatedAt: "2019-02-12T11:22:34.675+02:00"},
		{UUID: "b", CreatedAt: "2019-02-12T09:22:34Z"},
		{UUID: "c", CreatedAt: "2019-02-12T11:22:33.675+02:00"},
		{UUID: "d", CreatedAt: "2019-02-12T11:22:33+02:00"},
		{UUID: "e", CreatedAt: "2019-02-12T09:22:32Z"},
	}
	calls := 0
	var got []string
	f := CustomerFilter{CreatedAfter: time.Date(2019, 2, 12, 9, 22, 33, 0, time.UTC)}
	_, _, err := eachCustomer(context.Background(), f, PageOptions{PageSize: 2}, pagesOf(custs, &calls),
		func(c Customer) bool { got = append(got, c.UUID); return true })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("got %v, want [a b c]", got)
	}
	// Pages [a b], [c d]: d is at the instant, so the listing ends there.
	if calls != 2 {
		t.Errorf("calls = %d, want 2", calls)
	}
}

func TestEachCustomerUnparseableCreatedAt(t *testing.T) {
	t.Parallel()
	custs := []Customer{
		{UUID: "a", CreatedAt: "2019-02-12T09:22:34Z"},
		{UUID: "bad-uuid", CreatedAt: "12.02.2019 09:22"},
	}
	calls := 0
	f := CustomerFilter{CreatedAfter: time.Date(2019, 2, 12, 9, 22, 33, 0, time.UTC)}
	_, err := collect(f, PageOptions{}, pagesOf(custs, &calls))
	wantErrContains(t, err, "customer bad-uuid", "created_at", `"12.02.2019 09:22"`)

	// Without created_after the timestamp is not looked at.
	calls = 0
	got, err := collect(CustomerFilter{}, PageOptions{}, pagesOf(custs, &calls))
	if err != nil || len(got) != 2 {
		t.Fatalf("without created_after: %v, %v", got, err)
	}
}

func collect(f CustomerFilter, opts PageOptions, fetch func(context.Context, ListParams) ([]Customer, error)) ([]string, error) {
	var got []string
	_, _, err := eachCustomer(context.Background(), f, opts, fetch, func(c Customer) bool { got = append(got, c.UUID); return true })
	return got, err
}

func TestEachCustomerStopsWhenYieldReturnsFalse(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	s.SeedCustomers(350, "stop")
	c, _ := newTestClient(t, s, sequential)
	n := 0
	err := c.EachCustomer(context.Background(), CustomerFilter{}, PageOptions{}, func(Customer) bool {
		n++
		return n < 150
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 150 {
		t.Errorf("yield called %d times, want 150", n)
	}
	if r := s.RequestCount(sandbox.RouteListCustomers); r != 2 {
		t.Errorf("list requests = %d, want 2", r)
	}
}

func TestEachCustomerDeduplicatesAndDetectsIgnoredOffset(t *testing.T) {
	t.Parallel()
	// A customer created while paging shifts the second page by one: the
	// repeated customer is listed once.
	pages := [][]Customer{
		{{UUID: "c5"}, {UUID: "c4"}},
		{{UUID: "c4"}, {UUID: "c3"}},
		{{UUID: "c2"}, {UUID: "c1"}},
		{},
	}
	calls := 0
	shifted := func(_ context.Context, _ ListParams) ([]Customer, error) {
		calls++
		return pages[calls-1], nil
	}
	got, err := collect(CustomerFilter{}, PageOptions{PageSize: 2}, shifted)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"c5", "c4", "c3", "c2", "c1"}) {
		t.Errorf("got %v", got)
	}

	// A server ignoring offset repeats the first page: an error, not a loop.
	same := func(_ context.Context, _ ListParams) ([]Customer, error) {
		return []Customer{{UUID: "x"}, {UUID: "y"}}, nil
	}
	_, err = collect(CustomerFilter{}, PageOptions{PageSize: 2}, same)
	wantErrContains(t, err, "all already seen", "offset 2")
}

func TestEachCustomerAsksOnlyForMissingWhenUnselective(t *testing.T) {
	t.Parallel()
	var limits []string
	custs := make([]Customer, 10)
	for i := range custs {
		custs[i] = Customer{UUID: fmt.Sprint(i), Name: ptr("n")}
	}
	fetch := func(_ context.Context, p ListParams) ([]Customer, error) {
		limits = append(limits, fmt.Sprintf("%d@%d", p.Limit, p.Offset))
		return custs[p.Offset:min(len(custs), p.Offset+p.Limit)], nil
	}
	if _, err := collect(CustomerFilter{}, PageOptions{PageSize: 4, MaxItems: 6}, fetch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(limits, []string{"4@0", "2@4"}) {
		t.Errorf("unselective: requests %v", limits)
	}
	limits = nil
	if _, err := collect(CustomerFilter{Name: "n"}, PageOptions{PageSize: 4, MaxItems: 6}, fetch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(limits, []string{"4@0", "4@4"}) {
		t.Errorf("selective: requests %v", limits)
	}
}
