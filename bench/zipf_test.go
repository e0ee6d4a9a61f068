package bench

// Hit ratio, not only hit time: a Zipf-distributed read workload (s = 1.0,
// 100k keys, a few writes by another client) against near caches of 10k
// entries.
//
//	BenchmarkZipf/impl=cachegen        the near cache end to end (Store over
//	                                   redis-server, coherent: each write
//	                                   evicts the reader's copy)
//	BenchmarkZipf/impl=go-redis-cache  go-redis/cache with its local
//	                                   NewTinyLFU; its local tier is not
//	                                   coherent, so writes do not evict and
//	                                   its hits include stale values
//	BenchmarkZipfPolicy/policy=...     policy libraries alone, in process,
//	                                   on the same key stream (writes
//	                                   delete the key): otter v2's and
//	                                   theine's W-TinyLFU, go-redis/cache's
//	                                   TinyLFU, and the near cache's former
//	                                   random eviction (its S3-FIFO is
//	                                   measured end to end above)
//
// Each reports hit-ratio (hits / reads); run with -benchtime 1x (one
// workload per run; the fixed seed gives every impl the same stream).

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/Yiling-J/theine-go"
	"github.com/go-redis/cache/v9"
	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

const (
	zipfKeys   = 100_000
	zipfLocal  = 10_000
	zipfOps    = 300_000 // reads and writes, after as many to warm up
	zipfWrites = 100     // one write every zipfWrites operations
)

// zipfStream returns the ranks of n operations with P(rank i) ∝ 1/(i+1)^s,
// from a fixed seed.
func zipfStream(n, keys int, s float64) []int {
	cdf := make([]float64, keys)
	sum := 0.0
	for i := range cdf {
		sum += 1 / math.Pow(float64(i+1), s)
		cdf[i] = sum
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]int, n)
	for i := range out {
		out[i], _ = slices.BinarySearch(cdf, r.Float64()*sum)
	}
	return out
}

var zipfOrder = zipfStream(2*zipfOps, zipfKeys, 1.0)

func zipfKey(rank int) string { return mkKey("zipf", strconv.Itoa(rank)) }

// zipfRun replays the stream: warm-up, then zipfOps operations of which
// every zipfWrites-th is a write; it returns the hit ratio of the reads
// after warm-up, as counted by hits() before and after.
func zipfRun(b *testing.B, read func(rank int), write func(rank int), hits func() uint64) float64 {
	var reads, before uint64
	for i, rank := range zipfOrder {
		if i == zipfOps {
			before = hits()
			reads = 0
		}
		if i%zipfWrites == zipfWrites-1 {
			write(rank)
			continue
		}
		read(rank)
		reads++
	}
	return float64(hits()-before) / float64(reads)
}

func zipfFill(b *testing.B, rdb *redis.Client) {
	data, err := codec(b).Marshal(&value)
	check(b, err)
	for lo := 0; lo < zipfKeys; lo += 1000 {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := lo; i < lo+1000; i++ {
				p.Set(ctx, zipfKey(i), data, 0)
			}
			return nil
		})
		check(b, err)
	}
}

// countingLocal counts go-redis/cache's local hits.
type countingLocal struct {
	*cache.TinyLFU
	hits uint64
}

func (c *countingLocal) Get(key string) ([]byte, bool) {
	b, ok := c.TinyLFU.Get(key)
	if ok {
		c.hits++
	}
	return b, ok
}

