package provider

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/monri-community/terraform-provider-monri/internal/protoserver"
)

// NewProtocol6 is providerserver.NewProtocol6 for this provider: the
// framework's server, except that the monri_customers data source's state is
// encoded for the protocol while the listing streams, one customer at a
// time, instead of as one value at the end.
//
// The framework handles a data source's state as a whole, several times
// over: it copies it twice for semantic equality, converts the copy into
// framework values, rebuilds it to turn null blocks into empty ones (looking
// up the schema for each of its null values), and then encodes it. For
// 10,000 customers that was 1.1 GiB of allocations and 90 MiB live at the
// peak, 175 MiB of provider RSS. None of it changes a value here: the data
// source has no blocks, and its customers are computed, so their semantic
// equality (which needs a configured value) never applies. So the framework
// is handed the state with an empty customers list, and the customers, as
// encoded while the listing streamed, are put in its place in the answer.
// The answer is the value the framework would have sent, in the same
// encoding (TestCustomersStreamIdentical).
func NewProtocol6(p provider.Provider) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		s := providerserver.NewProtocol6(p)()
		if fs, ok := s.(frameworkServer); ok {
			return customersStreamServer{fs}
		}
		return s
	}
}

// customersTypeName is the data source customersStreamServer encodes.
const customersTypeName = "monri_customers"

// frameworkServer is what the framework's server serves: every kind of
// RPC. customersStreamServer embeds it, so that every kind (list resources
// and actions included) reaches the framework, and overrides ReadDataSource
// only.
type frameworkServer = protoserver.Full

type customersStreamServer struct {
	frameworkServer
}

func (s customersStreamServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	if req.TypeName != customersTypeName {
		return s.frameworkServer.ReadDataSource(ctx, req)
	}
	stream := &customersStream{}
	resp, err := s.frameworkServer.ReadDataSource(context.WithValue(ctx, customersStreamKey{}, stream), req)
	if err != nil || resp == nil || resp.State == nil || stream.stateType == nil || hasErrorDiagnostic(resp.Diagnostics) {
		return resp, err
	}
	state, err := stream.state(resp.State)
	if err != nil {
		resp.State = nil
		resp.Diagnostics = append(resp.Diagnostics, &tfprotov6.Diagnostic{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "Provider Bug: Customer Data Mismatch",
			Detail:   fmt.Sprintf("The provider failed writing the customers' Terraform data: %s. This is a bug in the provider; please report it.", err),
		})
		return resp, nil
	}
	resp.State = state
	return resp, nil
}

func hasErrorDiagnostic(diags []*tfprotov6.Diagnostic) bool {
	return slices.ContainsFunc(diags, func(d *tfprotov6.Diagnostic) bool {
		return d != nil && d.Severity == tfprotov6.DiagnosticSeverityError
	})
}

type customersStreamKey struct{}

// customersStream holds the customers of one monri_customers read, each
// encoded (MessagePack, as tfprotov6.NewDynamicValue) when its page arrived.
type customersStream struct {
	// stateType is set by the data source's Read once every customer is
	// added and the state it returns holds an empty customers list.
	stateType tftypes.Type
	elems     []byte
	n         int
}

// customersStreamFrom is the stream of the read, or nil when the data source
// is not served through NewProtocol6 (its Read then keeps the values).
func customersStreamFrom(ctx context.Context) *customersStream {
	s, _ := ctx.Value(customersStreamKey{}).(*customersStream)
	return s
}

func (s *customersStream) add(elemType tftypes.Type, v tftypes.Value) error {
	dv, err := tfprotov6.NewDynamicValue(elemType, v)
	if err != nil {
		return err
	}
	s.elems = append(s.elems, dv.MsgPack...)
	s.n++
	return nil
}

// state is the framework's answer with the streamed customers in place of
// its empty list, encoded as tftypes encodes an object: a map of the
// attributes sorted by name.
func (s *customersStream) state(framework *tfprotov6.DynamicValue) (*tfprotov6.DynamicValue, error) {
	obj, list, err := customersTypes(s.stateType)
	if err != nil {
		return nil, err
	}
	v, err := framework.Unmarshal(obj)
	if err != nil {
		return nil, err
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return nil, err
	}
	if !attrs["customers"].Equal(tftypes.NewValue(list, []tftypes.Value{})) {
		return nil, errors.New("the state's customers list is not the empty list the streamed customers replace")
	}
	names := make([]string, 0, len(obj.AttributeTypes))
	for name := range obj.AttributeTypes {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]byte, 0, len(framework.MsgPack)+len(s.elems)+8)
	out = appendMsgPackLen(out, len(names), 0x80, 0xde, 0xdf) // fixmap, map 16, map 32
	for _, name := range names {
		key, err := tfprotov6.NewDynamicValue(tftypes.String, tftypes.NewValue(tftypes.String, name))
		if err != nil {
			return nil, err
		}
		out = append(out, key.MsgPack...)
		if name == "customers" {
			out = appendMsgPackLen(out, s.n, 0x90, 0xdc, 0xdd) // fixarray, array 16, array 32
			out = append(out, s.elems...)
			continue
		}
		val, err := tfprotov6.NewDynamicValue(obj.AttributeTypes[name], attrs[name])
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out = append(out, val.MsgPack...)
	}
	s.elems = nil
	return &tfprotov6.DynamicValue{MsgPack: out}, nil
}

// appendMsgPackLen appends a MessagePack map or array header for n entries
// in its shortest form (fix is the code of the form holding n < 16 in its
// low bits), as github.com/vmihailenco/msgpack, which tftypes uses, writes it.
func appendMsgPackLen(b []byte, n int, fix, code16, code32 byte) []byte {
	switch {
	case n < 16:
		return append(b, fix|byte(n)) //nolint:gosec // n < 16
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, code16), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(b, code32), uint32(n)) //nolint:gosec // a list length, far below 2^32
	}
}
