package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCache is rick's RedisCache on go-redis: prefixed keys, values through
// a Codec, TTLs, hit/miss counters. It is safe for concurrent use.
type RedisCache struct{ *base }

// NewRedisCache wraps an existing client — plain, Cluster, Sentinel or Ring —
// as rick's backend= does. It never contacts Redis and, as in rick, returns
// no error: a cache built wrongly reports why on every call instead (see
// ErrMisuse) — a nil client, or WithKeys, which asks for encryption that a
// plain cache would silently not do (use NewCryptRedisCache). Other options
// that do not apply to a plain cache are ignored. Close leaves the client
// open: it is the caller's.
func NewRedisCache(c redis.UniversalClient, opts ...Option) *RedisCache {
	cfg := newConfig(opts)
	b := newBase(c, cfg)
	switch {
	case c == nil:
		b.misuse = fmt.Errorf("%w: NewRedisCache got a nil redis client", ErrMisuse)
	case len(cfg.keys) > 0:
		b.misuse = fmt.Errorf("%w: WithKeys on a RedisCache, which does not encrypt: use NewCryptRedisCache, or values would be stored in plaintext", ErrMisuse)
	}
	return &RedisCache{b}
}

// OpenRedisCache builds its own client from a redis://, rediss:// or unix://
// URL (see the README for how rick's host/port/db/password/ssl/timeouts map
// onto it). The client has ContextTimeoutEnabled, so context deadlines bound
// every call, and Close closes it.
func OpenRedisCache(url string, opts ...Option) (*RedisCache, error) {
	c, err := openClient(url)
	if err != nil {
		return nil, err
	}
	rc := NewRedisCache(c, opts...)
	rc.owned = true
	return rc, nil
}

func openClient(url string) (*redis.Client, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cachegen: %w", err)
	}
	o.ContextTimeoutEnabled = true
	return redis.NewClient(o), nil
}

// Get reads key into dst (a non-nil pointer). A missing key is ErrMiss; bytes
// that do not decode are an error matching ErrDecode.
func (c *RedisCache) Get(ctx context.Context, key string, dst any) error {
	return c.get(ctx, key, dst)
}

func (b *base) get(ctx context.Context, key string, dst any) (err error) {
	if b.observer != nil {
		defer func(start time.Time) { b.observe(ctx, "get", start, err) }(time.Now())
	}
	full := b.Prefix() + key
	data, err := b.getRaw(ctx, full)
	if err != nil {
		return err
	}
	return b.decode(full, data, dst)
}

// Set stores v under key. ttl 0 means no expiry (a plain SET, which also
// clears an earlier TTL, as in rick); a negative ttl, or one that is not a
// whole number of milliseconds, is an error and nothing is written.
func (c *RedisCache) Set(ctx context.Context, key string, v any, ttl time.Duration) error {
	return c.set(ctx, key, v, ttl)
}

func (b *base) set(ctx context.Context, key string, v any, ttl time.Duration) (err error) {
	if b.observer != nil {
		defer func(start time.Time) { b.observe(ctx, "set", start, err) }(time.Now())
	}
	full := b.Prefix() + key
	if err := b.check(full); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	data, err := b.seal(v)
	if err != nil {
		return err
	}
	return b.setRaw(ctx, full, data, ttl)
}

// Has reports whether key exists (any Redis type counts, as EXISTS does).
func (c *RedisCache) Has(ctx context.Context, key string) (bool, error) {
	return c.has(ctx, c.Prefix()+key)
}

// Remove deletes key with UNLINK and reports whether it existed.
func (c *RedisCache) Remove(ctx context.Context, key string) (bool, error) {
	return c.remove(ctx, c.Prefix()+key)
}

// Purge removes this cache's keys and returns how many there were. With a
// prefix, only keys under it go (SCAN + UNLINK on every master); without
// one it is FLUSHDB, as rick's purge, and returns the key count before the
// flush.
func (c *RedisCache) Purge(ctx context.Context) (int64, error) { return c.purge(ctx) }

// FlushDB empties the whole logical database on every master, whatever the
// prefix.
func (c *RedisCache) FlushDB(ctx context.Context) error { return c.flushDB(ctx) }

func (b *base) purge(ctx context.Context) (int64, error) {
	if err := b.usable(); err != nil {
		return 0, err
	}
	p := b.Prefix()
	if p == "" {
		n, err := dbSize(ctx, b.client)
		if err != nil {
			return 0, b.writeErr(ctx, err)
		}
		if err := flushAll(ctx, b.client); err != nil {
			return 0, b.writeErr(ctx, err)
		}
		return n, nil
	}
	n, err := scanUnlink(ctx, b.client, p, globEscape(p)+"*", nil)
	if err != nil {
		err = b.writeErr(ctx, err)
	}
	return n, err
}

func (b *base) flushDB(ctx context.Context) error {
	if err := b.usable(); err != nil {
		return err
	}
	if err := flushAll(ctx, b.client); err != nil {
		return b.writeErr(ctx, err)
	}
	return nil
}
