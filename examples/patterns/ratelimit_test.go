package patterns_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/runtime"
)

// A fixed-window rate limiter: 3 requests a minute per caller, counted in
// Redis through a cache's Client(), so every process shares the count.
func ExampleRateLimiter() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()
	cache := runtime.NewRedisCache(rdb)

	limiter := patterns.NewRateLimiter(cache.Client(), "ratelimit:", 3, time.Minute)
	for i := 1; i <= 5; i++ {
		ok, remaining, err := limiter.Allow(ctx, "alice")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("request %d: allowed=%v remaining=%d\n", i, ok, remaining)
	}
	ok, _, _ := limiter.Allow(ctx, "bob")
	fmt.Println("bob has his own window:", ok)

	mr.FastForward(time.Minute) // miniredis' clock; a real server just lets the minute pass
	ok, _, _ = limiter.Allow(ctx, "alice")
	fmt.Println("alice, next window:", ok)
	// Output:
	// request 1: allowed=true remaining=2
	// request 2: allowed=true remaining=1
	// request 3: allowed=true remaining=0
	// request 4: allowed=false remaining=0
	// request 5: allowed=false remaining=0
	// bob has his own window: true
	// alice, next window: true
}
