package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultLocalMaxAge is the lease of a near-cache entry: the longest a value
// can be served locally without Redis having been asked again. It bounds
// staleness in the window before a dropped invalidation connection is noticed.
const DefaultLocalMaxAge = 2 * time.Second

// WithLocal turns on the near cache with room for size decoded values, and
// overrides the annotation's local=. 0 turns it off.
func WithLocal(size int) Option { return func(c *config) { c.local, c.localSet = size, true } }

// WithLocalMaxAge sets the near-cache lease (default DefaultLocalMaxAge): a
// value is served locally for at most d after it was read from Redis. (Hits
// in the first half of the lease check a clock that a timer advances; if a
// process still serving hits has starved that timer for more than d/2, a
// value may be served up to that lateness past d.)
func WithLocalMaxAge(d time.Duration) Option { return func(c *config) { c.localMaxAge = d } }

// Topology checks of a Cluster near cache: how often the masters are listed
// while the tier serves, and while it waits to serve again.
const (
	nearTopologyEvery  = 250 * time.Millisecond
	nearTopologyRetry  = 50 * time.Millisecond
	nearTopologyBudget = 2 * time.Second // per check
)

// near is the in-process tier of a Store: decoded values kept coherent with
// Redis by server-assisted client-side caching. A tracker — one dedicated
// RESP2 connection — enables CLIENT TRACKING in BCAST mode for the store's
// key prefix, redirected to itself, and subscribes to __redis__:invalidate;
// any write, delete or expiry of a matching key on that server, by anyone,
// evicts the local copy. A single-node or Sentinel client has one tracker; a
// Cluster client has one per master, kept in step with the topology (see
// syncTopology), so every node that can change a key reports it.
//
// Coherence rules:
//   - entries are served only while the tier is armed: every tracker is
//     subscribed and (on a Cluster) the trackers are exactly the masters of
//     the last topology check; any tracker error, reconnect or topology
//     change disarms and clears the whole tier before anything else;
//   - go-redis reconnects a PubSub silently under a new client ID, which
//     would orphan a REDIRECT: tracking is therefore (re)enabled in the
//     connection's OnConnect hook, which also disarms, and the tier arms
//     again only when the new subscription is confirmed;
//   - a value read from Redis is stored only if no invalidation, disarm or
//     arm happened while it was being read (the epoch did not move), so a
//     late reply can never resurrect a value that was just overwritten, nor
//     a value read before tracking covered its node;
//   - every entry expires after a short lease (WithLocalMaxAge), which bounds
//     staleness while a dead connection has not been noticed yet; hits
//     check it against a coarse clock (see leaseTick for the worst case).
type near[T any] struct {
	maxAge time.Duration
	clone  func(*T) *T
	prefix string

	// entries is bounded by S3-FIFO (see s3fifo): on a skewed workload it
	// keeps the frequently read keys where evicting an arbitrary entry (a
	// map's order) lost them (BENCHMARKS.md, the Zipf table).
	entries *s3fifo[T]

	epoch atomic.Uint64
	armed atomic.Bool
	hits  atomic.Uint64

	// clock is a coarse reading of now(), advanced every tick by a timer,
	// so that a hit in the first half of an entry's lease checks it with
	// one atomic load instead of a clock read (see get and leaseTick).
	clock atomic.Int64
	tick  time.Duration

	template *redis.Options       // single node: the client's options
	cluster  *redis.ClusterClient // nil on a single node

	// state guards the trackers and every arm/disarm transition, so that a
	// tracker going down can never be overtaken by a concurrent arm.
	state     sync.Mutex
	trackers  map[string]*tracker[T] // by node address
	confirmed bool                   // trackers == masters of the last check
	closing   bool

	wake chan struct{} // asks the supervisor for a topology check now
	quit chan struct{}
	bg   sync.WaitGroup // the supervisor and the clock
	once sync.Once
}

// tracker is the invalidation connection to one node.
type tracker[T any] struct {
	addr   string
	client *redis.Client
	pubsub *redis.PubSub
	id     atomic.Int64 // client ID of the tracking connection
	ok     bool         // subscribed with tracking on; guarded by near.state
	done   chan struct{}
	quit   chan struct{}
}

