package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

type User struct {
	ID    int64
	Email string
	Tags  []string
}

// userSpec is what the generator writes for //cache:key=user:<ID>.
var userSpec = runtime.Spec{
	Name: "UserCache", Version: "v0000001",
	Pattern: "user:*:v0000001", Match: `user:(?:-?[0-9]+):v0000001`,
	AllPattern: "user:*", AllMatch: `user:(?:-?[0-9]+)(?::v[0-9a-f]{7})?`,
}

func userKey(s *runtime.Store[User], id int64) string {
	return s.Prefix() + "user:" + strconv.FormatInt(id, 10) + ":v0000001"
}

func newUsers(t *testing.T, rdb redis.UniversalClient, opts ...runtime.Option) *runtime.Store[User] {
	t.Helper()
	s, err := runtime.NewStore[User](rdb, userSpec, opts...)
	must(t, err)
	return s
}

func TestStoreGetSet(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Minute))
	if _, err := s.Get(ctx, userKey(s, 1)); !errors.Is(err, runtime.ErrMiss) {
		t.Fatal(err)
	}
	must(t, s.Set(ctx, userKey(s, 1), &User{ID: 1, Email: "a@b"}, s.DefaultTTL()))
	u, err := s.Get(ctx, userKey(s, 1))
	must(t, err)
	if u.Email != "a@b" {
		t.Fatal(u)
	}
	d, err := s.TTL(ctx, userKey(s, 1))
	must(t, err)
	if d <= 0 || d > time.Minute {
		t.Fatal(d)
	}
	must(t, s.Set(ctx, userKey(s, 2), &User{ID: 2}, 0))
	if d, _ := s.TTL(ctx, userKey(s, 2)); d != runtime.NoExpiry {
		t.Fatal(d)
	}
	if _, err := s.TTL(ctx, userKey(s, 3)); !errors.Is(err, runtime.ErrMiss) {
		t.Fatal(err)
	}
	if err := s.Set(ctx, userKey(s, 3), nil, 0); err == nil {
		t.Fatal("Set(nil) accepted")
	}
	// A stored nil cannot be a *User: decode error, not a zero User.
	must(t, rdb.Set(ctx, userKey(s, 4), []byte{0xc0}, 0).Err())
	if _, err := s.Get(ctx, userKey(s, 4)); !errors.Is(err, runtime.ErrDecode) {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Hits != 1 || st.Misses != 1 || st.Errors != 1 {
		t.Fatalf("%+v", st)
	}
}

func TestStoreGetManySetMany(t *testing.T) {
	for _, crypt := range []bool{false, true} {
		t.Run(fmt.Sprint("crypt=", crypt), func(t *testing.T) {
			rdb := server(t)
			spec := userSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[User](rdb, spec, keysIf(crypt)...)
			must(t, err)
			var keys []string
			var vs []*User
			for i := range 100 {
				keys = append(keys, userKey(s, int64(i)))
				vs = append(vs, &User{ID: int64(i), Tags: []string{fmt.Sprint(i)}})
			}
			must(t, s.SetMany(ctx, keys[:50], vs[:50], time.Minute))
			must(t, rdb.Set(ctx, keys[60], "garbage", 0).Err())
			got, err := s.GetMany(ctx, keys)
			if !errors.Is(err, runtime.ErrDecode) {
				t.Fatalf("GetMany error = %v, want the garbage key's ErrDecode", err)
			}
			for i, u := range got {
				switch {
				case i < 50 && (u == nil || u.ID != int64(i) || u.Tags[0] != fmt.Sprint(i)):
					t.Fatalf("%d: %+v", i, u)
				case i >= 50 && u != nil:
					t.Fatalf("%d: unexpected %+v", i, u)
				}
			}
			if st := s.Stats(); st.Hits != 50 || st.Misses != 49 || st.Errors != 1 {
				t.Fatalf("%+v", st)
			}
		})
	}
}

