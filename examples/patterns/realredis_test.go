package patterns_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// The examples run on miniredis; these tests run the same patterns against
// a real redis-server, where TTLs run down by themselves and OBJECT and
// MEMORY USAGE answer as in production.

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestUsersRealRedis(t *testing.T) {
	ctx := testCtx(t)
	rdb := redistest.Start(t).Client(t)
	users := newUsers(ctx, rdb)
	if err := users.Create(ctx, &models.User{ID: 1, Email: "ada@old.example", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}

	// Cache-aside under concurrency: 20 readers of an uncached user, one load.
	if _, err := users.ByID.Remove(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			u, err := users.Get(ctx, 1)
			if err == nil && u.Name != "Ada" {
				err = fmt.Errorf("got %+v", u)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := users.DB.Loads(); n != 1 {
		t.Errorf("20 concurrent Gets loaded %d times, want 1", n)
	}

	// Invalidation on update.
	if err := users.ChangeEmail(ctx, 1, "ada@new.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := users.ByEmail.Get(ctx, "ada@old.example"); !errors.Is(err, runtime.ErrMiss) {
		t.Errorf("old email after ChangeEmail: %v, want ErrMiss", err)
	}
	if u, err := users.Get(ctx, 1); err != nil || u.Email != "ada@new.example" {
		t.Errorf("Get after ChangeEmail: %+v, %v", u, err)
	}
	if left, err := users.ByID.TTL(ctx, 1); err != nil || left <= 59*time.Minute || left > time.Hour {
		t.Errorf("TTL after reload: %v, %v; want about 1h", left, err)
	}
}

func TestRateLimiterRealRedis(t *testing.T) {
	ctx := testCtx(t)
	rdb := redistest.Start(t).Client(t)
	limiter := patterns.NewRateLimiter(rdb, "rl:", 3, time.Second)
	var got []bool
	for range 5 {
		ok, _, err := limiter.Allow(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ok)
	}
	if want := []bool{true, true, true, false, false}; !slices.Equal(got, want) {
		t.Errorf("allowed %v, want %v", got, want)
	}
	// Later requests must not push the window's end out.
	if ttl := rdb.PTTL(ctx, "rl:alice").Val(); ttl <= 0 || ttl > time.Second {
		t.Errorf("window TTL %v, want (0, 1s]", ttl)
	}
	time.Sleep(1100 * time.Millisecond)
	if ok, remaining, err := limiter.Allow(ctx, "alice"); err != nil || !ok || remaining != 2 {
		t.Errorf("next window: %v, %d, %v; want allowed, 2 remaining", ok, remaining, err)
	}
}

func TestInvalidationsRealRedis(t *testing.T) {
	ctx := testCtx(t)
	rdb := redistest.Start(t).Client(t)
	inv := patterns.NewInvalidations(rdb, "inv")
	heard := make(chan string, 10)
	stop, err := inv.Listen(ctx, func(k string) { heard <- k })
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if n, err := inv.Publish(ctx, k); err != nil || n != 1 {
			t.Fatalf("publish %s: %d listeners, %v", k, n, err)
		}
	}
	for _, want := range []string{"a", "b"} {
		select {
		case k := <-heard:
			if k != want {
				t.Errorf("heard %q, want %q", k, want)
			}
		case <-ctx.Done():
			t.Fatal("nothing heard")
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The server drops the subscription when it reads the closed
	// connection, a moment after stop returns: wait for that, boundedly.
	for deadline := time.Now().Add(5 * time.Second); rdb.PubSubNumSub(ctx, "inv").Val()["inv"] != 0; {
		if time.Now().After(deadline) {
			t.Fatal("subscription still counted 5 s after stop")
		}
		time.Sleep(time.Millisecond)
	}
	if n, err := inv.Publish(ctx, "c"); err != nil || n != 0 {
		t.Errorf("publish after stop: %d listeners, %v; want 0", n, err)
	}
}

func TestInspectRealRedis(t *testing.T) {
	ctx := testCtx(t)
	rdb := redistest.Start(t).Client(t)
	users, err := models.NewUserCache(rdb, runtime.WithPrefix("app:"))
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Set(ctx, &models.User{ID: 1, Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	info, err := patterns.Inspect(ctx, rdb, users.Key(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", info)
	if info.Type != "string" || info.TTL <= 59*time.Minute || info.TTL > time.Hour || info.Size <= 0 {
		t.Errorf("Inspect: %+v", info)
	}
	if info.Encoding != "raw" && info.Encoding != "embstr" {
		t.Errorf("OBJECT ENCODING %q, want raw or embstr", info.Encoding)
	}
	if info.Memory < info.Size {
		t.Errorf("MEMORY USAGE %d below the value's own %d bytes", info.Memory, info.Size)
	}
	if err := users.SetWithTTL(ctx, &models.User{ID: 2}, 0); err != nil {
		t.Fatal(err)
	}
	if info, err := patterns.Inspect(ctx, rdb, users.Key(2)); err != nil || info.TTL != runtime.NoExpiry {
		t.Errorf("no-expiry key: %+v, %v", info, err)
	}
}

// TestKeysCluster checks that Keys scans every master of a Cluster.
func TestKeysCluster(t *testing.T) {
	ctx := testCtx(t)
	rdb := redistest.StartCluster(t).Client(t)
	products, err := models.NewProductCache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	var ps []*models.Product
	for range 30 { // random UUIDs: spread over every master
		ps = append(ps, &models.Product{ID: newUUID(t), Name: "p"})
	}
	if err := products.SetMany(ctx, ps); err != nil {
		t.Fatal(err)
	}
	keys, err := patterns.Keys(ctx, rdb, "product:*", 1000)
	if err != nil || len(keys) != 30 {
		t.Errorf("Keys on a cluster: %d keys, %v; want 30", len(keys), err)
	}
	if keys, err := patterns.Keys(ctx, rdb, "product:*", 10); err != nil || len(keys) != 10 {
		t.Errorf("Keys with limit 10: %d keys, %v", len(keys), err)
	}
}

// TestFailOpenRealRedis: a typed fail-open cache keeps serving from the
// database while the server is down, and uses Redis again once it is back.
func TestFailOpenRealRedis(t *testing.T) {
	ctx := testCtx(t)
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = rdb.Close() })
	byID, err := models.NewUserCache(rdb, runtime.WithFailOpen(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	users := &patterns.Users{DB: patterns.NewUserDB(models.User{ID: 1, Name: "Ada"}), ByID: byID}
	if _, err := users.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	for range 3 {
		if u, err := users.Get(ctx, 1); err != nil || u.Name != "Ada" {
			t.Fatalf("Get while Redis is down: %+v, %v", u, err)
		}
	}
	if byID.Stats().Errors == 0 {
		t.Error("no errors counted while Redis was down")
	}
	srv.Restart(t)
	loads := users.DB.Loads()
	if _, err := users.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := users.DB.Loads() - loads; n != 1 {
		t.Errorf("after Redis came back: %d loads for two Gets, want 1 (then a hit)", n)
	}
}

func TestOpenOrNullRealRedis(t *testing.T) {
	ctx := testCtx(t)
	srv := redistest.Start(t)
	c := patterns.OpenOrNull(ctx, srv.URL(), slog.New(slog.DiscardHandler))
	defer c.Close()
	if _, ok := c.(*runtime.RedisCache); !ok {
		t.Fatalf("OpenOrNull on a live server: %T", c)
	}
	if err := c.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
}
