package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime"
)

// batchLoader records its calls and returns a User per asked index whose
// ID is in keep (all when keep is nil).
type batchLoader struct {
	calls [][]int
	keep  func(i int) bool
	ids   []int64 // ids[i]: the ID behind keys[i]
	hook  func()  // runs inside the loader
	err   error
}

func (l *batchLoader) load(ctx context.Context, missing []int) (map[int]*User, error) {
	l.calls = append(l.calls, slices.Clone(missing))
	if l.hook != nil {
		l.hook()
	}
	m := make(map[int]*User)
	for _, i := range missing {
		if l.keep == nil || l.keep(i) {
			m[i] = &User{ID: l.ids[i], Email: "loaded"}
		}
	}
	if l.err != nil {
		return m, l.err // a partial map with the error: neither returned nor stored
	}
	return m, nil
}

func userKeys(s *runtime.Store[User], ids []int64) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = userKey(s, id)
	}
	return keys
}

// TestGetManyOrLoad: one loader call with exactly the misses, deduplicated
// and in first-seen order; hits and loaded values returned; loaded values
// stored with the default TTL; no loader call when nothing misses; the
// keyspace holds only values afterwards.
func TestGetManyOrLoad(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour))
	for _, id := range []int64{1, 2, 3} {
		must(t, s.Set(ctx, userKey(s, id), &User{ID: id, Email: "cached"}, time.Hour))
	}
	ids := []int64{7, 1, 5, 7, 2, 9, 5, 3}
	keys := userKeys(s, ids)
	l := &batchLoader{ids: ids}
	got, err := s.GetManyOrLoad(ctx, keys, l.load)
	must(t, err)
	if fmt.Sprint(l.calls) != "[[0 2 5]]" { // 7, 5, 9: first positions
		t.Fatalf("loader calls %v, want one call with the first positions of 7, 5, 9", l.calls)
	}
	for i, u := range got {
		want := "loaded"
		if ids[i] <= 3 {
			want = "cached"
		}
		if u == nil || u.ID != ids[i] || u.Email != want {
			t.Fatalf("result %d (id %d) = %+v, want %s", i, ids[i], u, want)
		}
	}
	for _, id := range []int64{5, 7, 9} {
		if d, err := s.TTL(ctx, userKey(s, id)); err != nil || d < 59*time.Minute {
			t.Fatalf("id %d stored with TTL %v, %v; want the default hour", id, d, err)
		}
	}
	if n := dbSize(t, rdb); n != 6 {
		t.Fatalf("%d keys after the batch, want the 6 values only", n)
	}
	// Everything cached now: no loader call.
	if _, err := s.GetManyOrLoad(ctx, keys, l.load); err != nil || len(l.calls) != 1 {
		t.Fatalf("second batch: %v, %d loader calls", err, len(l.calls))
	}
	if got, err := s.GetManyOrLoad(ctx, nil, l.load); err != nil || len(got) != 0 || len(l.calls) != 1 {
		t.Fatal("empty batch called the loader", err)
	}
}

