package patterns

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// RateLimiter allows at most Limit requests per Window for each caller, in
// fixed windows that start with a caller's first request. It talks to
// Redis directly, through a cache's Client(): cachegen's caches are for
// values; counters are plain Redis commands.
type RateLimiter struct {
	rdb    redis.UniversalClient
	prefix string
	limit  int64
	window time.Duration
}

// NewRateLimiter counts under keys prefix+caller.
func NewRateLimiter(rdb redis.UniversalClient, prefix string, limit int64, window time.Duration) *RateLimiter {
	return &RateLimiter{rdb: rdb, prefix: prefix, limit: limit, window: window}
}

// Allow counts one request by caller and reports whether it is within the
// limit, and how many requests the window has left.
//
// INCR and EXPIRE run in one MULTI/EXEC transaction, so a counter can never
// be left without its expiry. EXPIRE ... NX (Redis 7) sets the expiry only
// on the window's first request, so later requests do not extend it.
func (l *RateLimiter) Allow(ctx context.Context, caller string) (ok bool, remaining int64, err error) {
	key := l.prefix + caller
	var count *redis.IntCmd
	_, err = l.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		count = tx.Incr(ctx, key)
		tx.ExpireNX(ctx, key, l.window)
		return nil
	})
	if err != nil {
		return false, 0, err
	}
	n := count.Val()
	return n <= l.limit, max(l.limit-n, 0), nil
}
