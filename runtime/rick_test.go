package runtime_test

// The tests in this file follow rick's own test suite, case by case; each
// names the checklist entries of ../shared/RICK.md §11 it covers (R*, C*,
// RE*, CE*) and runs that behaviour through a cache. rick's RedisCache
// pickles by default and its CryptRedisCache always pickles, so every
// checklist test runs with the pickle codec (rickKinds, or WithCodec(pickle)
// for a single cache), and with cachegen's own default (msgpack) beside it.
// Where Go deliberately differs, the test says so and the README lists the
// difference. pythonpickle_test.go has CPython read what these caches
// write and write what they read.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// Container stands in for rick's ShallowContainer: a record that must come
// back with its type and fields intact.
type Container struct {
	Name   string
	Age    int
	Active bool
	Nested map[string]map[string]int
}

var ctx = context.Background()

// rickKinds runs f with the four caches a rick checklist item concerns:
// plain and crypt (kinds), each with rick's default codec (pickle) and with
// cachegen's default (msgpack). opts come after the codec option.
func rickKinds(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache), opts ...runtime.Option) {
	t.Helper()
	for _, codec := range []string{runtime.CodecPickle, runtime.CodecMsgpack} {
		t.Run(codec, func(t *testing.T) {
			kinds(t, f, append([]runtime.Option{runtime.WithCodec(mustCodec(codec))}, opts...)...)
		})
	}
}

// pickled is the option of rick's format, for tests of a single cache.
func pickled() runtime.Option { return runtime.WithCodec(mustCodec(runtime.CodecPickle)) }

func mustCodec(name string) runtime.Codec {
	c, err := runtime.CodecByName(name)
	if err != nil {
		panic(err)
	}
	return c
}

// codecBytes returns what c's codec wrote for key: the Redis value, or for a
// crypt cache (always keyed keyA in these tests) the decrypted token.
func codecBytes(t *testing.T, rdb redis.UniversalClient, c runtime.Cache, key string) []byte {
	t.Helper()
	raw, err := rdb.Get(ctx, c.Prefix()+key).Bytes()
	must(t, err)
	if _, ok := c.(*runtime.CryptRedisCache); ok {
		f, err := runtime.NewFernet256([]byte(keyA))
		must(t, err)
		raw, err = f.Decrypt(raw)
		must(t, err)
	}
	return raw
}

// storeAsRick writes plain codec bytes under key as rick would: as they are
// for a RedisCache, as a Fernet256 token under keyA for a CryptRedisCache.
func storeAsRick(t *testing.T, rdb redis.UniversalClient, c runtime.Cache, key string, plain []byte) {
	t.Helper()
	if _, ok := c.(*runtime.CryptRedisCache); ok {
		f, err := runtime.NewFernet256([]byte(keyA))
		must(t, err)
		plain, err = f.Encrypt(plain)
		must(t, err)
	}
	must(t, rdb.Set(ctx, c.Prefix()+key, plain, 0).Err())
}

func TestR1C1GetSetRemove(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		in := Container{Name: "john", Age: 30, Active: true, Nested: map[string]map[string]int{"a": {"b": 1}}}
		if ok, err := c.Has(ctx, "k"); err != nil || ok {
			t.Fatalf("Has before Set = %v, %v", ok, err)
		}
		must(t, c.Set(ctx, "k", in, 0))
		if ok, _ := c.Has(ctx, "k"); !ok {
			t.Fatal("Has after Set = false")
		}
		var out Container
		must(t, c.Get(ctx, "k", &out))
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("Get = %+v, want %+v", out, in)
		}
		if ok, err := c.Remove(ctx, "k"); err != nil || !ok {
			t.Fatalf("Remove = %v, %v", ok, err)
		}
		if ok, _ := c.Has(ctx, "k"); ok {
			t.Fatal("Has after Remove = true")
		}
		if ok, _ := c.Remove(ctx, "k"); ok {
			t.Fatal("second Remove = true")
		}
		if ok, _ := c.Has(ctx, "k"); ok {
			t.Fatal("Has after second Remove = true")
		}
	})
}

// waitGone polls until key is gone, failing after limit.
func waitGone(t *testing.T, c runtime.Cache, key string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := c.Has(ctx, key)
		must(t, err)
		if !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still present after %v", key, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestR2C2CE17TTL(t *testing.T) {
	rickKinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "k", "v", time.Second))
		if ok, _ := c.Has(ctx, "k"); !ok {
			t.Fatal("Has right after Set = false")
		}
		var s string
		must(t, c.Get(ctx, "k", &s))
		if s != "v" {
			t.Fatalf("Get = %q", s)
		}
		if pttl := rdb.PTTL(ctx, "k").Val(); pttl <= 0 || pttl > time.Second {
			t.Fatalf("PTTL = %v, want (0,1s]", pttl)
		}
		waitGone(t, c, "k", 3*time.Second)
		if err := c.Get(ctx, "k", &s); !errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("Get after expiry = %v, want ErrMiss", err)
		}
	})
}

