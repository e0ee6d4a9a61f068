package acl_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/internal/acl"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// The caches of examples/models this test uses, as the generator describes
// them (ProductCache is given a near cache with WithLocal).
var caches = []acl.Cache{
	{Name: "UserCache", Template: "user:<ID>", Glob: "user:*", Versioned: true},
	{Name: "SessionCache", Template: "session:<Token>", Glob: "session:*", Versioned: true},
	{Name: "ProductCache", Template: "product:<ID>", Glob: "product:*", Versioned: true, Local: true},
}

func TestPattern(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		c      acl.Cache
		want   string
	}{
		{"app:", acl.Cache{Glob: "user:*", Versioned: true}, "app:user:*:v[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]*"},
		{"", acl.Cache{Glob: `invoice:*/*`}, "invoice:*/*"},
		{"a*[b]:", acl.Cache{Glob: `cfg:*:x`}, `a\*\[b\]:cfg:*:x*`},
		{"", acl.Cache{Glob: `lit\*`}, `lit\**`},
	} {
		if got := acl.Pattern(tc.prefix, tc.c); got != tc.want {
			t.Errorf("Pattern(%q, %+v) = %q, want %q", tc.prefix, tc.c, got, tc.want)
		}
	}
}

// setUser creates the ACL user svc (password pw) with the rules of caches,
// plus extra rules, on the server of c.
func setUser(t *testing.T, c *redis.Client, extra ...string) {
	t.Helper()
	args := []any{"ACL", "SETUSER", "svc", "reset", "on", ">pw"}
	for _, a := range append(acl.Args(acl.Rules("app:", caches)), extra...) {
		args = append(args, a)
	}
	if err := c.Do(context.Background(), args...).Err(); err != nil {
		t.Fatalf("ACL SETUSER: %v", err)
	}
}

// TestRulesOnRealServer creates an ACL user with exactly the rules of
// examples/models' caches and runs every operation of a plain cache with
// WithLock, a crypt cache and a near cache as that user, which must see no
// error at all; the same user gets NOPERM outside those caches.
func TestRulesOnRealServer(t *testing.T) {
	t.Logf("rules:\n%s", acl.Rules("app:", caches))
	srv := redistest.Start(t)
	setUser(t, srv.Client(t))
	user := func() redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, Username: "svc", Password: "pw"})
		t.Cleanup(func() { c.Close() })
		return c
	}
	rdb := user()
	everyOperation(t, rdb, user)

	// Outside the caches: NOPERM.
	ctx := context.Background()
	for name, cmd := range map[string]redis.Cmder{
		"a key of no cache":                 rdb.Get(ctx, "other:1"),
		"a neighbouring prefix":             rdb.Get(ctx, "app2:user:1:v6ac4404"),
		"a cache's key without the version": rdb.Set(ctx, "app:user:1", "x", 0),
		"FLUSHDB":                           rdb.FlushDB(ctx),
		"CONFIG GET":                        rdb.ConfigGet(ctx, "maxmemory"),
		"KEYS":                              rdb.Keys(ctx, "*"),
	} {
		if err := cmd.Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("%s: %v, want NOPERM", name, err)
		}
	}
}

// TestRulesOnCluster: the same rules plus the cluster line's on every
// master of a 3-master Redis Cluster, near cache included.
func TestRulesOnCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	var extra []string
	for _, c := range acl.ClusterCommands {
		extra = append(extra, "+"+c.Name)
	}
	for _, addr := range cl.Masters() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		setUser(t, c, extra...)
		c.Close()
	}
	user := func() redis.UniversalClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Masters(), Username: "svc", Password: "pw"})
		t.Cleanup(func() { c.Close() })
		return c
	}
	everyOperation(t, user(), user)
}

