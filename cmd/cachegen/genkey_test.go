package main

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// TestGenkey: -genkey prints a key a crypt cache accepts — rick's 64-byte
// Fernet256 key, or with -standard a standard Fernet key — new every time.
func TestGenkey(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never contacted
	defer rdb.Close()
	for _, tc := range []struct {
		args   []string
		length int // bytes of the printed key
		raw    int // bytes it stands for
		opts   []runtime.Option
	}{
		{[]string{"-genkey"}, 64, 48, nil},
		{[]string{"-genkey", "-standard"}, 44, 32, []runtime.Option{runtime.WithStandardFernet()}},
	} {
		seen := map[string]bool{}
		for range 3 {
			code, stdout, stderr := cachegen(t, ".", tc.args...)
			if code != 0 || stderr != "" || !strings.HasSuffix(stdout, "\n") {
				t.Fatalf("cachegen %v: exit %d, stdout %q, stderr %q", tc.args, code, stdout, stderr)
			}
			key := strings.TrimSuffix(stdout, "\n")
			if len(key) != tc.length || seen[key] {
				t.Fatalf("cachegen %v printed %q: want a new key of %d bytes", tc.args, key, tc.length)
			}
			seen[key] = true
			// url-safe base64, so it can sit in an environment variable or a
			// URL and Python's urlsafe_b64decode reads it.
			b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key, "="))
			if err != nil || len(b) != tc.raw {
				t.Fatalf("cachegen %v printed %q: not url-safe base64 of %d bytes (%d, %v)", tc.args, key, tc.raw, len(b), err)
			}
			if _, err := runtime.NewCryptRedisCache(rdb, append(tc.opts, runtime.WithKeys(key))...); err != nil {
				t.Fatalf("cachegen %v printed %q, which the crypt cache refuses: %v", tc.args, key, err)
			}
		}
	}
	if code, _, stderr := cachegen(t, ".", "-standard"); code != 2 || !strings.Contains(stderr, "-standard needs -genkey") {
		t.Fatalf("-standard alone: exit %d, %q", code, stderr)
	}
}
