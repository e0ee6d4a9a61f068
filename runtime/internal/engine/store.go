package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/cachegen/cachegen/runtime/internal/codec"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// NoExpiry is what TTL reports for a key stored without expiry.
const NoExpiry time.Duration = -1

// Spec describes a generated cache to the runtime. The generator fills it
// in; nothing else needs to.
type Spec struct {
	Name       string        // generated type name, e.g. "UserCache"
	TTL        time.Duration // annotation ttl= (WithTTL overrides)
	Crypt      bool          // annotation crypt
	Codec      string        // annotation codec= ("" = msgpack; "custom" needs WithCodec)
	Version    string        // schema fingerprint, e.g. "v3f9a1c0"; "" with schema=off
	Pattern    string        // SCAN glob of this version's keys, without prefix
	Match      string        // regexp of exactly this version's keys, without prefix or anchors
	AllPattern string        // SCAN glob of every version's keys, without prefix
	AllMatch   string        // regexp of every version's keys, without prefix or anchors
	Local      int           // annotation local=: near-cache entries, 0 = off
	Jitter     int           // annotation jitter=: ±percent spread of the default TTL
	Refresh    time.Duration // annotation refresh=: reload in the background past this age (WithRefresh overrides)
}

// Store is the typed engine behind a generated cache: it holds values of T
// under full keys the generated code builds. Use the generated wrappers; a
// Store is exported only so that they can reach it.
type Store[T any] struct {
	b       *base
	spec    Spec
	ttl     time.Duration
	jitter  int
	negTTL  time.Duration
	lock    time.Duration
	refresh time.Duration
	flight  flightGroup
	reloads *reloads
	local   *near[T]
}

// NewStore makes the engine of a generated cache. It validates the
// configuration (a crypt cache needs valid keys) and never contacts Redis.
func NewStore[T any](c redis.UniversalClient, spec Spec, opts ...Option) (*Store[T], error) {
	if c == nil {
		return nil, nameErr(spec.Name, errors.New("nil redis client"))
	}
	cfg := newConfig(opts)
	if len(cfg.keys) > 0 && !spec.Crypt {
		return nil, nameErr(spec.Name, errors.New("WithKeys on a cache without crypt, which would store values in plaintext: add crypt to its annotation"))
	}
	if cfg.codec == nil {
		if spec.Codec == "custom" {
			return nil, nameErr(spec.Name, errors.New("codec=custom needs runtime.WithCodec"))
		}
		codec, err := CodecByName(spec.Codec)
		if err != nil {
			return nil, nameErr(spec.Name, err)
		}
		cfg.codec = codec
	}
	b := newBase(c, cfg)
	if b.name == "" {
		b.name = spec.Name
	}
	if spec.Crypt {
		ring, err := newKeyring(cfg.keys, cfg.standard)
		if err != nil {
			return nil, nameErr(spec.Name, err)
		}
		b.cipher = ring
	} else if needsCrypt(b.codec) {
		return nil, fmt.Errorf("cachegen: %s: %w", spec.Name, errNeedsCrypt(b.codec))
	}
	s := &Store[T]{b: b, spec: spec, ttl: spec.TTL, jitter: spec.Jitter, negTTL: cfg.negativeTTL, lock: cfg.lockTTL}
	if cfg.ttlSet {
		s.ttl = cfg.ttl
	}
	if cfg.jitterSet {
		s.jitter = cfg.jitter
	}
	if err := checkTTL(s.ttl); err != nil {
		return nil, nameErr(spec.Name, err)
	}
	if err := checkTTL(s.negTTL); err != nil {
		return nil, nameErr(spec.Name, fmt.Errorf("WithNegativeTTL: %w", err))
	}
	s.refresh = spec.Refresh
	if cfg.refreshSet {
		s.refresh = cfg.refresh
	}
	if err := checkRefresh(s.refresh, s.ttl); err != nil {
		return nil, fmt.Errorf("cachegen: %s: %w", spec.Name, err)
	}
	if s.refresh > 0 {
		s.reloads = newReloads()
	}
	if err := checkTTL(s.lock); err != nil {
		return nil, nameErr(spec.Name, fmt.Errorf("WithLock: %w", err))
	}
	if s.jitter < 0 || s.jitter > 100 {
		return nil, nameErr(spec.Name, fmt.Errorf("jitter %d%% outside 0..100", s.jitter))
	}
	for _, re := range []string{spec.Match, spec.AllMatch} {
		if _, err := regexp.Compile(re); err != nil {
			return nil, nameErr(spec.Name, fmt.Errorf("bad key pattern: %w", err))
		}
	}
	size := spec.Local
	if cfg.localSet {
		size = cfg.local
	}
	if size > 0 {
		clone, _ := cfg.clone.(func(*T) *T)
		if clone == nil {
			clone = codecClone[T](b.codec)
		}
		n, err := startNear(c, b.Prefix()+literalPrefix(spec.Pattern), size, cfg.localMaxAge, clone)
		if err != nil {
			return nil, nameErr(spec.Name, err)
		}
		s.local = n
	}
	return s, nil
}

