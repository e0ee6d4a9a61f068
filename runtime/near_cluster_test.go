package runtime_test

// The near cache on a real Redis Cluster (issue 16): one tracking
// connection per master, coherent through writes, removals, raw DELs, a
// killed tracking connection, a failover and a slot migration.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

const nearKeys = 300

// nearIDs are the user IDs of the near-cache cluster tests.
var nearIDs = func() []int64 {
	out := make([]int64, nearKeys)
	for i := range out {
		out[i] = int64(i)
	}
	return out
}()

func email(version, id int64) string { return fmt.Sprintf("v%d-%d", version, id) }

// writeAll stores version v of every id through w.
func writeAll(t *testing.T, w *runtime.Store[User], ids []int64, v int64) {
	t.Helper()
	for _, id := range ids {
		must(t, w.Set(ctx, userKey(w, id), &User{ID: id, Email: email(v, id)}, 0))
	}
}

// allLocal reads ids until one whole pass is served by the near cache.
func allLocal(t *testing.T, r *runtime.Store[User], ids []int64) {
	t.Helper()
	for pass := 0; ; pass++ {
		before := r.Stats().LocalHits
		for _, id := range ids {
			if _, err := r.Get(ctx, userKey(r, id)); err != nil {
				t.Fatalf("pass %d: %d: %v", pass, id, err)
			}
		}
		if r.Stats().LocalHits-before == uint64(len(ids)) {
			return
		}
		if pass == 100 {
			t.Fatalf("after %d passes, still only %d of %d reads local", pass, r.Stats().LocalHits-before, len(ids))
		}
		time.Sleep(time.Millisecond)
	}
}

// waitServed polls r until every id reads as want(id) ("" = a miss), within
// bound, and fails if an id that already read right reads wrong again.
// Errors are tolerated while tolerate is set (a failover in progress); any
// other wrong value is fine until the key first reads right.
func waitServed(t *testing.T, r *runtime.Store[User], ids []int64, want func(int64) string, bound time.Duration, tolerate bool) {
	t.Helper()
	done := map[int64]bool{}
	deadline := time.Now().Add(bound)
	for {
		for _, id := range ids {
			u, err := r.Get(ctx, userKey(r, id))
			got := ""
			switch {
			case err == nil:
				got = u.Email
			case errors.Is(err, runtime.ErrMiss):
			case tolerate:
				continue
			default:
				t.Fatalf("%d: %v", id, err)
			}
			if got == want(id) {
				done[id] = true
			} else if done[id] {
				t.Fatalf("%d read %q after it had read %q", id, got, want(id))
			}
		}
		if len(done) == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			var stale []string
			for _, id := range ids {
				if !done[id] {
					u, err := r.Get(ctx, userKey(r, id))
					stale = append(stale, fmt.Sprintf("%d:%v/%v", id, u, err))
				}
			}
			t.Fatalf("%d of %d keys not as expected after %v: %v", len(stale), len(ids), bound, stale[:min(len(stale), 10)])
		}
		time.Sleep(time.Millisecond)
	}
}

// waitTrackers waits until the near cache is armed with one tracker on each
// of the given masters.
func waitTrackers(t *testing.T, r *runtime.Store[User], masters []string, bound time.Duration) map[string]int64 {
	t.Helper()
	slices.Sort(masters)
	deadline := time.Now().Add(bound)
	for {
		ids := runtime.LocalClientIDs(r)
		if runtime.LocalArmed(r) && slices.Equal(slices.Sorted(maps.Keys(ids)), masters) {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("near cache not armed on masters %v within %v: armed %v, trackers %v", masters, bound, runtime.LocalArmed(r), ids)
		}
		time.Sleep(time.Millisecond)
	}
}

// idsByMaster maps each master's address to the ids whose keys it holds.
func idsByMaster(t *testing.T, rdb redis.UniversalClient, s *runtime.Store[User], ids []int64) map[string][]int64 {
	t.Helper()
	byKey := map[string]int64{}
	for _, id := range ids {
		byKey[userKey(s, id)] = id
	}
	out := map[string][]int64{}
	for addr, keys := range scanMasters(t, rdb, s.Prefix()+"user:*") {
		for _, k := range keys {
			if id, ok := byKey[k]; ok {
				out[addr] = append(out[addr], id)
			}
		}
	}
	return out
}

