package runtime_test

// Fault tests against a real redis-server: killed and restarted mid-load,
// paused, with an exhausted pool. Calls must return errors (never panic,
// never a wrong value), honour their context, and recover.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/cachegen/cachegen/runtime"
)

func TestKillAndRestartMidLoad(t *testing.T) {
	singleNodeOnly(t, "kills and restarts the server")
	// The restarted server's reaper goroutine belongs to the test helper.
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction("github.com/cachegen/cachegen/internal/redistest.spawn.func1")}
	defer func() {
		// go-redis' pool goroutines finish dials begun while the server was
		// down; on a loaded machine that outlasts goleak's own ~1 s of
		// retries. Give them 10 s before calling it a leak.
		for deadline := time.Now().Add(10 * time.Second); goleak.Find(leakOpts...) != nil && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
		goleak.VerifyNone(t, leakOpts...)
	}()
	srv := redistestStart(t)
	c, err := runtime.OpenRedisCache(srv.URL())
	must(t, err)
	defer c.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var okOps, errOps atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d:%d", w, i%50)
				want := fmt.Sprintf("%s=%d", key, i)
				cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
				if err := c.Set(cctx, key, want, 0); err != nil {
					errOps.Add(1)
					cancel()
					continue
				}
				var got string
				err := c.Get(cctx, key, &got)
				cancel()
				switch {
				case err == nil && got != want:
					t.Errorf("wrong value for %s: %q, want %q", key, got, want)
				case err == nil:
					okOps.Add(1)
				default:
					errOps.Add(1)
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	srv.Kill()
	for deadline := time.Now().Add(5 * time.Second); errOps.Load() < 10; {
		if time.Now().After(deadline) {
			t.Fatal("no errors while the server was down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Restart(t)
	before := okOps.Load()
	deadline := time.Now().Add(10 * time.Second)
	for okOps.Load() < before+100 {
		if time.Now().After(deadline) {
			t.Fatal("cache did not recover within 10 s of the restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
}

func TestPausedServerHonoursDeadline(t *testing.T) {
	singleNodeOnly(t, "CLIENT PAUSE on one server")
	srv := redistestStart(t)
	c, err := runtime.OpenRedisCache(srv.URL())
	must(t, err)
	defer c.Close()
	must(t, c.Set(ctx, "k", "v", 0))
	must(t, srv.Client(t).Do(ctx, "CLIENT", "PAUSE", 3000, "ALL").Err())
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	var s string
	err = c.Get(cctx, "k", &s)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get on a paused server = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Get returned after %v, when the pause ended, not at its deadline", el)
	}
}

func TestFullPoolWaitIsBoundedByContext(t *testing.T) {
	singleNodeOnly(t, "exhausts one client's pool of one connection")
	srv := redistestStart(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 1, ContextTimeoutEnabled: true, PoolTimeout: time.Minute})
	defer rdb.Close()
	c := runtime.NewRedisCache(rdb)
	held := make(chan struct{})
	go func() {
		close(held)
		rdb.BLPop(context.Background(), 2*time.Second, "never") // holds the only connection
	}()
	<-held
	time.Sleep(50 * time.Millisecond)
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	var s string
	if err := c.Get(cctx, "k", &s); err == nil || errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("Get with an exhausted pool = %v", err)
	}
	if el := time.Since(start); el > 1500*time.Millisecond {
		t.Fatalf("pool wait ignored the context: %v", el)
	}
}

func TestFailOpen(t *testing.T) {
	singleNodeOnly(t, "kills the server to fail open")
	srv := redistestStart(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	c := runtime.NewRedisCache(rdb, runtime.WithFailOpen(logger))
	s := newUsers(t, rdb, runtime.WithFailOpen(logger))
	must(t, c.Set(ctx, "k", "v", 0))
	srv.Kill()
	var v string
	for range 10 {
		if err := c.Get(ctx, "k", &v); !errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("fail-open Get = %v, want ErrMiss", err)
		}
	}
	// Fail-open is for reads only: a failed write is returned (and counted).
	if err := c.Set(ctx, "k", "v2", 0); err == nil {
		t.Fatal("fail-open Set on a dead Redis returned nil")
	}
	if st := c.Stats(); st.Errors != 11 || st.Misses != 0 {
		t.Fatalf("outage counted as %+v, want 11 errors and no misses", st)
	}
	if n := strings.Count(logs.String(), "failing open"); n != 1 {
		t.Fatalf("logged %d times for one burst:\n%s", n, logs.String())
	}
	u, err := s.GetOrLoad(ctx, userKey(s, 1), func(context.Context) (*User, error) { return &User{ID: 1}, nil })
	if err != nil || u.ID != 1 {
		t.Fatalf("GetOrLoad during outage = %v, %v", u, err)
	}
	// Fail-fast (the default) reports the outage.
	ff := runtime.NewRedisCache(rdb)
	if err := ff.Get(ctx, "k", &v); err == nil || errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("fail-fast Get = %v", err)
	}
}

// TestLoad: 8 goroutines × 10,000 mixed operations, each on its own key
// space plus a shared read-only set; afterwards every acknowledged write that
// was not removed reads back exactly as last written.
func TestLoad(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	shared := map[int64]*User{}
	for i := int64(1_000_000); i < 1_000_020; i++ {
		shared[i] = &User{ID: i, Email: fmt.Sprint("shared", i)}
		must(t, s.Set(ctx, userKey(s, i), shared[i], 0))
	}
	const workers, ops = 8, 10_000
	final := make([]map[int64]*User, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := map[int64]*User{}
			base := int64(w) * 100_000
			for i := range ops {
				id := base + int64(i%97)
				switch i % 10 {
				case 0, 1, 2, 3:
					u := &User{ID: id, Email: fmt.Sprintf("w%d-op%d", w, i)}
					if err := s.Set(ctx, userKey(s, id), u, 0); err != nil {
						t.Error(err)
						return
					}
					mine[id] = u
				case 4:
					if _, err := s.Remove(ctx, userKey(s, id)); err != nil {
						t.Error(err)
						return
					}
					delete(mine, id)
				case 5:
					keys := []string{userKey(s, id), userKey(s, 1_000_000+int64(i%20))}
					got, err := s.GetMany(ctx, keys)
					if err != nil {
						t.Error(err)
						return
					}
					if sh := got[1]; sh == nil || sh.Email != shared[sh.ID].Email {
						t.Errorf("shared value mixed up: %+v", sh)
						return
					}
					if want := mine[id]; (want == nil) != (got[0] == nil) || (want != nil && want.Email != got[0].Email) {
						t.Errorf("GetMany %d = %+v, want %+v", id, got[0], want)
						return
					}
				default:
					u, err := s.Get(ctx, userKey(s, id))
					want := mine[id]
					if want == nil {
						if !errors.Is(err, runtime.ErrMiss) {
							t.Errorf("Get removed %d = %+v, %v", id, u, err)
							return
						}
					} else if err != nil || u.Email != want.Email || u.ID != id {
						t.Errorf("Get %d = %+v, %v; want %+v", id, u, err, want)
						return
					}
				}
			}
			final[w] = mine
		}()
	}
	wg.Wait()
	for w, mine := range final {
		for id, want := range mine {
			u, err := s.Get(ctx, userKey(s, id))
			if err != nil || u.Email != want.Email {
				t.Fatalf("worker %d: %d = %+v, %v; want %+v", w, id, u, err, want)
			}
		}
	}
}

// TestRotationUnderLoad: writers switch to a new key while readers accept
// both; no read fails at any point.
func TestRotationUnderLoad(t *testing.T) {
	rdb := server(t)
	oldW, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
	newW, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB, keyA))
	reader, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA, keyB))
	for i := range 50 {
		must(t, oldW.Set(ctx, fmt.Sprint(i), i, 0))
	}
	var switched atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // writers
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			w := oldW
			if switched.Load() {
				w = newW
			}
			if err := w.Set(ctx, fmt.Sprint(i%50), i%50, 0); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() { // readers
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var n int
			if err := reader.Get(ctx, fmt.Sprint(i%50), &n); err != nil || n != i%50 {
				t.Errorf("read during rotation: %d, %v", n, err)
				return
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	switched.Store(true)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
}

// TestSecretsNeverPrinted: keys appear in no error and no formatted value.
func TestSecretsNeverPrinted(t *testing.T) {
	rdb := server(t)
	secret := "S3cr3t-" + strings.Repeat("k", 57)
	c, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(secret))
	must(t, err)
	s, err := runtime.NewStore[User](rdb, runtime.Spec{Name: "X", Crypt: true}, runtime.WithKeys(secret))
	must(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, *c, s} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, "S3cr3t") || strings.Contains(out, "kkkkkkkk") {
				t.Fatalf("%s of %T shows the key: %s", f, v, out)
			}
		}
	}
	_, err = runtime.NewCryptRedisCache(rdb, runtime.WithKeys(secret+"x"))
	if err == nil || strings.Contains(err.Error(), "S3cr3t") {
		t.Fatalf("bad key error leaks the key: %v", err)
	}
	must(t, rdb.Set(ctx, "bad", "gAAAAAB-not-a-token", 0).Err())
	var v string
	if err := c.Get(ctx, "bad", &v); err == nil || strings.Contains(err.Error(), "S3cr3t") {
		t.Fatal(err)
	}
}
