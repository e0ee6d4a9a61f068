package models

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

const cryptKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// client connects to the server the generator's test started: a single
// node (CACHEGEN_REDIS_ADDR) or a Redis Cluster (CACHEGEN_REDIS_CLUSTER, a
// comma-separated list of masters).
func client(t *testing.T) redis.UniversalClient {
	t.Helper()
	var c redis.UniversalClient
	switch addrs, addr := os.Getenv("CACHEGEN_REDIS_CLUSTER"), os.Getenv("CACHEGEN_REDIS_ADDR"); {
	case addrs != "":
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
	case addr != "":
		c = redis.NewClient(&redis.Options{Addr: addr})
	default:
		t.Fatal("neither CACHEGEN_REDIS_ADDR nor CACHEGEN_REDIS_CLUSTER is set")
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// singleNode skips tests of the near cache, which needs a single-node or
// Sentinel client, when the suite runs on a Cluster; the single-node run of
// the same suite covers them.
func singleNode(t *testing.T) {
	if os.Getenv("CACHEGEN_REDIS_CLUSTER") != "" {
		t.Skip("near cache needs a single-node client; covered by the single-node run")
	}
}

// prefix gives each test its own keyspace on the shared server.
func prefix(t *testing.T) runtime.Option {
	return runtime.WithPrefix("e2e:" + t.Name() + ":")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSetGetTTL(t *testing.T) {
	ctx := context.Background()
	users, err := NewUserCache(client(t), prefix(t))
	must(t, err)
	if _, err := users.Get(ctx, 1); !errors.Is(err, runtime.ErrMiss) {
		t.Fatalf("Get of a missing user: %v, want ErrMiss", err)
	}
	must(t, users.Set(ctx, &User{ID: 1, Email: "a@example.com", Name: "Ann", Tags: []string{"x"}}))
	u, err := users.Get(ctx, 1)
	must(t, err)
	if u.Name != "Ann" || u.Email != "a@example.com" || len(u.Tags) != 1 {
		t.Fatalf("Get = %+v", u)
	}
	if !strings.HasPrefix(users.Key(1), "e2e:TestSetGetTTL:user:1:v") || len(users.Key(1)) != len("e2e:TestSetGetTTL:user:1:v")+7 {
		t.Fatalf("Key(1) = %q", users.Key(1))
	}
	d, err := users.TTL(ctx, 1)
	must(t, err)
	if d <= 59*time.Minute || d > time.Hour {
		t.Fatalf("TTL = %v, want about 1h (the annotation's)", d)
	}
	must(t, users.SetWithTTL(ctx, &User{ID: 2}, 0))
	if d, err := users.TTL(ctx, 2); err != nil || d != runtime.NoExpiry {
		t.Fatalf("TTL after SetWithTTL(0) = %v, %v; want NoExpiry", d, err)
	}
	if ok, err := users.Has(ctx, 2); err != nil || !ok {
		t.Fatalf("Has = %v, %v", ok, err)
	}
	if ok, err := users.Remove(ctx, 2); err != nil || !ok {
		t.Fatalf("Remove = %v, %v", ok, err)
	}
	if ok, err := users.Remove(ctx, 2); err != nil || ok {
		t.Fatalf("second Remove = %v, %v", ok, err)
	}
	if err := users.Set(ctx, nil); err == nil {
		t.Fatal("Set(nil) accepted")
	}
	if st := users.Stats(); st.Hits != 1 || st.Misses != 1 {
		t.Fatalf("Stats = %+v, want 1 hit and 1 miss", st)
	}
}

func TestGetManySetMany(t *testing.T) {
	ctx := context.Background()
	users, err := NewUserCache(client(t), prefix(t))
	must(t, err)
	must(t, users.SetMany(ctx, []*User{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}}))
	got, err := users.GetMany(ctx, []int64{1, 3, 4})
	must(t, err)
	if len(got) != 2 || got[1].Name != "a" || got[3].Name != "c" || got[4] != nil {
		t.Fatalf("GetMany = %v", got)
	}
	if err := users.SetMany(ctx, []*User{{ID: 9}, nil}); err == nil {
		t.Fatal("SetMany with a nil value accepted")
	}
	if ok, _ := users.Has(ctx, 9); ok {
		t.Fatal("SetMany stored part of a batch it rejected")
	}

	orders, err := NewOrderCache(client(t), prefix(t), runtime.WithKeys(cryptKey))
	must(t, err)
	must(t, orders.SetMany(ctx, []*Order{{TenantID: "t:1", ID: 7, Total: 70}, {TenantID: "t", ID: 17, Total: 170}}))
	m, err := orders.GetMany(ctx, []OrderKey{{TenantID: "t:1", ID: 7}, {TenantID: "t", ID: 17}, {TenantID: "t", ID: 1}})
	must(t, err)
	if len(m) != 2 || m[OrderKey{"t:1", 7}].Total != 70 || m[OrderKey{"t", 17}].Total != 170 {
		t.Fatalf("GetMany = %v", m)
	}
	if k := orders.Key("t:1", 7); !strings.Contains(k, "tenant:{t%3A1}:order:7:v") {
		t.Fatalf("Key = %q: the tenant must be escaped inside the hash tag", k)
	}
	raw, err := client(t).Get(ctx, orders.Key("t", 17)).Result()
	must(t, err)
	if strings.Contains(raw, "170") || raw[0] != 'g' {
		t.Fatalf("crypt cache stored %q, want a Fernet256 token", raw)
	}
}

func TestCryptNeedsKey(t *testing.T) {
	if _, err := NewOrderCache(client(t)); err == nil {
		t.Fatal("crypt cache built without a key")
	}
}

func TestGetOrLoadOnce(t *testing.T) {
	ctx := context.Background()
	users, err := NewUserCache(client(t), prefix(t))
	must(t, err)
	var calls atomic.Int32
	release := make(chan struct{})
	load := func(ctx context.Context, id int64) (*User, error) {
		calls.Add(1)
		<-release
		return &User{ID: id, Name: "loaded"}, nil
	}
	const n = 20
	var wg sync.WaitGroup
	results := make([]*User, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { results[i], errs[i] = users.GetOrLoad(ctx, 42, load) })
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Fatalf("loader ran %d times for %d concurrent callers, want 1", c, n)
	}
	for i := range n {
		if errs[i] != nil || results[i] == nil || results[i].Name != "loaded" {
			t.Fatalf("caller %d: %v, %v", i, results[i], errs[i])
		}
		if i > 0 && results[i] == results[0] {
			t.Fatal("two callers share one value")
		}
	}
	u, err := users.Get(ctx, 42)
	must(t, err)
	if u.Name != "loaded" {
		t.Fatalf("the loaded value was not cached: %+v", u)
	}
	boom := errors.New("boom")
	if _, err := users.GetOrLoad(ctx, 43, func(context.Context, int64) (*User, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("loader error: %v", err)
	}
	if ok, _ := users.Has(ctx, 43); ok {
		t.Fatal("a loader error was cached")
	}
}

func TestPurgeLeavesSiblings(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	byID, err := NewUserCache(c, prefix(t))
	must(t, err)
	byEmail, err := NewUserByEmailCache(c, prefix(t))
	must(t, err)
	for i := range int64(5) {
		u := &User{ID: i, Email: string(rune('a'+i)) + "@example.com"}
		must(t, byID.Set(ctx, u))
		must(t, byEmail.Set(ctx, u))
	}
	// A key of an older schema version of UserCache.
	old := strings.TrimSuffix(byID.Key(100), byID.Key(100)[len(byID.Key(100))-8:]) + "v0000000"
	must(t, c.Set(ctx, old, "x", 0).Err())

	n, err := byID.Purge(ctx)
	must(t, err)
	if n != 5 {
		t.Fatalf("Purge removed %d keys, want 5", n)
	}
	if ok, _ := byID.Has(ctx, 1); ok {
		t.Fatal("Purge left a key")
	}
	got, err := byEmail.GetMany(ctx, []string{"a@example.com", "e@example.com"})
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("Purge of user:<ID> touched user:email:<Email> (%d left of 2)", len(got))
	}
	if exists, _ := c.Exists(ctx, old).Result(); exists != 1 {
		t.Fatal("Purge removed another schema version's key")
	}
	n, err = byID.PurgeAllVersions(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("PurgeAllVersions removed %d keys, want 1 (the old version's)", n)
	}
	if exists, _ := c.Exists(ctx, byEmail.Key("a@example.com")).Result(); exists != 1 {
		t.Fatal("PurgeAllVersions touched the sibling cache")
	}
}

func TestSchemaOffAndPointerPath(t *testing.T) {
	ctx := context.Background()
	sessions, err := NewSessionCache(client(t), prefix(t), runtime.WithKeys(cryptKey))
	must(t, err)
	id := uuid.MustParse("7d444840-9dc0-11d1-b245-5ffdce74fad2")
	if err := sessions.Set(ctx, &Session{ID: id}); err == nil {
		t.Fatal("Set with a nil pointer on the key path accepted")
	}
	must(t, sessions.Set(ctx, &Session{ID: id, Owner: &Owner{ID: 5}, Data: map[string]string{"k": "v"}}))
	if want := "e2e:TestSchemaOffAndPointerPath:session:" + id.String() + "/5"; sessions.Key(id, 5) != want {
		t.Fatalf("Key = %q, want %q (no version under schema=off)", sessions.Key(id, 5), want)
	}
	s, err := sessions.Get(ctx, id, 5)
	must(t, err)
	if s.Data["k"] != "v" {
		t.Fatalf("Get = %+v", s)
	}
	n, err := sessions.Purge(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("Purge removed %d, want 1", n)
	}
}

func profile() *Profile {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	return &Profile{
		ID:      7,
		Handle:  "ann",
		Born:    time.Date(1990, 7, 4, 12, 30, 0, 500, ny),
		Scores:  map[string]float64{"go": 9.5, "": -1},
		Friends: []int64{},
		Avatar:  []byte{0, 1, 2},
		Home:    &Owner{ID: 3, Name: "home"},
		Labels:  []string{"a", "b"},
	}
}

func sameProfile(t *testing.T, got, want *Profile) {
	t.Helper()
	if got.ID != want.ID || got.Handle != want.Handle || !got.Born.Equal(want.Born) ||
		len(got.Scores) != len(want.Scores) || got.Scores["go"] != want.Scores["go"] ||
		(got.Friends == nil) != (want.Friends == nil) || string(got.Avatar) != string(want.Avatar) ||
		(got.Home == nil) != (want.Home == nil) || (got.Home != nil && *got.Home != *want.Home) ||
		strings.Join(got.Labels, ",") != strings.Join(want.Labels, ",") {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	_, off := got.Born.Zone()
	_, wantOff := want.Born.Zone()
	if off != wantOff {
		t.Fatalf("zone offset %d, want %d", off, wantOff)
	}
}

// TestFastCodec stores values with the generated codec=fast codec.
func TestFastCodec(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	profiles, err := NewProfileCache(c, prefix(t))
	must(t, err)
	defer profiles.Close()
	p := profile()
	must(t, profiles.Set(ctx, p))
	got, err := profiles.Get(ctx, 7)
	must(t, err)
	sameProfile(t, got, p)
	raw, err := c.Get(ctx, profiles.Key(7)).Bytes()
	must(t, err)
	if raw[0] != 0xF1 {
		t.Fatalf("stored value starts with %#x, want the codec=fast header 0xF1", raw[0])
	}
	must(t, profiles.SetMany(ctx, []*Profile{{ID: 8}, {ID: 9, Labels: []string{"x"}}}))
	m, err := profiles.GetMany(ctx, []int64{7, 8, 9, 10})
	must(t, err)
	if len(m) != 3 || m[9].Labels[0] != "x" || m[8].Labels != nil {
		t.Fatalf("GetMany = %v", m)
	}

	// Foreign bytes under the key are a decode error, not a panic.
	must(t, c.Set(ctx, profiles.Key(10), "\xf1\x01", 0).Err())
	if _, err := profiles.Get(ctx, 10); !errors.Is(err, runtime.ErrDecode) {
		t.Fatalf("truncated value: %v, want ErrDecode", err)
	}

	// A codec passed by the caller wins over the generated one.
	asJSON, err := NewProfileCache(c, prefix(t), runtime.WithCodec(mustCodec(t, "json")))
	must(t, err)
	must(t, asJSON.Set(ctx, &Profile{ID: 11, Handle: "j"}))
	raw, err = c.Get(ctx, asJSON.Key(11)).Bytes()
	must(t, err)
	if raw[0] != '{' {
		t.Fatalf("WithCodec(json) stored %q", raw)
	}
}

func mustCodec(t *testing.T, name string) runtime.Codec {
	c, err := runtime.CodecByName(name)
	must(t, err)
	return c
}

// TestNearCache reads through the local= cache: hits are served in
// process as independent copies, and a write by another client is seen.
func TestNearCache(t *testing.T) {
	singleNode(t)
	ctx := context.Background()
	a, err := NewProfileByHandleCache(client(t), prefix(t))
	must(t, err)
	defer a.Close()
	b, err := NewProfileByHandleCache(client(t), prefix(t))
	must(t, err)
	defer b.Close()

	must(t, a.Set(ctx, profile()))
	// The tracking connection arms asynchronously: read until a hit is
	// served locally.
	deadline := time.Now().Add(5 * time.Second)
	for a.Stats().LocalHits == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no local hit within 5s")
		}
		got, err := a.Get(ctx, "ann")
		must(t, err)
		sameProfile(t, got, profile())
		time.Sleep(5 * time.Millisecond)
	}
	// Each hit is the caller's own deep copy.
	first, err := a.Get(ctx, "ann")
	must(t, err)
	first.Labels[0] = "changed"
	first.Home.Name = "changed"
	first.Scores["go"] = 0
	first.Avatar[0] = 9
	second, err := a.Get(ctx, "ann")
	must(t, err)
	sameProfile(t, second, profile())

	// Another client's write evicts a's copy.
	p := profile()
	p.Labels = []string{"new"}
	must(t, b.Set(ctx, p))
	deadline = time.Now().Add(time.Second)
	for {
		got, err := a.Get(ctx, "ann")
		must(t, err)
		if len(got.Labels) == 1 && got.Labels[0] == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a still serves %v a second after b's write", got.Labels)
		}
		time.Sleep(time.Millisecond)
	}
	must(t, a.Close())
	if _, err := a.Get(ctx, "ann"); !errors.Is(err, runtime.ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}

