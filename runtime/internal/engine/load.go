package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultLease is how long a load's fence lives without WithLock: a load
// that takes longer still returns its value but no longer stores it. A
// fence left by a crashed process delays nobody (other loads adopt it) and
// expires on its own.
const defaultLease = 30 * time.Second

// GetOrLoad is cache-aside: it returns the cached value, or calls load,
// stores its result and returns it. Per key and process, one load runs at a
// time (singleflight); the load runs on a context that a caller's
// cancellation does not cancel, so one impatient caller cannot fail the
// others. Inside the flight the cache is checked again; every caller gets
// its own copy. A cached value that no longer decodes (a foreign writer, a
// struct changed under schema=off) is loaded again, and the fresh value
// replaces exactly the bytes that failed.
//
// The write-back is fenced: if the key is Set, Removed or purged (by any
// cachegen process) after the miss and before the value is stored, the
// loaded value is returned but not stored, so a load that read the source
// before an invalidation cannot put its stale value back. A loader error is
// returned and not cached, except ErrNotFound with WithNegativeTTL. The
// loader may choose the stored TTL with OverrideTTL. If storing fails, the
// value is still returned and the failure counts in Stats.Errors. With
// WithLock, one load runs across processes. With WithRefresh, a value past
// its refresh age is returned at once and reloaded in the background.
func (s *Store[T]) GetOrLoad(ctx context.Context, key string, load func(context.Context) (*T, error)) (v *T, err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.b.observe(ctx, "get_or_load", start, err) }(time.Now())
	}
	if s.refresh > 0 {
		var raw string
		var left time.Duration
		v, raw, left, err = s.getWithTTL(ctx, key)
		if err == nil && raw != "" && left >= 0 && left <= s.ttl-s.refresh {
			s.startRefresh(ctx, key, raw, load)
		}
	} else {
		v, err = s.get(ctx, key)
	}
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
// stored bytes that do not decode (or, for a refresh, the value it
// refreshes). The write-back stores only if the key still holds exactly that.
type seen struct {
	present bool
	raw     string
}

// fence is a load's hold on its key's fence: the token the write-back must
// still find there. own is false for a token adopted from another process's
// load (without WithLock), whose fence the adopter must leave in place. A
// zero fence (token "") means the fence could not be taken: nothing is stored.
type fence struct {
	name  string
	token string
	own   bool
}

// loadOnce runs inside the flight and returns the value's codec bytes, from
// which each caller decodes its own copy. waiting is cancelled when every
// caller has gone: it bounds only the waiting for another process's load.
func (s *Store[T]) loadOnce(waiting context.Context, key string, load func(context.Context) (*T, error)) ([]byte, error) {
	ctx := context.WithoutCancel(waiting)
	data, was, f, err := s.acquire(waiting, key)
	if err != nil || data != nil {
		return data, err
	}
	lctx, o := withOverride(ctx)
	v, err := load(lctx)
	if err == nil {
		err = o.failure()
	}
	if errors.Is(err, ErrNotFound) && s.negTTL > 0 {
		if neg, serr := s.negativeValue(key); serr == nil {
			s.writeBack(ctx, key, f, was, neg, o.ttlOr(s.negTTL))
		} else {
			s.b.stats.errors.Add(1)
			s.release(ctx, f)
		}
		return nil, err
	}
	if err != nil {
		s.release(ctx, f)
		return nil, err
	}
	if v == nil {
		s.release(ctx, f)
		return nil, fmt.Errorf("cachegen: %s: loader returned a nil value without an error (return runtime.ErrNotFound for absent values)", s.spec.Name)
	}
	data, err = s.b.codec.Marshal(v)
	if err != nil {
		s.release(ctx, f)
		return nil, fmt.Errorf("cachegen: encode with %s: %w", s.b.codec.Name(), err)
	}
	s.store(ctx, key, f, was, data, o.ttlOr(s.ttlFor(s.ttl)))
	return data, nil
}

