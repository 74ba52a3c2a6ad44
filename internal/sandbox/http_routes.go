package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// handlerFunc handles one API request. v is the snapshot of the variants
// the whole request is handled with.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, v *Variants, param string, body []byte)

type route struct {
	key     string
	scope   string // OAuth scope a bearer token needs; "" for /v2/oauth
	handler handlerFunc
}

var (
	routeCreate = route{RouteCreateCustomer, scopeCustomers, (*Server).handleCreate}
	routeList   = route{RouteListCustomers, scopeCustomers, (*Server).handleList}
	routeGet    = route{RouteGetCustomer, scopeCustomers, (*Server).handleGet}
	routeUpdate = route{RouteUpdateCustomer, scopeCustomers, (*Server).handleUpdate}
	routeDelete = route{RouteDeleteCustomer, scopeCustomers, (*Server).handleDelete}
	routeByMID  = route{RouteGetByMerchantID, scopeCustomers, (*Server).handleGetByMerchantID}
	routePMs    = route{RouteListPaymentMethods, scopePaymentMethods, (*Server).handleListPaymentMethods}
	routeToken  = route{RouteOAuth, "", (*Server).handleOAuth}
)

// escapedPath returns the request path as the client sent it (percent
// escapes intact).
func escapedPath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	return r.URL.EscapedPath()
}

// match finds the route for a request. It returns the route (nil if none),
// the unescaped path parameter, and, when there is no route, the methods
// allowed on the path (empty: the path is unknown).
func match(method, path string) (*route, string, []string) {
	const merchantPrefix = "/v2/merchants/customers/"
	switch {
	case path == "/v2/oauth":
		return pick(method, "", map[string]*route{http.MethodPost: &routeToken})
	case path == "/v2/customers":
		return pick(method, "", map[string]*route{http.MethodPost: &routeCreate, http.MethodGet: &routeList})
	case strings.HasPrefix(path, merchantPrefix) && len(path) > len(merchantPrefix):
		// Not ServeMux: the id may contain %2F, which must not split it.
		id, err := url.PathUnescape(path[len(merchantPrefix):])
		if err != nil {
			return nil, "", nil
		}
		return pick(method, id, map[string]*route{http.MethodGet: &routeByMID})
	case strings.HasPrefix(path, "/v2/customers/"):
		rest := path[len("/v2/customers/"):]
		seg, tail, hasTail := strings.Cut(rest, "/")
		uuid, err := url.PathUnescape(seg)
		if err != nil || uuid == "" {
			return nil, "", nil
		}
		if !hasTail {
			return pick(method, uuid, map[string]*route{
				http.MethodGet: &routeGet, http.MethodPost: &routeUpdate, http.MethodDelete: &routeDelete,
			})
		}
		if tail == "payment-methods" {
			return pick(method, uuid, map[string]*route{http.MethodGet: &routePMs})
		}
	}
	return nil, "", nil
}

func pick(method, param string, routes map[string]*route) (*route, string, []string) {
	if rt, ok := routes[method]; ok {
		return rt, param, nil
	}
	allowed := make([]string, 0, len(routes))
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		if _, ok := routes[m]; ok {
			allowed = append(allowed, m)
		}
	}
	return nil, "", allowed
}

