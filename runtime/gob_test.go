package runtime_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/runtime"
)

// TestGobNeedsCrypt: gob reads only authenticated values (issue 11,
// SECURITY.md "gob"): refused at construction without crypt, refused by a
// plain RedisCache's Set and Get, working behind crypt.
func TestGobNeedsCrypt(t *testing.T) {
	rdb := server(t)
	gob := mustCodec("gob")
	if _, err := runtime.NewStore[Target](rdb, runtime.Spec{Name: "TargetCache", Pattern: "t:*", Match: `t:.*`, AllPattern: "t:*", AllMatch: `t:.*`}, runtime.WithCodec(gob)); err == nil || !strings.Contains(err.Error(), "crypt") {
		t.Fatalf("NewStore with gob and no crypt: %v, want an error naming crypt", err)
	}
	plain := runtime.NewRedisCache(rdb, runtime.WithCodec(gob))
	if err := plain.Set(ctx, "g", Target{ID: 1}, 0); err == nil || !strings.Contains(err.Error(), "crypt") {
		t.Fatalf("plain gob Set: %v, want an error naming crypt", err)
	}
	valid, err := gob.Marshal(Target{ID: 1})
	must(t, err)
	must(t, rdb.Set(ctx, "g", valid, 0).Err())
	var dst Target
	if err := plain.Get(ctx, "g", &dst); !errors.Is(err, runtime.ErrDecode) || dst.ID != 0 {
		t.Fatalf("plain gob Get of a valid gob value: %v, %+v; want ErrDecode and nothing decoded", err, dst)
	}
	crypt, err := runtime.NewCryptRedisCache(rdb, runtime.WithCodec(gob), runtime.WithKeys(keyA))
	must(t, err)
	must(t, crypt.Set(ctx, "c", Target{ID: 7, Email: "e", Tags: []string{"x"}}, 0))
	if err := crypt.Get(ctx, "c", &dst); err != nil || dst.ID != 7 || dst.Tags[0] != "x" {
		t.Fatalf("crypt gob round trip: %v, %+v", err, dst)
	}
}
