package runtime_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime"
)

// age makes key's value look old: its remaining TTL becomes left.
func age(t *testing.T, s *runtime.Store[User], key string, left time.Duration) {
	t.Helper()
	must(t, s.Client().PExpire(ctx, key, left).Err())
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestRefreshAhead: past the refresh age, 20 concurrent GetOrLoads on two
// clients get the cached value without waiting for a slow loader, exactly
// one reload runs, and the new value arrives with a fresh TTL.
func TestRefreshAhead(t *testing.T) {
	clients := servers(t, 2)
	opts := []runtime.Option{runtime.WithTTL(time.Hour), runtime.WithRefresh(10 * time.Minute)}
	stores := []*runtime.Store[User]{newUsers(t, clients[0], opts...), newUsers(t, clients[1], opts...)}
	key := userKey(stores[0], 1)
	must(t, stores[0].Set(ctx, key, &User{ID: 1, Email: "old"}, time.Hour))

	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (*User, error) {
		loads.Add(1)
		<-release
		return &User{ID: 1, Email: "new"}, nil
	}
	// Fresh enough (remaining 55m > 60m-10m): no reload.
	age(t, stores[0], key, 55*time.Minute)
	if u, err := stores[0].GetOrLoad(ctx, key, load); err != nil || u.Email != "old" {
		t.Fatal(u, err)
	}
	// Past the refresh age.
	age(t, stores[0], key, 45*time.Minute)
	var wg sync.WaitGroup
	for i := range 20 {
		s := stores[i%2]
		wg.Go(func() {
			u, err := s.GetOrLoad(ctx, key, load)
			if err != nil || u.Email != "old" {
				t.Errorf("caller %d got %+v, %v; want the cached value at once", i, u, err)
			}
		})
	}
	wg.Wait() // all 20 returned while the only loader is still blocked
	waitFor(t, "the reload to start", func() bool { return loads.Load() == 1 })
	close(release)
	waitFor(t, "the new value", func() bool {
		u, err := stores[1].Get(ctx, key)
		return err == nil && u.Email == "new"
	})
	if d, err := stores[0].TTL(ctx, key); err != nil || d < 59*time.Minute {
		t.Fatalf("reloaded value's TTL = %v, %v; want a fresh hour", d, err)
	}
	time.Sleep(50 * time.Millisecond) // a second reload, if any, would have started
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d reloads for 20 callers on two clients, want 1", n)
	}
	// The value and the "refreshed" marker, nothing else.
	if n := dbSize(t, clients[0]); n != 2 {
		t.Fatalf("%d keys after a refresh, want the value and its marker", n)
	}
}

// TestRefreshGetNeverReloads: Get of a value past its refresh age returns it
// and leaves it alone.
func TestRefreshGetNeverReloads(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour), runtime.WithRefresh(10*time.Minute))
	key := userKey(s, 1)
	must(t, s.Set(ctx, key, &User{ID: 1, Email: "old"}, time.Hour))
	age(t, s, key, 30*time.Minute)
	for range 5 {
		if u, err := s.Get(ctx, key); err != nil || u.Email != "old" {
			t.Fatal(u, err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if d, _ := s.TTL(ctx, key); d > 30*time.Minute {
		t.Fatalf("Get refreshed the value: TTL %v", d)
	}
	if n := dbSize(t, rdb); n != 1 {
		t.Fatalf("%d keys: Get took a fence", n)
	}
}

// TestRefreshFailureKept: a failing reload keeps the cached value, is
// counted and observed, never reaches a caller, and is not retried within
// the refresh interval.
func TestRefreshFailureKept(t *testing.T) {
	rdb := server(t)
	rec := &recorder{}
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour), runtime.WithRefresh(10*time.Minute), runtime.WithObserver(rec))
	key := userKey(s, 1)
	must(t, s.Set(ctx, key, &User{ID: 1, Email: "old"}, time.Hour))
	age(t, s, key, 30*time.Minute)
	var loads atomic.Int32
	boom := errors.New("source down")
	load := func(context.Context) (*User, error) { loads.Add(1); return nil, boom }
	for range 3 {
		if u, err := s.GetOrLoad(ctx, key, load); err != nil || u.Email != "old" {
			t.Fatalf("GetOrLoad during a failing reload = %+v, %v", u, err)
		}
		waitFor(t, "the reload's failure to be counted", func() bool { return s.Stats().Errors == 1 })
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d reloads within one refresh interval, want 1", n)
	}
	if u, err := s.Get(ctx, key); err != nil || u.Email != "old" {
		t.Fatalf("value after the failed reload = %+v, %v", u, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var refreshEvs int
	for _, ev := range rec.evs {
		if ev.Op == "refresh" && errors.Is(ev.Err, boom) && ev.Errors == 1 {
			refreshEvs++
		}
	}
	if refreshEvs != 1 {
		t.Fatalf("observer saw %d failed refreshes: %+v", refreshEvs, rec.evs)
	}
}

// TestRefreshOncePerInterval: a value whose TTL is always under the refresh
// age (a loader that overrides it short) is reloaded once per interval, not
// on every read.
func TestRefreshOncePerInterval(t *testing.T) {
	rdb := server(t)
	const interval = 300 * time.Millisecond
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour), runtime.WithRefresh(interval))
	key := userKey(s, 1)
	var loads atomic.Int32
	load := func(ctx context.Context) (*User, error) {
		loads.Add(1)
		runtime.OverrideTTL(ctx, 10*time.Minute) // always "old" for a 1h cache
		return &User{ID: 1}, nil
	}
	start := time.Now()
	for time.Since(start) < time.Second {
		if _, err := s.GetOrLoad(ctx, key, load); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	// The first load, then at most one reload per started interval; about
	// 200 reads were due, so a reload per read would be far above.
	most := 1 + int32((elapsed+interval-1)/interval)
	if n := loads.Load(); n < 2 || n > most {
		t.Fatalf("%d loads in %v with a %v refresh interval, want 2..%d", n, elapsed, interval, most)
	}
}

// TestRefreshClose: Close stops a running reload (its context is cancelled)
// and waits for it.
func TestRefreshClose(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour), runtime.WithRefresh(10*time.Minute))
	key := userKey(s, 1)
	must(t, s.Set(ctx, key, &User{ID: 1}, time.Hour))
	age(t, s, key, time.Minute)
	started := make(chan struct{})
	var ended atomic.Bool
	if _, err := s.GetOrLoad(ctx, key, func(ctx context.Context) (*User, error) {
		close(started)
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond)
		ended.Store(true)
		return nil, ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	<-started
	must(t, s.Close())
	if !ended.Load() {
		t.Fatal("Close returned before the reload ended")
	}
}