// ServeHTTP serves the API and the sandbox endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.inflight.enter() {
		writeAPIError(w, &apiError{httpStatus: http.StatusServiceUnavailable, status: "error", message: "sandbox is closed"})
		return
	}
	defer s.inflight.leave()

	if !s.allowRemote && !isLoopbackHost(r.Host) {
		writeAPIError(w, invalidRequest(http.StatusForbidden, fmt.Sprintf(
			"the sandbox answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]), not to Host %q: "+
				"a web page must not reach it through a name of its own (DNS rebinding); start it with -allow-remote to answer other names", r.Host)))
		return
	}
	path := escapedPath(r)
	if path == "/sandbox" || strings.HasPrefix(path, "/sandbox/") {
		s.serveSandbox(w, r)
		return
	}
	rt, param, allowed := match(r.Method, path)
	if rt == nil {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeAPIError(w, invalidRequest(http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed on "+path))
			return
		}
		writeAPIError(w, notFound("Not found: "+r.Method+" "+path))
		return
	}
	s.counters[rt.key].Add(1)

	if !s.sleep(r.Context(), s.currentLatency()) {
		return
	}
	f, faulted := s.pickFault(rt.key)
	switch {
	case !faulted:
		s.handle(w, r, rt, param)
	case f.Kind == FaultSlow && !f.AfterHandling:
		// Read the body before sleeping: net/http notices a client that gave
		// up (and cancels the context) only once the body has been consumed,
		// so without this a POST could be handled late, after the client's
		// timeout.
		if r.Body != nil {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBodyBytes+1))
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		if s.sleep(r.Context(), f.Delay) {
			s.handle(w, r, rt, param)
		}
	case f.Kind == FaultSlow:
		buf := newBufferedWriter()
		s.handle(buf, r, rt, param)
		if s.sleep(r.Context(), f.Delay) {
			buf.flushTo(w)
		}
	case f.AfterHandling:
		buf := newBufferedWriter()
		s.handle(buf, r, rt, param)
		writeFault(w, f, buf)
	default:
		writeFault(w, f, nil)
	}
}

func (s *Server) currentLatency() time.Duration { return time.Duration(s.latency.Load()) }

// handle checks headers and authentication and runs the route's handler.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, rt *route, param string) {
	if e := checkHeaders(r); e != nil {
		writeAPIError(w, e)
		return
	}
	v := s.variantsNow()
	var checkDigest func(body []byte) *apiError
	if rt.scope != "" {
		// Before the body: an unsigned request is not worth reading.
		var e *apiError
		if checkDigest, e = s.authenticate(r, rt.scope, v); e != nil {
			writeAPIError(w, e)
			return
		}
	}
	body, e := readBody(w, r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if r.Method != http.MethodPost && len(body) > 0 {
		writeAPIError(w, invalidRequest(http.StatusBadRequest, r.Method+" requests must not have a body"))
		return
	}
	if checkDigest != nil {
		if e := checkDigest(body); e != nil {
			writeAPIError(w, e)
			return
		}
	}
	rt.handler(s, w, r, v, param, body)
}

// ---- Handlers: the HTTP side of each API operation ----

// answer writes e, or v with 200.
func answer(w http.ResponseWriter, v any, e *apiError) {
	if e != nil {
		writeAPIError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, v *Variants, _ string, body []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	view, e := s.createCustomer(v, body)
	answer(w, view, e)
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, _ []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	view, e := s.getCustomer(v, uuid)
	answer(w, view, e)
}

func (s *Server) handleGetByMerchantID(w http.ResponseWriter, r *http.Request, v *Variants, id string, _ []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	view, e := s.getCustomerByMerchantID(v, id)
	answer(w, view, e)
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, body []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	view, e := s.updateCustomer(v, uuid, body)
	answer(w, view, e)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, _ []byte) {
	if e := rejectQuery(r); e != nil {
		writeAPIError(w, e)
		return
	}
	resp, e := s.deleteCustomer(v, uuid)
	answer(w, resp, e)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, v *Variants, _ string, _ []byte) {
	list, e := s.listCustomers(v, r.URL.RawQuery)
	answer(w, list, e)
}

func (s *Server) handleListPaymentMethods(w http.ResponseWriter, r *http.Request, v *Variants, uuid string, _ []byte) {
	list, e := s.listPaymentMethods(v, uuid, r.URL.RawQuery)
	answer(w, list, e)
}

// rejectQuery answers 400 for a query string on a route that takes none.
func rejectQuery(r *http.Request) *apiError {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return invalidRequest(http.StatusBadRequest, "query string is malformed")
	}
	if keys := slices.Sorted(maps.Keys(q)); len(keys) > 0 {
		return invalidRequest(http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q", keys[0]))
	}
	return nil
}
