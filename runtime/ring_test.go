package runtime_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// TestRing: a redis.Ring of two shards (two real servers). Reads and writes
// reach the shard owning each key, and Purge and FlushDB act on every shard.
func TestRing(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	ring := redis.NewRing(&redis.RingOptions{
		Addrs: map[string]string{"a": a.Addr, "b": b.Addr},
		// No heartbeat during the test: a killed shard stays in the ring,
		// so its keys are errors rather than quietly rehashed elsewhere.
		HeartbeatFrequency: time.Hour,
	})
	t.Cleanup(func() { _ = ring.Close() })
	shardA, shardB := a.Client(t), b.Client(t)
	perShard := func() (int64, int64) { return shardA.DBSize(ctx).Val(), shardB.DBSize(ctx).Val() }

	c := runtime.NewRedisCache(ring, runtime.WithPrefix("rc:"))
	must(t, c.Set(ctx, "k", "v", 0))
	var v string
	must(t, c.Get(ctx, "k", &v))
	if ok, _ := c.Has(ctx, "k"); !ok || v != "v" {
		t.Fatal(v)
	}

	s := newUsers(t, ring, runtime.WithPrefix("app:"))
	var keys []string
	var vs []*User
	for i := range 500 {
		keys = append(keys, userKey(s, int64(i)))
		vs = append(vs, &User{ID: int64(i), Email: fmt.Sprint(i)})
	}
	must(t, s.SetMany(ctx, keys, vs, time.Minute))
	if na, nb := perShard(); na == 0 || nb == 0 || na+nb != 501 {
		t.Fatalf("keys per shard: %d, %d", na, nb)
	}
	req := append(append([]string{}, keys...), userKey(s, 1000), userKey(s, 1001))
	got, err := s.GetMany(ctx, req)
	must(t, err)
	for i, u := range got {
		if i < 500 && (u == nil || u.ID != int64(i) || u.Email != fmt.Sprint(i)) || i >= 500 && u != nil {
			t.Fatalf("%s = %+v", req[i], u)
		}
	}
	if st := s.Stats(); st.Hits != 500 || st.Misses != 2 || st.Errors != 0 {
		t.Fatalf("%+v", st)
	}
	u, err := s.Get(ctx, keys[7])
	if err != nil || u.ID != 7 {
		t.Fatal(u, err)
	}

	// Store.Purge and RedisCache.Purge remove their keys on both shards only.
	must(t, ring.Set(ctx, "other:user:1:v0000001", "keep", 0).Err())
	must(t, ring.Set(ctx, "app:user:email:x:v0000001", "sibling", 0).Err())
	n, err := s.Purge(ctx)
	must(t, err)
	if n != 500 {
		t.Fatalf("Store.Purge = %d", n)
	}
	if left := countKeys(scanMasters(t, ring, "app:user:*:v0000001")); left != 1 {
		t.Fatalf("%d keys left after Purge, want the sibling", left)
	}
	n, err = c.Purge(ctx)
	must(t, err)
	if n != 1 || exists(t, ring, "rc:k") != 0 || exists(t, ring, "other:user:1:v0000001", "app:user:email:x:v0000001") != 2 {
		t.Fatalf("RedisCache.Purge = %d", n)
	}

	// Without a prefix, Purge flushes every shard and counts all their keys.
	all := runtime.NewRedisCache(ring)
	for i := range 100 {
		must(t, all.Set(ctx, fmt.Sprint(i), i, 0))
	}
	n, err = all.Purge(ctx)
	must(t, err)
	if na, nb := perShard(); n != 102 || na+nb != 0 {
		t.Fatalf("Purge without prefix = %d, left %d+%d", n, na, nb)
	}
	must(t, all.Set(ctx, "x", 1, 0))
	must(t, all.Set(ctx, "y", 1, 0))
	must(t, all.FlushDB(ctx))
	if na, nb := perShard(); na+nb != 0 {
		t.Fatalf("FlushDB left %d+%d", na, nb)
	}

	// A shard that is down is an error, never a miss: GetMany must not turn
	// its keys into misses because another key really is absent. The live
	// shard's values are still returned.
	must(t, s.SetMany(ctx, keys[:100], vs[:100], 0))
	missA := "" // an absent key the live shard owns, read first
	for id := int64(1000); missA == ""; id++ {
		k := userKey(s, id)
		must(t, ring.Set(ctx, k, "probe", 0).Err())
		if exists(t, shardA, k) == 1 {
			missA = k
		}
		must(t, ring.Del(ctx, k).Err())
	}
	before := s.Stats()
	b.Kill()
	req = append([]string{missA}, keys[:100]...)
	got, err = s.GetMany(ctx, req)
	if err == nil || errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("GetMany with a shard down = %v", err)
	}
	onA := 0
	for i, u := range got {
		switch {
		case i == 0 && u != nil:
			t.Fatalf("absent key = %+v", u)
		case i > 0 && exists(t, shardA, req[i]) == 1:
			onA++
			if u == nil || u.ID != int64(i-1) {
				t.Fatalf("%s on the live shard = %+v (error %v)", req[i], u, err)
			}
		case i > 0 && u != nil:
			t.Fatalf("%s on the dead shard = %+v", req[i], u)
		}
	}
	if st := s.Stats(); onA == 0 || st.Errors != before.Errors+uint64(100-onA) || st.Misses != before.Misses+1 || st.Hits != before.Hits+uint64(onA) {
		t.Fatalf("shard down counted as %+v (before %+v, %d keys on the live shard)", st, before, onA)
	}
}
