// Command rickinterop shares a Redis cache with the Python library rick: it
// writes values that rick's RedisCache and CryptRedisCache read, and reads
// the values they write, in rick's three formats — pickle (rick's default),
// rick's msgpack serializer, and CryptRedisCache's Fernet256 tokens.
//
//	go run ./examples/rickinterop                   # write, then read back, on an embedded Redis
//	go run ./examples/rickinterop -redis URL write  # leave values for Python (see README.md)
//	go run ./examples/rickinterop -redis URL read   # read what Python wrote
//
// Every key is under the prefix "rick:". The crypt key is the 64-byte
// string in $RICK_KEY, the same string Python passes as
// CryptRedisCache(key=...); without it a demo key is used.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// Prefix is what both sides put in front of every key
// (RedisCache(prefix="rick:") in Python).
const Prefix = "rick:"

// The keys each format is stored under, without the prefix.
const (
	PickleKey  = "pickle:order"  // RedisCache(): pickle
	MsgpackKey = "msgpack:order" // RedisCache(serializer=msgpack.packb, deserializer=msgpack.unpackb)
	CryptKey   = "crypt:order"   // CryptRedisCache(key=KEY): Fernet256(pickle)
	ProfileID  = 42              // ProfileCache (generated): pickle, key "profile:42"
)

// DemoKey is the crypt key used when $RICK_KEY is not set: any string of
// exactly 64 bytes works, used as raw key bytes as rick does. Never use a
// key from source code in production; make one with runtime.GenerateKey()
// or Python's secrets.token_urlsafe(48).
const DemoKey = "rickinterop-demo-key-0123456789-do-not-use-in-production-abcdefg"

// Order has the shape of the value in rick's own msgpack test: a datetime,
// a Decimal, a str and an int, plus a UUID and a list. The tags give the
// dict keys Python sees (pickle) or writes (both codecs also match a Go
// field name case-insensitively).
type Order struct {
	Timestamp time.Time       `pickle:"timestamp" msgpack:"timestamp"`
	Amount    runtime.Decimal `pickle:"amount" msgpack:"amount"`
	User      string          `pickle:"user" msgpack:"user"`
	Count     int64           `pickle:"count" msgpack:"count"`
	ID        uuid.UUID       `pickle:"id" msgpack:"id"`
	Tags      []string        `pickle:"tags" msgpack:"tags"`
}

// SampleOrder is what the write step stores.
func SampleOrder() Order {
	amount, err := runtime.ParseDecimal("123.45")
	if err != nil {
		panic(err)
	}
	return Order{
		Timestamp: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC),
		Amount:    amount,
		User:      "alice",
		Count:     42,
		ID:        uuid.MustParse("12345678-1234-5678-1234-567812345678"),
		Tags:      []string{"go", "python"},
	}
}

// SampleProfile is what the write step stores with the generated cache.
func SampleProfile() Profile {
	return Profile{ID: ProfileID, Name: "Ada Lovelace", Email: "ada@example.com", Roles: []string{"admin"}}
}

// Caches are the four caches, configured as their rick counterparts.
type Caches struct {
	Pickle  *runtime.RedisCache      // rick: RedisCache(prefix="rick:")
	Msgpack *runtime.RedisCache      // rick: RedisCache(prefix="rick:", serializer=packb, deserializer=unpackb)
	Crypt   *runtime.CryptRedisCache // rick: CryptRedisCache(key=KEY, prefix="rick:")
	Profile *ProfileCache            // rick: RedisCache(prefix="rick:") again, typed on the Go side
}

// NewCaches wraps rdb in the four caches; key is the 64-byte crypt key.
func NewCaches(rdb redis.UniversalClient, key string) (*Caches, error) {
	pickle, err := runtime.CodecByName(runtime.CodecPickle)
	if err != nil {
		return nil, err
	}
	rickMsgpack, err := runtime.CodecByName(runtime.CodecRickMsgpack)
	if err != nil {
		return nil, err
	}
	crypt, err := runtime.NewCryptRedisCache(rdb,
		runtime.WithPrefix(Prefix), runtime.WithKeys(key), runtime.WithCodec(pickle))
	if err != nil {
		return nil, err
	}
	profiles, err := NewProfileCache(rdb, runtime.WithPrefix(Prefix))
	if err != nil {
		return nil, err
	}
	return &Caches{
		Pickle:  runtime.NewRedisCache(rdb, runtime.WithPrefix(Prefix), runtime.WithCodec(pickle)),
		Msgpack: runtime.NewRedisCache(rdb, runtime.WithPrefix(Prefix), runtime.WithCodec(rickMsgpack)),
		Crypt:   crypt,
		Profile: profiles,
	}, nil
}

// Write stores the sample values in all three formats, without expiry (as
// rick's set(key, value) does).
func (c *Caches) Write(ctx context.Context, w io.Writer) error {
	order := SampleOrder()
	for _, s := range []struct {
		cache  runtime.Cache
		key    string
		format string
	}{
		{c.Pickle, PickleKey, "pickle"},
		{c.Msgpack, MsgpackKey, "rick msgpack"},
		{c.Crypt, CryptKey, "Fernet256 token of a pickle"},
	} {
		if err := s.cache.Set(ctx, s.key, order, 0); err != nil {
			return fmt.Errorf("write %s%s: %w", Prefix, s.key, err)
		}
		fmt.Fprintf(w, "wrote %-20s %s\n", Prefix+s.key, s.format)
	}
	p := SampleProfile()
	if err := c.Profile.Set(ctx, &p); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	fmt.Fprintf(w, "wrote %-20s pickle, from the generated ProfileCache\n", c.Profile.Key(ProfileID))
	return nil
}

