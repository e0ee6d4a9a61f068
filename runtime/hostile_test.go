package runtime_test

// Values written by someone else: each must give ErrDecode (or
// ErrInvalidToken), no panic, no fatal error, and bounded memory.

import (
	"encoding/base64"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/runtime"
)

// hostile are stored values no codec may accept as a Target.
var hostile = map[string][]byte{
	"plain string":          []byte("hello world"),
	"empty":                 {},
	"msgpack array 4GiB":    {0xdd, 0xff, 0xff, 0xff, 0xff},
	"msgpack map 4GiB":      {0xdf, 0xff, 0xff, 0xff, 0xff},
	"msgpack bin 4GiB":      {0xc6, 0xff, 0xff, 0xff, 0xff},
	"msgpack str 4GiB":      {0xdb, 0xff, 0xff, 0xff, 0xff},
	"msgpack trailing":      {0x81, 0xa1, 'A', 0x01, 0x00},
	"msgpack deep":          append(bytesOf(0x91, 100_000), 0xc0),
	"pickle bytes 4GiB":     {0x80, 0x04, 0x8e, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, '.'},
	"pickle str 4GiB":       {0x80, 0x04, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.'},
	"pickle deep":           append(append([]byte{0x80, 0x04}, bytesOf('(', 100_000)...), '.'),
	"pickle os.system":      []byte("\x80\x04\x95\x1e\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x02id\x94\x85\x94R\x94."),
	"pickle builtins.eval":  []byte("cbuiltins\neval\n(S'1+1'\ntR."),
	"pickle subprocess":     []byte("csubprocess\nPopen\n((S'id'\nltR."),
	"json deep":             []byte(strings.Repeat("[", 100_000)),
	"json NaN":              []byte(`{"ID": NaN}`),
	"json trailing":         []byte(`{"ID": 1} {}`),
	"gob garbage":           []byte{0x03, 0xff, 0x81, 0x03},
	"fernet-looking string": []byte("gAAAAABlU_EAw8rR2N_m7fT7AgkQFx4lLNXwGI"),
}

type Target struct {
	ID    int64
	Email string
	Tags  []string
}

func bytesOf(b byte, n int) []byte { return []byte(strings.Repeat(string([]byte{b}), n)) }

func TestHostileValues(t *testing.T) {
	rdb := server(t)
	for _, name := range []string{"msgpack", "json", "gob", "rick-msgpack", "pickle"} {
		c := runtime.NewRedisCache(rdb, runtime.WithCodec(mustCodec(name)))
		for what, raw := range hostile {
			must(t, rdb.Set(ctx, "h", raw, 0).Err())
			var before, after goruntime.MemStats
			goruntime.GC()
			goruntime.ReadMemStats(&before)
			var dst Target
			err := c.Get(ctx, "h", &dst)
			var anyDst any
			err2 := c.Get(ctx, "h", &anyDst)
			goruntime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20+uint64(4*len(raw)) {
				t.Errorf("%s / %s: allocated %d bytes for a %d-byte value", name, what, alloc, len(raw))
			}
			if !errors.Is(err, runtime.ErrDecode) {
				// Every input above is foreign to a struct decode.
				t.Errorf("%s / %s into struct: %v, want ErrDecode", name, what, err)
			}
			_ = err2 // into any some inputs are valid values (a msgpack string is a string)
		}
	}
}

func TestHostileTokens(t *testing.T) {
	rdb := server(t)
	c, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyA))
	must(t, c.Set(ctx, "good", Target{ID: 1, Email: "e"}, 0))
	tok := []byte(rdb.Get(ctx, "good").Val())
	raw, _ := base64.URLEncoding.DecodeString(string(tok))
	other, _ := runtime.NewCryptRedisCache(rdb, runtime.WithKeys(keyB))
	must(t, other.Set(ctx, "other", Target{ID: 1}, 0))
	cases := map[string][]byte{
		"truncated":       tok[:len(tok)/2],
		"another key":     []byte(rdb.Get(ctx, "other").Val()),
		"plain msgpack":   {0x80},
		"garbage":         []byte("not a token at all"),
		"newline inside":  append(append(append([]byte{}, tok[:10]...), '\n'), tok[10:]...),
		"version 0x80":    []byte(base64.URLEncoding.EncodeToString(append([]byte{0x80}, raw[1:]...))),
		"missing padding": []byte(strings.TrimRight(string(tok), "=") + "x"),
	}
	for i := 0; i < len(raw); i += 7 {
		flipped := append([]byte{}, raw...)
		flipped[i] ^= 0x01
		cases[fmt.Sprint("bit flip at ", i)] = []byte(base64.URLEncoding.EncodeToString(flipped))
	}
	for what, v := range cases {
		must(t, rdb.Set(ctx, "bad", v, 0).Err())
		var dst Target
		if err := c.Get(ctx, "bad", &dst); !errors.Is(err, runtime.ErrInvalidToken) || !errors.Is(err, runtime.ErrDecode) {
			t.Errorf("%s: %v, want ErrInvalidToken", what, err)
		}
	}
}

func TestMaxValueSize(t *testing.T) {
	rdb := server(t)
	big := make([]byte, 100<<20)
	must(t, rdb.Set(ctx, "huge", big, 0).Err())
	big = nil
	c := runtime.NewRedisCache(rdb)
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	var dst Target
	err := c.Get(ctx, "huge", &dst)
	goruntime.ReadMemStats(&after)
	if !errors.Is(err, runtime.ErrDecode) || !strings.Contains(err.Error(), "exceeds the maximum") {
		t.Fatalf("100 MB value: %v", err)
	}
	// go-redis must read the reply (≈100 MB); nothing may multiply it.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 250<<20 {
		t.Fatalf("reading a 100 MB value allocated %d MB", alloc>>20)
	}
	small := runtime.NewRedisCache(rdb, runtime.WithMaxValueSize(16))
	if err := small.Set(ctx, "k", strings.Repeat("x", 100), 0); err == nil {
		t.Fatal("Set over the max size accepted")
	}
}
