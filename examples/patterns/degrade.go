package patterns

import (
	"context"
	"log/slog"

	"github.com/cachegen/cachegen/runtime"
)

// OpenOrNull opens the cache at url, or, when Redis cannot be reached now,
// returns a runtime.NullCache — rick's CacheNull: every Get misses, every
// Set is dropped — so code written against runtime.Cache keeps working,
// only slower. (Typed caches degrade per call instead: runtime.WithFailOpen.)
func OpenOrNull(ctx context.Context, url string, log *slog.Logger, opts ...runtime.Option) runtime.Cache {
	c, err := runtime.OpenRedisCache(url, opts...)
	if err == nil {
		err = c.Client().Ping(ctx).Err()
		if err == nil {
			return c
		}
		_ = c.Close()
	}
	log.Warn("Redis unreachable: running without a cache", "err", err)
	return &runtime.NullCache{}
}