func TestR3C3CE27Purge(t *testing.T) {
	rickKinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		for i := range 10 {
			must(t, c.Set(ctx, fmt.Sprint("k", i), i, 0))
		}
		for i := range 10 {
			if ok, _ := c.Has(ctx, fmt.Sprint("k", i)); !ok {
				t.Fatalf("k%d missing before Purge", i)
			}
		}
		n, err := c.Purge(ctx)
		must(t, err)
		if n != 10 {
			t.Fatalf("Purge = %d, want 10", n)
		}
		for i := range 10 {
			if ok, _ := c.Has(ctx, fmt.Sprint("k", i)); ok {
				t.Fatalf("k%d survived Purge", i)
			}
		}
	})
}

// Deliberate difference: with a prefix, Purge removes only that prefix.
func TestPurgeWithPrefixSparesOthers(t *testing.T) {
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		c.SetPrefix("app1:*[x]:")
		must(t, rdb.Set(ctx, "app2:k", "keep", 0).Err())
		must(t, rdb.Set(ctx, "app1:other", "keep", 0).Err()) // would match an unescaped glob app1:*
		for i := range 25 {
			must(t, c.Set(ctx, fmt.Sprint(i), i, 0))
		}
		n, err := c.Purge(ctx)
		must(t, err)
		if n != 25 {
			t.Fatalf("Purge = %d, want 25", n)
		}
		if got := dbSize(t, rdb); got != 2 {
			t.Fatalf("DBSize after Purge = %d, want 2 (other prefixes untouched)", got)
		}
		must(t, c.(interface{ FlushDB(context.Context) error }).FlushDB(ctx))
		if got := dbSize(t, rdb); got != 0 {
			t.Fatalf("DBSize after FlushDB = %d", got)
		}
	})
}

func TestC4Crypt(t *testing.T) {
	rdb := server(t)
	c, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA), pickled())
	must(t, err)
	in := "the quick brown fox jumps over the lazy dog"
	must(t, c.Set(ctx, "k", in, 0))
	var out string
	must(t, c.Get(ctx, "k", &out))
	if out != in {
		t.Fatalf("got %q", out)
	}
	if ok, _ := c.Remove(ctx, "k"); !ok {
		t.Fatal("Remove = false")
	}
}

func TestRE1JSONCodec(t *testing.T) {
	rdb := server(t)
	json, _ := runtime.CodecByName("json")
	c := runtime.NewRedisCache(rdb, runtime.WithCodec(json))
	must(t, c.Set(ctx, "k", map[string]any{"name": "John", "age": 30, "active": true}, 0))
	var out any
	must(t, c.Get(ctx, "k", &out))
	want := map[string]any{"name": "John", "age": int64(30), "active": true}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v, want %#v", out, want)
	}
}

func TestRE2RickMsgpackCodec(t *testing.T) {
	rdb := server(t)
	mp, _ := runtime.CodecByName("rick-msgpack")
	c := runtime.NewRedisCache(rdb, runtime.WithCodec(mp))
	ts := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	amount, _ := runtime.ParseDecimal("123.45")
	must(t, c.Set(ctx, "k", map[string]any{"timestamp": ts, "amount": amount, "user": "alice", "count": 42}, 0))
	var out map[string]any
	must(t, c.Get(ctx, "k", &out))
	if got, ok := out["timestamp"].(time.Time); !ok || !got.Equal(ts) {
		t.Fatalf("timestamp = %#v", out["timestamp"])
	}
	if got, ok := out["amount"].(runtime.Decimal); !ok || got.String() != "123.45" {
		t.Fatalf("amount = %#v", out["amount"])
	}
	if out["user"] != "alice" || out["count"] != int64(42) {
		t.Fatalf("got %#v", out)
	}
}

func TestRE3PickleCodec(t *testing.T) {
	rdb := server(t)
	c := runtime.NewRedisCache(rdb, pickled())
	in := Container{Name: "x", Age: 3, Nested: map[string]map[string]int{"nested": {"data": 7}}}
	must(t, c.Set(ctx, "k", in, 0))
	var out Container
	must(t, c.Get(ctx, "k", &out))
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("got %+v", out)
	}
	// rick reads it as a dict, so untyped Go reads a map.
	var m map[string]any
	must(t, c.Get(ctx, "k", &m))
	if m["Nested"].(map[string]any)["nested"].(map[string]any)["data"] != int64(7) {
		t.Fatalf("nested access: %#v", m)
	}
}