func BenchmarkZipf(b *testing.B) {
	b.Run("impl=cachegen", func(b *testing.B) {
		rdb := client(b)
		zipfFill(b, rdb)
		r, err := cacheimpl.NewStore[User](rdb, spec, runtime.WithLocal(zipfLocal), runtime.WithLocalMaxAge(time.Hour), cacheimpl.WithClone(cloneUser))
		check(b, err)
		defer r.Close()
		w, err := cacheimpl.NewStore[User](client(b), spec)
		check(b, err)
		for deadline := time.Now().Add(10 * time.Second); r.Stats().LocalHits == 0; time.Sleep(time.Millisecond) {
			_, err := r.Get(ctx, zipfKey(0)) // until the near cache serves
			check(b, err)
			if time.Now().After(deadline) {
				b.Fatal("near cache never served a hit")
			}
		}
		for b.Loop() {
			ratio := zipfRun(b, func(rank int) {
				_, err := r.Get(ctx, zipfKey(rank))
				check(b, err)
			}, func(rank int) {
				check(b, w.Set(ctx, zipfKey(rank), &value, 0))
			}, func() uint64 { return r.Stats().LocalHits })
			b.ReportMetric(ratio, "hit-ratio")
		}
	})
	b.Run("impl=go-redis-cache", func(b *testing.B) {
		rdb := client(b)
		zipfFill(b, rdb)
		local := &countingLocal{TinyLFU: cache.NewTinyLFU(zipfLocal, time.Hour)}
		r := cache.New(&cache.Options{Redis: rdb, LocalCache: local})
		w := cache.New(&cache.Options{Redis: client(b)})
		// go-redis/cache's own format: rewrite the keys through it.
		for i := range zipfKeys {
			check(b, w.Set(&cache.Item{Ctx: ctx, Key: zipfKey(i), Value: &value}))
		}
		for b.Loop() {
			ratio := zipfRun(b, func(rank int) {
				var u User
				check(b, r.Get(ctx, zipfKey(rank), &u))
			}, func(rank int) {
				check(b, w.Set(&cache.Item{Ctx: ctx, Key: zipfKey(rank), Value: &value}))
			}, func() uint64 { return local.hits })
			b.ReportMetric(ratio, "hit-ratio")
		}
	})
}

// policy is a bounded in-process cache under test: get reports a hit,
// set stores after a miss, del is a write's invalidation.
type policy struct {
	get func(key string) bool
	set func(key string)
	del func(key string)
}

// randomEviction is the near cache's former bound: evict an arbitrary entry
// (a map's iteration order) when full.
func randomEviction(size int) policy {
	m := make(map[string]struct{}, size)
	return policy{
		get: func(k string) bool { _, ok := m[k]; return ok },
		set: func(k string) {
			if len(m) >= size {
				for victim := range m {
					delete(m, victim)
					break
				}
			}
			m[k] = struct{}{}
		},
		del: func(k string) { delete(m, k) },
	}
}

func BenchmarkZipfPolicy(b *testing.B) {
	keys := make([]string, zipfKeys)
	for i := range keys {
		keys[i] = zipfKey(i)
	}
	run := func(b *testing.B, p policy) {
		for b.Loop() {
			var hits uint64
			ratio := zipfRun(b, func(rank int) {
				if p.get(keys[rank]) {
					hits++
				} else {
					p.set(keys[rank])
				}
			}, func(rank int) { p.del(keys[rank]) }, func() uint64 { return hits })
			b.ReportMetric(ratio, "hit-ratio")
		}
	}
	b.Run("policy=otter-w-tinylfu", func(b *testing.B) {
		c := otter.Must(&otter.Options[string, struct{}]{MaximumSize: zipfLocal})
		run(b, policy{
			get: func(k string) bool { _, ok := c.GetIfPresent(k); return ok },
			set: func(k string) { c.Set(k, struct{}{}) },
			del: func(k string) { c.Invalidate(k) },
		})
	})
	b.Run("policy=theine-w-tinylfu", func(b *testing.B) {
		c, err := theine.NewBuilder[string, struct{}](zipfLocal).Build()
		check(b, err)
		run(b, policy{
			get: func(k string) bool { _, ok := c.Get(k); return ok },
			set: func(k string) { c.Set(k, struct{}{}, 1) },
			del: func(k string) { c.Delete(k) },
		})
	})
	b.Run("policy=go-redis-cache-tinylfu", func(b *testing.B) {
		c := cache.NewTinyLFU(zipfLocal, time.Hour)
		data := []byte("x")
		run(b, policy{
			get: func(k string) bool { _, ok := c.Get(k); return ok },
			set: func(k string) { c.Set(k, data) },
			del: c.Del,
		})
	})
	b.Run("policy=random-eviction", func(b *testing.B) {
		run(b, randomEviction(zipfLocal))
	})
}
