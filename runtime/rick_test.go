package runtime_test

// The tests in this file follow rick's own test suite, case by case; each
// names the checklist entry of ../shared/RICK.md §11 it covers (R*, C*, RE*,
// CE*). Where Go deliberately differs, the test says so and the README lists
// the difference.

import (
	"context"
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

func TestR1C1GetSetRemove(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
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
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "k", "v", time.Second))
		if ok, _ := c.Has(ctx, "k"); !ok {
			t.Fatal("Has right after Set = false")
		}
		var s string
		must(t, c.Get(ctx, "k", &s))
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
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		for i := range 10 {
			must(t, c.Set(ctx, fmt.Sprint("k", i), i, 0))
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
	c, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
	must(t, err)
	in := "the quick brown fox jumps over the lazy dog"
	must(t, c.Set(ctx, "k", in, 0))
	var out string
	must(t, c.Get(ctx, "k", &out))
	if out != in {
		t.Fatalf("got %q", out)
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
	pk, _ := runtime.CodecByName("pickle")
	c := runtime.NewRedisCache(rdb, runtime.WithCodec(pk))
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
	c1 := runtime.NewRedisCache(rdb, runtime.WithPrefix("app1:"))
	c2, err := runtime.NewCryptRedisCache(rdb, runtime.WithPrefix("app2:"), runtime.WithKeys(keyB))
	must(t, err)
	must(t, c1.Set(ctx, "k", "one", 0))
	must(t, c2.Set(ctx, "k", "two", 0))
	var a, b string
	must(t, c1.Get(ctx, "k", &a))
	must(t, c2.Get(ctx, "k", &b))
	if a != "one" || b != "two" {
		t.Fatalf("got %q %q", a, b)
	}
	if ok, _ := c1.Remove(ctx, "k"); !ok {
		t.Fatal("remove")
	}
	if ok, _ := c2.Has(ctx, "k"); !ok {
		t.Fatal("removing from c1 removed c2's key")
	}
}

func TestRE5RE11CE15SetPrefixDynamically(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "data", "value1", 0))
		c.SetPrefix("test:")
		if c.Prefix() != "test:" {
			t.Fatalf("Prefix = %q", c.Prefix())
		}
		must(t, c.Set(ctx, "data", "value2", 0))
		var s string
		must(t, c.Get(ctx, "data", &s))
		if s != "value2" {
			t.Fatalf("got %q", s)
		}
		c.SetPrefix("other:")
		if ok, _ := c.Has(ctx, "data"); ok {
			t.Fatal("other: prefix sees test: key")
		}
		c.SetPrefix("")
		must(t, c.Get(ctx, "data", &s))
		if s != "value1" {
			t.Fatalf("got %q", s)
		}
	})
}

func TestRE6RE36PrefixWithSpecialCharacters(t *testing.T) {
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		c.SetPrefix("app:v1:cache:")
		in := Container{Name: "n", Age: 1}
		must(t, c.Set(ctx, "user:123", in, 0))
		if rdb.Exists(ctx, "app:v1:cache:user:123").Val() != 1 {
			t.Fatal("key not stored as prefix+key")
		}
		var out Container
		must(t, c.Get(ctx, "user:123", &out))
		if ok, _ := c.Remove(ctx, "user:123"); !ok || !reflect.DeepEqual(in, out) {
			t.Fatalf("got %+v", out)
		}
	})
}

func TestRE7RE8RE9CE19CE24HitRate(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
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
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
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
	})
}

func TestRE12CE12NoneValue(t *testing.T) {
	rdb := server(t)
	c := runtime.NewRedisCache(rdb)
	must(t, c.Set(ctx, "k", nil, 0))
	var out any = "sentinel"
	must(t, c.Get(ctx, "k", &out))
	if out != nil {
		t.Fatalf("got %#v, want nil", out)
	}
	if c.Stats().Hits != 1 {
		t.Fatal("stored nil is a hit, as in rick")
	}
	cc, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
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

func TestRE13toRE17CE6CE9CE10CE11CE13DataTypes(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		for _, b := range []bool{true, false} {
			if roundTrip(t, c, b) != b {
				t.Fatal("bool")
			}
		}
		for _, n := range []int64{42, -100, 0, 999999999999999999} {
			if roundTrip(t, c, n) != n {
				t.Fatal("int", n)
			}
		}
		if roundTrip(t, c, 3.14159) != 3.14159 {
			t.Fatal("float")
		}
		for _, s := range []string{"hello", "こんにちは世界", "🎉👍❤️", "line1\nline2\tx", "", "!@#$%^&*()_+-=[]{}|;':\",./<>?", strings.Repeat("x", 10000)} {
			if roundTrip(t, c, s) != s {
				t.Fatalf("string %q", s)
			}
		}
		bin := []byte{0, 1, 2, 3, 4, 5, 0xff, 0xfe, 0xfd}
		if !reflect.DeepEqual(roundTrip(t, c, bin), bin) {
			t.Fatal("binary")
		}
		lists := [][]any{{int64(1), int64(2), int64(3)}, {int64(1), "two", 3.0, true, nil}, {[]any{int64(1)}, []any{}}, {}}
		for _, l := range lists {
			if got := roundTrip(t, c, l); !reflect.DeepEqual(got, l) {
				t.Fatalf("list %#v -> %#v", l, got)
			}
		}
		dicts := []map[string]any{{"a": int64(1)}, {"n": map[string]any{"m": "x"}}, {"mixed": []any{int64(1), "s"}, "f": 1.5}, {}}
		for _, d := range dicts {
			if got := roundTrip(t, c, d); !reflect.DeepEqual(got, d) {
				t.Fatalf("dict %#v -> %#v", d, got)
			}
		}
	}, runtime.WithCodec(mustCodec("rick-msgpack")))
}

