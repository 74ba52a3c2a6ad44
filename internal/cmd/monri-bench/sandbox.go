package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// benchSandbox is the sandbox served on a loopback listener of our own (what
// sandbox.Start does), so that the benchmark can also count the TCP
// connections the provider opens (with connection reuse a step needs about
// one per concurrent request, not one per request) and time a listing's
// paging: from the first GET /v2/customers received to the last answered.
type benchSandbox struct {
	*sandbox.Server
	url   string
	srv   *http.Server
	conns atomic.Int64
	// listFirst and listLast are the Unix nanoseconds at which the first
	// listing request arrived and the last one was answered.
	listFirst, listLast atomic.Int64
}

func startSandbox(ctx context.Context, opts sandbox.Options) (*benchSandbox, error) {
	s, err := sandbox.New(opts)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &benchSandbox{Server: s, url: "http://" + ln.Addr().String()}
	b.srv = &http.Server{
		Handler:           http.HandlerFunc(b.serveTimed),
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				b.conns.Add(1)
			}
		},
	}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

func (b *benchSandbox) URL() string { return b.url }

// serveTimed serves a request, noting when listing requests arrive and are
// answered (the sandbox's latency is part of the answer).
func (b *benchSandbox) serveTimed(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/v2/customers" {
		b.ServeHTTP(w, r)
		return
	}
	b.listFirst.CompareAndSwap(0, time.Now().UnixNano())
	b.ServeHTTP(w, r)
	end := time.Now().UnixNano()
	for {
		last := b.listLast.Load()
		if end <= last || b.listLast.CompareAndSwap(last, end) {
			return
		}
	}
}

// ResetCounters zeroes the sandbox's request counters, the connection count
// and the paging time.
func (b *benchSandbox) ResetCounters() {
	b.Server.ResetCounters()
	b.conns.Store(0)
	b.listFirst.Store(0)
	b.listLast.Store(0)
}

// PagingTime is the time from the first listing request received to the last
// one answered since ResetCounters (0 without listing requests).
func (b *benchSandbox) PagingTime() time.Duration {
	first, last := b.listFirst.Load(), b.listLast.Load()
	if first == 0 || last < first {
		return 0
	}
	return time.Duration(last - first)
}

// Connections is the number of TCP connections accepted since ResetCounters.
func (b *benchSandbox) Connections() int { return int(b.conns.Load()) }

func (b *benchSandbox) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.Server.Close()
	return b.srv.Shutdown(ctx)
}

// startMonriWorkspace starts a sandbox with the run's latency and the
// bench's page size, and a workspace named name in which the real provider
// (realBin) talks to it. The caller closes the sandbox.
func startMonriWorkspace(ctx context.Context, o options, env []string, realBin, tmp, name string) (*benchSandbox, *workspace, error) {
	latency := time.Duration(o.LatencyMS) * time.Millisecond
	s, err := startSandbox(ctx, sandbox.Options{Latency: latency, Variants: sandbox.Variants{MaxPageSize: pageSize}})
	if err != nil {
		return nil, nil, err
	}
	token, key := s.Credentials()
	wenv := append(append([]string{}, env...), "MONRI_BASE_URL="+s.URL(), "MONRI_AUTHENTICITY_TOKEN="+token, "MONRI_MERCHANT_KEY="+key)
	dir := filepath.Join(tmp, "work", name)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		_ = s.Close()
		return nil, nil, err
	}
	return s, &workspace{name: name, dir: dir, source: "monri-community/monri", target: realBin, env: wenv, tf: o.Terraform, tmp: tmp}, nil
}
