package otelcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

type user struct {
	Name string
	Age  int
}

// TestRuntimeWiring runs real cachegen caches, observed through
// runtime.WithObserver, against an in-process Redis (miniredis), and checks
// every series the operations produce.
func TestRuntimeWiring(t *testing.T) {
	h := newHarness(t)
	srv := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	obs := runtime.WithObserver(h.obs)

	// A plain RedisCache, named with WithName.
	users := runtime.NewRedisCache(rdb, runtime.WithPrefix("u:"), runtime.WithName("users"), obs)
	must(t, users.Set(ctx, "alice", user{"Alice", 30}, time.Minute))
	must(t, users.Set(ctx, "bob", user{"Bob", 40}, 0))
	var u user
	must(t, users.Get(ctx, "alice", &u))
	must(t, users.Get(ctx, "bob", &u))
	must(t, users.Get(ctx, "alice", &u))
	wantErr(t, users.Get(ctx, "carol", &u), runtime.ErrMiss)
	srv.Set("u:junk", "\xc1\xc1") // not msgpack
	wantErr(t, users.Get(ctx, "junk", &u), runtime.ErrDecode)
	if _, err := srv.Lpush("u:list", "x"); err != nil {
		t.Fatal(err)
	}
	if err := users.Get(ctx, "list", &u); err == nil || !redis.HasErrorPrefix(err, "WRONGTYPE") {
		t.Fatalf("Get of a list: %v, want WRONGTYPE", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	wantErr(t, users.Get(canceled, "alice", &u), context.Canceled)
	if err := users.Set(ctx, "dave", user{}, -time.Second); err == nil {
		t.Fatal("Set with a negative TTL succeeded")
	}
	must(t, users.Close())
	wantErr(t, users.Get(ctx, "alice", &u), runtime.ErrClosed)

	// A crypt cache reading a forged value.
	key := runtime.GenerateKey()
	secrets, err := runtime.NewCryptRedisCache(rdb, runtime.WithPrefix("s:"), runtime.WithKeys(key), runtime.WithName("secrets"), obs)
	must(t, err)
	must(t, secrets.Set(ctx, "token", "hunter2", 0))
	var s string
	must(t, secrets.Get(ctx, "token", &s))
	srv.Set("s:forged", "gAAAAA-not-a-token")
	wantErr(t, secrets.Get(ctx, "forged", &s), runtime.ErrInvalidToken)

	// The typed engine generated caches run on: named by its spec.
	store, err := cacheimpl.NewStore[user](rdb, cacheimpl.StoreSpec{Name: "UserCache"}, obs)
	must(t, err)
	must(t, store.SetMany(ctx, []string{"t:1", "t:2"}, []*user{{"One", 1}, {"Two", 2}}, 0))
	got, err := store.GetMany(ctx, []string{"t:1", "t:2", "t:3"})
	must(t, err)
	if got[0] == nil || got[1] == nil || got[2] != nil {
		t.Fatalf("GetMany = %v", got)
	}
	loads := 0
	loaded, err := store.GetOrLoad(ctx, "t:4", func(context.Context) (*user, error) {
		loads++
		return &user{"Four", 4}, nil
	})
	must(t, err)
	if loaded.Name != "Four" || loads != 1 {
		t.Fatalf("GetOrLoad = %v after %d loads", loaded, loads)
	}
	if _, err := store.Get(ctx, "t:4"); err != nil {
		t.Fatal(err)
	}
	if ok, err := store.Remove(ctx, "t:4"); err != nil || !ok {
		t.Fatalf("Remove = %v, %v", ok, err)
	}

	// Redis gone: a connection error.
	srv.Close()
	if _, err := store.Get(ctx, "t:1"); err == nil {
		t.Fatal("Get with Redis down succeeded")
	}

	snap := h.collect()
	sameMap(t, "counter", snap.sums, map[string]int64{
		"cachegen.hits{cache.name=users,cache.operation=get}":                              3,
		"cachegen.misses{cache.name=users,cache.operation=get}":                            1,
		"cachegen.errors{cache.name=users,cache.operation=get,error.type=decode}":          1,
		"cachegen.errors{cache.name=users,cache.operation=get,error.type=redis}":           1,
		"cachegen.errors{cache.name=users,cache.operation=get,error.type=canceled}":        1,
		"cachegen.errors{cache.name=users,cache.operation=get,error.type=closed}":          1,
		"cachegen.errors{cache.name=users,cache.operation=set,error.type=other}":           1,
		"cachegen.hits{cache.name=secrets,cache.operation=get}":                            1,
		"cachegen.errors{cache.name=secrets,cache.operation=get,error.type=invalid_token}": 1,
		"cachegen.hits{cache.name=UserCache,cache.operation=get_many}":                     2,
		"cachegen.misses{cache.name=UserCache,cache.operation=get_many}":                   1,
		"cachegen.hits{cache.name=UserCache,cache.operation=get_or_load}":                  1,
		"cachegen.hits{cache.name=UserCache,cache.operation=get}":                          1,
		"cachegen.errors{cache.name=UserCache,cache.operation=get,error.type=redis}":       1,
	})
	sameMap(t, "histogram count", snap.counts, map[string]uint64{
		"cachegen.operation.duration{cache.name=users,cache.operation=set}":                            2,
		"cachegen.operation.duration{cache.name=users,cache.operation=set,error.type=other}":           1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get}":                            4, // 3 hits, 1 miss
		"cachegen.operation.duration{cache.name=users,cache.operation=get,error.type=decode}":          1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get,error.type=redis}":           1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get,error.type=canceled}":        1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get,error.type=closed}":          1,
		"cachegen.operation.duration{cache.name=secrets,cache.operation=set}":                          1,
		"cachegen.operation.duration{cache.name=secrets,cache.operation=get}":                          1,
		"cachegen.operation.duration{cache.name=secrets,cache.operation=get,error.type=invalid_token}": 1,
		"cachegen.operation.duration{cache.name=UserCache,cache.operation=set_many}":                   1,
		"cachegen.operation.duration{cache.name=UserCache,cache.operation=get_many}":                   1,
		"cachegen.operation.duration{cache.name=UserCache,cache.operation=get_or_load}":                1,
		"cachegen.operation.duration{cache.name=UserCache,cache.operation=get}":                        1,
		"cachegen.operation.duration{cache.name=UserCache,cache.operation=remove}":                     1,
		"cachegen.operation.duration{cache.name=UserCache,cache.operation=get,error.type=redis}":       1,
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}
