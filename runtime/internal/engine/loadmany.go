package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// GetManyOrLoad is GetOrLoad for a batch: it reads keys like GetMany (one
// MGET per hash slot), calls load at most once with the indices into keys
// of the misses — deduplicated, in first-seen order, and not at all when
// nothing misses — and stores what it returns with one pipeline per slot,
// each write-back fenced as GetOrLoad's (a Set, Remove or purge of a key
// during the load wins for that key). result[i] is keys[i]'s value, nil
// when it is absent.
//
// load returns values by index; indices it leaves out (or maps to nil) are
// absent from the result and, with WithNegativeTTL, cached as not-found;
// indices that were not asked for are ignored. A cached not-found is
// absent and not passed to load. A value that fails to decode counts as an
// error and a miss: it is reloaded, and its write-back replaces exactly the
// bytes that failed. On a loader error the hits are returned with the
// error and nothing is stored. The loader may call OverrideTTL.
//
// Batches are not single-flighted: two overlapping batches may both load a
// key; the first write-back stores it and the other, finding the key no
// longer as it saw it, does not. WithLock does not make a batch wait for
// another process's load.
func (s *Store[T]) GetManyOrLoad(ctx context.Context, keys []string, load func(ctx context.Context, missing []int) (map[int]*T, error)) (out []*T, err error) {
	if s.b.observer != nil {
		defer func(start time.Time) { s.observeMany(ctx, "get_many_or_load", start, out, err) }(time.Now())
	}
	out = make([]*T, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	for _, k := range keys {
		if err := s.b.check(k); err != nil {
			return out, err
		}
	}
	// One entry per distinct key, in first-seen order.
	first := make(map[string]int, len(keys))
	var uniq []int // indices into keys
	for i, k := range keys {
		if _, ok := first[k]; !ok {
			first[k] = i
			uniq = append(uniq, i)
		}
	}
	got := make(map[int]*T, len(uniq)) // by first index
	var ask []int                      // first indices to read from Redis
	var epoch uint64
	if s.local != nil {
		epoch = s.local.begin()
	}
	for _, i := range uniq {
		if s.local != nil {
			if v, ok := s.local.get(keys[i]); ok {
				got[i] = v
				continue
			}
		}
		ask = append(ask, i)
	}
	var miss []int // first indices to load, first-seen order
	var nodeErr error
	if len(ask) > 0 {
		askKeys := make([]string, len(ask))
		for j, i := range ask {
			askKeys[j] = keys[i]
		}
		raw, rerr := mget(ctx, s.b.client, askKeys)
		if rerr != nil {
			if cerr := ctx.Err(); cerr != nil {
				return out, cerr // the caller gave up: nothing counted, nothing loaded
			}
			s.b.stats.errors.Add(uint64(raw.failed()))
			if s.b.failOpen != nil {
				s.b.failOpen.note("read", rerr) // fail-open: those keys are misses, loaded
				for j := range raw {
					if _, st := raw.at(j); st == replyFailed {
						raw[j] = nil
					}
				}
			} else {
				nodeErr = rerr // those keys are neither loaded nor returned
			}
		}
		for j, i := range ask {
			r, st := raw.at(j)
			if st == replyFailed {
				continue
			}
			if st == replyMiss {
				s.b.stats.misses.Add(1)
				miss = append(miss, i)
				continue
			}
			data, err := s.b.open(keys[i], r)
			if err == nil {
				var v *T
				v, err = s.decode(keys[i], data)
				if err == nil {
					got[i] = v
					if s.local != nil {
						s.local.put(keys[i], v, epoch)
					}
					continue
				}
			}
			if errors.Is(err, ErrNotFound) {
				continue // cached not-found: absent, not loaded
			}
			miss = append(miss, i) // counted by open/decode; reloaded
		}
	}
	if len(miss) > 0 {
		if err := s.loadMany(ctx, keys, miss, got, load); err != nil {
			fill(out, keys, first, got)
			return out, errors.Join(nodeErr, err)
		}
	}
	fill(out, keys, first, got)
	return out, nodeErr
}

// fill spreads the values found per distinct key over every position of it.
func fill[T any](out []*T, keys []string, first map[string]int, got map[int]*T) {
	for i, k := range keys {
		out[i] = got[first[k]]
	}
}

// loadMany takes the fences of the misses, calls load once for those still
// missing, and writes back what it returned. got receives the values.
func (s *Store[T]) loadMany(ctx context.Context, keys []string, miss []int, got map[int]*T, load func(context.Context, []int) (map[int]*T, error)) error {
	bg := context.WithoutCancel(ctx) // fences taken are released whatever the caller does
	lease := defaultLease
	if s.lock > 0 {
		lease = s.lock
	}
	fences := make([]fence, len(miss))
	was := make([]seen, len(miss))
	calls := make([]scriptCall, len(miss))
	for j, i := range miss {
		fences[j] = fence{name: fenceKey(keys[i]), token: tokenLoad + hex.EncodeToString(randomBytes(12))}
		calls[j] = scriptCall{keys: []string{keys[i], fences[j].name}, args: []any{fences[j].token, millis(lease), "0"}}
	}
	replies := evalPipelined(ctx, s.b.client, acquireSrc, calls)
	var toLoad []int // positions in miss
	for j, i := range miss {
		r, err := replies[j].Slice()
		if err != nil || len(r) != 3 {
			s.fenceErr(bg, keys[i], err)
			fences[j] = fence{}
			toLoad = append(toLoad, j)
			continue
		}
		held, _ := r[1].(string)
		taken, _ := r[2].(int64)
		fences[j].own = taken == 1
		if !fences[j].own {
			fences[j].token = held
		}
		if str, ok := r[0].(string); ok {
			was[j] = seen{present: true, raw: str}
			if s.storedNegative(keys[i], str) {
				s.releaseMany(bg, fences[j:j+1])
				continue // cached not-found meanwhile
			}
			if d := s.decodable(keys[i], str); d != nil {
				v := new(T)
				if s.b.unmarshal(d, v) == nil {
					got[i] = v
					s.releaseMany(bg, fences[j:j+1])
					continue // stored meanwhile
				}
			}
		}
		toLoad = append(toLoad, j)
	}
	if len(toLoad) == 0 {
		return nil
	}
	idx := make([]int, len(toLoad))
	for n, j := range toLoad {
		idx[n] = miss[j]
	}
	lctx, o := withOverride(bg)
	vals, err := load(lctx, idx)
	if err == nil {
		err = o.failure()
	}
	if err != nil {
		// Nothing of a failed load is stored or returned.
		own := make([]fence, 0, len(toLoad))
		for _, j := range toLoad {
			own = append(own, fences[j])
		}
		s.releaseMany(bg, own)
		return err
	}
	var wb []scriptCall
	var release []fence
	for _, j := range toLoad {
		i, f := miss[j], fences[j]
		v := vals[i]
		var data []byte
		var t time.Duration
		switch {
		case v != nil:
			got[i] = v
			sealed, err := s.b.seal(v)
			if err != nil {
				s.b.stats.errors.Add(1)
				release = append(release, f)
				continue
			}
			data, t = sealed, o.ttlOr(s.ttlFor(s.ttl))
		case s.negTTL > 0:
			neg, err := s.negativeValue(keys[i])
			if err != nil {
				s.b.stats.errors.Add(1)
				release = append(release, f)
				continue
			}
			data, t = neg, o.ttlOr(s.negTTL)
		default:
			release = append(release, f)
			continue
		}
		if f.token == "" {
			continue // no fence: returned, not stored
		}
		wb = append(wb, writeBackCall(keys[i], f, was[j], data, t, s.refresh))
	}
	s.releaseMany(bg, release)
	for n, r := range evalPipelined(bg, s.b.client, writeBackSrc, wb) {
		if err := r.Err(); err != nil {
			s.fenceErr(bg, wb[n].keys[0], err)
		}
	}
	if s.local != nil {
		for _, j := range toLoad {
			s.local.drop(keys[miss[j]])
		}
	}
	return nil
}

// releaseMany releases the batch's own fences in one pipeline.
func (s *Store[T]) releaseMany(ctx context.Context, fs []fence) {
	var calls []scriptCall
	for _, f := range fs {
		if f.own {
			calls = append(calls, scriptCall{keys: []string{f.name}, args: []any{f.token, millis(s.refresh)}})
		}
	}
	for n, r := range evalPipelined(ctx, s.b.client, releaseSrc, calls) {
		if err := r.Err(); err != nil {
			s.fenceErr(ctx, calls[n].keys[0], err)
		}
	}
}

// scriptCall is one run of a script in a pipeline.
type scriptCall struct {
	keys []string
	args []any
}

// evalPipelined runs src once per call in one pipeline (go-redis sends each
// command to the node owning its first key: one pipeline per node), by
// EVALSHA, repeating with EVAL the calls a server answered NOSCRIPT.
func evalPipelined(ctx context.Context, c redis.UniversalClient, src string, calls []scriptCall) []*redis.Cmd {
	if len(calls) == 0 {
		return nil
	}
	sha := redis.NewScript(src).Hash()
	cmds := make([]*redis.Cmd, len(calls))
	_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for n, call := range calls {
			cmds[n] = p.EvalSha(ctx, sha, call.keys, call.args...)
		}
		return nil
	})
	var again []int
	for n, cmd := range cmds {
		if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			again = append(again, n)
		}
	}
	if len(again) > 0 {
		_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, n := range again {
				cmds[n] = p.Eval(ctx, src, calls[n].keys, calls[n].args...)
			}
			return nil
		})
	}
	return cmds
}

// observeMany reports a batch read: a hit per value found, a miss per other
// key, one error for a failed batch.
func (s *Store[T]) observeMany(ctx context.Context, op string, start time.Time, out []*T, err error) {
	ev := Event{Cache: s.b.name, Op: op, Duration: time.Since(start), Err: err}
	for _, v := range out {
		if v != nil {
			ev.Hits++
		}
	}
	ev.Misses = len(out) - ev.Hits
	if err != nil {
		ev.Errors = 1
	}
	s.b.observer.Observe(ctx, ev)
}
