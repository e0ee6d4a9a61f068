package runtime_test

// Issue 10's runtime defects, each against a real redis-server: negative
// caching on crypt caches, fail-open for reads only, the caller's own
// cancellation under fail-open, WithNegativeTTL validation, GetMany's
// partial results, construction misuse, and error text.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// TestNegativeCachingCrypt: a cached not-found on a crypt cache reads back
// as ErrNotFound (Get, GetMany, GetOrLoad), and cannot be forged by someone
// who can write Redis but lacks the key: a bare marker, or the encrypted
// marker of another key, only makes GetOrLoad load again.
func TestNegativeCachingCrypt(t *testing.T) {
	for _, crypt := range []bool{false, true} {
		t.Run(fmt.Sprint("crypt=", crypt), func(t *testing.T) {
			rdb := server(t)
			spec := userSpec
			spec.Crypt = crypt
			s, err := runtime.NewStore[User](rdb, spec, append(keysIf(crypt), runtime.WithNegativeTTL(time.Minute))...)
			must(t, err)
			calls := 0
			notFound := func(context.Context) (*User, error) { calls++; return nil, runtime.ErrNotFound }
			k1, k2 := userKey(s, 1), userKey(s, 2)
			if _, err := s.GetOrLoad(ctx, k1, notFound); !errors.Is(err, runtime.ErrNotFound) {
				t.Fatalf("GetOrLoad = %v, want ErrNotFound", err)
			}
			if _, err := s.Get(ctx, k1); !errors.Is(err, runtime.ErrNotFound) {
				t.Fatalf("Get of a cached not-found = %v, want ErrNotFound", err)
			}
			got, err := s.GetMany(ctx, []string{k1})
			if err != nil || got[0] != nil {
				t.Fatalf("GetMany of a cached not-found = %v, %v", got, err)
			}
			if _, err := s.GetOrLoad(ctx, k1, notFound); !errors.Is(err, runtime.ErrNotFound) || calls != 1 {
				t.Fatalf("second GetOrLoad = %v after %d loads, want the cached ErrNotFound", err, calls)
			}
			if st := s.Stats(); st.Errors != 0 {
				t.Fatalf("a cached not-found counted as errors: %+v", st)
			}
			raw, err := rdb.Get(ctx, k1).Result()
			must(t, err)
			if !crypt {
				return
			}
			if strings.Contains(raw, "not-found") {
				t.Fatalf("crypt cache stored the marker in plaintext: %q", raw)
			}
			// Forgeries: the bare marker, and k1's genuine token moved to k2.
			found := func(context.Context) (*User, error) { calls++; return &User{ID: 2}, nil }
			for _, forged := range []string{"\xffcachegen:not-found", raw} {
				must(t, rdb.Set(ctx, k2, forged, 0).Err())
				if _, err := s.Get(ctx, k2); !errors.Is(err, runtime.ErrDecode) {
					t.Fatalf("Get of a forged not-found %q = %v, want ErrDecode", forged, err)
				}
				before := calls
				u, err := s.GetOrLoad(ctx, k2, found)
				if err != nil || u.ID != 2 || calls != before+1 {
					t.Fatalf("GetOrLoad over a forged not-found = %+v, %v (loads %d→%d)", u, err, before, calls)
				}
			}
		})
	}
}

