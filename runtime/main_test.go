package runtime_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/cachegen/cachegen/internal/redistest"
)

func TestMain(m *testing.M) {
	switch v := os.Getenv(topologyEnv); v {
	case "", "single", "cluster":
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want single or cluster\n", topologyEnv, v)
		os.Exit(2)
	}
	code := m.Run()
	redistest.StopShared()
	os.Exit(code)
}

// sharedCluster is the cluster of cluster mode: started by the first test
// that asks for it, stopped by TestMain.
func sharedCluster(t *testing.T) *redistest.Cluster { return redistest.SharedCluster(t) }

// flushMasters empties every master of cl.
func flushMasters(t *testing.T, cl *redistest.Cluster) { redistest.FlushCluster(t, cl) }
