// Package bench compares cachegen with hand-written go-redis code and with
// github.com/go-redis/cache/v9 on the same struct, in one run, against a real
// redis-server. It is a separate module so that the main module does not
// depend on go-redis/cache. The benchmarks are in bench_test.go; see
// BENCHMARKS.md at the repository root for how to run them.
package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvAddr names the environment variable that points the benchmarks at an
// existing server instead of starting one.
const EnvAddr = "REDIS_ADDR"

// Server returns the address of a redis-server for the benchmarks and a
// function that stops it: the server named by REDIS_ADDR if set (left
// running), else a fresh redis-server on a free loopback port without
// persistence. The child inherits the caller's CPU affinity, so running the
// benchmarks under `taskset -c 0` pins both.
func Server() (addr string, stop func(), err error) {
	if addr := os.Getenv(EnvAddr); addr != "" {
		return addr, func() {}, ping(addr, 5*time.Second)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return "", nil, errors.New("bench: redis-server not found (apt-get install -y redis-server) and REDIS_ADDR not set")
	}
	dir, err := os.MkdirTemp("", "cachegen-bench-")
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	}
	if err := ping(addr, 10*time.Second); err != nil {
		stop()
		return "", nil, err
	}
	return addr, stop, nil
}

func ping(addr string, wait time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(wait)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: redis at %s does not answer: %w", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