// TestNearCacheFast turns on the near cache at run time for the codec=fast
// cache: decoded values and generated copies together.
func TestNearCacheFast(t *testing.T) {
	singleNode(t)
	ctx := context.Background()
	profiles, err := NewProfileCache(client(t), prefix(t), runtime.WithLocal(10))
	must(t, err)
	defer profiles.Close()
	must(t, profiles.Set(ctx, profile()))
	deadline := time.Now().Add(5 * time.Second)
	for profiles.Stats().LocalHits < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no local hits within 5s")
		}
		got, err := profiles.Get(ctx, 7)
		must(t, err)
		sameProfile(t, got, profile())
		got.Friends = append(got.Friends, 1)
		time.Sleep(5 * time.Millisecond)
	}
}

// TestGetManyOrLoadAndPurgeBy runs the generated GetManyOrLoad (composite
// keys across six tenants) and PurgeBy<Field> (string and UUID first parts)
// on the real server.
func TestGetManyOrLoadAndPurgeBy(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	orders, err := NewOrderCache(c, prefix(t), runtime.WithKeys(cryptKey))
	must(t, err)
	tenants := []string{"a", "ab", "a:b", "b", "c", "d"}
	var keys []OrderKey
	for _, tn := range tenants {
		must(t, orders.Set(ctx, &Order{TenantID: tn, ID: 1, Total: 1}))
		keys = append(keys, OrderKey{TenantID: tn, ID: 1}, OrderKey{TenantID: tn, ID: 2})
	}
	keys = append(keys, OrderKey{TenantID: "a", ID: 2}) // a duplicate miss
	var calls int
	got, err := orders.GetManyOrLoad(ctx, keys, func(_ context.Context, missing []OrderKey) (map[OrderKey]*Order, error) {
		calls++
		if len(missing) != len(tenants) {
			t.Errorf("loader asked for %v, want the %d misses once each", missing, len(tenants))
		}
		m := map[OrderKey]*Order{}
		for _, k := range missing {
			if k.ID != 2 {
				t.Errorf("loader asked for a hit: %v", k)
			}
			m[k] = &Order{TenantID: k.TenantID, ID: k.ID, Total: 2}
		}
		return m, nil
	})
	must(t, err)
	if calls != 1 || len(got) != 2*len(tenants) {
		t.Fatalf("GetManyOrLoad: %d loader calls, %d values; want 1 and %d", calls, len(got), 2*len(tenants))
	}
	if v, err := orders.Get(ctx, "c", 2); err != nil || v.Total != 2 {
		t.Fatalf("a loaded value was not stored: %v %v", v, err)
	}

	n, err := orders.PurgeByTenantID(ctx, "a")
	must(t, err)
	if n != 2 {
		t.Fatalf("PurgeByTenantID(a) removed %d values, want 2", n)
	}
	for _, tn := range tenants {
		ok, err := orders.Has(ctx, tn, 1)
		must(t, err)
		if ok == (tn == "a") {
			t.Errorf("after PurgeByTenantID(a): tenant %q has its order: %v", tn, ok)
		}
	}

	sessions, err := NewSessionCache(c, prefix(t), runtime.WithKeys(cryptKey))
	must(t, err)
	id, other := uuid.New(), uuid.New()
	for i := range 3 {
		must(t, sessions.Set(ctx, &Session{ID: id, Owner: &Owner{ID: i}}))
		must(t, sessions.Set(ctx, &Session{ID: other, Owner: &Owner{ID: i}}))
	}
	if n, err := sessions.PurgeByID(ctx, id); err != nil || n != 3 {
		t.Fatalf("PurgeByID removed %d values (%v), want 3", n, err)
	}
	if ok, _ := sessions.Has(ctx, other, 1); !ok {
		t.Fatal("PurgeByID removed another ID's session")
	}
}