var clockBase = time.Now()

// now is a monotonic clock reading; cheaper to compare than time.Time.
func now() int64 { return int64(time.Since(clockBase)) }

// leaseTick is how often the coarse clock of a near cache with lease
// maxAge advances: an eighth of the lease, within [1 ms, 50 ms].
//
// Worst-case staleness: a hit compares the coarse clock with the entry's
// lease, and once the coarse clock says half the lease has passed it reads
// the real clock. The coarse clock is never ahead of the real one, so an
// entry is never served past its lease unless the clock's timer has fallen
// more than half a lease behind (a process starved of CPU for a second at
// the default lease of 2 s, while still serving hits); then it is served
// at most that lateness past its lease.
func leaseTick(maxAge time.Duration) time.Duration {
	return min(max(maxAge/8, time.Millisecond), 50*time.Millisecond)
}

// runClock advances n.clock every tick until the near cache is closed.
func (n *near[T]) runClock() {
	defer n.bg.Done()
	t := time.NewTicker(n.tick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			n.clock.Store(now())
		case <-n.quit:
			return
		}
	}
}

// startNear starts the invalidation listeners for keys starting with prefix.
// It never dials: the listeners connect in the background.
func startNear[T any](c redis.UniversalClient, prefix string, size int, maxAge time.Duration, clone func(*T) *T) (*near[T], error) {
	if maxAge <= 0 {
		maxAge = DefaultLocalMaxAge
	}
	n := &near[T]{maxAge: maxAge, clone: clone, prefix: prefix, entries: newS3FIFO[T](size), tick: leaseTick(maxAge),
		trackers: make(map[string]*tracker[T]),
		wake:     make(chan struct{}, 1), quit: make(chan struct{})}
	n.clock.Store(now())
	switch rc := c.(type) {
	case *redis.Client:
		n.template = rc.Options()
		n.confirmed = true // one node, no topology to follow
		n.state.Lock()
		n.addTracker(n.template.Addr)
		n.state.Unlock()
	case *redis.ClusterClient:
		n.cluster = rc
		n.bg.Add(1)
		go n.supervise()
	case *redis.Ring:
		return nil, errors.New("local near cache: a Ring is not supported: its shards leave and rejoin on heartbeats no server reports, so invalidations cannot be tracked before keys move (use a Cluster client, a single-node or a Sentinel client)")
	default:
		return nil, fmt.Errorf("local near cache needs a single-node, Sentinel or Cluster client, not %T", c)
	}
	n.bg.Add(1)
	go n.runClock()
	return n, nil
}

// addTracker starts a tracker for the node at addr; n.state is held.
func (n *near[T]) addTracker(addr string) {
	opt := *n.template
	opt.Addr = addr
	opt.Protocol = 2 // invalidations as Pub/Sub messages on __redis__:invalidate
	opt.PoolSize = 1
	opt.MinIdleConns = 0
	opt.MaxIdleConns = 0
	opt.ClientSideCacheConfig = nil
	opt.ClientSideCache = nil
	// Own settings, not the node client's: go-redis updates its
	// maintenance-notification mode in place while it connects.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	opt.PushNotificationProcessor = nil
	t := &tracker[T]{addr: addr, done: make(chan struct{}), quit: make(chan struct{})}
	userOnConnect := opt.OnConnect
	opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if userOnConnect != nil {
			if err := userOnConnect(ctx, cn); err != nil {
				return err
			}
		}
		// A new connection has a new client ID, and invalidations sent
		// while the old one was gone are lost: what is cached may be stale.
		n.trackerDown(t)
		id, err := cn.ClientID(ctx).Result()
		if err != nil {
			return err
		}
		t.id.Store(id)
		return cn.Do(ctx, "CLIENT", "TRACKING", "on", "REDIRECT", id, "BCAST", "PREFIX", n.prefix).Err()
	}
	t.client = redis.NewClient(&opt)
	// No channel yet: Subscribe without channels does not dial, so the
	// constructor never contacts Redis; listen subscribes.
	t.pubsub = t.client.Subscribe(context.Background())
	n.trackers[addr] = t
	go n.listen(t)
}

