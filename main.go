// Command terraform-provider-monri is the Terraform provider for Monri's
// Customers API.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
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
	err := protoserver.Serve("registry.terraform.io/monri-community/monri", func() tfprotov6.ProviderServer {
		return providerserver.NewProtocol6(provider.New(version)())()
	}, debug)
	if err != nil {
		log.Fatal(err.Error())
	}
}
