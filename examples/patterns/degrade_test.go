package patterns_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/runtime"
)

// Graceful degradation for typed caches: with runtime.WithFailOpen a Redis
// outage turns reads into misses (counted in Stats().Errors and logged at
// most once per burst) instead of errors, so GetOrLoad serves from the
// database while Redis is down.
func Example_failOpen() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	byID, err := models.NewUserCache(rdb, runtime.WithFailOpen(logger))
	if err != nil {
		log.Fatal(err)
	}
	users := &patterns.Users{DB: patterns.NewUserDB(models.User{ID: 1, Name: "Ada"}), ByID: byID}

	mr.Close() // Redis goes down
	u, err := users.Get(ctx, 1)
	fmt.Println(u.Name, err)
	fmt.Println("Redis errors counted:", byID.Stats().Errors > 0)
	// Output:
	// Ada <nil>
	// Redis errors counted: true
}

// Graceful degradation for the runtime API: code written against the
// runtime.Cache interface runs on a runtime.NullCache (rick's CacheNull)
// when Redis cannot be reached at startup — every Get misses, every Set is
// dropped, nothing fails.
func ExampleOpenOrNull() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	cache := patterns.OpenOrNull(ctx, "redis://127.0.0.1:1/0?max_retries=-1", logger) // nothing listens on port 1
	fmt.Printf("%T\n", cache)

	greeting := func(name string) (string, error) {
		var s string
		err := cache.Get(ctx, "greeting:"+name, &s)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, runtime.ErrMiss) {
			return "", err
		}
		s = "hello, " + name // the expensive part
		return s, cache.Set(ctx, "greeting:"+name, s, time.Hour)
	}
	for range 2 {
		fmt.Println(greeting("ada"))
	}
	fmt.Printf("hits %d, misses %d\n", cache.Stats().Hits, cache.Stats().Misses)
	// Output:
	// *runtime.NullCache
	// hello, ada <nil>
	// hello, ada <nil>
	// hits 0, misses 2
}