// nameErr puts a cache's name into a construction error, once: the
// runtime's own messages already start with "cachegen: ", which is dropped
// wherever it occurs inside so that no message says it twice.
func nameErr(name string, err error) error { return &namedError{name, err} }

type namedError struct {
	name string
	err  error
}

func (e *namedError) Error() string {
	return "cachegen: " + e.name + ": " + strings.ReplaceAll(e.err.Error(), "cachegen: ", "")
}

func (e *namedError) Unwrap() error { return e.err }

// WithClone gives a Store a deep copy for T (the generator writes one), so
// near-cache hits hand out copies without decoding.
func WithClone[T any](clone func(*T) *T) Option { return func(c *config) { c.clone = clone } }

// codecClone deep-copies through the codec: correct for any T, but costs an
// encode and a decode. A value that does not survive the round trip (which
// a decoder is meant never to accept) gives nil: the near cache then does
// not keep it, and a later Get reads Redis again — a miss, never a panic.
// The bytes are this process's own encoding, so they count as authenticated.
func codecClone[T any](c Codec) func(*T) *T {
	return func(v *T) *T {
		data, err := c.Marshal(v)
		if err != nil {
			return nil
		}
		out := new(T)
		if codec.UnmarshalAuthenticated(c, data, out) != nil {
			return nil
		}
		return out
	}
}

