package patterns_test

import (
	"context"
	"fmt"
	"log"

	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/runtime"
)

// Pub/sub through Client(): one process announces a changed key, every
// listening process hears it and drops its in-memory copy.
func ExampleInvalidations() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()
	cache := runtime.NewRedisCache(rdb)
	inv := patterns.NewInvalidations(cache.Client(), "cache:invalidate")

	// Another process (here: a goroutine) listens.
	heard := make(chan string, 1)
	stop, err := inv.Listen(ctx, func(key string) { heard <- key })
	if err != nil {
		log.Fatal(err)
	}
	defer stop()

	n, err := inv.Publish(ctx, "user:42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listeners:", n)
	fmt.Println("changed:", <-heard)
	// Output:
	// listeners: 1
	// changed: user:42
}
