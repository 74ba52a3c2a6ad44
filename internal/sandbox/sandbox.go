package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store"
)

// DeletedMode selects how the sandbox answers a retrieve of a soft-deleted
// customer. The real API's behaviour is undocumented, so clients must cope
// with both.
type DeletedMode int

const (
	// DeletedNotFound answers a retrieve (and an update or a second delete)
	// of a deleted customer with 404. It is the default.
	DeletedNotFound DeletedMode = iota
	// DeletedReturnsTrue answers a retrieve of a deleted customer with 200,
	// "deleted": true and deleted_at set.
	DeletedReturnsTrue
)

// String returns the mode's name as accepted by the monri-sandbox command.
func (m DeletedMode) String() string {
	switch m {
	case DeletedNotFound:
		return "404"
	case DeletedReturnsTrue:
		return "deleted-true"
	default:
		return fmt.Sprintf("DeletedMode(%d)", int(m))
	}
}

// Default credentials: public, fixed test values so that `make demo` and the
// monri-sandbox command work without configuration.
const (
	DefaultAuthenticityToken = "sandbox-authenticity-token"
	DefaultMerchantKey       = "sandbox-merchant-key"
)

// Other defaults applied by New to zero Options fields (DefaultMaxPageSize
// to a zero Variants.MaxPageSize).
const (
	DefaultMaxPageSize        = 100
	DefaultPageSize           = 50
	DefaultTimestampTolerance = 5 * time.Minute
	DefaultTokenTTL           = 900 * time.Second
	DefaultAddr               = "127.0.0.1:0"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// AuthenticityToken is the merchant's authenticity token (the OAuth
	// client_id). Default DefaultAuthenticityToken.
	AuthenticityToken string
	// MerchantKey is the merchant's secret key (the OAuth client_secret).
	// Default DefaultMerchantKey.
	MerchantKey string
	// Variants selects the behaviours the real API leaves undocumented
	// (the zero value is the sandbox's default reading of the docs).
	Variants Variants
	// TimestampTolerance is the largest accepted |now - timestamp| of a
	// WP3-v2.1 Authorization header; larger answers 401. Default 5m.
	TimestampTolerance time.Duration
	// Latency is slept before handling each API request (never under a lock).
	Latency time.Duration
	// TokenTTL is the lifetime of access tokens issued by /v2/oauth.
	// Default 900s.
	TokenTTL time.Duration
	// StatePath, if set, is a bbolt database file (created if missing)
	// that keeps customers, payment methods and their counters: every
	// change is committed to it before it is answered, so it survives a
	// crash. Access tokens, counters of requests and faults are not kept.
	// Unset, the store is in memory only.
	StatePath string
	// StateSync also fsyncs every commit to StatePath, so that a crash of
	// the machine (not only of the sandbox) loses nothing answered. Without
	// it (the default) a commit is written to the file, not flushed: a
	// restart or kill -9 of the sandbox still loses nothing it answered,
	// which is what a pipeline needs, and creates cost about half as much.
	StateSync bool
	// Now is the clock (default time.Now). Tests inject a fake one to
	// control timestamps, the signature window and token expiry.
	Now func() time.Time
	// Addr is the address Start listens on. Default "127.0.0.1:0".
	Addr string
	// AllowRemote answers requests addressed to any host name. Without it
	// (the default) a request whose Host header is not a loopback name
	// (localhost, 127.0.0.1 or another 127.x address, [::1], any port) is
	// refused with 403, so that a web page cannot reach the sandbox
	// through a name of its own that resolves to this machine (DNS
	// rebinding). The /sandbox/ endpoints are served to loopback clients
	// only, whatever this says.
	AllowRemote bool
}