// acquire is the load's first look inside the flight, taken with its fence
// in one script: it returns the plaintext of a value that decodes (someone
// stored it meanwhile), ErrNotFound for a cached negative answer, or else
// what the key held and the fence the write-back must find. With WithLock,
// while another process's load holds the fence, it polls until that value
// appears, the fence is free, the lock TTL has passed (a crashed holder must
// not block the fleet: adopt its fence and load), or nobody waits any more.
func (s *Store[T]) acquire(waiting context.Context, key string) (data []byte, was seen, f fence, err error) {
	ctx := context.WithoutCancel(waiting)
	f = fence{name: fenceKey(key), token: tokenLoad + hex.EncodeToString(randomBytes(12))}
	lease, takeMarkers := defaultLease, "0"
	if s.lock > 0 {
		lease, takeMarkers = s.lock, "1"
	}
	deadline := time.Now().Add(lease)
	wait := 5 * time.Millisecond
	for {
		r, err := acquireScript.Run(ctx, s.b.client, []string{key, f.name},
			f.token, millis(lease), takeMarkers).Slice()
		if err != nil || len(r) != 3 {
			// No fence (NOPERM, a timeout): load, return, store nothing.
			s.fenceErr(ctx, key, err)
			return nil, seen{}, fence{}, nil
		}
		held, _ := r[1].(string)
		taken, _ := r[2].(int64)
		f.own = taken == 1
		if str, ok := r[0].(string); ok {
			was = seen{present: true, raw: str}
			if s.storedNegative(key, str) {
				s.release(ctx, f) // if taken
				return nil, was, fence{}, ErrNotFound
			}
			if d := s.decodable(key, str); d != nil {
				s.release(ctx, f) // if taken
				return d, was, fence{}, nil
			}
		} else {
			was = seen{}
		}
		if f.own {
			return nil, was, f, nil
		}
		if s.lock == 0 || time.Now().After(deadline) {
			return nil, was, fence{name: f.name, token: held}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-waiting.Done():
			t.Stop()
			return nil, seen{}, fence{}, waiting.Err()
		case <-t.C:
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}

// acquireScript reads the value and takes the fence if it is free (or, for
// WithLock, holds only a refresh marker). It returns the value (or nil), the
// fence's token and whether this call took it.
var acquireScript = redis.NewScript(acquireSrc)

const acquireSrc = `
local v = redis.call('GET', KEYS[1])
local f = redis.call('GET', KEYS[2])
if (not f) or (ARGV[3] == '1' and string.sub(f, 1, 1) == 'r') then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return {v, ARGV[1], 1}
end
return {v, f, 0}`

// storedNegative reports whether the stored bytes str are key's cached
// not-found.
func (s *Store[T]) storedNegative(key, str string) bool {
	b, err := s.b.unseal(key, str)
	return err == nil && s.isNegative(key, b)
}

// decodable returns the plaintext of stored bytes that decode, or nil. It
// counts nothing: the caller's Get already counted what it found.
func (s *Store[T]) decodable(key, str string) []byte {
	b, err := s.b.unseal(key, str)
	if err != nil || isNull(s.b.codec.Name(), b) || s.b.unmarshal(b, new(T)) != nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// store seals data and writes it back over what the load saw.
func (s *Store[T]) store(ctx context.Context, key string, f fence, was seen, data []byte, ttl time.Duration) {
	if s.b.cipher != nil {
		var err error
		if data, err = s.b.cipher.Encrypt(data); err != nil {
			s.b.stats.errors.Add(1)
			s.release(ctx, f)
			return
		}
	}
	if len(data) > s.b.maxSize {
		s.b.stats.errors.Add(1)
		s.release(ctx, f)
		return
	}
	s.writeBack(ctx, key, f, was, data, ttl)
}

// writeBack stores data under key only if the fence still holds the load's
// token (no Remove or purge came between) and the key still holds what the
// load saw when it began (no Set came between), then ends the load's hold
// on its own fence: deleted, or in a refresh cache kept as the marker for
// one refresh interval. It reports whether the value was stored.
func (s *Store[T]) writeBack(ctx context.Context, key string, f fence, was seen, data []byte, ttl time.Duration) bool {
	if f.token == "" {
		return false
	}
	c := writeBackCall(key, f, was, data, ttl, s.refresh)
	n, err := writeBackScript.Run(ctx, s.b.client, c.keys, c.args...).Int64()
	if err != nil {
		s.fenceErr(ctx, key, err)
		return false
	}
	return n == 1
}

// writeBackCall is one write-back's keys and arguments (see writeBackSrc).
func writeBackCall(key string, f fence, was seen, data []byte, ttl, refresh time.Duration) scriptCall {
	present, own := "0", "0"
	if was.present {
		present = "1"
	}
	if f.own {
		own = "1"
	}
	return scriptCall{keys: []string{key, f.name},
		args: []any{f.token, present, was.raw, data, millis(ttl), own, millis(refresh)}}
}

var writeBackScript = redis.NewScript(writeBackSrc)

const writeBackSrc = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local cur = redis.call('GET', KEYS[1])
local stored = 0
if (ARGV[2] == '0' and cur == false) or (ARGV[2] == '1' and cur == ARGV[3]) then
  if ARGV[5] == '0' then
    redis.call('SET', KEYS[1], ARGV[4])
  else
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  end
  stored = 1
end
if ARGV[6] == '1' then
  if ARGV[7] ~= '0' then
    redis.call('SET', KEYS[2], 'r' .. ARGV[1], 'PX', ARGV[7])
  else
    redis.call('DEL', KEYS[2])
  end
end
return stored`

// release ends a load's hold on its own fence without storing (the loader
// failed): deleted, or kept as a refresh cache's marker.
func (s *Store[T]) release(ctx context.Context, f fence) {
	if !f.own {
		return
	}
	if err := releaseScript.Run(ctx, s.b.client, []string{f.name}, f.token,
		millis(s.refresh)).Err(); err != nil {
		s.fenceErr(ctx, f.name, err)
	}
}

// releaseScript deletes the fence only if it still holds our token, so a
// slow load whose fence expired cannot release someone else's.
var releaseScript = redis.NewScript(releaseSrc)

const releaseSrc = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] ~= '0' then
  return redis.call('SET', KEYS[1], 'r' .. ARGV[1], 'PX', ARGV[2])
end
return redis.call('DEL', KEYS[1])`

// fenceErr accounts for a failed fence operation: counted in Errors and
// reported to the Observer as a "fence" event; the load's value is still
// returned, and not stored.
func (s *Store[T]) fenceErr(ctx context.Context, key string, err error) {
	if err == nil {
		err = errors.New("unexpected reply")
	}
	err = fmt.Errorf("cachegen: fence of %q: %w", key, err)
	s.b.stats.errors.Add(1)
	if s.b.observer != nil {
		s.b.observer.Observe(ctx, Event{Cache: s.b.name, Op: "fence", Errors: 1, Err: err})
	}
}

// OverrideTTL, called inside a loader given to GetOrLoad or GetManyOrLoad,
// stores what that load returns with ttl instead of the cache's default
// (NoExpiry or 0 for none); jitter does not apply to it. An invalid ttl
// (negative, or not a whole number of milliseconds) fails the load as if
// the loader had returned the error. Outside a loader it does nothing.
func OverrideTTL(ctx context.Context, ttl time.Duration) {
	o, _ := ctx.Value(overrideKey{}).(*override)
	if o == nil {
		return
	}
	if ttl == NoExpiry {
		ttl = 0
	}
	err := checkTTL(ttl)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.err = fmt.Errorf("cachegen: OverrideTTL: %w", err)
		return
	}
	o.ttl, o.set = ttl, true
}

type overrideKey struct{}

type override struct {
	mu  sync.Mutex
	ttl time.Duration
	set bool
	err error
}

func withOverride(ctx context.Context) (context.Context, *override) {
	o := &override{}
	return context.WithValue(ctx, overrideKey{}, o), o
}

func (o *override) failure() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// ttlOr returns the loader's override, or def.
func (o *override) ttlOr(def time.Duration) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.set {
		return o.ttl
	}
	return def
}

// millis formats a duration as the whole milliseconds PX takes.
func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