// literalPrefix returns the literal text of a SCAN glob before its first
// wildcard, unescaped: the widest key prefix all of a cache's keys share.
func literalPrefix(glob string) string {
	var b []byte
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; c {
		case '*', '?', '[':
			return string(b)
		case '\\':
			if i+1 < len(glob) {
				i++
				b = append(b, glob[i])
			}
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// Prefix returns the key prefix (WithPrefix).
func (s *Store[T]) Prefix() string { return s.b.Prefix() }

// DefaultTTL is the expiry used by Set: the annotation's ttl= unless
// WithTTL overrides it. With jitter, Set and SetMany spread it per key.
func (s *Store[T]) DefaultTTL() time.Duration { return s.ttl }

// Client returns the underlying go-redis client.
func (s *Store[T]) Client() redis.UniversalClient { return s.b.client }

// Stats returns a snapshot of the counters.
func (s *Store[T]) Stats() Stats {
	st := s.b.Stats()
	if s.local != nil {
		// Local hits are counted once, by the near cache (one atomic add
		// on the hit path), and are part of Hits.
		st.LocalHits = s.local.hits.Load()
		st.Hits += st.LocalHits
	}
	return st
}

// negativeMarker is stored for a key known to be absent at the source. No
// codec or token ever starts with 0xff followed by this text.
const negativeMarker = "\xffcachegen:not-found"

// negativeValue is what a cached not-found stores under key. On a crypt
// cache the marker names its key and is encrypted and authenticated like
// any value: whoever can write to Redis but lacks the key can neither forge
// a not-found (a bare marker is an invalid token, so GetOrLoad loads again)
// nor move one from another key (it names that key and fails to decode).
// Tampering can thus only cost a reload, never hide a value that exists.
func (s *Store[T]) negativeValue(key string) ([]byte, error) {
	if s.b.cipher == nil {
		return []byte(negativeMarker), nil
	}
	return s.b.cipher.Encrypt([]byte(negativeMarker + ":" + key))
}

// isNegative reports whether plain, the decrypted bytes stored under key,
// is a cached not-found (see negativeValue).
func (s *Store[T]) isNegative(key string, plain []byte) bool {
	if len(plain) == 0 || plain[0] != negativeMarker[0] {
		return false // every value but a marker: no allocation below
	}
	if s.b.cipher == nil {
		return string(plain) == negativeMarker
	}
	return string(plain) == negativeMarker+":"+key
}

// Get reads the value under the full key. A miss is ErrMiss; a cached
// negative answer is ErrNotFound.
func (s *Store[T]) Get(ctx context.Context, key string) (v *T, err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.b.observe(ctx, "get", start, err) }(time.Now())
	}
	return s.get(ctx, key)
}

func (s *Store[T]) get(ctx context.Context, key string) (*T, error) {
	if s.local == nil {
		data, err := s.b.getRaw(ctx, key)
		if err != nil {
			return nil, err
		}
		return s.decode(key, data)
	}
	if s.b.closed.Load() {
		return nil, ErrClosed
	}
	if v, ok := s.local.get(key); ok {
		return v, nil // counted by the near cache, see Stats
	}
	epoch := s.local.begin()
	data, err := s.b.getRaw(ctx, key)
	if err != nil {
		return nil, err
	}
	v, err := s.decode(key, data)
	if err == nil {
		s.local.put(key, v, epoch)
	}
	return v, err
}

func (s *Store[T]) decode(key string, data []byte) (*T, error) {
	if s.isNegative(key, data) {
		s.b.stats.hits.Add(1)
		return nil, ErrNotFound
	}
	if isNull(s.b.codec.Name(), data) {
		s.b.stats.errors.Add(1)
		return nil, decodeErr(key, errors.New("stored value is nil (Python None)"))
	}
	v := new(T)
	if err := s.b.decode(key, data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// ttlFor applies jitter to the default TTL; explicit other TTLs are kept.
func (s *Store[T]) ttlFor(ttl time.Duration) time.Duration {
	if s.jitter == 0 || ttl != s.ttl || ttl == 0 {
		return ttl
	}
	spread := int64(ttl) * int64(s.jitter) / 100
	if spread <= 0 {
		return ttl
	}
	j := ttl + time.Duration(rand.Int64N(2*spread+1)-spread)
	j = j.Truncate(time.Millisecond)
	if j < time.Millisecond {
		j = time.Millisecond
	}
	return j
}

// Set stores v under the full key; ttl 0 means no expiry.
func (s *Store[T]) Set(ctx context.Context, key string, v *T, ttl time.Duration) (err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.b.observe(ctx, "set", start, err) }(time.Now())
	}
	if v == nil {
		return fmt.Errorf("cachegen: %s: Set of a nil value", s.spec.Name)
	}
	if err := s.b.check(key); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	data, err := s.b.seal(v)
	if err != nil {
		return err
	}
	err = s.b.setRaw(ctx, key, data, s.ttlFor(ttl))
	if s.local != nil {
		s.local.drop(key)
	}
	return err
}

// Has reports whether the key exists.
func (s *Store[T]) Has(ctx context.Context, key string) (bool, error) { return s.b.has(ctx, key) }