func TestRE4CE16PrefixIsolation(t *testing.T) {
	rdb := server(t)
	plain1 := runtime.NewRedisCache(rdb, runtime.WithPrefix("app1:"), pickled())
	plain2 := runtime.NewRedisCache(rdb, runtime.WithPrefix("app2:"), pickled())
	crypt1, err := runtime.NewCryptRedisCache(rdb, runtime.WithPrefix("secure1:"), runtime.WithKeys(keyA), pickled())
	must(t, err)
	crypt2, err := runtime.NewCryptRedisCache(rdb, runtime.WithPrefix("secure2:"), runtime.WithKeys(keyB), pickled())
	must(t, err)
	for _, pair := range [][2]runtime.Cache{{plain1, plain2}, {crypt1, crypt2}} {
		c1, c2 := pair[0], pair[1]
		must(t, c1.Set(ctx, "k", "one", 0))
		must(t, c2.Set(ctx, "k", "two", 0))
		var a, b string
		must(t, c1.Get(ctx, "k", &a))
		must(t, c2.Get(ctx, "k", &b))
		if a != "one" || b != "two" {
			t.Fatalf("%s / %s: got %q %q", c1.Prefix(), c2.Prefix(), a, b)
		}
		if ok, _ := c1.Remove(ctx, "k"); !ok {
			t.Fatal("remove")
		}
		if ok, _ := c2.Has(ctx, "k"); !ok {
			t.Fatalf("removing from %s removed %s's key", c1.Prefix(), c2.Prefix())
		}
	}
}

func TestRE5RE11CE15SetPrefixDynamically(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "data", "value1", 0))
		c.SetPrefix("test:")
		if c.Prefix() != "test:" {
			t.Fatalf("Prefix = %q", c.Prefix())
		}
		must(t, c.Set(ctx, "data", "value2", 0))
		var s string
		must(t, c.Get(ctx, "data", &s))
		if ok, _ := c.Has(ctx, "data"); !ok || s != "value2" {
			t.Fatalf("got %q, has %v", s, ok)
		}
		c.SetPrefix("other:")
		if ok, _ := c.Has(ctx, "data"); ok {
			t.Fatal("other: prefix sees test: key")
		}
		if err := c.Get(ctx, "data", &s); !errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("Get under other: = %v, want ErrMiss", err)
		}
		c.SetPrefix("test:")
		if ok, _ := c.Has(ctx, "data"); !ok {
			t.Fatal("back under test: the key is gone")
		}
		c.SetPrefix("")
		must(t, c.Get(ctx, "data", &s))
		if s != "value1" {
			t.Fatalf("got %q", s)
		}
	})
}

func TestRE6PrefixWithSpecialCharacters(t *testing.T) {
	rickKinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		c.SetPrefix("app:v1:cache:")
		in := Container{Name: "n", Age: 1, Nested: map[string]map[string]int{}}
		must(t, c.Set(ctx, "user:123", in, 0))
		if rdb.Exists(ctx, "app:v1:cache:user:123").Val() != 1 {
			t.Fatal("key not stored as prefix+key")
		}
		if ok, _ := c.Has(ctx, "user:123"); !ok {
			t.Fatal("Has = false")
		}
		var out Container
		must(t, c.Get(ctx, "user:123", &out))
		if ok, _ := c.Remove(ctx, "user:123"); !ok || !reflect.DeepEqual(in, out) {
			t.Fatalf("got %+v", out)
		}
	})
}

func TestRE7RE8RE9CE19CE24HitRate(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		if c.Stats().HitRate() != 0 {
			t.Fatal("fresh hit rate != 0")
		}
		var s string
		if err := c.Get(ctx, "missing", &s); !errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("miss = %v", err)
		}
		if st := c.Stats(); st.Misses != 1 || st.Hits != 0 {
			t.Fatalf("after miss %+v", st)
		}
		must(t, c.Set(ctx, "k", "v", 0))
		for range 3 {
			must(t, c.Get(ctx, "k", &s))
		}
		st := c.Stats()
		if st.Hits != 3 || st.Misses != 1 || st.HitRate() != 0.75 {
			t.Fatalf("stats %+v rate %v", st, st.HitRate())
		}
		// Only reads move the counters.
		_, _ = c.Has(ctx, "k")
		_, _ = c.Remove(ctx, "k")
		if c.Stats() != st {
			t.Fatal("Has/Remove moved the counters")
		}
		_ = c.Get(ctx, "k", &s)
		if st := c.Stats(); st.Hits != 3 || st.Misses != 2 || st.HitRate() != 0.6 {
			t.Fatalf("after remove+get %+v", st)
		}
	})
}

