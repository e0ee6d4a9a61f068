package cacheimpl_test

// The typed cache's behaviour, ported from runtime's Store tests to the API
// generated code calls; each runs on one node and on the shared cluster.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

func newUsers(t *testing.T, rdb redis.UniversalClient, opts ...runtime.Option) *cacheimpl.Cache[int64, User] {
	t.Helper()
	c, err := cacheimpl.New(rdb, userSpec(), opts...)
	must(t, err)
	return c
}

// another returns a new client of rdb's server or cluster, with its own
// pool: what a second process would have.
func another(t *testing.T, rdb redis.UniversalClient) redis.UniversalClient {
	t.Helper()
	var c redis.UniversalClient
	switch r := rdb.(type) {
	case *redis.Client:
		c = redis.NewClient(&redis.Options{Addr: r.Options().Addr})
	case *redis.ClusterClient:
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: r.Options().Addrs})
	default:
		t.Fatalf("another: %T", rdb)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// keyCount sums DBSIZE over every master.
func keyCount(t *testing.T, rdb redis.UniversalClient) int64 {
	t.Helper()
	var n atomic.Int64
	count := func(ctx context.Context, c *redis.Client) error {
		k, err := c.DBSize(ctx).Result()
		n.Add(k)
		return err
	}
	switch r := rdb.(type) {
	case *redis.ClusterClient:
		must(t, r.ForEachMaster(ctx, count))
	case *redis.Client:
		must(t, count(ctx, r))
	}
	return n.Load()
}

func TestCacheStoredNilIsDecodeError(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := newUsers(t, rdb)
		// A stored nil cannot be a *User: decode error, not a zero User.
		must(t, rdb.Set(ctx, c.Key(4), []byte{0xc0}, 0).Err())
		if _, err := c.Get(ctx, 4); !errors.Is(err, runtime.ErrDecode) {
			t.Fatal(err)
		}
		if st := c.Stats(); st.Errors != 1 || st.Hits != 0 {
			t.Fatalf("%+v", st)
		}
	})
}

func TestCacheGetManySetMany(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		for _, crypt := range []bool{false, true} {
			t.Run(fmt.Sprint("crypt=", crypt), func(t *testing.T) {
				spec := userSpec()
				spec.Crypt = crypt
				var opts []runtime.Option
				if crypt {
					opts = append(opts, runtime.WithKeys(keyA))
				}
				c, err := cacheimpl.New(rdb, spec, append(opts, runtime.WithPrefix(fmt.Sprint(crypt, ":")))...)
				must(t, err)
				ids := make([]int64, 100)
				var vs []*User
				for i := range ids {
					ids[i] = int64(i)
					vs = append(vs, &User{ID: int64(i), Tags: []string{fmt.Sprint(i)}})
				}
				must(t, c.SetMany(ctx, vs[:50]))
				must(t, rdb.Set(ctx, c.Key(60), "garbage", 0).Err())
				got, err := c.GetMany(ctx, ids)
				if !errors.Is(err, runtime.ErrDecode) {
					t.Fatalf("GetMany error = %v, want the garbage key's ErrDecode", err)
				}
				if len(got) != 50 {
					t.Fatalf("GetMany returned %d values, want 50", len(got))
				}
				for i := range 50 {
					if u := got[int64(i)]; u == nil || u.ID != int64(i) || u.Tags[0] != fmt.Sprint(i) {
						t.Fatalf("%d: %+v", i, u)
					}
				}
				if st := c.Stats(); st.Hits != 50 || st.Misses != 49 || st.Errors != 1 {
					t.Fatalf("%+v", st)
				}
			})
		}
	})
}