// Remove deletes the key and reports whether it existed. It deletes the
// key's fence with it, so a GetOrLoad in flight for the key does not store.
func (s *Store[T]) Remove(ctx context.Context, key string) (ok bool, err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.b.observe(ctx, "remove", start, err) }(time.Now())
	}
	ok, err = s.b.removeFenced(ctx, key)
	if s.local != nil {
		s.local.drop(key)
	}
	return ok, err
}

// TTL returns the time the key has left, NoExpiry for a key without expiry,
// and ErrMiss for an absent key.
func (s *Store[T]) TTL(ctx context.Context, key string) (time.Duration, error) {
	if err := s.b.check(key); err != nil {
		return 0, err
	}
	d, err := s.b.client.PTTL(ctx, key).Result()
	if err != nil {
		return 0, err
	}
	switch {
	case d == -2*time.Millisecond || d == -2:
		return 0, ErrMiss
	case d < 0:
		return NoExpiry, nil
	}
	return d, nil
}

// GetMany reads many keys at once: one MGET on a single node, one MGET per
// hash slot (pipelined) on a Cluster. result[i] is nil for a miss; the error
// joins the per-key errors, and the values that did decode are still given.
func (s *Store[T]) GetMany(ctx context.Context, keys []string) (out []*T, err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.observeMany(ctx, "get_many", start, out, err) }(time.Now())
	}
	return s.getManyLocal(ctx, keys)
}

func (s *Store[T]) getManyLocal(ctx context.Context, keys []string) ([]*T, error) {
	out := make([]*T, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	if err := s.b.usable(); err != nil {
		return out, err
	}
	// A bad key (a key part that could not be made) fails alone: the other
	// keys are still read. rest and idx, the keys left for Redis and their
	// places in out, are made only once a key is not left for Redis (a
	// local hit, a bad key): GetMany without a near cache reads keys as
	// given, without copying them.
	var errs []error
	var rest []string
	var idx []int
	var epoch uint64
	if s.local != nil {
		epoch = s.local.begin()
	}
	split := func(i int) {
		if rest == nil {
			rest = make([]string, i, len(keys))
			copy(rest, keys[:i])
			idx = make([]int, i, len(keys))
			for j := range idx {
				idx[j] = j
			}
		}
	}
	for i, k := range keys {
		if err := checkKey(k); err != nil {
			split(i)
			errs = append(errs, err)
			continue
		}
		if s.local != nil {
			if v, ok := s.local.get(k); ok {
				split(i)
				out[i] = v
				continue
			}
		}
		if rest != nil {
			rest = append(rest, k)
			idx = append(idx, i)
		}
	}
	if rest == nil {
		err := s.getMany(ctx, keys, out, epoch)
		return out, err
	}
	if len(rest) == 0 {
		return out, errors.Join(errs...)
	}
	part := make([]*T, len(rest))
	err := s.getMany(ctx, rest, part, epoch)
	for j, i := range idx {
		out[i] = part[j]
	}
	return out, errors.Join(append(errs, err)...)
}

// getMany reads keys into out. A node or shard that fails costs only its own
// keys: the values read elsewhere are still decoded, and the error joins
// every per-node and per-key error. Each key counts once in Stats: a hit, a
// miss, or an error.
func (s *Store[T]) getMany(ctx context.Context, keys []string, out []*T, epoch uint64) error {
	raw, err := mget(ctx, s.b.client, keys)
	var errs []error
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr // the caller gave up: no outage, nothing counted
		}
		s.b.stats.errors.Add(uint64(raw.failed()))
		if s.b.failOpen != nil {
			s.b.failOpen.note("read", err) // fail-open: those keys read as misses
		} else {
			errs = append(errs, err)
		}
	}
	for i := range raw {
		r, st := raw.at(i)
		switch st {
		case replyFailed:
			continue
		case replyMiss:
			s.b.stats.misses.Add(1)
			continue
		}
		data, err := s.b.open(keys[i], r)
		if err == nil {
			out[i], err = s.decode(keys[i], data)
			if err == nil && s.local != nil {
				s.local.put(keys[i], out[i], epoch)
			}
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SetMany stores vs[i] under keys[i] in one pipeline. It is not atomic: on
// error, some values may be stored; the error joins the per-key errors.
func (s *Store[T]) SetMany(ctx context.Context, keys []string, vs []*T, ttl time.Duration) (err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.b.observe(ctx, "set_many", start, err) }(time.Now())
	}
	if len(keys) != len(vs) {
		return fmt.Errorf("cachegen: %s: SetMany with %d keys and %d values", s.spec.Name, len(keys), len(vs))
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	datas := make([][]byte, len(vs))
	for i, v := range vs {
		if v == nil {
			return fmt.Errorf("cachegen: %s: SetMany value %d is nil", s.spec.Name, i)
		}
		if err := s.b.check(keys[i]); err != nil {
			return err
		}
		d, err := s.b.seal(v)
		if err != nil {
			return err
		}
		datas[i] = d
	}
	if len(keys) == 0 {
		return nil
	}
	cmds, err := s.b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(ctx, k, datas[i], s.ttlFor(ttl))
		}
		return nil
	})
	if err != nil {
		var errs []error
		for i, c := range cmds {
			if c.Err() != nil {
				errs = append(errs, fmt.Errorf("%s: %w", keys[i], c.Err()))
			}
		}
		if len(errs) == 0 {
			errs = append(errs, err)
		}
		err = s.b.writeErr(ctx, errors.Join(errs...))
	}
	if s.local != nil {
		for _, k := range keys {
			s.local.drop(k)
		}
	}
	return err
}

