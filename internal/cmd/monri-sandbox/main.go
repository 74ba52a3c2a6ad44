// Command monri-sandbox runs the local emulator of the Monri Customers API
// (package internal/sandbox) as a process, for demos and CI pipelines.
//
//	go run ./internal/cmd/monri-sandbox [-addr 127.0.0.1:8080] [-state sandbox.db] [-import dump.json]
//	    [-variant NAME[,NAME...]]... [-latency 0s] [-tolerance 5m] [-token-ttl 15m]
//	    [-authenticity-token ...] [-merchant-key ...] [-ready-file path] [-allow-remote] [-v]
//	monri-sandbox -version
//
// -variant selects behaviours the real API leaves undocumented (the fields of
// sandbox.Variants), for example -variant deleted-true,page-cap=20,list-key=id.
// It can be repeated; items add up, and a later item for the same behaviour
// wins. -variant help lists the names. The older flags -max-page-size N,
// -deleted-mode 404|deleted-true, -list-includes-deleted and -normalize-emails
// are aliases of page-cap=N, deleted-true, list-includes-deleted and
// normalize-emails.
//
// -state keeps the customers and cards in a bbolt database file, every change
// committed to it (and fsynced, with -state-sync) before it is
// answered, so a restart (or kill -9) loses nothing acknowledged; without it
// they live in memory. GET /sandbox/export
// writes the whole store as JSON, and -import loads such a file (or the JSON
// -state file of an earlier version) into the empty store at start.
//
// Every flag can also be set with an environment variable MONRI_SANDBOX_<FLAG>
// (upper case, dashes as underscores, for example MONRI_SANDBOX_ADDR or
// MONRI_SANDBOX_VARIANT=deleted-true,page-cap=20); the environment is applied
// first, so a flag on the command line wins over it.
//
// On start it prints the base URL and the credentials to use, as shell
// assignments, and nothing before them; when a variant is active, one more
// line "  variants: <spec>" follows them. The merchant key printed is a public
// test value of the sandbox, not a secret. With -ready-file it also writes
// the base URL to that file once it is listening (and removes the file on
// exit). It stops gracefully on SIGINT or SIGTERM.
//
// -version prints the version and exits: the one stamped at build time
// (-ldflags "-X main.version=..."; goreleaser and make do it), else the
// module version of `go install ...@vX.Y.Z`, else "dev".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

const envPrefix = "MONRI_SANDBOX_"

// version is stamped at build time with -ldflags "-X main.version=...", by
// goreleaser and by make; empty otherwise (see versionString).
var version string

// versionString is what -version prints: the stamped version, else the main
// module's version from the build information (vX.Y.Z after
// `go install ...@vX.Y.Z`, "(devel)" for a build inside the repository),
// else "dev".
func versionString(stamped string, readBuildInfo func() (*debug.BuildInfo, bool)) string {
	if stamped != "" {
		return stamped
	}
	if info, ok := readBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "dev"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "monri-sandbox:", err)
		}
		stop()
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	addr       string
	statePath  string
	importPath string
	stateSync  bool
	// variants is set by -variant and its aliases.
	variants sandbox.Variants
	// variantHelp is set by -variant help: list the variants and exit.
	variantHelp       bool
	latency           time.Duration
	tolerance         time.Duration
	tokenTTL          time.Duration
	authenticityToken string
	merchantKey       string
	readyFile         string
	allowRemote       bool
	verbose           bool
	// showVersion is set by -version: print the version and exit.
	showVersion bool
}

// variantFlag parses -variant: comma-separated items applied on top of the
// variants set so far, or "help".
type variantFlag struct {
	v    *sandbox.Variants
	help *bool
}

func (f variantFlag) String() string {
	if f.v == nil {
		return ""
	}
	return f.v.String()
}

func (f variantFlag) Set(value string) error {
	if strings.TrimSpace(value) == "help" {
		*f.help = true
		return nil
	}
	return f.v.Apply(value)
}

// maxPageSizeFlag parses -max-page-size, an alias of -variant page-cap=N.
type maxPageSizeFlag struct{ v *sandbox.Variants }

func (f maxPageSizeFlag) String() string {
	if f.v == nil {
		return ""
	}
	if f.v.MaxPageSize == 0 {
		return strconv.Itoa(sandbox.DefaultMaxPageSize)
	}
	return strconv.Itoa(f.v.MaxPageSize)
}