func TestRE10RE28RE29CE23BackendWrapping(t *testing.T) {
	rickKinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		cl := c.(interface{ Client() redis.UniversalClient }).Client()
		if cl != redis.UniversalClient(rdb) {
			t.Fatal("Client() is not the wrapped client")
		}
		must(t, cl.Set(ctx, "raw", "raw value", 0).Err())
		if cl.Exists(ctx, "raw").Val() != 1 || cl.Get(ctx, "raw").Val() != "raw value" {
			t.Fatal("direct operations")
		}
		must(t, c.Set(ctx, "k", 1, 0))
		if ok, _ := c.Has(ctx, "k"); !ok {
			t.Fatal("has")
		}
		var n int
		must(t, c.Get(ctx, "k", &n))
		if n != 1 {
			t.Fatalf("Get = %d", n)
		}
	})
}

func TestRE12CE12NoneValue(t *testing.T) {
	rdb := server(t)
	c := runtime.NewRedisCache(rdb, pickled())
	must(t, c.Set(ctx, "k", nil, 0))
	// What rick stores for None: pickle.dumps(None).
	must(t, rdb.Set(ctx, "py", []byte("\x80\x04N."), 0).Err())
	for _, k := range []string{"k", "py"} {
		var out any = "sentinel"
		must(t, c.Get(ctx, k, &out))
		if out != nil {
			t.Fatalf("%s: got %#v, want nil", k, out)
		}
	}
	if c.Stats().Hits != 2 {
		t.Fatal("stored None is a hit, as in rick")
	}
	cc, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA), pickled())
	must(t, err)
	if err := cc.Set(ctx, "n", nil, 0); err == nil {
		t.Fatal("crypt Set(nil) succeeded; rick raises")
	}
	if ok, _ := cc.Has(ctx, "n"); ok {
		t.Fatal("crypt Set(nil) wrote something")
	}
}

// roundTrip stores v and reads it back into a fresh value of the same type.
func roundTrip[T any](t *testing.T, c runtime.Cache, v T) T {
	t.Helper()
	must(t, c.Set(ctx, "rt", v, 0))
	var out T
	must(t, c.Get(ctx, "rt", &out))
	return out
}

// roundTripAny stores v and reads it back into an any.
func roundTripAny(t *testing.T, c runtime.Cache, v any) any {
	t.Helper()
	must(t, c.Set(ctx, "rt", v, 0))
	var out any
	must(t, c.Get(ctx, "rt", &out))
	return out
}

// TestRE13toRE17RE27CE6CE9CE10CE11CE13DataTypes stores rick's test values
// through each cache and reads them back typed and, for rick's formats,
// into any, where each must come back as the Go type of the Python one
// (bool, int64, float64, string, []byte, []any, map[string]any). Python's
// own view of these bytes, and sets and tuples, which Go cannot write, are
// in pythonpickle_test.go and TestRE18RE19CE11SetsAndTuples.
func TestRE13toRE17RE27CE6CE9CE10CE11CE13DataTypes(t *testing.T) {
	for _, codec := range []string{runtime.CodecPickle, runtime.CodecRickMsgpack, runtime.CodecMsgpack} {
		t.Run(codec, func(t *testing.T) {
			kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
				dataTypes(t, rdb, c, codec)
			}, runtime.WithCodec(mustCodec(codec)))
		})
	}
}

