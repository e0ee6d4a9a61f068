package runtime

import (
	"encoding"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime/fastwire"
	"github.com/cachegen/cachegen/runtime/internal/engine"
)

// The typed engine, for the tests that exercise it directly with full keys
// (generated code reaches it through runtime/cacheimpl).
type (
	Store[T any] = engine.Store[T]
	Spec         = engine.Spec
)

const CodecFast = engine.CodecFast

func NewStore[T any](c redis.UniversalClient, spec Spec, opts ...Option) (*Store[T], error) {
	return engine.NewStore[T](c, spec, engineOpts(opts)...)
}

func WithClone[T any](clone func(*T) *T) Option { return Option(engine.WithClone(clone)) }

func TextKey(v encoding.TextMarshaler, special string) string { return engine.TextKey(v, special) }

func FastCodec[T any](encode func(*fastwire.Writer, *T), decode func(*fastwire.Reader, *T)) Codec {
	return engine.FastCodec(encode, decode)
}

// LocalClientID exposes the near cache's tracking connection ID to tests,
// which kill it to prove the tier is cleared. It is 0 unless there is
// exactly one tracker (a single node); see LocalClientIDs for a Cluster.
func LocalClientID[T any](s *Store[T]) int64 { return engine.LocalClientID(s) }

// LocalClientIDs returns the client ID of every tracking connection by node
// address.
func LocalClientIDs[T any](s *Store[T]) map[string]int64 { return engine.LocalClientIDs(s) }

// LocalArmed reports whether the near cache is serving.
func LocalArmed[T any](s *Store[T]) bool { return engine.LocalArmed(s) }

// FenceKey and FenceOf expose the fence naming to tests.
var (
	FenceKey = engine.FenceKey
	FenceOf  = engine.FenceOf
)

// The constants runtime spells out for its documentation are the engine's:
// were one to differ, the map literal would hold the key false twice, which
// does not compile.
var _ = map[bool]int{false: 0,
	CodecMsgpack == engine.CodecMsgpack && CodecJSON == engine.CodecJSON &&
		CodecGob == engine.CodecGob && CodecRickMsgpack == engine.CodecRickMsgpack &&
		CodecPickle == engine.CodecPickle && DefaultMaxValueSize == engine.DefaultMaxValueSize &&
		DefaultLocalMaxAge == engine.DefaultLocalMaxAge && NoExpiry == engine.NoExpiry: 1,
}
