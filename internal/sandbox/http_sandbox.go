package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// isLoopback reports whether the request comes from a loopback address.
// Requests without a parseable RemoteAddr (a handler called directly) are
// treated as local.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	return ip.IsLoopback()
}

// isLoopbackHost reports whether a Host header names this machine by a
// loopback name: localhost, a 127.x address or [::1], with or without a
// port. An empty Host (HTTP/1.0, or a handler called directly) is
// accepted: a browser always sends one.
func isLoopbackHost(host string) bool {
	if host == "" {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveSandbox serves the /sandbox/ endpoints to loopback clients. A POST
// must say Content-Type: application/json: a web page can send a form or
// text/plain POST to any address without asking (no CORS preflight), and
// must not inject faults or delete customers that way.
func (s *Server) serveSandbox(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r) {
		writeAPIError(w, invalidRequest(http.StatusForbidden, "sandbox endpoints are only served to loopback clients"))
		return
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeAPIError(w, invalidRequest(http.StatusUnsupportedMediaType,
				"sandbox endpoints take POSTs with Content-Type: application/json only (a web page's form or text POST is refused)"))
			return
		}
	}
	s.sandboxMux.ServeHTTP(w, r)
}

func (s *Server) newSandboxMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sandbox/customers/{uuid}/payment-methods", s.sandboxAttachCard)
	mux.HandleFunc("POST /sandbox/customers/{uuid}/delete", s.sandboxDelete)
	mux.HandleFunc("POST /sandbox/customers/{uuid}/metadata", s.sandboxMetadata)
	mux.HandleFunc("GET /sandbox/stats", s.sandboxStats)
	mux.HandleFunc("GET /sandbox/export", s.sandboxExport)
	mux.HandleFunc("POST /sandbox/reset-counters", s.sandboxResetCounters)
	mux.HandleFunc("POST /sandbox/faults", s.sandboxFaults)
	mux.HandleFunc("POST /sandbox/faults/clear", s.sandboxClearFaults)
	mux.HandleFunc("/sandbox/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, notFound("Not found: "+r.Method+" "+r.URL.Path))
	})
	return mux
}

var approved = map[string]string{"status": "approved"}

// readSandboxJSON reads a /sandbox/ POST's JSON body into v, strictly
// (unknown fields refused); with allowEmpty an empty body leaves v as it is.
// On an error it answers it and returns false.
func readSandboxJSON(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) bool {
	body, e := readBody(w, r)
	if e == nil && (len(body) > 0 || !allowEmpty) {
		e = decodeStrict(body, v)
	}
	if e != nil {
		writeAPIError(w, e)
		return false
	}
	return true
}

type attachCardRequest struct {
	PAN            string `json:"pan"`
	ExpirationDate string `json:"expiration_date"` // YYYY-MM
	Expired        bool   `json:"expired"`
}

func (s *Server) sandboxAttachCard(w http.ResponseWriter, r *http.Request) {
	var req attachCardRequest
	if !readSandboxJSON(w, r, &req, true) {
		return
	}
	card := Card{PAN: req.PAN, Expired: req.Expired}
	if req.ExpirationDate != "" {
		t, err := time.Parse("2006-01", req.ExpirationDate)
		if err != nil {
			writeAPIError(w, invalidRequest(http.StatusBadRequest, "expiration_date must be YYYY-MM"))
			return
		}
		card.ExpirationYear, card.ExpirationMonth = t.Year(), t.Month()
	}
	pm, err := s.AttachCard(r.PathValue("uuid"), card)
	switch {
	case errors.Is(err, ErrCustomerNotFound):
		writeAPIError(w, errCustomerNotFound)
	case errors.Is(err, ErrInvalidCard):
		writeAPIError(w, invalidRequest(http.StatusBadRequest, err.Error()))
	case err != nil:
		writeAPIError(w, serverError(err.Error()))
	default:
		writeJSON(w, http.StatusOK, paymentMethodView(pm, s.variantsNow()))
	}
}

// metadataDriftRequest is the body of POST /sandbox/customers/{uuid}/metadata:
// keys to set, and keys to remove (null).
type metadataDriftRequest struct {
	Metadata map[string]*string `json:"metadata"`
}

// sandboxMetadata writes metadata keys out of band (drift), as another system
// writing to the same customer would: each key given is set, a null removes
// it, other keys stay. It answers the customer as the API shows it.
func (s *Server) sandboxMetadata(w http.ResponseWriter, r *http.Request) {
	var req metadataDriftRequest
	if !readSandboxJSON(w, r, &req, false) {
		return
	}
	if len(req.Metadata) == 0 {
		writeAPIError(w, invalidRequest(http.StatusBadRequest, `metadata is required: an object of keys to set (a string) or remove (null), such as {"metadata": {"crm_id": "42"}}`))
		return
	}
	for k := range req.Metadata {
		if k == "" {
			writeAPIError(w, invalidRequest(http.StatusBadRequest, "metadata keys must not be empty"))
			return
		}
	}
	uuid := r.PathValue("uuid")
	if c, ok := s.Customer(uuid); !ok || c.Deleted {
		writeAPIError(w, errCustomerNotFound)
		return
	}
	if !s.EditCustomer(uuid, func(c *Customer) {
		if c.Metadata == nil {
			c.Metadata = map[string]string{}
		}
		for k, v := range req.Metadata {
			if v == nil {
				delete(c.Metadata, k)
			} else {
				c.Metadata[k] = *v
			}
		}
	}) {
		writeAPIError(w, serverError("the customer could not be edited"))
		return
	}
	c, _ := s.Customer(uuid)
	writeJSON(w, http.StatusOK, customerView(&c, s.variantsNow(), KeyDefault))
}

