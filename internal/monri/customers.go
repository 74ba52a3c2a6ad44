package monri

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func customerPath(uuid string) string {
	return "/v2/customers/" + url.PathEscape(uuid)
}

// GetCustomer retrieves a customer by uuid. A missing customer, or one Monri
// reports as deleted, is ErrNotFound (a deleted one as *DeletedError, which
// carries what Monri returned).
func (c *Client) GetCustomer(ctx context.Context, uuid string) (*Customer, error) {
	if uuid == "" {
		return nil, errors.New("customer uuid is empty")
	}
	cust, err := c.getCustomer(ctx, customerPath(uuid))
	if cust != nil && !strings.EqualFold(cust.UUID, uuid) {
		return nil, &ContradictingAnswerError{Method: http.MethodGet, Path: customerPath(uuid), Field: "uuid", Sent: uuid, Got: cust.UUID, UUID: cust.UUID}
	}
	return cust, err
}

// GetCustomerByMerchantID retrieves a customer by merchant_customer_id
// (path-escaped, so "/", spaces, "%" and non-ASCII characters are safe).
func (c *Client) GetCustomerByMerchantID(ctx context.Context, merchantCustomerID string) (*Customer, error) {
	if merchantCustomerID == "" {
		return nil, errors.New("merchant_customer_id is empty")
	}
	path := "/v2/merchants/customers/" + url.PathEscape(merchantCustomerID)
	cust, err := c.getCustomer(ctx, path)
	if cust != nil && (cust.MerchantCustomerID == nil || *cust.MerchantCustomerID != merchantCustomerID) {
		return nil, &ContradictingAnswerError{Method: http.MethodGet, Path: path, Field: "merchant_customer_id",
			Sent: merchantCustomerID, Got: deref(cust.MerchantCustomerID), UUID: cust.UUID}
	}
	return cust, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (c *Client) getCustomer(ctx context.Context, path string) (*Customer, error) {
	var cust Customer
	if err := c.do(ctx, request{method: http.MethodGet, path: path}, &cust); err != nil {
		return nil, err
	}
	if cust.UUID == "" {
		return nil, noUUID(http.MethodGet, path)
	}
	if cust.Deleted {
		return &cust, &DeletedError{Customer: &cust}
	}
	return &cust, nil
}

// UpdateCustomer sends a partial update. Monri sets absolute values, so the
// request is retried on transient faults like a GET.
func (c *Client) UpdateCustomer(ctx context.Context, uuid string, u CustomerUpdate) (*Customer, error) {
	if uuid == "" {
		return nil, errors.New("customer uuid is empty")
	}
	if u.MerchantCustomerID.op == opSet && IsDotSegment(u.MerchantCustomerID.value) {
		return nil, dotSegmentField(http.MethodPost, customerPath(uuid), u.MerchantCustomerID.value)
	}
	var cust Customer
	if err := c.do(ctx, request{method: http.MethodPost, path: customerPath(uuid), body: u}, &cust); err != nil {
		return nil, err
	}
	if cust.UUID == "" {
		return nil, noUUID(http.MethodPost, customerPath(uuid))
	}
	if !strings.EqualFold(cust.UUID, uuid) {
		return nil, &ContradictingAnswerError{Method: http.MethodPost, Path: customerPath(uuid), Field: "uuid", Sent: uuid, Got: cust.UUID, UUID: cust.UUID}
	}
	if cust.Deleted {
		return &cust, &DeletedError{Customer: &cust}
	}
	if kept := keptFields(&u, &cust); len(kept) > 0 {
		return &cust, &FieldsKeptError{Customer: &cust, Fields: kept}
	}
	return &cust, nil
}

// keptFields returns the fields the update cleared that the answer still
// holds: the docs promise only that a metadata key sent as null is removed,
// so whether a top-level null clears a field is checked, never assumed.
func keptFields(u *CustomerUpdate, answer *Customer) []string {
	var kept []string
	have := answer.Fields()
	for _, kf := range u.fields() {
		if kf.f.op == opClear && have.field(kf.key) != nil {
			kept = append(kept, kf.key)
		}
	}
	var keys []string
	for k, v := range u.Metadata {
		if _, ok := answer.Metadata[k]; v == nil && ok {
			keys = append(keys, k)
		}
	}
	if u.ClearMetadata {
		for k := range answer.Metadata {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		kept = append(kept, "metadata."+k)
	}
	return kept
}

// field returns the field with the given JSON name (nil for an unknown name).
func (f *CustomerFields) field(name string) *string {
	switch name {
	case "merchant_customer_id":
		return f.MerchantCustomerID
	case "description":
		return f.Description
	case "email":
		return f.Email
	case "name":
		return f.Name
	case "phone":
		return f.Phone
	case "zip_code":
		return f.ZipCode
	case "city":
		return f.City
	case "address":
		return f.Address
	case "country":
		return f.Country
	}
	return nil
}

// DeleteCustomer deletes a customer. A customer that is already gone is
// ErrNotFound; callers that want "absent" can treat that as success. Monri
// may answer 400 rather than 404 to the delete of a deleted customer (the
// docs do not say): a 400 is checked with a GET, and when that finds the
// customer gone (404, or "deleted": true) the result is that ErrNotFound;
// otherwise the 400 stands.
func (c *Client) DeleteCustomer(ctx context.Context, uuid string) error {
	if uuid == "" {
		return errors.New("customer uuid is empty")
	}
	var out struct {
		Deleted *flexBool `json:"deleted"`
		UUID    string    `json:"uuid"`
	}
	if err := c.do(ctx, request{method: http.MethodDelete, path: customerPath(uuid)}, &out); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusBadRequest {
			if _, gerr := c.GetCustomer(ctx, uuid); errors.Is(gerr, ErrNotFound) {
				return &AlreadyDeletedError{UUID: uuid, DeleteErr: err, GetErr: gerr}
			}
		}
		return err
	}
	if out.UUID != "" && !strings.EqualFold(out.UUID, uuid) {
		return &ContradictingAnswerError{Method: http.MethodDelete, Path: customerPath(uuid), Field: "uuid", Sent: uuid, Got: out.UUID, UUID: out.UUID}
	}
	if out.Deleted != nil && !*out.Deleted {
		return fmt.Errorf("DELETE %s: Monri answered approved but \"deleted\": false", customerPath(uuid))
	}
	return nil
}

type listResponse[T any] struct {
	Data []T `json:"data"`
}

// noUUID is the error for an answer that should describe a customer but has
// neither "uuid" nor "id".
func noUUID(method, path string) error {
	return &APIError{HTTPStatus: http.StatusOK, Method: method, Path: path, NotJSON: true,
		Message: "the answer has no customer uuid"}
}

// ListCustomers returns one page of customers, newest first.
func (c *Client) ListCustomers(ctx context.Context, p ListParams) ([]Customer, error) {
	return listPage(ctx, c, "/v2/customers", p, "customer", "uuid", func(c Customer) string { return c.UUID })
}

// ListPaymentMethods returns one page of a customer's saved cards. Monri may
// answer an empty list, rather than 404, for a customer that does not exist
// (the docs do not say), so an empty first page is checked with a GET of the
// customer: a customer that is not there is that GET's ErrNotFound.
func (c *Client) ListPaymentMethods(ctx context.Context, customerUUID string, p ListParams) ([]PaymentMethod, error) {
	if customerUUID == "" {
		return nil, errors.New("customer uuid is empty")
	}
	page, err := listPage(ctx, c, customerPath(customerUUID)+"/payment-methods", p, "payment method", "id",
		func(m PaymentMethod) string { return m.ID })
	if err == nil && len(page) == 0 && p.Offset == 0 {
		if _, gerr := c.GetCustomer(ctx, customerUUID); gerr != nil {
			return nil, gerr
		}
	}
	return page, err
}

// listPage gets one page of a list endpoint. Every item must have its key
// (named keyName in the error): an item without one could not be told apart
// from the others when paging.
//
// The largest limit Monri accepts is undocumented: it may cap a larger one
// silently (Paginate copes) or answer 400. A 400 to a limit above
// DefaultPageSize is asked again with DefaultPageSize, which the client then
// uses as its largest limit for the rest of its life.
func listPage[T any](ctx context.Context, c *Client, base string, p ListParams, item, keyName string, key func(T) string) ([]T, error) {
	if pageCap := int(c.pageCap.Load()); pageCap > 0 && p.Limit > pageCap {
		p.Limit = pageCap
	}
	path := base + p.query()
	var out listResponse[T]
	err := c.do(ctx, request{method: http.MethodGet, path: path}, &out)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusBadRequest && p.Limit > DefaultPageSize {
		c.pageCap.Store(DefaultPageSize)
		p.Limit = DefaultPageSize
		path = base + p.query()
		err = c.do(ctx, request{method: http.MethodGet, path: path}, &out)
	}
	if err != nil {
		return nil, err
	}
	for i := range out.Data {
		if key(out.Data[i]) == "" {
			return nil, &APIError{HTTPStatus: http.StatusOK, Method: http.MethodGet, Path: path, NotJSON: true,
				Message: fmt.Sprintf("%s %d of the page has no %s", item, i, keyName)}
		}
	}
	return out.Data, nil
}

// CreateAccessToken obtains an OAuth access token (POST /v2/oauth, no
// Authorization header; the credentials travel in the body).
func (c *Client) CreateAccessToken(ctx context.Context, scopes []string) (*AccessToken, error) {
	if len(scopes) == 0 {
		scopes = []string{ScopeCustomers, ScopePaymentMethods}
	}
	body := struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		Scopes       []string `json:"scopes"`
		GrantType    string   `json:"grant_type"`
	}{c.token, c.key, scopes, "client_credentials"}
	var tok AccessToken
	if err := c.do(ctx, request{method: http.MethodPost, path: "/v2/oauth", body: body, noAuth: true}, &tok); err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, errors.New("POST /v2/oauth: Monri answered without an access_token")
	}
	return &tok, nil
}

