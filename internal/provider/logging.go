package provider

import (
	"cmp"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// httpSubsystem is the tflog subsystem of the Monri HTTP client. Its level
// follows TF_LOG_PROVIDER_MONRI_HTTP (and TF_LOG_PROVIDER / TF_LOG).
const httpSubsystem = "http"

// httpLevelEnv sets the http subsystem's level.
const httpLevelEnv = "TF_LOG_PROVIDER_MONRI_HTTP"

// maskPattern matches what the http subsystem masks in every message and
// string field value, whoever logs it:
//   - Authorization header values: a WP3-v2.1 signature (token, timestamp
//     and digest) or "Bearer" and an access token;
//   - any run of 40 or more hexadecimal characters standing as a word of its
//     own (a letter, digit or "_" touching either end keeps it unmasked):
//     authenticity tokens (40), card tokens and saved-card ids, which are the
//     same value (64), SHA-512 digests (128).
//
// Customer UUIDs (8-4-4-4-12, with dashes) and paths are left alone: no run
// in them is longer than 12.
const maskPattern = `WP3-v2\.1\s+\S+\s+\d+\s+[0-9A-Fa-f]+|Bearer\s+\S+|\b[0-9A-Fa-f]{40,}\b`

// secretFieldKeys are field keys whose values the http subsystem masks
// whole, whatever they hold.
var secretFieldKeys = []string{"authorization", "merchant_key", "access_token", "token", "client_secret"}

// httpLogger logs one line per HTTP attempt: method, path, status, duration
// and attempt number (and the error of a failed attempt). The subsystem's
// own masking removes the credentials, the secrets registered with AddSecret
// and anything maskPattern matches from every message and field value, so
// nothing that reaches it needs to be scrubbed by hand.
type httpLogger struct {
	// off is set when TF_LOG_PROVIDER_MONRI_HTTP is "off" (as the provider
	// binary sets it when Terraform keeps no logs): the subsystem would drop
	// every line, so the per-request set-up and masking are skipped.
	off bool
	// mask matches the secrets (longest first, so that a secret holding a
	// shorter one is masked whole, and before maskPattern, so that no part
	// of a secret survives around a hexadecimal run inside it) and
	// maskPattern, in one pass. AddSecret replaces it; LogRequest reads it
	// without a lock.
	mask atomic.Pointer[regexp.Regexp]
	// mu serialises AddSecret; secrets are the strings in mask.
	mu      sync.Mutex
	secrets []string
}

func newHTTPLogger(secrets ...string) *httpLogger {
	l := &httpLogger{off: strings.EqualFold(strings.TrimSpace(os.Getenv(httpLevelEnv)), "off")}
	l.mask.Store(regexp.MustCompile(maskPattern))
	for _, s := range secrets {
		l.AddSecret(s)
	}
	return l
}

// AddSecret masks s in everything the logger logs from now on, such as an
// access token the client obtains. It ignores "" and repeats, and is safe to
// call while requests are being logged.
func (l *httpLogger) AddSecret(s string) {
	if s == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if slices.Contains(l.secrets, s) {
		return
	}
	l.secrets = append(l.secrets, s)
	slices.SortStableFunc(l.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	alternatives := make([]string, 0, len(l.secrets)+1)
	for _, v := range l.secrets {
		alternatives = append(alternatives, regexp.QuoteMeta(v))
	}
	l.mask.Store(regexp.MustCompile(strings.Join(append(alternatives, maskPattern), "|")))
}

// subsystem returns ctx with the http subsystem logger and its masks.
func (l *httpLogger) subsystem(ctx context.Context) context.Context {
	mask := l.mask.Load()
	ctx = tflog.NewSubsystem(ctx, httpSubsystem, tflog.WithLevelFromEnv(httpLevelEnv))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, httpSubsystem, secretFieldKeys...)
	ctx = tflog.SubsystemMaskAllFieldValuesRegexes(ctx, httpSubsystem, mask)
	ctx = tflog.SubsystemMaskMessageRegexes(ctx, httpSubsystem, mask)
	return ctx
}

func (l *httpLogger) LogRequest(ctx context.Context, r monri.RequestLog) {
	if l.off {
		return
	}
	ctx = l.subsystem(ctx)
	fields := map[string]any{
		"method":      r.Method,
		"path":        r.Path,
		"status":      r.Status,
		"duration_ms": r.Duration.Milliseconds(),
		"attempt":     r.Attempt,
	}
	if r.Err != nil {
		fields["error"] = r.Err.Error()
		tflog.SubsystemWarn(ctx, httpSubsystem, "Monri API request failed", fields)
		return
	}
	tflog.SubsystemDebug(ctx, httpSubsystem, "Monri API request", fields)
}

// LogListing logs one line per listing at DEBUG: the endpoint, the items it
// returned, the page requests, the most pages in flight at once and the
// paging time (from the first request sent to the last answer received).
func (l *httpLogger) LogListing(ctx context.Context, r monri.ListingLog) {
	if l.off {
		return
	}
	ctx = l.subsystem(ctx)
	fields := map[string]any{
		"path":            r.Path,
		"items":           r.Items,
		"requests":        r.Requests,
		"pages_in_flight": r.MaxInFlight,
		"paging_time_ms":  r.Duration.Milliseconds(),
	}
	if r.Err != nil {
		fields["error"] = r.Err.Error()
	}
	tflog.SubsystemDebug(ctx, httpSubsystem, "Monri API listing", fields)
}

var _ monri.ListingLogger = (*httpLogger)(nil)
