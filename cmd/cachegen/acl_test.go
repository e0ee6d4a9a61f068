package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/acl"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/internal/testmod"
)

// aclModels has a plain cache, a crypt cache and a near cache, with keys
// under acl:u:, acl:s: and acl:p:.
const aclModels = `package models

// User is a plain cache; the test gives it WithLock.
//
//cache:key=acl:u:<ID> ttl=1h
type User struct {
	ID   int64
	Name string
}

// Session is encrypted.
//
//cache:key=acl:s:<Token> ttl=30m crypt
type Session struct {
	Token  string
	UserID int64
}

// Product has a near cache.
//
//cache:key=acl:p:<ID> ttl=1h local=100
type Product struct {
	ID   int64
	Name string
}
`

// aclOps runs every operation of every cache of aclModels as the Redis
// user it is given, and fails on any error, including one only counted in
// Stats().Errors (a write-back GetOrLoad could not store).
const aclOps = `package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"example.com/acl/models"
	"github.com/cachegen/cachegen/runtime"
)

type stats interface {
	Stats() runtime.Stats
	Close() error
}

func main() {
	addrs := flag.String("addrs", "", "comma-separated; several: a Redis Cluster")
	flag.Parse()
	ctx := context.Background()
	var rdb, other redis.UniversalClient
	cluster := strings.Contains(*addrs, ",")
	if cluster {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(*addrs, ","), Username: "svc", Password: "s3cret"})
		other = redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(*addrs, ","), Username: "svc", Password: "s3cret"})
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: *addrs, Username: "svc", Password: "s3cret"})
		other = redis.NewClient(&redis.Options{Addr: *addrs, Username: "svc", Password: "s3cret"})
	}
	check := func(what string, err error) {
		if err != nil {
			log.Fatalf("%s: %v", what, err)
		}
	}
	prefix := runtime.WithPrefix("app:")

	users, err := models.NewUserCache(rdb, prefix, runtime.WithLock(time.Second), runtime.WithNegativeTTL(time.Minute))
	check("NewUserCache", err)
	check("Set", users.Set(ctx, &models.User{ID: 1, Name: "Ada"}))
	check("SetWithTTL", users.SetWithTTL(ctx, &models.User{ID: 2}, time.Minute))
	check("SetMany", users.SetMany(ctx, []*models.User{{ID: 3}, {ID: 4}}))
	u, err := users.Get(ctx, 1)
	check("Get", err)
	m, err := users.GetMany(ctx, []int64{1, 2, 3, 99})
	check("GetMany", err)
	ok, err := users.Has(ctx, 2)
	check("Has", err)
	ttl, err := users.TTL(ctx, 2)
	check("TTL", err)
	if u.Name != "Ada" || len(m) != 3 || !ok || ttl <= 0 {
		log.Fatalf("read back %v %d %v %v", u, len(m), ok, ttl)
	}
	load := func(_ context.Context, id int64) (*models.User, error) {
		if id == 8 {
			return nil, runtime.ErrNotFound
		}
		return &models.User{ID: id, Name: "loaded"}, nil
	}
	for range 2 { // the second round reads what the first stored
		u, err := users.GetOrLoad(ctx, 7, load)
		check("GetOrLoad", err)
		if u.Name != "loaded" {
			log.Fatalf("GetOrLoad = %v", u)
		}
		if _, err := users.GetOrLoad(ctx, 8, load); !errors.Is(err, runtime.ErrNotFound) {
			log.Fatalf("GetOrLoad of a missing user = %v", err)
		}
	}
	ok, err = users.Remove(ctx, 1)
	check("Remove", err)
	n, err := users.Purge(ctx)
	check("Purge", err)
	check("Set", users.Set(ctx, &models.User{ID: 1}))
	all, err := users.PurgeAllVersions(ctx)
	check("PurgeAllVersions", err)
	if !ok || n == 0 || all != 1 {
		log.Fatalf("Remove %v, Purge %d, PurgeAllVersions %d", ok, n, all)
	}

	sessions, err := models.NewSessionCache(rdb, prefix, runtime.WithKeys(runtime.GenerateKey()))
	check("NewSessionCache", err)
	check("crypt Set", sessions.Set(ctx, &models.Session{Token: "t", UserID: 1}))
	s, err := sessions.Get(ctx, "t")
	check("crypt Get", err)
	_, err = sessions.Purge(ctx)
	check("crypt Purge", err)
	if s.UserID != 1 {
		log.Fatalf("crypt Get = %v", s)
	}
	caches := []stats{users, sessions}

	{
		products, err := models.NewProductCache(rdb, prefix)
		check("NewProductCache", err)
		writer, err := models.NewProductCache(other, prefix)
		check("NewProductCache", err)
		caches = append(caches, products, writer)
		check("near Set", products.Set(ctx, &models.Product{ID: 1, Name: "v1"}))
		deadline := time.Now().Add(5 * time.Second)
		for products.Stats().LocalHits == 0 {
			p, err := products.Get(ctx, 1)
			check("near Get", err)
			if p.Name != "v1" || time.Now().After(deadline) {
				log.Fatalf("no local hit (%v): the near cache's tracking connection did not start", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
		check("other Set", writer.Set(ctx, &models.Product{ID: 1, Name: "v2"}))
		for {
			p, err := products.Get(ctx, 1)
			check("near Get", err)
			if p.Name == "v2" {
				break
			}
			if time.Now().After(deadline) {
				log.Fatal("the near cache still serves v1: no invalidation arrived")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, c := range caches {
		if st := c.Stats(); st.Errors != 0 {
			log.Fatalf("Stats %+v: errors", st)
		}
		check("Close", c.Close())
	}
	fmt.Println("ok")
}
`

