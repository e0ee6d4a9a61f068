package codecbench

// codec=proto beside msgpack and codec=fast on the same seven-field entity,
// each typed cache beside the raw go-redis call doing the same work with
// the same codec, in the same run, against a real redis-server. See
// BENCHMARKS.md ("codec=proto") for how they were run.

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cachegen/cachegen/examples/foreign/internal/benchpb"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

var (
	created     = time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	protoValue  = &benchpb.BenchUser{Id: 42, Email: "ada@example.com", Name: "Ada Lovelace", Age: 36, Active: true, Created: timestamppb.New(created), Tags: []string{"admin", "math"}}
	structValue = &BenchUser{ID: 42, Email: "ada@example.com", Name: "Ada Lovelace", Age: 36, Active: true, Created: created, Tags: []string{"admin", "math"}}
)

// bench is one codec's cache, raw codec and value, behind one interface so
// every codec runs the same loops.
type bench struct {
	name  string
	codec runtime.Codec
	value any
	fresh func() any // a new, empty value to decode into
	cache func(redis.UniversalClient) (get func(context.Context) error, set func(context.Context) error, key string)
}

func benches(b *testing.B) []bench {
	msgpack, err := runtime.CodecByName("msgpack")
	if err != nil {
		b.Fatal(err)
	}
	return []bench{
		{"proto", protoProtoUserCodec, protoValue, func() any { return new(benchpb.BenchUser) },
			func(rdb redis.UniversalClient) (func(context.Context) error, func(context.Context) error, string) {
				c, err := NewProtoUserCache(rdb)
				if err != nil {
					b.Fatal(err)
				}
				return func(ctx context.Context) error { _, err := c.Get(ctx, 42); return err },
					func(ctx context.Context) error { return c.Set(ctx, protoValue) }, c.Key(42)
			}},
		{"msgpack", msgpack, structValue, func() any { return new(BenchUser) },
			func(rdb redis.UniversalClient) (func(context.Context) error, func(context.Context) error, string) {
				c, err := NewMsgpackUserCache(rdb)
				if err != nil {
					b.Fatal(err)
				}
				return func(ctx context.Context) error { _, err := c.Get(ctx, 42); return err },
					func(ctx context.Context) error { return c.Set(ctx, structValue) }, c.Key(42)
			}},
		{"fast", fastBenchUserCodec, structValue, func() any { return new(BenchUser) },
			func(rdb redis.UniversalClient) (func(context.Context) error, func(context.Context) error, string) {
				c, err := NewFastUserCache(rdb)
				if err != nil {
					b.Fatal(err)
				}
				return func(ctx context.Context) error { _, err := c.Get(ctx, 42); return err },
					func(ctx context.Context) error { return c.Set(ctx, structValue) }, c.Key(42)
			}},
	}
}

// BenchmarkCodec: Marshal and Unmarshal in process; B/value is the size
// of the encoding.
func BenchmarkCodec(b *testing.B) {
	for _, bc := range benches(b) {
		data, err := bc.codec.Marshal(bc.value)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("codec="+bc.name+"/op=marshal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.codec.Marshal(bc.value); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data)), "B/value")
		})
		b.Run("codec="+bc.name+"/op=unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.codec.Unmarshal(data, bc.fresh()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data)), "B/value")
		})
	}
}

