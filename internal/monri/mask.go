package monri

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Masked is what a masked secret is replaced with (as tflog's masks do).
const Masked = "***"

// SecretKeys are the keys whose values are secrets whatever they hold: in a
// quoted answer ("key": value, key=value) and as log field keys.
var SecretKeys = []string{"authorization", "merchant_key", "access_token", "refresh_token", "token", "client_secret"}

// secretPattern matches what is a secret by its shape, whether or not the
// client has ever seen it:
//   - Authorization header values: a WP3-v2.1 signature (token, timestamp
//     and digest) or "Bearer" and an access token;
//   - the value of a secret key (SecretKeys, and a saved card's "id") in
//     JSON, also when the answer is cut short inside it, and key=value;
//   - any run of 40 or more hexadecimal characters standing as a word of its
//     own (a letter, digit or "_" touching either end keeps it unmasked):
//     authenticity tokens (40), card tokens and saved-card ids, which are the
//     same value (64), SHA-512 digests (128).
//
// Customer UUIDs (8-4-4-4-12, with dashes) and paths are left alone: no run
// in them is longer than 12.
var secretPattern = regexp.MustCompile(`WP3-v2\.1\s+\S+\s+\d+\s+[0-9A-Fa-f]+|Bearer\s+\S+` +
	`|"(?i:` + strings.Join(SecretKeys, "|") + `|id)"\s*:\s*(?:"(?:[^"\\]|\\.)*"?|[^\s,}\]]*)` +
	`|\b(?i:` + strings.Join(SecretKeys, "|") + `)=[^\s&,;"]*` +
	`|\b[0-9A-Fa-f]{40,}\b`)

// longWord matches the words the long-word rule looks at (see looksSecret).
var longWord = regexp.MustCompile(`[A-Za-z0-9+/=_-]{32,}`)

// Masker removes secrets from text: every secret it was told about
// (AddSecret: the merchant key, the authenticity token, access tokens the
// client obtains) and everything that looks like one (secretPattern, and in
// Mask long random words). It is the one place that decides what is a
// secret: the client quotes every answer through it, and the provider's HTTP
// logger masks its lines with its Regexps. A Masker is safe for concurrent
// use; the zero value knows no secrets.
type Masker struct {
	// known matches the secrets, longest first, so that a secret holding
	// a shorter one is masked whole. nil when there are none.
	known   atomic.Pointer[regexp.Regexp]
	mu      sync.Mutex // serialises AddSecret
	secrets []string
}

// NewMasker returns a Masker that knows secrets ("" is ignored).
func NewMasker(secrets ...string) *Masker {
	m := &Masker{}
	for _, s := range secrets {
		m.AddSecret(s)
	}
	return m
}

// AddSecret masks s from now on. It ignores "" and repeats, and is safe to
// call while text is being masked.
func (m *Masker) AddSecret(s string) {
	if s == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if slices.Contains(m.secrets, s) {
		return
	}
	m.secrets = append(m.secrets, s)
	slices.SortStableFunc(m.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	alternatives := make([]string, 0, len(m.secrets))
	for _, v := range m.secrets {
		alternatives = append(alternatives, regexp.QuoteMeta(v))
	}
	m.known.Store(regexp.MustCompile(strings.Join(alternatives, "|")))
}

// Regexps returns the masks to apply in order, each match replaced by
// Masked: the known secrets first (so that no pattern can start before a
// secret and leave part of it standing), then the secret shapes.
func (m *Masker) Regexps() []*regexp.Regexp {
	if m != nil {
		if k := m.known.Load(); k != nil {
			return []*regexp.Regexp{k, secretPattern}
		}
	}
	return []*regexp.Regexp{secretPattern}
}

// Mask returns s with every secret replaced by Masked: the Regexps, then
// every long word that looks random (looksSecret). A nil Masker masks the
// shapes only.
func (m *Masker) Mask(s string) string {
	for _, re := range m.Regexps() {
		s = re.ReplaceAllLiteralString(s, Masked)
	}
	return longWord.ReplaceAllStringFunc(s, func(w string) string {
		if looksSecret(w) {
			return Masked
		}
		if !strings.Contains(w, "/") {
			return w
		}
		// A path, or a base64 word holding "/": judge each part.
		parts := strings.Split(w, "/")
		for i, p := range parts {
			if looksSecret(p) {
				parts[i] = Masked
			}
		}
		return strings.Join(parts, "/")
	})
}

// looksSecret reports whether a word looks like a random token or holds
// one: 40 or more hexadecimal characters in a row (also inside a longer
// word: an answer cut or glued to other text), or 32 or more characters
// with upper- and lower-case letters and digits (base64). Customer UUIDs and
// words of one case (identifiers such as "order-2026-000123") do not.
func looksSecret(w string) bool {
	w = strings.TrimRight(w, "=")
	if len(w) < 32 || isUUID(w) {
		return false
	}
	var upper, lower, digit bool
	hexRun, longestHex := 0, 0
	for _, r := range w {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		}
		if strings.ContainsRune("0123456789abcdefABCDEF", r) {
			hexRun++
			longestHex = max(longestHex, hexRun)
		} else {
			hexRun = 0
		}
	}
	return longestHex >= 40 || (upper && lower && digit)
}

// isUUID reports whether w is a UUID in its 8-4-4-4-12 form.
func isUUID(w string) bool {
	if len(w) != 36 {
		return false
	}
	for i, r := range w {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// sensitivePath reports whether answers to path carry secrets in their
// success bodies (access tokens, card tokens): nothing of a non-JSON or
// malformed answer to it is quoted, masked or not.
func sensitivePath(path string) bool {
	p, _, _ := strings.Cut(path, "?")
	return p == "/v2/oauth" || strings.HasSuffix(p, "/payment-methods")
}

// notQuoted stands for a body that is not quoted (see sensitivePath).
const notQuoted = "(not quoted: answers to this request carry secrets)"

// quote returns what an error may show of an answer's body: at most n
// runes of it with tags removed and white space folded, masked before and
// after the cut (so that a secret the cut splits is masked whole), or
// nothing for a request whose answers carry secrets. Every quoted body goes
// through it.
func (m *Masker) quote(path string, body []byte, n int) string {
	if sensitivePath(path) {
		return notQuoted
	}
	return m.Mask(excerpt([]byte(m.Mask(string(body))), n))
}