// listen applies one tracker's invalidations until it is closed.
func (n *near[T]) listen(t *tracker[T]) {
	defer close(t.done)
	ctx := context.Background()
	// An error here (Redis down) still registers the channel: the first
	// Receive reconnects and subscribes.
	_ = t.pubsub.Subscribe(ctx, "__redis__:invalidate")
	for {
		msg, err := t.pubsub.Receive(ctx)
		if err != nil {
			n.trackerDown(t)
			if errors.Is(err, redis.ErrClosed) {
				return
			}
			n.poke() // a node that stays down may have been failed over
			select {
			case <-time.After(50 * time.Millisecond): // let go-redis reconnect
			case <-t.quit:
				return
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				n.trackerUp(t)
			}
		case *redis.Message:
			n.epoch.Add(1)
			if len(m.PayloadSlice) == 0 {
				n.clear() // FLUSHDB / FLUSHALL: null payload
				continue
			}
			for _, k := range m.PayloadSlice {
				n.entries.del(k)
			}
		}
	}
}

// trackerDown marks t as not listening and disarms the tier before any
// further local hit.
func (n *near[T]) trackerDown(t *tracker[T]) {
	n.state.Lock()
	t.ok = false
	n.disarmLocked()
	n.state.Unlock()
}

// trackerUp marks t as listening and arms the tier if every tracker is.
func (n *near[T]) trackerUp(t *tracker[T]) {
	n.state.Lock()
	if n.trackers[t.addr] == t {
		t.ok = true
		n.tryArmLocked()
	}
	n.state.Unlock()
}

func (n *near[T]) disarmLocked() {
	n.armed.Store(false)
	n.epoch.Add(1)
	n.clear()
}

// tryArmLocked arms the tier when every tracker of the confirmed topology
// is subscribed. The epoch moves first, so a value read from Redis before
// this point (perhaps before its node was tracked) is never stored.
func (n *near[T]) tryArmLocked() {
	if n.armed.Load() || !n.confirmed || n.closing || len(n.trackers) == 0 {
		return
	}
	for _, t := range n.trackers {
		if !t.ok {
			return
		}
	}
	n.epoch.Add(1)
	n.clear()
	n.armed.Store(true)
}

// poke asks the supervisor for a topology check without waiting for it.
func (n *near[T]) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// supervise keeps one tracker on every master of a Cluster: it lists the
// masters every nearTopologyEvery (more often while the tier is disarmed,
// and at once when a tracker drops), starts trackers for new masters, stops
// those of nodes that are no longer masters, and disarms and clears the
// tier whenever the set changes, since a node that was not tracked may have
// changed keys that are held locally.
func (n *near[T]) supervise() {
	defer n.bg.Done()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), nearTopologyBudget)
		n.syncTopology(ctx)
		cancel()
		every := nearTopologyEvery
		if !n.armed.Load() {
			every = nearTopologyRetry
		}
		select {
		case <-n.wake:
		case <-time.After(every):
		case <-n.quit:
			return
		}
	}
}

func (n *near[T]) syncTopology(ctx context.Context) {
	if n.template == nil {
		// The options of a node client: dialer, credentials, TLS and
		// timeouts as the Cluster client uses them.
		node, err := n.cluster.MasterForKey(ctx, n.prefix)
		if err != nil {
			return
		}
		n.template = node.Options()
	}
	masters, err := clusterMasters(ctx, n.cluster)
	if err != nil || len(masters) == 0 {
		return // the next check retries; trackers of dead nodes keep the tier disarmed
	}
	var gone []*tracker[T]
	n.state.Lock()
	defer func() {
		n.state.Unlock()
		for _, t := range gone {
			t.close()
		}
	}()
	if n.closing {
		return
	}
	changed := len(masters) != len(n.trackers)
	for _, addr := range masters {
		if _, ok := n.trackers[addr]; !ok {
			changed = true
		}
	}
	if !changed {
		n.confirmed = true
		n.tryArmLocked()
		return
	}
	n.disarmLocked()
	// The Cluster client itself may still route to a node that is gone
	// (go-redis reloads its slot map on MOVED, or every
	// ClusterStateReloadInterval): tell it the topology changed.
	n.cluster.ReloadState(ctx)
	for addr, t := range n.trackers {
		if !slices.Contains(masters, addr) {
			gone = append(gone, t)
			delete(n.trackers, addr)
		}
	}
	for _, addr := range masters {
		if _, ok := n.trackers[addr]; !ok {
			n.addTracker(addr)
		}
	}
	n.confirmed = true // arms once the new trackers have subscribed
}

