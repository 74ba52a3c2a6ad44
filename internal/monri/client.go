// Package monri is a client for Monri's Customers API (API v2). It signs every
// request with the WP3-v2.1 scheme, retries idempotent requests on transient
// faults, creates customers without duplicating them, and reports Monri's
// answers as typed errors. It has no Terraform dependencies.
package monri

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// Base URLs of Monri's environments.
const (
	TestBaseURL = "https://ipgtest.monri.com"
	ProdBaseURL = "https://ipg.monri.com"
)

// Defaults for Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 4
	// MaxResponseBytes bounds how much of a response body is read.
	MaxResponseBytes = 8 << 20
)

// RequestLog describes one HTTP attempt, for logging. It never holds the
// Authorization header or a body.
type RequestLog struct {
	Method   string
	Path     string
	Status   int // 0 when no response arrived
	Duration time.Duration
	Attempt  int // 1 for the first attempt
	Err      error
}

// Logger receives one RequestLog per HTTP attempt.
type Logger interface {
	LogRequest(ctx context.Context, l RequestLog)
}

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. TestBaseURL. It must be https unless the
	// host is a loopback address (see ValidateBaseURL).
	BaseURL           string
	AuthenticityToken string
	MerchantKey       string
	// UserAgent is sent with every request.
	UserAgent string
	// RequestTimeout bounds each HTTP attempt (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// MaxRetries is how many times a failed idempotent request is retried
	// (0 means no retries; negative means DefaultMaxRetries).
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff (defaults
	// 500ms and 30s). A Retry-After header wins, capped at RetryWaitMax.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// MaxRequestsPerSecond limits the request rate (0: unlimited).
	MaxRequestsPerSecond float64
	// MaxConcurrentPages is how many pages of a listing may be in flight at
	// once, 1 to MaxConcurrentPagesLimit (0: DefaultMaxConcurrentPages);
	// 1 pages sequentially.
	MaxConcurrentPages int
	// MaxListingItems is how many distinct items one listing may go through
	// before it stops with a *ListingLimitError (0: DefaultMaxListingItems).
	MaxListingItems int
	// Now is the clock used for signature timestamps (default time.Now).
	Now func() time.Time
	// Logger, when set, is told about every HTTP attempt.
	Logger Logger
	// Transport replaces the default pooled transport (tests).
	Transport http.RoundTripper
	// Masker masks every quoted answer in the client's errors; it is given
	// the authenticity token, the merchant key and every access token the
	// client obtains. nil: the client makes its own. Share it with a
	// logger to mask the same secrets there.
	Masker *Masker
	// Authentication is how customer and payment-method requests are
	// authenticated: AuthSignature (the default, also for "") signs each
	// request with WP3-v2.1; AuthAccessToken sends "Authorization: Bearer"
	// with an OAuth access token from POST /v2/oauth, as Monri's own SDKs do.
	Authentication string
	// ShareListings makes the reads that need the complete customer
	// listing share one snapshot of it, invalidated by the client's own
	// writes (see sharedListing).
	ShareListings bool
	// MaxSharedItems is how many customers a shared listing may hold
	// (0: DefaultMaxSharedItems). A listing that reaches it is not shared:
	// the client stops sharing and each read pages through Monri itself,
	// streaming, so memory stays small on a merchant with more customers,
	// or against a server that never ends its listing.
	MaxSharedItems int
}

// Authentication schemes (Config.Authentication).
const (
	AuthSignature   = "signature"
	AuthAccessToken = "access_token"
)

// SecretSink is implemented by a Logger that masks secrets: the client
// tells it about every access token it obtains, before using it.
type SecretSink interface {
	AddSecret(secret string)
}

// Client talks to Monri's Customers API. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	token, key string
	userAgent  string
	retrying   *retryablehttp.Client // idempotent requests
	once       *retryablehttp.Client // create: no automatic retry
	maxRetries int
	backoff    func(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration
	waitMin    time.Duration
	waitMax    time.Duration
	limiter    *rate.Limiter // nil: unlimited
	retries    atomic.Int64
	auth       string       // AuthSignature or AuthAccessToken
	tokens     *tokenSource // AuthAccessToken only
	// pageCap is the largest limit list requests send (0: no cap). It is
	// set to DefaultPageSize, for the client's lifetime, when Monri answers
	// 400 to a larger limit.
	pageCap atomic.Int64
	// maxConcurrentPages is Config.MaxConcurrentPages (with its default).
	maxConcurrentPages int
	maxListingItems    int
	logger             Logger
	masker             *Masker
	shared             *sharedListing // nil: Config.ShareListings is off
}

