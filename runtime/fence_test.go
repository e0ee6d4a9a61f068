package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// bracePrefixes are runtime prefixes that defeat a naive fence name: a hash
// tag of their own, lone braces either way, an empty tag, reversed braces.
var bracePrefixes = []string{"", "app:", "{app}:", "a{", "a}", "{}", "x{}y{z}", "}{", "{a", "p{q}r{"}

// TestFenceNames: every fence starts with its value key, lands in its slot
// under the hash-tag rules whatever the prefix, and is never taken for a
// value by the cache's key pattern.
func TestFenceNames(t *testing.T) {
	keys := []string{"user:1:v0000001", "tenant:{t1}:order:5:v0000001", "user:email:a%40b:v0000001", "k"}
	match := regexp.MustCompile(`^(?:` + userSpec.Match + `)$`)
	for _, p := range bracePrefixes {
		for _, k := range keys {
			key := p + k
			f := runtime.FenceKey(key)
			if len(f) <= len(key) || f[:len(key)] != key {
				t.Errorf("fence %q of %q does not start with the key", f, key)
			}
			if runtime.Slot(f) != runtime.Slot(key) {
				t.Errorf("fence %q (slot %d) of %q (slot %d): different slots", f, runtime.Slot(f), key, runtime.Slot(key))
			}
			if v, ok := runtime.FenceOf(f); !ok || v != key {
				t.Errorf("FenceOf(%q) = %q, %v", f, v, ok)
			}
			if _, ok := runtime.FenceOf(key); ok {
				t.Errorf("value key %q taken for a fence", key)
			}
			if match.MatchString(f[len(p):]) {
				t.Errorf("fence %q matches the value pattern", f)
			}
		}
	}
}

// blockedLoad starts GetOrLoad(key) with a loader that returns v once
// release is closed; started is closed when the loader runs.
func blockedLoad(s *runtime.Store[User], key string, v *User) (started, release chan struct{}, result chan *User) {
	started, release, result = make(chan struct{}), make(chan struct{}), make(chan *User, 1)
	go func() {
		u, err := s.GetOrLoad(context.Background(), key, func(context.Context) (*User, error) {
			close(started)
			<-release
			return v, nil
		})
		if err != nil {
			u = &User{Email: "error: " + err.Error()}
		}
		result <- u
	}()
	return started, release, result
}

// TestFencedWriteBack: a Remove, Set, Purge or PurgeAllVersions by this
// process or by another one, made while a loader is blocked, wins over the
// load: the load's value is returned to its caller but not stored. Run on
// every topology (CACHEGEN_TOPOLOGY), with and without WithLock, and with
// prefixes full of braces.
func TestFencedWriteBack(t *testing.T) {
	actions := map[string]func(s *runtime.Store[User], key string) error{
		"Remove": func(s *runtime.Store[User], key string) error { _, err := s.Remove(ctx, key); return err },
		"Set": func(s *runtime.Store[User], key string) error {
			return s.Set(ctx, key, &User{ID: 1, Email: "v2"}, time.Minute)
		},
		"Purge":            func(s *runtime.Store[User], _ string) error { _, err := s.Purge(ctx); return err },
		"PurgeAllVersions": func(s *runtime.Store[User], _ string) error { _, err := s.PurgeAllVersions(ctx); return err },
	}
	i := 0
	for _, name := range []string{"Remove", "Set", "Purge", "PurgeAllVersions"} {
		for _, by := range []string{"same", "other"} {
			for _, lock := range []time.Duration{0, 5 * time.Second} {
				t.Run(fmt.Sprintf("%s/by=%s/lock=%v", name, by, lock), func(t *testing.T) {
					clients := servers(t, 2)
					prefix := bracePrefixes[i%len(bracePrefixes)]
					i++
					opts := []runtime.Option{runtime.WithPrefix(prefix), runtime.WithTTL(time.Minute), runtime.WithLock(lock)}
					s := newUsers(t, clients[0], opts...)
					actor := s
					if by == "other" {
						actor = newUsers(t, clients[1], opts...)
					}
					key := userKey(s, 1)
					// Purge has something to find besides the fence.
					must(t, s.Set(ctx, userKey(s, 2), &User{ID: 2}, time.Minute))
					started, release, result := blockedLoad(s, key, &User{ID: 1, Email: "v1 (stale)"})
					<-started
					must(t, actions[name](actor, key))
					close(release)
					if u := <-result; u.Email != "v1 (stale)" {
						t.Fatalf("the loading caller got %+v, want the loaded value", u)
					}
					got, err := s.Get(ctx, key)
					switch name {
					case "Set":
						if err != nil || got.Email != "v2" {
							t.Fatalf("after Set during the load (prefix %q): %+v, %v; want v2", prefix, got, err)
						}
					default:
						if !errors.Is(err, runtime.ErrMiss) {
							t.Fatalf("after %s during the load (prefix %q): %+v, %v; want a miss", name, prefix, got, err)
						}
					}
					if n := dbSize(t, clients[0]); name == "Set" && n != 2 || name == "Remove" && n != 1 || name[0] == 'P' && n != 0 {
						t.Fatalf("%d keys left after %s: fences linger", n, name)
					}
				})
			}
		}
	}
}

