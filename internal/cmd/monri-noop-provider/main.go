// Command monri-noop-provider serves the benchmark's baseline provider
// (package benchprovider): the monri_customer schema, kept in state only,
// without any API request. It is built and run by `make bench`, and served
// exactly as the real provider is (package protoserver), so that the two
// differ only in what the resource does.
package main

import (
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/monri-community/terraform-provider-monri/internal/benchprovider"
	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
)

func main() {
	err := protoserver.Serve(benchprovider.Address, func() tfprotov6.ProviderServer {
		return providerserver.NewProtocol6(benchprovider.New())()
	}, false)
	if err != nil {
		log.Fatal(err.Error())
	}
}
