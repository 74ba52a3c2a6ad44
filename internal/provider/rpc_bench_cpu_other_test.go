//go:build !unix

package provider_test

import "time"

// processCPU is not measured on this platform (BenchmarkRPC reports no
// cpu-ns/op then).
func processCPU() time.Duration { return 0 }
