package foreign_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/apipb"
	"google.golang.org/protobuf/types/known/sourcecontextpb"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/cachegen/cachegen/examples/foreign"
	"github.com/cachegen/cachegen/examples/foreign/apiclient"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// client returns a client of a fresh real redis-server.
func client(t *testing.T) *redis.Client {
	t.Helper()
	return redistest.Start(t).Client(t)
}

// keyCount counts the keys in Redis.
func keyCount(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	n, err := rdb.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func repo() *apiclient.Repository {
	return &apiclient.Repository{
		ID:          apiclient.Ptr[int64](1296269),
		Name:        apiclient.Ptr("Hello-World"),
		FullName:    apiclient.Ptr("octocat/Hello-World"),
		Owner:       &apiclient.User{ID: apiclient.Ptr[int64](1), Login: apiclient.Ptr("octocat")},
		Description: apiclient.Ptr("This your first repo!"),
		Topics:      []string{"octocat", "atom", "electron"},
		Stars:       apiclient.Ptr(80),
		Private:     apiclient.Ptr(false),
		PushedAt:    apiclient.Ptr(time.Date(2011, 1, 26, 19, 6, 43, 0, time.UTC)),
	}
}

// TestAliasRoundTrip: a cache declared on an alias of another package's
// struct speaks that struct, and round-trips it through a real Redis.
func TestAliasRoundTrip(t *testing.T) {
	// The API is typed with the foreign type itself.
	repoPtr := reflect.TypeFor[*apiclient.Repository]()
	for _, m := range []struct {
		fn  any
		arg int // the parameter or result that holds the value
		out bool
	}{
		{(*foreign.RepoCache).Get, 0, true},
		{(*foreign.RepoCache).Set, 2, false},
		{(*foreign.RepoByNameCache).Get, 0, true},
		{(*foreign.APICache).Get, 0, true},
	} {
		ft := reflect.TypeOf(m.fn)
		got := ft.In(m.arg)
		if m.out {
			got = ft.Out(m.arg)
		}
		want := repoPtr
		if strings.Contains(ft.In(0).String(), "API") {
			want = reflect.TypeFor[*apipb.Api]()
		}
		if got != want {
			t.Errorf("%v: value type %v, want %v", ft, got, want)
		}
	}
	if k := reflect.TypeOf((*foreign.RepoCache).Get).In(2); k != reflect.TypeFor[int64]() {
		t.Errorf("RepoCache.Get takes the ID as %v, want int64 (the element of *int64)", k)
	}

	ctx := context.Background()
	rdb := client(t)
	repos, err := foreign.NewRepoCache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	byName, err := foreign.NewRepoByNameCache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	want := repo()
	if err := repos.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := byName.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := repos.Get(ctx, 1296269)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %+v, want %+v", got, want)
	}
	got, err = byName.Get(ctx, "octocat", "Hello-World")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RepoByNameCache.Get = %+v, want %+v", got, want)
	}
	if ttl, err := repos.TTL(ctx, 1296269); err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, %v; want about the annotation's 1h", ttl, err)
	}
	many, err := repos.GetMany(ctx, []int64{1296269, 7})
	if err != nil || len(many) != 1 || !reflect.DeepEqual(many[1296269], want) {
		t.Errorf("GetMany = %v, %v", many, err)
	}
	if _, err := repos.Get(ctx, 7); !errors.Is(err, runtime.ErrMiss) {
		t.Errorf("Get of an absent ID: %v, want ErrMiss", err)
	}
	// The key holds the value, not a pointer: a dereferenced int64.
	if k := repos.Key(1296269); !strings.HasPrefix(k, "repo:1296269:v") {
		t.Errorf("Key = %q", k)
	}
}

