// Command terraform-provider-monri is the Terraform provider for Monri's
// Customers API.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
	"github.com/monri-community/terraform-provider-monri/internal/provider"
)

// version is set by goreleaser (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	// protoserver.Serve is providerserver.Serve (protocol 6) without the
	// per-resource memory and logging costs; see its package documentation.
	// provider.NewProtocol6 is providerserver.NewProtocol6 with the
	// monri_customers listing's state encoded as it streams.
	err := protoserver.Serve("registry.terraform.io/monri-community/monri", func() tfprotov6.ProviderServer {
		return provider.NewProtocol6(provider.New(version)())()
	}, debug)
	if err != nil {
		log.Fatal(err.Error())
	}
}