// Read reads the four keys, each both into a typed Go value and into any
// (which shows the Python → Go mapping), and returns what it read.
func (c *Caches) Read(ctx context.Context, w io.Writer) (orders map[string]Order, profile *Profile, err error) {
	orders = map[string]Order{}
	for _, s := range []struct {
		cache runtime.Cache
		key   string
	}{
		{c.Pickle, PickleKey},
		{c.Msgpack, MsgpackKey},
		{c.Crypt, CryptKey},
	} {
		var o Order
		if err := s.cache.Get(ctx, s.key, &o); err != nil {
			if errors.Is(err, runtime.ErrMiss) {
				err = fmt.Errorf("%w (write it first: Python side, or the write step)", err)
			}
			return nil, nil, fmt.Errorf("read %s%s: %w", Prefix, s.key, err)
		}
		var tree any
		if err := s.cache.Get(ctx, s.key, &tree); err != nil {
			return nil, nil, fmt.Errorf("read %s%s as any: %w", Prefix, s.key, err)
		}
		orders[s.key] = o
		fmt.Fprintf(w, "read  %-20s %s\n", Prefix+s.key, Describe(tree))
	}
	profile, err = c.Profile.Get(ctx, ProfileID)
	if err != nil {
		return nil, nil, fmt.Errorf("read profile %d: %w", ProfileID, err)
	}
	fmt.Fprintf(w, "read  %-20s %+v\n", c.Profile.Key(ProfileID), *profile)
	return orders, profile, nil
}

func main() {
	url := flag.String("redis", os.Getenv("REDIS_URL"),
		"Redis `URL`, e.g. redis://localhost:6379/0 (default: $REDIS_URL, else an embedded miniredis)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: rickinterop [-redis URL] [write|read|both]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	mode := flag.Arg(0)
	if mode == "" {
		mode = "both"
	}
	key := os.Getenv("RICK_KEY")
	if key == "" {
		key = DemoKey
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout, *url, key, mode); err != nil {
		fmt.Fprintln(os.Stderr, "rickinterop:", err)
		os.Exit(1)
	}
}

// run connects to url (an embedded miniredis when empty) and performs mode:
// "write", "read" or "both" (write, read back, and check the round trip).
func run(ctx context.Context, w io.Writer, url, key, mode string) error {
	if mode != "write" && mode != "read" && mode != "both" {
		return fmt.Errorf("unknown mode %q: want write, read or both", mode)
	}
	if url == "" {
		if mode == "read" {
			return errors.New("read needs the server the values were written to: pass -redis URL")
		}
		mr, err := miniredis.Run()
		if err != nil {
			return err
		}
		defer mr.Close()
		url = "redis://" + mr.Addr() + "/0"
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opt.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opt)
	defer rdb.Close()

	caches, err := NewCaches(rdb, key)
	if err != nil {
		return err
	}
	if mode != "read" {
		if err := caches.Write(ctx, w); err != nil {
			return err
		}
	}
	if mode == "write" {
		return nil
	}
	orders, profile, err := caches.Read(ctx, w)
	if err != nil {
		return err
	}
	if mode == "both" {
		want := SampleOrder()
		for k, o := range orders {
			if !EqualOrders(o, want) {
				return fmt.Errorf("round trip of %s: got %+v, want %+v", k, o, want)
			}
		}
		if p := SampleProfile(); profile.Name != p.Name || profile.Email != p.Email || len(profile.Roles) != 1 {
			return fmt.Errorf("round trip of the profile: got %+v, want %+v", *profile, p)
		}
		fmt.Fprintln(w, "ok: every value read back equal")
	}
	return nil
}

// EqualOrders compares two orders, times by instant.
func EqualOrders(a, b Order) bool {
	if len(a.Tags) != len(b.Tags) {
		return false
	}
	for i := range a.Tags {
		if a.Tags[i] != b.Tags[i] {
			return false
		}
	}
	return a.Timestamp.Equal(b.Timestamp) && a.Amount.String() == b.Amount.String() &&
		a.User == b.User && a.Count == b.Count && a.ID == b.ID
}

// Describe renders a value decoded into any with its Go types, to show how
// Python values arrive in Go: {"count": int64(42), "amount":
// runtime.Decimal("123.45"), ...}, map keys sorted.
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: %s", k, Describe(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = Describe(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return fmt.Sprintf("%q", v)
	case time.Time:
		return "time.Time(" + v.Format(time.RFC3339Nano) + ")"
	case runtime.Decimal:
		return fmt.Sprintf("runtime.Decimal(%q)", v.String())
	case uuid.UUID:
		return "uuid.UUID(" + v.String() + ")"
	default:
		return fmt.Sprintf("%T(%v)", v, v)
	}
}