// TestGetManyOrLoadLeftOut: IDs the loader leaves out are absent and not
// cached; with WithNegativeTTL they are cached as not-found and not passed
// to the loader again. Keys the loader returns unasked are ignored.
func TestGetManyOrLoadLeftOut(t *testing.T) {
	for _, c := range []struct {
		neg   time.Duration
		crypt bool
	}{{0, false}, {time.Minute, false}, {time.Minute, true}} {
		neg := c.neg
		t.Run(fmt.Sprint("negative=", neg, "/crypt=", c.crypt), func(t *testing.T) {
			rdb := server(t)
			spec := userSpec
			spec.Crypt = c.crypt
			s, err := runtime.NewStore[User](rdb, spec, append(keysIf(c.crypt), runtime.WithTTL(time.Hour), runtime.WithNegativeTTL(neg))...)
			must(t, err)
			ids := []int64{1, 2, 3, 4}
			keys := userKeys(s, ids)
			l := &batchLoader{ids: ids, keep: func(i int) bool { return i%2 == 0 }}
			unasked := func(ctx context.Context, missing []int) (map[int]*User, error) {
				m, err := l.load(ctx, missing)
				m[99] = &User{ID: 99} // not asked for
				m[-1] = &User{ID: -1}
				return m, err
			}
			got, err := s.GetManyOrLoad(ctx, keys, unasked)
			must(t, err)
			if got[0] == nil || got[1] != nil || got[2] == nil || got[3] != nil {
				t.Fatalf("result %v", got)
			}
			if n := exists(t, rdb, keys[1], keys[3]); neg == 0 && n != 0 || neg > 0 && n != 2 {
				t.Fatalf("%d left-out keys cached (negative TTL %v)", n, neg)
			}
			if neg > 0 {
				if _, err := s.Get(ctx, keys[1]); !errors.Is(err, runtime.ErrNotFound) {
					t.Fatalf("left-out key: %v, want ErrNotFound", err)
				}
				if _, err := s.GetManyOrLoad(ctx, keys, l.load); err != nil || len(l.calls) != 1 {
					t.Fatalf("cached not-found passed to the loader again: %v", l.calls)
				}
			}
			if n := dbSize(t, rdb); n != 2+int64(exists(t, rdb, keys[1], keys[3])) {
				t.Fatalf("%d keys: an unasked key was stored", n)
			}
		})
	}
}

// TestGetManyOrLoadLoaderError: the hits come back with the error; nothing
// is stored, and the loader's partial map is not returned.
func TestGetManyOrLoadLoaderError(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	must(t, s.Set(ctx, userKey(s, 1), &User{ID: 1}, 0))
	ids := []int64{1, 2, 3}
	boom := errors.New("db down")
	l := &batchLoader{ids: ids, err: boom}
	got, err := s.GetManyOrLoad(ctx, userKeys(s, ids), l.load)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the loader's", err)
	}
	if got[0] == nil || got[0].ID != 1 || got[1] != nil || got[2] != nil {
		t.Fatalf("result %v: want the hit only", got)
	}
	if n := dbSize(t, rdb); n != 1 {
		t.Fatalf("%d keys after a failed load, want the one hit", n)
	}
}

// TestGetManyOrLoadOverrideTTL: the loader's OverrideTTL applies to the
// batch's stored values.
func TestGetManyOrLoadOverrideTTL(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour))
	ids := []int64{1, 2}
	l := &batchLoader{ids: ids}
	_, err := s.GetManyOrLoad(ctx, userKeys(s, ids), func(ctx context.Context, missing []int) (map[int]*User, error) {
		runtime.OverrideTTL(ctx, 2*time.Minute)
		return l.load(ctx, missing)
	})
	must(t, err)
	for _, id := range ids {
		if d, err := s.TTL(ctx, userKey(s, id)); err != nil || d > 2*time.Minute || d < time.Minute {
			t.Fatalf("id %d: TTL %v, %v; want the 2m override", id, d, err)
		}
	}
}

// TestGetManyOrLoadUndecodable: a value that fails to decode is counted,
// reloaded and replaced, unless another writer replaced it during the load.
func TestGetManyOrLoadUndecodable(t *testing.T) {
	clients := servers(t, 2)
	s, other := newUsers(t, clients[0]), newUsers(t, clients[1])
	ids := []int64{1, 2}
	keys := userKeys(s, ids)
	must(t, clients[0].Set(ctx, keys[0], "garbage", 0).Err())
	must(t, clients[0].Set(ctx, keys[1], "garbage", 0).Err())
	l := &batchLoader{ids: ids, hook: func() {
		must(t, other.Set(ctx, keys[1], &User{ID: 2, Email: "written meanwhile"}, 0))
	}}
	got, err := s.GetManyOrLoad(ctx, keys, l.load)
	must(t, err)
	if fmt.Sprint(l.calls) != "[[0 1]]" || got[0].Email != "loaded" || got[1].Email != "loaded" {
		t.Fatalf("calls %v, result %+v %+v", l.calls, got[0], got[1])
	}
	if st := s.Stats(); st.Errors != 2 {
		t.Fatalf("stats %+v: want the 2 decode errors", st)
	}
	if u, err := s.Get(ctx, keys[0]); err != nil || u.Email != "loaded" {
		t.Fatalf("bad bytes not replaced: %+v, %v", u, err)
	}
	if u, err := s.Get(ctx, keys[1]); err != nil || u.Email != "written meanwhile" {
		t.Fatalf("the batch overwrote a newer value: %+v, %v", u, err)
	}
}

