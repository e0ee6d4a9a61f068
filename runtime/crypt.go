package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime/internal/engine"
	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

// CryptRedisCache is rick's CryptRedisCache: a RedisCache whose values are
// encrypted and authenticated (Fernet256 by default, standard Fernet with
// WithStandardFernet). Unlike rick it keeps a keyring: the first key
// encrypts, every key decrypts.
type CryptRedisCache struct{ c *engine.CryptRedisCache }

// Fernet256 is rick's Fernet256 cipher (version 0x81, 64-byte key).
type Fernet256 = fernet.Fernet256

// NewFernet256 makes a Fernet256 from a raw 64-byte key.
func NewFernet256(key []byte) (*Fernet256, error) { return engine.NewFernet256(key) }

// GenerateKey returns a new random 64-byte Fernet256 key as a string usable
// with WithKeys (and with rick's CryptRedisCache(key=...)): 64 url-safe
// base64 characters, i.e. 384 random bits.
func GenerateKey() string { return engine.GenerateKey() }

// NewCryptRedisCache wraps a client as an encrypting cache. The keys come
// from WithKeys: no key, or a key that is not exactly 64 bytes (UTF-8 bytes,
// as rick counts them), is an error, as is a nil client. It never contacts
// Redis.
func NewCryptRedisCache(c redis.UniversalClient, opts ...Option) (*CryptRedisCache, error) {
	cc, err := engine.NewCryptRedisCache(c, engineOpts(opts)...)
	if err != nil {
		return nil, err
	}
	return &CryptRedisCache{cc}, nil
}

// Get reads and decrypts key into dst. A value that fails authentication
// matches both ErrInvalidToken and ErrDecode.
func (c *CryptRedisCache) Get(ctx context.Context, key string, dst any) error {
	return c.c.Get(ctx, key, dst)
}

// Set encrypts v and stores it under key. Storing nil is an error, as in
// rick (which raises and writes nothing). ttl as RedisCache.Set.
func (c *CryptRedisCache) Set(ctx context.Context, key string, v any, ttl time.Duration) error {
	return c.c.Set(ctx, key, v, ttl)
}

// Has reports whether key exists.
func (c *CryptRedisCache) Has(ctx context.Context, key string) (bool, error) {
	return c.c.Has(ctx, key)
}

// Remove deletes key with UNLINK and reports whether it existed.
func (c *CryptRedisCache) Remove(ctx context.Context, key string) (bool, error) {
	return c.c.Remove(ctx, key)
}

// Purge is RedisCache.Purge.
func (c *CryptRedisCache) Purge(ctx context.Context) (int64, error) { return c.c.Purge(ctx) }

// FlushDB is RedisCache.FlushDB.
func (c *CryptRedisCache) FlushDB(ctx context.Context) error { return c.c.FlushDB(ctx) }

// Rotate re-encrypts the value stored under key with the first key of the
// ring, keeping its remaining TTL (and, for Fernet256, the token's original
// timestamp, as rick's MultiFernet256.rotate). It reports false when the key
// does not exist. The write is a compare-and-set, so a concurrent Set wins.
func (c *CryptRedisCache) Rotate(ctx context.Context, key string) (bool, error) {
	return c.c.Rotate(ctx, key)
}

// SetPrefix is RedisCache.SetPrefix.
func (c *CryptRedisCache) SetPrefix(prefix string) { c.c.SetPrefix(prefix) }

// Prefix returns the current key prefix.
func (c *CryptRedisCache) Prefix() string { return c.c.Prefix() }

// Client is RedisCache.Client.
func (c *CryptRedisCache) Client() redis.UniversalClient { return c.c.Client() }

// Stats returns a snapshot of the counters.
func (c *CryptRedisCache) Stats() Stats { return Stats(c.c.Stats()) }

// Close is RedisCache.Close.
func (c *CryptRedisCache) Close() error { return c.c.Close() }
