package generator_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/internal/testmod"
)

// TestEndToEnd generates the caches of testdata/e2e into a scratch module,
// builds and vets it, runs staticcheck on it when installed (required when
// CI is set), and runs its test program against a real redis-server.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module and starts redis-server")
	}
	files := map[string]string{}
	for _, name := range []string{"models.go", "models_test.go"} {
		data, err := os.ReadFile(filepath.Join("testdata", "e2e", name))
		if err != nil {
			t.Fatal(err)
		}
		files["models/"+name] = string(data)
	}
	dir := testmod.New(t, "example.com/e2e", files)
	out, err := generator.Generate(generator.Config{Dir: dir, Patterns: []string{"./..."}, Env: testmod.Env()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generator.Write(out); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		if out, err := testmod.Go(t, dir, args...); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	staticcheck(t, dir)

	// CACHEGEN_TOPOLOGY=cluster runs the same program on a 3-master cluster.
	var server string
	if os.Getenv("CACHEGEN_TOPOLOGY") == "cluster" {
		server = "CACHEGEN_REDIS_CLUSTER=" + strings.Join(redistest.StartCluster(t).Addrs, ",")
	} else {
		server = "CACHEGEN_REDIS_ADDR=" + redistest.Start(t).Addr
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", "./...")
	cmd.Dir = dir
	cmd.Env = append(testmod.Env(), server)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the generated code's test program failed: %v\n%s", err, out)
	} else if testing.Verbose() {
		t.Logf("go test in the scratch module:\n%s", out)
	}
}

// staticcheck runs $(go env GOPATH)/bin/staticcheck on the scratch module.
func staticcheck(t *testing.T, dir string) {
	t.Helper()
	gopath, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "staticcheck")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("staticcheck is required under CI: %v", err)
		}
		t.Logf("staticcheck not installed (%v): skipped", err)
		return
	}
	cmd := exec.Command(bin, "./...")
	cmd.Dir = dir
	cmd.Env = testmod.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("staticcheck on the generated code: %v\n%s", err, out)
	}
}
