package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

// base is what RedisCache, CryptRedisCache and the typed Store share: one
// client, a prefix, a codec, an optional cipher, counters and the closed flag.
type base struct {
	client   redis.UniversalClient
	owned    bool
	prefix   atomic.Pointer[string]
	codec    Codec
	cipher   fernet.Cipher // nil: values are stored unencrypted
	maxSize  int
	closed   atomic.Bool
	stats    counters
	failOpen *failLog
	closeMu  sync.Mutex
	observer Observer
	name     string
	// misuse is a construction error of a constructor that cannot return
	// one (NewRedisCache): every operation reports it instead of running.
	misuse error
}

func newBase(c redis.UniversalClient, cfg *config) *base {
	b := &base{client: c, codec: cfg.codec, maxSize: cfg.maxValueSize, observer: cfg.observer, name: cfg.name}
	if b.codec == nil {
		b.codec = msgpackCodec
	}
	p := cfg.prefix
	b.prefix.Store(&p)
	if cfg.failOpen != nil {
		b.failOpen = &failLog{log: cfg.failOpen}
	}
	return b
}

// SetPrefix replaces the prefix for every later operation. Existing keys are
// not touched.
func (b *base) SetPrefix(prefix string) { b.prefix.Store(&prefix) }

// Prefix returns the current key prefix.
func (b *base) Prefix() string { return *b.prefix.Load() }

// Client returns the go-redis client the cache uses: the very client passed
// to the constructor, or the one OpenRedisCache made.
func (b *base) Client() redis.UniversalClient { return b.client }

// Stats returns a snapshot of the counters.
func (b *base) Stats() Stats { return b.stats.snapshot() }

// Close makes every later operation return ErrClosed. It closes the client
// only when the cache opened it itself (OpenRedisCache): a client passed in
// belongs to the caller. Close is idempotent.
func (b *base) Close() error {
	b.closeMu.Lock()
	defer b.closeMu.Unlock()
	if b.closed.Swap(true) {
		return nil
	}
	if b.owned {
		return b.client.Close()
	}
	return nil
}

func (b *base) check(key string) error {
	if err := b.usable(); err != nil {
		return err
	}
	return checkKey(key)
}

// usable reports why no operation may run: the cache is closed, or was
// built wrongly (see misuse).
func (b *base) usable() error {
	if b.closed.Load() {
		return ErrClosed
	}
	return b.misuse
}

func checkKey(key string) error {
	// strings.Index scans for the marker's NUL with vectorised IndexByte:
	// every Get and Set passes here.
	if i := strings.Index(key, badKeyMarker); i >= 0 {
		return fmt.Errorf("cachegen: invalid key part: %s", key[i+len(badKeyMarker):])
	}
	return nil
}

// checkTTL enforces cachegen's TTL rule: 0 is no expiry; anything else must
// be a positive whole number of milliseconds, because Redis cannot store
// less and cachegen never rounds what the caller asked for.
func checkTTL(ttl time.Duration) error {
	switch {
	case ttl == 0:
		return nil
	case ttl < 0:
		return fmt.Errorf("cachegen: negative ttl %v (use 0 for no expiry)", ttl)
	case ttl%time.Millisecond != 0:
		return fmt.Errorf("cachegen: ttl %v is not a whole number of milliseconds", ttl)
	}
	return nil
}

// readErr accounts for a Redis error on a read; in fail-open mode the caller
// sees a miss instead. The caller's own cancellation or deadline is no
// outage: it is returned as ctx.Err(), not counted and not logged.
func (b *base) readErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	b.stats.errors.Add(1)
	if b.failOpen != nil && !errors.Is(err, ErrClosed) {
		b.failOpen.note("read", err)
		return &failedOpen{err}
	}
	return err
}

// failedOpen is the miss a caller sees for a Redis error in fail-open mode:
// errors.Is(err, ErrMiss) holds, and the cause stays reachable for logs
// and observers.
type failedOpen struct{ cause error }

func (e *failedOpen) Error() string {
	return "cachegen: cache miss (fail-open: " + e.cause.Error() + ")"
}
func (e *failedOpen) Unwrap() error        { return e.cause }
func (e *failedOpen) Is(target error) bool { return target == ErrMiss }

