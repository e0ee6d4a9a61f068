package cacheimpl

import (
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/internal/engine"
)

// Store is the engine under a Cache, addressed by full Redis keys the
// caller builds: for benchmarks and integrations outside this module's
// runtime package that measure or wrap the engine itself (bench/,
// otelcache's tests). Generated code uses Cache. Its methods are the
// engine's; Stats returns runtime.Stats.
type Store[T any] struct{ *engine.Store[T] }

// StoreSpec describes a Store: the non-function fields of Spec.
type StoreSpec = engine.Spec

// NewStore makes a Store; as New, it validates and never contacts Redis.
func NewStore[T any](c redis.UniversalClient, spec StoreSpec, opts ...runtime.Option) (*Store[T], error) {
	eopts := make([]engine.Option, len(opts))
	for i, o := range opts {
		eopts[i] = engine.Option(o)
	}
	s, err := engine.NewStore[T](c, spec, eopts...)
	if err != nil {
		return nil, err
	}
	return &Store[T]{s}, nil
}

// Stats returns a snapshot of the counters.
func (s *Store[T]) Stats() runtime.Stats { return runtime.Stats(s.Store.Stats()) }

// WithClone gives a Store a deep copy of T for its near cache (a Spec
// carries it as Clone).
func WithClone[T any](clone func(*T) *T) runtime.Option {
	return runtime.Option(engine.WithClone(clone))
}