// CreateCustomer creates a customer without ever creating it twice.
//
// Create is not idempotent, so it is not retried blindly. A create that
// certainly did not reach Monri (the connection could not be opened) or was
// throttled (429) is sent again. When a request's outcome is unknown (the
// connection was lost after sending, a timeout, a 5xx or an unreadable
// answer) and MerchantCustomerID is set, the customer is looked up by it:
// found means it was created and is returned (after an update that brings any
// differing field in line with f); not found means the create is sent again;
// a failed lookup is tried again. Re-sends and repeated lookups together are
// bounded by MaxRetries. Without a MerchantCustomerID an unknown outcome is an
// *UnknownOutcomeError, as is a lookup that keeps failing. A
// merchant_customer_id held by a customer this call did not create is a
// *DuplicateMerchantCustomerIDError.
func (c *Client) CreateCustomer(ctx context.Context, f CustomerFields) (*Customer, error) {
	return c.CreateCustomerWith(ctx, f, CreateOptions{})
}

// CreateOptions adjust CreateCustomerWith.
type CreateOptions struct {
	// LeaveMetadataKey, when set, names the metadata keys that bringing a
	// customer found after an unknown outcome in line leaves as Monri holds
	// them: keys that other systems own. Its update never sends them, not
	// even as null.
	LeaveMetadataKey func(key string) bool
}

