package runtime_test

// Cluster behaviour proven on a real 3-master Redis Cluster: multi-key
// operations over keys in many slots, whole-keyspace operations on every
// master, hash tags, and the load paths. In the default run the cluster is
// started here; in cluster mode (CACHEGEN_TOPOLOGY=cluster) the shared one
// is used.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// TestServerTopology: server(t) really is what the mode says, so the suite's
// second run does run against the cluster.
func TestServerTopology(t *testing.T) {
	rdb := server(t)
	_, isCluster := rdb.(*redis.ClusterClient)
	if isCluster != clusterMode {
		t.Fatalf("server(t) is a %T in cluster mode %v", rdb, clusterMode)
	}
	if want := map[bool]int{false: 1, true: 3}[clusterMode]; len(masters(t, rdb)) != want {
		t.Fatalf("%d masters, want %d", len(masters(t, rdb)), want)
	}
}

// slotHook sits on every node client of a ClusterClient. Each multi-key
// command must carry keys of one slot only (the server would answer
// CROSSSLOT otherwise, but the hook names the command); it also counts the
// multi-key commands, to show GetMany sends one MGET per slot.
type slotHook struct {
	t       *testing.T
	mgets   atomic.Int64
	unlinks atomic.Int64
}

func (h *slotHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *slotHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.check(cmd)
		return next(ctx, cmd)
	}
}

func (h *slotHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			h.check(cmd)
		}
		return next(ctx, cmds)
	}
}

func (h *slotHook) check(cmd redis.Cmder) {
	var keys []any
	switch cmd.Name() {
	case "mget", "unlink", "del", "exists":
		keys = cmd.Args()[1:]
	default:
		return
	}
	switch cmd.Name() {
	case "mget":
		h.mgets.Add(1)
	case "unlink":
		h.unlinks.Add(1)
	}
	first := runtime.Slot(fmt.Sprint(keys[0]))
	for _, k := range keys[1:] {
		if s := runtime.Slot(fmt.Sprint(k)); s != first {
			h.t.Errorf("%s across slots %d and %d: %v", cmd.Name(), first, s, cmd.Args())
			return
		}
	}
}

func (h *slotHook) reset() { h.mgets.Store(0); h.unlinks.Store(0) }

