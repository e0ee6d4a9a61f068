package cacheimpl_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

var ctx = context.Background()

var keyA = string(make64('a'))

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}

type User struct {
	ID    int64
	Email string
	Tags  []string
}

type Order struct {
	TenantID string
	ID       uint32
	Owner    *Owner
	Total    int64
}

type Owner struct{ Name string }

// OrderKey is what the generator writes for a template with two
// placeholders.
type OrderKey struct {
	TenantID string
	ID       uint32
}

// userSpec is what the generator writes for //cache:key=user:<ID>.
func userSpec() *cacheimpl.Spec[int64, User] {
	return &cacheimpl.Spec[int64, User]{
		Name: "UserCache", Version: "v0000001",
		Pattern: "user:*:v0000001", Match: `user:(?:-?[0-9]+):v0000001`,
		AllPattern: "user:*", AllMatch: `user:(?:-?[0-9]+)(?::v[0-9a-f]{7})?`,
		Key:   func(id int64) string { return "user:" + strconv.FormatInt(id, 10) + ":v0000001" },
		KeyOf: func(v *User) (int64, error) { return v.ID, nil },
	}
}

// orderSpec: //cache:key=tenant:{<TenantID>}:order:<ID>, with an Owner
// pointer that must not be nil (as a key field path would require).
func orderSpec() *cacheimpl.Spec[OrderKey, Order] {
	return &cacheimpl.Spec[OrderKey, Order]{
		Name: "OrderCache", Version: "v0000002", TTL: time.Hour,
		Pattern:    "tenant:{*}:order:*:v0000002",
		Match:      `tenant:\{(?:[^\%\:\{\}]|%[0-9A-Fa-f]{2})*\}:order:(?:[0-9]+):v0000002`,
		AllPattern: "tenant:{*}:order:*",
		AllMatch:   `tenant:\{(?:[^\%\:\{\}]|%[0-9A-Fa-f]{2})*\}:order:(?:[0-9]+)(?::v[0-9a-f]{7})?`,
		Key: func(k OrderKey) string {
			return "tenant:{" + cacheimpl.Escape(k.TenantID, "") + "}:order:" + strconv.FormatUint(uint64(k.ID), 10) + ":v0000002"
		},
		KeyOf: func(v *Order) (OrderKey, error) {
			if v.Owner == nil {
				return OrderKey{}, errors.New("cachegen: OrderCache: nil Owner")
			}
			return OrderKey{v.TenantID, v.ID}, nil
		},
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	redistest.StopShared()
	os.Exit(code)
}

// topologies runs f on a fresh single server, and on the 3-master cluster
// shared by the test binary (flushed, its command stats reset).
func topologies(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient)) {
	t.Run("single", func(t *testing.T) { f(t, redistest.Start(t).Client(t)) })
	t.Run("cluster", func(t *testing.T) {
		cl := redistest.SharedCluster(t)
		redistest.FlushCluster(t, cl)
		f(t, cl.Client(t))
	})
}

func TestCacheGetSetHasRemoveTTL(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, userSpec(), runtime.WithTTL(time.Minute), runtime.WithPrefix("p:"))
		must(t, err)
		if got := c.Key(42); got != "p:user:42:v0000001" {
			t.Fatalf("Key = %q", got)
		}
		if _, err := c.Get(ctx, 1); !errors.Is(err, runtime.ErrMiss) {
			t.Fatal(err)
		}
		must(t, c.Set(ctx, &User{ID: 1, Email: "a@b"}))
		u, err := c.Get(ctx, 1)
		if err != nil || u.Email != "a@b" {
			t.Fatal(u, err)
		}
		if raw, err := rdb.Get(ctx, "p:user:1:v0000001").Result(); err != nil || raw == "" {
			t.Fatal("value not under the key Key names", err)
		}
		if d, err := c.TTL(ctx, 1); err != nil || d <= 0 || d > time.Minute {
			t.Fatal(d, err)
		}
		must(t, c.SetWithTTL(ctx, &User{ID: 2}, 0))
		if d, _ := c.TTL(ctx, 2); d != runtime.NoExpiry {
			t.Fatal(d)
		}
		if ok, err := c.Has(ctx, 2); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := c.Remove(ctx, 2); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, _ := c.Has(ctx, 2); ok {
			t.Fatal("Remove left the value")
		}
		if err := c.Set(ctx, nil); err == nil {
			t.Fatal("Set(nil) accepted")
		}
		if st := c.Stats(); st.Hits != 1 || st.Misses != 1 {
			t.Fatalf("%+v", st)
		}
	})
}

