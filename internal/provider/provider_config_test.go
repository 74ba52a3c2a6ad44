package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func nullConfig() providerModel {
	return providerModel{
		AuthenticityToken: types.StringNull(), MerchantKey: types.StringNull(), Environment: types.StringNull(),
		BaseURL: types.StringNull(), RequestTimeout: types.StringNull(), MaxRetries: types.Int64Null(),
		MaxRequestsPerSecond: types.Float64Null(),
	}
}

func TestResolveConfig(t *testing.T) {
	env := map[string]string{
		EnvAuthenticityToken: "env-token", EnvMerchantKey: "env-key", EnvEnvironment: "prod",
		EnvRequestTimeout: "5s", EnvMaxRetries: "2", EnvMaxRequestsPerSecond: "7.5",
	}
	got, diags := resolveConfig(nullConfig(), envFrom(env))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got.AuthenticityToken != "env-token" || got.MerchantKey != "env-key" || got.BaseURL != monri.ProdBaseURL ||
		got.RequestTimeout != 5*time.Second || got.MaxRetries != 2 || got.MaxRequestsPerSecond != 7.5 {
		t.Fatalf("from environment: %+v", got)
	}

	cfg := nullConfig()
	cfg.AuthenticityToken = types.StringValue("cfg-token")
	cfg.MerchantKey = types.StringValue("cfg-key")
	cfg.Environment = types.StringValue("test")
	cfg.MaxRetries = types.Int64Value(0)
	cfg.BaseURL = types.StringValue("http://127.0.0.1:9999")
	got, diags = resolveConfig(cfg, envFrom(env))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got.AuthenticityToken != "cfg-token" || got.MerchantKey != "cfg-key" || got.MaxRetries != 0 || got.BaseURL != "http://127.0.0.1:9999" {
		t.Fatalf("explicit configuration must win: %+v", got)
	}

	got, diags = resolveConfig(nullConfig(), envFrom(map[string]string{EnvAuthenticityToken: "t", EnvMerchantKey: "k"}))
	if diags.HasError() || got.BaseURL != monri.TestBaseURL || got.MaxRetries != monri.DefaultMaxRetries || got.RequestTimeout != 30*time.Second {
		t.Fatalf("defaults: %+v %v", got, diags)
	}
}

func TestResolveConfigErrors(t *testing.T) {
	creds := map[string]string{EnvAuthenticityToken: "t", EnvMerchantKey: "k"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range creds {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"missing both", map[string]string{}, []string{"authenticity_token", EnvAuthenticityToken, "merchant_key", EnvMerchantKey}},
		{"missing key", map[string]string{EnvAuthenticityToken: "t"}, []string{"merchant_key", EnvMerchantKey}},
		{"unknown environment", with(map[string]string{EnvEnvironment: "staging"}), []string{"environment", `"staging"`, `"test" and "prod"`}},
		{"plain http", with(map[string]string{EnvBaseURL: "http://ipgtest.monri.com"}), []string{"base_url", "only https is allowed"}},
		{"bad timeout", with(map[string]string{EnvRequestTimeout: "soon"}), []string{"request_timeout", "Go duration"}},
		{"bad retries", with(map[string]string{EnvMaxRetries: "99"}), []string{EnvMaxRetries, "0 to 10"}},
		{"bad rate", with(map[string]string{EnvMaxRequestsPerSecond: "-1"}), []string{EnvMaxRequestsPerSecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := resolveConfig(nullConfig(), envFrom(tt.env))
			if !diags.HasError() {
				t.Fatal("expected an error")
			}
			var all strings.Builder
			for _, d := range diags.Errors() {
				all.WriteString(d.Summary() + ": " + d.Detail() + "\n")
			}
			for _, w := range tt.want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("diagnostics do not mention %q:\n%s", w, all.String())
				}
			}
		})
	}
}