func dataTypes(t *testing.T, rdb redis.UniversalClient, c runtime.Cache, codec string) {
	// Python's types read into any: what msgpack's natural Go types are
	// (int8 for 42) is not rick's concern.
	pythonic := codec != runtime.CodecMsgpack
	check := func(v, want any) {
		t.Helper()
		if !pythonic {
			return
		}
		if got := roundTripAny(t, c, v); !reflect.DeepEqual(got, want) {
			t.Fatalf("%#v read into any = %#v, want %#v", v, got, want)
		}
	}
	// RE13
	for _, b := range []bool{true, false} {
		if roundTrip(t, c, b) != b {
			t.Fatal("bool")
		}
		check(b, b)
	}
	if codec == runtime.CodecPickle {
		// The codec really is rick's: pickle protocol 4, as Python 3.8–3.13
		// write it (rick's readers accept 4 and 5).
		must(t, c.Set(ctx, "rt", true, 0))
		if got := codecBytes(t, rdb, c, "rt"); !strings.HasPrefix(string(got), "\x80\x04") {
			t.Fatalf("stored % x, want a protocol-4 pickle", got)
		}
	}
	// RE14, CE10
	for _, n := range []int64{42, -100, 0, 999999999999999999} {
		if roundTrip(t, c, n) != n {
			t.Fatal("int", n)
		}
		check(int(n), n)
	}
	if roundTrip(t, c, 3.14159) != 3.14159 {
		t.Fatal("float")
	}
	check(3.14159, 3.14159)
	// RE15, CE9, CE28's neighbours
	for _, s := range []string{"hello", "こんにちは世界", "🎉👍❤\ufe0f", "line1\nline2\nline3", "", "!@#$%^&*()_+-=[]{}|;':\",./<>?", strings.Repeat("x", 10000)} {
		if roundTrip(t, c, s) != s {
			t.Fatalf("string %q", s)
		}
		check(s, s)
	}
	// RE27, CE13
	for _, bin := range [][]byte{{0, 1, 2, 3, 4, 5}, {0, 1, 2, 0xff, 0xfe, 0xfd}} {
		if !reflect.DeepEqual(roundTrip(t, c, bin), bin) {
			t.Fatal("binary")
		}
		check(bin, bin)
	}
	// RE16, RE17, CE11: lists and dicts. Read into any their elements are
	// the codec's natural types: Python's for rick's formats (checked
	// exactly), msgpack's smallest for msgpack (only the shape is checked).
	for _, v := range []any{
		[]any{int64(1), int64(2), int64(3), int64(4), int64(5)},
		[]any{int64(1), "two", 3.0, true, nil},
		[]any{[]any{int64(1), int64(2)}, []any{int64(3), []any{int64(4), int64(5)}}},
		[]any{},
		map[string]any{"a": int64(1), "b": int64(2)},
		map[string]any{"outer": map[string]any{"inner": map[string]any{"deep": "value"}}},
		map[string]any{"int": int64(1), "str": "s", "list": []any{int64(1), int64(2)}, "none": nil, "bool": false, "float": 1.5},
		map[string]any{},
	} {
		check(v, v)
		if got := roundTripAny(t, c, v); reflect.TypeOf(got) != reflect.TypeOf(v) || reflect.ValueOf(got).Len() != reflect.ValueOf(v).Len() {
			t.Fatalf("%#v -> %#v", v, got)
		}
	}
	if got := roundTrip(t, c, []int{1, 2, 3}); !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Fatalf("[]int -> %#v", got)
	}
	nested := []map[string][]int{{"a": {1}}, {"b": {2, 3}}}
	if got := roundTrip(t, c, nested); !reflect.DeepEqual(got, nested) {
		t.Fatalf("list of dicts -> %#v", got)
	}
	if st := c.Stats(); st.Errors != 0 || st.Misses != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Python's pickles of rick's RE18/RE19/CE11 values, protocol 4 (Python
// 3.8–3.13) and 5 (3.14+), from pickle.dumps in CPython 3.11.
var pySetsAndTuples = map[string]string{
	"{1, 2, 3, 4, 5}":      "950f000000000000008f94284b014b024b034b044b05902e",
	"(1, 2, 'three', 4.0)": "951900000000000000284b014b028c0574687265659447401000000000000074942e",
	"(1, 2, 3)":            "9509000000000000004b014b024b0387942e",
	"{1, 2, 3}":            "950b000000000000008f94284b014b024b03902e",
}

// RE18, RE19, CE11: Go has no set or tuple type; a set or tuple stored by
// rick (pickled, and for CE11 encrypted) reads back as []any, or into a
// typed slice (documented difference).
func TestRE18RE19CE11SetsAndTuples(t *testing.T) {
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		want := map[string][]any{
			"{1, 2, 3, 4, 5}":      {int64(1), int64(2), int64(3), int64(4), int64(5)},
			"(1, 2, 'three', 4.0)": {int64(1), int64(2), "three", 4.0},
			"(1, 2, 3)":            {int64(1), int64(2), int64(3)},
			"{1, 2, 3}":            {int64(1), int64(2), int64(3)},
		}
		for py, body := range pySetsAndTuples {
			for _, proto := range []string{"8004", "8005"} {
				b, err := hex.DecodeString(proto + body)
				must(t, err)
				storeAsRick(t, rdb, c, py, b)
				var out any
				must(t, c.Get(ctx, py, &out))
				if !reflect.DeepEqual(out, want[py]) {
					t.Fatalf("%s (protocol %s) = %#v, want %#v", py, proto[3:], out, want[py])
				}
				if py != "(1, 2, 'three', 4.0)" {
					var ints []int
					must(t, c.Get(ctx, py, &ints))
					if len(ints) != len(want[py]) || ints[0] != 1 || ints[len(ints)-1] != len(ints) {
						t.Fatalf("%s into []int = %v", py, ints)
					}
				}
			}
		}
		if st := c.Stats(); st.Errors != 0 {
			t.Fatalf("stats %+v", st)
		}
	}, pickled())
}

func TestRE20RE21RE22Nonexistent(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		var s string
		if err := c.Get(ctx, "nope", &s); !errors.Is(err, runtime.ErrMiss) {
			t.Fatal(err)
		}
		if ok, err := c.Remove(ctx, "nope"); ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := c.Has(ctx, "nope"); ok || err != nil {
			t.Fatal(ok, err)
		}
	})
}

