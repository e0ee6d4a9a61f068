package patterns_test

import (
	"context"
	"fmt"
	"log"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/runtime"
)

// Troubleshooting: what Redis holds for a cache. Start from the key the
// cache computes (Key includes the prefix and the schema version), then ask
// Redis about it; list a cache's keys with SCAN, never KEYS.
func ExampleInspect() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()
	users, err := models.NewUserCache(rdb, runtime.WithPrefix("app:"))
	if err != nil {
		log.Fatal(err)
	}
	for id := int64(1); id <= 3; id++ {
		if err := users.Set(ctx, &models.User{ID: id, Name: "user"}); err != nil {
			log.Fatal(err)
		}
	}

	info, err := patterns.Inspect(ctx, rdb, users.Key(1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("type:", info.Type)
	fmt.Println("ttl left:", info.TTL) // miniredis' clock stands still; a real server counts down
	fmt.Println("stored bytes > 0:", info.Size > 0)

	keys, err := patterns.Keys(ctx, rdb, "app:user:*", 100)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("keys:", len(keys))

	missing, err := patterns.Inspect(ctx, rdb, users.Key(404))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("user 404:", missing.Type)
	// Output:
	// type: string
	// ttl left: 1h0m0s
	// stored bytes > 0: true
	// keys: 3
	// user 404: none
}
