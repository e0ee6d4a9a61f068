package bench

// The near cache beside rueidis' client-side cache (github.com/redis/rueidis,
// RESP3 tracking, values kept as undecoded replies), on one server and on a
// 3-master cluster, in the same run:
//
//	BenchmarkNearHit      a hot key on one server: cachegen's near-cache hit
//	                      (a decoded deep copy; through the Store with the
//	                      key at hand, and through cacheimpl.Cache, what
//	                      generated code calls, which finds the entry by
//	                      the ID without building the key), rueidis' hit raw
//	                      (the reply's string) and with decoding (msgpack,
//	                      cachegen's codec), paired
//	BenchmarkNearCluster  the near-cache hit on a cluster beside the hit on
//	                      one server, a network Get on the cluster and
//	                      rueidis' cache hit on the same cluster, paired

import (
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/cachegen/cachegen/internal/benchpair"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// nearStore returns a Store with a near cache over rdb holding value under
// key, once a read of it is a local hit.
func nearStore(b *testing.B, rdb redis.UniversalClient, key string) *cacheimpl.Store[User] {
	b.Helper()
	s, err := cacheimpl.NewStore[User](rdb, spec, runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour), cacheimpl.WithClone(cloneUser))
	check(b, err)
	b.Cleanup(func() { _ = s.Close() })
	check(b, s.Set(ctx, key, &value, 0))
	for deadline := time.Now().Add(10 * time.Second); ; {
		before := s.Stats().LocalHits
		_, err := s.Get(ctx, key)
		check(b, err)
		if s.Stats().LocalHits > before {
			return s
		}
		if time.Now().After(deadline) {
			b.Fatal("near cache never served a hit")
		}
		time.Sleep(time.Millisecond)
	}
}

// nearGet reads key from s and fails unless it was a local hit (checked
// by the caller through Stats after the loop, to keep the loop bare).
func nearGet(b *testing.B, s *cacheimpl.Store[User], key string) func() {
	return func() {
		u, err := s.Get(ctx, key)
		if err != nil || u.ID != value.ID {
			b.Fatal(u, err)
		}
	}
}

// allLocal fails if more than one read in 100k since before was not a
// local hit (on a loaded machine a cluster's tracker has been seen to
// re-arm once in two million reads, which costs one network read).
func allLocal(b *testing.B, s *cacheimpl.Store[User], before runtime.Stats) {
	b.Helper()
	after := s.Stats()
	hits, local := after.Hits-before.Hits, after.LocalHits-before.LocalHits
	if (hits-local)*100_000 > hits {
		b.Fatalf("%d of %d hits were not local", hits-local, hits)
	}
}

// rueidisClient returns a rueidis client (client-side caching on, its
// default) of the given nodes, with value stored under key and held in its
// cache.
func rueidisClient(b *testing.B, key string, addrs ...string) rueidis.Client {
	b.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: addrs})
	check(b, err)
	b.Cleanup(c.Close)
	data, err := codec(b).Marshal(&value)
	check(b, err)
	check(b, c.Do(ctx, c.B().Set().Key(key).Value(rueidis.BinaryString(data)).Build()).Error())
	for deadline := time.Now().Add(10 * time.Second); ; {
		r := c.DoCache(ctx, c.B().Get().Key(key).Cache(), time.Hour)
		check(b, r.Error())
		if r.IsCacheHit() {
			return c
		}
		if time.Now().After(deadline) {
			b.Fatal("rueidis never served a cache hit")
		}
		time.Sleep(time.Millisecond)
	}
}

// rueidisRaw is rueidis' cache hit as its users write it: build the
// cacheable GET, read the cached reply as a string (no copy, no decoding).
func rueidisRaw(b *testing.B, c rueidis.Client, key string) func() {
	return func() {
		r := c.DoCache(ctx, c.B().Get().Key(key).Cache(), time.Hour)
		s, err := r.ToString()
		if err != nil || len(s) == 0 || !r.IsCacheHit() {
			b.Fatal(err, r.IsCacheHit())
		}
	}
}

// rueidisDecode is the raw hit plus what cachegen's hit hands out: a
// decoded value of the caller's own (cachegen's msgpack codec).
func rueidisDecode(b *testing.B, c rueidis.Client, key string) func() {
	cd := codec(b)
	return func() {
		r := c.DoCache(ctx, c.B().Get().Key(key).Cache(), time.Hour)
		data, err := r.AsBytes()
		if err != nil || !r.IsCacheHit() {
			b.Fatal(err, r.IsCacheHit())
		}
		u := new(User)
		check(b, cd.Unmarshal(data, u))
	}
}