// clusterMasters lists the address of every master that can hold keys, from
// CLUSTER NODES: masters with slots, and masters without slots too (a node
// being resharded into receives keys before it owns its first slot), but
// not a failed master that has lost its slots to a promoted replica, nor a
// node still in handshake.
func clusterMasters(ctx context.Context, cc *redis.ClusterClient) ([]string, error) {
	txt, err := cc.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, err
	}
	var out []string
	for line := range strings.SplitSeq(txt, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		flags := strings.Split(f[2], ",")
		if !slices.Contains(flags, "master") || slices.Contains(flags, "handshake") || slices.Contains(flags, "noaddr") {
			continue
		}
		if slices.Contains(flags, "fail") && len(f) == 8 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		addr, _, _ = strings.Cut(addr, ",")
		if strings.HasPrefix(addr, ":") {
			continue // no address known yet
		}
		out = append(out, addr)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (t *tracker[T]) close() {
	close(t.quit)
	_ = t.pubsub.Close()
	_ = t.client.Close()
	<-t.done
}

func (n *near[T]) clear() { n.entries.clear() }

// get returns the caller's own copy of a live local entry.
func (n *near[T]) get(key string) (*T, bool) {
	if !n.armed.Load() {
		return nil, false
	}
	e, ok := n.entries.get(key)
	if !ok {
		return nil, false
	}
	return n.serve(e)
}

// serve returns the caller's own copy of e's value if its lease allows.
func (n *near[T]) serve(e *s3entry[T]) (*T, bool) {
	if c := n.clock.Load(); c > e.expires || c > e.check && now() > e.expires {
		return nil, false
	}
	c := n.clone(e.v)
	if c == nil { // a copy through the codec failed: read Redis instead
		return nil, false
	}
	n.hits.Add(1)
	return c, true
}

// begin returns the epoch to pass to put after reading from Redis.
func (n *near[T]) begin() uint64 { return n.epoch.Load() }

// put stores a copy of v unless an invalidation arrived since begin. The
// epoch is checked under the index's write lock, which every invalidation
// takes after moving the epoch: either the invalidation removes this
// entry, or this check sees it and stores nothing.
func (n *near[T]) put(key string, v *T, epoch uint64) {
	if !n.armed.Load() || n.epoch.Load() != epoch {
		return
	}
	c := n.clone(v)
	if c == nil { // cannot be copied (see codecClone): not kept
		return
	}
	t := now()
	n.entries.set(key, c, t+int64(n.maxAge/2), t+int64(n.maxAge), &n.epoch, epoch)
}

// drop removes key after a local write; Redis's own invalidation follows.
func (n *near[T]) drop(key string) {
	n.epoch.Add(1)
	n.entries.del(key)
}

// trackerIDs returns the client ID of each tracking connection by node
// address (for tests, which kill them).
func (n *near[T]) trackerIDs() map[string]int64 {
	n.state.Lock()
	defer n.state.Unlock()
	out := make(map[string]int64, len(n.trackers))
	for addr, t := range n.trackers {
		out[addr] = t.id.Load()
	}
	return out
}

func (n *near[T]) close() error {
	n.once.Do(func() {
		n.state.Lock()
		n.closing = true
		n.disarmLocked()
		n.state.Unlock()
		close(n.quit)
		n.bg.Wait()
		n.state.Lock()
		ts := n.trackers
		n.trackers = nil
		n.state.Unlock()
		for _, t := range ts {
			t.close()
		}
	})
	return nil
}
