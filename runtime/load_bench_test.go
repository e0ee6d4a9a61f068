package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/cachegen/cachegen/internal/benchpair"
	"github.com/cachegen/cachegen/runtime"
)

// BenchmarkPairedLoad measures GetOrLoad beside the raw go-redis calls a
// hand-written cache-aside does (see paired): on a miss (GET, loader
// returning at once, SET; each iteration a new key) and on a hit (GET and
// decode). The miss path's ratio before and after the fence is in
// BENCHMARKS.md.
func BenchmarkPairedLoad(b *testing.B) {
	codec := mustCodec("msgpack")
	try := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	load := func(context.Context) (*BenchUser, error) { v := benchValue; return &v, nil }
	b.Run("op=getorload-miss", func(b *testing.B) {
		rdb := benchServer(b)
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithTTL(time.Hour))
		must(b, err)
		var nr, nt int
		benchpair.Run(b, "raw", 1, func() {
			nr++
			key := benchKey(nr)
			if err := rdb.Get(ctx, key).Err(); err == nil {
				b.Fatal("raw miss found a value")
			}
			v, _ := load(ctx)
			data, err := codec.Marshal(v)
			try(err)
			try(rdb.Set(ctx, key, data, time.Hour).Err())
		}, "typed", 1, func() {
			nt++
			_, err := s.GetOrLoad(ctx, benchKey(1<<30+nt), load)
			try(err)
		})
	})
	b.Run("op=getorload-hit", func(b *testing.B) {
		rdb, key := benchServer(b), benchKey(1)
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithTTL(time.Hour))
		must(b, err)
		must(b, s.Set(ctx, key, &benchValue, time.Hour))
		benchpair.Run(b, "raw", 1, func() {
			raw, err := rdb.Get(ctx, key).Bytes()
			try(err)
			var u BenchUser
			try(codec.Unmarshal(raw, &u))
		}, "typed", 1, func() {
			_, err := s.GetOrLoad(ctx, key, func(context.Context) (*BenchUser, error) {
				b.Fatal("hit loaded")
				return nil, nil
			})
			try(err)
		})
	})
}
