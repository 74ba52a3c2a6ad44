package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// sentRequest is one HTTP attempt as it left the provider's client.
type sentRequest struct {
	method, path string
	body         []byte
}

// requestLog records every request the provider's clients send (method,
// path, body), counted at the client rather than on the sandbox, so that a
// late request of an earlier step cannot be counted.
type requestLog struct {
	mu   sync.Mutex
	reqs []sentRequest
	base http.RoundTripper
	// onSend, when set, is called with each request before it is sent (a
	// test's hook to change the sandbox between two requests).
	onSend func(method, path string)
}

func newRequestLog() *requestLog { return &requestLog{base: cleanhttp.DefaultPooledTransport()} }

func (l *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, sentRequest{method: req.Method, path: req.URL.Path, body: body})
	onSend := l.onSend
	l.mu.Unlock()
	if onSend != nil {
		onSend(req.Method, req.URL.Path)
	}
	return l.base.RoundTrip(req)
}

// factories serve the provider with clients that send through the log.
func (l *requestLog) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"monri": func() (tfprotov6.ProviderServer, error) {
			return testProviderServer(&monriProvider{version: "test", newClient: func(c monri.Config) (*monri.Client, error) {
				c.RetryWaitMin, c.RetryWaitMax = 5*time.Millisecond, 50*time.Millisecond
				c.Transport = l
				return monri.New(c)
			}}), nil
		},
	}
}

func (l *requestLog) reset() {
	l.mu.Lock()
	l.reqs = nil
	l.mu.Unlock()
}

// updates returns the metadata object of every update (POST
// /v2/customers/{uuid}) sent since the last reset, by customer uuid; a key
// sent as null is in the map with a nil value, and an update without
// "metadata" is an empty map.
func (l *requestLog) updates() (map[string][]map[string]*string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]map[string]*string{}
	for _, r := range l.reqs {
		uuid, ok := strings.CutPrefix(r.path, "/v2/customers/")
		if r.method != http.MethodPost || !ok || strings.Contains(uuid, "/") {
			continue
		}
		var body struct {
			Metadata map[string]*string `json:"metadata"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			return nil, fmt.Errorf("update body of %s: %w: %s", uuid, err, r.body)
		}
		if body.Metadata == nil {
			body.Metadata = map[string]*string{}
		}
		out[uuid] = append(out[uuid], body.Metadata)
	}
	return out, nil
}

// count returns how many requests with the method and path were sent since
// the last reset.
func (l *requestLog) count(method, path string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if r.method == method && r.path == path {
			n++
		}
	}
	return n
}

// creates returns the metadata of every create request sent since the last
// reset.
func (l *requestLog) creates() ([]map[string]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]string
	for _, r := range l.reqs {
		if r.method != http.MethodPost || r.path != "/v2/customers" {
			continue
		}
		var body struct {
			Metadata map[string]string `json:"metadata"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			return nil, fmt.Errorf("create body: %w: %s", err, r.body)
		}
		out = append(out, body.Metadata)
	}
	return out, nil
}

// metadataBody writes a sent metadata object for messages: keys sorted,
// null for nil.
func metadataBody(m map[string]*string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] == nil {
			parts = append(parts, fmt.Sprintf("%q: null", k))
		} else {
			parts = append(parts, fmt.Sprintf("%q: %q", k, *m[k]))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// wantMetadata checks only the sandbox customer's metadata.
func wantMetadata(want map[string]string) func(c sandbox.Customer) error {
	return func(c sandbox.Customer) error {
		if !maps.Equal(c.Metadata, want) && (len(c.Metadata) != 0 || len(want) != 0) {
			return fmt.Errorf("metadata = %v, want %v", c.Metadata, want)
		}
		return nil
	}
}

// expectChangesOnly is a plan check: the resource's planned change touches
// only the named attributes (their value changes or becomes unknown); every
// other attribute keeps its prior value.
type expectChangesOnly struct {
	address string
	attrs   []string
}

func (e expectChangesOnly) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.address {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		unknown, _ := rc.Change.AfterUnknown.(map[string]any)
		var changed []string
		for k, b := range before {
			if u, _ := unknown[k].(bool); u || !reflect.DeepEqual(b, after[k]) {
				changed = append(changed, k)
			}
		}
		slices.Sort(changed)
		want := slices.Sorted(slices.Values(e.attrs))
		if !slices.Equal(changed, want) {
			resp.Error = fmt.Errorf("%s: the plan changes %v, want only %v", e.address, changed, want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", e.address)
}

// expectPriorMetadata is a plan check: the resource's metadata before the
// planned change (after the refresh or import) is exactly want.
type expectPriorMetadata struct {
	address string
	want    map[string]string
}

func (e expectPriorMetadata) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.address || rc.Change == nil {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		raw, _ := before["metadata"].(map[string]any)
		got := map[string]string{}
		for k, v := range raw {
			got[k], _ = v.(string)
		}
		if !maps.Equal(got, e.want) {
			resp.Error = fmt.Errorf("%s: metadata before the change %v, want %v", e.address, got, e.want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", e.address)
}

// driftMetadata writes metadata keys out of band through the sandbox's
// drift endpoint, POST /sandbox/customers/{uuid}/metadata (body: a
// {"metadata": {...}} object; null removes a key).
func driftMetadata(t *testing.T, s *sandbox.Server, uuid, body string) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/sandbox/customers/"+uuid+"/metadata", "application/json", strings.NewReader(body)) //nolint:noctx // a test's loopback request
	if err != nil {
		t.Fatalf("drift endpoint: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("drift endpoint: HTTP %d: %s", resp.StatusCode, b)
	}
}
