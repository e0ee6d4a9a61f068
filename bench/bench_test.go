package bench

// Each benchmark puts cachegen beside hand-written go-redis code and beside
// github.com/go-redis/cache/v9 doing the same work on the same 7-field struct,
// in the same run and against the same redis-server. Sub-benchmarks are
// named impl=..., so `benchstat -col /impl` lines them up:
//
//	impl=raw-msgpack    go-redis GET/SET + vmihailenco msgpack.Marshal/
//	                    Unmarshal (a hand-written cache; go-redis/cache's codec)
//	impl=raw-codec      go-redis GET/SET + cachegen's default msgpack codec
//	                    (the floor of the typed Store: same codec, no cache)
//	impl=cachegen       cacheimpl.Store[User] Get/Set, what generated caches call
//	impl=go-redis-cache cache.Cache Get/Set with its defaults (msgpack, s2
//	                    compression of values of 64 bytes or more)
//
// BenchmarkLocalHit is a hot key held in process: cachegen's near cache
// (impl=cachegen with a generated-style deep copy, impl=cachegen-codec-clone
// with the fallback copy through the codec) and go-redis/cache's local
// TinyLFU (impl=go-redis-cache), to be read beside BenchmarkGet's network
// reads of the same run.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/cache/v9"
	"github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/cachegen/cachegen/internal/benchpair"
	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// User is the benchmark entity: the same seven fields as runtime's
// BenchUser and the figures.
type User struct {
	ID      int64
	Email   string
	Name    string
	Age     int
	Active  bool
	Created time.Time
	Tags    []string
}

var value = User{ID: 42, Email: "ada@example.com", Name: "Ada Lovelace", Age: 36, Active: true,
	Created: time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), Tags: []string{"admin", "math"}}

// cloneUser is the deep copy generated code writes for User: one
// allocation for the struct and the array of its tags.
func cloneUser(v *User) *User {
	if v == nil {
		return nil
	}
	c, tags := cacheimpl.CloneWith(v, v.Tags)
	c.Tags = tags
	return c
}

var (
	ctx  = context.Background()
	addr string
)

func TestMain(m *testing.M) {
	a, stop, err := Server()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	addr = a
	code := m.Run()
	stop()
	os.Exit(code)
}

// client returns a fresh go-redis client with default options (RESP3, pool
// of 10 per CPU), closed when the benchmark ends.
func client(b *testing.B) *redis.Client {
	b.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	return c
}

var spec = cacheimpl.StoreSpec{Name: "UserCache", Pattern: "bench:*", Match: `bench:.+`, AllPattern: "bench:*", AllMatch: `bench:.+`}