// BenchmarkGet: the generated cache's Get (impl=typed) beside go-redis GET
// plus the same codec's Unmarshal (impl=raw).
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	for _, bc := range benches(b) {
		b.Run("codec="+bc.name+"/impl=raw", func(b *testing.B) {
			rdb := redistest.Start(b).Client(b)
			_, set, key := bc.cache(rdb)
			if err := set(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				raw, err := rdb.Get(ctx, key).Bytes()
				if err != nil {
					b.Fatal(err)
				}
				if err := bc.codec.Unmarshal(raw, bc.fresh()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec="+bc.name+"/impl=typed", func(b *testing.B) {
			rdb := redistest.Start(b).Client(b)
			get, set, _ := bc.cache(rdb)
			if err := set(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := get(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSet: the generated cache's Set beside the same codec's Marshal
// plus go-redis SET.
func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	for _, bc := range benches(b) {
		b.Run("codec="+bc.name+"/impl=raw", func(b *testing.B) {
			rdb := redistest.Start(b).Client(b)
			_, _, key := bc.cache(rdb)
			b.ReportAllocs()
			for b.Loop() {
				data, err := bc.codec.Marshal(bc.value)
				if err != nil {
					b.Fatal(err)
				}
				if err := rdb.Set(ctx, key, data, 0).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("codec="+bc.name+"/impl=typed", func(b *testing.B) {
			rdb := redistest.Start(b).Client(b)
			_, set, _ := bc.cache(rdb)
			b.ReportAllocs()
			for b.Loop() {
				if err := set(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSameEntity checks that the benchmark compares like with like: the
// three encodings hold the same data.
func TestSameEntity(t *testing.T) {
	var back BenchUser
	msgpack, _ := runtime.CodecByName("msgpack")
	for _, c := range []runtime.Codec{msgpack, fastBenchUserCodec} {
		data, err := c.Marshal(structValue)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back.ID != protoValue.Id || back.Email != protoValue.Email || back.Name != protoValue.Name ||
			int64(back.Age) != protoValue.Age || back.Active != protoValue.Active ||
			!back.Created.Equal(protoValue.Created.AsTime()) || len(back.Tags) != len(protoValue.Tags) {
			t.Errorf("%s: %+v does not hold the data of %v", c.Name(), back, protoValue)
		}
	}
	data, err := protoProtoUserCodec.Marshal(protoValue)
	if err != nil {
		t.Fatal(err)
	}
	var m benchpb.BenchUser
	if err := proto.Unmarshal(data, &m); err != nil || !proto.Equal(&m, protoValue) {
		t.Errorf("proto codec round trip: %v, %v", &m, err)
	}
}

// paired runs x and y alternately (x then y, then y then x) in one
// benchmark, so both see the same machine: on a loaded machine the
// ratio y/x is what to trust, not either time. It reports x's and y's
// ns/op and their ratio. (runtime's benchmarks measure the same way.)
func paired(b *testing.B, xName string, x func(), yName string, y func()) {
	var tx, ty time.Duration
	n := 0
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			tx += timed(x)
			ty += timed(y)
		} else {
			ty += timed(y)
			tx += timed(x)
		}
		n++
	}
	px, py := float64(tx.Nanoseconds())/float64(n), float64(ty.Nanoseconds())/float64(n)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(px, xName+"-ns/op")
	b.ReportMetric(py, yName+"-ns/op")
	b.ReportMetric(py/px, yName+"/"+xName)
}

// BenchmarkPaired: codec=proto beside msgpack and fast, pairwise: the
// codec alone (Marshal + Unmarshal, in process), and Get and Set of the
// generated caches over the network; and the proto cache's Get and Set
// beside go-redis with proto.Marshal/Unmarshal by hand.
func BenchmarkPaired(b *testing.B) {
	ctx := context.Background()
	bs := benches(b)
	try := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	roundTrip := func(bc bench) func() {
		return func() {
			data, err := bc.codec.Marshal(bc.value)
			try(err)
			try(bc.codec.Unmarshal(data, bc.fresh()))
		}
	}
	protoB := bs[0]
	for _, other := range bs[1:] {
		b.Run("op=codec/"+other.name+"-vs-proto", func(b *testing.B) {
			paired(b, other.name, roundTrip(other), "proto", roundTrip(protoB))
		})
	}
	rdb := redistest.Start(b).Client(b)
	type ops struct{ get, set func(context.Context) error }
	caches := map[string]ops{}
	for _, bc := range bs {
		get, set, _ := bc.cache(rdb)
		try(set(ctx))
		caches[bc.name] = ops{get, set}
	}
	for _, other := range bs[1:] {
		b.Run("op=get/"+other.name+"-vs-proto", func(b *testing.B) {
			paired(b, other.name, func() { try(caches[other.name].get(ctx)) }, "proto", func() { try(caches["proto"].get(ctx)) })
		})
		b.Run("op=set/"+other.name+"-vs-proto", func(b *testing.B) {
			paired(b, other.name, func() { try(caches[other.name].set(ctx)) }, "proto", func() { try(caches["proto"].set(ctx)) })
		})
	}
	_, _, key := protoB.cache(rdb)
	b.Run("op=get/raw-vs-typed", func(b *testing.B) {
		paired(b, "raw", func() {
			raw, err := rdb.Get(ctx, key).Bytes()
			try(err)
			try(proto.Unmarshal(raw, new(benchpb.BenchUser)))
		}, "typed", func() { try(caches["proto"].get(ctx)) })
	})
	b.Run("op=set/raw-vs-typed", func(b *testing.B) {
		paired(b, "raw", func() {
			data, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoValue)
			try(err)
			try(rdb.Set(ctx, key, data, 0).Err())
		}, "typed", func() { try(caches["proto"].set(ctx)) })
	})
}