// CreateCustomerWith is CreateCustomer with options.
func (c *Client) CreateCustomerWith(ctx context.Context, f CustomerFields, opts CreateOptions) (*Customer, error) {
	const path = "/v2/customers"
	mid := f.MerchantCustomerID
	if mid != nil && IsDotSegment(*mid) {
		return nil, dotSegmentField(http.MethodPost, path, *mid)
	}
	var (
		ambiguous  bool  // an earlier attempt may have created the customer
		lookup     bool  // the customer must be looked up before anything else
		resend     bool  // when the lookup finds nothing, send the create again (else: give up with createErr)
		createErr  error // the last create's error
		lookupErr  error // the last lookup's error
		creates    int
		throttling *APIError // the last create's answer, for Retry-After
	)
	for round := 0; ; round++ {
		lookedUp := false
		throttling = nil
		if !lookup {
			creates++
			var cust Customer
			err := c.do(ctx, request{method: http.MethodPost, path: path, body: f, once: true, firstAttempt: creates}, &cust)
			if err == nil {
				if cust.UUID == "" {
					err = noUUID(http.MethodPost, path)
				} else if err = contradicts(f, &cust); err == nil {
					return &cust, nil
				}
			}
			createErr = err
			var tokErr *AccessTokenError
			if errors.As(err, &tokErr) {
				// Nothing was sent, and the token request has had its retries.
				return nil, err
			}
			var apiErr *APIError
			isAPI := errors.As(err, &apiErr)
			// A 4xx is a definite answer: Monri did not create the customer.
			definite := isAPI && apiErr.HTTPStatus >= 400 && apiErr.HTTPStatus < 500
			switch {
			case isAPI && apiErr.HTTPStatus == http.StatusTooManyRequests:
				// Throttled before processing: safe to send again.
				throttling = apiErr
			case definite && (mid == nil || apiErr.HTTPStatus == http.StatusUnauthorized || apiErr.HTTPStatus == http.StatusForbidden):
				return nil, err
			case definite:
				// A duplicate merchant_customer_id is a 400 like any other
				// validation error: look the id up to tell them apart.
				existing, lerr := c.GetCustomerByMerchantID(ctx, *mid)
				lookedUp = true
				switch {
				case lerr == nil && ambiguous:
					// An earlier attempt of ours created it.
					return c.adopt(ctx, existing, f, opts)
				case lerr == nil:
					return nil, &DuplicateMerchantCustomerIDError{MerchantCustomerID: *mid, ExistingUUID: existing.UUID, Err: err}
				case ambiguous && !errors.Is(lerr, ErrNotFound):
					// Ours, or a real rejection? Keep looking.
					lookup, resend, lookupErr = true, false, lerr
				default:
					return nil, err
				}
			case isContradiction(err) && mid == nil:
				// Nothing to look the customer up by: whether this create
				// made one is unknown, and the answer's customer is not it.
				return nil, err
			case neverSent(err):
				// Nothing reached Monri: safe to send again.
			default:
				ambiguous = true
				if mid == nil {
					return nil, &UnknownOutcomeError{Err: err}
				}
				lookup, resend = true, true
			}
		}
		if lookup && !lookedUp && ctx.Err() == nil {
			existing, lerr := c.GetCustomerByMerchantID(ctx, *mid)
			switch {
			case lerr == nil:
				return c.adopt(ctx, existing, f, opts)
			case errors.Is(lerr, ErrNotFound) && resend:
				lookup = false // not created: send it again
			case errors.Is(lerr, ErrNotFound):
				return nil, createErr // the 4xx was a real rejection
			default:
				lookupErr = lerr // try the lookup again
			}
		}
		if ctx.Err() != nil || round >= c.maxRetries {
			if lookup {
				if lookupErr == nil {
					// The context ended before the lookup could be made.
					cause := context.Cause(ctx)
					if cause == nil {
						cause = errors.New("no lookup was made")
					}
					return nil, &UnknownOutcomeError{MerchantCustomerID: *mid,
						Err: fmt.Errorf("%w; the customer could not be looked up by merchant_customer_id: %w", createErr, cause)}
				}
				return nil, &UnknownOutcomeError{MerchantCustomerID: *mid,
					Err: fmt.Errorf("%w; looking the customer up by merchant_customer_id also failed: %w", createErr, lookupErr)}
			}
			// Not looking up: the last outcome is known (a definite
			// answer, nothing sent, or looked up and absent).
			return nil, createErr
		}
		if !lookup {
			c.retries.Add(1) // the create is sent again
		}
		var resp *http.Response
		if throttling != nil && throttling.RetryAfter > 0 {
			resp = &http.Response{Header: http.Header{"Retry-After": {strconv.Itoa(int(throttling.RetryAfter / time.Second))}}}
		}
		t := time.NewTimer(c.backoff(c.waitMin, c.waitMax, round, resp))
		select {
		case <-ctx.Done():
			t.Stop()
			if lookup {
				return nil, &UnknownOutcomeError{MerchantCustomerID: *mid, Err: createErr}
			}
			return nil, createErr
		case <-t.C:
		}
	}
}

