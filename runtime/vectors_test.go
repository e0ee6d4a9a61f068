package runtime_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/cachegen/cachegen/runtime"
)

type cryptVectors struct {
	Cases []struct {
		Name      string `json:"name"`
		Key       string `json:"key"`
		PickleHex string `json:"pickle_hex"`
		Token     string `json:"token"`
	} `json:"cases"`
	Live struct {
		Key      string `json:"key"`
		RedisKey string `json:"redis_key"`
		Stored   string `json:"stored_bytes"`
	} `json:"live_capture"`
}

// TestCryptRedisPickleVectors reads, through a real Redis, values exactly as
// rick's CryptRedisCache.set stored them, and checks each decrypts and
// unpickles to what the same pickle gives without encryption.
func TestCryptRedisPickleVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/vectors/cryptredis_pickle.json")
	must(t, err)
	var v cryptVectors
	must(t, json.Unmarshal(raw, &v))
	rdb := server(t)
	pk := mustCodec("pickle")
	for _, tc := range v.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			c, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(tc.Key), runtime.WithCodec(pk), runtime.WithPrefix("vec:"))
			must(t, err)
			must(t, rdb.Set(ctx, "vec:"+tc.Name, tc.Token, 0).Err())
			var got any
			must(t, c.Get(ctx, tc.Name, &got))
			plain, _ := hex.DecodeString(tc.PickleHex)
			var want any
			must(t, pk.Unmarshal(plain, &want))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, want %#v", got, want)
			}
			// Under another key the same bytes are an invalid token.
			other, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB), runtime.WithCodec(pk), runtime.WithPrefix("vec:"))
			if err := other.Get(ctx, tc.Name, &got); !errors.Is(err, runtime.ErrInvalidToken) {
				t.Fatalf("other key: %v", err)
			}
		})
	}
	t.Run("live_capture", func(t *testing.T) {
		c, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(v.Live.Key), runtime.WithCodec(pk))
		must(t, err)
		must(t, rdb.Set(ctx, v.Live.RedisKey, v.Live.Stored, 0).Err())
		var got map[string]any
		must(t, c.Get(ctx, v.Live.RedisKey, &got))
		if want := map[string]any{"live": true, "n": int64(7)}; !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v", got)
		}
	})
}

// TestKeyRotation: writers move to a new key while values written under the
// old one stay readable, and Rotate re-encrypts a stored value.
func TestKeyRotation(t *testing.T) {
	rdb := server(t)
	old, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
	must(t, old.Set(ctx, "k", "v1", 0))
	must(t, rdb.Expire(ctx, "k", 3600e9).Err())
	both, err := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB, keyA))
	must(t, err)
	var s string
	must(t, both.Get(ctx, "k", &s))
	before := rdb.Get(ctx, "k").Val()
	ok, err := both.Rotate(ctx, "k")
	must(t, err)
	if !ok || rdb.Get(ctx, "k").Val() == before {
		t.Fatal("Rotate did not rewrite the value")
	}
	if rdb.TTL(ctx, "k").Val() <= 0 {
		t.Fatal("Rotate dropped the TTL")
	}
	onlyNew, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB))
	must(t, onlyNew.Get(ctx, "k", &s))
	if s != "v1" {
		t.Fatal(s)
	}
	if err := old.Get(ctx, "k", &s); !errors.Is(err, runtime.ErrInvalidToken) {
		t.Fatalf("old key still reads the rotated value: %v", err)
	}
	if ok, err := both.Rotate(ctx, "missing"); ok || err != nil {
		t.Fatal(ok, err)
	}
}

func TestStandardFernet(t *testing.T) {
	rdb := server(t)
	key := "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=" // Python Fernet.generate_key() form
	c, err := runtime.NewCryptRedisCache(rdb, runtime.WithStandardFernet(), runtime.WithKeys(key))
	must(t, err)
	must(t, c.Set(ctx, "k", "hello", 0))
	tok := rdb.Get(ctx, "k").Val()
	if tok[:2] != "gA" { // 0x80 in base64
		t.Fatalf("not a standard Fernet token: %q", tok[:10])
	}
	var s string
	must(t, c.Get(ctx, "k", &s))
	if s != "hello" {
		t.Fatal(s)
	}
	if _, err := runtime.NewCryptRedisCache(rdb, runtime.WithStandardFernet(), runtime.WithKeys(keyA)); err == nil {
		t.Fatal("64-byte key accepted as a standard Fernet key")
	}
}
