package models

import "github.com/redis/go-redis/v9"

// Open uses the generated constructor from the package itself.
func Open(c redis.UniversalClient) (*UserCache, error) {
	return NewUserCache(c)
}