// Purge removes this cache's keys of the current schema version only.
func (s *Store[T]) Purge(ctx context.Context) (int64, error) {
	return s.purge(ctx, "", s.spec.Pattern, s.spec.Match)
}

// PurgeAllVersions removes this cache's keys of every schema version.
func (s *Store[T]) PurgeAllVersions(ctx context.Context) (int64, error) {
	return s.purge(ctx, "", s.spec.AllPattern, s.spec.AllMatch)
}

// PurgeBy removes this version's keys that start with the prefix followed
// by group, the key text up to and including the literal after the first
// placeholder (already escaped, as in keys): a group ends with a literal, so
// tenant "a" never reaches tenant "ab". On a Cluster, when prefix+group
// holds a complete, non-empty hash tag, every such key lives in one slot
// and only that slot's master is scanned; otherwise every master is.
func (s *Store[T]) PurgeBy(ctx context.Context, group string) (int64, error) {
	return s.purge(ctx, group, "*", s.spec.Match)
}

// purge removes the keys under prefix+group that match the glob (after
// them) and the regexp (of the whole key without the prefix).
func (s *Store[T]) purge(ctx context.Context, group, glob, match string) (int64, error) {
	if err := s.b.usable(); err != nil {
		return 0, err
	}
	p := s.b.Prefix()
	re, err := regexp.Compile("^" + regexp.QuoteMeta(p) + "(?:" + match + ")$")
	if err != nil {
		return 0, err
	}
	// The trailing * finds the fences too (their names start with their
	// value's key): a load in flight for a purged key must not store.
	n, err := scanUnlink(ctx, s.b.client, p+group, globEscape(p+group)+glob+"*", fencedMatch(re))
	if err != nil {
		err = s.b.writeErr(ctx, err)
	}
	return n, err
}

// Close makes later calls fail with ErrClosed and stops the near cache's
// invalidation connection; the client passed in stays open.
func (s *Store[T]) Close() error {
	if s.reloads != nil {
		s.reloads.close()
	}
	if s.local != nil {
		_ = s.local.close()
	}
	return s.b.Close()
}

