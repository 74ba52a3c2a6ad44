// Package sandbox is a local emulator of the Monri Customers API (v2).
//
// It is used in-process by the provider's tests, by `make demo` and, through
// the monri-sandbox command, by users who want a stand-in for the Monri test
// host in CI. It is deliberately strict: it enforces the documented contract
// (headers, the WP3-v2.1 request signature, field lengths, partial-update
// semantics, paging) so that a client bug fails a test instead of passing
// silently.
//
// # Endpoints
//
//	POST   /v2/oauth                                        access token (no Authorization)
//	POST   /v2/customers                                    create
//	GET    /v2/customers                                    list (limit, offset)
//	GET    /v2/customers/{uuid}                             retrieve
//	POST   /v2/customers/{uuid}                             partial update
//	DELETE /v2/customers/{uuid}                             soft delete
//	GET    /v2/merchants/customers/{merchant_customer_id}   retrieve by merchant id
//	GET    /v2/customers/{uuid}/payment-methods             list payment methods (limit, offset)
//
// Sandbox-only endpoints (no Monri authentication; answered only to loopback
// clients; POSTs need Content-Type: application/json, else 415, so that a
// web page's form or text POST cannot drive them; not counted as API
// requests). Every route, these and the API's, refuses with 403 a request
// whose Host header is not a loopback name (DNS rebinding) unless
// Options.AllowRemote:
//
//	POST /sandbox/customers/{uuid}/payment-methods   {"pan":"4111111111111111","expiration_date":"2030-12"} or {"expired":true}
//	POST /sandbox/customers/{uuid}/delete            out-of-band soft delete (drift demos)
//	GET  /sandbox/stats                              {"requests":{route:count},"total":N,"faults_injected":N}
//	POST /sandbox/reset-counters
//	POST /sandbox/faults                             {"route":"","kind":"status|html|drop|slow|malformed",...,"count":N} or {"rate":0.2,...}
//	POST /sandbox/faults/clear
//	GET  /sandbox/export                             the whole store as JSON (Server.Export), for Server.Import and -import
//
// # Layers
//
// The files say which layer they belong to, and each layer calls only the
// one below it:
//
//   - sandbox.go: Options, New, Start, Close: builds the layers below.
//   - http_*.go, the HTTP surface: routing and request counters
//     (http_routes.go), the WP3-v2.1 signature, Bearer tokens and
//     /v2/oauth (http_auth.go), faults and latency (http_faults.go), the
//     /sandbox/ endpoints (http_sandbox.go), writing answers
//     (http_respond.go).
//   - api_*.go, the Customers API: validation and partial update of a
//     customer, paging, soft delete and every Variants switch
//     (api_customers.go, api_variants.go), cards (api_payment_methods.go),
//     the JSON of answers (api_views.go) and of errors (api_errors.go), the
//     exported test helpers (api_helpers.go), export, import and opening the
//     store (api_state.go). It takes and returns values, never an
//     http.ResponseWriter.
//   - package store: customers, payment methods and their counters, with
//     no HTTP and no API JSON, behind store.Store: store.NewMemory (no
//     StatePath) or store.OpenBolt (a bbolt file). Reads are served from
//     memory, from the last committed state, and never wait for a commit;
//     a change is committed (and fsynced with StateSync) before it is
//     answered, concurrent changes in one bbolt transaction.
//
// # Choices where the real API is undocumented
//
// Every behaviour the real API leaves undocumented and that the live API
// might show in more than one way is a field of Variants (Options.Variants,
// Server.SetVariants; the monri-sandbox command's -variant flag, parsed by
// ParseVariants and listed by VariantDocs). The zero Variants is the
// sandbox's default reading of the docs: a retrieve, update or second
// delete of a deleted customer answers 404; lists leave deleted customers
// out; emails are kept as sent; pages are silently capped at 100 items;
// an update's null clears the field; WP3-v2.1 and Bearer tokens are both
// accepted; the cards of an unknown customer answer 404; "deleted" is a
// JSON boolean; timestamps are UTC with whole seconds; list items carry
// "uuid" and delete answers "id"; a card's id is its token. The choices
// below are the sandbox's own and have no variant:
//
//   - Request pipeline: the route is counted, Options.Latency is slept, an
//     injected fault (if any) is applied, then the Accept and Content-Type
//     headers are checked (400), then authentication (401/403), then the
//     handler. Faults therefore hit a request whatever its credentials, as a
//     failing proxy would.
//   - An unset metadata map is answered as {} (never null); every other
//     unset field is answered as JSON null.
//   - An update that changes nothing leaves updated_at alone (as Rails does);
//     one that changes something sets it to now.
//   - In DeletedReturnsTrue mode (-variant deleted-true) an update of a
//     deleted customer is validated and then answered like a retrieve (200,
//     "deleted": true) without applying it: deleted customers are immutable.
//     In DeletedNotFound mode it is a 404.
//   - A delete also sets updated_at.
//   - limit must be an integer >= 1 and offset an integer >= 0; other query
//     parameters are rejected with 400 (a client that pages with a parameter
//     the API does not know would otherwise loop over the first page).
//   - GET and DELETE requests must not have a body (their digest is computed
//     over ""), POST requests must be sent with Content-Type application/json.
//   - Metadata limits (sandbox limits, the real ones are undocumented): at
//     most 50 keys, a key is 1 to 40 characters, a value at most 500
//     characters (empty values are allowed). Character counts are in runes.
//   - Timestamps are stored with millisecond precision and answered as
//     Variants.TimestampFormat says (by default RFC 3339 in UTC with whole
//     seconds and a Z suffix).
//   - The OAuth endpoint grants the scopes customers, payment-methods and
//     payments (which Monri's PHP SDK asks for; it opens no route here).
package sandbox
