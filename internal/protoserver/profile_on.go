//go:build benchprofile

package protoserver

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/pprof"
)

// ProfileDirEnv names the directory a provider built with -tags benchprofile
// writes its CPU profile to, one file per process: <type>-<pid>.pprof.
// monri-bench -cpuprofile sets it; release builds never contain this code.
const ProfileDirEnv = "MONRI_BENCH_CPUPROFILE_DIR"

// startProfile starts a CPU profile of this provider process and returns the
// function that stops and writes it (when the provider is shut down).
func startProfile(name string) func() {
	dir := os.Getenv(ProfileDirEnv)
	if dir == "" {
		return func() {}
	}
	file := filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", path.Base(name), os.Getpid()))
	f, err := os.Create(file) //nolint:gosec // a directory the benchmark chose
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchprofile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "benchprofile:", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
