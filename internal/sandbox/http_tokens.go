package sandbox

import (
	"container/heap"
	"slices"
	"sync"
	"time"
)

type accessToken struct {
	value     string
	scopes    []string
	expiresAt time.Time
}

// tokenStore keeps the access tokens /v2/oauth has issued: a map to look
// a token up, and a heap ordered by expiry so that each issue drops the
// tokens that have expired by looking at those only. A token is kept for
// one more TTL after it expires, so that a client using it hears that it
// has expired rather than that it is unknown. The cost of a request
// stays flat however many tokens are live (before, past 1,024 tokens every
// issue scanned them all). The zero value is ready to use.
type tokenStore struct {
	mu      sync.Mutex
	byValue map[string]*accessToken
	expiry  tokenHeap
	// examined counts the tokens looked at while dropping expired ones
	// (the work of issue), for tests.
	examined int
}

// issue stores and returns a new access token valid for ttl from now, after
// dropping the tokens expired for a ttl at now (ttl is the same for every
// call).
func (ts *tokenStore) issue(now time.Time, ttl time.Duration, scopes []string) string {
	tok := &accessToken{value: randomHex64(), scopes: slices.Clone(scopes), expiresAt: now.Add(ttl)}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.byValue == nil {
		ts.byValue = make(map[string]*accessToken)
	}
	for len(ts.expiry) > 0 {
		ts.examined++
		oldest := ts.expiry[0]
		if now.Before(oldest.expiresAt.Add(ttl)) {
			break
		}
		heap.Pop(&ts.expiry)
		delete(ts.byValue, oldest.value)
	}
	ts.byValue[tok.value] = tok
	heap.Push(&ts.expiry, tok)
	return tok.value
}

// get returns the token with the given value, expired or not, if it is
// still kept.
func (ts *tokenStore) get(value string) (accessToken, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	tok, ok := ts.byValue[value]
	if !ok {
		return accessToken{}, false
	}
	return *tok, true
}

// stats returns the number of tokens kept and of tokens examined so far.
func (ts *tokenStore) stats() (kept, examined int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.byValue), ts.examined
}

// tokenHeap is a min-heap of tokens by expiry (container/heap).
type tokenHeap []*accessToken

func (h tokenHeap) Len() int           { return len(h) }
func (h tokenHeap) Less(i, j int) bool { return h[i].expiresAt.Before(h[j].expiresAt) }
func (h tokenHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *tokenHeap) Push(x any)        { *h = append(*h, x.(*accessToken)) } //nolint:forcetypeassert // only *accessToken is pushed.
func (h *tokenHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return x
}
