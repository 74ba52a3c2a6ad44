// Package protoserver serves a terraform-plugin-framework provider over
// protocol 6 the way providerserver.Serve does, with two costs removed that
// grow with the number of resources in a run:
//
//   - The framework keeps a cancel function for every RPC until Terraform
//     stops the provider, and with it the RPC's whole context (gRPC stream,
//     metadata, per-call loggers): 65–130 MiB at 1,000 resources. Detach hands
//     each per-resource RPC a context that drops its link to the real one
//     when the RPC returns, so only a few bytes per call stay behind.
//     Cancellation still works while the RPC runs.
//   - With no TF_LOG or TF_LOG_PROVIDER set, Terraform discards every log line
//     a provider writes, yet the plugin libraries log at TRACE and encode
//     every line. QuietUnrequestedLogs switches those loggers off then.
//
// Both the provider binary and the benchmark's no-op baseline use it, so the
// baseline stays a like-for-like floor.
package protoserver

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Serve serves the provider built by factory at the registry address name.
// debug starts it in managed debug mode (the provider's -debug flag).
func Serve(name string, factory func() tfprotov6.ProviderServer, debug bool) error {
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		QuietUnrequestedLogs()
	}
	defer startProfile(name)()
	return tf6server.Serve(name, func() tfprotov6.ProviderServer { return Detach(factory()) }, opts...)
}

// quietLoggers are the variables QuietUnrequestedLogs sets to "off": the
// SDK's root logger, its framework and proto subsystems, and the providers'
// root loggers and the Monri provider's http subsystem. A subsystem whose own
// variable is unset does not inherit "off" cheaply: terraform-plugin-log then
// runs its masking and field merging for every line before the root logger
// drops it (about 7% of the provider's CPU time in `make bench`), so each
// subsystem is named here.
var quietLoggers = []string{
	"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO",
	"TF_LOG_PROVIDER_MONRI", "TF_LOG_PROVIDER_MONRI_HTTP", "TF_LOG_PROVIDER_MONRINOOP",
}

// QuietUnrequestedLogs turns the SDK's and the provider's loggers off when
// Terraform would drop their output anyway (neither TF_LOG nor
// TF_LOG_PROVIDER is set). Variables the user set are left alone.
func QuietUnrequestedLogs() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, k := range quietLoggers {
		if _, set := os.LookupEnv(k); !set {
			_ = os.Setenv(k, "off")
		}
	}
}

// Full is every kind of RPC the framework's server serves: the provider,
// its resources, data sources, ephemeral resources and functions, list
// resources (terraform query), actions and state stores. tf6server finds
// the optional kinds by type assertion, so a wrapper that does not have a
// kind's methods hides that kind from Terraform ("ValidateActionConfig Not
// Implemented"): wrappers embed Full and override only what they change.
type Full interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// Detach wraps a provider server so that the per-resource RPCs (validate,
// upgrade, read, plan, apply, import, data source reads and ephemeral
// resources) run with a context that forgets its parent once the RPC returns.
// Every other RPC, those of list resources and actions included, reaches
// the server as it is, with the RPC's own context (Terraform reads a
// listing's results and an action's progress after the RPC returns). The
// optional kinds a server does not have are answered with an error.
func Detach(s tfprotov6.ProviderServer) tfprotov6.ProviderServer {
	if f, ok := s.(Full); ok {
		return detached{f}
	}
	return detached{unserved{s}}
}

type detached struct {
	Full
}

// detachedCtx behaves as its parent until release, then as
// context.Background().
type detachedCtx struct {
	mu sync.RWMutex
	p  context.Context
}

func (d *detachedCtx) parent() context.Context {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.p == nil {
		return context.Background()
	}
	return d.p
}

func (d *detachedCtx) release() {
	d.mu.Lock()
	d.p = nil
	d.mu.Unlock()
}

func (d *detachedCtx) Deadline() (time.Time, bool) { return d.parent().Deadline() }
func (d *detachedCtx) Done() <-chan struct{}       { return d.parent().Done() }
func (d *detachedCtx) Err() error                  { return d.parent().Err() }
func (d *detachedCtx) Value(key any) any           { return d.parent().Value(key) }

func call[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	d := &detachedCtx{p: ctx}
	defer d.release()
	return f(d, req)
}

func (s detached) ValidateResourceConfig(ctx context.Context, r *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(ctx, r, s.Full.ValidateResourceConfig)
}

