package runtime

import (
	"context"
	"log/slog"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/engine"
)

// DefaultMaxValueSize bounds what a Get will decode (and a Set will write):
// a larger stored value is an error, read but never decoded.
const DefaultMaxValueSize = 64 << 20

// DefaultLocalMaxAge is the lease of a near-cache entry: the longest a value
// can be served locally without Redis having been asked again. It bounds
// staleness in the window before a dropped invalidation connection is noticed.
const DefaultLocalMaxAge = 2 * time.Second

// Option configures a cache; options that do not apply to a kind of cache
// (WithLocal on a RedisCache) are ignored by it — except WithKeys, which on
// a cache that does not encrypt is an error (see NewRedisCache).
type Option func(*config)

// config is the engine's: an Option converts to the engine's option type.
type config = engine.Config

// engineOpts converts options for the engine.
func engineOpts(opts []Option) []engine.Option {
	out := make([]engine.Option, len(opts))
	for i, o := range opts {
		out[i] = engine.Option(o)
	}
	return out
}

// WithPrefix puts prefix in front of every key, exactly as given (rick adds
// no separator either).
func WithPrefix(prefix string) Option { return Option(engine.WithPrefix(prefix)) }

// WithCodec sets the value codec, overriding the default (msgpack) or the
// annotation's codec= choice.
func WithCodec(codec Codec) Option { return Option(engine.WithCodec(codec)) }

// WithKeys sets the crypt keyring. For rick's Fernet256 each key is a string
// of exactly 64 bytes, used as raw key bytes; with WithStandardFernet each is
// a 32-byte key in url-safe base64. On a cache without encryption (a plain
// RedisCache, a generated cache without crypt) it is an error rather than
// ignored, since values would be stored in plaintext. The first key
// encrypts; every key decrypts, so keys rotate without downtime: put the new
// key first.
func WithKeys(keys ...string) Option { return Option(engine.WithKeys(keys...)) }

// WithTTL sets the default expiry used by typed caches' Set, overriding the
// annotation's ttl=. 0 means no expiry.
func WithTTL(ttl time.Duration) Option { return Option(engine.WithTTL(ttl)) }

// WithStandardFernet makes a crypt cache use standard Fernet (version 0x80,
// AES-128) as Python's cryptography.Fernet does, instead of rick's Fernet256.
func WithStandardFernet() Option { return Option(engine.WithStandardFernet()) }

// WithMaxValueSize bounds the size of a stored value in bytes (default
// DefaultMaxValueSize). n <= 0 restores the default.
func WithMaxValueSize(n int) Option { return Option(engine.WithMaxValueSize(n)) }

// WithFailOpen turns Redis errors on reads into misses for the caller (still
// counted in Stats.Errors, logged once per burst). It is for reads only:
// Set, SetMany, Remove and the purges return their Redis errors (and count
// them), because a write or an invalidation lost in silence serves stale
// data later. The caller's own cancellation or deadline is not an outage:
// it is returned as ctx.Err(), neither counted nor logged. Decode errors are
// never hidden. A nil logger uses slog.Default(). The default is fail-fast.
func WithFailOpen(logger *slog.Logger) Option { return Option(engine.WithFailOpen(logger)) }

// WithNegativeTTL caches a loader's ErrNotFound for ttl, so GetOrLoad does
// not call the loader again for a known-absent key until it expires. As for
// WithTTL, a negative ttl or one that is not a whole number of milliseconds
// is a construction error; 0 turns negative caching off. On a crypt cache
// the cached not-found is encrypted and bound to its key like a value.
func WithNegativeTTL(ttl time.Duration) Option { return Option(engine.WithNegativeTTL(ttl)) }

// WithLock makes GetOrLoad take a Redis lock (SET NX PX with a random token)
// before loading, so one loader runs across all processes sharing the cache.
// ttl bounds how long a crashed holder can block others; 0 turns the lock
// off, and like WithTTL a negative ttl or one that is not a whole number of
// milliseconds is a construction error.
func WithLock(ttl time.Duration) Option { return Option(engine.WithLock(ttl)) }

// WithJitter spreads default TTLs by up to ±pct percent so keys written
// together do not expire together. It overrides the annotation's jitter=.
func WithJitter(pct int) Option { return Option(engine.WithJitter(pct)) }

// WithLocal turns on the near cache with room for size decoded values, and
// overrides the annotation's local=. 0 turns it off.
func WithLocal(size int) Option { return Option(engine.WithLocal(size)) }

// WithLocalMaxAge sets the near-cache lease (default DefaultLocalMaxAge).
func WithLocalMaxAge(d time.Duration) Option { return Option(engine.WithLocalMaxAge(d)) }

// WithName names a runtime cache in Events (typed caches use their type name).
func WithName(name string) Option { return Option(engine.WithName(name)) }

// WithRefresh turns on refresh-ahead for GetOrLoad, overriding the
// annotation's refresh=: a value whose remaining TTL is at most the cache's
// default TTL minus d is returned at once and reloaded in the background,
// so hot keys never miss and callers never wait for the source. One reload
// runs per key across the fleet and at most one per key per d, whatever
// TTL the value carries. Get never reloads. d must be a positive whole
// number of milliseconds under the default TTL; 0 turns refresh off.
func WithRefresh(d time.Duration) Option { return Option(engine.WithRefresh(d)) }

// OverrideTTL, called inside a loader given to GetOrLoad or GetManyOrLoad,
// stores what that load returns with ttl instead of the cache's default
// (NoExpiry or 0 for none); jitter does not apply to it. An invalid ttl
// (negative, or not a whole number of milliseconds) fails the load as if
// the loader had returned the error. Outside a loader it does nothing.
func OverrideTTL(ctx context.Context, ttl time.Duration) { engine.OverrideTTL(ctx, ttl) }