func TestRE23RE33CE25CE30Overwrite(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		type secret struct {
			Counter int
			Secret  string
		}
		var out secret
		for i := range 100 {
			must(t, c.Set(ctx, "k", secret{i, fmt.Sprint("value_", i)}, 0))
			if i < 2 {
				must(t, c.Get(ctx, "k", &out))
				if out.Counter != i {
					t.Fatalf("after set %d got %+v", i, out)
				}
			}
		}
		must(t, c.Get(ctx, "k", &out))
		if out != (secret{99, "value_99"}) {
			t.Fatalf("got %+v", out)
		}
	})
}

func TestRE24CE21LargeValue(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		in := map[string]string{}
		for i := range 1000 {
			in[fmt.Sprint("key_", i)] = strings.Repeat(string(rune('a'+i%26)), 700+i%200)
		}
		out := roundTrip(t, c, in)
		if len(out) != 1000 || !reflect.DeepEqual(in, out) {
			t.Fatal("large value differs")
		}
	})
}

func TestRE25RE26KeyNames(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		keys := []string{strings.Repeat("k", 1000), "a:b", "a/b", "a-b", "a_b", "a.b", "a@b", ""}
		for i, k := range keys {
			must(t, c.Set(ctx, k, i, 0))
		}
		for i, k := range keys {
			if ok, _ := c.Has(ctx, k); !ok {
				t.Fatalf("Has(%q) = false", k)
			}
			var n int
			must(t, c.Get(ctx, k, &n))
			if n != i {
				t.Fatalf("%q = %d, want %d", k, n, i)
			}
			if ok, _ := c.Remove(ctx, k); !ok {
				t.Fatal("remove", k)
			}
		}
	})
}

func TestRE30CloseConnection(t *testing.T) {
	rickKinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "k", "v", 0))
		var s string
		must(t, c.Get(ctx, "k", &s))
		must(t, c.Close())
		must(t, c.Close()) // idempotent
		if err := c.Get(ctx, "k", &s); !errors.Is(err, runtime.ErrClosed) {
			t.Fatalf("Get after Close = %v", err)
		}
		if err := c.Set(ctx, "k", "v", 0); !errors.Is(err, runtime.ErrClosed) {
			t.Fatalf("Set after Close = %v", err)
		}
		if _, err := c.Has(ctx, "k"); !errors.Is(err, runtime.ErrClosed) {
			t.Fatal(err)
		}
		if _, err := c.Purge(ctx); !errors.Is(err, runtime.ErrClosed) {
			t.Fatal(err)
		}
		c.SetPrefix("still:")
		_ = c.Stats().HitRate()
		// A client passed in belongs to the caller and stays open.
		if err := rdb.Ping(ctx).Err(); err != nil {
			t.Fatalf("wrapped client closed by Close: %v", err)
		}
	})
}

func TestOpenRedisCacheOwnsItsClient(t *testing.T) {
	singleNodeOnly(t, "OpenRedisCache builds a single-node client from a redis:// URL")
	srv := redistestStart(t)
	c, err := runtime.OpenRedisCache(srv.URL(), runtime.WithPrefix("p:"))
	must(t, err)
	must(t, c.Set(ctx, "k", "v", 0))
	cl := c.Client()
	must(t, c.Close())
	if err := cl.Ping(ctx).Err(); err == nil {
		t.Fatal("owned client still open after Close")
	}
	if _, err := runtime.OpenRedisCache("http://nope"); err == nil {
		t.Fatal("bad URL accepted")
	}
}

func TestRE31RE32CE29MultipleOperations(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		type record struct {
			I      int
			Secret string
		}
		key := func(i int) string { return fmt.Sprint("k", i) }
		for i := range 100 {
			must(t, c.Set(ctx, key(i), record{i, fmt.Sprint("s", i)}, 0))
		}
		for i := range 100 {
			if ok, _ := c.Has(ctx, key(i)); !ok {
				t.Fatalf("k%d missing", i)
			}
			var m record
			must(t, c.Get(ctx, key(i), &m))
			if m.I != i || m.Secret != fmt.Sprint("s", i) {
				t.Fatalf("k%d = %+v", i, m)
			}
		}
		// CE29: remove the odd keys, only the even remain; RE31: then all.
		for _, parity := range []int{1, 0} {
			for i := parity; i < 100; i += 2 {
				if ok, _ := c.Remove(ctx, key(i)); !ok {
					t.Fatal("remove", i)
				}
			}
			for i := range 100 {
				ok, _ := c.Has(ctx, key(i))
				if want := parity == 1 && i%2 == 0; ok != want {
					t.Fatalf("k%d present=%v, want %v", i, ok, want)
				}
			}
		}
		// RE32
		for i := range 10 {
			must(t, c.Set(ctx, "cycle", i, 0))
			if ok, _ := c.Has(ctx, "cycle"); !ok {
				t.Fatal("cycle has", i)
			}
			var n int
			must(t, c.Get(ctx, "cycle", &n))
			if ok, _ := c.Remove(ctx, "cycle"); !ok || n != i {
				t.Fatal("cycle", i)
			}
			if ok, _ := c.Has(ctx, "cycle"); ok {
				t.Fatal("cycle has after remove", i)
			}
		}
	})
}

