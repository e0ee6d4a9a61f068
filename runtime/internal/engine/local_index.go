package engine

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// LocalIndex serves near-cache hits by a cache's key parameter K — an ID, a key
// struct — so that a hit never builds the key string. It holds no values
// of its own: each K points at the near cache's entry for key(K), which
// the near cache marks dead whenever it drops it (invalidation, eviction,
// disarm, replacement), so a hit through the index is exactly as coherent
// as one through the key string. A K whose entry is dead or absent takes
// the string path (Store.Get) and is linked again.
type LocalIndex[K comparable, T any] struct {
	s    *Store[T]
	n    *near[T]
	key  func(K) string // the full key, prefix included
	seed maphash.Seed
	mu   sync.Mutex // writers of tab
	tab  atomic.Pointer[ktable[K, T]]
}

type kslot[K comparable, T any] struct {
	k K
	e *s3entry[T]
}

// ktable is an open-addressing table of atomic pointers read without a
// lock; it never deletes: links to dead entries are dropped when it is
// rebuilt (when three quarters of it are used).
type ktable[K comparable, T any] struct {
	slots []atomic.Pointer[kslot[K, T]]
	mask  uint64
	used  int
}

// NewLocalIndex returns the index of s's near cache, or nil if s has none.
// key builds the full key of k, prefix included.
func NewLocalIndex[K comparable, T any](s *Store[T], key func(K) string) *LocalIndex[K, T] {
	if s.local == nil {
		return nil
	}
	x := &LocalIndex[K, T]{s: s, n: s.local, key: key, seed: maphash.MakeSeed()}
	x.tab.Store(x.newTable())
	return x
}

func (x *LocalIndex[K, T]) newTable() *ktable[K, T] {
	n := 16
	for n < 2*x.n.entries.room {
		n <<= 1
	}
	return &ktable[K, T]{slots: make([]atomic.Pointer[kslot[K, T]], n), mask: uint64(n - 1)}
}

// Get is s.Get(ctx, key(k)), served from the near cache by k when it can.
func (x *LocalIndex[K, T]) Get(ctx context.Context, k K) (*T, error) {
	if v, ok := x.Hit(k); ok {
		return v, nil
	}
	key := x.key(k)
	v, err := x.s.Get(ctx, key)
	if err == nil {
		x.Link(k, key)
	}
	return v, err
}

// Hit returns a copy of k's value when the near cache holds it under k's
// link, counted as a local hit; false sends the caller to the string path
// (Store.Get, GetMany, GetOrLoad), after which Link makes k's next read a
// hit here. With an Observer it always reports false, so that the string
// path reports the event.
func (x *LocalIndex[K, T]) Hit(k K) (*T, bool) {
	if x.s.b.observer != nil || !x.n.armed.Load() || x.s.b.closed.Load() {
		return nil, false
	}
	e := x.lookup(k)
	if e == nil || e.dead.Load() {
		return nil, false
	}
	if e.freq.Load() < 3 {
		e.freq.Add(1) // a read, for the eviction policy
	}
	return x.n.serve(e)
}

func (x *LocalIndex[K, T]) lookup(k K) *s3entry[T] {
	t := x.tab.Load()
	for i := maphash.Comparable(x.seed, k) & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i].Load()
		if s == nil {
			return nil
		}
		if s.k == k {
			return s.e
		}
	}
}

// Link points k at the near cache's current entry for key (k's full key),
// if any.
func (x *LocalIndex[K, T]) Link(k K, key string) {
	e := x.n.entries.peek(key)
	if e == nil || e.dead.Load() {
		return
	}
	if cur := x.lookup(k); cur == e {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.tab.Load()
	if 4*(t.used+1) > 3*len(t.slots) {
		old := t
		t = x.newTable()
		for i := range old.slots {
			if s := old.slots[i].Load(); s != nil && !s.e.dead.Load() {
				x.place(t, s)
			}
		}
		x.tab.Store(t)
	}
	x.place(t, &kslot[K, T]{k: k, e: e})
}

func (x *LocalIndex[K, T]) place(t *ktable[K, T], s *kslot[K, T]) {
	for i := maphash.Comparable(x.seed, s.k) & t.mask; ; i = (i + 1) & t.mask {
		cur := t.slots[i].Load()
		if cur == nil {
			t.used++
			t.slots[i].Store(s)
			return
		}
		if cur.k == s.k {
			t.slots[i].Store(s)
			return
		}
	}
}
