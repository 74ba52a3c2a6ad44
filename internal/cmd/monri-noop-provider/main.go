// Command monri-noop-provider serves the benchmark's baseline provider
// (package benchprovider): the monri_customer schema, kept in state only,
// without any API request. It is built and run by `make bench`.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/monri-community/terraform-provider-monri/internal/benchprovider"
)

func main() {
	err := providerserver.Serve(context.Background(), benchprovider.New, providerserver.ServeOpts{
		Address:         benchprovider.Address,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