func codec(b *testing.B) runtime.Codec {
	c, err := runtime.CodecByName(runtime.CodecMsgpack)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// check fails the benchmark on an error. (b.Helper is called only on
// failure: it walks the stack, which would dominate a 100 ns loop.)
func check(b *testing.B, err error) {
	if err != nil {
		b.Helper()
		b.Fatal(err)
	}
}

// mkKey returns a key built at run time, as real callers build theirs: a
// constant key would let the compiler skip go-redis's string-to-interface
// allocation in the raw benchmarks only (after inlining cmdable.Get).
func mkKey(parts ...string) string { return "bench:" + strings.Join(parts, ":") }

// BenchmarkGet reads one key holding the struct and decodes it.
func BenchmarkGet(b *testing.B) {
	b.Run("impl=raw-msgpack", func(b *testing.B) {
		rdb, key := client(b), mkKey("get", "raw-msgpack")
		data, err := msgpack.Marshal(&value)
		check(b, err)
		check(b, rdb.Set(ctx, key, data, 0).Err())
		b.ReportAllocs()
		for b.Loop() {
			raw, err := rdb.Get(ctx, key).Bytes()
			check(b, err)
			var u User
			check(b, msgpack.Unmarshal(raw, &u))
		}
	})
	b.Run("impl=raw-codec", func(b *testing.B) {
		rdb, key, c := client(b), mkKey("get", "raw-codec"), codec(b)
		data, err := c.Marshal(&value)
		check(b, err)
		check(b, rdb.Set(ctx, key, data, 0).Err())
		b.ReportAllocs()
		for b.Loop() {
			raw, err := rdb.Get(ctx, key).Bytes()
			check(b, err)
			var u User
			check(b, c.Unmarshal(raw, &u))
		}
	})
	b.Run("impl=cachegen", func(b *testing.B) {
		key := mkKey("get", "cachegen")
		s, err := cacheimpl.NewStore[User](client(b), spec)
		check(b, err)
		check(b, s.Set(ctx, key, &value, 0))
		b.ReportAllocs()
		for b.Loop() {
			_, err := s.Get(ctx, key)
			check(b, err)
		}
	})
	b.Run("impl=go-redis-cache", func(b *testing.B) {
		key := mkKey("get", "go-redis-cache")
		c := cache.New(&cache.Options{Redis: client(b)})
		check(b, c.Set(&cache.Item{Ctx: ctx, Key: key, Value: &value, TTL: time.Hour}))
		b.ReportAllocs()
		for b.Loop() {
			var u User
			check(b, c.Get(ctx, key, &u))
		}
	})
}

// BenchmarkSet encodes the struct and stores it with a one-hour TTL.
func BenchmarkSet(b *testing.B) {
	b.Run("impl=raw-msgpack", func(b *testing.B) {
		rdb, key := client(b), mkKey("set", "raw-msgpack")
		b.ReportAllocs()
		for b.Loop() {
			data, err := msgpack.Marshal(&value)
			check(b, err)
			check(b, rdb.Set(ctx, key, data, time.Hour).Err())
		}
	})
	b.Run("impl=raw-codec", func(b *testing.B) {
		rdb, key, c := client(b), mkKey("set", "raw-codec"), codec(b)
		b.ReportAllocs()
		for b.Loop() {
			data, err := c.Marshal(&value)
			check(b, err)
			check(b, rdb.Set(ctx, key, data, time.Hour).Err())
		}
	})
	b.Run("impl=cachegen", func(b *testing.B) {
		key := mkKey("set", "cachegen")
		s, err := cacheimpl.NewStore[User](client(b), spec)
		check(b, err)
		b.ReportAllocs()
		for b.Loop() {
			check(b, s.Set(ctx, key, &value, time.Hour))
		}
	})
	b.Run("impl=go-redis-cache", func(b *testing.B) {
		key := mkKey("set", "go-redis-cache")
		c := cache.New(&cache.Options{Redis: client(b)})
		b.ReportAllocs()
		for b.Loop() {
			check(b, c.Set(&cache.Item{Ctx: ctx, Key: key, Value: &value, TTL: time.Hour}))
		}
	})
}

// BenchmarkLocalHit reads a hot key that the in-process tier holds:
// cachegen's near cache (decoded values, a deep copy per hit; with the
// generated-style clone and with the codec-based fallback clone) and
// go-redis/cache's TinyLFU (encoded bytes, decoded on every hit).
func BenchmarkLocalHit(b *testing.B) {
	near := func(b *testing.B, key string, opts ...runtime.Option) {
		opts = append([]runtime.Option{runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour)}, opts...)
		s, err := cacheimpl.NewStore[User](client(b), spec, opts...)
		check(b, err)
		defer s.Close()
		check(b, s.Set(ctx, key, &value, 0))
		// Wait until the invalidation connection is armed and the value
		// is held locally.
		for deadline := time.Now().Add(10 * time.Second); s.Stats().LocalHits == 0; {
			_, err := s.Get(ctx, key)
			check(b, err)
			if time.Now().After(deadline) {
				b.Fatal("near cache never served a hit")
			}
			time.Sleep(time.Millisecond)
		}
		b.ReportAllocs()
		for b.Loop() {
			_, err := s.Get(ctx, key)
			check(b, err)
		}
		if st := s.Stats(); st.LocalHits < uint64(b.N) {
			b.Fatalf("only %d of %d reads were local hits", st.LocalHits, b.N)
		}
	}
	b.Run("impl=cachegen", func(b *testing.B) {
		near(b, mkKey("local", "cachegen"), cacheimpl.WithClone(cloneUser))
	})
	b.Run("impl=cachegen-codec-clone", func(b *testing.B) {
		near(b, mkKey("local", "cachegen-codec-clone"))
	})
	b.Run("impl=go-redis-cache", func(b *testing.B) {
		key := mkKey("local", "go-redis-cache")
		c := cache.New(&cache.Options{Redis: client(b), LocalCache: cache.NewTinyLFU(1000, time.Hour)})
		check(b, c.Set(&cache.Item{Ctx: ctx, Key: key, Value: &value, TTL: time.Hour}))
		b.ReportAllocs()
		for b.Loop() {
			var u User
			check(b, c.Get(ctx, key, &u))
		}
	})
}