func TestCE1CE2CE3KeyValidation(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never contacted
	if _, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA)); err != nil {
		t.Fatal(err)
	}
	_, err := runtime.NewCryptRedisCache(rdb)
	if err == nil || !strings.Contains(err.Error(), "empty fernet encryption key") {
		t.Fatalf("no key: %v", err)
	}
	for _, k := range []string{"", "short", strings.Repeat("a", 32), strings.Repeat("a", 63), strings.Repeat("a", 65), strings.Repeat("a", 128), strings.Repeat("é", 64)} {
		_, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(k))
		if err == nil || !strings.Contains(err.Error(), "key must be a 64 byte string") {
			t.Fatalf("key of %d bytes: %v", len(k), err)
		}
		if len(k) > 4 && strings.Contains(err.Error(), k) {
			t.Fatal("error leaks the key")
		}
	}
	// 32 characters of two bytes each are 64 bytes: accepted, as in rick.
	if _, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(strings.Repeat("é", 32))); err != nil {
		t.Fatal(err)
	}
	// A bad second key is reported too.
	if _, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA, "x")); err == nil {
		t.Fatal("bad rotation key accepted")
	}
}

func TestCE4CE5CE7CE20EncryptedAtRest(t *testing.T) {
	rdb := server(t)
	special := "!@#$%^&*" + strings.Repeat("k", 56)
	c1, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(special), runtime.WithPrefix("1:"), pickled())
	must(t, err)
	c2, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB), runtime.WithPrefix("2:"), pickled())
	must(t, err)
	in := map[string]string{"ssn": "123-45-6789", "card": "4111111111111111", "password": "hunter2"}
	must(t, c1.Set(ctx, "k", in, 0))
	must(t, c2.Set(ctx, "k", in, 0))
	raw1, raw2 := rdb.Get(ctx, "1:k").Val(), rdb.Get(ctx, "2:k").Val()
	for _, s := range in {
		if strings.Contains(raw1, s) || strings.Contains(raw2, s) {
			t.Fatalf("plaintext %q visible in Redis", s)
		}
	}
	if raw1 == raw2 {
		t.Fatal("different keys gave the same ciphertext")
	}
	var out map[string]string
	must(t, c1.Get(ctx, "k", &out))
	if !reflect.DeepEqual(in, out) {
		t.Fatal("c1 roundtrip")
	}
	must(t, c2.Get(ctx, "k", &out))
	if !reflect.DeepEqual(in, out) {
		t.Fatal("c2 roundtrip")
	}
}

func TestCE8WrongKeyCannotDecrypt(t *testing.T) {
	rdb := server(t)
	a, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA), pickled())
	b, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB), pickled())
	must(t, a.Set(ctx, "k", "secret", 0))
	var s string
	err := b.Get(ctx, "k", &s)
	if !errors.Is(err, runtime.ErrInvalidToken) || !errors.Is(err, runtime.ErrDecode) {
		t.Fatalf("wrong key: %v", err)
	}
	if st := b.Stats(); st.Errors != 1 || st.Hits != 0 {
		t.Fatalf("a failed decrypt must count as an error, not a hit: %+v", st)
	}
	// A plain cache reading a token fails to decode, too.
	p := runtime.NewRedisCache(rdb, pickled())
	if err := p.Get(ctx, "k", &s); !errors.Is(err, runtime.ErrDecode) {
		t.Fatalf("plain reads token: %v", err)
	}
}

