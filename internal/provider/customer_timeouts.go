package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The timeouts block of monri_customer bounds each whole operation (every
// attempt, retry, backoff and, for a create, the lookups of an unknown
// outcome). Unset, an operation is bounded only by request_timeout and
// max_retries, as before the block existed.

var customerTimeoutOps = []string{"create", "read", "update", "delete"}

// customerTimeoutsType is the Terraform type of the timeouts block.
func customerTimeoutsType() timeouts.Type {
	attrTypes := make(map[string]attr.Type, len(customerTimeoutOps))
	for _, op := range customerTimeoutOps {
		attrTypes[op] = types.StringType
	}
	return timeouts.Type{ObjectType: types.ObjectType{AttrTypes: attrTypes}}
}

// customerTimeoutsNull is the value of an absent timeouts block.
func customerTimeoutsNull() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(customerTimeoutsType().AttrTypes)}
}

// customerTimeoutsBlock is the schema of the timeouts block: the shape of
// terraform-plugin-framework-timeouts' resource block, with descriptions of
// what each bound covers and a validator that also refuses zero and negative
// durations.
func customerTimeoutsBlock() schema.SingleNestedBlock {
	type about struct{ doing, covers, extra string }
	what := map[string]about{
		"create": {"creating the customer", "every attempt, retry and backoff and, when a create's outcome is unknown, the lookups by " +
			"`merchant_customer_id` that keep it from being created twice",
			"; when the outcome is unknown the error says so, and applying again never creates a second customer with the same " +
				"`merchant_customer_id`"},
		"read": {"reading the customer during a refresh", "every attempt, retry and backoff",
			" (the read right after an import is not bounded: the imported state has no timeouts yet)"},
		"update": {"updating the customer", "every attempt, retry and backoff", ""},
		"delete": {"deleting the customer", "every attempt, retry and backoff", "; the customer then stays in the state"},
	}
	attrs := make(map[string]schema.Attribute, len(customerTimeoutOps))
	for _, op := range customerTimeoutOps {
		a := what[op]
		attrs[op] = schema.StringAttribute{
			Optional: true,
			MarkdownDescription: fmt.Sprintf("The longest %s may take, as a positive Go duration such as `30s`, `5m` or `1h30m` "+
				"(units `ns`, `us`, `ms`, `s`, `m`, `h`), counting %s. Unset: no bound beyond `request_timeout` per attempt and "+
				"`max_retries`. Exceeding it fails the %s with an error naming it and the timeout%s.", a.doing, a.covers, op, a.extra),
			Validators: []validator.String{positiveDuration(), validUTF8()},
		}
	}
	return schema.SingleNestedBlock{
		CustomType: customerTimeoutsType(),
		MarkdownDescription: "Time limits for each whole operation on the customer, not for one HTTP request (that is the provider's " +
			"`request_timeout`). Omit the block, or an operation in it, to keep the provider's retry limits as the only bound.",
		Attributes: attrs,
	}
}

// positiveDurationValidator accepts a Go duration greater than zero.
type positiveDurationValidator struct{}

func positiveDuration() validator.String { return positiveDurationValidator{} }

func (positiveDurationValidator) Description(context.Context) string {
	return `must be a positive Go duration such as "30s", "5m" or "1h30m"`
}

func (v positiveDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (positiveDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(s)
	if err == nil && d > 0 {
		return
	}
	why := "it is not positive"
	if err != nil {
		why = "it is not a Go duration"
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timeout", fmt.Sprintf(
		"%s is %q, but %s: it must be a positive Go duration such as \"30s\", \"5m\" or \"1h30m\" "+
			"(a number and a unit: ns, us, ms, s, m or h).", req.Path, s, why))
}

// operation is one CRUD method's bound from the timeouts block.
type operation struct {
	name    string        // create, read, update or delete
	timeout time.Duration // 0: none
	parent  context.Context
	ctx     context.Context
}

// startOperation reads the operation's timeout from the timeouts block
// (from the plan for create and update, from the state for read and
// delete) and returns a context bounded by it, and its cancel function.
func startOperation(ctx context.Context, t timeouts.Value, name string) (*operation, context.CancelFunc, diag.Diagnostics) {
	var d time.Duration
	var diags diag.Diagnostics
	if !t.IsNull() && !t.IsUnknown() {
		switch name {
		case "create":
			d, diags = t.Create(ctx, 0)
		case "read":
			d, diags = t.Read(ctx, 0)
		case "update":
			d, diags = t.Update(ctx, 0)
		case "delete":
			d, diags = t.Delete(ctx, 0)
		}
	}
	op := &operation{name: name, timeout: d, parent: ctx, ctx: ctx}
	if diags.HasError() || d <= 0 {
		return op, func() {}, diags
	}
	var cancel context.CancelFunc
	op.ctx, cancel = context.WithTimeout(ctx, d)
	return op, cancel, diags
}

// timedOut reports whether the operation's own timeout ended it (not
// Terraform cancelling the run).
func (o *operation) timedOut() bool {
	return o.timeout > 0 && errors.Is(o.ctx.Err(), context.DeadlineExceeded) && o.parent.Err() == nil
}

// attr is the timeout's attribute path, for diagnostics.
func (o *operation) attr() path.Path {
	return path.Root("timeouts").AtName(o.name)
}

// exceeded is the first sentence of a timed-out operation's error: it names
// the operation, the customer (when known) and the timeout.
func (o *operation) exceeded(what string) string {
	return fmt.Sprintf("%s did not finish within timeouts.%s (%s), which bounds the whole operation including retries and backoff.",
		what, o.name, o.timeout)
}

// lastError describes the error an operation ended with when its timeout
// fired.
func (o *operation) lastError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "The time ran out while the provider was waiting for Monri: for an answer, or to retry an attempt that failed " +
			"(TF_LOG_PROVIDER=DEBUG shows each attempt and its HTTP status)."
	}
	return "The last attempt before the time ran out: " + errorDetail(err)
}

// next is the advice that ends a timed-out operation's error.
func (o *operation) next() string {
	return fmt.Sprintf("Raise timeouts.%s in the resource's timeouts block, or apply again when Monri answers promptly.", o.name)
}