func mustCodec(name string) runtime.Codec {
	c, err := runtime.CodecByName(name)
	if err != nil {
		panic(err)
	}
	return c
}

// RE18, RE19, CE11: Go has no set or tuple type; a pickled set or tuple
// reads back as []any (documented difference).
func TestRE18RE19SetsAndTuplesFromPython(t *testing.T) {
	rdb := server(t)
	c := runtime.NewRedisCache(rdb, runtime.WithCodec(mustCodec("pickle")))
	// pickle.dumps({1,2,3}) and pickle.dumps((1,2,"three",4.0)) from Python 3.11.
	set := []byte("\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x8f\x94(K\x01K\x02K\x03\x90.")
	must(t, rdb.Set(ctx, "set", set, 0).Err())
	var out any
	must(t, c.Get(ctx, "set", &out))
	if !reflect.DeepEqual(out, []any{int64(1), int64(2), int64(3)}) {
		t.Fatalf("set = %#v", out)
	}
}

func TestRE20RE21RE22Nonexistent(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
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
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		type secret struct {
			Counter int
			Secret  string
		}
		for i := range 100 {
			must(t, c.Set(ctx, "k", secret{i, fmt.Sprint("value_", i)}, 0))
		}
		var out secret
		must(t, c.Get(ctx, "k", &out))
		if out != (secret{99, "value_99"}) {
			t.Fatalf("got %+v", out)
		}
	})
}

func TestRE24CE21LargeValue(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
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
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		keys := []string{strings.Repeat("k", 1000), "a:b", "a/b", "a-b", "a_b", "a.b", "a@b", ""}
		for i, k := range keys {
			must(t, c.Set(ctx, k, i, 0))
		}
		for i, k := range keys {
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
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		must(t, c.Set(ctx, "k", "v", 0))
		must(t, c.Close())
		must(t, c.Close()) // idempotent
		var s string
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
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		for i := range 100 {
			must(t, c.Set(ctx, fmt.Sprint("k", i), map[string]int{"i": i}, 0))
		}
		for i := range 100 {
			var m map[string]int
			must(t, c.Get(ctx, fmt.Sprint("k", i), &m))
			if m["i"] != i {
				t.Fatal(i)
			}
		}
		for i := 1; i < 100; i += 2 {
			if ok, _ := c.Remove(ctx, fmt.Sprint("k", i)); !ok {
				t.Fatal("remove", i)
			}
		}
		for i := range 100 {
			ok, _ := c.Has(ctx, fmt.Sprint("k", i))
			if ok != (i%2 == 0) {
				t.Fatalf("k%d present=%v", i, ok)
			}
		}
		for i := range 10 {
			must(t, c.Set(ctx, "cycle", i, 0))
			var n int
			must(t, c.Get(ctx, "cycle", &n))
			if ok, _ := c.Remove(ctx, "cycle"); !ok || n != i {
				t.Fatal("cycle", i)
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
	c1, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(special), runtime.WithPrefix("1:"))
	must(t, err)
	c2, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB), runtime.WithPrefix("2:"))
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
	a, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
	b, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB))
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
	p := runtime.NewRedisCache(rdb)
	if err := p.Get(ctx, "k", &s); !errors.Is(err, runtime.ErrDecode) {
		t.Fatalf("plain reads token: %v", err)
	}
}

func TestCE14CE34CE35ContainerThroughEncryption(t *testing.T) {
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
		in := Container{Name: "n", Age: 9, Active: true, Nested: map[string]map[string]int{"x": {"y": 2}}}
		if got := roundTrip(t, c, in); !reflect.DeepEqual(got, in) {
			t.Fatalf("got %+v", got)
		}
	}, runtime.WithPrefix("containers:"))
}

func TestCE18DifferentTTLs(t *testing.T) {
	rdb := server(t)
	c, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
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
	kinds(t, func(t *testing.T, _ redis.UniversalClient, c runtime.Cache) {
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