// contradicts checks a create's answer against what was sent: the
// merchant_customer_id sent must be the answer's, and with none sent, the
// answer must have none and hold every field sent as it was sent (an email
// in any letter case: Monri may store it lower-cased).
func contradicts(f CustomerFields, cust *Customer) error {
	const path = "/v2/customers"
	bad := func(field, sent, got string) error {
		return &ContradictingAnswerError{Method: http.MethodPost, Path: path, Field: field, Sent: sent, Got: got, UUID: cust.UUID}
	}
	if f.MerchantCustomerID != nil {
		if cust.MerchantCustomerID == nil || *cust.MerchantCustomerID != *f.MerchantCustomerID {
			return bad("merchant_customer_id", *f.MerchantCustomerID, deref(cust.MerchantCustomerID))
		}
		return nil
	}
	if cust.MerchantCustomerID != nil && *cust.MerchantCustomerID != "" {
		return bad("merchant_customer_id", "", *cust.MerchantCustomerID)
	}
	have := cust.Fields()
	for _, name := range []string{"description", "email", "name", "phone", "zip_code", "city", "address", "country"} {
		sent, got := f.field(name), have.field(name)
		if sent == nil {
			continue
		}
		if got == nil || (*got != *sent && (name != "email" || !strings.EqualFold(*got, *sent))) {
			return bad(name, *sent, deref(got))
		}
	}
	return nil
}

