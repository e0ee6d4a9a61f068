package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

// TestSentinelFailover: a Store and a RedisCache over a Sentinel
// (failover) client keep working while the master is SIGKILLed and the
// sentinels promote the replica. During the switch every call returns the
// right value or an error — never a value that was never written for that
// key, never a panic; within a bounded wait Set and Get work again, against
// the promoted replica.
//
// Replication is asynchronous: a write acknowledged just before the kill may
// be lost, so a read during or after the switch may return an older value of
// the key. The test allows that and asserts only that every value read was
// written for that key at some point — except for values the replica had
// confirmed (WAIT) before the kill, which must survive.
func TestSentinelFailover(t *testing.T) {
	singleNodeOnly(t, "starts its own Sentinel group, whatever the topology")
	st := redistest.StartSentinel(t)
	// What an application should configure: context deadlines bound every
	// call, and dials give up quickly while the master is gone.
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:            st.MasterName,
		SentinelAddrs:         st.SentinelAddrs,
		ContextTimeoutEnabled: true,
		DialTimeout:           250 * time.Millisecond,
		ReadTimeout:           500 * time.Millisecond,
		WriteTimeout:          500 * time.Millisecond,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	store := newUsers(t, rdb, runtime.WithPrefix("s:"))
	cache := runtime.NewRedisCache(rdb, runtime.WithPrefix("c:"))
	// A near cache over the failover client: its tracking connection must
	// follow the master too.
	near := newUsers(t, rdb, runtime.WithPrefix("n:"), runtime.WithLocal(100), runtime.WithClone(cloneUser))
	defer near.Close()
	waitArmed(t, near)
	nearKey := userKey(near, 1)
	must(t, near.Set(ctx, nearKey, &User{ID: 1, Email: "before"}, 0))
	for i := 0; near.Stats().LocalHits == 0; i++ {
		if _, err := near.Get(ctx, nearKey); err != nil || i == 100 {
			t.Fatalf("near cache never served locally: %v", err)
		}
	}
	nearID := runtime.LocalClientID(near)

	// written[key] holds every value ever sent for key, registered before
	// the Set is sent (a Set that errors may still have been applied).
	var mu sync.Mutex
	written := map[string]map[string]bool{}
	record := func(key, v string) {
		mu.Lock()
		defer mu.Unlock()
		if written[key] == nil {
			written[key] = map[string]bool{}
		}
		written[key][v] = true
	}
	wasWritten := func(key, v string) bool {
		mu.Lock()
		defer mu.Unlock()
		return written[key][v]
	}
	op := func(d time.Duration) (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, d) }

	// Values confirmed by the replica before the kill must survive it.
	durable := map[string]string{}
	for i := range 20 {
		k, v := fmt.Sprint("durable", i), fmt.Sprint("durable-value-", i)
		record(k, v)
		must(t, cache.Set(ctx, k, v, 0))
		durable[k] = v
		u := &User{ID: int64(1000 + i), Email: v}
		record(userKey(store, u.ID), v)
		must(t, store.Set(ctx, userKey(store, u.ID), u, 0))
	}
	conn := rdb.Conn()
	must(t, conn.Set(ctx, "fence", 1, 0).Err())
	if n, err := conn.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v", n, err)
	}
	_ = conn.Close()

	const workers, keysPerWorker = 4, 5
	var (
		stop       = make(chan struct{})
		wg         sync.WaitGroup
		killedAt   atomic.Int64 // unix nanos; 0 before the kill
		recoveredN atomic.Int64 // unix nanos of the first full round begun after the kill
		okOps      atomic.Int64
		errOps     atomic.Int64
	)
	check := func(what, key string, got string) {
		if !wasWritten(key, got) {
			t.Errorf("%s %s returned %q, a value never written for that key", what, key, got)
		}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("worker %d panicked: %v", w, r)
				}
			}()
			var keys []string
			for i := range keysPerWorker {
				keys = append(keys, userKey(store, int64(w*keysPerWorker+i)))
			}
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				began := time.Now().UnixNano()
				i := seq % keysPerWorker
				id := int64(w*keysPerWorker + i)
				ck := fmt.Sprintf("w%d:%d", w, i)
				v := fmt.Sprintf("%s#%d", ck, seq)
				ok := true

				record(ck, v)
				c, cancel := op(300 * time.Millisecond)
				if err := cache.Set(c, ck, v, 0); err != nil {
					ok = false
				}
				var got string
				switch err := cache.Get(c, ck, &got); {
				case err == nil:
					check("RedisCache.Get", ck, got)
				case errors.Is(err, runtime.ErrMiss):
					// The key's only acknowledged writes were lost.
					ok = false
				default:
					ok = false
				}
				cancel()

				record(keys[i], v)
				c, cancel = op(300 * time.Millisecond)
				if err := store.Set(c, keys[i], &User{ID: id, Email: v}, 0); err != nil {
					ok = false
				}
				us, err := store.GetMany(c, keys)
				cancel()
				if err != nil {
					ok = false
				}
				for j, u := range us {
					if u != nil {
						check("Store.GetMany", keys[j], u.Email)
						if u.ID != int64(w*keysPerWorker+j) {
							t.Errorf("Store.GetMany %s returned ID %d", keys[j], u.ID)
						}
					}
				}

				if ok {
					okOps.Add(1)
					if k := killedAt.Load(); k != 0 && began > k {
						recoveredN.CompareAndSwap(0, time.Now().UnixNano())
					}
				} else {
					errOps.Add(1)
				}
			}
		}()
	}

	time.Sleep(300 * time.Millisecond)
	if okOps.Load() == 0 {
		t.Fatalf("no successful operation before the kill (%d errors)", errOps.Load())
	}
	killedAt.Store(time.Now().UnixNano())
	st.KillMaster()
	const bound = 30 * time.Second
	deadline := time.Now().Add(bound)
	for recoveredN.Load() == 0 {
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("Set/Get did not work again within %v of the kill (%d errors)", bound, errOps.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Duration(recoveredN.Load() - killedAt.Load())
	time.Sleep(300 * time.Millisecond) // keep going on the new master for a while
	close(stop)
	wg.Wait()
	t.Logf("recovered %v after the kill; %d rounds succeeded, %d had an error", took.Round(time.Millisecond), okOps.Load(), errOps.Load())
	if errOps.Load() == 0 {
		t.Fatal("no call failed while the master was down: the switch was not exercised")
	}

	// The client now talks to the promoted replica.
	info, err := rdb.Info(ctx, "server", "replication").Result()
	must(t, err)
	if !strings.Contains(info, fmt.Sprintf("tcp_port:%d\r", st.Replica.Port)) || !strings.Contains(info, "role:master") {
		t.Fatalf("failover client is not on the promoted replica (port %d):\n%s", st.Replica.Port, info)
	}

	// After the switch: what is written reads back, through this client and
	// a fresh default one; what the replica had confirmed survived.
	other := st.FailoverClient(t)

	// The near cache re-armed on a new connection to the new master and
	// hears of writes made there by others.
	for deadline := time.Now().Add(bound); runtime.LocalClientID(near) == nearID || !runtime.LocalArmed(near); {
		if time.Now().After(deadline) {
			t.Fatalf("near cache not re-armed within %v of the failover", bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	must(t, newUsers(t, other, runtime.WithPrefix("n:")).Set(ctx, nearKey, &User{ID: 1, Email: "after"}, 0))
	for deadline := time.Now().Add(time.Second); ; {
		u, err := near.Get(ctx, nearKey)
		must(t, err)
		if u.Email == "after" {
			break
		}
		if u.Email != "before" || time.Now().After(deadline) {
			t.Fatalf("near cache serves %q after another client's write on the new master", u.Email)
		}
		time.Sleep(5 * time.Millisecond)
	}
	otherCache := runtime.NewRedisCache(other, runtime.WithPrefix("c:"))
	otherStore := newUsers(t, other, runtime.WithPrefix("s:"))
	for k, v := range durable {
		var got string
		must(t, otherCache.Get(ctx, k, &got))
		if got != v {
			t.Fatalf("%s = %q after failover, want the replicated %q", k, got, v)
		}
	}
	for i := range 20 {
		u, err := otherStore.Get(ctx, userKey(store, int64(1000+i)))
		if err != nil || u.Email != fmt.Sprint("durable-value-", i) {
			t.Fatalf("replicated user %d after failover = %+v, %v", 1000+i, u, err)
		}
	}
	for i := range 50 {
		k, v := fmt.Sprint("post", i), fmt.Sprint("post-value-", i)
		must(t, cache.Set(ctx, k, v, 0))
		var a, b string
		must(t, cache.Get(ctx, k, &a))
		must(t, otherCache.Get(ctx, k, &b))
		if a != v || b != v {
			t.Fatalf("%s = %q / %q after failover, want %q", k, a, b, v)
		}
		u := &User{ID: int64(i), Email: v}
		must(t, store.Set(ctx, userKey(store, u.ID), u, 0))
		got, err := otherStore.Get(ctx, userKey(store, u.ID))
		if err != nil || got.Email != v {
			t.Fatalf("user %d after failover = %+v, %v", i, got, err)
		}
	}
}