func TestCacheCompositeKeyBatch(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		if _, err := cacheimpl.New(rdb, orderSpec(), runtime.WithKeys(keyA)); err == nil {
			t.Fatal("WithKeys on a cache without crypt accepted")
		}
		spec := orderSpec()
		spec.Crypt = true
		c, err := cacheimpl.New(rdb, spec, runtime.WithKeys(keyA))
		must(t, err)
		var vs []*Order
		var ks []OrderKey
		for tenant := range 6 {
			for id := range 10 {
				tn := fmt.Sprintf("t%d:x", tenant) // ':' is escaped in keys
				vs = append(vs, &Order{TenantID: tn, ID: uint32(id), Owner: &Owner{"o"}, Total: int64(tenant*100 + id)})
				ks = append(ks, OrderKey{tn, uint32(id)})
			}
		}
		must(t, c.SetMany(ctx, vs))
		if d, err := c.TTL(ctx, ks[0]); err != nil || d <= 0 || d > time.Hour {
			t.Fatal("SetMany did not use the default TTL:", d, err)
		}
		ask := append(append([]OrderKey{}, ks...), OrderKey{"nobody", 1})
		got, err := c.GetMany(ctx, ask)
		must(t, err)
		if len(got) != len(vs) {
			t.Fatalf("GetMany returned %d entries, want %d", len(got), len(vs))
		}
		for i, k := range ks {
			if o := got[k]; o == nil || o.Total != vs[i].Total {
				t.Fatalf("%+v = %+v", k, o)
			}
		}
		// A nil value, or a nil pointer on a key path: nothing is stored.
		for _, bad := range [][]*Order{{{TenantID: "z", ID: 1, Owner: &Owner{}}, nil}, {{TenantID: "z", ID: 2, Owner: &Owner{}}, {TenantID: "z", ID: 3}}} {
			if err := c.SetMany(ctx, bad); err == nil {
				t.Fatal("SetMany of a bad batch accepted")
			}
		}
		if ok, _ := c.Has(ctx, OrderKey{"z", 1}); ok {
			t.Fatal("SetMany stored part of a bad batch")
		}
	})
}

func TestCacheGetOrLoadOncePerKey(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, userSpec())
		must(t, err)
		var calls atomic.Int32
		release := make(chan struct{})
		load := func(_ context.Context, id int64) (*User, error) {
			calls.Add(1)
			<-release
			return &User{ID: id, Tags: []string{"t"}}, nil
		}
		const n = 20
		var wg sync.WaitGroup
		res := make([]*User, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := c.GetOrLoad(ctx, 7, load)
				if err != nil {
					t.Error(err)
				}
				res[i] = u
			}()
		}
		time.Sleep(50 * time.Millisecond)
		close(release)
		wg.Wait()
		if calls.Load() != 1 {
			t.Fatalf("loader ran %d times", calls.Load())
		}
		for i, u := range res {
			if u == nil || u.ID != 7 || (i > 0 && u == res[0]) {
				t.Fatalf("caller %d got %+v (shared copy?)", i, u)
			}
		}
		if u, err := c.Get(ctx, 7); err != nil || u.ID != 7 {
			t.Fatal("GetOrLoad did not store", u, err)
		}
	})
}

func TestHandlePurgeCloseStats(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, userSpec(), runtime.WithPrefix("app:"))
		must(t, err)
		for i := range 30 {
			must(t, c.Set(ctx, &User{ID: int64(i)}))
		}
		must(t, rdb.Set(ctx, "app:user:1:v1234567", "old version", 0).Err())
		must(t, rdb.Set(ctx, "app:user:email:x:v0000001", "sibling cache", 0).Err())
		must(t, rdb.Set(ctx, "other:user:5:v0000001", "another prefix", 0).Err())
		var h cacheimpl.Handle = c.Handle // what a generated type embeds
		n, err := h.Purge(ctx)
		if err != nil || n != 30 {
			t.Fatal(n, err)
		}
		n, err = h.PurgeAllVersions(ctx)
		if err != nil || n != 1 {
			t.Fatal(n, err)
		}
		for _, k := range []string{"app:user:email:x:v0000001", "other:user:5:v0000001"} {
			if _, err := rdb.Get(ctx, k).Result(); err != nil {
				t.Fatalf("a purge touched %s: %v", k, err)
			}
		}
		_, _ = c.Get(ctx, 1)
		if st := h.Stats(); st.Misses != 1 {
			t.Fatalf("%+v", st)
		}
		must(t, h.Close())
		if _, err := c.Get(ctx, 1); !errors.Is(err, runtime.ErrClosed) {
			t.Fatal(err)
		}
	})
}