// ValidateBaseURL parses a base URL and checks that it is https, or http on a
// loopback host (localhost, 127.0.0.0/8, ::1).
func ValidateBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL such as %s", raw, TestBaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q must not contain user info, a query or a fragment", raw)
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("%q uses plain http: only https is allowed, except for loopback hosts (localhost, 127.0.0.1, ::1) such as a local Monri sandbox", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// IsLoopbackHost reports whether host is localhost or a loopback IP address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New builds a Client.
func New(cfg Config) (*Client, error) {
	base, err := ValidateBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	if cfg.AuthenticityToken == "" || cfg.MerchantKey == "" {
		return nil, errors.New("both the authenticity token and the merchant key are required")
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 500 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.MaxConcurrentPages == 0:
		cfg.MaxConcurrentPages = DefaultMaxConcurrentPages
	case cfg.MaxConcurrentPages < 1 || cfg.MaxConcurrentPages > MaxConcurrentPagesLimit:
		return nil, fmt.Errorf("max concurrent pages %d: allowed are 1 (sequential paging) to %d", cfg.MaxConcurrentPages, MaxConcurrentPagesLimit)
	}
	switch {
	case cfg.MaxListingItems == 0:
		cfg.MaxListingItems = DefaultMaxListingItems
	case cfg.MaxListingItems < 0:
		return nil, fmt.Errorf("max listing items %d: it must be at least 1", cfg.MaxListingItems)
	}
	switch cfg.Authentication {
	case "":
		cfg.Authentication = AuthSignature
	case AuthSignature, AuthAccessToken:
	default:
		return nil, fmt.Errorf("authentication %q: allowed values are %q and %q", cfg.Authentication, AuthSignature, AuthAccessToken)
	}
	inner := cfg.Transport
	if inner == nil {
		t := cleanhttp.DefaultPooledTransport()
		// Terraform walks the graph with 10 concurrent operations by default;
		// keep enough idle connections to reuse one per operation.
		t.MaxIdleConnsPerHost = 64
		t.MaxIdleConns = 128
		// Certificates are always verified against the system roots; there
		// is deliberately no setting that turns verification off.
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		inner = t
	} else if t, ok := inner.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
		return nil, errors.New("the transport skips TLS certificate verification, which this client does not allow")
	}
	st := &signingTransport{
		base:   inner,
		token:  cfg.AuthenticityToken,
		key:    cfg.MerchantKey,
		now:    cfg.Now,
		ua:     cfg.UserAgent,
		logger: cfg.Logger,
	}
	httpClient := &http.Client{
		Transport: st,
		// Timeout bounds one attempt: connecting, sending, waiting for the
		// answer and reading its body.
		Timeout: cfg.RequestTimeout,
		// Monri's API does not redirect. Following a redirect would re-send
		// a signed request (or the OAuth body, which carries the merchant
		// key) to wherever the Location header points, possibly over plain
		// http; a 3xx is reported as an error instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	c := &Client{
		base:       base,
		token:      cfg.AuthenticityToken,
		key:        cfg.MerchantKey,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		backoff:    Backoff,
		waitMin:    cfg.RetryWaitMin,
		waitMax:    cfg.RetryWaitMax,
		auth:       cfg.Authentication,

		maxConcurrentPages: cfg.MaxConcurrentPages,
		maxListingItems:    cfg.MaxListingItems,
		logger:             cfg.Logger,
		masker:             cfg.Masker,
	}
	if c.masker == nil {
		c.masker = NewMasker()
	}
	c.masker.AddSecret(cfg.AuthenticityToken)
	c.masker.AddSecret(cfg.MerchantKey)
	if cfg.ShareListings {
		c.shared = &sharedListing{max: cfg.MaxSharedItems}
		if c.shared.max <= 0 {
			c.shared.max = DefaultMaxSharedItems
		}
	}
	if cfg.Authentication == AuthAccessToken {
		c.tokens = newTokenSource(c, cfg.Now, cfg.Logger)
	}
	if cfg.MaxRequestsPerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.MaxRequestsPerSecond), 1)
	}
	newRC := func(retryMax int) *retryablehttp.Client {
		return &retryablehttp.Client{
			HTTPClient:   httpClient,
			RetryWaitMin: cfg.RetryWaitMin,
			RetryWaitMax: cfg.RetryWaitMax,
			RetryMax:     retryMax,
			CheckRetry:   c.checkRetry,
			Backoff:      Backoff,
			// Count the retries (attempt numbers from 1 on are retries).
			RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
				if attempt > 0 {
					c.retries.Add(1)
				}
			},
			// Retries wait for the rate limiter too, outside the per-attempt
			// timeout (the first attempt waits in do).
			PrepareRetry: func(r *http.Request) error { return c.wait(r.Context()) },
			ErrorHandler: retryablehttp.PassthroughErrorHandler,
			Logger:       nil,
		}
	}
	c.retrying = newRC(cfg.MaxRetries)
	c.once = newRC(0)
	return c, nil
}