// typedNear is the hit as generated code makes it: a cacheimpl.Cache keyed
// by the ID, with the Spec the generator writes (AppendKey, the deep copy),
// whose hits go through the index by key parameter.
func typedNear(b *testing.B, rdb redis.UniversalClient) func() {
	b.Helper()
	c, err := cacheimpl.New(rdb, &cacheimpl.Spec[int64, User]{
		Name: "UserCache", Pattern: "bench:near:typed:*", Match: `bench:near:typed:.+`, AllPattern: "bench:near:typed:*", AllMatch: `bench:near:typed:.+`,
		AppendKey: func(dst []byte, id int64) []byte {
			dst = append(dst, "bench:near:typed:"...)
			return strconv.AppendInt(dst, id, 10)
		},
		KeyOf: func(u *User) (int64, error) { return u.ID, nil },
		Clone: cloneUser,
	}, runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour))
	check(b, err)
	b.Cleanup(func() { _ = c.Close() })
	check(b, c.Set(ctx, &value))
	for deadline := time.Now().Add(10 * time.Second); c.Stats().LocalHits == 0; time.Sleep(time.Millisecond) {
		_, err := c.Get(ctx, value.ID)
		check(b, err)
		if time.Now().After(deadline) {
			b.Fatal("near cache never served a hit")
		}
	}
	return func() {
		u, err := c.Get(ctx, value.ID)
		if err != nil || u.ID != value.ID {
			b.Fatal(u, err)
		}
	}
}

func loop(b *testing.B, f func()) {
	b.ReportAllocs()
	for b.Loop() {
		f()
	}
}

func BenchmarkNearHit(b *testing.B) {
	key := mkKey("near", "hit")
	b.Run("impl=cachegen", func(b *testing.B) {
		s := nearStore(b, client(b), key)
		before := s.Stats()
		loop(b, nearGet(b, s, key))
		allLocal(b, s, before)
	})
	b.Run("impl=cachegen-typed", func(b *testing.B) {
		loop(b, typedNear(b, client(b)))
	})
	b.Run("impl=rueidis-raw", func(b *testing.B) {
		loop(b, rueidisRaw(b, rueidisClient(b, key, addr), key))
	})
	b.Run("impl=rueidis-decode", func(b *testing.B) {
		loop(b, rueidisDecode(b, rueidisClient(b, key, addr), key))
	})
	b.Run("paired=rueidis-raw", func(b *testing.B) {
		s := nearStore(b, client(b), key)
		rc := rueidisClient(b, key, addr)
		benchpair.Run(b, "rueidis-raw", 64, rueidisRaw(b, rc, key), "cachegen", 64, nearGet(b, s, key))
	})
	b.Run("paired=rueidis-raw-typed", func(b *testing.B) {
		typed := typedNear(b, client(b))
		rc := rueidisClient(b, key, addr)
		benchpair.Run(b, "rueidis-raw", 64, rueidisRaw(b, rc, key), "cachegen-typed", 64, typed)
	})
	b.Run("paired=rueidis-decode", func(b *testing.B) {
		s := nearStore(b, client(b), key)
		rc := rueidisClient(b, key, addr)
		benchpair.Run(b, "rueidis-decode", 64, rueidisDecode(b, rc, key), "cachegen", 64, nearGet(b, s, key))
	})
}

func BenchmarkNearCluster(b *testing.B) {
	cl := redistest.StartCluster(b)
	cluster := func(b *testing.B) *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
		b.Cleanup(func() { _ = c.Close() })
		return c
	}
	key := mkKey("near", "cluster")
	b.Run("op=local-hit/topology=single", func(b *testing.B) {
		s := nearStore(b, client(b), key)
		loop(b, nearGet(b, s, key))
	})
	b.Run("op=local-hit/topology=cluster", func(b *testing.B) {
		s := nearStore(b, cluster(b), key)
		before := s.Stats()
		loop(b, nearGet(b, s, key))
		allLocal(b, s, before)
	})
	b.Run("op=get/topology=cluster", func(b *testing.B) {
		s, err := cacheimpl.NewStore[User](cluster(b), spec)
		check(b, err)
		check(b, s.Set(ctx, key, &value, 0))
		loop(b, nearGet(b, s, key))
	})
	b.Run("paired=single-local-hit", func(b *testing.B) {
		single, clustered := nearStore(b, client(b), key), nearStore(b, cluster(b), key)
		benchpair.Run(b, "single", 64, nearGet(b, single, key), "cluster", 64, nearGet(b, clustered, key))
	})
	b.Run("paired=cluster-get", func(b *testing.B) {
		s, err := cacheimpl.NewStore[User](cluster(b), spec)
		check(b, err)
		near := nearStore(b, cluster(b), key)
		benchpair.Run(b, "get", 1, nearGet(b, s, key), "local-hit", 64, nearGet(b, near, key))
	})
	b.Run("paired=cluster-rueidis-raw", func(b *testing.B) {
		near := nearStore(b, cluster(b), key)
		rc := rueidisClient(b, key, cl.Addrs...)
		benchpair.Run(b, "rueidis-raw", 64, rueidisRaw(b, rc, key), "cachegen", 64, nearGet(b, near, key))
	})
}