// hookedClient is a cluster client whose every node client carries h.
func hookedClient(t *testing.T, cl *redistest.Cluster, h *slotHook) *redis.ClusterClient {
	c := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: cl.Masters(),
		NewClient: func(o *redis.Options) *redis.Client {
			n := redis.NewClient(o)
			n.AddHook(h)
			return n
		},
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// scanMasters returns, per master (or shard) address, the keys SCAN MATCH
// glob finds on it.
func scanMasters(t testing.TB, rdb redis.UniversalClient, glob string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range masters(t, rdb) {
		var keys []string
		it := m.Scan(ctx, 0, glob, 1000).Iterator()
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		must(t, it.Err())
		out[m.Options().Addr] = keys
	}
	return out
}

func countKeys(perMaster map[string][]string) int {
	n := 0
	for _, ks := range perMaster {
		n += len(ks)
	}
	return n
}

// onEveryMaster fails unless every master holds at least one of the keys.
func onEveryMaster(t *testing.T, perMaster map[string][]string, what string) {
	t.Helper()
	for addr, ks := range perMaster {
		if len(ks) == 0 {
			t.Fatalf("%s: none on master %s: %v", what, addr, counts(perMaster))
		}
	}
}

func counts(perMaster map[string][]string) map[string]int {
	out := map[string]int{}
	for a, ks := range perMaster {
		out[a] = len(ks)
	}
	return out
}

func distinctSlots(keys []string) int {
	seen := map[uint16]bool{}
	for _, k := range keys {
		seen[runtime.Slot(k)] = true
	}
	return len(seen)
}

func TestCluster(t *testing.T) {
	cl := newCluster(t)
	h := &slotHook{t: t}
	rdb := hookedClient(t, cl, h)
	if n := len(masters(t, rdb)); n != 3 {
		t.Fatalf("%d masters", n)
	}

	t.Run("GetManySetMany1000", func(t *testing.T) {
		flushMasters(t, cl)
		s := newUsers(t, rdb, runtime.WithPrefix("gm:"))
		var keys []string
		var vs []*User
		for i := range 1000 {
			keys = append(keys, userKey(s, int64(i)))
			vs = append(vs, &User{ID: int64(i), Email: fmt.Sprint("u", i, "@x"), Tags: []string{fmt.Sprint(i)}})
		}
		must(t, s.SetMany(ctx, keys, vs, time.Minute))
		per := scanMasters(t, rdb, "gm:*")
		if countKeys(per) != 1000 {
			t.Fatalf("SetMany stored %d keys: %v", countKeys(per), counts(per))
		}
		onEveryMaster(t, per, "SetMany")
		if n := distinctSlots(keys); n < 900 {
			t.Fatalf("keys in only %d slots", n)
		}
		for _, i := range []int{0, 333, 999} {
			if d := rdb.PTTL(ctx, keys[i]).Val(); d <= 0 || d > time.Minute {
				t.Fatalf("PTTL %s = %v", keys[i], d)
			}
		}

		// Every 10th requested key is absent.
		var req []string
		absent := map[int]bool{}
		for i, k := range keys {
			req = append(req, k)
			if i%10 == 0 {
				absent[len(req)] = true
				req = append(req, userKey(s, int64(100_000+i)))
			}
		}
		h.reset()
		got, err := s.GetMany(ctx, req)
		must(t, err)
		if n, want := h.mgets.Load(), int64(distinctSlots(req)); n != want {
			t.Fatalf("GetMany sent %d MGETs for keys in %d slots", n, want)
		}
		found := 0
		for i, u := range got {
			if absent[i] != (u == nil) {
				t.Fatalf("%s = %+v (absent: %v)", req[i], u, absent[i])
			}
			if u == nil {
				continue
			}
			found++
			if req[i] != userKey(s, u.ID) || u.Email != fmt.Sprint("u", u.ID, "@x") || u.Tags[0] != fmt.Sprint(u.ID) {
				t.Fatalf("%s = %+v", req[i], u)
			}
		}
		if found != 1000 {
			t.Fatalf("GetMany found %d of 1000", found)
		}
		if st := s.Stats(); st.Hits != 1000 || st.Misses != 100 || st.Errors != 0 {
			t.Fatalf("stats after GetMany: %+v", st)
		}

		// A value that does not decode fails its key only.
		must(t, rdb.Set(ctx, keys[500], "garbage", 0).Err())
		got, err = s.GetMany(ctx, keys)
		if !errors.Is(err, runtime.ErrDecode) || got[500] != nil || got[499] == nil || got[501] == nil {
			t.Fatalf("GetMany with one bad value: %v", err)
		}
		if st := s.Stats(); st.Hits != 1999 || st.Misses != 100 || st.Errors != 1 {
			t.Fatalf("stats after bad value: %+v", st)
		}

		// Remove works key by key in every slot.
		for i := 0; i < 1000; i += 2 {
			if ok, err := s.Remove(ctx, keys[i]); err != nil || !ok {
				t.Fatalf("Remove %s = %v, %v", keys[i], ok, err)
			}
		}
		if n := countKeys(scanMasters(t, rdb, "gm:*")); n != 500 {
			t.Fatalf("%d keys left after removing 500", n)
		}
	})

	t.Run("HashTags", func(t *testing.T) {
		flushMasters(t, cl)
		spec := runtime.Spec{Name: "OrderCache", Pattern: "t:*:o:*", Match: `t:\{[^}]*\}:o:[0-9]+`,
			AllPattern: "t:*:o:*", AllMatch: `t:\{[^}]*\}:o:[0-9]+`}
		s, err := runtime.NewStore[User](rdb, spec)
		must(t, err)
		var k42, k43 []string
		var vs []*User
		for i := range 50 {
			k42 = append(k42, fmt.Sprintf("t:{42}:o:%d", i))
			k43 = append(k43, fmt.Sprintf("t:{43}:o:%d", i))
			vs = append(vs, &User{ID: int64(i)})
		}
		must(t, s.SetMany(ctx, k42, vs, 0))
		must(t, s.SetMany(ctx, k43, vs, 0))
		slot := runtime.Slot(k42[0])
		if ks := rdb.ClusterKeySlot(ctx, k42[0]).Val(); ks != int64(slot) {
			t.Fatalf("Slot = %d, CLUSTER KEYSLOT = %d", slot, ks)
		}
		for _, k := range k42 {
			if runtime.Slot(k) != slot {
				t.Fatalf("%s not in slot %d", k, slot)
			}
		}
		if n := rdb.ClusterCountKeysInSlot(ctx, int(slot)).Val(); n != 50 {
			t.Fatalf("CLUSTER COUNTKEYSINSLOT %d = %d, want 50", slot, n)
		}
		per := scanMasters(t, rdb, "t:{42}:*")
		for addr, ks := range per {
			if len(ks) != 0 && len(ks) != 50 {
				t.Fatalf("tenant 42 split: %d keys on %s", len(ks), addr)
			}
		}
		h.reset()
		got, err := s.GetMany(ctx, k42)
		must(t, err)
		if h.mgets.Load() != 1 {
			t.Fatalf("GetMany of one tenant sent %d MGETs, want 1", h.mgets.Load())
		}
		for i, u := range got {
			if u == nil || u.ID != int64(i) {
				t.Fatalf("%s = %+v", k42[i], u)
			}
		}
		h.reset()
		_, err = s.GetMany(ctx, append(append([]string{}, k42...), k43...))
		must(t, err)
		if h.mgets.Load() != 2 {
			t.Fatalf("GetMany of two tenants sent %d MGETs, want 2", h.mgets.Load())
		}
		n, err := s.Purge(ctx)
		must(t, err)
		if n != 100 || dbSize(t, rdb) != 0 {
			t.Fatalf("Purge of hash-tagged keys = %d, %d left", n, dbSize(t, rdb))
		}
	})

	t.Run("SlotAgreesWithKEYSLOT", func(t *testing.T) {
		keys := []string{"", "{", "}", "{}", "}{", "{}}", "{{}}", "{a}", "{{a}}", "a{b}c", "a{}b{c}", "{}{a}",
			"foo{}{bar}", "a{b", "a}b{c}", "{a}{b}", "{ab", "ab}", "{\x00}", "\xff{\xfe}", "é{ü}x",
			"123456789", "foo", "{user1000}.following", "{user1000}.followers", "t:{42}:o:1"}
		r := rand.New(rand.NewPCG(1, 2))
		const alphabet = "ab{}:{}x\x00\xff%"
		for len(keys) < 1000 {
			b := make([]byte, r.IntN(24))
			for i := range b {
				if r.IntN(4) == 0 {
					b[i] = byte(r.IntN(256))
				} else {
					b[i] = alphabet[r.IntN(len(alphabet))]
				}
			}
			keys = append(keys, string(b))
		}
		node := masters(t, rdb)[0]
		cmds, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.ClusterKeySlot(ctx, k)
			}
			return nil
		})
		must(t, err)
		for i, c := range cmds {
			if got, want := runtime.Slot(keys[i]), c.(*redis.IntCmd).Val(); int64(got) != want {
				t.Errorf("Slot(%q) = %d, CLUSTER KEYSLOT = %d", keys[i], got, want)
			}
		}
	})

	t.Run("PurgeSparesOtherPrefixes", func(t *testing.T) {
		flushMasters(t, cl)
		a := runtime.NewRedisCache(rdb, runtime.WithPrefix("app1:"))
		b := runtime.NewRedisCache(rdb, runtime.WithPrefix("app2:"))
		for i := range 1000 {
			must(t, a.Set(ctx, fmt.Sprint(i), i, 0))
			must(t, b.Set(ctx, fmt.Sprint(i), i, 0))
		}
		for _, k := range []string{"app1", "app10:x", "xapp1:y"} { // near misses of the prefix
			must(t, rdb.Set(ctx, k, "keep", 0).Err())
		}
		onEveryMaster(t, scanMasters(t, rdb, "app1:*"), "app1 keys")
		h.reset()
		n, err := a.Purge(ctx)
		must(t, err)
		if n != 1000 {
			t.Fatalf("Purge = %d, want 1000", n)
		}
		if left := scanMasters(t, rdb, "app1:*"); countKeys(left) != 0 {
			t.Fatalf("Purge left keys: %v", left)
		}
		if per := scanMasters(t, rdb, "app2:*"); countKeys(per) != 1000 {
			t.Fatalf("other prefix: %d keys left, want 1000", countKeys(per))
		}
		if exists(t, rdb, "app1", "app10:x", "xapp1:y") != 3 {
			t.Fatal("Purge removed a key outside its prefix")
		}
		if h.unlinks.Load() == 0 {
			t.Fatal("no UNLINK seen by the hook")
		}
		if st := a.Stats(); st != (runtime.Stats{}) {
			t.Fatalf("Purge moved the counters: %+v", st)
		}
		var v int
		if err := a.Get(ctx, "7", &v); !errors.Is(err, runtime.ErrMiss) {
			t.Fatal(err)
		}
		must(t, b.Get(ctx, "7", &v))
		if st := a.Stats(); st.Misses != 1 || st.Hits != 0 {
			t.Fatalf("%+v", st)
		}
	})

	t.Run("StorePurgeSparesSiblingsAndVersions", func(t *testing.T) {
		flushMasters(t, cl)
		s := newUsers(t, rdb, runtime.WithPrefix("app:"))
		var keys []string
		var vs []*User
		for i := range 500 {
			keys = append(keys, userKey(s, int64(i)))
			vs = append(vs, &User{ID: int64(i)})
		}
		must(t, s.SetMany(ctx, keys, vs, 0))
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range 200 {
				p.Set(ctx, fmt.Sprintf("app:user:email:u%d%%40x:v0000001", i), "sibling", 0)
				p.Set(ctx, fmt.Sprintf("app:user:%d:v00000aa", i), "old", 0)
				p.Set(ctx, fmt.Sprintf("other:user:%d:v0000001", i), "other prefix", 0)
			}
			return nil
		})
		must(t, err)
		for i := range 100 {
			if ok, err := s.Remove(ctx, keys[i]); err != nil || !ok {
				t.Fatal(ok, err)
			}
		}
		n, err := s.Purge(ctx)
		must(t, err)
		if n != 400 {
			t.Fatalf("Purge = %d, want 400", n)
		}
		for glob, want := range map[string]int{"app:user:*:v0000001": 200, "app:user:email:*": 200, "app:user:*:v00000aa": 200, "other:*": 200} {
			if got := countKeys(scanMasters(t, rdb, glob)); got != want {
				t.Fatalf("after Purge, %s: %d keys, want %d", glob, got, want)
			}
		}
		n, err = s.PurgeAllVersions(ctx)
		must(t, err)
		if n != 200 {
			t.Fatalf("PurgeAllVersions = %d, want 200", n)
		}
		if got := countKeys(scanMasters(t, rdb, "*")); got != 400 {
			t.Fatalf("%d keys left, want the 200 siblings and 200 of the other prefix", got)
		}
	})

	t.Run("PurgeWithoutPrefixAndFlushDB", func(t *testing.T) {
		flushMasters(t, cl)
		c := runtime.NewRedisCache(rdb)
		for i := range 600 {
			must(t, c.Set(ctx, fmt.Sprint("k", i), i, 0))
		}
		onEveryMaster(t, scanMasters(t, rdb, "*"), "keys")
		// Without a prefix Purge is FLUSHDB and returns the count before it,
		// summed over the masters.
		n, err := c.Purge(ctx)
		must(t, err)
		if n != 600 {
			t.Fatalf("Purge = %d, want 600", n)
		}
		for _, m := range masters(t, rdb) {
			if k := m.DBSize(ctx).Val(); k != 0 {
				t.Fatalf("master %s holds %d keys after Purge", m.Options().Addr, k)
			}
		}
		p := runtime.NewRedisCache(rdb, runtime.WithPrefix("p:"))
		for i := range 600 {
			must(t, p.Set(ctx, fmt.Sprint(i), i, 0))
		}
		must(t, c.Set(ctx, "unprefixed", 1, 0))
		must(t, p.FlushDB(ctx))
		for _, m := range masters(t, rdb) {
			if k := m.DBSize(ctx).Val(); k != 0 {
				t.Fatalf("master %s holds %d keys after FlushDB", m.Options().Addr, k)
			}
		}
		var v int
		if err := p.Get(ctx, "1", &v); !errors.Is(err, runtime.ErrMiss) {
			t.Fatal(err)
		}
		if st := p.Stats(); st.Misses != 1 || st.Hits != 0 || st.Errors != 0 {
			t.Fatalf("%+v", st)
		}
	})

	t.Run("GetOrLoadAndLock", func(t *testing.T) {
		flushMasters(t, cl)
		// Four independent clients, as four processes would be, each with
		// the cross-process lock; a plain and a hash-tagged key.
		var stores []*runtime.Store[User]
		for range 4 {
			stores = append(stores, newUsers(t, cl.Client(t), runtime.WithLock(5*time.Second)))
		}
		for _, key := range []string{userKey(stores[0], 9), "user:{tenant7}:9:v0000001"} {
			var calls atomic.Int32
			var wg sync.WaitGroup
			for _, s := range stores {
				for range 5 { // and five callers per process: singleflight
					wg.Add(1)
					go func() {
						defer wg.Done()
						u, err := s.GetOrLoad(ctx, key, func(context.Context) (*User, error) {
							calls.Add(1)
							time.Sleep(200 * time.Millisecond)
							return &User{ID: 9, Email: key}, nil
						})
						if err != nil || u.ID != 9 || u.Email != key {
							t.Error(u, err)
						}
					}()
				}
			}
			wg.Wait()
			if calls.Load() != 1 {
				t.Fatalf("%s: loader ran %d times across 4 cluster clients", key, calls.Load())
			}
			if exists(t, rdb, runtime.FenceKey(key)) != 0 {
				t.Fatalf("%s: lock not released", key)
			}
			u, err := stores[3].Get(ctx, key)
			if err != nil || u.Email != key {
				t.Fatal(u, err)
			}
		}
		// Negative caching on the cluster.
		s := newUsers(t, rdb, runtime.WithNegativeTTL(time.Minute))
		var calls int
		for range 3 {
			_, err := s.GetOrLoad(ctx, userKey(s, 404), func(context.Context) (*User, error) { calls++; return nil, runtime.ErrNotFound })
			if !errors.Is(err, runtime.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if calls != 1 {
			t.Fatalf("loader ran %d times with negative caching", calls)
		}
	})
}
