package cacheimpl

import (
	"fmt"

	"github.com/cachegen/cachegen/runtime"
)

// CodecProto is the codec= name of protobuf messages (types whose pointer
// implements proto.Message of google.golang.org/protobuf), stored in
// protobuf's wire format so that services in any language read them.
const CodecProto = "proto"

// ProtoCodec makes the codec=proto Codec of message type T from the
// functions of google.golang.org/protobuf/proto that generated code passes
// (runtime and cacheimpl do not import protobuf, so users without protobuf
// do not get the dependency): marshal with deterministic output, unmarshal
// with proto.UnmarshalOptions, which resets the message first and rejects
// malformed input with an error (the cache wraps it in runtime.ErrDecode).
// The input is bounded by runtime.WithMaxValueSize before it is decoded. A
// Spec carries the codec as Fast.
func ProtoCodec[T any](marshal func(*T) ([]byte, error), unmarshal func([]byte, *T) error) runtime.Codec {
	return &protoCodec[T]{marshal: marshal, unmarshal: unmarshal}
}

type protoCodec[T any] struct {
	marshal   func(*T) ([]byte, error)
	unmarshal func([]byte, *T) error
}

func (c *protoCodec[T]) Name() string { return CodecProto }

func (c *protoCodec[T]) Marshal(v any) ([]byte, error) {
	p, ok := v.(*T)
	if !ok || p == nil {
		return nil, fmt.Errorf("proto codec of %T cannot encode a %T", p, v)
	}
	return c.marshal(p)
}

func (c *protoCodec[T]) Unmarshal(data []byte, v any) error {
	p, ok := v.(*T)
	if !ok || p == nil {
		return fmt.Errorf("proto codec of %T cannot decode into a %T", p, v)
	}
	return c.unmarshal(data, p)
}
