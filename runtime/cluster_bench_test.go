package runtime_test

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// BenchmarkClusterGetMany100 reads 100 keys from a 3-master cluster beside
// the same read from a single server: same keys, same values, same codec.
// Each typed GetMany stands beside its floor, the raw go-redis reads doing
// the same work — one MGET on a single server; on the cluster, the keys
// (spread over about 100 slots) grouped by slot into a pipeline of MGETs,
// which is all a cluster allows; and 100 keys sharing one hash tag, which
// one MGET reads even on the cluster.
func BenchmarkClusterGetMany100(b *testing.B) {
	codec := mustCodec("msgpack")
	data, err := codec.Marshal(&benchValue)
	must(b, err)
	spread := make([]string, 100)
	tagged := make([]string, 100)
	for i := range spread {
		spread[i] = benchKey(i)
		tagged[i] = fmt.Sprintf("u:{t1}:%d", i)
	}
	single := redistest.Start(b).Client(b)
	cluster := redistest.StartCluster(b).Client(b)
	for _, c := range []redis.UniversalClient{single, cluster} {
		for _, k := range append(append([]string{}, spread...), tagged...) {
			must(b, c.Set(ctx, k, data, 0).Err())
		}
	}
	decode := func(b *testing.B, vals []any) {
		for _, v := range vals {
			var u BenchUser
			if err := codec.Unmarshal([]byte(v.(string)), &u); err != nil {
				b.Fatal(err)
			}
		}
	}
	rawMGet := func(c redis.UniversalClient, keys []string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				vals, err := c.MGet(ctx, keys...).Result()
				if err != nil {
					b.Fatal(err)
				}
				decode(b, vals)
			}
		}
	}
	typed := func(c redis.UniversalClient, keys []string) func(b *testing.B) {
		return func(b *testing.B) {
			s, err := runtime.NewStore[BenchUser](c, benchSpec)
			must(b, err)
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.GetMany(ctx, keys)
				if err != nil || got[99] == nil {
					b.Fatal(err)
				}
			}
		}
	}
	bySlot := map[uint16][]string{}
	for _, k := range spread {
		bySlot[runtime.Slot(k)] = append(bySlot[runtime.Slot(k)], k)
	}

	b.Run("single/raw-mget", rawMGet(single, spread))
	b.Run("single/typed", typed(single, spread))
	b.Run(fmt.Sprintf("cluster/raw-mget-per-slot(%d)", len(bySlot)), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cmds, err := cluster.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, ks := range bySlot {
					p.MGet(ctx, ks...)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range cmds {
				decode(b, c.(*redis.SliceCmd).Val())
			}
		}
	})
	b.Run("cluster/typed", typed(cluster, spread))
	b.Run("cluster-hashtag/raw-mget", rawMGet(cluster, tagged))
	b.Run("cluster-hashtag/typed", typed(cluster, tagged))
}