// Retries returns how many times this client has re-sent a request after a
// transient fault: automatic retries of idempotent requests, and creates sent
// again when that was safe (throttled, never sent, or looked up and absent).
// Lookups after a create with an unknown outcome are not counted.
func (c *Client) Retries() int64 { return c.retries.Load() }

// wait blocks until the rate limiter allows a request (no-op when unlimited).
func (c *Client) wait(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return &notSentError{err: fmt.Errorf("waiting for the client-side rate limit (max_requests_per_second): %w", err)}
	}
	return nil
}

// checkRetry retries connection errors, timeouts, unreadable or malformed
// success answers, 429, 500, 502, 503 and 504, never other 4xx, and stops
// when the caller's context is done. (Creates are never retried here: see
// CreateCustomer.)
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	var be *bodyError
	switch {
	case errors.As(err, &be):
		return be.retryable, nil
	case err != nil:
		return isRetryableError(err), nil
	case resp != nil:
		return isRetryableStatus(resp.StatusCode), nil
	}
	return false, nil
}

func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// Monri documents its 500 as "An error occurred while processing
		// request. Please try later.": a transient fault.
		return true
	}
	return false
}

func isRetryableError(err error) bool {
	var ns *notSentError
	if errors.Is(err, context.Canceled) || errors.As(err, &ns) {
		return false
	}
	// TLS certificate problems do not heal by retrying.
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	return true
}

// Backoff is exponential backoff with jitter: attempt n (from 0) waits a
// random duration between waitMin/2 and waitMin*2^n, capped at waitMax. A
// Retry-After header (seconds or HTTP date) on the response wins, capped at
// waitMax.
func Backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return min(d, waitMax)
		}
	}
	ceil := float64(waitMax)
	if attempt < 30 {
		ceil = min(ceil, float64(waitMin)*float64(uint64(1)<<max(attempt, 0)))
	}
	lo := min(float64(waitMin)/2, ceil)
	return time.Duration(lo + rand.Float64()*(ceil-lo)) //nolint:gosec // Jitter, not security.
}

func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

type ctxKey int

const (
	ctxNoAuth ctxKey = iota
	ctxAttempt
	ctxBearer // the access token to send (AuthAccessToken)
)

// signingTransport signs every attempt afresh (new timestamp), sets the
// headers Monri requires and logs the attempt. It deliberately does not
// implement CloseIdleConnections: go-retryablehttp calls that on the
// *http.Client whenever one request gives up, which would drop the idle
// keep-alive connections of every other request sharing this client.
type signingTransport struct {
	base       http.RoundTripper
	token, key string
	now        func() time.Time
	ua         string
	logger     Logger
}

