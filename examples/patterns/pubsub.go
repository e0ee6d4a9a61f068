package patterns

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Invalidations tells every process which cached keys changed, over Redis
// pub/sub, through a cache's Client(). A process that keeps values in
// memory (its own map, or anything derived from cached data) listens and
// drops what changed. (cachegen's own near cache, runtime.WithLocal, does
// not need this: Redis' client-side caching keeps it coherent.)
type Invalidations struct {
	rdb     redis.UniversalClient
	channel string
}

// NewInvalidations publishes and listens on channel.
func NewInvalidations(rdb redis.UniversalClient, channel string) *Invalidations {
	return &Invalidations{rdb: rdb, channel: channel}
}

// Publish announces that key changed and returns how many listeners got
// the message. Pub/sub is fire-and-forget: a process that is not listening
// at that moment never hears of it, so keep TTLs as the backstop.
func (i *Invalidations) Publish(ctx context.Context, key string) (int64, error) {
	return i.rdb.Publish(ctx, i.channel, key).Result()
}

// Listen calls onChange with every key announced from now on, on one
// goroutine, until stop is called. It returns once the subscription is
// active, so a Publish after Listen returns is always heard.
func (i *Invalidations) Listen(ctx context.Context, onChange func(key string)) (stop func() error, err error) {
	sub := i.rdb.Subscribe(ctx, i.channel)
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		_ = sub.Close()
		return nil, fmt.Errorf("subscribe %s: %w", i.channel, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range sub.Channel() {
			onChange(msg.Payload)
		}
	}()
	return func() error {
		err := sub.Close()
		<-done
		return err
	}, nil
}