// mget fetches keys in as few round trips as the topology allows. When a
// node or shard fails, only the keys it owns are marked failed and err
// joins the failures, each naming its node's keys; the other entries are
// still good. On a single node the replies are go-redis's own slice, not a
// copy (for GetMany(100), a 1.6 KB array and a pass over it less).
func mget(ctx context.Context, c redis.UniversalClient, keys []string) (replies, error) {
	switch c.(type) {
	case *redis.Ring:
		// A Ring shards by its own hash, not by slot: use single GETs,
		// pipelined per shard. The pipeline's error is its first command's,
		// which may be redis.Nil while a later command failed on a shard
		// that is down: check each, or a shard error would read as a miss.
		out := make(replies, len(keys))
		cmds, perr := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Get(ctx, k)
			}
			return nil
		})
		if len(cmds) != len(keys) {
			return out.allFailed(), perr
		}
		var errs []error
		for i, cmd := range cmds {
			s, err := cmd.(*redis.StringCmd).Result()
			switch {
			case err == nil:
				out[i] = s
			case err != redis.Nil:
				out[i] = failedReply{}
				errs = append(errs, fmt.Errorf("%s: %w", keys[i], err))
			}
		}
		return out, errors.Join(errs...)
	case *redis.ClusterClient:
		// One MGET per slot, so none crosses slots; go-redis routes each
		// command of the pipeline to the node owning it. Keys sharing a
		// hash tag are one slot: a plain MGET below, no pipeline.
		groups := slotGroups(keys)
		if len(groups) == 1 {
			break
		}
		out := make(replies, len(keys))
		cmds := make([]*redis.SliceCmd, len(groups))
		_, perr := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for g, idx := range groups {
				ks := make([]string, len(idx))
				for j, i := range idx {
					ks[j] = keys[i]
				}
				cmds[g] = mgetCmd(ctx, ks)
				_ = p.Process(ctx, cmds[g])
			}
			return nil
		})
		var errs []error
		for g, idx := range groups {
			if cmds[g] == nil {
				for _, i := range idx {
					out[i] = failedReply{}
				}
				continue
			}
			if err := cmds[g].Err(); err != nil {
				for _, i := range idx {
					out[i] = failedReply{}
				}
				errs = append(errs, fmt.Errorf("MGET of %d keys of slot %d (%s, ...): %w", len(idx), Slot(keys[idx[0]]), keys[idx[0]], err))
				continue
			}
			for j, v := range cmds[g].Val() {
				out[idx[j]] = v
			}
		}
		if len(errs) == 0 && perr != nil {
			return out.allFailed(), perr
		}
		return out, errors.Join(errs...)
	}
	cmd := mgetCmd(ctx, keys)
	_ = c.Process(ctx, cmd)
	vals, err := cmd.Result()
	if err != nil || len(vals) != len(keys) {
		if err == nil {
			err = fmt.Errorf("MGET of %d keys: %d replies", len(keys), len(vals))
		}
		return make(replies, len(keys)).allFailed(), err
	}
	return replies(vals), nil
}

// replies are an mget's results, one per key: a string for a found value
// (which may be empty), nil for a miss, failedReply{} for a key whose node
// failed.
type replies []any

type failedReply struct{}

// The state of one key of an mget.
const (
	replyMiss uint8 = iota
	replyFound
	replyFailed
)

// at returns the i-th reply and its state.
func (r replies) at(i int) (string, uint8) {
	switch v := r[i].(type) {
	case string:
		return v, replyFound
	case nil:
		return "", replyMiss
	case failedReply:
		return "", replyFailed
	default: // not a bulk string: read as a miss, as go-redis' MGet users would
		return "", replyMiss
	}
}

// failed counts the keys whose node failed.
func (r replies) failed() int {
	n := 0
	for _, v := range r {
		if _, ok := v.(failedReply); ok {
			n++
		}
	}
	return n
}

func (r replies) allFailed() replies {
	for i := range r {
		r[i] = failedReply{}
	}
	return r
}