// stubHook answers GET and SET in process, without a connection: with it,
// BenchmarkClientCPU measures what each client side costs (go-redis's
// command objects, the cache layer, the codec) without the network round
// trip, whose jitter on a shared machine is larger than the differences.
type stubHook struct{ val string }

func (h stubHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h stubHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch c := cmd.(type) {
		case *redis.StringCmd:
			c.SetVal(h.val)
		case *redis.StatusCmd:
			c.SetVal("OK")
		default:
			return fmt.Errorf("stub: unexpected %s", cmd.Name())
		}
		return nil
	}
}

func (h stubHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// stub returns a client whose GET replies val and whose SET succeeds.
func stub(b *testing.B, val []byte) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	c.AddHook(stubHook{val: string(val)})
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// BenchmarkClientCPU is BenchmarkGet and BenchmarkSet against a stubbed
// connection: the same four implementations, client-side work only.
func BenchmarkClientCPU(b *testing.B) {
	key := mkKey("cpu")
	mp, err := msgpack.Marshal(&value)
	check(b, err)
	c := codec(b)
	cg, err := c.Marshal(&value)
	check(b, err)
	grc, err := cache.New(&cache.Options{}).Marshal(&value)
	check(b, err)

	b.Run("op=get/impl=raw-msgpack", func(b *testing.B) {
		rdb := stub(b, mp)
		b.ReportAllocs()
		for b.Loop() {
			raw, err := rdb.Get(ctx, key).Bytes()
			check(b, err)
			var u User
			check(b, msgpack.Unmarshal(raw, &u))
		}
	})
	b.Run("op=get/impl=raw-codec", func(b *testing.B) {
		rdb := stub(b, cg)
		b.ReportAllocs()
		for b.Loop() {
			raw, err := rdb.Get(ctx, key).Bytes()
			check(b, err)
			var u User
			check(b, c.Unmarshal(raw, &u))
		}
	})
	b.Run("op=get/impl=cachegen", func(b *testing.B) {
		s, err := cacheimpl.NewStore[User](stub(b, cg), spec)
		check(b, err)
		b.ReportAllocs()
		for b.Loop() {
			_, err := s.Get(ctx, key)
			check(b, err)
		}
	})
	b.Run("op=get/impl=go-redis-cache", func(b *testing.B) {
		gc := cache.New(&cache.Options{Redis: stub(b, grc)})
		b.ReportAllocs()
		for b.Loop() {
			var u User
			check(b, gc.Get(ctx, key, &u))
		}
	})
	b.Run("op=set/impl=raw-msgpack", func(b *testing.B) {
		rdb := stub(b, nil)
		b.ReportAllocs()
		for b.Loop() {
			data, err := msgpack.Marshal(&value)
			check(b, err)
			check(b, rdb.Set(ctx, key, data, time.Hour).Err())
		}
	})
	b.Run("op=set/impl=raw-codec", func(b *testing.B) {
		rdb := stub(b, nil)
		b.ReportAllocs()
		for b.Loop() {
			data, err := c.Marshal(&value)
			check(b, err)
			check(b, rdb.Set(ctx, key, data, time.Hour).Err())
		}
	})
	b.Run("op=set/impl=cachegen", func(b *testing.B) {
		s, err := cacheimpl.NewStore[User](stub(b, nil), spec)
		check(b, err)
		b.ReportAllocs()
		for b.Loop() {
			check(b, s.Set(ctx, key, &value, time.Hour))
		}
	})
	b.Run("op=set/impl=go-redis-cache", func(b *testing.B) {
		gc := cache.New(&cache.Options{Redis: stub(b, nil)})
		b.ReportAllocs()
		for b.Loop() {
			check(b, gc.Set(&cache.Item{Ctx: ctx, Key: key, Value: &value, TTL: time.Hour}))
		}
	})
}

// BenchmarkPaired compares cachegen with go-redis/cache pairwise (see
// paired): Get and Set over the network and against a stubbed connection,
// and a hot key served in process. A ratio below 1 means cachegen is faster.
func BenchmarkPaired(b *testing.B) {
	grcGet := func(c *cache.Cache, key string) func() {
		return func() {
			var u User
			check(b, c.Get(ctx, key, &u))
		}
	}
	cgGet := func(s *cacheimpl.Store[User], key string) func() {
		return func() {
			_, err := s.Get(ctx, key)
			check(b, err)
		}
	}
	grcSet := func(c *cache.Cache, key string) func() {
		return func() { check(b, c.Set(&cache.Item{Ctx: ctx, Key: key, Value: &value, TTL: time.Hour})) }
	}
	cgSet := func(s *cacheimpl.Store[User], key string) func() {
		return func() { check(b, s.Set(ctx, key, &value, time.Hour)) }
	}
	b.Run("op=get", func(b *testing.B) {
		rdb := client(b)
		gk, ck := mkKey("paired", "grc"), mkKey("paired", "cg")
		gc := cache.New(&cache.Options{Redis: rdb})
		check(b, gc.Set(&cache.Item{Ctx: ctx, Key: gk, Value: &value, TTL: time.Hour}))
		s, err := cacheimpl.NewStore[User](rdb, spec)
		check(b, err)
		check(b, s.Set(ctx, ck, &value, 0))
		benchpair.Run(b, "go-redis-cache", 1, grcGet(gc, gk), "cachegen", 1, cgGet(s, ck))
	})
	b.Run("op=set", func(b *testing.B) {
		rdb := client(b)
		gc := cache.New(&cache.Options{Redis: rdb})
		s, err := cacheimpl.NewStore[User](rdb, spec)
		check(b, err)
		benchpair.Run(b, "go-redis-cache", 1, grcSet(gc, mkKey("paired", "grc")), "cachegen", 1, cgSet(s, mkKey("paired", "cg")))
	})
	b.Run("op=get-cpu", func(b *testing.B) {
		grc, err := cache.New(&cache.Options{}).Marshal(&value)
		check(b, err)
		cg, err := codec(b).Marshal(&value)
		check(b, err)
		gc := cache.New(&cache.Options{Redis: stub(b, grc)})
		s, err := cacheimpl.NewStore[User](stub(b, cg), spec)
		check(b, err)
		key := mkKey("cpu")
		benchpair.Run(b, "go-redis-cache", 64, grcGet(gc, key), "cachegen", 64, cgGet(s, key))
	})
	b.Run("op=set-cpu", func(b *testing.B) {
		gc := cache.New(&cache.Options{Redis: stub(b, nil)})
		s, err := cacheimpl.NewStore[User](stub(b, nil), spec)
		check(b, err)
		key := mkKey("cpu")
		benchpair.Run(b, "go-redis-cache", 64, grcSet(gc, key), "cachegen", 64, cgSet(s, key))
	})
	b.Run("op=local-hit", func(b *testing.B) {
		rdb := client(b)
		gk, ck := mkKey("paired", "local", "grc"), mkKey("paired", "local", "cg")
		gc := cache.New(&cache.Options{Redis: rdb, LocalCache: cache.NewTinyLFU(1000, time.Hour)})
		check(b, gc.Set(&cache.Item{Ctx: ctx, Key: gk, Value: &value, TTL: time.Hour}))
		s, err := cacheimpl.NewStore[User](rdb, spec, runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour), cacheimpl.WithClone(cloneUser))
		check(b, err)
		defer s.Close()
		check(b, s.Set(ctx, ck, &value, 0))
		for deadline := time.Now().Add(10 * time.Second); s.Stats().LocalHits == 0; {
			_, err := s.Get(ctx, ck)
			check(b, err)
			if time.Now().After(deadline) {
				b.Fatal("near cache never served a hit")
			}
			time.Sleep(time.Millisecond)
		}
		benchpair.Run(b, "go-redis-cache", 64, grcGet(gc, gk), "cachegen", 64, cgGet(s, ck))
	})
}