func TestCacheGetOrLoadCallerCancel(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := newUsers(t, rdb)
		var calls atomic.Int32
		release := make(chan struct{})
		load := func(context.Context, int64) (*User, error) {
			calls.Add(1)
			<-release
			return &User{ID: 7, Tags: []string{"t"}}, nil
		}
		const n = 20
		var wg sync.WaitGroup
		results := make([]*User, n)
		errs := make([]error, n)
		// One impatient caller whose context is cancelled must not fail
		// others. It starts the load alone, so that it is surely waiting in
		// the flight when it gives up.
		cctx, cancel := context.WithCancel(ctx)
		call := func(i int, cx context.Context) {
			defer wg.Done()
			results[i], errs[i] = c.GetOrLoad(cx, 7, load)
		}
		wg.Add(1)
		go call(0, cctx)
		for calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		for i := 1; i < n; i++ {
			wg.Add(1)
			go call(i, ctx)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
		time.Sleep(20 * time.Millisecond)
		close(release)
		wg.Wait()
		if calls.Load() != 1 {
			t.Fatalf("loader ran %d times", calls.Load())
		}
		if !errors.Is(errs[0], context.Canceled) {
			t.Fatalf("cancelled caller got %v", errs[0])
		}
		for i := 1; i < n; i++ {
			if errs[i] != nil || results[i].ID != 7 {
				t.Fatalf("caller %d: %v %v", i, results[i], errs[i])
			}
		}
		results[1].Tags[0] = "mutated"
		if results[2].Tags[0] != "t" {
			t.Fatal("callers share a slice")
		}
		if _, err := c.GetOrLoad(ctx, 7, load); err != nil || calls.Load() != 1 {
			t.Fatal("second GetOrLoad loaded again", err)
		}
	})
}

func TestCacheGetOrLoadErrors(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c := newUsers(t, rdb)
		boom := errors.New("db down")
		if _, err := c.GetOrLoad(ctx, 1, func(context.Context, int64) (*User, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		u, err := c.GetOrLoad(ctx, 1, func(_ context.Context, id int64) (*User, error) { return &User{ID: id}, nil })
		if err != nil || u.ID != 1 {
			t.Fatal("loader error was cached", err)
		}
		// Without negative caching, ErrNotFound is not cached either.
		calls := 0
		nf := func(context.Context, int64) (*User, error) { calls++; return nil, runtime.ErrNotFound }
		for range 2 {
			if _, err := c.GetOrLoad(ctx, 2, nf); !errors.Is(err, runtime.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if calls != 2 {
			t.Fatal(calls)
		}
		// With it, the not-found is cached for the negative TTL.
		neg := newUsers(t, rdb, runtime.WithNegativeTTL(time.Minute))
		calls = 0
		for range 3 {
			if _, err := neg.GetOrLoad(ctx, 3, nf); !errors.Is(err, runtime.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if calls != 1 {
			t.Fatalf("loader ran %d times with negative caching", calls)
		}
		if _, err := neg.Get(ctx, 3); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatal(err)
		}
		if d, err := neg.TTL(ctx, 3); err != nil || d <= 0 || d > time.Minute {
			t.Fatal(d, err)
		}
	})
}

// TestCacheLockAcrossClients: four independent clients (as four processes
// would be) load one missing key; with the lock, the loader runs once, and
// afterwards the keyspace holds the value alone.
func TestCacheLockAcrossClients(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		var calls atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			c := newUsers(t, another(t, rdb), runtime.WithLock(5*time.Second))
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := c.GetOrLoad(ctx, 9, func(_ context.Context, id int64) (*User, error) {
					calls.Add(1)
					time.Sleep(200 * time.Millisecond)
					return &User{ID: id}, nil
				})
				if err != nil || u.ID != 9 {
					t.Error(u, err)
				}
			}()
		}
		wg.Wait()
		if calls.Load() != 1 {
			t.Fatalf("loader ran %d times across clients", calls.Load())
		}
		if n := keyCount(t, rdb); n != 1 {
			t.Fatalf("%d keys after the load, want the value alone (lock released)", n)
		}
	})
}

func TestCacheJitter(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		spec := userSpec()
		spec.TTL, spec.Jitter = 100*time.Second, 20
		c, err := cacheimpl.New(rdb, spec)
		must(t, err)
		seen := map[time.Duration]bool{}
		for i := range 20 {
			must(t, c.Set(ctx, &User{ID: int64(i)}))
			d := rdb.PTTL(ctx, c.Key(int64(i))).Val()
			if d < 79*time.Second || d > 120*time.Second {
				t.Fatalf("jittered TTL %v outside ±20%%", d)
			}
			seen[d.Round(time.Second)] = true
		}
		if len(seen) < 5 {
			t.Fatal("TTLs not spread", seen)
		}
		// An explicit other TTL is kept exactly.
		must(t, c.SetWithTTL(ctx, &User{ID: 99}, 10*time.Second))
		if d := rdb.PTTL(ctx, c.Key(99)).Val(); d < 9900*time.Millisecond {
			t.Fatal(d)
		}
	})
}

func TestCacheRejectsBadConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer rdb.Close()
	crypt := userSpec()
	crypt.Crypt = true
	custom := userSpec()
	custom.Codec = "custom"
	for name, build := range map[string]func() error{
		"crypt without keys":         func() error { _, err := cacheimpl.New(rdb, crypt); return err },
		"custom codec without codec": func() error { _, err := cacheimpl.New(rdb, custom); return err },
		"negative WithTTL": func() error {
			_, err := cacheimpl.New(rdb, userSpec(), runtime.WithTTL(-time.Second))
			return err
		},
		"WithKeys without crypt": func() error {
			_, err := cacheimpl.New(rdb, userSpec(), runtime.WithKeys(keyA))
			return err
		},
		"nil client": func() error { _, err := cacheimpl.New(nil, userSpec()); return err },
	} {
		if err := build(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

type textID struct{ ok bool }

func (v textID) MarshalText() ([]byte, error) {
	if !v.ok {
		return nil, errors.New("no text")
	}
	return []byte("id"), nil
}

// TestCacheBadKeyPart: a key part whose MarshalText fails makes every
// operation on that key fail with its error, and nothing is written.
func TestCacheBadKeyPart(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		type Item struct{ OK bool }
		c, err := cacheimpl.New(rdb, &cacheimpl.Spec[textID, Item]{
			Name: "ItemCache", Pattern: "item:*", Match: `item:.*`, AllPattern: "item:*", AllMatch: `item:.*`,
			Key:   func(id textID) string { return "item:" + cacheimpl.TextKey(id, "") },
			KeyOf: func(v *Item) (textID, error) { return textID{v.OK}, nil },
		})
		must(t, err)
		if err := c.Set(ctx, &Item{}); err == nil || keyCount(t, rdb) != 0 {
			t.Fatal("bad key part written", err)
		}
		if _, err := c.Get(ctx, textID{}); err == nil || errors.Is(err, runtime.ErrMiss) {
			t.Fatal("bad key part read", err)
		}
		must(t, c.Set(ctx, &Item{OK: true}))
		if _, err := c.Get(ctx, textID{true}); err != nil {
			t.Fatal(err)
		}
	})
}

type recorder struct {
	mu  sync.Mutex
	evs []runtime.Event
}

func (r *recorder) Observe(_ context.Context, ev runtime.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func TestCacheObserver(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		rec := &recorder{}
		c := newUsers(t, rdb, runtime.WithObserver(rec))
		must(t, c.Set(ctx, &User{ID: 1}))
		_, _ = c.Get(ctx, 1)
		_, _ = c.Get(ctx, 2)
		_, _ = c.GetMany(ctx, []int64{1, 2, 3})
		must(t, rdb.Set(ctx, c.Key(4), "junk", 0).Err())
		_, _ = c.Get(ctx, 4)
		want := []runtime.Event{
			{Cache: "UserCache", Op: "set"},
			{Cache: "UserCache", Op: "get", Hits: 1},
			{Cache: "UserCache", Op: "get", Misses: 1},
			{Cache: "UserCache", Op: "get_many", Hits: 1, Misses: 2},
			{Cache: "UserCache", Op: "get", Errors: 1},
		}
		if len(rec.evs) != len(want) {
			t.Fatalf("%d events: %+v", len(rec.evs), rec.evs)
		}
		for i, ev := range rec.evs {
			if ev.Duration <= 0 {
				t.Fatalf("event %d has no duration", i)
			}
			ev.Duration, ev.Err = 0, nil
			if ev != want[i] {
				t.Fatalf("event %d = %+v, want %+v", i, ev, want[i])
			}
		}
	})
}
