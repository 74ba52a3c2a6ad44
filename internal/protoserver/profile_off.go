//go:build !benchprofile

package protoserver

// startProfile is a no-op in normal builds; `make bench` can build the
// providers with -tags benchprofile to profile them (see profile_on.go).
func startProfile(string) func() { return func() {} }
