package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// WithRefresh turns on refresh-ahead for GetOrLoad, overriding the
// annotation's refresh=: a value whose remaining TTL is at most the cache's
// default TTL minus d is returned at once and reloaded in the background,
// so hot keys never miss and callers never wait for the source. One reload
// runs per key across the fleet and at most one per key per d, whatever
// TTL the value carries. Get never reloads. d must be a positive whole
// number of milliseconds under the default TTL; 0 turns refresh off.
func WithRefresh(d time.Duration) Option {
	return func(c *config) { c.refresh, c.refreshSet = d, true }
}

// checkRefresh validates refresh against the cache's default TTL.
func checkRefresh(refresh, ttl time.Duration) error {
	if refresh == 0 {
		return nil
	}
	if err := checkTTL(refresh); err != nil || refresh < 0 {
		return fmt.Errorf("refresh %v: must be a positive whole number of milliseconds", refresh)
	}
	if ttl == 0 || ttl <= refresh {
		return fmt.Errorf("refresh %v needs a default TTL above it (ttl %v)", refresh, ttl)
	}
	return nil
}

// reloads are a refresh cache's background reloads: at most one per key in
// this process, all stopped and awaited by Close.
type reloads struct {
	mu      sync.Mutex
	running map[string]bool
	closed  bool
	wg      sync.WaitGroup
	life    context.Context
	stop    context.CancelFunc
}

func newReloads() *reloads {
	r := &reloads{running: make(map[string]bool)}
	r.life, r.stop = context.WithCancel(context.Background())
	return r
}

// start runs fn for key in the background unless one runs already or the
// cache is closed.
func (r *reloads) start(key string, fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.running[key] {
		return
	}
	r.running[key] = true
	r.wg.Add(1)
	go func() {
		defer func() {
			r.mu.Lock()
			delete(r.running, key)
			r.mu.Unlock()
			r.wg.Done()
		}()
		fn()
	}()
}

// close cancels the running reloads' contexts and waits for them.
func (r *reloads) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stop()
	r.wg.Wait()
}

// getWithTTL is get for a refresh cache: the value, its stored bytes and
// its remaining TTL, read in one round trip (GET and PTTL pipelined; one
// key, so one node). A near-cache hit has no bytes and is not refreshed.
func (s *Store[T]) getWithTTL(ctx context.Context, key string) (*T, string, time.Duration, error) {
	if err := s.b.check(key); err != nil {
		return nil, "", 0, err
	}
	var epoch uint64
	if s.local != nil {
		if v, ok := s.local.get(key); ok {
			return v, "", 0, nil
		}
		epoch = s.local.begin()
	}
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := s.b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		pttl = p.PTTL(ctx, key)
		return nil
	})
	str, gerr := get.Result()
	switch {
	case gerr == redis.Nil:
		s.b.stats.misses.Add(1)
		return nil, "", 0, ErrMiss
	case gerr != nil:
		return nil, "", 0, s.b.readErr(ctx, gerr)
	case err != nil:
		return nil, "", 0, s.b.readErr(ctx, err)
	}
	data, err := s.b.open(key, str)
	if err != nil {
		return nil, "", 0, err
	}
	v, err := s.decode(key, data)
	if err != nil {
		return v, "", 0, err
	}
	if s.local != nil {
		s.local.put(key, v, epoch)
	}
	left := pttl.Val()
	if left < 0 {
		left = NoExpiry
	}
	return v, str, left, nil
}

// startRefresh reloads key in the background (the caller already has its
// value): one reload per key per process (reloads), one across the fleet
// and per refresh interval (the fence, taken only when free: a running load
// or a "refreshed" marker means no reload). from is the value the reload
// replaces: a Set or Remove meanwhile wins.
func (s *Store[T]) startRefresh(ctx context.Context, key, from string, load func(context.Context) (*T, error)) {
	vals := context.WithoutCancel(ctx)
	s.reloads.start(key, func() {
		rctx, cancel := context.WithCancel(vals)
		defer context.AfterFunc(s.reloads.life, cancel)()
		defer cancel()
		if err := s.reload(rctx, key, from, load); err != nil {
			s.b.stats.errors.Add(1)
			if s.b.observer != nil {
				s.b.observer.Observe(vals, Event{Cache: s.b.name, Op: "refresh", Errors: 1, Err: err})
			}
		}
	})
}

func (s *Store[T]) reload(ctx context.Context, key, from string, load func(context.Context) (*T, error)) error {
	lease := defaultLease
	if s.lock > 0 {
		lease = s.lock
	}
	f := fence{name: fenceKey(key), token: tokenLoad + hex.EncodeToString(randomBytes(12)), own: true}
	ok, err := s.b.client.SetNX(ctx, f.name, f.token, lease).Result()
	if err != nil {
		return fmt.Errorf("cachegen: refresh of %q: fence: %w", key, err)
	}
	if !ok {
		return nil // reloading elsewhere, or refreshed within the interval
	}
	was := seen{present: true, raw: from}
	lctx, o := withOverride(ctx)
	v, err := load(lctx)
	if err == nil {
		err = o.failure()
	}
	wctx := context.WithoutCancel(ctx) // Close cancels the loader, not the cleanup
	switch {
	case errors.Is(err, ErrNotFound) && s.negTTL > 0:
		neg, err := s.negativeValue(key)
		if err != nil {
			s.release(wctx, f)
			return fmt.Errorf("cachegen: refresh of %q: %w", key, err)
		}
		s.writeBack(wctx, key, f, was, neg, o.ttlOr(s.negTTL))
		return nil
	case err == nil && v == nil:
		err = errors.New("loader returned a nil value without an error")
	}
	if err == nil {
		var data []byte
		if data, err = s.b.seal(v); err == nil {
			s.writeBack(wctx, key, f, was, data, o.ttlOr(s.ttlFor(s.ttl)))
			return nil
		}
	}
	// A failed reload keeps the value and the marker: the next try comes
	// one refresh interval later, not on the next read.
	s.release(wctx, f)
	if errors.Is(err, ErrNotFound) {
		return nil // gone at the source: the value expires with its TTL
	}
	return fmt.Errorf("cachegen: refresh of %q: %w", key, err)
}
