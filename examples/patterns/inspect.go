package patterns

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// KeyInfo is what Redis knows about one key: where to look first when a
// cache does not behave (is the value there? when does it expire? how big
// is it?).
type KeyInfo struct {
	Key      string
	Type     string        // "string" for every cachegen value; "none" when absent
	TTL      time.Duration // time left; runtime.NoExpiry when none; 0 when absent
	Size     int64         // STRLEN: bytes stored (after encoding and encryption)
	Encoding string        // OBJECT ENCODING: "raw", "embstr" or "int"; "" if unsupported
	Memory   int64         // MEMORY USAGE: bytes Redis spends on it; 0 if unsupported
	Idle     time.Duration // OBJECT IDLETIME: time since last access
}

// Inspect reports on key, e.g. users.Key(42). The OBJECT and MEMORY
// commands are optional: servers (or proxies) that lack them leave those
// fields empty.
func Inspect(ctx context.Context, rdb redis.UniversalClient, key string) (KeyInfo, error) {
	info := KeyInfo{Key: key}
	var err error
	if info.Type, err = rdb.Type(ctx, key).Result(); err != nil || info.Type == "none" {
		return info, err
	}
	ttl, err := rdb.PTTL(ctx, key).Result()
	if err != nil {
		return info, err
	}
	if ttl < 0 {
		ttl = runtime.NoExpiry
	}
	info.TTL = ttl
	if info.Type == "string" {
		if info.Size, err = rdb.StrLen(ctx, key).Result(); err != nil {
			return info, err
		}
	}
	info.Encoding, _ = rdb.ObjectEncoding(ctx, key).Result()
	info.Memory, _ = rdb.MemoryUsage(ctx, key).Result()
	info.Idle, _ = rdb.ObjectIdleTime(ctx, key).Result()
	return info, nil
}

// Keys lists up to limit keys matching a SCAN glob such as "user:*",
// without blocking Redis as KEYS would; on a Cluster it scans every master.
func Keys(ctx context.Context, rdb redis.UniversalClient, match string, limit int) ([]string, error) {
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, match, 100).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			full := len(keys) >= limit
			if !full {
				keys = append(keys, iter.Val())
			}
			mu.Unlock()
			if full {
				break
			}
		}
		return iter.Err()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
		return keys, err
	}
	return keys, scan(ctx, rdb)
}
