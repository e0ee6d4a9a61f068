// Package codecbench holds the caches behind BENCHMARKS.md's codec=proto
// figures: one entity, runtime's seven-field BenchUser, as a protobuf
// message (codec=proto) and as a Go struct (msgpack, the default, and the
// generated codec=fast).
package codecbench

import (
	"time"

	"github.com/cachegen/cachegen/examples/foreign/internal/benchpb"
)

//go:generate go tool cachegen

// ProtoUser is the protobuf message.
//
//cache:key=user:<Id> codec=proto name=ProtoUserCache
type ProtoUser = benchpb.BenchUser

// BenchUser is the same entity as a Go struct.
//
//cache:key=user:<ID> name=MsgpackUserCache
//cache:key=user:<ID> codec=fast name=FastUserCache
type BenchUser struct {
	ID      int64
	Email   string
	Name    string
	Age     int
	Active  bool
	Created time.Time
	Tags    []string
}
