//go:build unix

package provider_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used (user and system, every
// thread: the benchmark's goroutine, the garbage collector's and the
// runtime's). Unlike wall time it hardly grows when other processes share the
// machine's cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