// TestPointerKeys: key fields that are pointers become parameters of their
// element type; a value whose key field is nil is refused and nothing is
// stored, also with local= (RepoCache has a near cache).
func TestPointerKeys(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	repos, err := foreign.NewRepoCache(rdb) // local=1000
	if err != nil {
		t.Fatal(err)
	}
	defer repos.Close()
	byName, err := foreign.NewRepoByNameCache(rdb)
	if err != nil {
		t.Fatal(err)
	}

	noID := repo()
	noID.ID = nil
	if err := repos.Set(ctx, noID); err == nil || !strings.Contains(err.Error(), "whose ID is nil") {
		t.Errorf("Set of a repository without ID: %v, want an error naming ID", err)
	}
	ok := repo()
	if err := repos.SetMany(ctx, []*apiclient.Repository{ok, noID}); err == nil || !strings.Contains(err.Error(), "vs[1]") || !strings.Contains(err.Error(), "ID is nil") {
		t.Errorf("SetMany with one ID nil: %v, want an error naming vs[1] and ID", err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*apiclient.Repository)
	}{
		{"Owner", func(r *apiclient.Repository) { r.Owner = nil }},
		{"Owner.Login", func(r *apiclient.Repository) { r.Owner.Login = nil }},
		{"Name", func(r *apiclient.Repository) { r.Name = nil }},
	} {
		r := repo()
		tc.edit(r)
		if err := byName.Set(ctx, r); err == nil || !strings.Contains(err.Error(), "whose "+tc.field+" is nil") {
			t.Errorf("RepoByNameCache.Set with %s nil: %v, want an error naming %s", tc.field, err, tc.field)
		}
	}
	if n := keyCount(t, rdb); n != 0 {
		t.Fatalf("%d keys stored after refused Sets, want none", n)
	}
	// Nor did the refused values reach the near cache.
	if _, err := repos.Get(ctx, 1296269); !errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("Get after refused Sets: %v, want ErrMiss", err)
	}
	if st := repos.Stats(); st.LocalHits != 0 {
		t.Fatalf("local hits %d after refused Sets", st.LocalHits)
	}

	// A valid value goes through, and the near cache hands out copies.
	if err := repos.Set(ctx, ok); err != nil {
		t.Fatal(err)
	}
	a, err := repos.Get(ctx, 1296269)
	if err != nil {
		t.Fatal(err)
	}
	*a.Name = "changed by the caller"
	a.Owner.Login = nil
	var b *apiclient.Repository
	for range 50 { // the near cache fills on a read once its listener runs
		if b, err = repos.Get(ctx, 1296269); err != nil {
			t.Fatal(err)
		}
		if repos.Stats().LocalHits > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if repos.Stats().LocalHits == 0 {
		t.Fatal("no near-cache hit")
	}
	if !reflect.DeepEqual(b, repo()) {
		t.Errorf("near-cache copy = %+v, want the stored repository (a caller's edit leaked)", b)
	}
}

func api() *apipb.Api {
	any, err := anypb.New(wrapperspb.String("deprecated"))
	if err != nil {
		panic(err)
	}
	return &apipb.Api{
		Name:    "google.example.library.v1.Library",
		Version: "v1.2",
		Methods: []*apipb.Method{
			{Name: "GetBook", RequestTypeUrl: "type.googleapis.com/GetBookRequest", ResponseTypeUrl: "type.googleapis.com/Book"},
			{Name: "ListBooks", RequestTypeUrl: "type.googleapis.com/ListBooksRequest", ResponseTypeUrl: "type.googleapis.com/ListBooksResponse", ResponseStreaming: true},
		},
		Options:       []*typepb.Option{{Name: "visibility", Value: any}},
		SourceContext: &sourcecontextpb.SourceContext{FileName: "library.proto"},
		Mixins:        []*apipb.Mixin{{Name: "google.iam.v1.IAMPolicy", Root: "v1"}},
		Syntax:        typepb.Syntax_SYNTAX_PROTO3,
	}
}