// deadServer returns a client of a server that has been killed, with short
// timeouts and no retries so that each call fails at once.
func deadServer(t *testing.T) *redis.Client {
	t.Helper()
	srv := redistestStart(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	must(t, rdb.Ping(ctx).Err())
	srv.Kill()
	return rdb
}

// TestFailOpenWritesFail: fail-open is for reads only. On a dead Redis,
// Set, Remove, SetMany and Purge return their error and count it; reads
// are still misses.
func TestFailOpenWritesFail(t *testing.T) {
	singleNodeOnly(t, "kills the server")
	var logs bytes.Buffer
	fo := runtime.WithFailOpen(slog.New(slog.NewTextHandler(&logs, nil)))
	rdb := deadServer(t)
	c := runtime.NewRedisCache(rdb, fo, runtime.WithPrefix("p:"))
	s := newUsers(t, rdb, fo)

	checks := []struct {
		name string
		op   func() error
	}{
		{"RedisCache.Set", func() error { return c.Set(ctx, "k", "v", 0) }},
		{"RedisCache.Remove", func() error { _, err := c.Remove(ctx, "k"); return err }},
		{"RedisCache.Purge", func() error { _, err := c.Purge(ctx); return err }},
		{"RedisCache.FlushDB", func() error { return c.FlushDB(ctx) }},
		{"Store.Set", func() error { return s.Set(ctx, userKey(s, 1), &User{ID: 1}, 0) }},
		{"Store.Remove", func() error { _, err := s.Remove(ctx, userKey(s, 1)); return err }},
		{"Store.SetMany", func() error {
			return s.SetMany(ctx, []string{userKey(s, 1)}, []*User{{ID: 1}}, 0)
		}},
		{"Store.Purge", func() error { _, err := s.Purge(ctx); return err }},
		{"Store.PurgeAllVersions", func() error { _, err := s.PurgeAllVersions(ctx); return err }},
	}
	for _, ch := range checks {
		cst, sst := c.Stats(), s.Stats()
		err := ch.op()
		if err == nil || errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("%s on a dead Redis with fail-open = %v, want its error", ch.name, err)
		}
		if n := c.Stats().Errors + s.Stats().Errors - cst.Errors - sst.Errors; n != 1 {
			t.Fatalf("%s: counted %d errors, want 1", ch.name, n)
		}
	}
	// Reads still fail open.
	var v string
	if err := c.Get(ctx, "k", &v); !errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("fail-open Get = %v", err)
	}
	if ok, err := s.Has(ctx, userKey(s, 1)); ok || err != nil {
		t.Fatalf("fail-open Has = %v, %v", ok, err)
	}
}

// TestFailOpenCallerCancel: with fail-open, the caller's own cancellation
// or deadline is returned as ctx.Err() — not a miss, not logged, not
// counted — for every read.
func TestFailOpenCallerCancel(t *testing.T) {
	singleNodeOnly(t, "CLIENT PAUSE on one server")
	srv := redistestStart(t)
	var logs bytes.Buffer
	fo := runtime.WithFailOpen(slog.New(slog.NewTextHandler(&logs, nil)))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	defer rdb.Close()
	c := runtime.NewRedisCache(rdb, fo)
	s := newUsers(t, rdb, fo)
	must(t, s.Set(ctx, userKey(s, 1), &User{ID: 1}, 0))

	reads := map[string]func(context.Context) error{
		"RedisCache.Get": func(ctx context.Context) error { var v string; return c.Get(ctx, "k", &v) },
		"RedisCache.Has": func(ctx context.Context) error { _, err := c.Has(ctx, "k"); return err },
		"Store.Get":      func(ctx context.Context) error { _, err := s.Get(ctx, userKey(s, 1)); return err },
		"Store.GetMany": func(ctx context.Context) error {
			_, err := s.GetMany(ctx, []string{userKey(s, 1), userKey(s, 2)})
			return err
		},
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for name, read := range reads {
		if err := read(cancelled); !errors.Is(err, context.Canceled) || errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("%s with a cancelled ctx = %v, want context.Canceled", name, err)
		}
	}
	// A deadline that passes while the server is paused.
	must(t, srv.Client(t).Do(ctx, "CLIENT", "PAUSE", 2000, "ALL").Err())
	for name, read := range reads {
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := read(dctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("%s past its deadline = %v, want context.DeadlineExceeded", name, err)
		}
	}
	if st := c.Stats(); st.Errors != 0 {
		t.Fatalf("RedisCache counted the caller's cancellations: %+v", st)
	}
	if st := s.Stats(); st.Errors != 0 {
		t.Fatalf("Store counted the caller's cancellations: %+v", st)
	}
	if logs.Len() != 0 {
		t.Fatalf("the caller's cancellation was logged as an outage:\n%s", logs.String())
	}
}

