package provider

import (
	"context"
	"os"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// httpSubsystem is the tflog subsystem of the Monri HTTP client. Its level
// follows TF_LOG_PROVIDER_MONRI_HTTP (and TF_LOG_PROVIDER / TF_LOG).
const httpSubsystem = "http"

// httpLevelEnv sets the http subsystem's level.
const httpLevelEnv = "TF_LOG_PROVIDER_MONRI_HTTP"

// authorizationValue matches Authorization header values (a WP3-v2.1
// signature or a Bearer access token), masked wherever they might appear.
var authorizationValue = regexp.MustCompile(`WP3-v2\.1\s+\S+\s+\d+\s+[0-9A-Fa-f]+|Bearer\s+\S+`)

// httpLogger logs one line per HTTP attempt: method, path, status, duration
// and attempt number. Requests carry no secrets in those fields, and the
// logger's own masking removes the credentials from anything else the
// subsystem logs.
type httpLogger struct {
	secrets []string
	// off is set when TF_LOG_PROVIDER_MONRI_HTTP is "off" (as the provider
	// binary sets it when Terraform keeps no logs): the subsystem would drop
	// every line, so the per-request set-up and masking are skipped.
	off bool
}

func newHTTPLogger(secrets ...string) *httpLogger {
	var s []string
	for _, v := range secrets {
		if v != "" {
			s = append(s, v)
		}
	}
	return &httpLogger{secrets: s, off: strings.EqualFold(strings.TrimSpace(os.Getenv(httpLevelEnv)), "off")}
}

func (l *httpLogger) LogRequest(ctx context.Context, r monri.RequestLog) {
	if l.off {
		return
	}
	ctx = tflog.NewSubsystem(ctx, httpSubsystem, tflog.WithLevelFromEnv(httpLevelEnv))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, httpSubsystem, "authorization", "merchant_key", "access_token", "token", "client_secret")
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, httpSubsystem, l.secrets...)
	ctx = tflog.SubsystemMaskMessageStrings(ctx, httpSubsystem, l.secrets...)
	ctx = tflog.SubsystemMaskAllFieldValuesRegexes(ctx, httpSubsystem, authorizationValue)
	ctx = tflog.SubsystemMaskMessageRegexes(ctx, httpSubsystem, authorizationValue)
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
