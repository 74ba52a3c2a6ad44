package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// The Authorization header of an API request is checked before its body
// is read: an unsigned request costs its headers, not its body. A header
// of the right shape (which the public test credentials allow anyone)
// gets at most maxRequestBodyBytes read.
func TestUnsignedBodyNotRead(t *testing.T) {
	clock := newFakeClock()
	s, err := New(Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	token, key := s.Credentials()
	ts := strconv.FormatInt(clock.Now().Unix(), 10)
	stale := strconv.FormatInt(clock.Now().Add(-time.Hour).Unix(), 10)
	hexDigest := strings.Repeat("ab", 64)
	body := bytes.Repeat([]byte(" "), 1<<20)
	for _, tc := range []struct {
		name, auth string
		maxRead    int64
	}{
		{"no header", "", 0},
		{"another scheme", "Basic dXNlcjpwYXNz", 0},
		{"malformed", "WP3-v2.1 " + token + " " + ts, 0},
		{"unknown authenticity token", "WP3-v2.1 someone-else " + ts + " " + hexDigest, 0},
		{"timestamp outside the window", "WP3-v2.1 " + token + " " + stale + " " + hexDigest, 0},
		{"digest of the wrong length", "WP3-v2.1 " + token + " " + ts + " abc", 0},
		{"unknown bearer token", "Bearer " + hexDigest, 0},
		// The right shape: the body must be read to check the digest, and
		// no more than the API allows.
		{"wrong digest", "WP3-v2.1 " + token + " " + ts + " " + hexDigest, maxRequestBodyBytes + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1 << 20, 3 << 20} {
				cr := &countingReader{r: bytes.NewReader(bytes.Repeat(body, size>>20))}
				req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "http://localhost/v2/customers", cr)
				req.Header.Set("Accept", "application/json")
				req.Header.Set("Content-Type", "application/json")
				if tc.auth != "" {
					req.Header.Set("Authorization", tc.auth)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("%d-byte body: status %d: %s", size, rec.Code, rec.Body)
				}
				if got := cr.n.Load(); got > tc.maxRead {
					t.Errorf("%d-byte body: %d bytes read, want at most %d", size, got, tc.maxRead)
				}
			}
		})
	}
	// A signed request still gets its body read and checked.
	good := `{"name":"Signed"}`
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "http://localhost/v2/customers", strings.NewReader(good))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "WP3-v2.1 "+token+" "+ts+" "+testDigest(key, ts, token, "/v2/customers", good))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("signed create: %d %s", rec.Code, rec.Body)
	}
}

// countingListener counts the bytes read from its connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, n: l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Many connections sending 1 MB unsigned bodies at once cost the sandbox
// neither memory nor reading: it answers 401 from the headers and the
// server discards at most what net/http drains to keep a connection
// (256 KiB), in a small pooled buffer. Before, each body was read whole
// into memory first (300 connections: 129 MB).
func TestUnsignedBodiesCostNoMemory(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	var read atomic.Int64
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(countingListener{Listener: ln, n: &read}) }()
	defer func() { _ = srv.Close() }()
	url := "http://" + ln.Addr().String() + "/v2/customers"

	const conns, size = 50, 1 << 20
	body := bytes.Repeat([]byte("x"), size)
	transport := &http.Transport{MaxIdleConnsPerHost: conns, DisableKeepAlives: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	var answered atomic.Int64
	for range conns {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "WP3-v2.1 nobody 1 x")
			resp, err := client.Do(req)
			if err != nil {
				// The server may close the connection before the client has
				// written the whole body: the client then sees a reset.
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	perReq := (after.TotalAlloc - before.TotalAlloc) / conns
	readPerReq := read.Load() / conns
	t.Logf("%d connections, 1 MB unsigned body each: %d answered 401; allocated %d bytes and read %d bytes per request (client and server)", conns, answered.Load(), perReq, readPerReq)
	if perReq > 256<<10 {
		t.Errorf("allocated %d bytes per unsigned request, want well under the body's %d", perReq, size)
	}
	if readPerReq > 300<<10 {
		t.Errorf("read %d bytes per unsigned request, want at most net/http's 256 KiB drain", readPerReq)
	}
}

// maxRequestBodyBytes holds the largest body the API accepts: a create
// with every field at its longest and 50 metadata keys, each key and value
// at its longest, every character a \u-escaped surrogate pair (12 bytes
// for one character), as a JSON encoder that escapes everything writes
// it.
func TestLargestValidBodyFits(t *testing.T) {
	e := newEnv(t, Options{})
	const ch = "\U0001F600" // one character, \ud83d\ude00 escaped
	esc := func(n int) string { return strings.Repeat(`\ud83d\ude00`, n) }
	fields := []string{}
	for _, f := range fieldRules {
		switch f.name {
		case "country", "zip_code", "phone":
			continue // formats of their own; short anyway
		case "email":
			fields = append(fields, fmt.Sprintf("%q:\"%s@x\"", f.name, esc(f.max-2)))
		default:
			fields = append(fields, fmt.Sprintf("%q:\"%s\"", f.name, esc(f.max)))
		}
	}
	var md []string
	for i := range maxMetadataKeys {
		k := fmt.Sprintf("%02d", i) + esc(maxMetadataKeyRunes-2)
		md = append(md, fmt.Sprintf("\"%s\":\"%s\"", k, esc(maxMetadataValueRunes)))
	}
	body := "{" + strings.Join(fields, ",") + `,"metadata":{` + strings.Join(md, ",") + "}}"
	if utf8.RuneCountInString(ch) != 1 || len(body) > maxRequestBodyBytes {
		t.Fatalf("the largest valid body is %d bytes, over the %d read", len(body), maxRequestBodyBytes)
	}
	r := e.do(http.MethodPost, "/v2/customers", body)
	expectStatus(t, r, http.StatusOK)
	t.Logf("largest valid create: %d bytes of %d allowed", len(body), maxRequestBodyBytes)
}
