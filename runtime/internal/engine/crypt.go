package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime/internal/codec"
	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

// needsCrypt reports a codec that decodes only authenticated values: gob,
// because encoding/gob is not hardened against hostile bytes (see
// SECURITY.md). A cache with such a codec must encrypt: generated caches and
// NewStore refuse it without crypt, and a plain RedisCache (whose
// constructor cannot fail) refuses every Set and Get with errNeedsCrypt.
func needsCrypt(c Codec) bool { return codec.NeedsAuthentication(c) }

func errNeedsCrypt(c Codec) error {
	return fmt.Errorf("cachegen: codec %s reads only authenticated values (encoding/gob is not hardened against hostile input): use it with crypt (WithKeys / a crypt annotation)", c.Name())
}

// unmarshal decodes a stored value's plaintext: authenticated when the
// cache encrypts (the token's MAC was verified), so gob may read it.
func (b *base) unmarshal(data []byte, dst any) error {
	if b.cipher != nil {
		return codec.UnmarshalAuthenticated(b.codec, data, dst)
	}
	return b.codec.Unmarshal(data, dst)
}

// CryptRedisCache is rick's CryptRedisCache: a RedisCache whose values are
// encrypted and authenticated (Fernet256 by default, standard Fernet with
// WithStandardFernet). Unlike rick it keeps a keyring: the first key
// encrypts, every key decrypts.
type CryptRedisCache struct {
	*base
	ring *fernet.Multi
}

// Fernet256 is rick's Fernet256 cipher (version 0x81, 64-byte key).
type Fernet256 = fernet.Fernet256

// NewFernet256 makes a Fernet256 from a raw 64-byte key.
func NewFernet256(key []byte) (*Fernet256, error) { return fernet.New256(key) }

// NewCryptRedisCache wraps a client as an encrypting cache. The keys come
// from WithKeys: no key, or a key that is not exactly 64 bytes (UTF-8 bytes,
// as rick counts them), is an error. It never contacts Redis.
func NewCryptRedisCache(c redis.UniversalClient, opts ...Option) (*CryptRedisCache, error) {
	if c == nil {
		return nil, errors.New("cachegen: NewCryptRedisCache: nil redis client")
	}
	cfg := newConfig(opts)
	ring, err := newKeyring(cfg.keys, cfg.standard)
	if err != nil {
		return nil, err
	}
	b := newBase(c, cfg)
	b.cipher = ring
	return &CryptRedisCache{base: b, ring: ring}, nil
}

// newKeyring validates keys with rick's rules and messages (in lower case,
// as Go errors are) and never puts a key into an error.
func newKeyring(keys []string, standard bool) (*fernet.Multi, error) {
	if len(keys) == 0 {
		return nil, errors.New("cachegen: empty fernet encryption key: WithKeys needs at least one key")
	}
	ciphers := make([]fernet.Cipher, 0, len(keys))
	for i, k := range keys {
		if standard {
			f, err := fernet.NewStandard(k)
			if err != nil {
				return nil, fmt.Errorf("cachegen: key %d: standard fernet key must be 32 bytes in url-safe base64 (%d characters given)", i+1, utf8.RuneCountInString(k))
			}
			ciphers = append(ciphers, f)
			continue
		}
		if len(k) != 64 {
			if looksStandard(k) {
				return nil, fmt.Errorf("cachegen: cryptredis: key must be a 64 byte string (key %d has %d bytes); it looks like a standard Fernet key (Python cryptography.Fernet): pass WithStandardFernet to use one", i+1, len(k))
			}
			return nil, fmt.Errorf("cachegen: cryptredis: key must be a 64 byte string (key %d has %d bytes)", i+1, len(k))
		}
		f, err := fernet.New256([]byte(k))
		if err != nil {
			return nil, fmt.Errorf("cachegen: key %d: %w", i+1, err)
		}
		ciphers = append(ciphers, f)
	}
	return fernet.NewMulti(ciphers...)
}

// looksStandard reports whether k has the form of a standard Fernet key:
// 44 characters of url-safe base64 encoding 32 bytes.
func looksStandard(k string) bool {
	if len(k) != 44 {
		return false
	}
	b, err := base64.URLEncoding.DecodeString(k)
	return err == nil && len(b) == 32
}

// GenerateKey returns a new random 64-byte Fernet256 key as a string usable
// with WithKeys (and with rick's CryptRedisCache(key=...)): 64 url-safe
// base64 characters, i.e. 384 random bits.
func GenerateKey() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(48))
}

// Get reads and decrypts key into dst. A value that fails authentication
// matches both ErrInvalidToken and ErrDecode.
func (c *CryptRedisCache) Get(ctx context.Context, key string, dst any) error {
	return c.get(ctx, key, dst)
}

// Set encrypts v and stores it under key. Storing nil is an error, as in
// rick (which raises and writes nothing). ttl as RedisCache.Set.
func (c *CryptRedisCache) Set(ctx context.Context, key string, v any, ttl time.Duration) error {
	if v == nil {
		return errors.New("cachegen: crypt cache cannot store nil")
	}
	return c.set(ctx, key, v, ttl)
}

// Has reports whether key exists.
func (c *CryptRedisCache) Has(ctx context.Context, key string) (bool, error) {
	return c.has(ctx, c.Prefix()+key)
}

// Remove deletes key with UNLINK and reports whether it existed.
func (c *CryptRedisCache) Remove(ctx context.Context, key string) (bool, error) {
	return c.remove(ctx, c.Prefix()+key)
}

// Purge is RedisCache.Purge.
func (c *CryptRedisCache) Purge(ctx context.Context) (int64, error) { return c.purge(ctx) }

// FlushDB is RedisCache.FlushDB.
func (c *CryptRedisCache) FlushDB(ctx context.Context) error { return c.flushDB(ctx) }

// Rotate re-encrypts the value stored under key with the first key of the
// ring, keeping its remaining TTL (and, for Fernet256, the token's original
// timestamp, as rick's MultiFernet256.rotate). It reports false when the key
// does not exist. The write is a compare-and-set, so a concurrent Set wins.
func (c *CryptRedisCache) Rotate(ctx context.Context, key string) (bool, error) {
	full := c.Prefix() + key
	if err := c.check(full); err != nil {
		return false, err
	}
	old, err := c.client.Get(ctx, full).Result()
	if err == redis.Nil {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	tok, err := c.ring.Rotate([]byte(old))
	if err != nil {
		return false, decodeErr(full, err)
	}
	n, err := rotateScript.Run(ctx, c.client, []string{full}, old, tok).Int()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// rotateScript swaps a value only if it is still the one that was read, and
// keeps its TTL.
var rotateScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0`)
