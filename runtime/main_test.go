package runtime_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

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
	shared.stop()
	os.Exit(code)
}

// shared is the cluster of cluster mode: started by the first test that
// asks for it, stopped when the package's tests are done. Its servers also
// die with the test binary (redistest starts them with Pdeathsig), so a
// timed-out run leaves nothing behind.
var shared sharedState

type sharedState struct {
	once sync.Once
	tb   *processTB
	cl   *redistest.Cluster
	err  error
}

func sharedCluster(t *testing.T) *redistest.Cluster {
	t.Helper()
	shared.once.Do(func() {
		shared.tb = &processTB{}
		shared.cl, shared.err = shared.tb.run(func(tb testing.TB) *redistest.Cluster {
			return redistest.StartCluster(tb)
		})
		if shared.err != nil {
			shared.tb.cleanup()
		}
	})
	if shared.err != nil {
		t.Fatalf("shared cluster: %v", shared.err)
	}
	return shared.cl
}

func (s *sharedState) stop() {
	if s.tb != nil {
		s.tb.cleanup()
	}
}

// flushMasters empties every master of cl.
func flushMasters(t *testing.T, cl *redistest.Cluster) {
	t.Helper()
	for _, addr := range cl.Masters() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		err := c.FlushDB(context.Background()).Err()
		_ = c.Close()
		must(t, err)
	}
}

// processTB is the testing.TB redistest gets for a server that lives as long
// as the test binary rather than one test: temp dirs and cleanups are kept
// until cleanup, and Fatal aborts run with an error. redistest calls only
// the methods defined here; any other would panic on the nil embedded TB,
// which run reports as an error too.
type processTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	dirs     []string
}

type tbFatal struct{ msg string }

// run calls start, turning a Fatal (or any panic) into an error.
func (p *processTB) run(start func(testing.TB) *redistest.Cluster) (cl *redistest.Cluster, err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(tbFatal); ok {
				err = fmt.Errorf("%s", f.msg)
			} else {
				err = fmt.Errorf("panic: %v", r)
			}
		}
	}()
	return start(p), nil
}

func (p *processTB) Helper()      {}
func (p *processTB) Name() string { return "shared-cluster" }

func (p *processTB) Cleanup(f func()) {
	p.mu.Lock()
	p.cleanups = append(p.cleanups, f)
	p.mu.Unlock()
}

func (p *processTB) TempDir() string {
	d, err := os.MkdirTemp("", "cachegen-shared-cluster-")
	if err != nil {
		p.Fatal(err)
	}
	p.mu.Lock()
	p.dirs = append(p.dirs, d)
	p.mu.Unlock()
	return d
}

func (p *processTB) Fatal(args ...any) { panic(tbFatal{fmt.Sprint(args...)}) }
func (p *processTB) Fatalf(format string, args ...any) {
	panic(tbFatal{fmt.Sprintf(format, args...)})
}
func (p *processTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// cleanup runs the registered cleanups, last first (killing the servers),
// then removes the temp dirs.
func (p *processTB) cleanup() {
	p.mu.Lock()
	fs, dirs := p.cleanups, p.dirs
	p.cleanups, p.dirs = nil, nil
	p.mu.Unlock()
	for _, f := range slices.Backward(fs) {
		f()
	}
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}
