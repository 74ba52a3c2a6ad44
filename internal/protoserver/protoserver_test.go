package protoserver

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type ctxKey struct{}

// recorder is a provider server that keeps every context it was called with,
// as the framework does.
type recorder struct {
	tfprotov6.ProviderServer
	kept    []context.Context
	cancels []context.CancelFunc
}

func (r *recorder) ReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if ctx.Value(ctxKey{}) != "v" {
		panic("value of the RPC's context not visible during the call")
	}
	child, cancel := context.WithCancel(ctx)
	r.kept = append(r.kept, child)
	r.cancels = append(r.cancels, cancel)
	return &tfprotov6.ReadResourceResponse{}, nil
}

func TestDetachDuringAndAfterTheCall(t *testing.T) {
	rec := &recorder{}
	t.Cleanup(func() {
		for _, c := range rec.cancels {
			c()
		}
	})
	s := Detach(rec)
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	if _, err := s.ReadResource(parent, &tfprotov6.ReadResourceRequest{}); err != nil {
		t.Fatal(err)
	}
	kept := rec.kept[0]
	if kept.Value(ctxKey{}) != nil {
		t.Fatal("the kept context still reaches the RPC's context after the call")
	}
	cancel()
	// The child was registered with the RPC's context while it ran, so the
	// cancellation during the call's lifetime still reached it.
	if kept.Err() == nil {
		t.Fatal("cancelling the RPC's context did not cancel the context the provider kept")
	}
}

func TestDetachCancelsDuringCall(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	d := &detachedCtx{p: parent}
	cancel()
	if d.Err() == nil {
		t.Fatal("cancellation of the parent is not visible while attached")
	}
	d.release()
	if d.Err() != nil || d.Done() != nil {
		t.Fatal("a released context must behave as context.Background()")
	}
	runtime.KeepAlive(parent)
}

func TestQuietUnrequestedLogs(t *testing.T) {
	t.Setenv("TF_LOG", "")
	t.Setenv("TF_LOG_PROVIDER", "")
	t.Setenv("TF_LOG_PROVIDER_MONRI", "DEBUG")
	quiet := []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER_MONRI_HTTP"}
	for _, k := range quiet {
		unset(t, k)
	}
	QuietUnrequestedLogs()
	for _, k := range quiet {
		if got := os.Getenv(k); got != "off" {
			t.Fatalf("%s = %q, want off", k, got)
		}
	}
	if got := os.Getenv("TF_LOG_PROVIDER_MONRI"); got != "DEBUG" {
		t.Fatalf("a level the user set was changed to %q", got)
	}

	t.Setenv("TF_LOG", "TRACE")
	unset(t, "TF_LOG_SDK")
	QuietUnrequestedLogs()
	if _, set := os.LookupEnv("TF_LOG_SDK"); set {
		t.Fatal("logs were switched off although TF_LOG asks for them")
	}
}

// unset removes k for the rest of the test (after t.Setenv recorded it, so
// the original value is restored at cleanup).
func unset(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}

// lister is a provider server with a list resource whose results are read
// after ListResource returns.
type lister struct {
	tfprotov6.ProviderServer
}

func (lister) ValidateListResourceConfig(context.Context, *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return &tfprotov6.ValidateListResourceConfigResponse{}, nil
}

func (lister) ListResource(ctx context.Context, _ *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return &tfprotov6.ListResourceServerStream{Results: func(push func(tfprotov6.ListResourceResult) bool) {
		push(tfprotov6.ListResourceResult{DisplayName: ctx.Value(ctxKey{}).(string)}) //nolint:forcetypeassert // The test sets it.
	}}, nil
}

// TestDetachServesListResources: the list resource RPCs reach a server that
// has them, and the results stream still sees the RPC's context; a server
// without them answers with an error.
func TestDetachServesListResources(t *testing.T) {
	s, ok := Detach(lister{}).(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("Detach does not serve list resources")
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	if _, err := s.ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{}); err != nil {
		t.Fatal(err)
	}
	stream, err := s.ListResource(ctx, &tfprotov6.ListResourceRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for r := range stream.Results {
		if r.DisplayName != "v" {
			t.Fatalf("result %q, want the context's value", r.DisplayName)
		}
	}
	without, _ := Detach(&recorder{}).(tfprotov6.ListResourceServer)
	if _, err := without.ListResource(ctx, &tfprotov6.ListResourceRequest{}); err == nil {
		t.Fatal("a server without list resources: no error")
	}
}