func (t *signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Content-Type", "application/json")
	if t.ua != "" {
		r.Header.Set("User-Agent", t.ua)
	}
	if noAuth, _ := ctx.Value(ctxNoAuth).(bool); !noAuth {
		if bearer, _ := ctx.Value(ctxBearer).(string); bearer != "" {
			r.Header.Set("Authorization", "Bearer "+bearer)
		} else {
			r.Header.Set("Authorization", AuthorizationHeader(t.key, t.token, t.now().Unix(), r.URL.RequestURI(), body))
		}
	}
	attempt := 1
	if p, ok := ctx.Value(ctxAttempt).(*atomic.Int64); ok {
		attempt = int(p.Add(1))
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if t.logger != nil {
		l := RequestLog{Method: r.Method, Path: r.URL.RequestURI(), Duration: time.Since(start), Attempt: attempt, Err: err}
		if resp != nil {
			l.Status = resp.StatusCode
		}
		t.logger.LogRequest(ctx, l)
	}
	return resp, err
}

// request describes one API call.
type request struct {
	method string
	path   string // escaped path plus query, e.g. "/v2/customers?limit=10&offset=0"
	body   any
	noAuth bool
	once   bool // do not retry automatically (create)
	// firstAttempt numbers the first HTTP attempt in logs (0 means 1); a
	// create re-sent by CreateCustomer continues its own numbering.
	firstAttempt int
}

// bodyError is a response whose body could not be used: it could not be read
// (connection lost or timeout mid-body), it is too large, or a success answer
// is not JSON. retryable says whether an idempotent request may be retried.
type bodyError struct {
	err       error
	retryable bool
}

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// notSentError marks a failure that happened before anything was sent (the
// rate limiter's wait was cut short), so that even a create is safe to retry.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// do performs a request and decodes a successful JSON answer into out. With
// AuthAccessToken it sends the shared access token, and when Monri answers
// 401 it renews the token and sends the request once more (a 401 was not
// processed, so this is safe even for a create).
func (c *Client) do(ctx context.Context, rq request, out any) error {
	if err := checkPath(rq.method, rq.path); err != nil {
		return err
	}
	if c.shared != nil && rq.method != http.MethodGet && !rq.noAuth {
		defer c.shared.invalidate() // a write, whatever its outcome
	}
	if c.tokens == nil || rq.noAuth {
		err := c.doOnce(ctx, rq, out, "")
		var apiErr *APIError
		if !rq.noAuth && errors.As(err, &apiErr) {
			apiErr.Authentication = c.auth
		}
		return err
	}
	tok, err := c.tokens.get(ctx)
	if err != nil {
		return err
	}
	err = c.doOnce(ctx, rq, out, tok)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusUnauthorized {
		c.tokens.invalidate(tok)
		if tok, err = c.tokens.get(ctx); err != nil {
			return err
		}
		rq.firstAttempt = max(rq.firstAttempt, 1) + apiErr.Attempts
		err = c.doOnce(ctx, rq, out, tok)
	}
	if errors.As(err, &apiErr) {
		apiErr.Authentication = c.auth
	}
	return err
}

// doOnce is do with one access token (bearer, "" to sign the request).
func (c *Client) doOnce(ctx context.Context, rq request, out any, bearer string) error {
	var body []byte
	if rq.body != nil {
		var err error
		if body, err = json.Marshal(rq.body); err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
	}
	if rq.noAuth {
		ctx = context.WithValue(ctx, ctxNoAuth, true)
	} else if bearer != "" {
		ctx = context.WithValue(ctx, ctxBearer, bearer)
	}
	counter := new(atomic.Int64)
	if rq.firstAttempt > 1 {
		counter.Store(int64(rq.firstAttempt - 1))
	}
	ctx = context.WithValue(ctx, ctxAttempt, counter)
	var reqBody any
	if body != nil {
		reqBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, rq.method, c.base.String()+rq.path, reqBody)
	if err != nil {
		return fmt.Errorf("building request %s %s: %w", rq.method, rq.path, err)
	}
	// Read the body inside the retry loop (and inside the per-attempt
	// timeout), so that an answer cut short, or a success answer that is
	// not JSON, is retried like a transport error.
	var (
		data   []byte
		status int
		read   bool
	)
	req.SetResponseHandler(func(resp *http.Response) error {
		b, rerr := readBody(resp)
		if rerr != nil {
			return rerr
		}
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 && !json.Valid(b) {
			return &bodyError{retryable: true, err: &APIError{HTTPStatus: resp.StatusCode, Method: rq.method, Path: rq.path, NotJSON: true,
				Message: "the answer is not valid JSON: " + c.masker.quote(rq.path, b, 120)}}
		}
		data, status, read = b, resp.StatusCode, true
		return nil
	})
	if err := c.wait(ctx); err != nil {
		return &TransportError{Method: rq.method, Path: rq.path, Err: err}
	}
	rc := c.retrying
	if rq.once {
		rc = c.once
	}
	resp, err := rc.Do(req)
	attempts := int(counter.Load()) - max(rq.firstAttempt-1, 0)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		var be *bodyError
		if errors.As(err, &be) {
			var apiErr *APIError
			if errors.As(be.err, &apiErr) {
				apiErr.Method, apiErr.Path, apiErr.Attempts = rq.method, rq.path, attempts
				return apiErr
			}
			return &TransportError{Method: rq.method, Path: rq.path, Err: be.err, Received: true, Attempts: attempts}
		}
		return &TransportError{Method: rq.method, Path: rq.path, Err: stripURL(err), Attempts: attempts}
	}
	if !read {
		// A retryable status on the last attempt: the handler did not run.
		data, err = readBody(resp)
		status = resp.StatusCode
		if err != nil {
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				apiErr.Method, apiErr.Path, apiErr.Attempts = rq.method, rq.path, attempts
				return apiErr
			}
			return &TransportError{Method: rq.method, Path: rq.path, Err: err, Received: true, Attempts: attempts}
		}
	}
	err = decodeResponse(c.masker, rq.method, rq.path, status, data, out)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.RetryAfter, _ = retryAfter(resp.Header.Get("Retry-After"))
		apiErr.Attempts = attempts
	}
	return err
}

