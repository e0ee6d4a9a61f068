package redistest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of three masters on loopback, with replicas if
// started by StartClusterWithReplicas.
type Cluster struct {
	Addrs    []string  // master addresses at start, in slot order
	Nodes    []*Server // the master processes, e.g. to Kill or Restart one
	Replicas []*Server // replica processes; Replicas[i] replicates Nodes[i % 3]
}

// StartCluster starts three cluster-enabled servers, assigns each a third
// of the 16384 slots, joins them with CLUSTER MEET (no redis-cli needed),
// and waits until every node reports cluster_state:ok with all slots
// assigned and all three nodes known. The servers are killed when the test
// ends. Startup takes about two seconds: a master waits
// CLUSTER_WRITABLE_DELAY (2s) after boot before it reports state ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	return startCluster(t, 0)
}

// StartClusterWithReplicas is StartCluster with n replicas per master
// (CLUSTER REPLICATE), for failover tests: it also waits until every replica
// has synchronised with its master. Killing a master promotes its replica
// after the cluster node timeout (2 s here) and an election.
func StartClusterWithReplicas(t testing.TB, n int) *Cluster {
	t.Helper()
	return startCluster(t, n)
}

func startCluster(t testing.TB, replicas int) *Cluster {
	t.Helper()
	c := &Cluster{}
	start := func() *Server {
		dir := t.TempDir()
		return launch(t, dir, true, func(port int) ([]string, error) {
			return append(baseArgs(port, dir),
				"--cluster-enabled", "yes",
				"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", port)),
				"--cluster-node-timeout", "2000"), nil
		})
	}
	for range 3 {
		s := start()
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	for range 3 * replicas {
		c.Replicas = append(c.Replicas, start())
	}
	all := append(append([]*Server(nil), c.Nodes...), c.Replicas...)

	ctx := context.Background()
	clients := make([]*redis.Client, len(all))
	for i, s := range all {
		clients[i] = redis.NewClient(&redis.Options{Addr: s.Addr})
		defer clients[i].Close()
	}
	for i, cl := range clients[:3] {
		lo, hi := i*16384/3, (i+1)*16384/3-1
		// Distinct config epochs, as redis-cli --cluster create sets them.
		if err := cl.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err(); err != nil {
			t.Fatalf("redistest: %s: CLUSTER SET-CONFIG-EPOCH: %v", c.Addrs[i], err)
		}
		if err := cl.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("redistest: %s: CLUSTER ADDSLOTSRANGE %d %d: %v", c.Addrs[i], lo, hi, err)
		}
	}
	for _, s := range all[1:] {
		if err := clients[0].ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(s.Port)).Err(); err != nil {
			t.Fatalf("redistest: CLUSTER MEET %s: %v", s.Addr, err)
		}
	}
	if replicas > 0 {
		ids := make([]string, 3)
		for i, cl := range clients[:3] {
			id, err := cl.Do(ctx, "CLUSTER", "MYID").Text()
			if err != nil {
				t.Fatalf("redistest: %s: CLUSTER MYID: %v", c.Addrs[i], err)
			}
			ids[i] = id
		}
		for i, cl := range clients[3:] {
			// A replica can only follow a master it already knows of.
			waitFor(t, 20*time.Second, "replica "+c.Replicas[i].Addr+" to replicate", func() error {
				return cl.Do(ctx, "CLUSTER", "REPLICATE", ids[i%3]).Err()
			}, all...)
		}
	}
	waitFor(t, 30*time.Second, "cluster_state:ok on every node", func() error {
		for i, cl := range clients {
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if infoField(info, "cluster_state") != "ok" ||
				infoField(info, "cluster_slots_assigned") != "16384" ||
				infoField(info, "cluster_slots_ok") != "16384" ||
				infoField(info, "cluster_known_nodes") != strconv.Itoa(len(clients)) {
				return errors.New(all[i].Addr + ": " + info)
			}
		}
		for i, cl := range clients[3:] {
			info, err := cl.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if infoField(info, "master_link_status") != "up" {
				return errors.New(c.Replicas[i].Addr + ": " + info)
			}
		}
		return nil
	}, all...)
	return c
}

// Masters returns the addresses of the masters as started (a failover
// changes them; ask the cluster for its current ones).
func (c *Cluster) Masters() []string { return append([]string(nil), c.Addrs...) }

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}