// everyOperation runs every operation of UserCache (with WithLock and
// negative caching), SessionCache (crypt) and, when newClient is not nil,
// ProductCache as a near cache kept coherent with a writer on newClient().
// Every call and every cache's Stats must be free of errors.
func everyOperation(t *testing.T, rdb redis.UniversalClient, newClient func() redis.UniversalClient) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	prefix := runtime.WithPrefix("app:")

	// A plain cache with the cross-process lock and negative caching.
	users, err := models.NewUserCache(rdb, prefix, runtime.WithLock(time.Second), runtime.WithNegativeTTL(time.Minute))
	must(err)
	must(users.Set(ctx, &models.User{ID: 1, Name: "Ada"}))
	must(users.SetWithTTL(ctx, &models.User{ID: 2}, time.Minute))
	must(users.SetMany(ctx, []*models.User{{ID: 3}, {ID: 4}}))
	if u, err := users.Get(ctx, 1); err != nil || u.Name != "Ada" {
		t.Fatalf("Get = %v, %v", u, err)
	}
	if m, err := users.GetMany(ctx, []int64{1, 2, 3, 99}); err != nil || len(m) != 3 {
		t.Fatalf("GetMany = %v, %v", m, err)
	}
	if ok, err := users.Has(ctx, 2); err != nil || !ok {
		t.Fatalf("Has = %v, %v", ok, err)
	}
	if ttl, err := users.TTL(ctx, 2); err != nil || ttl <= 0 {
		t.Fatalf("TTL = %v, %v", ttl, err)
	}
	load := func(_ context.Context, id int64) (*models.User, error) {
		if id == 8 {
			return nil, runtime.ErrNotFound
		}
		return &models.User{ID: id, Name: "loaded"}, nil
	}
	for range 2 { // the second round reads what the first stored
		if u, err := users.GetOrLoad(ctx, 7, load); err != nil || u.Name != "loaded" {
			t.Fatalf("GetOrLoad = %v, %v", u, err)
		}
		if _, err := users.GetOrLoad(ctx, 8, load); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("GetOrLoad of a missing user = %v", err)
		}
	}
	if ok, err := users.Remove(ctx, 1); err != nil || !ok {
		t.Fatalf("Remove = %v, %v", ok, err)
	}
	if n, err := users.Purge(ctx); err != nil || n == 0 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	must(users.Set(ctx, &models.User{ID: 1}))
	if n, err := users.PurgeAllVersions(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeAllVersions = %d, %v", n, err)
	}

	// A crypt cache.
	sessions, err := models.NewSessionCache(rdb, prefix, runtime.WithKeys(runtime.GenerateKey()))
	must(err)
	must(sessions.Set(ctx, &models.Session{Token: "t", UserID: 1}))
	if s, err := sessions.Get(ctx, "t"); err != nil || s.UserID != 1 {
		t.Fatalf("crypt Get = %v, %v", s, err)
	}
	if _, err := sessions.Purge(ctx); err != nil {
		t.Fatal(err)
	}

	all := []interface {
		Stats() runtime.Stats
		Close() error
	}{users, sessions}
	defer func() {
		for _, c := range all {
			if st := c.Stats(); st.Errors != 0 {
				t.Errorf("stats %+v: errors", st)
			}
			must(c.Close())
		}
	}()
	if newClient == nil {
		return
	}

	// A near cache: hits served locally, and a write by another client
	// (another process) evicts the local copy.
	products, err := models.NewProductCache(rdb, prefix, runtime.WithLocal(100))
	must(err)
	writer, err := models.NewProductCache(newClient(), prefix)
	must(err)
	all = append(all, products, writer)
	id := uuid.New()
	must(products.Set(ctx, &models.Product{ID: id, Name: "v1"}))
	deadline := time.Now().Add(5 * time.Second)
	for products.Stats().LocalHits == 0 {
		if p, err := products.Get(ctx, id); err != nil || p.Name != "v1" {
			t.Fatalf("near Get = %v, %v", p, err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no local hit: the near cache's tracking connection did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	must(writer.Set(ctx, &models.Product{ID: id, Name: "v2"}))
	for {
		p, err := products.Get(ctx, id)
		must(err)
		if p.Name == "v2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the near cache still serves v1: no invalidation arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
