package cacheimpl

import (
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

type word struct{ W string }

// TestKeysOutgrowBuffer: keys of mixed lengths, the later ones longer than
// any before, so that the shared buffer is outgrown (several times) while
// earlier keys already point into it: every key is still exactly Key's,
// and a second call (with the longest key learnt) builds the same.
func TestKeysOutgrowBuffer(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := New(rdb, &Spec[string, word]{
		Name: "WordCache", Version: "v0000001",
		Pattern: "w:*:v0000001", Match: `w:(?:.*):v0000001`,
		AllPattern: "w:*", AllMatch: `w:(?:.*)`,
		AppendKey: func(dst []byte, k string) []byte {
			dst = append(dst, "w:"...)
			dst = append(dst, k...)
			return append(dst, ":v0000001"...)
		},
		KeyOf: func(v *word) (string, error) { return v.W, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for i := range 40 {
		ks = append(ks, strings.Repeat(string(rune('a'+i%26)), i*i%97), "", strings.Repeat("z", i*7))
	}
	for round := range 2 {
		keys := c.keys(ks)
		if len(keys) != len(ks) {
			t.Fatalf("round %d: %d keys for %d", round, len(keys), len(ks))
		}
		for i, k := range ks {
			if want := c.Key(k); keys[i] != want {
				t.Fatalf("round %d: key %d = %q, want %q", round, i, keys[i], want)
			}
		}
	}
	if got := c.keys(nil); len(got) != 0 {
		t.Fatalf("keys(nil) = %q", got)
	}
}
