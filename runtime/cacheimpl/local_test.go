package cacheimpl_test

// The near cache through the typed cache: hits by the key parameter (no key
// string built), as coherent as through the Store, on one node and on a
// cluster.

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

type Point struct {
	ID   int64
	Name string
}

func pointSpec() *cacheimpl.Spec[int64, Point] {
	return &cacheimpl.Spec[int64, Point]{
		Name: "PointCache", Version: "v0000003",
		Pattern: "point:*:v0000003", Match: `point:(?:-?[0-9]+):v0000003`,
		AllPattern: "point:*", AllMatch: `point:(?:-?[0-9]+)(?::v[0-9a-f]{7})?`,
		Key:   func(id int64) string { return "point:" + strconv.FormatInt(id, 10) + ":v0000003" },
		KeyOf: func(v *Point) (int64, error) { return v.ID, nil },
		Clone: func(p *Point) *Point { c := *p; return &c },
	}
}

type countEvents struct{ hits atomic.Int64 }

func (o *countEvents) Observe(_ context.Context, ev runtime.Event) { o.hits.Add(int64(ev.Hits)) }

// waitValue polls r until id reads as want ("" = a miss) within a second.
func waitValue(t *testing.T, r *cacheimpl.Cache[int64, Point], id int64, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		p, err := r.Get(ctx, id)
		got := ""
		if err == nil {
			got = p.Name
		} else if !errors.Is(err, runtime.ErrMiss) {
			t.Fatal(err)
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reads %q a second after it became %q", id, got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func localAgain(t *testing.T, r *cacheimpl.Cache[int64, Point], id int64) {
	t.Helper()
	for i := 0; ; i++ {
		before := r.Stats().LocalHits
		if _, err := r.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
		if r.Stats().LocalHits > before {
			return
		}
		if i == 1000 {
			t.Fatal("never served locally")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNearCacheByKey(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		r, err := cacheimpl.New(rdb, pointSpec(), runtime.WithLocal(100), runtime.WithLocalMaxAge(time.Minute))
		must(t, err)
		defer r.Close()
		w, err := cacheimpl.New(rdb, pointSpec())
		must(t, err)
		must(t, w.Set(ctx, &Point{ID: 1, Name: "v1"}))
		localAgain(t, r, 1)

		// A hit by key parameter builds no key: the copy is its only
		// allocation, and it is counted as a local hit.
		before := r.Stats().LocalHits
		if a := testing.AllocsPerRun(100, func() {
			if p, err := r.Get(ctx, 1); err != nil || p.Name != "v1" {
				t.Fatal(p, err)
			}
		}); a != 1 {
			t.Fatalf("%v allocations per local hit, want 1 (the copy)", a)
		}
		if n := r.Stats().LocalHits - before; n < 100 {
			t.Fatalf("%d of 101 reads local", n)
		}
		// The caller's copy is its own.
		p, _ := r.Get(ctx, 1)
		p.Name = "mutated"
		if p, _ := r.Get(ctx, 1); p.Name != "v1" {
			t.Fatal("local value shared with a caller")
		}

		// Writes, removals and raw DELs by others evict it.
		must(t, w.Set(ctx, &Point{ID: 1, Name: "v2"}))
		waitValue(t, r, 1, "v2")
		localAgain(t, r, 1)
		if _, err := w.Remove(ctx, 1); err != nil {
			t.Fatal(err)
		}
		waitValue(t, r, 1, "")
		must(t, w.Set(ctx, &Point{ID: 1, Name: "v3"}))
		waitValue(t, r, 1, "v3")
		localAgain(t, r, 1)
		must(t, rdb.Del(ctx, r.Key(1)).Err())
		waitValue(t, r, 1, "")

		// Its own write drops it at once.
		must(t, w.Set(ctx, &Point{ID: 1, Name: "v4"}))
		waitValue(t, r, 1, "v4")
		localAgain(t, r, 1)
		must(t, r.Set(ctx, &Point{ID: 1, Name: "v5"}))
		if p, err := r.Get(ctx, 1); err != nil || p.Name != "v5" {
			t.Fatalf("after its own Set: %v, %v", p, err)
		}

		// Evicted entries are not served by key either: fill past the room.
		for id := int64(100); id < 400; id++ {
			must(t, w.Set(ctx, &Point{ID: id, Name: "x"}))
			if _, err := r.Get(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		must(t, w.Set(ctx, &Point{ID: 1, Name: "v6"}))
		waitValue(t, r, 1, "v6")

		// After Close: ErrClosed, not a local hit.
		must(t, r.Close())
		if _, err := r.Get(ctx, 1); !errors.Is(err, runtime.ErrClosed) {
			t.Fatalf("Get after Close: %v", err)
		}
	})
}

// TestNearCacheByKeyObserved: with an Observer every Get, local hits
// included, is reported.
func TestNearCacheByKeyObserved(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		o := &countEvents{}
		r, err := cacheimpl.New(rdb, pointSpec(), runtime.WithLocal(100), runtime.WithObserver(o))
		must(t, err)
		defer r.Close()
		must(t, r.Set(ctx, &Point{ID: 7, Name: "a"}))
		localAgain(t, r, 7)
		before := o.hits.Load()
		for range 10 {
			if _, err := r.Get(ctx, 7); err != nil {
				t.Fatal(err)
			}
		}
		if n := o.hits.Load() - before; n != 10 {
			t.Fatalf("%d hit events for 10 local hits", n)
		}
	})
}
