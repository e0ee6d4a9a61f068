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

// Cluster is a Redis Cluster of three masters (no replicas) on loopback.
type Cluster struct {
	Addrs []string  // node addresses, in slot order
	Nodes []*Server // the node processes, e.g. to Kill or Restart one
}

// StartCluster starts three cluster-enabled servers, assigns each a third
// of the 16384 slots, joins them with CLUSTER MEET (no redis-cli needed),
// and waits until every node reports cluster_state:ok with all slots
// assigned and all three nodes known. The servers are killed when the test
// ends. Startup takes about two seconds: a master waits
// CLUSTER_WRITABLE_DELAY (2s) after boot before it reports state ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{}
	for range 3 {
		dir := t.TempDir()
		s := launch(t, dir, true, func(port int) ([]string, error) {
			return append(baseArgs(port, dir),
				"--cluster-enabled", "yes",
				"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", port)),
				"--cluster-node-timeout", "2000"), nil
		})
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}

	ctx := context.Background()
	clients := make([]*redis.Client, len(c.Nodes))
	for i, s := range c.Nodes {
		clients[i] = redis.NewClient(&redis.Options{Addr: s.Addr})
		defer clients[i].Close()
	}
	for i, cl := range clients {
		lo, hi := i*16384/len(clients), (i+1)*16384/len(clients)-1
		// Distinct config epochs, as redis-cli --cluster create sets them.
		if err := cl.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err(); err != nil {
			t.Fatalf("redistest: %s: CLUSTER SET-CONFIG-EPOCH: %v", c.Addrs[i], err)
		}
		if err := cl.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("redistest: %s: CLUSTER ADDSLOTSRANGE %d %d: %v", c.Addrs[i], lo, hi, err)
		}
	}
	for _, s := range c.Nodes[1:] {
		if err := clients[0].ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(s.Port)).Err(); err != nil {
			t.Fatalf("redistest: CLUSTER MEET %s: %v", s.Addr, err)
		}
	}
	waitFor(t, 20*time.Second, "cluster_state:ok on every node", func() error {
		for i, cl := range clients {
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if infoField(info, "cluster_state") != "ok" ||
				infoField(info, "cluster_slots_assigned") != "16384" ||
				infoField(info, "cluster_slots_ok") != "16384" ||
				infoField(info, "cluster_known_nodes") != strconv.Itoa(len(clients)) {
				return errors.New(c.Addrs[i] + ": " + info)
			}
		}
		return nil
	}, c.Nodes...)
	return c
}

// Masters returns the addresses of the masters (all nodes: there are no
// replicas).
func (c *Cluster) Masters() []string { return append([]string(nil), c.Addrs...) }

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}
