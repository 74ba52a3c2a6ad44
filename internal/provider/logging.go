package provider

import (
	"context"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// httpSubsystem is the tflog subsystem of the Monri HTTP client. Its level
// follows TF_LOG_PROVIDER_MONRI_HTTP (and TF_LOG_PROVIDER / TF_LOG).
const httpSubsystem = "http"

// httpLevelEnv sets the http subsystem's level.
const httpLevelEnv = "TF_LOG_PROVIDER_MONRI_HTTP"

// httpLogger logs one line per HTTP attempt: method, path, status, duration
// and attempt number (and the error of a failed attempt). The subsystem's
// own masking removes the credentials, the secrets registered with AddSecret
// and every value shaped like a secret from every message and field value,
// so nothing that reaches it needs to be scrubbed by hand. What is a secret
// is decided in one place, monri.Masker, which the client also quotes every
// answer through: the logger and the client share one.
type httpLogger struct {
	// off is set when TF_LOG_PROVIDER_MONRI_HTTP is "off" (as the provider
	// binary sets it when Terraform keeps no logs): the subsystem would drop
	// every line, so the per-request set-up and masking are skipped.
	off    bool
	masker *monri.Masker
}

func newHTTPLogger(secrets ...string) *httpLogger {
	return &httpLogger{
		off:    strings.EqualFold(strings.TrimSpace(os.Getenv(httpLevelEnv)), "off"),
		masker: monri.NewMasker(secrets...),
	}
}

// AddSecret masks s in everything the logger logs from now on, such as an
// access token the client obtains. It ignores "" and repeats, and is safe to
// call while requests are being logged.
func (l *httpLogger) AddSecret(s string) { l.masker.AddSecret(s) }

// subsystem returns ctx with the http subsystem logger and its masks.
func (l *httpLogger) subsystem(ctx context.Context) context.Context {
	masks := l.masker.Regexps()
	ctx = tflog.NewSubsystem(ctx, httpSubsystem, tflog.WithLevelFromEnv(httpLevelEnv))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, httpSubsystem, monri.SecretKeys...)
	ctx = tflog.SubsystemMaskAllFieldValuesRegexes(ctx, httpSubsystem, masks...)
	ctx = tflog.SubsystemMaskMessageRegexes(ctx, httpSubsystem, masks...)
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
