package main

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// benchSandbox is the sandbox served on a loopback listener of our own (what
// sandbox.Start does), so that the benchmark can also count the TCP
// connections the provider opens: with connection reuse a step needs about
// one per concurrent request, not one per request.
type benchSandbox struct {
	*sandbox.Server
	url   string
	srv   *http.Server
	conns atomic.Int64
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
		Handler:           s,
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

// ResetCounters zeroes the sandbox's request counters and the connection count.
func (b *benchSandbox) ResetCounters() {
	b.Server.ResetCounters()
	b.conns.Store(0)
}

// Connections is the number of TCP connections accepted since ResetCounters.
func (b *benchSandbox) Connections() int { return int(b.conns.Load()) }

func (b *benchSandbox) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.Server.Close()
	return b.srv.Shutdown(ctx)
}
