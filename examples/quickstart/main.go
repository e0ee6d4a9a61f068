// Command quickstart runs cachegen's typed caches end to end and says what
// it does at each step:
//
//	go run ./examples/quickstart                                # embedded Redis (miniredis), no server needed
//	go run ./examples/quickstart -redis redis://localhost:6379/0 # a real server (or set REDIS_URL)
//
// It uses the caches generated from examples/models. On a real server it
// touches only keys under the prefix "quickstart:" and removes them when it
// is done. Any step that does not behave as described makes it exit with
// status 1.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/runtime"
)

// prefix keeps the quickstart's keys apart from anything else on a shared
// server.
const prefix = "quickstart:"

func main() {
	url := flag.String("redis", os.Getenv("REDIS_URL"),
		"Redis `URL`, e.g. redis://localhost:6379/0 (default: $REDIS_URL, else an embedded miniredis)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *url); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart: FAILED:", err)
		os.Exit(1)
	}
}

// run is the whole quickstart against the Redis at url, or against an
// embedded miniredis when url is empty. It narrates on w and returns the
// first step that did not behave as described.
func run(ctx context.Context, w io.Writer, url string) (err error) {
	where := url
	if url == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return fmt.Errorf("start embedded Redis: %w", err)
		}
		defer mr.Close()
		url = "redis://" + mr.Addr() + "/0"
		where = "embedded miniredis at " + mr.Addr() + " (use -redis URL or REDIS_URL for a real server)"
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("redis URL: %w", err)
	}
	opt.ContextTimeoutEnabled = true // context deadlines bound every call
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cannot reach Redis at %s: %w", opt.Addr, err)
	}
	say := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	say("Redis: %s", where)

	// One constructor per generated cache. Constructors never contact Redis.
	// The session cache encrypts: it needs a 64-byte key (here a fresh one;
	// in production, load it from your secret store).
	users, err := models.NewUserCache(rdb, runtime.WithPrefix(prefix))
	if err != nil {
		return err
	}
	byEmail, err := models.NewUserByEmailCache(rdb, runtime.WithPrefix(prefix))
	if err != nil {
		return err
	}
	sessions, err := models.NewSessionCache(rdb, runtime.WithPrefix(prefix), runtime.WithKeys(runtime.GenerateKey()))
	if err != nil {
		return err
	}
	products, err := models.NewProductCache(rdb, runtime.WithPrefix(prefix))
	if err != nil {
		return err
	}
	orders, err := models.NewOrderCache(rdb, runtime.WithPrefix(prefix))
	if err != nil {
		return err
	}
	type purger interface {
		PurgeAllVersions(context.Context) (int64, error)
	}
	all := []purger{users, byEmail, sessions, products, orders}
	cleanup := func() error {
		for _, c := range all {
			if _, err := c.PurgeAllVersions(ctx); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
		}
		return nil
	}
	if err := cleanup(); err != nil { // leftovers of an interrupted run
		return err
	}
	defer func() {
		if cerr := cleanup(); err == nil {
			err = cerr
		}
	}()

	// 1. Set and Get: the key comes from the value's fields.
	ada := &models.User{ID: 42, Email: "ada@example.com", Name: "Ada Lovelace",
		Created: time.Date(2024, 12, 10, 9, 30, 0, 0, time.UTC)}
	if err := users.Set(ctx, ada); err != nil {
		return fmt.Errorf("set user: %w", err)
	}
	say("set     user 42 under %s (msgpack, expires in 1h)", users.Key(42))
	got, err := users.Get(ctx, 42)
	if err != nil {
		return fmt.Errorf("get user 42: %w", err)
	}
	if got.Name != ada.Name || got.Email != ada.Email || !got.Created.Equal(ada.Created) {
		return fmt.Errorf("get user 42: got %+v, want %+v", got, ada)
	}
	say("get     user 42 -> %s <%s>", got.Name, got.Email)

	// 2. A miss is an error you can test for, never a zero value.
	if _, err := users.Get(ctx, 404); !errors.Is(err, runtime.ErrMiss) {
		return fmt.Errorf("get user 404: got error %v, want runtime.ErrMiss", err)
	}
	say("get     user 404 -> miss (runtime.ErrMiss)")

	// 3. TTL left.
	left, err := users.TTL(ctx, 42)
	if err != nil {
		return fmt.Errorf("ttl user 42: %w", err)
	}
	if left <= 0 || left > time.Hour {
		return fmt.Errorf("ttl user 42: %v, want (0, 1h]", left)
	}
	say("ttl     user 42 -> %v left", left.Round(time.Second))

	// The same user under a second key, by email, as JSON.
	if err := byEmail.Set(ctx, ada); err != nil {
		return fmt.Errorf("set user by email: %w", err)
	}
	raw, err := rdb.Get(ctx, byEmail.Key(ada.Email)).Bytes()
	if err != nil {
		return fmt.Errorf("read raw user by email: %w", err)
	}
	if !bytes.Contains(raw, []byte(`"Email":"ada@example.com"`)) {
		return fmt.Errorf("user by email: stored %q is not the expected JSON", raw)
	}
	byMail, err := byEmail.Get(ctx, ada.Email)
	if err != nil || byMail.ID != 42 {
		return fmt.Errorf("get user by email: %+v, %v", byMail, err)
	}
	say("get     user by email ada@example.com -> user %d; stored as JSON: %.48s...", byMail.ID, raw)

	// 4. An encrypted session: what Redis holds, and what Get returns.
	sess := &models.Session{Token: "tok-" + uuid.NewString()[:8], UserID: 42, CSRF: "csrf-s3cr3t-value",
		Expires: time.Now().Add(30 * time.Minute).Truncate(time.Second)}
	if err := sessions.Set(ctx, sess); err != nil {
		return fmt.Errorf("set session: %w", err)
	}
	stored, err := rdb.Get(ctx, sessions.Key(sess.Token)).Bytes()
	if err != nil {
		return fmt.Errorf("read raw session: %w", err)
	}
	if bytes.Contains(stored, []byte(sess.CSRF)) {
		return errors.New("session: the secret is readable in Redis")
	}
	tok, err := base64.URLEncoding.DecodeString(string(stored))
	if err != nil || len(tok) < 73 || tok[0] != 0x81 {
		return fmt.Errorf("session: stored value is not a Fernet256 token: %.40q", stored)
	}
	back, err := sessions.Get(ctx, sess.Token)
	if err != nil {
		return fmt.Errorf("get session: %w", err)
	}
	if back.CSRF != sess.CSRF || back.UserID != 42 || !back.Expires.Equal(sess.Expires) {
		return fmt.Errorf("get session: got %+v, want %+v", back, sess)
	}
	say("session %s in Redis: %.44s... (%d bytes, Fernet256: AES-256-CBC + HMAC-SHA256)", sess.Token, stored, len(stored))
	say("        decrypted by Get: user %d, CSRF %q", back.UserID, back.CSRF)

	// 5. GetOrLoad: 10 concurrent requests for a product that is not cached
	// share one load.
	pid := uuid.MustParse("6f1c2a4e-8b3d-4c7a-9e21-0d5b7f3a9c10")
	var loads atomic.Int32
	load := func(ctx context.Context, id uuid.UUID) (*models.Product, error) {
		loads.Add(1)
		time.Sleep(50 * time.Millisecond) // a slow database
		return &models.Product{ID: id, SKU: "TEA-01", Name: "Green tea", Price: 450, Tags: []string{"tea"}}, nil
	}
	var wg sync.WaitGroup
	results := make([]*models.Product, 10)
	errs := make([]error, 10)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = products.GetOrLoad(ctx, pid, load) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("GetOrLoad: %w", err)
	}
	for _, p := range results {
		if p == nil || p.ID != pid || p.Name != "Green tea" {
			return fmt.Errorf("GetOrLoad: got %+v", p)
		}
	}
	if n := loads.Load(); n != 1 {
		return fmt.Errorf("GetOrLoad: the loader ran %d times for 10 concurrent requests, want 1", n)
	}
	say("load    product %s: 10 concurrent GetOrLoad calls, loader called %d time", pid, loads.Load())

	// 6. GetMany: one round trip; misses are simply absent from the map.
	// The {tenant} hash tag keeps a tenant's orders in one cluster slot.
	placed := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	err = orders.SetMany(ctx, []*models.Order{
		{TenantID: "acme", ID: 1, Total: 1250, Placed: placed, Lines: []models.OrderLine{{SKU: "TEA-01", Quantity: 2, Price: 450}, {SKU: "MUG-02", Quantity: 1, Price: 350}}},
		{TenantID: "acme", ID: 2, Total: 450, Placed: placed, Lines: []models.OrderLine{{SKU: "TEA-01", Quantity: 1, Price: 450}}},
	})
	if err != nil {
		return fmt.Errorf("SetMany orders: %w", err)
	}
	want := []models.OrderKey{{TenantID: "acme", ID: 1}, {TenantID: "acme", ID: 2}, {TenantID: "acme", ID: 3}}
	found, err := orders.GetMany(ctx, want)
	if err != nil {
		return fmt.Errorf("GetMany orders: %w", err)
	}
	if len(found) != 2 || found[want[0]] == nil || found[want[1]] == nil || len(found[want[0]].Lines) != 2 {
		return fmt.Errorf("GetMany orders: got %d of 3, want orders 1 and 2", len(found))
	}
	say("getmany orders 1, 2, 3 of tenant acme -> %d found (keys like %s); order 3 is not cached", len(found), orders.Key("acme", 1))

	// 7. Counters: only reads count; a miss is not an error.
	if _, err := users.Get(ctx, 42); err != nil {
		return fmt.Errorf("get user 42 again: %w", err)
	}
	st := users.Stats()
	if st.Hits != 2 || st.Misses != 1 || st.Errors != 0 {
		return fmt.Errorf("UserCache stats: %+v, want 2 hits, 1 miss, 0 errors", st)
	}
	say("stats   UserCache: %d hits, %d miss, %d errors -> hit rate %.0f%%", st.Hits, st.Misses, st.Errors, 100*st.HitRate())
	say("ok: every step behaved as described; keys under %q removed", strings.TrimSuffix(prefix, ":"))
	return nil
}
