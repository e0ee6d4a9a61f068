package engine

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// forEachMaster runs fn on every node that owns keys: each master of a
// Cluster, each shard of a Ring, or the client itself. SCAN, DBSIZE and
// FLUSHDB only see one node, so whole-keyspace operations must fan out.
func forEachMaster(ctx context.Context, c redis.UniversalClient, fn func(context.Context, redis.Cmdable) error) error {
	switch cc := c.(type) {
	case *redis.ClusterClient:
		return cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return fn(ctx, n) })
	case *redis.Ring:
		return cc.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return fn(ctx, n) })
	}
	return fn(ctx, c)
}

// forMastersOf runs fn on the nodes that can hold keys starting with from:
// on a Cluster, the master of from's slot when from holds a complete,
// non-empty hash tag (every key starting with it hashes that tag), else
// every master, as forEachMaster.
func forMastersOf(ctx context.Context, c redis.UniversalClient, from string, fn func(context.Context, redis.Cmdable) error) error {
	if cc, ok := c.(*redis.ClusterClient); ok && hasHashTag(from) {
		n, err := cc.MasterForKey(ctx, from)
		if err != nil {
			return err
		}
		return fn(ctx, n)
	}
	return forEachMaster(ctx, c, fn)
}

// hasHashTag reports whether s holds a Redis Cluster hash tag: a '{' and,
// after the first one, a '}' with text between ("{}" is no tag: Redis then
// hashes the whole key).
func hasHashTag(s string) bool {
	i := strings.IndexByte(s, '{')
	return i >= 0 && strings.IndexByte(s[i+1:], '}') > 0
}

func dbSize(ctx context.Context, c redis.UniversalClient) (int64, error) {
	var mu sync.Mutex
	var total int64
	err := forEachMaster(ctx, c, func(ctx context.Context, n redis.Cmdable) error {
		k, err := n.DBSize(ctx).Result()
		mu.Lock()
		total += k
		mu.Unlock()
		return err
	})
	return total, err
}

func flushAll(ctx context.Context, c redis.UniversalClient) error {
	return forEachMaster(ctx, c, func(ctx context.Context, n redis.Cmdable) error {
		return n.FlushDB(ctx).Err()
	})
}

// keyKind is what a purge's classifier makes of a key SCAN found.
type keyKind uint8

const (
	kindSkip   keyKind = iota // not this purge's
	kindValue                 // a value: deleted and counted
	kindFenced                // a typed cache's value: deleted with its fence, counted
	kindFence                 // a fence whose value is absent: deleted, not counted
)

// scanUnlink deletes every key matching the glob that classify (nil: every
// key is a kindValue) keeps, and returns how many values it removed. Every
// key the glob matches starts with from: when that holds a complete hash
// tag, only the master of its slot is scanned, else every master. The keys
// found gather over SCAN pages and are unlinked every unlinkBatch keys (and
// at the end) in one pipeline, in batches of one hash slot, since a Cluster
// node rejects a multi-key command across slots: a group purge that finds
// a few hundred keys over many pages costs one round trip to delete them.
// A slot's fences go before its values, in the same pipeline on the same
// connection: a load's write-back that runs between the two finds its fence
// gone, never a deleted value with its fence still in place.
func scanUnlink(ctx context.Context, c redis.UniversalClient, from, glob string, classify func(string) keyKind) (int64, error) {
	var mu sync.Mutex
	var total int64
	err := forMastersOf(ctx, c, from, func(ctx context.Context, n redis.Cmdable) error {
		var values, fences []string
		flush := func() error {
			fb, vb := bySlot(fences), bySlot(values)
			values, fences = values[:0], fences[:0]
			if len(fb) == 0 && len(vb) == 0 {
				return nil
			}
			cmds := make([]*redis.IntCmd, len(vb))
			if _, err := n.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, batch := range fb {
					p.Unlink(ctx, batch...)
				}
				for i, batch := range vb {
					cmds[i] = p.Unlink(ctx, batch...)
				}
				return nil
			}); err != nil {
				return err
			}
			var d int64
			for _, c := range cmds {
				d += c.Val()
			}
			mu.Lock()
			total += d
			mu.Unlock()
			return nil
		}
		var cursor uint64
		for {
			keys, next, err := n.Scan(ctx, cursor, glob, 1000).Result()
			if err != nil {
				return err
			}
			for _, key := range keys {
				kind := kindValue
				if classify != nil {
					kind = classify(key)
				}
				switch kind {
				case kindValue:
					values = append(values, key)
				case kindFenced:
					values = append(values, key)
					fences = append(fences, fenceKey(key))
				case kindFence:
					fences = append(fences, key)
				}
			}
			cursor = next
			if len(values)+len(fences) >= unlinkBatch || cursor == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			if cursor == 0 {
				return nil
			}
		}
	})
	return total, err
}

// unlinkBatch is how many found keys a purge holds before deleting them.
const unlinkBatch = 1000

// bySlot groups keys by Redis Cluster hash slot, keeping first-seen order.
func bySlot(keys []string) [][]string {
	groups := slotGroups(keys)
	out := make([][]string, len(groups))
	for g, idx := range groups {
		out[g] = make([]string, len(idx))
		for j, i := range idx {
			out[g][j] = keys[i]
		}
	}
	return out
}

// slotGroups returns the indices of keys grouped by hash slot, in
// first-seen order: a multi-key command may only span one slot on a Cluster.
func slotGroups(keys []string) [][]int {
	pos := make(map[uint16]int)
	var out [][]int
	for i, k := range keys {
		s := Slot(k)
		g, ok := pos[s]
		if !ok {
			g = len(out)
			pos[s] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

// Slot returns the Redis Cluster hash slot of key: CRC16 (XMODEM) of the key,
// or of its hash tag — the text between the first '{' and the next '}' when
// that is not empty — modulo 16384.
func Slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc = crc<<8 ^ crc16tab[byte(crc>>8)^key[i]]
	}
	return crc % 16384
}

var crc16tab = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// globEscape escapes the characters SCAN MATCH treats specially.
func globEscape(s string) string {
	if !strings.ContainsAny(s, `*?[]\^`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\', '^':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux and panics itself otherwise
	return b
}
