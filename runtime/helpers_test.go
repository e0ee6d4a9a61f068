package runtime_test

import (
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

// server starts a real redis-server for one test and returns a client of it.
func server(t *testing.T) *redis.Client {
	t.Helper()
	return redistest.Start(t).Client(t)
}

// kinds runs f once with a plain cache and once with a crypt cache on the
// same kind of server: rick's CryptRedisCache tests are its RedisCache tests
// rerun.
func kinds(t *testing.T, f func(t *testing.T, rdb *redis.Client, c runtime.Cache), opts ...runtime.Option) {
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

func redistestStartCluster(t *testing.T) *redis.ClusterClient {
	return redistest.StartCluster(t).Client(t)
}