// TestNegativeTTLValidated: WithNegativeTTL follows WithTTL's rule.
func TestNegativeTTLValidated(t *testing.T) {
	rdb := server(t)
	for _, d := range []time.Duration{-time.Second, 500 * time.Microsecond, 1500 * time.Microsecond} {
		if _, err := runtime.NewStore[User](rdb, userSpec, runtime.WithNegativeTTL(d)); err == nil || !strings.Contains(err.Error(), "WithNegativeTTL") {
			t.Fatalf("WithNegativeTTL(%v) = %v, want a construction error naming it", d, err)
		}
	}
	for _, d := range []time.Duration{0, time.Millisecond, time.Minute} {
		_, err := runtime.NewStore[User](rdb, userSpec, runtime.WithNegativeTTL(d))
		must(t, err)
	}
}

// TestGetManyBadKey: one bad key in a batch fails alone; the other keys'
// values are returned (single node, and each topology's run).
func TestGetManyBadKey(t *testing.T) {
	rdb := server(t)
	s := newUsers(t, rdb)
	var keys []string
	var vs []*User
	for i := range 20 {
		keys = append(keys, userKey(s, int64(i)))
		vs = append(vs, &User{ID: int64(i)})
	}
	must(t, s.SetMany(ctx, keys, vs, 0))
	bad := s.Prefix() + "user:" + runtime.TextKey(failingText{}, "") + ":v0000001"
	got, err := s.GetMany(ctx, append(append([]string{}, keys[:10]...), append([]string{bad}, keys[10:]...)...))
	if err == nil || !strings.Contains(err.Error(), "no text for you") {
		t.Fatalf("GetMany with a bad key: error %v", err)
	}
	for i, u := range got {
		switch {
		case i == 10 && u != nil:
			t.Fatalf("bad key gave %+v", u)
		case i < 10 && (u == nil || u.ID != int64(i)), i > 10 && (u == nil || u.ID != int64(i-1)):
			t.Fatalf("entry %d = %+v: the good keys must still be read", i, u)
		}
	}
}

type failingText struct{}

func (failingText) MarshalText() ([]byte, error) { return nil, errors.New("no text for you") }

// TestClusterGetManyNodeDown: on a 3-master cluster with one master killed,
// GetMany returns the values of the live masters plus an error naming the
// failed node's keys; every key counts once (hit, miss or error).
func TestClusterGetManyNodeDown(t *testing.T) {
	cl := redistest.StartCluster(t) // its own cluster: a master is killed
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: cl.Addrs, MaxRetries: -1, MaxRedirects: 1,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: time.Second,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	s := newUsers(t, rdb)
	var keys []string
	var vs []*User
	for i := range 90 {
		keys = append(keys, userKey(s, int64(i)))
		vs = append(vs, &User{ID: int64(i)})
	}
	must(t, s.SetMany(ctx, keys, vs, 0))
	dead := map[string]bool{}
	node := redis.NewClient(&redis.Options{Addr: cl.Addrs[0]})
	for _, k := range keys {
		if node.Exists(ctx, k).Val() == 1 {
			dead[k] = true
		}
	}
	_ = node.Close()
	if len(dead) == 0 || len(dead) == len(keys) {
		t.Fatalf("%d of %d keys on the first master", len(dead), len(keys))
	}
	cl.Nodes[0].Kill()
	got, err := s.GetMany(ctx, keys)
	if err == nil || errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("GetMany with a master down = %v, want its error", err)
	}
	for i, u := range got {
		switch {
		case dead[keys[i]] && u != nil:
			t.Fatalf("%s on the dead master = %+v", keys[i], u)
		case !dead[keys[i]] && (u == nil || u.ID != int64(i)):
			t.Fatalf("%s on a live master = %+v, want its value (error: %v)", keys[i], u, err)
		}
	}
	if st := s.Stats(); st.Hits != uint64(len(keys)-len(dead)) || st.Errors != uint64(len(dead)) || st.Misses != 0 {
		t.Fatalf("stats %+v, want %d hits and %d errors", st, len(keys)-len(dead), len(dead))
	}
}