// TestDeepCopies calls the generated deep copies of structs whose slices
// hold strings (Team), structs without references (Grid) and structs with
// references (Roster) directly: each copy is independent of its source,
// nil and empty slices stay apart, and an append to a copied slice does not
// write into the copy's other fields. The slices copied together with their
// struct (cacheimpl.CloneWith) are exactly those whose elements need no deep
// copy.
func TestDeepCopies(t *testing.T) {
	src, err := os.ReadFile("cache_gen.go")
	must(t, err)
	for _, want := range []string{"CloneWith(v, v.Members)", "CloneWith(v, v.Spots)", "CloneWith(v, v.Notes)", "CloneWith(v, v.Friends)"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("cache_gen.go lacks %s", want)
		}
	}
	if strings.Contains(string(src), "CloneWith(v, v.Crew)") {
		t.Error("cache_gen.go copies Roster.Crew, whose elements hold references, with CloneWith")
	}

	// build returns fresh slices of n elements each time: the sources, and
	// what they must still hold after their copies are changed.
	build := func(n int) ([]string, []Spot, []Member) {
		names, spots, crew := make([]string, n), make([]Spot, n), make([]Member, n)
		for i := range n {
			names[i] = strconv.Itoa(i)
			spots[i] = Spot{X: int32(i), Y: int32(-i), Label: names[i]}
			crew[i] = Member{Name: names[i], Tags: []string{"t" + names[i]}}
		}
		return names, spots, crew
	}
	for n := range 20 {
		names, spots, crew := build(n)

		team := &Team{ID: 1, Name: "team", Members: names, Spots: spots}
		tc := cloneTeam(team)
		if tc.ID != 1 || tc.Name != "team" || !slices.Equal(tc.Members, names) || !slices.Equal(tc.Spots, spots) {
			t.Fatalf("n=%d: cloneTeam = %+v", n, tc)
		}
		if cap(tc.Members) != n {
			t.Fatalf("n=%d: cap(Members) = %d, want %d", n, cap(tc.Members), n)
		}
		grown := append(tc.Members, "more")
		grown[0] = "grown"
		tc.Name = "changed"
		for i := range n {
			tc.Members[i] = "changed"
			tc.Spots[i].Label = "changed"
		}
		if tc.ID != 1 || tc.Name != "changed" || len(tc.Spots) != n || n > 0 && tc.Spots[0].X != 0 {
			t.Fatalf("n=%d: an append to Members changed the copy: %+v", n, tc)
		}
		wantNames, wantSpots, wantCrew := build(n)
		if team.ID != 1 || team.Name != "team" || !slices.Equal(team.Members, wantNames) || !slices.Equal(team.Spots, wantSpots) {
			t.Fatalf("n=%d: cloneTeam's copy shares with its source: %+v", n, team)
		}

		grid := &Grid{ID: 2, Spots: spots}
		gc := cloneGrid(grid)
		if gc.ID != 2 || !slices.Equal(gc.Spots, wantSpots) || cap(gc.Spots) != n {
			t.Fatalf("n=%d: cloneGrid = %+v (cap %d)", n, gc, cap(gc.Spots))
		}
		for i := range n {
			gc.Spots[i].X = 99
		}
		gc.ID = 0
		if grid.ID != 2 || !slices.Equal(grid.Spots, wantSpots) {
			t.Fatalf("n=%d: cloneGrid's copy shares with its source: %+v", n, grid)
		}

		roster := &Roster{ID: 3, Crew: crew, Notes: names}
		rc := cloneRoster(roster)
		if rc.ID != 3 || len(rc.Crew) != n || !slices.Equal(rc.Notes, wantNames) || cap(rc.Notes) != n {
			t.Fatalf("n=%d: cloneRoster = %+v", n, rc)
		}
		for i := range n {
			if rc.Crew[i].Name != wantCrew[i].Name || !slices.Equal(rc.Crew[i].Tags, wantCrew[i].Tags) {
				t.Fatalf("n=%d: Crew[%d] = %+v, want %+v", n, i, rc.Crew[i], wantCrew[i])
			}
			rc.Crew[i].Tags[0] = "changed"
			rc.Crew[i].Name = "changed"
			rc.Notes[i] = "changed"
		}
		for i := range n {
			if crew[i].Name != wantCrew[i].Name || crew[i].Tags[0] != wantCrew[i].Tags[0] || roster.Notes[i] != wantNames[i] {
				t.Fatalf("n=%d: cloneRoster's copy shares with its source: %+v", n, roster)
			}
		}
	}

	// nil stays nil and empty stays empty.
	for _, tm := range []*Team{{}, {Members: []string{}, Spots: []Spot{}}} {
		c := cloneTeam(tm)
		if (c.Members == nil) != (tm.Members == nil) || (c.Spots == nil) != (tm.Spots == nil) || len(c.Members) != 0 {
			t.Fatalf("cloneTeam(%#v) = %#v", tm, c)
		}
	}
	for _, r := range []*Roster{{}, {Crew: []Member{}, Notes: []string{}}} {
		c := cloneRoster(r)
		if (c.Notes == nil) != (r.Notes == nil) || (c.Crew == nil) != (r.Crew == nil) {
			t.Fatalf("cloneRoster(%#v) = %#v", r, c)
		}
	}
	if cloneTeam(nil) != nil || cloneGrid(nil) != nil || cloneRoster(nil) != nil {
		t.Fatal("the copy of nil is not nil")
	}
}
