package provider

import (
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/provider"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// What the external tests (package provider_test, which may import
// benchprovider) need of the package's internals.

// HTTPLevelEnv is the variable that sets the http subsystem's log level.
const HTTPLevelEnv = httpLevelEnv

// NewWithTransport is the provider whose API client sends its requests
// through rt.
func NewWithTransport(version string, rt http.RoundTripper) provider.Provider {
	return &monriProvider{version: version, newClient: func(c monri.Config) (*monri.Client, error) {
		c.Transport = rt
		return monri.New(c)
	}}
}

// HasErrors and DiagString are protocol_test.go's diagnostics helpers.
var (
	HasErrors  = hasErrors
	DiagString = diagString
)
