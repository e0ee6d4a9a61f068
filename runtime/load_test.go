package runtime_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// TestGetOrLoadReplacesUndecodable (issue 10 item 8): a value that no longer
// decodes is loaded again and replaced, instead of failing every caller
// until its TTL ends.
func TestGetOrLoadReplacesUndecodable(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb, runtime.WithTTL(time.Minute))
	key := userKey(s, 1)
	must(t, rdb.Set(ctx, key, "not msgpack of a User", 0).Err())
	var calls atomic.Int32
	u, err := s.GetOrLoad(ctx, key, func(context.Context) (*User, error) {
		calls.Add(1)
		return &User{ID: 1, Email: "fresh"}, nil
	})
	if err != nil || u.Email != "fresh" || calls.Load() != 1 {
		t.Fatalf("GetOrLoad over undecodable bytes = %+v, %v after %d loads", u, err, calls.Load())
	}
	got, err := s.Get(ctx, key)
	if err != nil || got.Email != "fresh" {
		t.Fatalf("stored value = %+v, %v", got, err)
	}
	if d := rdb.PTTL(ctx, key).Val(); d <= 0 || d > time.Minute {
		t.Fatalf("replaced value's TTL = %v", d)
	}
}

// TestGetOrLoadReplacesExactlyTheBadBytes (issue 10 item 8): the load
// replaces the bytes that failed, not a value another writer stored while
// the loader ran.
func TestGetOrLoadReplacesExactlyTheBadBytes(t *testing.T) {
	clients := servers(t, 2)
	s := newUsers(t, clients[0])
	other := newUsers(t, clients[1])
	key := userKey(s, 1)
	must(t, clients[0].Set(ctx, key, "garbage", 0).Err())
	u, err := s.GetOrLoad(ctx, key, func(context.Context) (*User, error) {
		must(t, other.Set(ctx, key, &User{ID: 1, Email: "written meanwhile"}, 0))
		return &User{ID: 1, Email: "loaded"}, nil
	})
	if err != nil || u.Email != "loaded" {
		t.Fatalf("GetOrLoad = %+v, %v", u, err)
	}
	if got, err := s.Get(ctx, key); err != nil || got.Email != "written meanwhile" {
		t.Fatalf("the load overwrote a newer value: %+v, %v", got, err)
	}
}

// TestGetOrLoadCountsDecodeErrorOnce (issue 10 item 11): the second look
// inside the flight does not count what the caller's Get already counted.
func TestGetOrLoadCountsDecodeErrorOnce(t *testing.T) {
	for _, crypt := range []bool{false, true} {
		t.Run("crypt="+strconv.FormatBool(crypt), func(t *testing.T) {
			rdb := server(t)
			spec := userSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[User](rdb, spec, keysIf(crypt)...)
			must(t, err)
			must(t, rdb.Set(ctx, userKey(s, 1), "gAAAA-not-a-token", 0).Err())
			if _, err := s.GetOrLoad(ctx, userKey(s, 1), func(context.Context) (*User, error) { return &User{ID: 1}, nil }); err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); st.Errors != 1 || st.Hits != 0 || st.Misses != 0 {
				t.Fatalf("stats after one GetOrLoad over one bad value: %+v, want exactly 1 error", st)
			}
		})
	}
}

// TestWithLockValidated (issue 10 item 12): WithLock's TTL follows WithTTL's
// rule instead of being rounded or silently turning the lock off.
func TestWithLockValidated(t *testing.T) {
	rdb := server(t)
	for _, bad := range []time.Duration{-time.Second, 1500 * time.Microsecond, time.Nanosecond} {
		if _, err := runtime.NewStore[User](rdb, userSpec, runtime.WithLock(bad)); err == nil || !strings.Contains(err.Error(), "WithLock") {
			t.Errorf("WithLock(%v) accepted (err %v)", bad, err)
		}
	}
	for _, ok := range []time.Duration{0, time.Millisecond, 5 * time.Second} {
		if _, err := runtime.NewStore[User](rdb, userSpec, runtime.WithLock(ok)); err != nil {
			t.Errorf("WithLock(%v): %v", ok, err)
		}
	}
}

// TestLockWaitEndsWithItsCallers (issue 10 item 14): a flight waiting for
// another process's lock stops polling as soon as every caller waiting for
// it has gone, instead of polling Redis for the lock's whole TTL.
func TestLockWaitEndsWithItsCallers(t *testing.T) {
	clients := servers(t, 3)
	holder := newUsers(t, clients[0], runtime.WithLock(30*time.Second))
	waiter := newUsers(t, clients[1], runtime.WithLock(30*time.Second))
	key := userKey(holder, 5)
	release := make(chan struct{})
	loading := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := holder.GetOrLoad(ctx, key, func(context.Context) (*User, error) {
			close(loading)
			<-release
			return &User{ID: 5}, nil
		})
		done <- err
	}()
	<-loading

	wctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancel()
	if _, err := waiter.GetOrLoad(wctx, key, func(context.Context) (*User, error) {
		t.Error("the waiter loaded while the lock was held")
		return nil, errors.New("unexpected load")
	}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter's GetOrLoad = %v, want its deadline", err)
	}
	// Let an in-flight poll finish, then count commands over half a second:
	// nobody waits, so the waiter's flight must send none.
	time.Sleep(150 * time.Millisecond)
	before := dataCommands(t, clients[2])
	time.Sleep(500 * time.Millisecond)
	after := dataCommands(t, clients[2])

	if after > before {
		t.Fatalf("%d data commands reached Redis after every waiter had gone: the flight still polls", after-before)
	}
	close(release)
	must(t, <-done)
}

// dataCommands sums, over every master, the calls of the commands that
// touch keys: the connection's own traffic (HELLO, INFO, CLUSTER SLOTS of a
// client refreshing its slot map) is left out.
func dataCommands(t *testing.T, rdb redis.UniversalClient) int64 {
	t.Helper()
	var n int64
	for _, m := range masters(t, rdb) {
		info, err := m.Info(ctx, "commandstats").Result()
		must(t, err)
		for line := range strings.SplitSeq(info, "\r\n") {
			name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
			if !ok || strings.HasPrefix(name, "cluster") {
				continue
			}
			switch name {
			case "info", "hello", "command", "ping", "client|setinfo", "flushdb":
				continue
			}
			calls, _, _ := strings.Cut(rest, ",")
			k, err := strconv.ParseInt(calls, 10, 64)
			must(t, err)
			n += k
		}
	}
	return n
}