func (s *Server) sandboxDelete(w http.ResponseWriter, r *http.Request) {
	uuid := r.PathValue("uuid")
	if !s.DeleteCustomer(uuid) {
		if _, ok := s.Customer(uuid); ok {
			writeAPIError(w, invalidRequest(http.StatusConflict, "customer is already deleted"))
			return
		}
		writeAPIError(w, errCustomerNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "approved", "id": uuid, "deleted": true})
}

func (s *Server) sandboxStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"requests":        s.RequestCounts(),
		"total":           s.TotalRequests(),
		"faults_injected": s.FaultsInjected(),
	})
}

// sandboxExport implements GET /sandbox/export: the whole store as JSON
// (Server.Export), which monri-sandbox -import loads.
func (s *Server) sandboxExport(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	if err := s.Export(&buf); err != nil {
		writeAPIError(w, serverError("sandbox could not export its store: "+err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

func (s *Server) sandboxResetCounters(w http.ResponseWriter, _ *http.Request) {
	s.ResetCounters()
	writeJSON(w, http.StatusOK, approved)
}

func (s *Server) sandboxClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	writeJSON(w, http.StatusOK, approved)
}

type faultSpec struct {
	Kind              string  `json:"kind"`
	Status            int     `json:"status"`
	RetryAfterSeconds float64 `json:"retry_after_seconds"`
	DelayMS           int64   `json:"delay_ms"`
	AfterHandling     bool    `json:"after_handling"`
}

func (f faultSpec) fault() (Fault, error) {
	kind := FaultStatus
	if f.Kind != "" {
		k, err := ParseFaultKind(f.Kind)
		if err != nil {
			return Fault{}, err
		}
		kind = k
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 999) {
		return Fault{}, fmt.Errorf("status %d is not an HTTP status", f.Status)
	}
	if f.RetryAfterSeconds < 0 || f.DelayMS < 0 {
		return Fault{}, errors.New("retry_after_seconds and delay_ms must not be negative")
	}
	return Fault{
		Kind:          kind,
		Status:        f.Status,
		RetryAfter:    time.Duration(f.RetryAfterSeconds * float64(time.Second)),
		Delay:         time.Duration(f.DelayMS) * time.Millisecond,
		AfterHandling: f.AfterHandling,
	}, nil
}

type faultsRequest struct {
	faultSpec
	Route  string      `json:"route"`
	Count  int         `json:"count"`
	Rate   *float64    `json:"rate"`
	Seed   uint64      `json:"seed"`
	Faults []faultSpec `json:"faults"`
}

// sandboxFaults implements POST /sandbox/faults: either
// {"route":..., <fault>, "count":N} to inject N faults, or
// {"rate":R, <fault> or "faults":[<fault>...], "seed":S} to fault requests
// at random.
func (s *Server) sandboxFaults(w http.ResponseWriter, r *http.Request) {
	var req faultsRequest
	if !readSandboxJSON(w, r, &req, false) {
		return
	}
	bad := func(msg string) { writeAPIError(w, invalidRequest(http.StatusBadRequest, msg)) }
	if req.Rate != nil {
		if *req.Rate < 0 || *req.Rate > 1 {
			bad("rate must be between 0 and 1")
			return
		}
		specs := req.Faults
		if len(specs) == 0 {
			specs = []faultSpec{req.faultSpec}
		}
		faults := make([]Fault, 0, len(specs))
		for _, sp := range specs {
			f, err := sp.fault()
			if err != nil {
				bad(err.Error())
				return
			}
			faults = append(faults, f)
		}
		s.SetFaultRate(*req.Rate, faults, req.Seed)
		writeJSON(w, http.StatusOK, approved)
		return
	}
	if req.Route != "" && !isRoute(req.Route) {
		bad(fmt.Sprintf("unknown route %q", req.Route))
		return
	}
	f, err := req.fault()
	if err != nil {
		bad(err.Error())
		return
	}
	if req.Count == 0 {
		req.Count = 1
	}
	if req.Count < 0 {
		bad("count must be positive")
		return
	}
	s.InjectFault(req.Route, f, req.Count)
	writeJSON(w, http.StatusOK, approved)
}

func isRoute(key string) bool {
	for _, r := range Routes() {
		if r == key {
			return true
		}
	}
	return false
}
