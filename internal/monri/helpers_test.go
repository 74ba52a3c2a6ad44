package monri

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// startSandbox starts an in-process sandbox for one test.
func startSandbox(t *testing.T, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	s, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("starting sandbox: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// sent is one HTTP attempt as it left the client (after signing).
type sent struct {
	Method, URI         string
	Authorization, UA   string
	Accept, ContentType string
	Body                string
	HasAuthorization    bool
}

// recorder is a base transport that records every attempt.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

func newRecorder() *recorder {
	return &recorder{base: cleanhttp.DefaultPooledTransport()}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	_, hasAuth := req.Header["Authorization"]
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{
		Method: req.Method, URI: req.URL.RequestURI(),
		Authorization: req.Header.Get("Authorization"), UA: req.Header.Get("User-Agent"),
		Accept: req.Header.Get("Accept"), ContentType: req.Header.Get("Content-Type"),
		Body: string(body), HasAuthorization: hasAuth,
	})
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}

// newTestClient builds a client for the sandbox with millisecond retry waits.
// mutate, when not nil, adjusts the configuration first.
func newTestClient(t *testing.T, s *sandbox.Server, mutate func(*Config)) (*Client, *recorder) {
	t.Helper()
	token, key := s.Credentials()
	rec := newRecorder()
	cfg := Config{
		BaseURL: s.URL(), AuthenticityToken: token, MerchantKey: key,
		UserAgent:      "terraform-provider-monri/test (client_test)",
		RequestTimeout: 5 * time.Second, MaxRetries: 4,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
		Transport: rec,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, rec
}

func ptr(s string) *string { return &s }

func wantErrContains(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error containing %q, got nil", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// sequential configures a client that pages one page at a time, for tests
// that check the exact requests of sequential paging.
func sequential(c *Config) { c.MaxConcurrentPages = 1 }