// writeErr accounts for a Redis error on a write, a remove or a purge. It is
// returned in every mode: fail-open is for reads only, since a write or an
// invalidation that silently failed would serve stale data later. As for
// reads, the caller's own cancellation is returned as ctx.Err(), uncounted.
func (b *base) writeErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if !errors.Is(err, ErrClosed) {
		b.stats.errors.Add(1)
	}
	return err
}

// getRaw fetches the stored bytes of a full key and returns the plaintext to
// decode. A miss is ErrMiss. The returned slice aliases go-redis's reply
// string and must not be modified.
func (b *base) getRaw(ctx context.Context, full string) ([]byte, error) {
	if err := b.check(full); err != nil {
		return nil, err
	}
	s, err := b.client.Get(ctx, full).Result()
	if err == redis.Nil {
		b.stats.misses.Add(1)
		return nil, ErrMiss
	}
	if err != nil {
		return nil, b.readErr(ctx, err)
	}
	return b.open(full, s)
}

// open checks the size and decrypts a stored value, counting a failure.
func (b *base) open(full, s string) ([]byte, error) {
	data, err := b.unseal(full, s)
	if err != nil {
		b.stats.errors.Add(1)
	}
	return data, err
}

// unseal is open without counting: GetOrLoad's second look at a key must
// not count what the caller's Get already counted.
func (b *base) unseal(full, s string) ([]byte, error) {
	if len(s) > b.maxSize {
		return nil, decodeErr(full, fmt.Errorf("value of %d bytes exceeds the maximum of %d", len(s), b.maxSize))
	}
	data := unsafe.Slice(unsafe.StringData(s), len(s))
	if b.cipher == nil {
		return data, nil
	}
	plain, err := b.cipher.Decrypt(data)
	if err != nil {
		return nil, decodeErr(full, err)
	}
	return plain, nil
}

// decode unmarshals plaintext into dst and counts the hit or the error.
func (b *base) decode(full string, data []byte, dst any) error {
	if err := b.unmarshal(data, dst); err != nil {
		b.stats.errors.Add(1)
		return decodeErr(full, err)
	}
	b.stats.hits.Add(1)
	return nil
}

// seal encodes (and encrypts) a value for storage.
func (b *base) seal(v any) ([]byte, error) {
	if b.cipher == nil && needsCrypt(b.codec) {
		return nil, errNeedsCrypt(b.codec)
	}
	data, err := b.codec.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cachegen: encode with %s: %w", b.codec.Name(), err)
	}
	if b.cipher != nil {
		if data, err = b.cipher.Encrypt(data); err != nil {
			return nil, fmt.Errorf("cachegen: encrypt: %w", err)
		}
	}
	if len(data) > b.maxSize {
		return nil, fmt.Errorf("cachegen: encoded value of %d bytes exceeds the maximum of %d", len(data), b.maxSize)
	}
	return data, nil
}

func (b *base) setRaw(ctx context.Context, full string, data []byte, ttl time.Duration) error {
	if err := b.client.Set(ctx, full, data, ttl).Err(); err != nil {
		return b.writeErr(ctx, err)
	}
	return nil
}

func (b *base) has(ctx context.Context, full string) (bool, error) {
	if err := b.check(full); err != nil {
		return false, err
	}
	n, err := b.client.Exists(ctx, full).Result()
	if err != nil {
		if err = b.readErr(ctx, err); errors.Is(err, ErrMiss) {
			return false, nil // fail-open: counted and logged as a read
		}
		return false, err
	}
	return n == 1, nil
}

func (b *base) remove(ctx context.Context, full string) (bool, error) {
	if err := b.check(full); err != nil {
		return false, err
	}
	n, err := b.client.Unlink(ctx, full).Result()
	if err != nil {
		return false, b.writeErr(ctx, err)
	}
	return n > 0, nil
}

// failLogEvery is the shortest gap between two fail-open log lines: an
// outage logs once, then at most this often, with the count swallowed since.
const failLogEvery = 10 * time.Second

// failLog logs fail-open errors once per burst, so an outage does not flood
// the log of every request.
type failLog struct {
	log        *slog.Logger
	mu         sync.Mutex
	logged     time.Time
	suppressed int
}

func (f *failLog) note(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if !f.logged.IsZero() && now.Sub(f.logged) < failLogEvery {
		f.suppressed++
		return
	}
	f.log.Warn("cachegen: redis unavailable, failing open", "op", op, "err", err, "suppressed", f.suppressed)
	f.suppressed = 0
	f.logged = now
}