// TestMisuse: NewRedisCache keeps its no-error signature; a nil client, or
// WithKeys (which a plain cache would ignore, storing plaintext), make
// every call return ErrMisuse without panicking or writing. The checked
// constructors return the error at once.
func TestMisuse(t *testing.T) {
	rdb := server(t)
	for name, c := range map[string]*runtime.RedisCache{
		"nil client": runtime.NewRedisCache(nil),
		"WithKeys":   runtime.NewRedisCache(rdb, runtime.WithKeys(keyA)),
	} {
		var v string
		_, herr := c.Has(ctx, "k")
		_, rerr := c.Remove(ctx, "k")
		_, perr := c.Purge(ctx)
		for i, err := range []error{c.Set(ctx, "k", "v", 0), c.Get(ctx, "k", &v), herr, rerr, perr, c.FlushDB(ctx)} {
			if !errors.Is(err, runtime.ErrMisuse) {
				t.Fatalf("%s: call %d = %v, want ErrMisuse", name, i, err)
			}
		}
		must(t, c.Close())
	}
	if n := dbSize(t, rdb); n != 0 {
		t.Fatalf("a misused cache wrote %d keys", n)
	}
	if _, err := runtime.NewCryptRedisCache(nil, runtime.WithKeys(keyA)); err == nil {
		t.Fatal("NewCryptRedisCache(nil) accepted")
	}
	if _, err := runtime.NewStore[User](nil, userSpec); err == nil {
		t.Fatal("NewStore(nil) accepted")
	}
	_, err := runtime.NewStore[User](rdb, userSpec, runtime.WithKeys(keyA))
	if err == nil || !strings.Contains(err.Error(), "WithKeys") || !strings.Contains(err.Error(), "crypt") {
		t.Fatalf("WithKeys on a cache without crypt = %v, want a construction error", err)
	}
}

// TestErrorText: no doubled "cachegen:" prefix, and a Python Fernet key
// given to Fernet256 points at WithStandardFernet (without showing the key).
func TestErrorText(t *testing.T) {
	rdb := server(t)
	spec := userSpec
	spec.Crypt = true
	stdKey := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	type errCase struct {
		err  error
		want string
	}
	var cases []errCase
	add := func(want string) func(any, error) {
		return func(_ any, err error) { cases = append(cases, errCase{err, want}) }
	}
	add("empty fernet encryption key")(runtime.NewStore[User](rdb, spec))
	add("WithStandardFernet")(runtime.NewStore[User](rdb, spec, runtime.WithKeys(stdKey)))
	add("WithStandardFernet")(runtime.NewCryptRedisCache(rdb, runtime.WithKeys(stdKey)))
	add("negative ttl")(runtime.NewStore[User](rdb, userSpec, runtime.WithTTL(-time.Second)))
	add("unknown codec")(runtime.NewStore[User](rdb, runtime.Spec{Name: "X", Codec: "nope"}))
	for _, c := range cases {
		if c.err == nil {
			t.Fatalf("no error, want %q", c.want)
		}
		msg := c.err.Error()
		if !strings.Contains(msg, c.want) || strings.Count(msg, "cachegen:") != 1 || strings.Contains(msg, stdKey) {
			t.Fatalf("error text %q: want %q once prefixed with cachegen: and no key", msg, c.want)
		}
	}
}