// Route keys used by the request counters and by InjectFault.
const (
	RouteCreateCustomer     = "POST /v2/customers"
	RouteListCustomers      = "GET /v2/customers"
	RouteGetCustomer        = "GET /v2/customers/{uuid}"
	RouteUpdateCustomer     = "POST /v2/customers/{uuid}"
	RouteDeleteCustomer     = "DELETE /v2/customers/{uuid}"
	RouteGetByMerchantID    = "GET /v2/merchants/customers/{merchant_customer_id}"
	RouteListPaymentMethods = "GET /v2/customers/{uuid}/payment-methods"
	RouteOAuth              = "POST /v2/oauth"
)

const (
	scopeCustomers       = "customers"
	scopePaymentMethods  = "payment-methods"
	scopePayments        = "payments"
	closeWaitForHandlers = 10 * time.Second
	readHeaderTimeout    = 30 * time.Second
	// maxRequestBodyBytes is the most of a body the sandbox reads, and
	// only once the Authorization header has passed every check but the
	// digest. The largest valid body (a create with every field at its
	// longest and 50 metadata keys at theirs, every character escaped as
	// a surrogate pair) is about 330 KB: TestLargestValidBodyFits.
	maxRequestBodyBytes = 1 << 20
)

// Routes returns every route key, in a fixed order.
func Routes() []string {
	return []string{
		RouteCreateCustomer, RouteListCustomers, RouteGetCustomer, RouteUpdateCustomer,
		RouteDeleteCustomer, RouteGetByMerchantID, RouteListPaymentMethods, RouteOAuth,
	}
}

// Server is the sandbox. It is an http.Handler; Start also serves it on a
// loopback listener. All methods are safe for concurrent use.
type Server struct {
	authToken   string
	merchantKey string
	tolerance   time.Duration
	tokenTTL    time.Duration
	statePath   string
	clock       func() time.Time
	addr        string
	allowRemote bool

	latency  atomic.Int64
	variants atomic.Pointer[Variants] // never nil; copy on write

	counters map[string]*atomic.Int64
	faults   faultState

	tokens tokenStore

	st store.Store

	sandboxMux *http.ServeMux

	// Lifecycle.
	done      chan struct{}
	inflight  inflightTracker
	lifeMu    sync.Mutex
	closed    bool
	httpSrv   *http.Server
	serveDone chan struct{}
	url       string
}

// New builds a Server from opts (applying defaults) and loads
// opts.StatePath when it is set. It does not listen: use Start for that, or
// serve the Server with your own http.Server or httptest.Server.
func New(opts Options) (*Server, error) {
	if opts.AuthenticityToken == "" {
		opts.AuthenticityToken = DefaultAuthenticityToken
	}
	if opts.MerchantKey == "" {
		opts.MerchantKey = DefaultMerchantKey
	}
	if strings.ContainsAny(opts.AuthenticityToken, " \t\r\n") {
		return nil, errors.New("sandbox: authenticity token must not contain white space")
	}
	if err := opts.Variants.validate(); err != nil {
		return nil, err
	}
	switch {
	case opts.TimestampTolerance < 0:
		return nil, errors.New("sandbox: TimestampTolerance must not be negative")
	case opts.TimestampTolerance == 0:
		opts.TimestampTolerance = DefaultTimestampTolerance
	}
	switch {
	case opts.TokenTTL < 0:
		return nil, errors.New("sandbox: TokenTTL must not be negative")
	case opts.TokenTTL == 0:
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.Latency < 0 {
		return nil, errors.New("sandbox: Latency must not be negative")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}

	s := &Server{
		authToken:   opts.AuthenticityToken,
		merchantKey: opts.MerchantKey,
		tolerance:   opts.TimestampTolerance,
		tokenTTL:    opts.TokenTTL,
		statePath:   opts.StatePath,
		clock:       opts.Now,
		addr:        opts.Addr,
		allowRemote: opts.AllowRemote,
		counters:    make(map[string]*atomic.Int64),
		done:        make(chan struct{}),
	}
	s.latency.Store(int64(opts.Latency))
	variants := opts.Variants
	s.variants.Store(&variants)
	for _, r := range Routes() {
		s.counters[r] = new(atomic.Int64)
	}
	s.inflight.init()
	s.sandboxMux = s.newSandboxMux()
	st, err := openStore(s.statePath, !opts.StateSync)
	if err != nil {
		return nil, err
	}
	s.st = st
	return s, nil
}

// Start is New followed by listening on opts.Addr (127.0.0.1 with a random
// port by default) and serving in a background goroutine. Close stops it.
func Start(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", s.addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
	}
	s.lifeMu.Lock()
	s.httpSrv = srv
	s.url = "http://" + ln.Addr().String()
	s.serveDone = make(chan struct{})
	s.lifeMu.Unlock()
	go func() {
		defer close(s.serveDone)
		_ = srv.Serve(ln) // Returns http.ErrServerClosed after Close.
	}()
	return s, nil
}

