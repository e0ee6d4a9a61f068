package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/internal/redistest"
)

// steps are the lines every run prints, whatever the server.
var steps = []string{
	"set     user 42 under quickstart:user:42:",
	"get     user 42 -> Ada Lovelace <ada@example.com>",
	"get     user 404 -> miss (runtime.ErrMiss)",
	"ttl     user 42 -> ",
	"get     user by email ada@example.com -> user 42",
	"Fernet256",
	`decrypted by Get: user 42, CSRF "csrf-s3cr3t-value"`,
	"10 concurrent GetOrLoad calls, loader called 1 time",
	"-> 2 found",
	"stats   UserCache: 2 hits, 1 miss, 0 errors -> hit rate 67%",
	"ok: every step behaved as described",
}

func runQuickstart(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, &out, url); err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, out.String())
	}
	for _, s := range steps {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	return out.String()
}

// TestEmbedded runs the quickstart as `go run ./examples/quickstart` does:
// on its embedded miniredis.
func TestEmbedded(t *testing.T) {
	out := runQuickstart(t, "")
	if !strings.Contains(out, "Redis: embedded miniredis") {
		t.Errorf("output does not say it uses the embedded server:\n%s", out)
	}
}

// TestRealRedis runs the same steps against a real redis-server, twice (the
// second run must find nothing left over by the first), and checks that the
// quickstart leaves no key behind.
func TestRealRedis(t *testing.T) {
	srv := redistest.Start(t)
	runQuickstart(t, srv.URL())
	runQuickstart(t, srv.URL())
	keys, err := srv.Client(t).Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("keys left behind: %q", keys)
	}
}

// TestUnreachable checks that a failure is reported, not printed over.
func TestUnreachable(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL()
	srv.Kill()
	var out strings.Builder
	err := run(context.Background(), &out, url)
	if err == nil || !strings.Contains(err.Error(), "cannot reach Redis") {
		t.Fatalf("run against a dead server: err = %v, want \"cannot reach Redis\"", err)
	}
}

// TestExitStatus runs main itself in a child process: status 0 on the
// embedded server, 1 (and the reason on stderr) when Redis is unreachable.
func TestExitStatus(t *testing.T) {
	if args := os.Getenv("QUICKSTART_ARGS"); args != "" {
		os.Args = append([]string{"quickstart"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	srv := redistest.Start(t)
	dead := srv.URL()
	srv.Kill()
	for _, tc := range []struct {
		args   string
		status int
	}{
		{"-redis=", 0}, // explicit empty URL: the embedded server
		{"-redis=" + dead, 1},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExitStatus$")
		cmd.Env = append(os.Environ(), "QUICKSTART_ARGS="+tc.args, "REDIS_URL=")
		out, err := cmd.CombinedOutput()
		status := 0
		if ee, ok := err.(*exec.ExitError); ok {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != tc.status {
			t.Errorf("quickstart %s: exit status %d, want %d\n%s", tc.args, status, tc.status, out)
		}
		if tc.status != 0 && !strings.Contains(string(out), "quickstart: FAILED: cannot reach Redis") {
			t.Errorf("quickstart %s: no reason given:\n%s", tc.args, out)
		}
	}
}
