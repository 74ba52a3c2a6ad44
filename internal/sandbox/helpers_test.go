package sandbox

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injectable, goroutine-safe clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, time.March, 15, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testDigest is the test's own implementation of the WP3-v2.1 digest,
// independent of the server's.
func testDigest(merchantKey, timestamp, token, fullpath, body string) string {
	sum := sha512.Sum512([]byte(merchantKey + timestamp + token + fullpath + body))
	return hex.EncodeToString(sum[:])
}

// env is a started sandbox with a fake clock and a signing client.
type env struct {
	t      *testing.T
	s      *Server
	clock  *fakeClock
	client *http.Client
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, s: s, clock: clock, client: &http.Client{Timeout: 10 * time.Second}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return m
}

func (r response) message(t *testing.T) string {
	t.Helper()
	m := r.object(t)
	msg, _ := m["message"].(string)
	return msg
}

func (r response) data(t *testing.T) []map[string]any {
	t.Helper()
	var v struct {
		Status string           `json:"status"`
		Data   []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response %d is not a list: %v: %s", r.status, err, r.body)
	}
	if v.Status != "approved" {
		t.Fatalf("list status %q: %s", v.Status, r.body)
	}
	if v.Data == nil {
		t.Fatalf("list data is null or absent: %s", r.body)
	}
	return v.Data
}

// request builds a request with the Accept and (for POST) Content-Type
// headers set, unsigned.
func (e *env) request(method, pathQuery, body string) *http.Request {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.s.URL()+pathQuery, rd)
	if err != nil {
		e.t.Fatalf("NewRequest: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// sign sets a WP3-v2.1 Authorization header for the request, timestamped
// with the fake clock.
func (e *env) sign(req *http.Request, body string) {
	token, key := e.s.Credentials()
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	fullpath := req.URL.RequestURI()
	req.Header.Set("Authorization", "WP3-v2.1 "+token+" "+ts+" "+testDigest(key, ts, token, fullpath, body))
}

func (e *env) send(req *http.Request) response {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// do sends a signed request.
func (e *env) do(method, pathQuery, body string) response {
	e.t.Helper()
	req := e.request(method, pathQuery, body)
	e.sign(req, body)
	return e.send(req)
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// create creates a customer and fails the test unless it is approved.
func (e *env) create(fields map[string]any) map[string]any {
	e.t.Helper()
	r := e.do(http.MethodPost, "/v2/customers", jsonString(e.t, fields))
	if r.status != http.StatusOK {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.object(e.t)
}

func expectStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); status != 0 && !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
}

// expectError checks an invalid-request answer whose message contains each
// of wants.
func expectError(t *testing.T, r response, status int, wants ...string) {
	t.Helper()
	expectStatus(t, r, status)
	m := r.object(t)
	if m["status"] != "invalid-request" {
		t.Fatalf("status field %v, want invalid-request: %s", m["status"], r.body)
	}
	msg, _ := m["message"].(string)
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Fatalf("message %q does not contain %q", msg, w)
		}
	}
}

// isHex reports whether s is 64 lower-case hex digits.
func isHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// str returns v as a string ("" if it is not one).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// obj returns v as a JSON object (nil if it is not one).
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
