package monri

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// editBeforeLookup is a transport that, before the first lookup by
// merchant_customer_id is sent, changes the customer on the sandbox: someone
// else writes between a lost create and its lookup.
type editBeforeLookup struct {
	base http.RoundTripper
	s    *sandbox.Server
	edit func(*sandbox.Customer)
	once sync.Once
}

func (e *editBeforeLookup) RoundTrip(req *http.Request) (*http.Response, error) {
	if mid, ok := strings.CutPrefix(req.URL.Path, "/v2/merchants/customers/"); ok && req.Method == http.MethodGet {
		e.once.Do(func() {
			if c, found := e.s.CustomerByMerchantID(mid); found {
				e.s.EditCustomer(c.UUID, e.edit)
			}
		})
	}
	return e.base.RoundTrip(req)
}

// A create whose answer is lost adopts the customer it finds; the update
// that brings it in line with the request leaves the keys LeaveMetadataKey
// names as Monri holds them: never sent, neither as null nor with the value
// the request had.
func TestCreateCustomerWith_leaveMetadataKey(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, sandbox.Options{})
	c, rec := newTestClient(t, s, func(cfg *Config) {
		cfg.Transport = &editBeforeLookup{base: cfg.Transport, s: s, edit: func(c *sandbox.Customer) {
			c.Metadata["a"], c.Metadata["own_1"], c.Metadata["own_2"] = "changed", "z", "theirs"
		}}
	})
	s.InjectFault(sandbox.RouteCreateCustomer, sandbox.Fault{Kind: sandbox.FaultDrop, AfterHandling: true}, 1)
	f := CustomerFields{MerchantCustomerID: ptr("leave-1"), Metadata: map[string]string{"a": "b", "x": "1", "own_2": "mine"}}
	got, err := c.CreateCustomerWith(context.Background(), f, CreateOptions{
		LeaveMetadataKey: func(k string) bool { return strings.HasPrefix(k, "own_") },
	})
	if err != nil {
		t.Fatalf("CreateCustomerWith: %v", err)
	}
	want := map[string]string{"a": "b", "x": "1", "own_1": "z", "own_2": "theirs"}
	if !maps.Equal(got.Metadata, want) {
		t.Errorf("returned metadata %v, want %v", got.Metadata, want)
	}
	if live, ok := s.CustomerByMerchantID("leave-1"); !ok || !maps.Equal(live.Metadata, want) {
		t.Errorf("sandbox metadata %v, want %v", live.Metadata, want)
	}
	var updates []string
	for _, r := range rec.all() {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URI, "/v2/customers/") {
			var body struct {
				Metadata map[string]*string `json:"metadata"`
			}
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
				t.Fatalf("update body %s: %v", r.Body, err)
			}
			keys := strings.Join(sortedMapKeys(body.Metadata), ",")
			updates = append(updates, keys)
		}
	}
	if len(updates) != 1 || updates[0] != "a" {
		t.Errorf("update requests' metadata keys %q, want one update of a alone", updates)
	}
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