// readBody reads and closes a response body, at most MaxResponseBytes of it:
// a larger answer is an error (never retried) rather than a memory problem.
func readBody(resp *http.Response) ([]byte, error) {
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, &bodyError{retryable: true, err: fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, err)}
	}
	if len(data) > MaxResponseBytes {
		return nil, &bodyError{err: &APIError{HTTPStatus: resp.StatusCode, NotJSON: true,
			Message: fmt.Sprintf("response body larger than %d bytes", MaxResponseBytes)}}
	}
	return data, nil
}

// decodeResponse turns a response into out or an error. It is separate from
// do so that it can be fuzzed. Whatever an error quotes of the answer (a
// body, Monri's message, a decoding error) goes through m.
func decodeResponse(m *Masker, method, path string, status int, data []byte, out any) error {
	var env struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	jsonErr := json.Unmarshal(data, &env)
	if status < 200 || status > 299 {
		apiErr := &APIError{HTTPStatus: status, Method: method, Path: path}
		if jsonErr == nil && (env.Status != "" || env.Message != "") {
			apiErr.Status, apiErr.Message = m.Mask(env.Status), m.Mask(env.Message)
		} else if len(bytes.TrimSpace(data)) > 0 {
			apiErr.NotJSON = true
			apiErr.Message = m.quote(path, data, 200)
		}
		return apiErr
	}
	if jsonErr != nil {
		return &APIError{HTTPStatus: status, Method: method, Path: path, NotJSON: true,
			Message: m.Mask("could not decode response ("+jsonErr.Error()+"): ") + m.quote(path, data, 120)}
	}
	if env.Status != "" && env.Status != "approved" && env.Status != "created" && env.Status != "updated" {
		return &APIError{HTTPStatus: status, Method: method, Path: path, Status: m.Mask(env.Status), Message: m.Mask(env.Message)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &APIError{HTTPStatus: status, Method: method, Path: path, NotJSON: true,
				Message: m.Mask("could not decode response: " + err.Error())}
		}
	}
	return nil
}

// TransportError is a request that got no HTTP answer (connection refused or
// lost, timeout), after any retries.
type TransportError struct {
	Method, Path string
	Err          error
	// Received is true when the status line arrived but the body could not be read.
	Received bool
	// Attempts is how many HTTP attempts were made (0 when unknown).
	Attempts int
}

func (e *TransportError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%s %s: %v (gave up after %d attempts)", e.Method, e.Path, e.Err, e.Attempts)
	}
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// notSent reports whether the request certainly did not reach the server
// (the connection could not be opened), so that even a create can be retried.
func (e *TransportError) notSent() bool {
	var op *net.OpError
	var ns *notSentError
	return errors.As(e.Err, &ns) || (errors.As(e.Err, &op) && op.Op == "dial")
}

// stripURL removes the URL from a *url.Error (the method and path are reported
// separately and the base URL is known to the user).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
