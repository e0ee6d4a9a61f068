package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime/internal/engine"
)

// RedisCache is rick's RedisCache on go-redis: prefixed keys, values through
// a Codec, TTLs, hit/miss counters. It is safe for concurrent use.
type RedisCache struct{ c *engine.RedisCache }

// NewRedisCache wraps an existing client — plain, Cluster, Sentinel or Ring —
// as rick's backend= does. It never contacts Redis and, as in rick, returns
// no error: a cache built wrongly reports why on every call instead (see
// ErrMisuse) — a nil client, or WithKeys, which asks for encryption that a
// plain cache would silently not do (use NewCryptRedisCache). Other options
// that do not apply to a plain cache are ignored. Close leaves the client
// open: it is the caller's.
func NewRedisCache(c redis.UniversalClient, opts ...Option) *RedisCache {
	return &RedisCache{engine.NewRedisCache(c, engineOpts(opts)...)}
}

// OpenRedisCache builds its own client from a redis://, rediss:// or unix://
// URL (see the README for how rick's host/port/db/password/ssl/timeouts map
// onto it). The client has ContextTimeoutEnabled, so context deadlines bound
// every call, and Close closes it.
func OpenRedisCache(url string, opts ...Option) (*RedisCache, error) {
	c, err := engine.OpenRedisCache(url, engineOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &RedisCache{c}, nil
}

// Get reads key into dst (a non-nil pointer). A missing key is ErrMiss; bytes
// that do not decode are an error matching ErrDecode.
func (c *RedisCache) Get(ctx context.Context, key string, dst any) error {
	return c.c.Get(ctx, key, dst)
}

// Set stores v under key. ttl 0 means no expiry (a plain SET, which also
// clears an earlier TTL, as in rick); a negative ttl, or one that is not a
// whole number of milliseconds, is an error and nothing is written.
func (c *RedisCache) Set(ctx context.Context, key string, v any, ttl time.Duration) error {
	return c.c.Set(ctx, key, v, ttl)
}

// Has reports whether key exists (any Redis type counts, as EXISTS does).
func (c *RedisCache) Has(ctx context.Context, key string) (bool, error) { return c.c.Has(ctx, key) }

// Remove deletes key with UNLINK and reports whether it existed.
func (c *RedisCache) Remove(ctx context.Context, key string) (bool, error) {
	return c.c.Remove(ctx, key)
}

// Purge removes this cache's keys and returns how many there were. With a
// prefix, only keys under it go (SCAN + UNLINK on every master); without
// one it is FLUSHDB, as rick's purge, and returns the key count before the
// flush.
func (c *RedisCache) Purge(ctx context.Context) (int64, error) { return c.c.Purge(ctx) }

// FlushDB empties the whole logical database on every master, whatever the
// prefix.
func (c *RedisCache) FlushDB(ctx context.Context) error { return c.c.FlushDB(ctx) }

// SetPrefix replaces the prefix for every later operation. Existing keys are
// not touched.
func (c *RedisCache) SetPrefix(prefix string) { c.c.SetPrefix(prefix) }

// Prefix returns the current key prefix.
func (c *RedisCache) Prefix() string { return c.c.Prefix() }

// Client returns the go-redis client the cache uses: the very client passed
// to the constructor, or the one OpenRedisCache made.
func (c *RedisCache) Client() redis.UniversalClient { return c.c.Client() }

// Stats returns a snapshot of the counters.
func (c *RedisCache) Stats() Stats { return Stats(c.c.Stats()) }

// Close makes every later operation return ErrClosed. It closes the client
// only when the cache opened it itself (OpenRedisCache): a client passed in
// belongs to the caller. Close is idempotent.
func (c *RedisCache) Close() error { return c.c.Close() }