// TestProtoRoundTrip: codec=proto stores protobuf's wire format, which
// proto.Unmarshal of the raw bytes reads back, deterministically encoded;
// the near cache copies with proto.Clone.
func TestProtoRoundTrip(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	apis, err := foreign.NewAPICache(rdb) // local=100
	if err != nil {
		t.Fatal(err)
	}
	defer apis.Close()
	want := api()
	if err := apis.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := apis.Get(ctx, want.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) || got == want {
		t.Errorf("Get = %v, want a copy of %v", got, want)
	}

	raw, err := rdb.Get(ctx, apis.Key(want.Name)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var fromRedis apipb.Api
	if err := proto.Unmarshal(raw, &fromRedis); err != nil {
		t.Fatalf("proto.Unmarshal of the bytes in Redis: %v", err)
	}
	if !proto.Equal(&fromRedis, want) {
		t.Errorf("proto.Unmarshal of the bytes in Redis = %v, want %v", &fromRedis, want)
	}
	if det, _ := (proto.MarshalOptions{Deterministic: true}).Marshal(want); string(det) != string(raw) {
		t.Errorf("stored bytes are not the deterministic encoding:\n got %x\nwant %x", raw, det)
	}

	// A message written by another service (here: proto.Marshal directly)
	// is read back.
	other := &apipb.Api{Name: "other.Service", Version: "v2"}
	data, err := proto.Marshal(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, apis.Key(other.Name), data, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := apis.Get(ctx, other.Name); err != nil || !proto.Equal(got, other) {
		t.Errorf("Get of a message another writer stored = %v, %v", got, err)
	}

	// Near-cache hits are proto.Clone copies: a caller's edit stays its own.
	var a *apipb.Api
	for range 50 {
		if a, err = apis.Get(ctx, want.Name); err != nil {
			t.Fatal(err)
		}
		if apis.Stats().LocalHits > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if apis.Stats().LocalHits == 0 {
		t.Fatal("no near-cache hit")
	}
	a.Methods[0].Name = "changed by the caller"
	b, err := apis.Get(ctx, want.Name)
	if err != nil || !proto.Equal(b, want) {
		t.Errorf("second near-cache hit = %v, %v; want the stored message (a caller's edit leaked)", b, err)
	}
}

// TestProtoGarbage: bytes that are not a valid message are ErrDecode,
// counted as errors, never a panic, a stack overflow or an allocation out
// of proportion to their size; values over the maximum size are not
// decoded at all.
func TestProtoGarbage(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	apis, err := foreign.NewAPICache(rdb, runtime.WithLocal(0), runtime.WithMaxValueSize(256<<10))
	if err != nil {
		t.Fatal(err)
	}
	valid, err := proto.Marshal(api())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"invalid tag", []byte{0xff, 0xff, 0xff, 0xff, 0xff}},
		{"field number 0", []byte{0x00, 0x01}},
		{"truncated", valid[:len(valid)-3]},
		{"length past the end", []byte{0x0a, 0x7f, 'x'}},
		{"end of a group never started", []byte{0x0c}},
		{"invalid UTF-8 in a proto3 string", []byte{0x0a, 0x02, 0xc3, 0x28}},
		{"msgpack", []byte{0x81, 0xa4, 'N', 'a', 'm', 'e', 0xa1, 'x'}},
		{"length of 4 GiB declared", []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 'x'}},
		{"unknown groups nested 200k deep", bytes.Repeat([]byte{0x4b}, 200_000)},
		{"too large", append(valid, make([]byte, 300<<10)...)},
	} {
		key := apis.Key(tc.name)
		if err := rdb.Set(ctx, key, tc.data, 0).Err(); err != nil {
			t.Fatal(err)
		}
		before := apis.Stats().Errors
		var m0, m1 goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&m0)
		got, err := apis.Get(ctx, tc.name)
		goruntime.ReadMemStats(&m1)
		if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 1<<20+64*uint64(len(tc.data)) {
			t.Errorf("%s: allocated %d bytes for a %d-byte value", tc.name, alloc, len(tc.data))
		}
		if !errors.Is(err, runtime.ErrDecode) || got != nil {
			t.Errorf("%s: Get = %v, %v; want nil, ErrDecode", tc.name, got, err)
		}
		if apis.Stats().Errors != before+1 {
			t.Errorf("%s: not counted as an error", tc.name)
		}
	}
}

// TestProtoCrypt: with crypt the protobuf bytes are encrypted as any
// codec's, and decrypting the stored token gives the protobuf encoding.
func TestProtoCrypt(t *testing.T) {
	ctx := context.Background()
	rdb := client(t)
	key := strings.Repeat("k", 32) + strings.Repeat("e", 32)
	secret, err := foreign.NewSecretAPICache(rdb, runtime.WithKeys(key))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := foreign.NewSecretAPICache(rdb); err == nil {
		t.Error("a crypt cache without keys was built")
	}
	want := api()
	if err := secret.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := secret.Get(ctx, want.Name)
	if err != nil || !proto.Equal(got, want) {
		t.Fatalf("Get = %v, %v", got, err)
	}
	raw, err := rdb.Get(ctx, secret.Key(want.Name)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := runtime.NewFernet256([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.Decrypt(raw)
	if err != nil {
		t.Fatalf("stored value is not a Fernet256 token: %v", err)
	}
	var m apipb.Api
	if err := proto.Unmarshal(plain, &m); err != nil || !proto.Equal(&m, want) {
		t.Errorf("decrypted token = %v, %v; want the protobuf encoding of %v", &m, err, want)
	}
	if strings.Contains(string(raw), want.Name) {
		t.Error("the message's name is readable in the stored value")
	}
	// The schema versions of the plain and crypt caches differ.
	apis, err := foreign.NewAPICache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	if v1, v2 := apis.Key("x")[len("api:x:"):], secret.Key("x")[len("secret-api:x:"):]; v1 == v2 {
		t.Errorf("plain and crypt caches share schema version %s", v1)
	}
}
