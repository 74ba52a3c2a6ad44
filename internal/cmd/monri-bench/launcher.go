package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The benchmark measures each provider process's peak RSS exactly, without
// polling: Terraform does not start the provider binary itself but a copy of
// this program, installed for Terraform under the provider's executable name.
// Started under that name it runs as a launcher: it starts the real provider
// (MONRI_BENCH_TARGET) with the same arguments, environment and standard
// streams (so the go-plugin handshake on stdout goes straight through),
// forwards signals, waits for it and appends the child's rusage (peak RSS,
// CPU time) as one line to MONRI_BENCH_RSS_FILE. It then exits with the
// child's exit code. Both the real and the baseline provider are launched the
// same way, so the launcher's own start-up (a few milliseconds per provider
// start) is paid equally by both.
const (
	envLaunchTarget = "MONRI_BENCH_TARGET"
	envRSSFile      = "MONRI_BENCH_RSS_FILE"
	// envProviderEnv holds KEY=VALUE lines added to the provider's
	// environment only (-provider-env).
	envProviderEnv = "MONRI_BENCH_PROVIDER_ENV"
	// envCPUProfileDir is protoserver's ProfileDirEnv (only in providers
	// built with -tags benchprofile).
	envCPUProfileDir = "MONRI_BENCH_CPUPROFILE_DIR"
)

// isLauncher reports whether this process was started by Terraform as a
// provider executable.
func isLauncher() bool {
	return strings.HasPrefix(filepath.Base(os.Args[0]), "terraform-provider-")
}

func runLauncher() int {
	target := os.Getenv(envLaunchTarget)
	if target == "" {
		fmt.Fprintf(os.Stderr, "monri-bench launcher: %s is not set; this copy of monri-bench is only meant to be started by the benchmark\n", envLaunchTarget)
		return 1
	}
	// The provider the benchmark built, with Terraform's arguments.
	cmd := exec.Command(target, os.Args[1:]...) //nolint:gosec,noctx // runs until the provider exits, like the provider itself
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if extra := os.Getenv(envProviderEnv); extra != "" {
		cmd.Env = append(os.Environ(), strings.Split(extra, "\n")...)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "monri-bench launcher: starting %s: %v\n", target, err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	wall := time.Since(start)
	code := cmd.ProcessState.ExitCode()
	if code < 0 {
		code = 1
	}
	if path := os.Getenv(envRSSFile); path != "" {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			// Linux reports ru_maxrss in KiB.
			line := fmt.Sprintf("%d %d %d %d %d\n", cmd.ProcessState.Pid(), ru.Maxrss,
				time.Duration(ru.Utime.Nano()).Microseconds(), time.Duration(ru.Stime.Nano()).Microseconds(), wall.Microseconds())
			if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil { //nolint:gosec // the benchmark's own temporary file
				_, _ = f.WriteString(line)
				_ = f.Close()
			}
		}
	}
	return code
}

// launch is one provider process as the launcher recorded it.
type launch struct {
	Pid        int
	MaxRSSKiB  int64
	UserMicros int64
	SysMicros  int64
	WallMicros int64
}

// readLaunches parses the file the launchers of one Terraform command wrote.
// A missing file means no provider was started.
func readLaunches(path string) ([]launch, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the benchmark's own temporary file
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []launch
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 5 {
			return nil, fmt.Errorf("%s: malformed line %q", path, line)
		}
		var v [5]int64
		for i, s := range f {
			if v[i], err = strconv.ParseInt(s, 10, 64); err != nil {
				return nil, fmt.Errorf("%s: malformed line %q", path, line)
			}
		}
		out = append(out, launch{Pid: int(v[0]), MaxRSSKiB: v[1], UserMicros: v[2], SysMicros: v[3], WallMicros: v[4]})
	}
	return out, nil
}