func TestGetOrLoadOncePerKey(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	var calls atomic.Int32
	release := make(chan struct{})
	load := func(ctx context.Context) (*User, error) {
		calls.Add(1)
		<-release
		return &User{ID: 7, Tags: []string{"t"}}, nil
	}
	const n = 50
	var wg sync.WaitGroup
	results := make([]*User, n)
	errs := make([]error, n)
	// One impatient caller whose context is cancelled must not fail others.
	cctx, cancel := context.WithCancel(ctx)
	wg.Add(n)
	for i := range n {
		go func() {
			defer wg.Done()
			c := ctx
			if i == 0 {
				c = cctx
			}
			results[i], errs[i] = s.GetOrLoad(c, userKey(s, 7), load)
		}()
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
		if i > 1 && results[i] == results[i-1] {
			t.Fatal("callers share one value")
		}
	}
	results[1].Tags[0] = "mutated"
	if results[2].Tags[0] != "t" {
		t.Fatal("callers share a slice")
	}
	// The value is cached now: no second load.
	if _, err := s.GetOrLoad(ctx, userKey(s, 7), load); err != nil || calls.Load() != 1 {
		t.Fatal("second GetOrLoad loaded again", err)
	}
}

func TestGetOrLoadErrorsNotCached(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	boom := errors.New("db down")
	if _, err := s.GetOrLoad(ctx, userKey(s, 1), func(context.Context) (*User, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	u, err := s.GetOrLoad(ctx, userKey(s, 1), func(context.Context) (*User, error) { return &User{ID: 1}, nil })
	if err != nil || u.ID != 1 {
		t.Fatal("loader error was cached", err)
	}
	// Without negative caching, ErrNotFound is not cached either.
	var calls int
	nf := func(context.Context) (*User, error) { calls++; return nil, runtime.ErrNotFound }
	for range 2 {
		if _, err := s.GetOrLoad(ctx, userKey(s, 2), nf); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Fatal(calls)
	}
}

func TestGetOrLoadNegativeCaching(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithNegativeTTL(time.Minute))
	var calls int
	nf := func(context.Context) (*User, error) { calls++; return nil, runtime.ErrNotFound }
	for range 3 {
		if _, err := s.GetOrLoad(ctx, userKey(s, 2), nf); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("loader ran %d times with negative caching", calls)
	}
	if _, err := s.Get(ctx, userKey(s, 2)); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatal(err)
	}
	if d := rdb.TTL(ctx, userKey(s, 2)).Val(); d <= 0 || d > time.Minute {
		t.Fatal(d)
	}
}

