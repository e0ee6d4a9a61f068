package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sentinel is a master, one replica and three sentinels monitoring the
// master as MasterName with quorum 2, down-after 1s and failover-timeout 5s.
type Sentinel struct {
	MasterName    string // "mymaster"
	SentinelAddrs []string
	Master        *Server
	Replica       *Server
	Sentinels     []*Server
}

// StartSentinel starts the master, the replica (waiting until its link to
// the master is up, so the sentinels see it in their first INFO), then the
// three sentinels, and waits until every sentinel sees the master, the
// replica and the two other sentinels. Everything is killed when the test
// ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	ctx := context.Background()
	// Redis waits repl-diskless-sync-delay (5s) for more replicas before a
	// full sync; both servers get 0 since either may be master.
	noDelay := WithArgs("--repl-diskless-sync-delay", "0")
	st := &Sentinel{MasterName: "mymaster", Master: Start(t, noDelay)}
	st.Replica = Start(t, noDelay, WithArgs("--replicaof", "127.0.0.1", strconv.Itoa(st.Master.Port)))
	rc := redis.NewClient(&redis.Options{Addr: st.Replica.Addr})
	defer rc.Close()
	waitFor(t, 10*time.Second, "replica link up", func() error {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if infoField(info, "master_link_status") != "up" {
			return fmt.Errorf("replica %s: %s", st.Replica.Addr, info)
		}
		return nil
	}, st.Master, st.Replica)

	for range 3 {
		dir := t.TempDir()
		s := launch(t, dir, false, func(port int) ([]string, error) {
			// Sentinel rewrites its config file, so each gets its own.
			conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
			err := os.WriteFile(conf, fmt.Appendf(nil, `port %d
bind 127.0.0.1
dir %s
sentinel resolve-hostnames no
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %[3]s 1000
sentinel failover-timeout %[3]s 5000
`, port, dir, st.MasterName, st.Master.Port), 0o644)
			return []string{conf, "--sentinel"}, err
		})
		st.Sentinels = append(st.Sentinels, s)
		st.SentinelAddrs = append(st.SentinelAddrs, s.Addr)
	}

	for _, s := range st.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
		defer sc.Close()
		waitFor(t, 20*time.Second, "sentinel "+s.Addr+" to see master, replica and peers", func() error {
			m, err := sc.Master(ctx, st.MasterName).Result()
			if err != nil {
				return err
			}
			if m["flags"] != "master" || m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
				return fmt.Errorf("SENTINEL MASTER: %v", m)
			}
			rs, err := sc.Replicas(ctx, st.MasterName).Result()
			if err != nil {
				return err
			}
			if len(rs) != 1 || rs[0]["name"] != st.Replica.Addr || rs[0]["flags"] != "slave" ||
				rs[0]["master-link-status"] != "ok" {
				return fmt.Errorf("SENTINEL REPLICAS: %v", rs)
			}
			return nil
		}, st.Sentinels...)
	}
	return st
}

// FailoverClient returns a sentinel-backed client for the current master,
// closed when the test ends.
func (st *Sentinel) FailoverClient(t testing.TB) *redis.Client {
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    st.MasterName,
		SentinelAddrs: st.SentinelAddrs,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// KillMaster SIGKILLs the original master; after down-after (1s) the
// sentinels agree it is down and promote the replica.
func (st *Sentinel) KillMaster() { st.Master.Kill() }