// TestACL creates a Redis ACL user from cachegen -acl's output on a real
// redis-server and runs every operation of a plain cache with WithLock, a
// crypt cache and a near cache as that user: no error anywhere, Stats
// included. The same user gets NOPERM for keys of no cache, a neighbouring
// prefix, FLUSHDB, CONFIG GET and KEYS. Then the same on a 3-master Redis
// Cluster (near cache included), with the rules' cluster line added.
func TestACL(t *testing.T) {
	dir := testmod.New(t, "example.com/acl", map[string]string{"models/models.go": aclModels, "ops/main.go": aclOps})
	code, rules, stderr := cachegen(t, dir, "-acl", "-prefix", "app:", "./models")
	if code != 0 {
		t.Fatalf("cachegen -acl: exit %d\n%s", code, stderr)
	}
	t.Logf("cachegen -acl -prefix app: ./models\n%s", rules)
	for _, want := range []string{"~app:acl:u:*:v", "~app:acl:s:*:v", "~app:acl:p:*:v", "&__redis__:invalidate"} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	if strings.Contains(rules, "~app:acl:*") || strings.Contains(rules, "~app:*") {
		t.Error("a pattern reaches beyond one cache's keys")
	}
	mustRun(t, dir, "./models")
	ops := filepath.Join(t.TempDir(), "ops")
	if out, err := testmod.Go(t, dir, "build", "-o", ops, "./ops"); err != nil {
		t.Fatalf("go build ./ops: %v\n%s", err, out)
	}
	setUser := func(addr string, extra ...string) {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		args := []any{"ACL", "SETUSER", "svc", "reset", "on", ">s3cret"}
		for _, a := range append(acl.Args(rules), extra...) {
			args = append(args, a)
		}
		if err := c.Do(context.Background(), args...).Err(); err != nil {
			t.Fatalf("ACL SETUSER on %s: %v", addr, err)
		}
	}
	runOps := func(addrs string) {
		t.Helper()
		cmd := exec.Command(ops, "-addrs", addrs)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil || out.String() != "ok\n" {
			t.Fatalf("operations as the ACL user: %v\n%s", err, out.String())
		}
	}

	// The README's command creates the user, as written there (with the
	// test server's port, and the scratch module's models).
	readme, err := os.ReadFile(filepath.Join(testmod.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var setuser string
	for line := range strings.SplitSeq(string(readme), "\n") {
		if strings.HasPrefix(line, "(set -f; redis-cli ACL SETUSER svc on '>s3cret' $(go tool cachegen -acl -prefix app: ./models") {
			setuser = line
		}
	}
	if setuser == "" {
		t.Fatal("README.md has no (set -f; redis-cli ACL SETUSER svc … $(go tool cachegen -acl -prefix app: ./models …)) line")
	}
	if out, err := testmod.Go(t, dir, "mod", "edit", "-tool=github.com/cachegen/cachegen/cmd/cachegen"); err != nil {
		t.Fatalf("go mod edit -tool: %v\n%s", err, out)
	}
	srv := redistest.Start(t)
	sh := exec.Command("sh", "-c", strings.Replace(setuser, "redis-cli ", "redis-cli -p "+srv.Addr[strings.LastIndexByte(srv.Addr, ':')+1:]+" ", 1))
	sh.Dir, sh.Env = dir, testmod.Env()
	if out, err := sh.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("the README's ACL SETUSER command: %v\n%s", err, out)
	}
	runOps(srv.Addr)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Username: "svc", Password: "s3cret"})
	defer rdb.Close()
	for name, cmd := range map[string]redis.Cmder{
		"a key of no cache":     rdb.Get(ctx, "app:acl:x:1:v0000000"),
		"a neighbouring prefix": rdb.Set(ctx, "app2:acl:u:1:v0000000", "x", 0),
		"no prefix":             rdb.Get(ctx, "acl:u:1:v0000000"),
		"FLUSHDB":               rdb.FlushDB(ctx),
		"CONFIG GET":            rdb.ConfigGet(ctx, "maxmemory"),
		"KEYS":                  rdb.Keys(ctx, "*"),
	} {
		if err := cmd.Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("%s: %v, want NOPERM", name, err)
		}
	}

	cl := redistest.StartCluster(t)
	var extra []string
	for _, c := range acl.ClusterCommands {
		extra = append(extra, "+"+c.Name)
	}
	for _, addr := range cl.Masters() {
		setUser(addr, extra...)
	}
	runOps(strings.Join(cl.Masters(), ","))
}