// TestWithRefreshValidated: refresh needs a default TTL above it.
func TestWithRefreshValidated(t *testing.T) {
	rdb := server(t)
	bad := [][]runtime.Option{
		{runtime.WithRefresh(time.Minute)}, // no TTL
		{runtime.WithTTL(time.Minute), runtime.WithRefresh(time.Minute)},
		{runtime.WithTTL(time.Minute), runtime.WithRefresh(2 * time.Minute)},
		{runtime.WithTTL(time.Minute), runtime.WithRefresh(-time.Second)},
		{runtime.WithTTL(time.Minute), runtime.WithRefresh(1500 * time.Microsecond)},
	}
	for i, opts := range bad {
		if _, err := runtime.NewStore[User](rdb, userSpec, opts...); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
	spec := userSpec
	spec.TTL, spec.Refresh = time.Hour, 10*time.Minute
	if _, err := runtime.NewStore[User](rdb, spec); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.NewStore[User](rdb, spec, runtime.WithTTL(5*time.Minute)); err == nil {
		t.Fatal("WithTTL under the annotation's refresh accepted")
	}
}

// TestOverrideTTL: the loader's override is the stored TTL; the default
// applies otherwise; NoExpiry stores without expiry; an invalid override
// fails the load and stores nothing.
func TestOverrideTTL(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Hour), runtime.WithNegativeTTL(time.Hour))
	cases := []struct {
		id       int64
		override time.Duration
		lo, hi   time.Duration
	}{
		{1, 0, 59 * time.Minute, time.Hour},                       // no override: the default
		{2, 5 * time.Minute, 4 * time.Minute, 5 * time.Minute},    // override
		{3, runtime.NoExpiry, runtime.NoExpiry, runtime.NoExpiry}, // no expiry
	}
	for _, c := range cases {
		if _, err := s.GetOrLoad(ctx, userKey(s, c.id), func(ctx context.Context) (*User, error) {
			if c.override != 0 {
				runtime.OverrideTTL(ctx, c.override)
			}
			return &User{ID: c.id}, nil
		}); err != nil {
			t.Fatal(err)
		}
		d, err := s.TTL(ctx, userKey(s, c.id))
		if err != nil || d < c.lo || d > c.hi {
			t.Errorf("id %d: TTL %v, %v; want %v..%v", c.id, d, err, c.lo, c.hi)
		}
	}
	// A short TTL for a not-found answer.
	_, err := s.GetOrLoad(ctx, userKey(s, 4), func(ctx context.Context) (*User, error) {
		runtime.OverrideTTL(ctx, 30*time.Second)
		return nil, runtime.ErrNotFound
	})
	if !errors.Is(err, runtime.ErrNotFound) {
		t.Fatal(err)
	}
	if d, _ := s.TTL(ctx, userKey(s, 4)); d <= 0 || d > 30*time.Second {
		t.Errorf("negative entry TTL %v, want the 30s override", d)
	}
	for _, bad := range []time.Duration{-5 * time.Second, 1500 * time.Microsecond} {
		_, err := s.GetOrLoad(ctx, userKey(s, 5), func(ctx context.Context) (*User, error) {
			runtime.OverrideTTL(ctx, bad)
			return &User{ID: 5}, nil
		})
		if err == nil {
			t.Errorf("OverrideTTL(%v) accepted", bad)
		}
		if _, err := s.Get(ctx, userKey(s, 5)); !errors.Is(err, runtime.ErrMiss) {
			t.Errorf("OverrideTTL(%v): value stored anyway (%v)", bad, err)
		}
	}
	runtime.OverrideTTL(ctx, time.Second) // outside a loader: nothing happens
}
