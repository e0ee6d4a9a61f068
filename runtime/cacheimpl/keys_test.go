package cacheimpl_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// countedPointSpec is pointSpec with the key built by AppendKey, as the
// generator writes it, counting the keys built.
func countedPointSpec(built *atomic.Int64) *cacheimpl.Spec[int64, Point] {
	spec := pointSpec()
	spec.Key = nil
	spec.AppendKey = func(dst []byte, id int64) []byte {
		built.Add(1)
		dst = append(dst, "point:"...)
		dst = strconv.AppendInt(dst, id, 10)
		return append(dst, ":v0000003"...)
	}
	return spec
}

func TestAppendEscapeIsEscape(t *testing.T) {
	for _, s := range []string{"", "plain", "a:b", "{tag}", "100%", "é:ü", "\x00\xff", strings.Repeat(":{}%", 40)} {
		for _, special := range []string{"", "-", "-@!"} {
			want := cacheimpl.Escape(s, special)
			if got := string(cacheimpl.AppendEscape([]byte("pre"), s, special)); got != "pre"+want {
				t.Errorf("AppendEscape(%q, %q) = %q, want %q", s, special, got, "pre"+want)
			}
		}
	}
	for _, v := range []textID{{ok: true}, {ok: false}} { // MarshalText fails for the second
		if got, want := string(cacheimpl.AppendText(nil, v, "")), cacheimpl.TextKey(v, ""); got != want {
			t.Errorf("AppendText(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestSpecWithoutKey(t *testing.T) {
	spec := pointSpec()
	spec.Key = nil
	_, err := cacheimpl.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), spec)
	if !errors.Is(err, runtime.ErrMisuse) {
		t.Fatalf("New without AppendKey and Key: %v, want ErrMisuse", err)
	}
}

// TestGetManyKeys: GetMany's keys, built into one buffer, are exactly Key's,
// whatever their lengths (a key longer than every earlier one grows the
// buffer), prefix included.
func TestGetManyKeys(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		var built atomic.Int64
		c, err := cacheimpl.New(rdb, countedPointSpec(&built), runtime.WithPrefix("pfx:"))
		must(t, err)
		ids := []int64{1, -9, 1234567890123456789, 42, 7, 1 << 40}
		for _, id := range ids[1:] { // ids[0] is left a miss
			must(t, c.Set(ctx, &Point{ID: id, Name: strconv.FormatInt(id, 10)}))
			if got := rdb.Exists(ctx, "pfx:point:"+strconv.FormatInt(id, 10)+":v0000003").Val(); got != 1 {
				t.Fatalf("Key(%d) = %q: not the key written", id, c.Key(id))
			}
		}
		m, err := c.GetMany(ctx, ids)
		must(t, err)
		if len(m) != len(ids)-1 || m[ids[0]] != nil {
			t.Fatalf("GetMany: %v", m)
		}
		for _, id := range ids[1:] {
			if m[id] == nil || m[id].Name != strconv.FormatInt(id, 10) {
				t.Fatalf("GetMany[%d] = %v", id, m[id])
			}
		}
	})
}

// TestGetManyLocalByKey: with a near cache, GetMany and GetOrLoad serve
// what it holds by key parameter, building no key for those, and still see
// every invalidation.
func TestGetManyLocalByKey(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		var built atomic.Int64
		r, err := cacheimpl.New(rdb, countedPointSpec(&built), runtime.WithLocal(100), runtime.WithLocalMaxAge(time.Minute))
		must(t, err)
		defer r.Close()
		w, err := cacheimpl.New(rdb, pointSpec())
		must(t, err)
		ids := []int64{11, 12, 13}
		for _, id := range ids {
			must(t, w.Set(ctx, &Point{ID: id, Name: "a"}))
			localAgain(t, r, id)
		}
		built.Store(0)
		before := r.Stats().LocalHits
		m, err := r.GetMany(ctx, append(ids, 14)) // 14: a miss
		must(t, err)
		if len(m) != 3 || m[14] != nil {
			t.Fatalf("GetMany: %v", m)
		}
		if n := built.Load(); n != 1 {
			t.Fatalf("GetMany built %d keys for 3 local hits and a miss, want 1", n)
		}
		if n := r.Stats().LocalHits - before; n != 3 {
			t.Fatalf("%d local hits, want 3", n)
		}
		m[11].Name = "mutated"
		if p, err := r.Get(ctx, 11); err != nil || p.Name != "a" {
			t.Fatal("GetMany handed out the near cache's own value", p, err)
		}

		built.Store(0)
		loads := 0
		p, err := r.GetOrLoad(ctx, 12, func(ctx context.Context, id int64) (*Point, error) {
			loads++
			return &Point{ID: id, Name: "loaded"}, nil
		})
		if err != nil || p.Name != "a" || loads != 0 || built.Load() != 0 {
			t.Fatalf("GetOrLoad of a local value: %v, %v, %d loads, %d keys built", p, err, loads, built.Load())
		}

		// Another client's write is seen by GetMany and GetOrLoad alike.
		must(t, w.Set(ctx, &Point{ID: 12, Name: "b"}))
		deadline := time.Now().Add(time.Second)
		for {
			m, err := r.GetMany(ctx, ids)
			must(t, err)
			if m[12] != nil && m[12].Name == "b" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("GetMany still serves 12's old value a second after a write")
			}
			time.Sleep(time.Millisecond)
		}
		// The value GetMany read from Redis is local again, by key parameter.
		for i := 0; ; i++ {
			built.Store(0)
			m, err := r.GetMany(ctx, []int64{12})
			must(t, err)
			if m[12].Name != "b" {
				t.Fatalf("12 = %v", m[12])
			}
			if built.Load() == 0 {
				break
			}
			if i == 1000 {
				t.Fatal("12 never served by key parameter again")
			}
			time.Sleep(time.Millisecond)
		}
		must(t, w.Set(ctx, &Point{ID: 13, Name: "c"}))
		deadline = time.Now().Add(time.Second)
		for {
			p, err := r.GetOrLoad(ctx, 13, func(ctx context.Context, id int64) (*Point, error) {
				t.Error("loader called for a cached value")
				return nil, errors.New("no")
			})
			must(t, err)
			if p.Name == "c" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("GetOrLoad still serves 13's old value a second after a write")
			}
			time.Sleep(time.Millisecond)
		}
	})
}