// TestGetOrLoadLockAcrossClients: four independent clients (as four
// processes would be) load one missing key; with the lock, the loader runs once.
func TestGetOrLoadLockAcrossClients(t *testing.T) {
	clients := servers(t, 5)
	var calls atomic.Int32
	var wg sync.WaitGroup
	for _, rdb := range clients[:4] {
		s := newUsers(t, rdb, runtime.WithLock(5*time.Second))
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := s.GetOrLoad(ctx, userKey(s, 9), func(context.Context) (*User, error) {
				calls.Add(1)
				time.Sleep(200 * time.Millisecond)
				return &User{ID: 9}, nil
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
	if n := exists(t, clients[4], userKey(newUsers(t, clients[4]), 9)+":lock"); n != 0 {
		t.Fatal("lock not released")
	}
}

func TestStorePurgeSparesSiblings(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithPrefix("app:"))
	for i := range 30 {
		must(t, s.Set(ctx, userKey(s, int64(i)), &User{ID: int64(i)}, 0))
	}
	// A sibling cache user:email:<Email> and an older schema version.
	must(t, rdb.Set(ctx, "app:user:email:a%40b:v0000001", "x", 0).Err())
	must(t, rdb.Set(ctx, "app:user:5:v00000aa", "old", 0).Err())
	must(t, rdb.Set(ctx, "other:user:5:v0000001", "x", 0).Err())
	n, err := s.Purge(ctx)
	must(t, err)
	if n != 30 {
		t.Fatalf("Purge = %d", n)
	}
	if exists(t, rdb, "app:user:email:a%40b:v0000001", "app:user:5:v00000aa", "other:user:5:v0000001") != 3 {
		t.Fatal("Purge touched a sibling, an old version or another prefix")
	}
	n, err = s.PurgeAllVersions(ctx)
	must(t, err)
	if n != 1 || exists(t, rdb, "app:user:email:a%40b:v0000001") != 1 {
		t.Fatalf("PurgeAllVersions = %d", n)
	}
}

func TestStoreJitter(t *testing.T) {
	rdb := server(t)
	spec := userSpec
	spec.TTL, spec.Jitter = 100*time.Second, 20
	s, err := runtime.NewStore[User](rdb, spec)
	must(t, err)
	seen := map[time.Duration]bool{}
	for i := range 20 {
		must(t, s.Set(ctx, userKey(s, int64(i)), &User{}, s.DefaultTTL()))
		d := rdb.PTTL(ctx, userKey(s, int64(i))).Val()
		if d < 79*time.Second || d > 120*time.Second {
			t.Fatalf("jittered TTL %v outside ±20%%", d)
		}
		seen[d.Round(time.Second)] = true
	}
	if len(seen) < 5 {
		t.Fatal("TTLs not spread", seen)
	}
	// An explicit other TTL is kept exactly.
	must(t, s.Set(ctx, userKey(s, 99), &User{}, 10*time.Second))
	if d := rdb.PTTL(ctx, userKey(s, 99)).Val(); d < 9900*time.Millisecond {
		t.Fatal(d)
	}
}

func TestStoreRejectsBadConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	spec := userSpec
	spec.Crypt = true
	if _, err := runtime.NewStore[User](rdb, spec); err == nil {
		t.Fatal("crypt store without keys")
	}
	spec = userSpec
	spec.Codec = "custom"
	if _, err := runtime.NewStore[User](rdb, spec); err == nil {
		t.Fatal("custom codec without WithCodec")
	}
	if _, err := runtime.NewStore[User](rdb, userSpec, runtime.WithTTL(-time.Second)); err == nil {
		t.Fatal("negative WithTTL accepted")
	}
}

func TestBadKeyPartRejected(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	key := "user:" + runtime.TextKey(badText{}, "") + ":v0000001"
	if err := s.Set(ctx, key, &User{}, 0); err == nil || dbSize(t, rdb) != 0 {
		t.Fatal("bad key part written", err)
	}
	if _, err := s.Get(ctx, key); err == nil {
		t.Fatal("bad key part read")
	}
}

type badText struct{}

func (badText) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

func TestEscapeKey(t *testing.T) {
	for in, want := range map[string]string{
		"plain":  "plain",
		"a:b":    "a%3Ab",
		"50%":    "50%25",
		"{tag}":  "%7Btag%7D",
		"a-b_c":  "a%2Db_c", // '-' is in the template's literal text below
		"é":      "é",
		"x\x00y": "x\x00y",
	} {
		if got := runtime.EscapeKey(in, "-"); got != want {
			t.Errorf("EscapeKey(%q) = %q, want %q", in, got, want)
		}
	}
	// a:<X>:<Y> with X="1:2",Y="3" vs X="1",Y="2:3" must differ.
	k1 := "a:" + runtime.EscapeKey("1:2", "") + ":" + runtime.EscapeKey("3", "")
	k2 := "a:" + runtime.EscapeKey("1", "") + ":" + runtime.EscapeKey("2:3", "")
	if k1 == k2 {
		t.Fatal("collision")
	}
}

func TestSlot(t *testing.T) {
	// Values from the Redis Cluster specification and CLUSTER KEYSLOT.
	for k, want := range map[string]uint16{"123456789": 12739, "foo": 12182, "{user1000}.following": 3443, "{user1000}.followers": 3443, "foo{}{bar}": 8363, "{}": 15257} {
		if got := runtime.Slot(k); got != want {
			t.Errorf("Slot(%q) = %d, want %d", k, got, want)
		}
	}
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

func TestObserver(t *testing.T) {
	rdb := server(t)
	rec := &recorder{}
	s := newUsers(t, rdb, runtime.WithObserver(rec))
	must(t, s.Set(ctx, userKey(s, 1), &User{ID: 1}, 0))
	_, _ = s.Get(ctx, userKey(s, 1))
	_, _ = s.Get(ctx, userKey(s, 2))
	_, _ = s.GetMany(ctx, []string{userKey(s, 1), userKey(s, 2), userKey(s, 3)})
	must(t, rdb.Set(ctx, userKey(s, 4), "junk", 0).Err())
	_, _ = s.Get(ctx, userKey(s, 4))
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
}
