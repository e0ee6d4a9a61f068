package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/cachegen/cachegen/internal/benchpair"
	"github.com/cachegen/cachegen/runtime"
)

// BenchmarkPairedGetManyOrLoad is GetManyOrLoad of 100 keys of which 50
// miss (each iteration 50 new keys) beside the same done by hand: GetMany,
// one loader call with the misses, SetMany of what it returned (see
// paired). The difference is the fence: one pipelined script per miss to
// take it and one to write back, against SetMany's plain SETs.
func BenchmarkPairedGetManyOrLoad(b *testing.B) {
	rdb := benchServer(b)
	s, err := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithTTL(time.Hour))
	must(b, err)
	hits := make([]string, 50)
	for i := range hits {
		hits[i] = benchKey(i)
		must(b, s.Set(ctx, hits[i], &benchValue, time.Hour))
	}
	next := 1000
	batch := func() []string {
		keys := make([]string, 0, 100)
		for i := range 50 {
			keys = append(keys, hits[i], benchKey(next))
			next++
		}
		return keys
	}
	try := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	benchpair.Run(b, "by-hand", 1, func() {
		keys := batch()
		vs, err := s.GetMany(ctx, keys)
		try(err)
		var missing []string
		for i, v := range vs {
			if v == nil {
				missing = append(missing, keys[i])
			}
		}
		loaded := make([]*BenchUser, len(missing)) // the loader: returns at once
		for i := range loaded {
			v := benchValue
			loaded[i] = &v
		}
		try(s.SetMany(ctx, missing, loaded, time.Hour))
	}, "getmanyorload", 1, func() {
		keys := batch()
		_, err := s.GetManyOrLoad(ctx, keys, func(_ context.Context, missing []int) (map[int]*BenchUser, error) {
			m := make(map[int]*BenchUser, len(missing))
			for _, i := range missing {
				v := benchValue
				m[i] = &v
			}
			return m, nil
		})
		try(err)
	})
}
