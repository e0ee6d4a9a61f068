package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultLocalMaxAge is the lease of a near-cache entry: the longest a value
// can be served locally without Redis having been asked again. It bounds
// staleness in the window before a dropped invalidation connection is noticed.
const DefaultLocalMaxAge = 2 * time.Second

// WithLocal turns on the near cache with room for size decoded values, and
// overrides the annotation's local=. 0 turns it off.
func WithLocal(size int) Option { return func(c *config) { c.local, c.localSet = size, true } }

// WithLocalMaxAge sets the near-cache lease (default DefaultLocalMaxAge).
func WithLocalMaxAge(d time.Duration) Option { return func(c *config) { c.localMaxAge = d } }

// near is the in-process tier of a Store: decoded values kept coherent with
// Redis by server-assisted client-side caching. One dedicated RESP2
// connection enables CLIENT TRACKING in BCAST mode for the store's key
// prefix, redirected to itself, and subscribes to __redis__:invalidate; any
// write, delete or expiry of a matching key by anyone evicts the local copy.
//
// Coherence rules:
//   - entries are served only while the connection is subscribed (armed);
//     any receive error disarms and clears the tier;
//   - go-redis reconnects a PubSub silently under a new client ID, which
//     would orphan a REDIRECT: tracking is therefore (re)enabled in the
//     connection's OnConnect hook, and the tier is cleared again when the new
//     subscription is confirmed;
//   - a value read from Redis is stored only if no invalidation arrived while
//     it was being read (the epoch did not move), so a late reply can never
//     resurrect a value that was just overwritten;
//   - every entry expires after a short lease (WithLocalMaxAge).
type near[T any] struct {
	size   int
	maxAge time.Duration
	clone  func(*T) *T

	mu      sync.RWMutex
	entries map[string]nearEntry[T]

	epoch  atomic.Uint64
	armed  atomic.Bool
	hits   atomic.Uint64
	client *redis.Client
	pubsub *redis.PubSub
	id     atomic.Int64 // client ID of the tracking connection
	done   chan struct{}
	quit   chan struct{}
	closed sync.Once
}

type nearEntry[T any] struct {
	v       *T
	expires int64 // monotonic nanoseconds, see now()
}

var clockBase = time.Now()

// now is a monotonic clock reading; cheaper to compare than time.Time.
func now() int64 { return int64(time.Since(clockBase)) }

// startNear connects the invalidation listener for keys starting with prefix.
func startNear[T any](c redis.UniversalClient, prefix string, size int, maxAge time.Duration, clone func(*T) *T) (*near[T], error) {
	rc, ok := c.(*redis.Client)
	if !ok {
		return nil, fmt.Errorf("local near cache needs a single-node or Sentinel client (*redis.Client), not %T", c)
	}
	if maxAge <= 0 {
		maxAge = DefaultLocalMaxAge
	}
	n := &near[T]{size: size, maxAge: maxAge, clone: clone, entries: make(map[string]nearEntry[T]), done: make(chan struct{}), quit: make(chan struct{})}
	opt := *rc.Options()
	opt.Protocol = 2 // invalidations as Pub/Sub messages on __redis__:invalidate
	opt.PoolSize = 1
	opt.MinIdleConns = 0
	opt.MaxIdleConns = 0
	opt.ClientSideCacheConfig = nil
	opt.ClientSideCache = nil
	userOnConnect := opt.OnConnect
	opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if userOnConnect != nil {
			if err := userOnConnect(ctx, cn); err != nil {
				return err
			}
		}
		// A new connection has a new client ID: what was cached while the
		// old one was gone may be stale.
		n.disarm()
		id, err := cn.ClientID(ctx).Result()
		if err != nil {
			return err
		}
		n.id.Store(id)
		return cn.Do(ctx, "CLIENT", "TRACKING", "on", "REDIRECT", id, "BCAST", "PREFIX", prefix).Err()
	}
	n.client = redis.NewClient(&opt)
	// No channel yet: Subscribe without channels does not dial, so the
	// constructor never contacts Redis; listen subscribes.
	n.pubsub = n.client.Subscribe(context.Background())
	go n.listen()
	return n, nil
}

func (n *near[T]) listen() {
	defer close(n.done)
	ctx := context.Background()
	// An error here (Redis down) still registers the channel: the first
	// Receive reconnects and subscribes.
	_ = n.pubsub.Subscribe(ctx, "__redis__:invalidate")
	for {
		msg, err := n.pubsub.Receive(ctx)
		if err != nil {
			n.disarm()
			if errors.Is(err, redis.ErrClosed) {
				return
			}
			select {
			case <-time.After(50 * time.Millisecond): // let go-redis reconnect
			case <-n.quit:
				return
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				n.clear()
				n.armed.Store(true)
			}
		case *redis.Message:
			n.epoch.Add(1)
			if len(m.PayloadSlice) == 0 {
				n.clear() // FLUSHDB / FLUSHALL: null payload
				continue
			}
			n.mu.Lock()
			for _, k := range m.PayloadSlice {
				delete(n.entries, k)
			}
			n.mu.Unlock()
		}
	}
}

func (n *near[T]) disarm() {
	n.armed.Store(false)
	n.epoch.Add(1)
	n.clear()
}

func (n *near[T]) clear() {
	n.mu.Lock()
	clear(n.entries)
	n.mu.Unlock()
}

// get returns the caller's own copy of a live local entry.
func (n *near[T]) get(key string) (*T, bool) {
	if !n.armed.Load() {
		return nil, false
	}
	n.mu.RLock()
	e, ok := n.entries[key]
	n.mu.RUnlock()
	if !ok || now() > e.expires {
		return nil, false
	}
	n.hits.Add(1)
	return n.clone(e.v), true
}

// begin returns the epoch to pass to put after reading from Redis.
func (n *near[T]) begin() uint64 { return n.epoch.Load() }

// put stores a copy of v unless an invalidation arrived since begin.
func (n *near[T]) put(key string, v *T, epoch uint64) {
	if !n.armed.Load() {
		return
	}
	c := n.clone(v)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.epoch.Load() != epoch {
		return
	}
	if len(n.entries) >= n.size {
		for k := range n.entries { // evict an arbitrary entry: map order is random
			delete(n.entries, k)
			break
		}
	}
	n.entries[key] = nearEntry[T]{v: c, expires: now() + int64(n.maxAge)}
}

// drop removes key after a local write; Redis's own invalidation follows.
func (n *near[T]) drop(key string) {
	n.epoch.Add(1)
	n.mu.Lock()
	delete(n.entries, key)
	n.mu.Unlock()
}

func (n *near[T]) close() error {
	var err error
	n.closed.Do(func() {
		close(n.quit)
		err = n.pubsub.Close()
		_ = n.client.Close()
		<-n.done
	})
	return err
}
