package patterns_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/examples/patterns"
	"github.com/cachegen/cachegen/runtime"
)

// newUsers is a repository over an empty database, cached by ID and by
// email.
func newUsers(ctx context.Context, rdb redis.UniversalClient) *patterns.Users {
	byID, err := models.NewUserCache(rdb)
	if err != nil {
		log.Fatal(err)
	}
	byEmail, err := models.NewUserByEmailCache(rdb)
	if err != nil {
		log.Fatal(err)
	}
	return &patterns.Users{DB: patterns.NewUserDB(), ByID: byID, ByEmail: byEmail}
}

// Write-through: Create writes the database and then both caches, so the
// first reads already hit, by ID and by email.
func ExampleUsers_Create() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()
	users := newUsers(ctx, rdb)

	err := users.Create(ctx, &models.User{ID: 7, Email: "grace@example.com", Name: "Grace"})
	if err != nil {
		log.Fatal(err)
	}
	u, err := users.Get(ctx, 7)
	if err != nil {
		log.Fatal(err)
	}
	byMail, err := users.ByEmail.Get(ctx, "grace@example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name, byMail.Name)
	fmt.Println("database loads:", users.DB.Loads())
	// Output:
	// Grace Grace
	// database loads: 0
}

// Invalidation on update: after ChangeEmail the old email no longer finds
// the user, and the next Get loads the new state from the database.
func ExampleUsers_ChangeEmail() {
	ctx := context.Background()
	mr, rdb := newRedis()
	defer mr.Close()
	users := newUsers(ctx, rdb)
	if err := users.Create(ctx, &models.User{ID: 1, Email: "ada@old.example", Name: "Ada"}); err != nil {
		log.Fatal(err)
	}

	if err := users.ChangeEmail(ctx, 1, "ada@new.example"); err != nil {
		log.Fatal(err)
	}
	_, err := users.ByEmail.Get(ctx, "ada@old.example")
	fmt.Println("old email cached:", !errors.Is(err, runtime.ErrMiss))
	u, err := users.Get(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Email, "- database loads:", users.DB.Loads())
	// Output:
	// old email cached: false
	// ada@new.example - database loads: 1
}
