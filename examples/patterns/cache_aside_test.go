package patterns_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/runtime"
)

// Cache-aside: Get loads from the database only on a miss. A user that does
// not exist is remembered too (runtime.WithNegativeTTL), so a flood of
// requests for it does not reach the database either.
func ExampleUsers_Get() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()

	byID, err := models.NewUserCache(rdb, runtime.WithNegativeTTL(time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	users := &patterns.Users{
		DB:   patterns.NewUserDB(models.User{ID: 1, Name: "Ada"}),
		ByID: byID,
	}

	for range 3 {
		u, err := users.Get(ctx, 1)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.Name)
	}
	fmt.Println("database loads:", users.DB.Loads())

	for range 3 {
		_, err := users.Get(ctx, 2)
		fmt.Println("user 2:", errors.Is(err, runtime.ErrNotFound))
	}
	fmt.Println("database loads:", users.DB.Loads())
	// Output:
	// Ada
	// Ada
	// Ada
	// database loads: 1
	// user 2: true
	// user 2: true
	// user 2: true
	// database loads: 2
}
