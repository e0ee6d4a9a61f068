// Package otelcache records cachegen cache operations as OpenTelemetry
// metrics. It lives in its own module, github.com/cachegen/cachegen/otelcache,
// so that cachegen itself does not depend on OpenTelemetry.
//
// An Observer implements runtime.Observer; give it to a cache with
// runtime.WithObserver:
//
//	obs, err := otelcache.New(provider.Meter(otelcache.ScopeName))
//	if err != nil { ... }
//	users, err := NewUserCache(rdb, runtime.WithObserver(obs))
//
// For a plain runtime.RedisCache, also name it with runtime.WithName, since
// the name is what cache.name reports (generated caches use their type
// name).
//
// # Instruments
//
//	cachegen.hits                Int64Counter      {key}  values found and decoded
//	cachegen.misses              Int64Counter      {key}  keys absent
//	cachegen.errors              Int64Counter      {key}  decode failures, failed commands
//	cachegen.operation.duration  Float64Histogram  s      one record per operation
//
// Every measurement carries cache.name and cache.operation ("get", "set",
// "remove", "get_many", "set_many", "get_or_load", "get_many_or_load"; and
// "fence" and "refresh" for a load's failed fence and a failed background
// reload, with a zero duration). The errors counter, and
// the duration of an operation that failed, also carry error.type, one of a
// fixed set: "invalid_token", "decode", "closed", "canceled", "timeout",
// "redis" or "other". The error's text is never recorded, so the number of
// series stays bounded by the number of caches and operations. A miss and a
// loader's runtime.ErrNotFound are not failures.
//
// Attribute sets are built once per (cache, operation) and reused, so
// Observe allocates no attributes of its own. WithAttributes adds constant
// attributes to every measurement.
//
// # Redis client metrics and traces
//
// Observer measures cache operations as the caller sees them. For
// go-redis' own view — per-command spans, connection-pool metrics — also
// instrument the client with github.com/redis/go-redis/extra/redisotel/v9
// (redisotel.InstrumentTracing and redisotel.InstrumentMetrics); the two
// complement each other. See README.md.
package otelcache
