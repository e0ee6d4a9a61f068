package fastbench

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/benchpair"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// getManyCache is what BenchmarkGetMany100 needs of a generated cache.
type getManyCache interface {
	Key(id int64) string
	SetMany(ctx context.Context, vs []*User) error
	GetMany(ctx context.Context, ids []int64) (map[int64]*User, error)
}

// BenchmarkGetMany100 reads 100 users through the generated GetMany (near
// cache off: every key goes to Redis) beside a hand-written MGET of the
// same keys followed by the same decoding into a new User each, per codec,
// against one real redis-server, paired (see benchpair):
//
//	paired=raw-mget        the floor: keys built once, outside the loop
//	paired=raw-mget-keys   a hand-written cache's read: keys built from the
//	                       IDs on every call, as GetMany must
//
// The ratio generated/raw is the figure of issue 18's target (≤ 1.05).
func BenchmarkGetMany100(b *testing.B) {
	ctx := context.Background()
	srv := redistest.Start(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { _ = rdb.Close() })
	msgpack := codec(b, "msgpack")
	for _, name := range []string{"fast", "msgpack"} {
		var c getManyCache
		var cd runtime.Codec
		var err error
		switch name {
		case "fast":
			c, err = NewUserCache(rdb, runtime.WithLocal(0))
			cd = fastUserCodec
		default:
			c, err = NewMsgpackUserCache(rdb)
			cd = msgpack
		}
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]int64, 100)
		vs := make([]*User, 100)
		keys := make([]string, 100)
		for i := range ids {
			u := benchUser()
			u.ID = int64(1_000_000 + i*7919)
			ids[i], vs[i], keys[i] = u.ID, u, c.Key(u.ID)
		}
		if err := c.SetMany(ctx, vs); err != nil {
			b.Fatal(err)
		}
		try := func(err error) {
			if err != nil {
				b.Fatal(err)
			}
		}
		out := make([]*User, len(ids))
		raw := func(keys []string) {
			vals, err := rdb.MGet(ctx, keys...).Result()
			try(err)
			for i, v := range vals {
				u := new(User)
				try(cd.Unmarshal([]byte(v.(string)), u))
				out[i] = u
			}
		}
		generated := func() {
			m, err := c.GetMany(ctx, ids)
			try(err)
			if len(m) != len(ids) {
				b.Fatalf("GetMany found %d of %d", len(m), len(ids))
			}
		}
		b.Run("codec="+name+"/impl=generated", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				generated()
			}
		})
		b.Run("codec="+name+"/impl=raw-mget", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				raw(keys)
			}
		})
		b.Run("codec="+name+"/paired=raw-mget", func(b *testing.B) {
			benchpair.Run(b, "raw", 1, func() { raw(keys) }, "generated", 1, generated)
		})
		b.Run("codec="+name+"/paired=raw-mget-keys", func(b *testing.B) {
			ks := make([]string, len(ids))
			benchpair.Run(b, "raw", 1, func() {
				for i, id := range ids {
					ks[i] = c.Key(id)
				}
				raw(ks)
			}, "generated", 1, generated)
		})
	}
}
