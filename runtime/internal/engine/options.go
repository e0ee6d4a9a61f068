package engine

import (
	"log/slog"
	"time"
)

// DefaultMaxValueSize bounds what a Get will decode (and a Set will write):
// a larger stored value is an error, read but never decoded.
const DefaultMaxValueSize = 64 << 20

// Option configures a cache; options that do not apply to a kind of cache
// (WithLocal on a RedisCache) are ignored by it — except WithKeys, which on
// a cache that does not encrypt is an error (see NewRedisCache).
type Option func(*config)

type config struct {
	prefix       string
	codec        Codec
	keys         []string
	ttl          time.Duration
	ttlSet       bool
	standard     bool
	maxValueSize int
	failOpen     *slog.Logger
	negativeTTL  time.Duration
	lockTTL      time.Duration
	refresh      time.Duration
	refreshSet   bool
	local        int
	localSet     bool
	localMaxAge  time.Duration
	jitter       int
	jitterSet    bool
	clone        any
	observer     Observer
	name         string
}

func newConfig(opts []Option) *config {
	c := &config{maxValueSize: DefaultMaxValueSize}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// WithPrefix puts prefix in front of every key, exactly as given (rick adds
// no separator either).
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithCodec sets the value codec, overriding the default (msgpack) or the
// annotation's codec= choice.
func WithCodec(codec Codec) Option { return func(c *config) { c.codec = codec } }

// WithKeys sets the crypt keyring. For rick's Fernet256 each key is a string
// of exactly 64 bytes, used as raw key bytes; with WithStandardFernet each is
// a 32-byte key in url-safe base64. On a cache without encryption (a plain
// RedisCache, a generated cache without crypt) it is an error rather than
// ignored, since values would be stored in plaintext. The first key encrypts; every key
// decrypts, so keys rotate without downtime: put the new key first.
func WithKeys(keys ...string) Option {
	return func(c *config) { c.keys = append([]string(nil), keys...) }
}

// WithTTL sets the default expiry used by typed caches' Set, overriding the
// annotation's ttl=. 0 means no expiry.
func WithTTL(ttl time.Duration) Option {
	return func(c *config) { c.ttl, c.ttlSet = ttl, true }
}

// WithStandardFernet makes a crypt cache use standard Fernet (version 0x80,
// AES-128) as Python's cryptography.Fernet does, instead of rick's Fernet256.
func WithStandardFernet() Option { return func(c *config) { c.standard = true } }

// WithMaxValueSize bounds the size of a stored value in bytes (default
// DefaultMaxValueSize). n <= 0 restores the default.
func WithMaxValueSize(n int) Option {
	return func(c *config) {
		if n <= 0 {
			n = DefaultMaxValueSize
		}
		c.maxValueSize = n
	}
}

// WithFailOpen turns Redis errors on reads into misses for the caller (still
// counted in Stats.Errors, logged once per burst). It is for reads only:
// Set, SetMany, Remove and the purges return their Redis errors (and count
// them), because a write or an invalidation lost in silence serves stale
// data later. The caller's own cancellation or deadline is not an outage:
// it is returned as ctx.Err(), neither counted nor logged. Decode errors are
// never hidden. A nil logger uses slog.Default(). The default is fail-fast.
func WithFailOpen(logger *slog.Logger) Option {
	return func(c *config) {
		if logger == nil {
			logger = slog.Default()
		}
		c.failOpen = logger
	}
}

// WithNegativeTTL caches a loader's ErrNotFound for ttl, so GetOrLoad does
// not call the loader again for a known-absent key until it expires. As for
// WithTTL, a negative ttl or one that is not a whole number of milliseconds
// is a construction error; 0 turns negative caching off. On a crypt cache
// the cached not-found is encrypted and bound to its key like a value.
func WithNegativeTTL(ttl time.Duration) Option { return func(c *config) { c.negativeTTL = ttl } }

// WithLock makes GetOrLoad take a Redis lock (SET NX PX with a random token)
// before loading, so one loader runs across all processes sharing the cache.
// ttl bounds how long a crashed holder can block others; 0 turns the lock
// off, and like WithTTL a negative ttl or one that is not a whole number of
// milliseconds is a construction error.
func WithLock(ttl time.Duration) Option { return func(c *config) { c.lockTTL = ttl } }

// WithJitter spreads default TTLs by up to ±pct percent so keys written
// together do not expire together. It overrides the annotation's jitter=.
func WithJitter(pct int) Option { return func(c *config) { c.jitter, c.jitterSet = pct, true } }
