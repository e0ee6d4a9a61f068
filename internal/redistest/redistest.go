package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// maxPort keeps port+10000 (the cluster bus port) a valid port number.
	maxPort      = 55535
	busOffset    = 10000
	startTimeout = 10 * time.Second
	portAttempts = 10
	// EnvAddr names the environment variable Shared reads.
	EnvAddr = "CACHEGEN_REDIS_ADDR"
)

var errPortInUse = errors.New("port already in use")

// Server is one redis-server process on 127.0.0.1 (or, from Shared, an
// external server).
type Server struct {
	Addr string // "127.0.0.1:port"
	Port int

	dir      string
	argv     func(port int) ([]string, error) // redis-server arguments for a port
	external bool

	logOff int64 // log size before the current process started

	mu sync.Mutex
	p  *proc // current process; replaced by Restart
}

// Option configures Start.
type Option func(*options)

type options struct{ args []string }

// WithArgs appends redis-server command-line arguments, e.g.
// WithArgs("--maxmemory", "10mb").
func WithArgs(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// Start starts a redis-server on a free loopback port with persistence off,
// waits until it answers, and kills it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	dir := t.TempDir()
	return launch(t, dir, false, func(port int) ([]string, error) {
		return append(baseArgs(port, dir), o.args...), nil
	})
}

// Shared returns the server named by CACHEGEN_REDIS_ADDR when it is set (a
// server owned by someone else: Kill, Stop and Restart panic or fail on it,
// and its keyspace is not flushed), else a fresh server from Start.
func Shared(t testing.TB) *Server {
	t.Helper()
	addr := os.Getenv(EnvAddr)
	if addr == "" {
		return Start(t)
	}
	_, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("redistest: %s=%q: %v", EnvAddr, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatalf("redistest: %s=%q: bad port", EnvAddr, addr)
	}
	if err := probe(addr, 0); err != nil {
		t.Fatalf("redistest: %s=%q does not answer: %v", EnvAddr, addr, err)
	}
	return &Server{Addr: addr, Port: port, external: true}
}

func baseArgs(port int, dir string) []string {
	return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir}
}

// URL returns redis://addr/0.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Client returns a client for the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill sends SIGKILL and waits until the process is reaped. It is a no-op
// if the server is not running.
func (s *Server) Kill() {
	if p := s.proc(); p != nil {
		p.kill()
	}
}

// Stop shuts the server down with SIGTERM, falling back to SIGKILL after 5s.
func (s *Server) Stop() {
	p := s.proc()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.kill()
	}
}

// Restart kills the server if it still runs and starts it again on the same
// port (and with the same arguments), waiting until it answers.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.external {
		t.Fatalf("redistest: cannot restart external server %s", s.Addr)
	}
	s.Kill()
	deadline := time.Now().Add(startTimeout)
	for {
		err := s.run(s.Port)
		if err == nil {
			return
		}
		if !errors.Is(err, errPortInUse) || time.Now().After(deadline) {
			t.Fatalf("redistest: restart on port %d: %v", s.Port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) proc() *proc {
	if s.external {
		panic("redistest: cannot stop external server " + s.Addr + " (from " + EnvAddr + ")")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

func (s *Server) logPath() string {
	return filepath.Join(s.dir, fmt.Sprintf("redis-%d.log", s.Port))
}

// launch starts a server built by argv on a free port (with port+10000 free
// too if bus), retrying on a port clash, and registers its cleanup.
func launch(t testing.TB, dir string, bus bool, argv func(int) ([]string, error)) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redistest: redis-server not found: install it (apt-get install -y redis-server) — real-server tests never skip")
	}
	s := &Server{dir: dir, argv: argv}
	t.Cleanup(s.Kill)
	var err error
	for range portAttempts {
		var port int
		if port, err = freePort(bus); err != nil {
			break
		}
		if err = s.run(port); !errors.Is(err, errPortInUse) {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// freePort returns a loopback port below maxPort that was free a moment ago
// (and whose bus port was free too if bus).
func freePort(bus bool) (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		ok := port < maxPort
		if ok && bus {
			lb, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+busOffset))
			if ok = err == nil; ok {
				_ = lb.Close()
			}
		}
		_ = l.Close()
		if ok {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port below %d", maxPort)
}

// run starts the process on port and waits until it answers. A port clash
// returns an error wrapping errPortInUse.
func (s *Server) run(port int) error {
	args, err := s.argv(port)
	if err != nil {
		return err
	}
	if port != s.Port { // unchanged on Restart, which other goroutines may race with
		s.Port, s.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	log, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if st, err := log.Stat(); err == nil {
		s.logOff = st.Size()
	}
	p, err := spawn(args, log)
	_ = log.Close() // the child holds its own descriptor
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.p = p
	s.mu.Unlock()

	deadline := time.Now().Add(startTimeout)
	for {
		// Identify the server by pid: after a port clash, another server
		// may answer on this port.
		err = probe(s.Addr, p.cmd.Process.Pid)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			err = fmt.Errorf("exited: %v", p.err)
		case <-time.After(5 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
			p.kill()
		}
		tail := s.logTail()
		if strings.Contains(tail, "Address already in use") {
			return fmt.Errorf("%s: %w", s.Addr, errPortInUse)
		}
		return fmt.Errorf("redis-server %q did not start: %v\n--- tail of %s ---\n%s",
			args, err, s.logPath(), tail)
	}
}

// logTail returns the last lines the current process wrote to its log.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return err.Error()
	}
	b = b[min(s.logOff, int64(len(b))):]
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-25):], "\n")
}

// proc is a running (or exited) child process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has been reaped
	err  error         // from cmd.Wait, valid after done
}

// spawn starts redis-server from a goroutine locked to its OS thread; the
// goroutine waits for the child, so the thread (the target of Pdeathsig)
// outlives it. The thread is discarded when the goroutine returns locked.
func spawn(args []string, out *os.File) (*proc, error) {
	p := &proc{done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer close(p.done)
		p.cmd = exec.Command("redis-server", args...)
		p.cmd.Stdout, p.cmd.Stderr = out, out
		p.cmd.SysProcAttr = sysProcAttr()
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// probe sends INFO server to addr and checks that the reply is a server's
// (and, if pid != 0, that it comes from that process).
func probe(addr string, pid int) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "INFO server\r\n"); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "$") {
		return fmt.Errorf("INFO: %s", strings.TrimSpace(line))
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return fmt.Errorf("INFO: bad reply %q", line)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return err
	}
	if pid != 0 && !strings.Contains(string(body), fmt.Sprintf("\nprocess_id:%d\r", pid)) {
		return fmt.Errorf("another process answers on %s", addr)
	}
	return nil
}

// waitFor polls cond every 20ms until it returns nil, failing the test after
// timeout with cond's last error and the tails of the given servers' logs.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() error, logs ...*Server) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, s := range logs {
				fmt.Fprintf(&b, "\n--- tail of %s ---\n%s", s.logPath(), s.logTail())
			}
			t.Fatalf("redistest: timed out after %v waiting for %s: %v%s", timeout, what, err, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// infoField returns field from an INFO or CLUSTER INFO reply.
func infoField(info, field string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}
