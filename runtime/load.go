package runtime

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// GetOrLoad is cache-aside: it returns the cached value, or calls load,
// stores its result and returns it. Per key and process, one load runs at a
// time (singleflight); the load runs on a context that a caller's
// cancellation does not cancel, so one impatient caller cannot fail the
// others. Inside the flight the cache is checked again; every caller gets
// its own copy. A cached value that no longer decodes (a foreign writer, a
// struct changed under schema=off) is loaded again, and the fresh value
// replaces exactly the bytes that failed: if anyone wrote the key meanwhile,
// their value stays. A loader error is returned and not cached, except
// ErrNotFound with WithNegativeTTL. If storing the loaded value fails, the
// value is still returned and the failure counts in Stats.Errors. With
// WithLock, a Redis lock makes one load run across processes.
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
	data, err := s.flight.do(ctx, key, func(waiting context.Context) ([]byte, error) {
		return s.loadOnce(waiting, key, load)
	})
	if err != nil {
		return nil, err
	}
	v = new(T)
	if err := s.b.unmarshal(data, v); err != nil {
		return nil, decodeErr(key, err)
	}
	return v, nil
}

// seen is what a load found under its key before it began: nothing, or
// stored bytes that do not decode. The write-back stores only if the key
// still holds exactly that.
type seen struct {
	present bool
	raw     string
}

// loadOnce runs inside the flight and returns the value's codec bytes, from
// which each caller decodes its own copy. waiting is cancelled when every
// caller has gone: it bounds only the waiting for another process's lock.
func (s *Store[T]) loadOnce(waiting context.Context, key string, load func(context.Context) (*T, error)) ([]byte, error) {
	ctx := context.WithoutCancel(waiting)
	data, was, err := s.peek(ctx, key)
	if err != nil || data != nil {
		return data, err
	}
	if s.lock > 0 {
		release, data, w, err := s.acquire(waiting, key)
		if err != nil || data != nil {
			return data, err
		}
		was = w
		defer release()
	}
	v, err := load(ctx)
	if errors.Is(err, ErrNotFound) && s.negTTL > 0 {
		neg, serr := s.negativeValue(key)
		if serr == nil {
			serr = s.writeBack(ctx, key, was, neg, s.negTTL)
		}
		if serr != nil {
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
	data, err = s.b.codec.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cachegen: encode with %s: %w", s.b.codec.Name(), err)
	}
	if err := s.store(ctx, key, was, data); err != nil {
		s.b.stats.errors.Add(1)
	}
	return data, nil
}

// peek re-reads the key without moving the counters (the caller's Get has
// already counted what it found). It returns the plaintext of a value that
// decodes, ErrNotFound for a cached negative answer, and otherwise nil data
// with what the key held, which a load is to replace.
func (s *Store[T]) peek(ctx context.Context, key string) ([]byte, seen, error) {
	str, err := s.b.client.Get(ctx, key).Result()
	if err == redis.Nil {
		return nil, seen{}, nil
	}
	if err != nil {
		// Redis trouble the caller's Get already reported: load. The
		// write-back assumes the key absent, so it stores nothing over a
		// value it has not seen.
		return nil, seen{}, nil
	}
	was := seen{present: true, raw: str}
	b, err := s.b.unseal(key, str)
	if err == nil && s.isNegative(key, b) {
		return nil, was, ErrNotFound
	}
	// Anything else that does not decode (another key's not-found moved
	// here included) is replaced by a load.
	if err != nil || isNull(s.b.codec.Name(), b) || s.b.unmarshal(b, new(T)) != nil {
		return nil, was, nil
	}
	out := make([]byte, len(b))
	copy(out, b)
	return out, was, nil
}

// store seals data and writes it back over what the load saw.
func (s *Store[T]) store(ctx context.Context, key string, was seen, data []byte) error {
	if s.b.cipher != nil {
		var err error
		if data, err = s.b.cipher.Encrypt(data); err != nil {
			return err
		}
	}
	if len(data) > s.b.maxSize {
		return fmt.Errorf("cachegen: value of %d bytes exceeds the maximum of %d", len(data), s.b.maxSize)
	}
	return s.writeBack(ctx, key, was, data, s.ttlFor(s.ttl))
}

// writeBack stores data under key only if the key still holds what the load
// saw when it began (absent, or the exact bytes that failed to decode).
// A value someone else wrote meanwhile is newer than the load's and stays.
func (s *Store[T]) writeBack(ctx context.Context, key string, was seen, data []byte, ttl time.Duration) error {
	present := "0"
	if was.present {
		present = "1"
	}
	return writeBackScript.Run(ctx, s.b.client, []string{key},
		present, was.raw, data, strconv.FormatInt(ttl.Milliseconds(), 10)).Err()
}

var writeBackScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if (ARGV[1] == '0' and cur == false) or (ARGV[1] == '1' and cur == ARGV[2]) then
  if ARGV[4] == '0' then
    redis.call('SET', KEYS[1], ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  end
  return 1
end
return 0`)

// acquire takes the cross-process load lock for key (SET NX PX with a
// random token). While another process holds it, acquire polls the cache:
// when the holder's value appears it is returned as data and no load is
// needed. If the lock is not released within its TTL, the caller loads
// anyway: a crashed holder must not block the fleet. The polling ends when
// waiting is cancelled (every caller has gone).
func (s *Store[T]) acquire(waiting context.Context, key string) (release func(), data []byte, was seen, err error) {
	ctx := context.WithoutCancel(waiting)
	lockKey := key + ":lock"
	token := hex.EncodeToString(randomBytes(16))
	deadline := time.Now().Add(s.lock)
	wait := 5 * time.Millisecond
	for {
		ok, err := s.b.client.SetNX(ctx, lockKey, token, s.lock).Result()
		if err != nil {
			return func() {}, nil, seen{}, nil // no lock service: load locally
		}
		if ok {
			release := func() { _ = unlockScript.Run(ctx, s.b.client, []string{lockKey}, token).Err() }
			// The previous holder may have stored the value and released
			// between our last look and this acquisition.
			d, w, err := s.peek(ctx, key)
			if err != nil || d != nil {
				release()
				return nil, d, w, err
			}
			return release, nil, w, nil
		}
		if d, w, err := s.peek(ctx, key); err != nil || d != nil {
			return nil, d, w, err
		}
		if time.Now().After(deadline) {
			_, w, _ := s.peek(ctx, key)
			return func() {}, nil, w, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-waiting.Done():
			t.Stop()
			return nil, nil, seen{}, waiting.Err()
		case <-t.C:
		}
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
