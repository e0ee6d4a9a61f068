package runtime

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/engine"
)

// Cache is the rick cache surface: RedisCache, CryptRedisCache and NullCache
// all satisfy it, so code can take a Cache and run with caching switched off.
type Cache interface {
	Get(ctx context.Context, key string, dst any) error
	Set(ctx context.Context, key string, v any, ttl time.Duration) error
	Has(ctx context.Context, key string) (bool, error)
	Remove(ctx context.Context, key string) (bool, error)
	Purge(ctx context.Context) (int64, error)
	SetPrefix(prefix string)
	Prefix() string
	Stats() Stats
	Close() error
}

var (
	_ Cache = (*RedisCache)(nil)
	_ Cache = (*CryptRedisCache)(nil)
	_ Cache = (*NullCache)(nil)
)

// NullCache is rick's CacheNull: it stores nothing and every Get misses. Use
// it to run code written against Cache with caching off, or as the
// degraded path when Redis is unreachable.
type NullCache struct {
	prefix string
	misses atomic.Uint64
}

// Get always reports ErrMiss (and counts a miss).
func (n *NullCache) Get(context.Context, string, any) error {
	n.misses.Add(1)
	return ErrMiss
}

// Set discards the value.
func (n *NullCache) Set(_ context.Context, _ string, _ any, ttl time.Duration) error {
	return engine.CheckTTL(ttl)
}

// Has is always false.
func (n *NullCache) Has(context.Context, string) (bool, error) { return false, nil }

// Remove is always false: nothing existed.
func (n *NullCache) Remove(context.Context, string) (bool, error) { return false, nil }

// Purge removes nothing.
func (n *NullCache) Purge(context.Context) (int64, error) { return 0, nil }

// SetPrefix records the prefix; it has no effect.
func (n *NullCache) SetPrefix(p string) { n.prefix = p }

// Prefix returns the recorded prefix.
func (n *NullCache) Prefix() string { return n.prefix }

// Stats counts the misses.
func (n *NullCache) Stats() Stats { return Stats{Misses: n.misses.Load()} }

// Close does nothing.
func (n *NullCache) Close() error { return nil }