// TestFenceLeavesOnlyTheValue: after a finished load the keyspace holds the
// value and nothing else (no fence, no lock), with and without WithLock.
func TestFenceLeavesOnlyTheValue(t *testing.T) {
	for _, lock := range []time.Duration{0, 5 * time.Second} {
		t.Run(fmt.Sprint("lock=", lock), func(t *testing.T) {
			rdb := server(t)
			s := newUsers(t, rdb, runtime.WithLock(lock), runtime.WithNegativeTTL(time.Minute))
			for i := range 20 {
				if _, err := s.GetOrLoad(ctx, userKey(s, int64(i)), func(context.Context) (*User, error) {
					return &User{ID: int64(i)}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := s.GetOrLoad(ctx, userKey(s, 99), func(context.Context) (*User, error) { return nil, runtime.ErrNotFound })
			if !errors.Is(err, runtime.ErrNotFound) {
				t.Fatal(err)
			}
			_, err = s.GetOrLoad(ctx, userKey(s, 98), func(context.Context) (*User, error) { return nil, errors.New("db down") })
			if err == nil {
				t.Fatal("loader error lost")
			}
			if n := dbSize(t, rdb); n != 21 {
				t.Fatalf("%d keys after 20 loads and one not-found: want 21 (values only)", n)
			}
			if n := exists(t, rdb, runtime.FenceKey(userKey(s, 0)), runtime.FenceKey(userKey(s, 98)), runtime.FenceKey(userKey(s, 99))); n != 0 {
				t.Fatalf("%d fences left", n)
			}
		})
	}
}

// TestFencedStress: GetOrLoad against update+Remove on a handful of rows,
// from two clients (two processes) and several goroutines, for a few
// seconds. At the end no row is cached older than the database. Without the
// fence, stale rows remain (issue 13 measured 2 of 8).
func TestFencedStress(t *testing.T) {
	clients := servers(t, 2)
	stores := []*runtime.Store[User]{newUsers(t, clients[0]), newUsers(t, clients[1])}
	const rows = 6
	var db [rows]atomic.Int64 // the row versions: the source of truth
	var wg sync.WaitGroup
	stop := time.Now().Add(3 * time.Second)
	for g := range 8 {
		s := stores[g%2]
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for time.Now().Before(stop) {
				row := int64(r.IntN(rows))
				key := userKey(s, row)
				if r.IntN(3) == 0 {
					db[row].Add(1)
					if _, err := s.Remove(ctx, key); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				_, err := s.GetOrLoad(ctx, key, func(context.Context) (*User, error) {
					v := db[row].Load()
					time.Sleep(time.Duration(r.IntN(3)) * time.Millisecond) // the query's latency
					return &User{ID: v}, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stale := 0
	for row := range rows {
		u, err := stores[0].Get(ctx, userKey(stores[0], int64(row)))
		if errors.Is(err, runtime.ErrMiss) {
			continue
		}
		must(t, err)
		if u.ID != db[row].Load() {
			stale++
			t.Errorf("row %d cached at version %d, database at %d", row, u.ID, db[row].Load())
		}
	}
	if stale > 0 {
		t.Fatalf("%d of %d rows stale", stale, rows)
	}
}

// TestFenceErrorCounted: a fence the client may not touch (NOPERM from an
// ACL that covers values only) is counted, reported to the Observer, and
// the load's value is returned but not stored.
func TestFenceErrorCounted(t *testing.T) {
	singleNodeOnly(t, "ACL on one server")
	srv := redistest.Start(t)
	admin := srv.Client(t)
	must(t, admin.Do(ctx, "ACL", "SETUSER", "values", "on", ">pw", "~user:*:v0000001", "+@all").Err())
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Username: "values", Password: "pw"})
	t.Cleanup(func() { _ = rdb.Close() })
	rec := &recorder{}
	s := newUsers(t, rdb, runtime.WithObserver(rec))
	u, err := s.GetOrLoad(ctx, userKey(s, 1), func(context.Context) (*User, error) { return &User{ID: 1}, nil })
	if err != nil || u.ID != 1 {
		t.Fatalf("GetOrLoad with a forbidden fence = %+v, %v; want the loaded value", u, err)
	}
	if _, err := s.Get(ctx, userKey(s, 1)); !errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("value stored without its fence: %v %+v %+v", err, s.Stats(), rec.evs)
	}
	if st := s.Stats(); st.Errors != 1 {
		t.Fatalf("stats %+v: the fence error is not counted once", st)
	}
	var fenceEvs []runtime.Event
	for _, ev := range rec.evs {
		if ev.Op == "fence" {
			fenceEvs = append(fenceEvs, ev)
		}
	}
	if len(fenceEvs) != 1 || fenceEvs[0].Errors != 1 || fenceEvs[0].Err == nil {
		t.Fatalf("fence events %+v", fenceEvs)
	}
}

// TestFencedWriteBackSentinel: the fence through a Sentinel failover client,
// Remove by another client during the load.
func TestFencedWriteBackSentinel(t *testing.T) {
	singleNodeOnly(t, "sentinel group")
	st := redistest.StartSentinel(t)
	a, b := newUsers(t, st.FailoverClient(t)), newUsers(t, st.FailoverClient(t))
	key := userKey(a, 1)
	started, release, result := blockedLoad(a, key, &User{ID: 1})
	<-started
	if _, err := b.Remove(ctx, key); err != nil {
		t.Fatal(err)
	}
	close(release)
	if u := <-result; u.ID != 1 {
		t.Fatal(u)
	}
	if _, err := a.Get(ctx, key); !errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("load stored over a Remove through Sentinel: %v", err)
	}
	if _, err := a.GetOrLoad(ctx, key, func(context.Context) (*User, error) { return &User{ID: 1, Email: "x"}, nil }); err != nil {
		t.Fatal(err)
	}
	if u, err := b.Get(ctx, key); err != nil || u.Email != "x" {
		t.Fatalf("unfenced load not stored: %+v %v", u, err)
	}
}

// TestRemoveReportsTheValue: Remove deletes the fence with the key but
// reports whether the value existed, not the fence.
func TestRemoveReportsTheValue(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	key := userKey(s, 1)
	must(t, rdb.Set(ctx, runtime.FenceKey(key), "l-someone", time.Minute).Err())
	if ok, err := s.Remove(ctx, key); ok || err != nil {
		t.Fatalf("Remove of an absent value with a fence = %v, %v", ok, err)
	}
	if exists(t, rdb, runtime.FenceKey(key)) != 0 {
		t.Fatal("fence survived Remove")
	}
	must(t, s.Set(ctx, key, &User{ID: 1}, 0))
	if ok, err := s.Remove(ctx, key); !ok || err != nil {
		t.Fatalf("Remove of a value = %v, %v", ok, err)
	}
}

// TestPurgeCountsValuesOnly: Purge deletes fences (also of absent values)
// but counts values, and leaves other caches' keys alone.
func TestPurgeCountsValuesOnly(t *testing.T) {
	for _, p := range bracePrefixes {
		rdb := server(t)
		s := newUsers(t, rdb, runtime.WithPrefix(p))
		for i := range 5 {
			must(t, s.Set(ctx, userKey(s, int64(i)), &User{ID: int64(i)}, 0))
			must(t, rdb.Set(ctx, runtime.FenceKey(userKey(s, int64(i))), "l-x", time.Minute).Err())
		}
		must(t, rdb.Set(ctx, runtime.FenceKey(userKey(s, 77)), "l-x", time.Minute).Err())
		sibling := p + "user:email:a%40b:v0000001"
		must(t, rdb.Set(ctx, sibling, "x", 0).Err())
		must(t, rdb.Set(ctx, runtime.FenceKey(sibling), "x", 0).Err())
		n, err := s.Purge(ctx)
		must(t, err)
		if n != 5 {
			t.Fatalf("prefix %q: Purge = %d, want 5 values", p, n)
		}
		var left []string
		for _, m := range masters(t, rdb) {
			left = append(left, m.Keys(ctx, "*").Val()...)
		}
		sort.Strings(left)
		want := []string{sibling, runtime.FenceKey(sibling)}
		sort.Strings(want)
		if fmt.Sprint(left) != fmt.Sprint(want) {
			t.Fatalf("prefix %q: left %q, want only the sibling's %q", p, left, want)
		}
	}
}

// recorder is an Observer keeping every event.
type recorder struct {
	mu  sync.Mutex
	evs []runtime.Event
}

func (r *recorder) Observe(_ context.Context, ev runtime.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}