func isContradiction(err error) bool {
	var ce *ContradictingAnswerError
	return errors.As(err, &ce)
}

func neverSent(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && te.notSent()
}

// adopt returns a customer found after an ambiguous create, first bringing any
// field that differs from what was asked for in line with it (but no metadata
// key opts leaves alone).
func (c *Client) adopt(ctx context.Context, existing *Customer, f CustomerFields, opts CreateOptions) (*Customer, error) {
	have := existing.Fields()
	if leave := opts.LeaveMetadataKey; leave != nil {
		have.Metadata = withoutKeys(have.Metadata, leave)
		f.Metadata = withoutKeys(f.Metadata, leave)
	}
	u := DiffFields(have, f)
	if u.IsEmpty() {
		return existing, nil
	}
	cust, err := c.UpdateCustomer(ctx, existing.UUID, u)
	if err != nil {
		// The customer exists but could not be brought in line: the way
		// forward is to import it, as for a duplicate.
		return nil, &DuplicateMerchantCustomerIDError{MerchantCustomerID: *f.MerchantCustomerID, ExistingUUID: existing.UUID, Err: err}
	}
	return cust, nil
}

// withoutKeys returns m without the keys drop names.
func withoutKeys(m map[string]string, drop func(string) bool) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !drop(k) {
			out[k] = v
		}
	}
	return out
}

// DiffFields returns the partial update that turns have into want: fields set
// in want and different in have are set, fields nil in want and set in have
// are cleared (JSON null), unchanged fields are not sent, and metadata keys
// are set or removed one by one.
func DiffFields(have, want CustomerFields) CustomerUpdate {
	diff := func(h, w *string) Field {
		switch {
		case w == nil && h == nil:
			return Unchanged
		case w == nil:
			return Clear()
		case h == nil || *h != *w:
			return Set(*w)
		}
		return Unchanged
	}
	return CustomerUpdate{
		MerchantCustomerID: diff(have.MerchantCustomerID, want.MerchantCustomerID),
		Description:        diff(have.Description, want.Description),
		Email:              diff(have.Email, want.Email),
		Name:               diff(have.Name, want.Name),
		Phone:              diff(have.Phone, want.Phone),
		ZipCode:            diff(have.ZipCode, want.ZipCode),
		City:               diff(have.City, want.City),
		Address:            diff(have.Address, want.Address),
		Country:            diff(have.Country, want.Country),
		Metadata:           MetadataChanges(have.Metadata, want.Metadata),
	}
}

// Fields returns the customer's writable fields.
func (c *Customer) Fields() CustomerFields {
	return CustomerFields{
		MerchantCustomerID: c.MerchantCustomerID,
		Description:        c.Description,
		Email:              c.Email,
		Name:               c.Name,
		Phone:              c.Phone,
		ZipCode:            c.ZipCode,
		City:               c.City,
		Address:            c.Address,
		Country:            c.Country,
		Metadata:           c.Metadata,
	}
}

// MetadataChanges returns the metadata keys to send to turn have into want:
// new or changed keys with their value, removed keys with nil.
func MetadataChanges(have, want map[string]string) map[string]*string {
	var m map[string]*string
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			if m == nil {
				m = map[string]*string{}
			}
			m[k] = &v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			if m == nil {
				m = map[string]*string{}
			}
			m[k] = nil
		}
	}
	return m
}
