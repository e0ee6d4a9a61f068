package runtime_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// keyA and keyB are the 64-byte keys rick's own tests use.
var (
	keyA = string(repeat('a', 64))
	keyB = string(repeat('b', 64))
)

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// topologyEnv selects what server(t) gives the real-server tests:
//
//   - unset (or "single"): a fresh redis-server per test;
//   - "cluster": one 3-master Redis Cluster shared by the whole package run
//     (started on first use, stopped by TestMain), every master flushed
//     before each test. Tests run sequentially, so a flush cannot hit a
//     neighbour.
//
// CI runs the package once each way.
const topologyEnv = "CACHEGEN_TOPOLOGY"

var clusterMode = os.Getenv(topologyEnv) == "cluster"

// server returns a client of an empty keyspace for one test: a plain client
// of a fresh server, or a Cluster client of the shared cluster.
func server(t *testing.T) redis.UniversalClient {
	t.Helper()
	return servers(t, 1)[0]
}

// servers returns n independent clients (own pools and connections, as n
// processes would have) of one empty keyspace.
func servers(t *testing.T, n int) []redis.UniversalClient {
	t.Helper()
	out := make([]redis.UniversalClient, n)
	if clusterMode {
		cl := newCluster(t)
		for i := range out {
			out[i] = cl.Client(t)
		}
		return out
	}
	srv := redistest.Start(t)
	for i := range out {
		out[i] = srv.Client(t)
	}
	return out
}

// newCluster returns an empty 3-master cluster: in cluster mode the shared
// one, flushed; otherwise a fresh one for this test (about 2 s to start).
func newCluster(t *testing.T) *redistest.Cluster {
	t.Helper()
	if !clusterMode {
		return redistest.StartCluster(t)
	}
	cl := sharedCluster(t)
	flushMasters(t, cl)
	return cl
}

// singleNodeOnly skips a test in cluster mode: it exercises something only a
// single server has (killing and restarting it, CLIENT PAUSE, one client's
// pool, the near cache's client tracking, a redis:// URL), and the default
// single-node run covers it.
func singleNodeOnly(t *testing.T, what string) {
	t.Helper()
	if clusterMode {
		t.Skipf("single-node test (%s); covered by the default run without %s=cluster", what, topologyEnv)
	}
}

// masters returns a plain client of every node holding keys: each master of
// a Cluster, each shard of a Ring, or the client itself.
func masters(t testing.TB, rdb redis.UniversalClient) []*redis.Client {
	t.Helper()
	var mu sync.Mutex
	var out []*redis.Client
	add := func(_ context.Context, c *redis.Client) error {
		mu.Lock()
		out = append(out, c)
		mu.Unlock()
		return nil
	}
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		must(t, c.ForEachMaster(ctx, add))
	case *redis.Ring:
		must(t, c.ForEachShard(ctx, add))
	case *redis.Client:
		out = append(out, c)
	default:
		t.Fatalf("masters: unexpected client %T", rdb)
	}
	return out
}

// dbSize sums DBSIZE over every master: on a Cluster or a Ring, DBSIZE
// through the client would count one node's keys only.
func dbSize(t testing.TB, rdb redis.UniversalClient) int64 {
	t.Helper()
	var n int64
	for _, m := range masters(t, rdb) {
		k, err := m.DBSize(ctx).Result()
		must(t, err)
		n += k
	}
	return n
}

// exists reports how many of keys exist, checking them one by one: a
// multi-key EXISTS would be CROSSSLOT on a Cluster.
func exists(t testing.TB, rdb redis.UniversalClient, keys ...string) int64 {
	t.Helper()
	var n int64
	for _, k := range keys {
		e, err := rdb.Exists(ctx, k).Result()
		must(t, err)
		n += e
	}
	return n
}

// kinds runs f once with a plain cache and once with a crypt cache on the
// same kind of server: rick's CryptRedisCache tests are its RedisCache tests
// rerun.
func kinds(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache), opts ...runtime.Option) {
	t.Run("plain", func(t *testing.T) {
		rdb := server(t)
		f(t, rdb, runtime.NewRedisCache(rdb, opts...))
	})
	t.Run("crypt", func(t *testing.T) {
		rdb := server(t)
		c, err := runtime.NewCryptRedisCache(rdb, append([]runtime.Option{runtime.WithKeys(keyA)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		f(t, rdb, c)
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func redistestStart(t *testing.T) *redistest.Server { return redistest.Start(t) }

// keysIf returns WithKeys(keyA) for a crypt cache and no option otherwise:
// WithKeys on a cache without crypt is a construction error.
func keysIf(crypt bool) []runtime.Option {
	if crypt {
		return []runtime.Option{runtime.WithKeys(keyA)}
	}
	return nil
}
