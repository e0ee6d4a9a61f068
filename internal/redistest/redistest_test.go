package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMain fails the run if any child process (a redis-server) is left
// behind once every test and cleanup has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv(childEnv) == "" {
		out, err := exec.Command("pgrep", "-a", "-P", strconv.Itoa(os.Getpid())).Output()
		var exit *exec.ExitError
		switch {
		case err == nil:
			fmt.Fprintf(os.Stderr, "redistest: leaked child processes:\n%s", out)
			code = 1
		case !errors.As(err, &exit) || exit.ExitCode() != 1: // 1 means none matched
			fmt.Fprintf(os.Stderr, "redistest: pgrep: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

func TestStartSetGet(t *testing.T) {
	t0 := time.Now()
	s := Start(t)
	t.Logf("server start: %v", time.Since(t0))
	if s.Port <= 0 || s.Port >= maxPort || s.Addr != "127.0.0.1:"+strconv.Itoa(s.Port) {
		t.Fatalf("Addr %q Port %d", s.Addr, s.Port)
	}
	if want := "redis://" + s.Addr + "/0"; s.URL() != want {
		t.Fatalf("URL() = %q, want %q", s.URL(), want)
	}
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET = %q, %v", v, err)
	}
	opt, err := redis.ParseURL(s.URL())
	if err != nil || opt.Addr != s.Addr {
		t.Fatalf("ParseURL(%q) = %+v, %v", s.URL(), opt, err)
	}
}

func TestWithArgs(t *testing.T) {
	s := Start(t, WithArgs("--maxmemory", "12mb"))
	got, err := s.Client(t).ConfigGet(context.Background(), "maxmemory").Result()
	if err != nil || got["maxmemory"] != strconv.Itoa(12<<20) {
		t.Fatalf("CONFIG GET maxmemory = %v, %v", got, err)
	}
}

func TestKillRestartSamePort(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	port := s.Port
	s.Kill()
	if conn, err := net.Dial("tcp", s.Addr); err == nil {
		conn.Close()
		t.Fatal("server accepts connections after Kill")
	}
	t0 := time.Now()
	s.Restart(t)
	t.Logf("restart: %v", time.Since(t0))
	if s.Port != port {
		t.Fatalf("restarted on port %d, want %d", s.Port, port)
	}
	// Same client: the pool redials the same address. Persistence is off,
	// so the key is gone.
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after restart: %v, want redis.Nil", err)
	}
	s.Stop()
	s.Stop() // idempotent
	s.Restart(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Stop+Restart: %v", err)
	}
}

func TestShared(t *testing.T) {
	owned := Start(t)
	t.Setenv(EnvAddr, owned.Addr)
	s := Shared(t)
	if s.Addr != owned.Addr || s.Port != owned.Port {
		t.Fatalf("Shared = %s, want %s", s.Addr, owned.Addr)
	}
	if err := s.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Kill on an external server did not panic")
		}
	}()
	s.Kill()
}

func TestCluster(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	cl := StartCluster(t)
	t.Logf("cluster start: %v", time.Since(t0))
	if len(cl.Addrs) != 3 || len(cl.Masters()) != 3 {
		t.Fatalf("Addrs %v Masters %v", cl.Addrs, cl.Masters())
	}
	ctx := context.Background()
	c := cl.Client(t)
	for i := range 1000 {
		if err := c.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET key:%d: %v", i, err)
		}
	}
	var total int64
	seen := 0
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("master %s holds no keys", m.Options().Addr)
		}
		t.Logf("master %s: %d keys", m.Options().Addr, n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range cl.Masters() {
		mc := redis.NewClient(&redis.Options{Addr: addr})
		n, err := mc.DBSize(ctx).Result()
		_ = mc.Close()
		if err != nil {
			t.Fatal(err)
		}
		total += n
		seen++
	}
	if seen != 3 || total != 1000 {
		t.Fatalf("%d masters hold %d keys, want 3 and 1000", seen, total)
	}
}