// RE34 (a {name, age, active} container), RE35 (nested dicts, nested
// access), RE36 (under the prefix containers:) and CE14 (through
// encryption): a record round-trips with its type and values.
func TestRE34RE35RE36CE14Containers(t *testing.T) {
	rickKinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		// Nested is empty, not nil: Python has no nil dict, so pickle
		// reads a nil map back as an empty one.
		flat := Container{Name: "john", Age: 30, Active: true, Nested: map[string]map[string]int{}}
		if got := roundTrip(t, c, flat); !reflect.DeepEqual(got, flat) {
			t.Fatalf("RE34: got %+v", got)
		}
		nested := Container{Name: "n", Age: 9, Active: true, Nested: map[string]map[string]int{"x": {"y": 2}, "z": {}}}
		must(t, c.Set(ctx, "nested", nested, 0))
		if rdb.Exists(ctx, "containers:nested").Val() != 1 {
			t.Fatal("RE36: not stored under the prefix")
		}
		var got Container
		must(t, c.Get(ctx, "nested", &got))
		if !reflect.DeepEqual(got, nested) || got.Nested["x"]["y"] != 2 {
			t.Fatalf("RE35: got %+v", got)
		}
		// Nested access without the type, as rick's dict access.
		var m map[string]any
		must(t, c.Get(ctx, "nested", &m))
		if y := m["Nested"].(map[string]any)["x"].(map[string]any)["y"]; fmt.Sprint(y) != "2" {
			t.Fatalf("RE35 nested access: %#v", m)
		}
	}, runtime.WithPrefix("containers:"))
}

func TestCE18DifferentTTLs(t *testing.T) {
	rdb := server(t)
	c, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA), pickled())
	must(t, c.Set(ctx, "short", 1, 300*time.Millisecond))
	must(t, c.Set(ctx, "long", 2, 900*time.Millisecond))
	must(t, c.Set(ctx, "none", 3, 0))
	waitGone(t, c, "short", 2*time.Second)
	if ok, _ := c.Has(ctx, "long"); !ok {
		t.Fatal("long expired with short") // 600 ms of margin
	}
	waitGone(t, c, "long", 3*time.Second)
	if ok, _ := c.Has(ctx, "none"); !ok {
		t.Fatal("no-ttl key expired")
	}
	if rdb.TTL(ctx, "none").Val() != -1 {
		t.Fatal("no-ttl key has a TTL")
	}
}

func TestCE22EncryptionOverhead(t *testing.T) {
	rdb := server(t)
	pk := mustCodec("pickle")
	c, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA), runtime.WithCodec(pk))
	v := strings.Repeat("test data", 100)
	plain, err := pk.Marshal(v)
	must(t, err)
	must(t, c.Set(ctx, "k", v, 0))
	n := len(rdb.Get(ctx, "k").Val())
	if n <= len(plain) || n >= 2*len(plain) {
		t.Fatalf("stored %d bytes for a %d-byte pickle", n, len(plain))
	}
}

func TestCE28SpecialCharactersInValue(t *testing.T) {
	rickKinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		for _, s := range []string{"a\nb", "a\tb", "  spaced  ", `quote"s and 'single'`, "\\back\\slash"} {
			if roundTrip(t, c, s) != s {
				t.Fatalf("%q", s)
			}
		}
	})
}

// Deliberate difference: TTL 0 is no expiry; negative or sub-millisecond
// TTLs are errors and write nothing (rick: server error for 0/negative).
func TestTTLRules(t *testing.T) {
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "k", "old", time.Hour))
		for _, ttl := range []time.Duration{-time.Second, -1, time.Microsecond, 1500 * time.Microsecond} {
			if err := c.Set(ctx, "k", "new", ttl); err == nil {
				t.Fatalf("ttl %v accepted", ttl)
			}
		}
		var s string
		must(t, c.Get(ctx, "k", &s))
		if s != "old" || rdb.TTL(ctx, "k").Val() <= 0 {
			t.Fatal("a rejected Set changed the value or its TTL")
		}
		// A plain Set clears an earlier TTL, as in rick.
		must(t, c.Set(ctx, "k", "new", 0))
		if rdb.TTL(ctx, "k").Val() != -1 {
			t.Fatal("Set with ttl 0 kept the old TTL")
		}
		must(t, c.Set(ctx, "ms", "v", 1500*time.Millisecond))
		if p := rdb.PTTL(ctx, "ms").Val(); p <= time.Second || p > 1500*time.Millisecond {
			t.Fatalf("PTTL = %v, want ~1.5s (never rounded)", p)
		}
	})
}

func TestNullCache(t *testing.T) {
	var c runtime.Cache = &runtime.NullCache{}
	must(t, c.Set(ctx, "k", 1, 0))
	var n int
	if err := c.Get(ctx, "k", &n); !errors.Is(err, runtime.ErrMiss) {
		t.Fatal(err)
	}
	if ok, _ := c.Has(ctx, "k"); ok {
		t.Fatal("has")
	}
	if ok, _ := c.Remove(ctx, "k"); ok {
		t.Fatal("remove")
	}
	if n, _ := c.Purge(ctx); n != 0 {
		t.Fatal("purge")
	}
	c.SetPrefix("p")
	if c.Prefix() != "p" || c.Stats().Misses != 1 || c.Close() != nil {
		t.Fatal("null cache state")
	}
}
