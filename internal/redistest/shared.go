package redistest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// SharedCluster returns one 3-master cluster for a whole test binary: the
// first test that asks starts it, every later one gets the same cluster,
// and StopShared (called from TestMain after m.Run) kills it. Its servers
// also die with the test binary (Pdeathsig), so a timed-out run leaves
// nothing behind. It is not flushed: see FlushCluster.
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() {
		shared.tb = &processTB{}
		shared.cl, shared.err = shared.tb.run(func(tb testing.TB) *Cluster { return StartCluster(tb) })
		if shared.err != nil {
			shared.tb.cleanup()
		}
	})
	if shared.err != nil {
		t.Fatalf("shared cluster: %v", shared.err)
	}
	return shared.cl
}

// StopShared stops the cluster SharedCluster started, if any.
func StopShared() {
	if shared.tb != nil {
		shared.tb.cleanup()
	}
}

// FlushCluster empties every master of cl and resets their INFO
// commandstats, so that a test sees only its own keys and commands.
func FlushCluster(t testing.TB, cl *Cluster) {
	t.Helper()
	for _, addr := range cl.Masters() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		err := c.FlushDB(context.Background()).Err()
		if err == nil {
			err = c.ConfigResetStat(context.Background()).Err()
		}
		_ = c.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

var shared struct {
	once sync.Once
	tb   *processTB
	cl   *Cluster
	err  error
}

// processTB is the testing.TB a server gets that lives as long as the test
// binary rather than one test: temp dirs and cleanups are kept until
// cleanup, and Fatal aborts run with an error. This package calls only the
// methods defined here; any other would panic on the nil embedded TB,
// which run reports as an error too.
type processTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	dirs     []string
}

type tbFatal struct{ msg string }

// run calls start, turning a Fatal (or any panic) into an error.
func (p *processTB) run(start func(testing.TB) *Cluster) (cl *Cluster, err error) {
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
func (p *processTB) Errorf(format string, args ...any) { p.Fatalf(format, args...) }
func (p *processTB) Logf(format string, args ...any)   { fmt.Fprintf(os.Stderr, format+"\n", args...) }

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
