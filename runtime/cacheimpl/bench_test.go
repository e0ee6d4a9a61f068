package cacheimpl_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// BenchmarkPurgeBy: one tenant's 100 values out of 10,000 (100 tenants),
// purged by PurgeBy, beside the same work done by hand with go-redis (SCAN
// MATCH of the group, then one UNLINK) in the same run. The 100 values are
// written back between iterations with the timer stopped.
func BenchmarkPurgeBy(b *testing.B) {
	rdb := redistest.Start(b).Client(b)
	c, err := cacheimpl.New(rdb, orderSpec())
	if err != nil {
		b.Fatal(err)
	}
	vs := make([][]*Order, 100)
	for tn := range vs {
		for id := range 100 {
			vs[tn] = append(vs[tn], &Order{TenantID: fmt.Sprint("t", tn), ID: uint32(id), Owner: &Owner{}})
		}
		if err := c.SetMany(ctx, vs[tn]); err != nil {
			b.Fatal(err)
		}
	}
	refill := func(b *testing.B) {
		b.StopTimer()
		if err := c.SetMany(ctx, vs[7]); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	group := orderGroup("t7")
	b.Run("PurgeBy", func(b *testing.B) {
		for b.Loop() {
			refill(b)
			if n, err := c.PurgeBy(ctx, group); err != nil || n != 100 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			refill(b)
			if n := rawPurge(b, rdb, group+"*"); n != 100 {
				b.Fatal(n)
			}
		}
	})
	// paired: each iteration runs both, in alternating order (ABBA), and
	// reports each one's mean and their ratio, so a load spike on the
	// shared machine hits both sides alike.
	b.Run("paired", func(b *testing.B) {
		var typed, raw time.Duration
		i := 0
		for b.Loop() {
			for _, first := range []bool{i%2 == 0, i%2 != 0} {
				refill(b)
				start := time.Now()
				if first {
					if n, err := c.PurgeBy(ctx, group); err != nil || n != 100 {
						b.Fatal(n, err)
					}
					typed += time.Since(start)
				} else {
					if n := rawPurge(b, rdb, group+"*"); n != 100 {
						b.Fatal(n)
					}
					raw += time.Since(start)
				}
			}
			i++
		}
		b.ReportMetric(float64(typed.Nanoseconds())/float64(i), "purgeby-ns/op")
		b.ReportMetric(float64(raw.Nanoseconds())/float64(i), "raw-ns/op")
		b.ReportMetric(float64(typed)/float64(raw), "purgeby/raw")
	})
}

// rawPurge is what a user of go-redis writes by hand on one node: SCAN the
// glob and UNLINK what it found (no version check, no escaping).
func rawPurge(b *testing.B, rdb *redis.Client, glob string) int64 {
	var keys []string
	var cursor uint64
	for {
		page, next, err := rdb.Scan(ctx, cursor, glob, 1000).Result()
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, page...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	n, err := rdb.Unlink(ctx, keys...).Result()
	if err != nil {
		b.Fatal(err)
	}
	return n
}