func (f maxPageSizeFlag) Set(value string) error {
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return errors.New("must be an integer of at least 1")
	}
	return f.v.Apply("page-cap=" + strconv.Itoa(n))
}

// boolField is a boolean flag that sets a field of the variants (the alias
// flags -list-includes-deleted and -normalize-emails).
type boolField struct{ p *bool }

func (f boolField) String() string { return strconv.FormatBool(f.p != nil && *f.p) }

func (f boolField) Set(value string) error {
	b, err := strconv.ParseBool(value)
	if err != nil {
		return errors.New("must be true or false")
	}
	*f.p = b
	return nil
}

func (boolField) IsBoolFlag() bool { return true }

// writeVariantHelp lists the -variant names, from sandbox.VariantDocs.
func writeVariantHelp(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Variants of undocumented behaviour (-variant NAME[,NAME...], repeatable; env " + envPrefix + "VARIANT):\n")
	for _, d := range sandbox.VariantDocs() {
		fmt.Fprintf(&b, "  %s\n    \t%s (Variants.%s)\n", d.Name, d.Doc, d.Field)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// deletedModeFlag parses -deleted-mode, an alias of -variant deleted-true.
type deletedModeFlag struct{ m *sandbox.DeletedMode }

func (f deletedModeFlag) String() string {
	if f.m == nil {
		return sandbox.DeletedNotFound.String()
	}
	return f.m.String()
}

func (f deletedModeFlag) Set(v string) error {
	switch strings.ToLower(v) {
	case "404", "not-found", "notfound":
		*f.m = sandbox.DeletedNotFound
	case "deleted-true", "deleted", "true", "200":
		*f.m = sandbox.DeletedReturnsTrue
	default:
		return fmt.Errorf("unknown deleted mode %q (404 or deleted-true)", v)
	}
	return nil
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("monri-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address (loopback only unless -allow-remote; port 0 picks a free port)")
	fs.StringVar(&c.statePath, "state", "", "bbolt database `file` keeping customers and cards, each change committed before it is answered (created if missing; empty: in memory only)")
	fs.BoolVar(&c.stateSync, "state-sync", false, "also fsync each -state commit, so that a machine crash loses nothing answered (slower); without it a restart or kill -9 of the sandbox still loses nothing answered")
	fs.StringVar(&c.importPath, "import", "", "load this JSON `file` (a GET /sandbox/export, or an earlier version's -state file) into the empty store at start")
	fs.Var(variantFlag{&c.variants, &c.variantHelp}, "variant", "comma-separated `names` of undocumented-behaviour variants (repeatable; help lists them)")
	fs.Var(maxPageSizeFlag{&c.variants}, "max-page-size", "alias of -variant page-cap=`N`: largest limit served by list endpoints (larger limits are silently capped)")
	fs.Var(deletedModeFlag{&c.variants.DeletedMode}, "deleted-mode", "`mode` of a retrieve of a deleted customer: 404 (the default) or deleted-true (200 with \"deleted\": true); -deleted-mode deleted-true is an alias of -variant deleted-true")
	fs.Var(boolField{&c.variants.ListIncludesDeleted}, "list-includes-deleted", "alias of -variant list-includes-deleted: include deleted customers in GET /v2/customers")
	fs.Var(boolField{&c.variants.NormalizeEmails}, "normalize-emails", "alias of -variant normalize-emails: store and answer email addresses lower-cased")
	fs.DurationVar(&c.latency, "latency", 0, "latency added to every API request")
	fs.DurationVar(&c.tolerance, "tolerance", sandbox.DefaultTimestampTolerance, "accepted clock skew of the Authorization timestamp")
	fs.DurationVar(&c.tokenTTL, "token-ttl", sandbox.DefaultTokenTTL, "lifetime of /v2/oauth access tokens")
	fs.StringVar(&c.authenticityToken, "authenticity-token", sandbox.DefaultAuthenticityToken, "authenticity token (OAuth client_id) to accept")
	fs.StringVar(&c.merchantKey, "merchant-key", sandbox.DefaultMerchantKey, "merchant key (OAuth client_secret) to accept")
	fs.StringVar(&c.readyFile, "ready-file", "", "write the base URL to this file once listening")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a non-loopback -addr and answer requests addressed to any host name (without it, a request whose Host is not localhost, 127.0.0.1 or [::1] is refused, against web pages using DNS rebinding; the sandbox has public test credentials: never expose it)")
	fs.BoolVar(&c.verbose, "v", false, "log one line per request to stderr")
	fs.BoolVar(&c.showVersion, "version", false, "print the version and exit")

	// Environment first, so that the command line wins.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		switch f.Name {
		case "v":
			name = envPrefix + "VERBOSE"
		case "version":
			return // a command, not a setting
		}
		if v := getenv(name); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	fs.Usage = func() {
		out := fs.Output()
		_, _ = fmt.Fprintln(out, "Usage of monri-sandbox:")
		fs.PrintDefaults()
		_, _ = fmt.Fprintln(out)
		_ = writeVariantHelp(out)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.showVersion {
		// Whatever else the command line and the environment say.
		return c, nil
	}
	if envErr != nil {
		return c, envErr
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.variantHelp {
		return c, nil
	}
	if !c.allowRemote {
		if err := checkLoopback(c.addr); err != nil {
			return c, err
		}
	}
	return c, nil
}

// checkLoopback refuses an address that would listen beyond this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %q is not a loopback address; the sandbox accepts public test credentials, pass -allow-remote to listen there anyway", addr)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.showVersion {
		_, err := fmt.Fprintln(stdout, versionString(version, debug.ReadBuildInfo))
		return err
	}
	if c.variantHelp {
		return writeVariantHelp(stdout)
	}
	s, err := sandbox.New(sandbox.Options{
		AuthenticityToken:  c.authenticityToken,
		MerchantKey:        c.merchantKey,
		Variants:           c.variants,
		TimestampTolerance: c.tolerance,
		Latency:            c.latency,
		TokenTTL:           c.tokenTTL,
		StatePath:          c.statePath,
		StateSync:          c.stateSync,
		AllowRemote:        c.allowRemote,
	})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	if c.importPath != "" {
		if err := importFile(s, c.importPath); err != nil {
			return err
		}
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	baseURL := "http://" + ln.Addr().String()

	var handler http.Handler = s
	if c.verbose {
		handler = logRequests(s, stderr)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	token, key := s.Credentials()
	banner := fmt.Sprintf("Monri sandbox listening on %s\n  MONRI_BASE_URL=%s\n  MONRI_AUTHENTICITY_TOKEN=%s\n  MONRI_MERCHANT_KEY=%s\n",
		baseURL, baseURL, token, key)
	if spec := s.Variants().String(); spec != "" {
		// Last, and only when not default: scripts read the lines above.
		banner += "  variants: " + spec + "\n"
	}
	if _, err := io.WriteString(stdout, banner); err != nil {
		_ = srv.Close()
		return err
	}

	if c.readyFile != "" {
		if err := writeReadyFile(c.readyFile, baseURL); err != nil {
			_ = srv.Close()
			return err
		}
		defer func() { _ = os.Remove(c.readyFile) }() //nolint:gosec // G703: the operator's own -ready-file path.
	}

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	return nil
}

// importFile loads a JSON export into the sandbox's empty store.
func importFile(s *sandbox.Server, path string) error {
	f, err := os.Open(path) //nolint:gosec // G304: the operator's own -import path.
	if err != nil {
		return fmt.Errorf("-import: %w", err)
	}
	defer func() { _ = f.Close() }()
	if err := s.Import(f); err != nil {
		return fmt.Errorf("-import %s: %w", path, err)
	}
	return nil
}

// writeReadyFile writes the base URL atomically, so a script polling for
// the file never reads it half written.
func writeReadyFile(path, baseURL string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	if _, err := tmp.WriteString(baseURL + "\n"); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("ready file: %w", err)
	}
	return nil
}

// statusWriter records the status of a response. It unwraps to the
// original writer so the sandbox can still hijack the connection.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs method, path, status and duration of each request. It
// never logs headers (the Authorization header carries credentials) nor
// bodies.
func logRequests(next http.Handler, out io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := strconv.Itoa(sw.status)
			if sw.status == 0 {
				status = "dropped"
			}
			line := fmt.Sprintf("%s %s %s %s %s\n", start.UTC().Format(time.RFC3339), r.Method, r.URL.EscapedPath(), status, time.Since(start).Round(time.Microsecond))
			mu.Lock()
			defer mu.Unlock()
			_, _ = io.WriteString(out, line)
		}()
		next.ServeHTTP(sw, r)
	})
}