func (s detached) UpgradeResourceState(ctx context.Context, r *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(ctx, r, s.Full.UpgradeResourceState)
}

func (s detached) ReadResource(ctx context.Context, r *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(ctx, r, s.Full.ReadResource)
}

func (s detached) PlanResourceChange(ctx context.Context, r *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(ctx, r, s.Full.PlanResourceChange)
}

func (s detached) ApplyResourceChange(ctx context.Context, r *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(ctx, r, s.Full.ApplyResourceChange)
}

func (s detached) ImportResourceState(ctx context.Context, r *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, r, s.Full.ImportResourceState)
}

func (s detached) ValidateDataResourceConfig(ctx context.Context, r *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, r, s.Full.ValidateDataResourceConfig)
}

func (s detached) ReadDataSource(ctx context.Context, r *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, r, s.Full.ReadDataSource)
}

func (s detached) ValidateEphemeralResourceConfig(ctx context.Context, r *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return call(ctx, r, s.Full.ValidateEphemeralResourceConfig)
}

func (s detached) OpenEphemeralResource(ctx context.Context, r *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return call(ctx, r, s.Full.OpenEphemeralResource)
}

var _ Full = detached{}

// unserved is a server that lacks some optional kinds of RPC: the list
// resource and action RPCs reach it when it has them, and the others are
// answered with an error.
type unserved struct {
	tfprotov6.ProviderServer
}

func (unserved) err(kind string) error {
	return errors.New("this provider server has no " + kind)
}

func (u unserved) ValidateListResourceConfig(ctx context.Context, r *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	if ls, ok := u.ProviderServer.(tfprotov6.ListResourceServer); ok {
		return ls.ValidateListResourceConfig(ctx, r)
	}
	return nil, u.err("list resources")
}

func (u unserved) ListResource(ctx context.Context, r *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	if ls, ok := u.ProviderServer.(tfprotov6.ListResourceServer); ok {
		return ls.ListResource(ctx, r)
	}
	return nil, u.err("list resources")
}

func (u unserved) ValidateActionConfig(ctx context.Context, r *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	if as, ok := u.ProviderServer.(tfprotov6.ActionServer); ok {
		return as.ValidateActionConfig(ctx, r)
	}
	return nil, u.err("actions")
}

func (u unserved) PlanAction(ctx context.Context, r *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	if as, ok := u.ProviderServer.(tfprotov6.ActionServer); ok {
		return as.PlanAction(ctx, r)
	}
	return nil, u.err("actions")
}

func (u unserved) InvokeAction(ctx context.Context, r *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	if as, ok := u.ProviderServer.(tfprotov6.ActionServer); ok {
		return as.InvokeAction(ctx, r)
	}
	return nil, u.err("actions")
}

func (u unserved) ValidateStateStoreConfig(context.Context, *tfprotov6.ValidateStateStoreConfigRequest) (*tfprotov6.ValidateStateStoreConfigResponse, error) {
	return nil, u.err("state stores")
}

func (u unserved) ConfigureStateStore(context.Context, *tfprotov6.ConfigureStateStoreRequest) (*tfprotov6.ConfigureStateStoreResponse, error) {
	return nil, u.err("state stores")
}

func (u unserved) ReadStateBytes(context.Context, *tfprotov6.ReadStateBytesRequest) (*tfprotov6.ReadStateBytesStream, error) {
	return nil, u.err("state stores")
}

func (u unserved) WriteStateBytes(context.Context, *tfprotov6.WriteStateBytesStream) (*tfprotov6.WriteStateBytesResponse, error) {
	return nil, u.err("state stores")
}

func (u unserved) GetStates(context.Context, *tfprotov6.GetStatesRequest) (*tfprotov6.GetStatesResponse, error) {
	return nil, u.err("state stores")
}

func (u unserved) DeleteState(context.Context, *tfprotov6.DeleteStateRequest) (*tfprotov6.DeleteStateResponse, error) {
	return nil, u.err("state stores")
}

func (u unserved) LockState(context.Context, *tfprotov6.LockStateRequest) (*tfprotov6.LockStateResponse, error) {
	return nil, u.err("state stores")
}

func (u unserved) UnlockState(context.Context, *tfprotov6.UnlockStateRequest) (*tfprotov6.UnlockStateResponse, error) {
	return nil, u.err("state stores")
}
