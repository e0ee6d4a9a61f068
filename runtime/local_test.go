package runtime_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime"
)

func cloneUser(u *User) *User {
	c := *u
	c.Tags = append([]string(nil), u.Tags...)
	return &c
}

// waitArmed polls until the near cache serves (its subscription confirmed).
func waitArmed(t *testing.T, s *runtime.Store[User]) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !runtime.LocalArmed(s) {
		if time.Now().After(deadline) {
			t.Fatal("near cache never armed")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNearCacheCoherence: client B overwrites a key that client A holds
// locally; A sees the new value within 100 ms. Then A's invalidation
// connection is killed: A must not serve the old value afterwards.
func TestNearCacheCoherence(t *testing.T) {
	singleNodeOnly(t, "near cache: client tracking needs a single-node client")
	srv := redistestStart(t)
	a := newUsers(t, srv.Client(t), runtime.WithLocal(100), runtime.WithLocalMaxAge(time.Minute), runtime.WithClone(cloneUser))
	defer a.Close()
	b := newUsers(t, srv.Client(t))
	waitArmed(t, a)
	key := userKey(a, 1)
	must(t, b.Set(ctx, key, &User{ID: 1, Email: "v1"}, 0))
	// The first read may race with the invalidation of B's write, in which
	// case the tier declines to store it; within a few reads it is local.
	for i := 0; a.Stats().LocalHits == 0; i++ {
		u, err := a.Get(ctx, key)
		must(t, err)
		if u.Email != "v1" {
			t.Fatal(u)
		}
		if i == 100 {
			t.Fatal("value never served locally")
		}
	}
	// A caller's copy is its own.
	u, _ := a.Get(ctx, key)
	u.Email = "mutated"
	if u2, _ := a.Get(ctx, key); u2.Email != "v1" {
		t.Fatal("local value shared with a caller")
	}

	must(t, b.Set(ctx, key, &User{ID: 1, Email: "v2"}, 0))
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		u, err := a.Get(ctx, key)
		must(t, err)
		if u.Email == "v2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A still serves %q 100 ms after B's write", u.Email)
		}
		time.Sleep(time.Millisecond)
	}
	// Deletes by others evict too.
	if _, err := b.Remove(ctx, key); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(100 * time.Millisecond)
	for {
		_, err := a.Get(ctx, key)
		if errors.Is(err, runtime.ErrMiss) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("A still serves a key B removed")
		}
		time.Sleep(time.Millisecond)
	}

	// Kill the invalidation connection, and let B write while A cannot hear
	// of it. Until A notices the drop, only the lease bounds what it serves;
	// once it has reconnected, the old value must never come back.
	must(t, b.Set(ctx, key, &User{ID: 1, Email: "v3"}, 0))
	// Read until v3 is served from the tier itself.
	for i := 0; ; i++ {
		before := a.Stats().LocalHits
		u, err := a.Get(ctx, key)
		must(t, err)
		if u.Email == "v3" && a.Stats().LocalHits == before+1 {
			break
		}
		if i == 1000 {
			t.Fatal("v3 never held locally")
		}
	}
	id := runtime.LocalClientID(a)
	admin := srv.Client(t)
	must(t, admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err())
	must(t, b.Set(ctx, key, &User{ID: 1, Email: "v4"}, 0))
	deadline = time.Now().Add(5 * time.Second)
	for runtime.LocalClientID(a) == id || !runtime.LocalArmed(a) {
		if time.Now().After(deadline) {
			t.Fatal("tracking not re-armed on a new connection")
		}
		time.Sleep(time.Millisecond)
	}
	for i := range 200 {
		u, err := a.Get(ctx, key)
		must(t, err)
		if u.Email != "v4" {
			t.Fatalf("read %d after reconnecting served stale %q", i, u.Email)
		}
	}
	must(t, b.Set(ctx, key, &User{ID: 1, Email: "v5"}, 0))
	deadline = time.Now().Add(100 * time.Millisecond)
	for {
		u, _ := a.Get(ctx, key)
		if u.Email == "v5" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no invalidation after re-arming")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNearCacheLease(t *testing.T) {
	singleNodeOnly(t, "near cache: client tracking needs a single-node client")
	srv := redistestStart(t)
	a := newUsers(t, srv.Client(t), runtime.WithLocal(10), runtime.WithLocalMaxAge(50*time.Millisecond))
	defer a.Close()
	waitArmed(t, a)
	key := userKey(a, 1)
	must(t, a.Set(ctx, key, &User{ID: 1}, 0))
	for range 5 {
		_, _ = a.Get(ctx, key)
	}
	if a.Stats().LocalHits == 0 {
		t.Fatal("no local hits")
	}
	// Bypass invalidation (nothing tracks a raw write to another db... use the
	// same key, but the lease alone must bound how long a local copy lives).
	time.Sleep(60 * time.Millisecond)
	before := a.Stats().LocalHits
	_, _ = a.Get(ctx, key)
	if a.Stats().LocalHits != before {
		t.Fatal("entry served past its lease")
	}
	// Bounded size.
	for i := range 50 {
		must(t, a.Set(ctx, userKey(a, int64(i)), &User{ID: int64(i)}, 0))
		_, _ = a.Get(ctx, userKey(a, int64(i)))
	}
}
