// Package runtime is what cachegen's generated caches call, and a Redis
// cache library in its own right: Go's counterpart of the Python library
// rick's RedisCache and CryptRedisCache, wire-compatible with it.
//
// A RedisCache stores values under prefixed keys through a Codec; a
// CryptRedisCache also encrypts and authenticates them (rick's Fernet256, or
// standard Fernet), with a keyring for rotation. Both wrap any
// redis.UniversalClient — a plain client, a Cluster, a Sentinel failover
// client or a Ring — and never contact Redis in their constructors.
//
// Generated caches (see the README's "Generated API") run on the same
// machinery through package runtime/cacheimpl, which is for generated code
// only: GetMany grouped by hash slot, GetOrLoad with one flight per key (and
// optionally one per fleet), schema-versioned Purge and PurgeBy, an optional
// near cache kept coherent by Redis client-side caching, and fail-open mode.
// Their options, errors, codecs, Stats and Observer are this package's.
//
// Every decoder is bounded and never panics: stored bytes written by anyone
// else give an error matching ErrDecode (ErrInvalidToken for bad tokens).
package runtime
