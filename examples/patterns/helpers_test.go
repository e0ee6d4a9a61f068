package patterns_test

import (
	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// newRedis starts an embedded Redis (miniredis) and returns it with a
// client. Against a real server the examples' code is the same; only the
// address differs.
func newRedis() (*miniredis.Miniredis, *redis.Client) {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	return mr, redis.NewClient(&redis.Options{
		Addr:          mr.Addr(),
		MaxRetries:    -1, // fail at once when the examples take Redis away
		DialerRetries: 1,
	})
}

func newUUID(t interface{ Fatal(...any) }) uuid.UUID {
	id, err := uuid.NewRandom()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
