package sandbox

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// FaultKind is the kind of failure a Fault simulates.
type FaultKind int

const (
	// FaultStatus answers Status (default 500) with a JSON error body:
	// {"status":"error",...} for 5xx, {"status":"invalid-request",...}
	// otherwise. Retry-After is sent when RetryAfter > 0.
	FaultStatus FaultKind = iota
	// FaultHTMLBody answers Status (default 502) with an HTML page, as a
	// proxy in front of the API would, Content-Type text/html.
	FaultHTMLBody
	// FaultDrop closes the connection without any response.
	FaultDrop
	// FaultSlow sleeps Delay (cut short if the client goes away) and then
	// handles the request normally; with AfterHandling it handles first and
	// then sleeps before answering.
	FaultSlow
	// FaultMalformedJSON answers Status (default 200) with a truncated JSON
	// body (with AfterHandling: the first half of the real response).
	FaultMalformedJSON
	// FaultBody answers Status (default 200) with Body as it is, with
	// ContentType (default application/json): a truncated answer, a
	// proxy's page echoing the request, or another customer's record (with
	// AfterHandling, an answer mixed up by a cache after the operation was
	// performed).
	FaultBody
	// FaultEndlessPage answers a listing with a full page of 100 items never
	// seen before, whatever the offset: a listing that never ends. Each item
	// has a new uuid and id, so it serves as a customer and as a saved card.
	FaultEndlessPage
)

// String returns the kind's name as used by POST /sandbox/faults.
func (k FaultKind) String() string {
	switch k {
	case FaultStatus:
		return "status"
	case FaultHTMLBody:
		return "html"
	case FaultDrop:
		return "drop"
	case FaultSlow:
		return "slow"
	case FaultMalformedJSON:
		return "malformed"
	case FaultBody:
		return "body"
	case FaultEndlessPage:
		return "endless-page"
	default:
		return fmt.Sprintf("FaultKind(%d)", int(k))
	}
}

// ParseFaultKind parses a name returned by FaultKind.String.
func ParseFaultKind(name string) (FaultKind, error) {
	for k := FaultStatus; k <= FaultEndlessPage; k++ {
		if k.String() == name {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q (status, html, drop, slow, malformed, body, endless-page)", name)
}

// Fault describes a simulated failure.
type Fault struct {
	Kind       FaultKind
	Status     int
	RetryAfter time.Duration // Sent as whole seconds (rounded up) in Retry-After.
	Delay      time.Duration // For FaultSlow.
	// AfterHandling performs the operation first and then fails: a "lost
	// response" (for example the customer IS created).
	AfterHandling bool
	// Body and ContentType are FaultBody's answer.
	Body        []byte
	ContentType string
}

// endlessPageSize is how many customers a FaultEndlessPage page holds.
const endlessPageSize = 100

// endlessSerial numbers the customers of FaultEndlessPage pages, so that
// every page holds customers never seen before.
var endlessSerial atomic.Uint64

// endlessPage is a page of endlessPageSize customers never seen before.
func endlessPage() []byte {
	var b bytes.Buffer
	b.WriteString(`{"status":"approved","data":[`)
	for i := range endlessPageSize {
		if i > 0 {
			b.WriteByte(',')
		}
		n := endlessSerial.Add(1)
		fmt.Fprintf(&b, `{"uuid":"e0000000-0000-4000-8000-%012[1]x","id":"e0000000-0000-4000-8000-%012[1]x","merchant_customer_id":"endless-%[1]d","masked_pan":"411111******1111","metadata":{},"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","deleted":false}`, n)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

type queuedFault struct {
	route     string
	fault     Fault
	remaining int
}

type faultState struct {
	mu       sync.Mutex
	queue    []*queuedFault
	rate     float64
	pool     []Fault
	rng      *rand.Rand
	injected atomic.Int64
}

// InjectFault makes the next count API requests matching route (a route key
// such as "POST /v2/customers", or "" for any API route) fail with f.
// Injected faults are consumed in the order they were injected, and take
// precedence over SetFaultRate.
func (s *Server) InjectFault(route string, f Fault, count int) {
	if count <= 0 {
		return
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queue = append(s.faults.queue, &queuedFault{route: route, fault: f, remaining: count})
}

// SetFaultRate makes each API request fail independently with probability
// rate (0 disables, 1 fails every request), with a fault chosen uniformly
// from faults (a plain 500 when faults is empty). seed makes the sequence
// reproducible.
func (s *Server) SetFaultRate(rate float64, faults []Fault, seed uint64) {
	rate = min(max(rate, 0), 1)
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rate = rate
	s.faults.pool = append([]Fault(nil), faults...)
	if len(s.faults.pool) == 0 {
		s.faults.pool = []Fault{{Kind: FaultStatus, Status: http.StatusInternalServerError}}
	}
	s.faults.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // Fault simulation, not security.
}

// ClearFaults removes every injected fault and disables the fault rate.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queue = nil
	s.faults.rate = 0
}

// FaultsInjected returns the number of faults applied so far.
func (s *Server) FaultsInjected() int { return int(s.faults.injected.Load()) }

// pickFault returns the fault to apply to a request on route, if any.
func (s *Server) pickFault(route string) (Fault, bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for i, q := range s.faults.queue {
		if q.route != "" && q.route != route {
			continue
		}
		q.remaining--
		if q.remaining <= 0 {
			s.faults.queue = append(s.faults.queue[:i:i], s.faults.queue[i+1:]...)
		}
		s.faults.injected.Add(1)
		return q.fault, true
	}
	if s.faults.rate > 0 && s.faults.rng.Float64() < s.faults.rate {
		f := s.faults.pool[s.faults.rng.IntN(len(s.faults.pool))]
		s.faults.injected.Add(1)
		return f, true
	}
	return Fault{}, false
}

const htmlFaultPage = `<html>
<head><title>%[1]d %[2]s</title></head>
<body>
<center><h1>%[1]d %[2]s</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// writeFault answers a request with fault f. recorded is the buffered real
// response when the fault is applied after handling.
func writeFault(w http.ResponseWriter, f Fault, recorded *bufferedWriter) {
	if f.RetryAfter > 0 && f.Kind != FaultDrop {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", fmt.Sprint(int64(secs)))
	}
	switch f.Kind {
	case FaultHTMLBody:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		body := fmt.Sprintf(htmlFaultPage, status, http.StatusText(status))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	case FaultDrop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			// Not hijackable (HTTP/2, or a ResponseRecorder): abort the
			// response; net/http resets the stream or closes the connection.
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
	case FaultBody:
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write(f.Body)
	case FaultEndlessPage:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(endlessPage())
	case FaultMalformedJSON:
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		body := []byte(`{"status":"approved","data":[{"uuid":"`)
		if recorded != nil && recorded.body.Len() > 1 {
			b := recorded.body.Bytes()
			body = b[:len(b)/2]
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	default: // FaultStatus (FaultSlow is handled by the caller).
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if status >= 500 {
			writeJSON(w, status, map[string]string{
				"status":  "error",
				"message": "An error occurred while processing request. Please try later.",
			})
			return
		}
		msg := http.StatusText(status)
		if status == http.StatusTooManyRequests {
			msg = "Too many requests. Please retry later."
		}
		writeJSON(w, status, map[string]string{"status": "invalid-request", "message": msg})
	}
}
