package runtime_test

// Benchmarks put each cachegen operation beside its floor — the raw go-redis
// call doing the same work with the same codec — in the same run, against a
// real redis-server. See BENCHMARKS.md for how to run them pinned to one CPU.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
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
	for _, name := range []string{"msgpack", "json", "gob", "rick-msgpack", "pickle"} {
		codec := mustCodec(name)
		b.Run(name+"/raw", func(b *testing.B) {
			rdb := benchServer(b)
			data, _ := codec.Marshal(&benchValue)
			rdb.Set(ctx, benchKey(1), data, 0)
			b.ReportAllocs()
			for b.Loop() {
				raw, err := rdb.Get(ctx, benchKey(1)).Bytes()
				if err != nil {
					b.Fatal(err)
				}
				var u BenchUser
				if err := codec.Unmarshal(raw, &u); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/typed", func(b *testing.B) {
			rdb := benchServer(b)
			s, _ := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithCodec(codec))
			must(b, s.Set(ctx, benchKey(1), &benchValue, 0))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, benchKey(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSet(b *testing.B) {
	for _, name := range []string{"msgpack", "json"} {
		codec := mustCodec(name)
		b.Run(name+"/raw", func(b *testing.B) {
			rdb := benchServer(b)
			b.ReportAllocs()
			for b.Loop() {
				data, err := codec.Marshal(&benchValue)
				if err != nil {
					b.Fatal(err)
				}
				if err := rdb.Set(ctx, benchKey(1), data, time.Hour).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/typed", func(b *testing.B) {
			rdb := benchServer(b)
			s, _ := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithCodec(codec))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Set(ctx, benchKey(1), &benchValue, time.Hour); err != nil {
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
		b.Run(fmt.Sprint("crypt=", crypt, "/get-1KiB"), func(b *testing.B) {
			rdb := benchServer(b)
			spec := benchSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[blob](rdb, spec, runtime.WithKeys(keyA))
			must(b, err)
			must(b, s.Set(ctx, benchKey(1), v, 0))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, benchKey(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprint("crypt=", crypt, "/set-1KiB"), func(b *testing.B) {
			rdb := benchServer(b)
			spec := benchSpec
			spec.Crypt = crypt
			s, _ := runtime.NewStore[blob](rdb, spec, runtime.WithKeys(keyA))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Set(ctx, benchKey(1), v, 0); err != nil {
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
	b.Run("raw-mget", func(b *testing.B) {
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
	b.Run("raw-pipeline", func(b *testing.B) {
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
	b.Run("typed", func(b *testing.B) {
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

func cloneBenchUser(u *BenchUser) *BenchUser {
	c := *u
	c.Tags = append([]string(nil), u.Tags...)
	return &c
}

// BenchmarkLocalHit is a near-cache hit beside the network Get it replaces.
func BenchmarkLocalHit(b *testing.B) {
	rdb := benchServer(b)
	s, err := runtime.NewStore[BenchUser](rdb, benchSpec, runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Hour), runtime.WithClone(cloneBenchUser))
	must(b, err)
	defer s.Close()
	must(b, s.Set(ctx, benchKey(1), &benchValue, 0))
	for !runtime.LocalArmed(s) {
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Get(ctx, benchKey(1)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, benchKey(1)); err != nil {
			b.Fatal(err)
		}
	}
	if s.Stats().LocalHits == 0 {
		b.Fatal("no local hits")
	}
}
