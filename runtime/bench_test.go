package runtime_test

// Benchmarks put each cachegen operation beside its floor — the raw go-redis
// call doing the same work with the same codec — in the same run, against a
// real redis-server. See BENCHMARKS.md for how to run them pinned to one CPU.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/benchpair"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// BenchUser is the benchmark entity: seven fields, as in the figures.
type BenchUser struct {
	ID      int64
	Email   string
	Name    string
	Age     int
	Active  bool
	Created time.Time
	Tags    []string
}

var benchValue = BenchUser{ID: 42, Email: "ada@example.com", Name: "Ada Lovelace", Age: 36, Active: true,
	Created: time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), Tags: []string{"admin", "math"}}

var benchSpec = runtime.Spec{Name: "BenchUserCache", Pattern: "u:*", Match: `u:[0-9]+`, AllPattern: "u:*", AllMatch: `u:[0-9]+`}

func benchKey(i int) string { return "u:" + strconv.Itoa(i) }

func benchServer(b *testing.B) *redis.Client {
	b.Helper()
	return redistest.Start(b).Client(b)
}

func BenchmarkGet(b *testing.B) {
	// gob is not here: it reads only authenticated values (crypt).
	for _, name := range []string{"msgpack", "json", "rick-msgpack", "pickle"} {
		codec := mustCodec(name)
		b.Run("codec="+name+"/impl=raw", func(b *testing.B) {
			rdb, key := benchServer(b), benchKey(1)
			data, _ := codec.Marshal(&benchValue)
			rdb.Set(ctx, key, data, 0)
			b.ReportAllocs()
			for b.Loop() {
				raw, err := rdb.Get(ctx, key).Bytes()
				if err != nil {
					b.Fatal(err)
				}
				var u BenchUser
				if err := codec.Unmarshal(raw, &u); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec="+name+"/impl=typed", func(b *testing.B) {
			rdb, key := benchServer(b), benchKey(1)
			s, _ := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithCodec(codec))
			must(b, s.Set(ctx, key, &benchValue, 0))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSet(b *testing.B) {
	for _, name := range []string{"msgpack", "json"} {
		codec := mustCodec(name)
		b.Run("codec="+name+"/impl=raw", func(b *testing.B) {
			rdb, key := benchServer(b), benchKey(1)
			b.ReportAllocs()
			for b.Loop() {
				data, err := codec.Marshal(&benchValue)
				if err != nil {
					b.Fatal(err)
				}
				if err := rdb.Set(ctx, key, data, time.Hour).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec="+name+"/impl=typed", func(b *testing.B) {
			rdb, key := benchServer(b), benchKey(1)
			s, _ := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithCodec(codec))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Set(ctx, key, &benchValue, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCrypt compares a 1 KiB value read plain and encrypted.
func BenchmarkCrypt(b *testing.B) {
	type blob struct{ Data string }
	v := &blob{Data: strings.Repeat("x", 1024)}
	for _, crypt := range []bool{false, true} {
		b.Run(fmt.Sprint("op=get-1KiB/crypt=", crypt), func(b *testing.B) {
			rdb := benchServer(b)
			spec := benchSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[blob](rdb, spec, keysIf(crypt)...)
			must(b, err)
			key := benchKey(1)
			must(b, s.Set(ctx, key, v, 0))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprint("op=set-1KiB/crypt=", crypt), func(b *testing.B) {
			rdb := benchServer(b)
			spec := benchSpec
			spec.Crypt = crypt
			s, _ := runtime.NewStore[blob](rdb, spec, keysIf(crypt)...)
			key := benchKey(1)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Set(ctx, key, v, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetMany100 reads 100 keys: typed GetMany against a raw MGET and a
// raw pipeline of 100 GETs, each followed by the same decoding.
func BenchmarkGetMany100(b *testing.B) {
	codec := mustCodec("msgpack")
	setup := func(b *testing.B) (*redis.Client, []string) {
		rdb := benchServer(b)
		keys := make([]string, 100)
		for i := range keys {
			keys[i] = benchKey(i)
			data, _ := codec.Marshal(&benchValue)
			rdb.Set(ctx, keys[i], data, 0)
		}
		return rdb, keys
	}
	b.Run("impl=raw-mget", func(b *testing.B) {
		rdb, keys := setup(b)
		b.ReportAllocs()
		for b.Loop() {
			vals, err := rdb.MGet(ctx, keys...).Result()
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range vals {
				var u BenchUser
				if err := codec.Unmarshal([]byte(v.(string)), &u); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("impl=raw-pipeline", func(b *testing.B) {
		rdb, keys := setup(b)
		b.ReportAllocs()
		for b.Loop() {
			cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Get(ctx, k)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range cmds {
				var u BenchUser
				raw, _ := c.(*redis.StringCmd).Bytes()
				if err := codec.Unmarshal(raw, &u); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("impl=typed", func(b *testing.B) {
		rdb, keys := setup(b)
		s, _ := runtime.NewStore[BenchUser](rdb, benchSpec)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetMany(ctx, keys); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cloneBenchUser is the deep copy generated code writes for BenchUser: one
// allocation for the struct and the array of its tags.
func cloneBenchUser(v *BenchUser) *BenchUser {
	if v == nil {
		return nil
	}
	c, tags := cacheimpl.CloneWith(v, v.Tags)
	c.Tags = tags
	return c
}

// BenchmarkLocalHit is a near-cache hit beside the network Get it replaces.
func BenchmarkLocalHit(b *testing.B) {
	rdb := benchServer(b)
	s, err := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour), runtime.WithClone(cloneBenchUser))
	must(b, err)
	defer s.Close()
	key := benchKey(1)
	must(b, s.Set(ctx, key, &benchValue, 0))
	// Wait until the value is held locally (the first read after arming may
	// race with the invalidation of our own Set and not be kept).
	for deadline := time.Now().Add(10 * time.Second); s.Stats().LocalHits == 0; {
		if _, err := s.Get(ctx, key); err != nil {
			b.Fatal(err)
		}
		if time.Now().After(deadline) {
			b.Fatal("near cache never served a hit")
		}
		time.Sleep(time.Millisecond)
	}
	before := s.Stats().LocalHits
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
	if hits := s.Stats().LocalHits - before; hits < uint64(b.N) {
		b.Fatalf("only %d of %d reads were local hits", hits, b.N)
	}
}

// stubHook answers GET, SET and MGET in process, without a connection, so
// that BenchmarkClientCPU measures what the client side costs (go-redis's
// command objects and hooks, cachegen's layer, the codec) without the
// network round trip, whose jitter on a shared machine is larger than the
// differences being measured.
type stubHook struct{ val string }

func (h stubHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h stubHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch c := cmd.(type) {
		case *redis.StringCmd:
			c.SetVal(h.val)
		case *redis.StatusCmd:
			c.SetVal("OK")
		case *redis.SliceCmd:
			vals := make([]any, len(c.Args())-1)
			for i := range vals {
				vals[i] = h.val
			}
			c.SetVal(vals)
		default:
			return fmt.Errorf("stub: unexpected %s", cmd.Name())
		}
		return nil
	}
}

func (h stubHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		return errors.New("stub: no pipelines")
	}
}

// BenchmarkClientCPU is BenchmarkGet, BenchmarkSet and BenchmarkGetMany100
// (msgpack) against a stubbed connection: the typed Store beside the raw
// go-redis calls, both going through the same go-redis client code.
func BenchmarkClientCPU(b *testing.B) {
	codec := mustCodec("msgpack")
	data, err := codec.Marshal(&benchValue)
	must(b, err)
	stub := func(b *testing.B) *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
		c.AddHook(stubHook{val: string(data)})
		b.Cleanup(func() { _ = c.Close() })
		return c
	}
	key := benchKey(1)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	b.Run("op=get/impl=raw", func(b *testing.B) {
		rdb := stub(b)
		b.ReportAllocs()
		for b.Loop() {
			raw, err := rdb.Get(ctx, key).Bytes()
			if err != nil {
				b.Fatal(err)
			}
			var u BenchUser
			if err := codec.Unmarshal(raw, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=get/impl=typed", func(b *testing.B) {
		s, _ := runtime.NewStore[BenchUser](stub(b), benchSpec)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=set/impl=raw", func(b *testing.B) {
		rdb := stub(b)
		b.ReportAllocs()
		for b.Loop() {
			data, err := codec.Marshal(&benchValue)
			if err != nil {
				b.Fatal(err)
			}
			if err := rdb.Set(ctx, key, data, time.Hour).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=set/impl=typed", func(b *testing.B) {
		s, _ := runtime.NewStore[BenchUser](stub(b), benchSpec)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Set(ctx, key, &benchValue, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=getmany100/impl=raw", func(b *testing.B) {
		rdb := stub(b)
		b.ReportAllocs()
		for b.Loop() {
			vals, err := rdb.MGet(ctx, keys...).Result()
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range vals {
				var u BenchUser
				if err := codec.Unmarshal([]byte(v.(string)), &u); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("op=getmany100/impl=typed", func(b *testing.B) {
		s, _ := runtime.NewStore[BenchUser](stub(b), benchSpec)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetMany(ctx, keys); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPaired is the targets' comparisons measured pairwise (see
// paired): typed against raw go-redis with the same codec for Get, Set and
// GetMany(100), over the network and against a stubbed connection; crypt
// against plain for a 1 KiB value; and a network Get against a near-cache
// hit.
func BenchmarkPaired(b *testing.B) {
	codec := mustCodec("msgpack")
	data, err := codec.Marshal(&benchValue)
	must(b, err)
	try := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	rawGet := func(rdb *redis.Client, key string) func() {
		return func() {
			raw, err := rdb.Get(ctx, key).Bytes()
			try(err)
			var u BenchUser
			try(codec.Unmarshal(raw, &u))
		}
	}
	typedGet := func(s *runtime.Store[BenchUser], key string) func() {
		return func() {
			_, err := s.Get(ctx, key)
			try(err)
		}
	}
	rawSet := func(rdb *redis.Client, key string) func() {
		return func() {
			data, err := codec.Marshal(&benchValue)
			try(err)
			try(rdb.Set(ctx, key, data, time.Hour).Err())
		}
	}
	typedSet := func(s *runtime.Store[BenchUser], key string) func() {
		return func() { try(s.Set(ctx, key, &benchValue, time.Hour)) }
	}
	b.Run("op=get", func(b *testing.B) {
		rdb, key := benchServer(b), benchKey(1)
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec)
		must(b, err)
		must(b, s.Set(ctx, key, &benchValue, 0))
		benchpair.Run(b, "raw", 1, rawGet(rdb, key), "typed", 1, typedGet(s, key))
	})
	b.Run("op=set", func(b *testing.B) {
		rdb, key := benchServer(b), benchKey(1)
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec)
		must(b, err)
		benchpair.Run(b, "raw", 1, rawSet(rdb, key), "typed", 1, typedSet(s, key))
	})
	b.Run("op=getmany100", func(b *testing.B) {
		rdb := benchServer(b)
		keys := make([]string, 100)
		for i := range keys {
			keys[i] = benchKey(i)
			must(b, rdb.Set(ctx, keys[i], data, 0).Err())
		}
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec)
		must(b, err)
		benchpair.Run(b, "raw-mget", 1, func() {
			vals, err := rdb.MGet(ctx, keys...).Result()
			try(err)
			for _, v := range vals {
				var u BenchUser
				try(codec.Unmarshal([]byte(v.(string)), &u))
			}
		}, "typed", 1, func() {
			_, err := s.GetMany(ctx, keys)
			try(err)
		})
	})
	b.Run("op=get-cpu", func(b *testing.B) {
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
		rdb.AddHook(stubHook{val: string(data)})
		defer rdb.Close()
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec)
		must(b, err)
		benchpair.Run(b, "raw", 64, rawGet(rdb, benchKey(1)), "typed", 64, typedGet(s, benchKey(1)))
	})
	b.Run("op=set-cpu", func(b *testing.B) {
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
		rdb.AddHook(stubHook{val: string(data)})
		defer rdb.Close()
		s, err := runtime.NewStore[BenchUser](rdb, benchSpec)
		must(b, err)
		benchpair.Run(b, "raw", 64, rawSet(rdb, benchKey(1)), "typed", 64, typedSet(s, benchKey(1)))
	})
	b.Run("op=get-1KiB-crypt", func(b *testing.B) {
		type blob struct{ Data string }
		v := &blob{Data: strings.Repeat("x", 1024)}
		rdb := benchServer(b)
		var gets [2]func()
		for i, crypt := range []bool{false, true} {
			spec := benchSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[blob](rdb, spec, keysIf(crypt)...)
			must(b, err)
			key := benchKey(i)
			must(b, s.Set(ctx, key, v, 0))
			gets[i] = func() {
				_, err := s.Get(ctx, key)
				try(err)
			}
		}
		px, py := benchpair.Run(b, "plain", 1, gets[0], "crypt", 1, gets[1])
		b.ReportMetric(py-px, "crypt-extra-ns/op")
	})
	b.Run("op=set-1KiB-crypt", func(b *testing.B) {
		type blob struct{ Data string }
		v := &blob{Data: strings.Repeat("x", 1024)}
		rdb := benchServer(b)
		var sets [2]func()
		for i, crypt := range []bool{false, true} {
			spec := benchSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[blob](rdb, spec, keysIf(crypt)...)
			must(b, err)
			key := benchKey(i)
			sets[i] = func() { try(s.Set(ctx, key, v, 0)) }
		}
		px, py := benchpair.Run(b, "plain", 1, sets[0], "crypt", 1, sets[1])
		b.ReportMetric(py-px, "crypt-extra-ns/op")
	})
	b.Run("op=local-hit", func(b *testing.B) {
		rdb, key := benchServer(b), benchKey(1)
		network, err := runtime.NewStore[BenchUser](rdb, benchSpec)
		must(b, err)
		near, err := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour), runtime.WithClone(cloneBenchUser))
		must(b, err)
		defer near.Close()
		must(b, near.Set(ctx, key, &benchValue, 0))
		for deadline := time.Now().Add(10 * time.Second); near.Stats().LocalHits == 0; {
			_, err := near.Get(ctx, key)
			must(b, err)
			if time.Now().After(deadline) {
				b.Fatal("near cache never served a hit")
			}
			time.Sleep(time.Millisecond)
		}
		benchpair.Run(b, "hit", 256, typedGet(near, key), "network", 1, typedGet(network, key))
	})
}