// URL returns the base URL (for example http://127.0.0.1:54321) after Start,
// "" for a Server built with New only.
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.url
}

// Close stops the listener started by Start (closing open connections),
// waits for in-flight handlers to finish (sleeps for latency and slow faults
// are cut short), makes later requests answer 503 and closes the store
// (its customers can still be read; changes fail). It is idempotent.
func (s *Server) Close() error {
	s.lifeMu.Lock()
	if s.closed {
		s.lifeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	srv, serveDone := s.httpSrv, s.serveDone
	s.lifeMu.Unlock()

	var err error
	if srv != nil {
		err = srv.Close()
		<-serveDone
	}
	s.inflight.closeAndWait(closeWaitForHandlers)
	return errors.Join(err, s.st.Close())
}

// Credentials returns the authenticity token and merchant key the sandbox
// accepts.
func (s *Server) Credentials() (authenticityToken, merchantKey string) {
	return s.authToken, s.merchantKey
}

// SetLatency changes the per-request latency.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(max(d, 0))) }

// now is the injected clock in UTC, truncated to milliseconds (the
// precision of stored timestamps; the default answer format shows whole
// seconds, timestamps=offset-millis shows the milliseconds).
func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// preciseNow is the injected clock without truncation.
func (s *Server) preciseNow() time.Time { return s.clock() }

// RequestCount returns the number of requests that reached route (a route
// key such as "POST /v2/customers"), including rejected and faulted ones.
func (s *Server) RequestCount(route string) int {
	c, ok := s.counters[route]
	if !ok {
		return 0
	}
	return int(c.Load())
}

// RequestCounts returns the non-zero request counters by route key.
func (s *Server) RequestCounts() map[string]int {
	out := make(map[string]int)
	for r, c := range s.counters {
		if n := c.Load(); n > 0 {
			out[r] = int(n)
		}
	}
	return out
}

// TotalRequests returns the number of API requests (sandbox endpoints
// excluded) that reached a route.
func (s *Server) TotalRequests() int {
	total := 0
	for _, c := range s.counters {
		total += int(c.Load())
	}
	return total
}

// ResetCounters zeroes the request counters and the injected-faults counter.
func (s *Server) ResetCounters() {
	for _, c := range s.counters {
		c.Store(0)
	}
	s.faults.injected.Store(0)
}

// inflightTracker counts running handlers so Close can wait for them. Unlike
// a sync.WaitGroup it may be entered concurrently with the wait, which then
// refuses new entries.
type inflightTracker struct {
	mu     sync.Mutex
	cond   *sync.Cond
	n      int
	closed bool
}

func (t *inflightTracker) init() { t.cond = sync.NewCond(&t.mu) }

func (t *inflightTracker) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	return true
}

func (t *inflightTracker) leave() {
	t.mu.Lock()
	t.n--
	if t.n == 0 {
		t.cond.Broadcast()
	}
	t.mu.Unlock()
}

func (t *inflightTracker) closeAndWait(limit time.Duration) {
	timer := time.AfterFunc(limit, func() {
		t.mu.Lock()
		t.cond.Broadcast()
		t.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(limit)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for t.n > 0 && time.Now().Before(deadline) {
		t.cond.Wait()
	}
}

// sleep waits d, returning false early if ctx is cancelled or the server is
// closed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}