// TestGetManyOrLoadRemoveWins: a Remove by another client during the batch
// load wins for that key; the batch's other keys are stored.
func TestGetManyOrLoadRemoveWins(t *testing.T) {
	clients := servers(t, 2)
	s, other := newUsers(t, clients[0]), newUsers(t, clients[1])
	ids := []int64{1, 2, 3, 4, 5}
	keys := userKeys(s, ids)
	l := &batchLoader{ids: ids, hook: func() {
		if _, err := other.Remove(ctx, keys[2]); err != nil {
			t.Error(err)
		}
	}}
	got, err := s.GetManyOrLoad(ctx, keys, l.load)
	must(t, err)
	if got[2] == nil {
		t.Fatal("the removed key's loaded value was not returned")
	}
	if _, err := s.Get(ctx, keys[2]); !errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("load stored over a Remove: %v", err)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if _, err := s.Get(ctx, keys[i]); err != nil {
			t.Fatalf("key %d not stored: %v", i, err)
		}
	}
	if n := dbSize(t, clients[0]); n != 4 {
		t.Fatalf("%d keys, want the 4 values", n)
	}
}

// TestGetManyOrLoadTenants: a batch of composite keys across six tenants,
// each tenant its own hash slot (key tenant:{T}:order:<ID>); on a Cluster
// the batch spans slots and nodes without CROSSSLOT.
func TestGetManyOrLoadTenants(t *testing.T) {
	rdb := server(t)
	spec := runtime.Spec{Name: "OrderCache", Version: "v0000002",
		Pattern: "tenant:{*}:order:*:v0000002", Match: `tenant:\{[^:{}]*\}:order:[0-9]+:v0000002`,
		AllPattern: "tenant:{*}:order:*", AllMatch: `tenant:\{[^:{}]*\}:order:[0-9]+(?::v[0-9a-f]{7})?`}
	s, err := runtime.NewStore[User](rdb, spec, runtime.WithTTL(time.Hour))
	must(t, err)
	var keys []string
	var ids []int64
	for tenant := range 6 {
		for id := range 5 {
			keys = append(keys, fmt.Sprintf("tenant:{t%d}:order:%d:v0000002", tenant, id))
			ids = append(ids, int64(tenant*100+id))
		}
	}
	for i := 0; i < len(keys); i += 3 {
		must(t, s.Set(ctx, keys[i], &User{ID: ids[i], Email: "cached"}, time.Hour))
	}
	l := &batchLoader{ids: ids}
	got, err := s.GetManyOrLoad(ctx, keys, l.load)
	must(t, err)
	if len(l.calls) != 1 || len(l.calls[0]) != 20 {
		t.Fatalf("loader calls %v, want one with the 20 misses", l.calls)
	}
	for i, u := range got {
		if u == nil || u.ID != ids[i] {
			t.Fatalf("%s: %+v", keys[i], u)
		}
	}
	again, err := s.GetMany(ctx, keys)
	must(t, err)
	for i, u := range again {
		if u == nil || u.ID != ids[i] {
			t.Fatalf("%s not stored: %+v", keys[i], u)
		}
	}
	if n := dbSize(t, rdb); n != 30 {
		t.Fatalf("%d keys, want the 30 values", n)
	}
	if n, err := s.Purge(ctx); err != nil || n != 30 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
}