func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	st := StartSentinel(t)
	t.Logf("sentinel start: %v", time.Since(t0))
	ctx := context.Background()
	fc := st.FailoverClient(t)
	if err := fc.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := fc.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v", n, err)
	}
	if port := serverPort(t, fc); port != st.Master.Port {
		t.Fatalf("failover client on port %d before failover, want master %d", port, st.Master.Port)
	}

	t0 = time.Now()
	st.KillMaster()
	deadline := t0.Add(30 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := fc.Set(cctx, "after", "2", 0).Err()
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write through the failover client 30s after killing the master: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("failover (kill to first successful SET): %v", time.Since(t0))

	if port := serverPort(t, fc); port != st.Replica.Port {
		t.Fatalf("failover client on port %d, want promoted replica %d", port, st.Replica.Port)
	}
	role, err := st.Replica.Client(t).Do(ctx, "ROLE").Slice()
	if err != nil || len(role) == 0 || role[0] != "master" {
		t.Fatalf("ROLE on promoted replica = %v, %v", role, err)
	}
	// The leader switched at once; the others follow via hello messages.
	for _, addr := range st.SentinelAddrs {
		sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
		defer sc.Close()
		waitFor(t, 10*time.Second, "sentinel "+addr+" to report the new master", func() error {
			hp, err := sc.GetMasterAddrByName(ctx, st.MasterName).Result()
			if err != nil {
				return err
			}
			if got := strings.Join(hp, ":"); got != st.Replica.Addr {
				return fmt.Errorf("master %s, want %s", got, st.Replica.Addr)
			}
			return nil
		})
	}
	for k, want := range map[string]string{"before": "1", "after": "2"} {
		if v, err := fc.Get(ctx, k).Result(); err != nil || v != want {
			t.Fatalf("GET %s = %q, %v; want %q", k, v, err, want)
		}
	}
}

// serverPort returns the port of the server c is talking to.
func serverPort(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(infoField(info, "tcp_port"))
	if err != nil {
		t.Fatalf("INFO server tcp_port: %v", err)
	}
	return port
}

// fatalTB records the first Fatal message and ends the goroutine, as
// testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatal(args ...any) { f.msg = fmt.Sprint(args...); runtime.Goexit() }
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatalMessage runs fn with a fatalTB and returns what it failed with.
func fatalMessage(t *testing.T, fn func(testing.TB)) string {
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); fn(f) }()
	<-done
	return f.msg
}

func TestMissingBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	msg := fatalMessage(t, func(tb testing.TB) { Start(tb) })
	if !strings.Contains(msg, "redis-server not found") || !strings.Contains(msg, "never skip") {
		t.Fatalf("Fatal message %q", msg)
	}
}

func TestStartFailureShowsLog(t *testing.T) {
	msg := fatalMessage(t, func(tb testing.TB) { Start(tb, WithArgs("--no-such-directive", "1")) })
	if !strings.Contains(msg, "did not start") || !strings.Contains(msg, "no-such-directive") ||
		!strings.Contains(msg, "FATAL CONFIG FILE ERROR") {
		t.Fatalf("Fatal message lacks the log tail:\n%s", msg)
	}
}

const childEnv = "REDISTEST_ORPHAN_CHILD"

// TestKilledTestBinary checks Pdeathsig: a child test binary starts a server
// and is SIGKILLed (no cleanup runs); the server must die with it.
func TestKilledTestBinary(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		s := Start(t)
		fmt.Printf("SERVER %s %d\n", s.Addr, s.proc().cmd.Process.Pid)
		select {} // wait to be killed
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledTestBinary$")
	// The child's temp dirs outlive it (no cleanup runs): put them in ours.
	cmd.Env = append(os.Environ(), childEnv+"=1", "TMPDIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var addr string
	var pid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "SERVER %s %d", &addr, &pid); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatalf("child did not report a server: %v", sc.Err())
	}
	if err := probe(addr, pid); err != nil {
		t.Fatalf("child's server %s not up: %v", addr, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitFor(t, 5*time.Second, "the orphaned server to die", func() error {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return errors.New(addr + " still accepts connections")
		}
		// Dead, or a zombie nobody reaps (PID 1 in a container may not).
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err == nil && strings.Contains(string(stat), "(redis-server) ") && !strings.Contains(string(stat), ") Z ") {
			return fmt.Errorf("pid %d still running", pid)
		}
		return nil
	})
}
