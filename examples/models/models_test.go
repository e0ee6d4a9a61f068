package models_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// TestKeys pins down the key layout the README documents.
func TestKeys(t *testing.T) {
	// Constructors and Key never contact Redis: nothing listens here.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	users, err1 := models.NewUserCache(rdb)
	byEmail, err2 := models.NewUserByEmailCache(rdb, runtime.WithPrefix("app:"))
	orders, err3 := models.NewOrderCache(rdb)
	products, err4 := models.NewProductCache(rdb)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ got, want string }{
		{users.Key(42), `^user:42:v[0-9a-f]{7}$`},
		{byEmail.Key("ada@example.com"), `^app:user:email:ada@example\.com:v[0-9a-f]{7}$`},
		{byEmail.Key("odd:{mail}%"), `^app:user:email:odd%3A%7Bmail%7D%25:v[0-9a-f]{7}$`},
		{orders.Key("acme", 7), `^tenant:\{acme\}:order:7:v[0-9a-f]{7}$`},
		{products.Key(uuid.MustParse("6f1c2a4e-8b3d-4c7a-9e21-0d5b7f3a9c10")), `^product:6f1c2a4e-8b3d-4c7a-9e21-0d5b7f3a9c10:v[0-9a-f]{7}$`},
	} {
		if !regexp.MustCompile(tc.want).MatchString(tc.got) {
			t.Errorf("key %q does not match %s", tc.got, tc.want)
		}
	}
	// The two caches of User have different schema versions (different
	// codecs), and a tenant's orders share a Cluster slot.
	if v1, v2 := users.Key(1)[strings.LastIndex(users.Key(1), ":"):], byEmail.Key("x")[strings.LastIndex(byEmail.Key("x"), ":"):]; v1 == v2 {
		t.Errorf("UserCache and UserByEmailCache share schema version %s", v1)
	}
	if runtime.Slot(orders.Key("acme", 1)) != runtime.Slot(orders.Key("acme", 99999)) {
		t.Error("orders of one tenant are in different slots")
	}
}

// TestCluster runs the models on a 3-master Redis Cluster: a tenant's
// orders in one GetMany, several tenants across slots, and Purge touching
// only its own cache.
func TestCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rdb := redistest.StartCluster(t).Client(t)
	orders, err := models.NewOrderCache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	users, err := models.NewUserCache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	byEmail, err := models.NewUserByEmailCache(rdb)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := models.NewSessionCache(rdb, runtime.WithKeys(runtime.GenerateKey()))
	if err != nil {
		t.Fatal(err)
	}

	var all []*models.Order
	var keys []models.OrderKey
	for _, tenant := range []string{"acme", "globex", "initech", "umbrella"} {
		for id := uint32(1); id <= 5; id++ {
			all = append(all, &models.Order{TenantID: tenant, ID: id, Total: int64(id) * 100,
				Lines: []models.OrderLine{{SKU: "X", Quantity: 1, Price: int64(id) * 100}}})
			keys = append(keys, models.OrderKey{TenantID: tenant, ID: id})
		}
	}
	if err := orders.SetMany(ctx, all); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, models.OrderKey{TenantID: "acme", ID: 404})
	got, err := orders.GetMany(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(all) {
		t.Fatalf("GetMany across tenants: %d of %d", len(got), len(all))
	}
	if o := got[models.OrderKey{TenantID: "initech", ID: 3}]; o == nil || o.Total != 300 || len(o.Lines) != 1 {
		t.Errorf("initech order 3: %+v", o)
	}

	u := &models.User{ID: 1, Email: "ada@example.com", Name: "Ada"}
	if err := users.Set(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := byEmail.Set(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := sessions.Set(ctx, &models.Session{Token: "t", UserID: 1, CSRF: "secret"}); err != nil {
		t.Fatal(err)
	}
	if n, err := users.Purge(ctx); err != nil || n != 1 {
		t.Errorf("UserCache.Purge: %d, %v; want 1", n, err)
	}
	if _, err := byEmail.Get(ctx, "ada@example.com"); err != nil {
		t.Errorf("UserByEmailCache after UserCache.Purge: %v", err)
	}
	if n, err := orders.Purge(ctx); err != nil || n != int64(len(all)) {
		t.Errorf("OrderCache.Purge: %d, %v; want %d", n, err, len(all))
	}
	s, err := sessions.Get(ctx, "t")
	if err != nil || s.CSRF != "secret" {
		t.Errorf("session after the other purges: %+v, %v", s, err)
	}
	if _, err := users.Get(ctx, 1); !errors.Is(err, runtime.ErrMiss) {
		t.Errorf("user after Purge: %v, want ErrMiss", err)
	}
}
