package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The listing data sources take the same timeouts { read } as the
// resource, from terraform-plugin-framework-timeouts' data source package:
// it bounds the whole read (every page, retry and backoff).

// dataSourceTimeoutsBlock is the timeouts block of a data source: the
// framework's shape, with the resource's description and positive-duration
// validator.
func dataSourceTimeoutsBlock(doing string) schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		CustomType: dataSourceTimeoutsType(),
		MarkdownDescription: "Time limit for the whole read, not for one HTTP request (that is the provider's `request_timeout`). " +
			"Omit it to keep the provider's retry limits and `max_listing_items` as the only bounds.",
		Attributes: map[string]schema.Attribute{
			"read": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("The longest %s may take, as a positive Go duration such as `30s`, `5m` or `1h30m` "+
					"(units `ns`, `us`, `ms`, `s`, `m`, `h`), counting every page request, retry and backoff. Unset: no bound beyond "+
					"`request_timeout` per attempt, `max_retries` and `max_listing_items`. Exceeding it fails the read with an error "+
					"naming it and the timeout.", doing),
				Validators: []validator.String{positiveDuration(), validUTF8()},
			},
		},
	}
}

// dataSourceTimeoutsType is the Terraform type of a data source's timeouts
// block.
func dataSourceTimeoutsType() timeouts.Type {
	return timeouts.Type{ObjectType: types.ObjectType{AttrTypes: map[string]attr.Type{"read": types.StringType}}}
}

// dataSourceTimeoutsNull is the value of an absent timeouts block.
func dataSourceTimeoutsNull() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(dataSourceTimeoutsType().AttrTypes)}
}

// dataSourceRead is one data source read bounded by its timeouts.read.
type dataSourceRead struct {
	timeout time.Duration // 0: none
	parent  context.Context
	ctx     context.Context
}

// startDataSourceRead returns the read's context, bounded by timeouts.read
// when it is set, and its cancel function.
func startDataSourceRead(ctx context.Context, t timeouts.Value) (*dataSourceRead, context.CancelFunc, diag.Diagnostics) {
	var d time.Duration
	var diags diag.Diagnostics
	if !t.IsNull() && !t.IsUnknown() {
		d, diags = t.Read(ctx, 0)
	}
	r := &dataSourceRead{timeout: d, parent: ctx, ctx: ctx}
	if diags.HasError() || d <= 0 {
		return r, func() {}, diags
	}
	var cancel context.CancelFunc
	r.ctx, cancel = context.WithTimeout(ctx, d)
	return r, cancel, diags
}

// timedOut reports whether timeouts.read ended the read (not Terraform
// cancelling the run).
func (r *dataSourceRead) timedOut() bool {
	return r.timeout > 0 && errors.Is(r.ctx.Err(), context.DeadlineExceeded) && r.parent.Err() == nil
}

// addTimedOut reports a read that timeouts.read ended, on that attribute.
func (r *dataSourceRead) addTimedOut(diags *diag.Diagnostics, summary, what string, err error) {
	diags.AddAttributeError(path.Root("timeouts").AtName("read"), summary, dataSourceTimedOutDetail(what, r.timeout, err))
}