func nodeClient(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestNearCacheCluster: a reader with a near cache and a writer on another
// client share 300 keys spread over every master of a 3-master cluster.
func TestNearCacheCluster(t *testing.T) {
	cl := newCluster(t)
	w := newUsers(t, cl.Client(t), runtime.WithPrefix("near:"))
	r := newUsers(t, cl.Client(t), runtime.WithPrefix("near:"), runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Minute), runtime.WithClone(cloneUser))
	defer r.Close()
	raw := cl.Client(t) // not cachegen
	waitTrackers(t, r, cl.Masters(), 10*time.Second)

	writeAll(t, w, nearIDs, 1)
	byMaster := idsByMaster(t, raw, w, nearIDs)
	if len(byMaster) != 3 {
		t.Fatalf("keys on %d masters, want 3: %v", len(byMaster), byMaster)
	}
	allLocal(t, r, nearIDs)

	// Every key updated by the writer: the reader serves every new value
	// within a second, then from its near cache again.
	writeAll(t, w, nearIDs, 2)
	waitServed(t, r, nearIDs, func(id int64) string { return email(2, id) }, time.Second, false)
	allLocal(t, r, nearIDs)

	// Remove by the writer, and a raw DEL by a client that is not cachegen.
	for _, id := range nearIDs[:100] {
		if _, err := w.Remove(ctx, userKey(w, id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range nearIDs[100:200] {
		must(t, raw.Del(ctx, userKey(w, id)).Err())
	}
	waitServed(t, r, nearIDs, func(id int64) string {
		if id < 200 {
			return ""
		}
		return email(2, id)
	}, time.Second, false)

	// CLIENT KILL of one tracking connection: that node's entries are
	// dropped (nothing was written, so no invalidation can have done it)
	// before the tier serves again, and tracking works on the new
	// connection.
	writeAll(t, w, nearIDs, 3)
	waitServed(t, r, nearIDs, func(id int64) string { return email(3, id) }, time.Second, false)
	allLocal(t, r, nearIDs)
	ids := runtime.LocalClientIDs(r)
	victim := slices.Sorted(maps.Keys(ids))[0]
	must(t, nodeClient(t, victim).Do(ctx, "CLIENT", "KILL", "ID", ids[victim]).Err())
	deadline := time.Now().Add(5 * time.Second)
	for runtime.LocalClientIDs(r)[victim] == ids[victim] || !runtime.LocalArmed(r) {
		if time.Now().After(deadline) {
			t.Fatal("tracking not re-armed on a new connection")
		}
		time.Sleep(time.Millisecond)
	}
	before := r.Stats().LocalHits
	for _, id := range byMaster[victim] {
		u, err := r.Get(ctx, userKey(r, id))
		must(t, err)
		if u.Email != email(3, id) {
			t.Fatal(u)
		}
	}
	if n := r.Stats().LocalHits - before; n != 0 {
		t.Fatalf("%d of %d keys of %s served locally after its tracking connection was killed", n, len(byMaster[victim]), victim)
	}
	writeAll(t, w, nearIDs, 4)
	waitServed(t, r, nearIDs, func(id int64) string { return email(4, id) }, time.Second, false)

	// Kill it again and write that node's keys at once, perhaps while
	// nothing listens: once re-armed, the reader serves only the new values.
	allLocal(t, r, nearIDs)
	ids = runtime.LocalClientIDs(r)
	must(t, nodeClient(t, victim).Do(ctx, "CLIENT", "KILL", "ID", ids[victim]).Err())
	writeAll(t, w, byMaster[victim], 5)
	waitTrackers(t, r, cl.Masters(), 5*time.Second)
	for _, id := range byMaster[victim] {
		u, err := r.Get(ctx, userKey(r, id))
		must(t, err)
		if u.Email != email(5, id) {
			t.Fatalf("%d: stale %q after the tracking connection was replaced", id, u.Email)
		}
	}

	// Close stops every tracking connection.
	ids = runtime.LocalClientIDs(r)
	must(t, r.Close())
	for addr, id := range ids {
		deadline := time.Now().Add(5 * time.Second)
		for {
			list, err := nodeClient(t, addr).ClientList(ctx).Result()
			must(t, err)
			if !strings.Contains(list, fmt.Sprintf("id=%d ", id)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("tracking connection %d on %s still open after Close", id, addr)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if _, err := r.Get(ctx, userKey(r, 1)); !errors.Is(err, runtime.ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}
}

// TestNearCacheClusterFailover: a master with near-cached keys is killed
// and its replica promoted. Once the writer has written new values through
// the new master, the reader never serves an old one, and it serves from
// its near cache again with a tracker on the promoted node.
func TestNearCacheClusterFailover(t *testing.T) {
	singleNodeOnly(t, "starts its own cluster with replicas")
	cl := redistest.StartClusterWithReplicas(t, 1)
	client := func() *redis.ClusterClient {
		// What an application should configure: bounded calls, and a slot
		// map that follows a failover within a second (go-redis's default
		// reload interval is a minute).
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs, ContextTimeoutEnabled: true,
			DialTimeout: 250 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond,
			ClusterStateReloadInterval: time.Second})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	w := newUsers(t, client())
	r := newUsers(t, client(), runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Minute), runtime.WithClone(cloneUser))
	defer r.Close()
	waitTrackers(t, r, cl.Masters(), 10*time.Second)
	writeAll(t, w, nearIDs, 1)
	allLocal(t, r, nearIDs)

	// The victim's replica must hold v1 before the kill, or the failover
	// could legitimately lose it.
	victim, replica := cl.Nodes[0], cl.Replicas[0]
	vc, rc := nodeClient(t, victim.Addr), nodeClient(t, replica.Addr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err1 := vc.Info(ctx, "replication").Result()
		s, err2 := rc.Info(ctx, "replication").Result()
		must(t, errors.Join(err1, err2))
		if off := infoValue(m, "master_repl_offset"); off != "" && off == infoValue(s, "slave_repl_offset") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica never caught up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	victim.Kill()

	// Write v2 everywhere, retrying while the failover is in progress.
	deadline = time.Now().Add(30 * time.Second)
	for _, id := range nearIDs {
		for {
			err := w.Set(ctx, userKey(w, id), &User{ID: id, Email: email(2, id)}, 0)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no write accepted 30 s after killing a master: %v", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	masters := []string{replica.Addr, cl.Nodes[1].Addr, cl.Nodes[2].Addr}
	// Errors are fine while the reader's client finds the new master; an
	// old value is not.
	waitServed(t, r, nearIDs, func(id int64) string { return email(2, id) }, 10*time.Second, true)
	waitTrackers(t, r, masters, 5*time.Second)
	allLocal(t, r, nearIDs)
	writeAll(t, w, nearIDs, 3)
	waitServed(t, r, nearIDs, func(id int64) string { return email(3, id) }, time.Second, false)
}

func infoValue(info, field string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// TestNearCacheClusterMigration: slots holding near-cached keys migrate to
// another master (CLUSTER SETSLOT + MIGRATE, as redis-cli --cluster reshard
// does), with writes in the middle of the migration; no old value is served
// once it is complete, and the moved keys are near-cached again.
func TestNearCacheClusterMigration(t *testing.T) {
	singleNodeOnly(t, "starts its own cluster to reshard")
	cl := redistest.StartCluster(t)
	w := newUsers(t, cl.Client(t))
	r := newUsers(t, cl.Client(t), runtime.WithLocal(1000), runtime.WithLocalMaxAge(time.Minute), runtime.WithClone(cloneUser))
	defer r.Close()
	waitTrackers(t, r, cl.Masters(), 10*time.Second)
	writeAll(t, w, nearIDs, 1)
	allLocal(t, r, nearIDs)

	nodes := map[string]*redis.Client{}
	nodeIDs := map[string]string{}
	for _, addr := range cl.Addrs {
		nodes[addr] = nodeClient(t, addr)
		id, err := nodes[addr].Do(ctx, "CLUSTER", "MYID").Text()
		must(t, err)
		nodeIDs[addr] = id
	}
	src, dst := cl.Addrs[0], cl.Addrs[1]
	moved := idsByMaster(t, cl.Client(t), w, nearIDs)[src][:20]
	slots := map[int64]bool{}
	for _, id := range moved {
		slots[int64(runtime.Slot(userKey(w, id)))] = true
	}
	_, dstPort, _ := strings.Cut(dst, ":")
	for slot := range slots {
		must(t, nodes[dst].Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", nodeIDs[src]).Err())
		must(t, nodes[src].Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", nodeIDs[dst]).Err())
	}
	// Half-way: some keys moved, then the writer writes v2 (its client
	// follows ASK redirections) while the reader keeps reading.
	migrate := func(slot int64) {
		keys, err := nodes[src].Do(ctx, "CLUSTER", "GETKEYSINSLOT", slot, 1000).StringSlice()
		must(t, err)
		if len(keys) == 0 {
			return
		}
		args := []any{"MIGRATE", "127.0.0.1", dstPort, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		must(t, nodes[src].Do(ctx, args...).Err())
	}
	slotList := slices.Sorted(maps.Keys(slots))
	for _, slot := range slotList[:len(slotList)/2] {
		migrate(slot)
	}
	writeAll(t, w, moved, 2)
	waitServed(t, r, moved, func(id int64) string { return email(2, id) }, time.Second, false)
	for _, slot := range slotList[len(slotList)/2:] {
		migrate(slot)
	}
	for _, slot := range slotList {
		for _, addr := range []string{dst, src, cl.Addrs[2]} {
			must(t, nodes[addr].Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", nodeIDs[dst]).Err())
		}
	}
	if got := idsByMaster(t, cl.Client(t), w, moved)[dst]; len(got) != len(moved) {
		t.Fatalf("%d of %d keys on the destination after the migration", len(got), len(moved))
	}
	waitServed(t, r, nearIDs, func(id int64) string {
		if slices.Contains(moved, id) {
			return email(2, id)
		}
		return email(1, id)
	}, time.Second, false)
	allLocal(t, r, nearIDs)
	writeAll(t, w, nearIDs, 3)
	waitServed(t, r, nearIDs, func(id int64) string { return email(3, id) }, time.Second, false)
}

func TestNearCacheRingRefused(t *testing.T) {
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	_, err := runtime.NewStore[User](ring, userSpec, runtime.WithLocal(10))
	if err == nil || !strings.Contains(err.Error(), "Ring") {
		t.Fatalf("near cache on a Ring: %v", err)
	}
}
