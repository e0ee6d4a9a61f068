package runtime

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// GetOrLoad is cache-aside: it returns the cached value, or calls load,
// stores its result and returns it. Per key and process, one load runs at a
// time (singleflight); the load runs on a context that a caller's
// cancellation does not cancel, so one impatient caller cannot fail the
// others. Inside the flight the cache is checked again; every caller gets
// its own copy. A loader error is returned and not cached, except ErrNotFound
// with WithNegativeTTL. If storing the loaded value fails, the value is still
// returned and the failure counts in Stats.Errors. With WithLock, a Redis lock
// makes one load run across processes.
func (s *Store[T]) GetOrLoad(ctx context.Context, key string, load func(context.Context) (*T, error)) (v *T, err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.b.observe(ctx, "get_or_load", start, err) }(time.Now())
	}
	v, err = s.get(ctx, key)
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrClosed):
		return v, err
	case errors.Is(err, ErrMiss), errors.Is(err, ErrDecode):
		// A value that no longer decodes is replaced by a fresh load.
	default:
		return nil, err
	}
	ch := s.flight.DoChan(key, func() (any, error) {
		return s.loadOnce(context.WithoutCancel(ctx), key, load)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		v := new(T)
		if err := s.b.codec.Unmarshal(r.Val.([]byte), v); err != nil {
			return nil, decodeErr(key, err)
		}
		return v, nil
	}
}

// loadOnce runs inside the flight and returns the value's codec bytes, from
// which each caller decodes its own copy.
func (s *Store[T]) loadOnce(ctx context.Context, key string, load func(context.Context) (*T, error)) ([]byte, error) {
	if data, err := s.peek(ctx, key); err != nil || data != nil {
		return data, err
	}
	if s.lock > 0 {
		release, data, err := s.acquire(ctx, key)
		if err != nil || data != nil {
			return data, err
		}
		defer release()
	}
	v, err := load(ctx)
	if errors.Is(err, ErrNotFound) && s.negTTL > 0 {
		if serr := s.b.setRaw(ctx, key, []byte(negativeMarker), s.negTTL); serr != nil {
			s.b.stats.errors.Add(1)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("cachegen: %s: loader returned a nil value without an error (return runtime.ErrNotFound for absent values)", s.spec.Name)
	}
	data, err := s.b.codec.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cachegen: encode with %s: %w", s.b.codec.Name(), err)
	}
	if err := s.store(ctx, key, data); err != nil {
		s.b.stats.errors.Add(1)
	}
	return data, nil
}

// peek re-reads the key without moving the counters (the caller's Get has
// already counted). It returns nil, nil on a miss.
func (s *Store[T]) peek(ctx context.Context, key string) ([]byte, error) {
	str, err := s.b.client.Get(ctx, key).Result()
	if err != nil {
		// A miss, or Redis trouble the caller's Get already reported: load.
		return nil, nil
	}
	if str == negativeMarker {
		return nil, ErrNotFound
	}
	b, err := s.b.open(key, str)
	if err != nil {
		return nil, nil
	}
	if isNull(s.b.codec.Name(), b) {
		return nil, nil
	}
	out := make([]byte, len(b))
	copy(out, b)
	return out, nil
}

func (s *Store[T]) store(ctx context.Context, key string, data []byte) error {
	if s.b.cipher != nil {
		var err error
		if data, err = s.b.cipher.Encrypt(data); err != nil {
			return err
		}
	}
	if len(data) > s.b.maxSize {
		return fmt.Errorf("cachegen: value of %d bytes exceeds the maximum of %d", len(data), s.b.maxSize)
	}
	return s.b.client.Set(ctx, key, data, s.ttlFor(s.ttl)).Err()
}

// acquire takes the cross-process load lock for key (SET NX PX with a
// random token). While another process holds it, acquire polls the cache:
// when the holder's value appears it is returned as data and no load is
// needed. If the lock is not released within its TTL, the caller loads
// anyway: a crashed holder must not block the fleet.
func (s *Store[T]) acquire(ctx context.Context, key string) (release func(), data []byte, err error) {
	lockKey := key + ":lock"
	token := hex.EncodeToString(randomBytes(16))
	deadline := time.Now().Add(s.lock)
	wait := 5 * time.Millisecond
	for {
		ok, err := s.b.client.SetNX(ctx, lockKey, token, s.lock).Result()
		if err != nil {
			return func() {}, nil, nil // no lock service: load locally
		}
		if ok {
			release := func() { _ = unlockScript.Run(ctx, s.b.client, []string{lockKey}, token).Err() }
			// The previous holder may have stored the value and released
			// between our last look and this acquisition.
			if d, err := s.peek(ctx, key); err != nil || d != nil {
				release()
				return nil, d, err
			}
			return release, nil, nil
		}
		if d, err := s.peek(ctx, key); err != nil || d != nil {
			return nil, d, err
		}
		if time.Now().After(deadline) {
			return func() {}, nil, nil
		}
		time.Sleep(wait)
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}

// unlockScript deletes the lock only if it still holds our token, so a slow
// holder whose lock expired cannot release someone else's.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
