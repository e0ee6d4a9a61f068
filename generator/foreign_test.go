package generator_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/internal/testmod"
)

// TestForeignStructUpgrade caches a struct of another module through an
// annotated alias, then upgrades that module to a version whose struct has
// another field: cachegen -check reports the generated file stale, the
// shape guard breaks the build, and after regeneration the key has a new
// schema version, so the new build misses what the old one stored in a
// real Redis instead of decoding a value of the other shape.
func TestForeignStructUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds scratch modules and starts redis-server")
	}
	dep := t.TempDir()
	testmod.WriteFile(t, filepath.Join(dep, "go.mod"), "module example.com/apiclient\n\ngo 1.26.0\n")
	writeRepository := func(extra string) {
		testmod.WriteFile(t, filepath.Join(dep, "apiclient.go"), `package apiclient

// Repository is an API model this module does not own.
type Repository struct {
	ID   *int64  `+"`json:\"id,omitempty\"`"+`
	Name *string `+"`json:\"name,omitempty\"`"+`
	`+extra+`
}
`)
	}
	writeRepository("")

	dir := testmod.New(t, "example.com/svc", map[string]string{
		"svc/svc.go": `package svc

import "example.com/apiclient"

//cache:key=repo:<ID> ttl=1h
type Repo = apiclient.Repository
`,
		"probe/main.go": `// Command probe stores or reads repository 1 through the generated cache.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cachegen/cachegen/runtime"
	"github.com/redis/go-redis/v9"

	"example.com/apiclient"
	"example.com/svc/svc"
)

func main() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: os.Args[1]})
	repos, err := svc.NewRepoCache(rdb)
	if err != nil {
		panic(err)
	}
	fmt.Println("key", repos.Key(1))
	switch os.Args[2] {
	case "set":
		id, name := int64(1), "hello"
		if err := repos.Set(ctx, &apiclient.Repository{ID: &id, Name: &name}); err != nil {
			panic(err)
		}
	case "get":
		r, err := repos.Get(ctx, 1)
		switch {
		case errors.Is(err, runtime.ErrMiss):
			fmt.Println("miss")
		case err != nil:
			panic(err)
		default:
			fmt.Println("hit", *r.Name)
		}
	}
}
`,
	})
	mod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(mod)
	if err != nil {
		t.Fatal(err)
	}
	testmod.WriteFile(t, mod, string(data)+"\nrequire example.com/apiclient v0.0.0\n\nreplace example.com/apiclient => "+dep+"\n")

	// The cachegen command, as go generate runs it.
	bin := filepath.Join(t.TempDir(), "cachegen")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cachegen")
	build.Dir = testmod.Root(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building cachegen: %v\n%s", err, out)
	}
	cachegen := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = testmod.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	server := redistest.Start(t)
	addr := server.Addr
	probeBin := filepath.Join(t.TempDir(), "probe")
	buildProbe := func() {
		t.Helper()
		if out, err := testmod.Go(t, dir, "build", "-o", probeBin, "./probe"); err != nil {
			t.Fatalf("building the probe: %v\n%s", err, out)
		}
	}
	probe := func(op string) (key, result string) {
		t.Helper()
		out, err := exec.Command(probeBin, addr, op).CombinedOutput()
		if err != nil {
			t.Fatalf("probe %s: %v\n%s", op, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		key = strings.TrimPrefix(lines[0], "key ")
		if len(lines) > 1 {
			result = lines[len(lines)-1]
		}
		return key, result
	}

	if out, err := cachegen("./svc"); err != nil {
		t.Fatalf("cachegen: %v\n%s", err, out)
	}
	if out, err := cachegen("-check", "./svc"); err != nil {
		t.Fatalf("cachegen -check right after generating: %v\n%s", err, out)
	}
	buildProbe()
	oldKey, _ := probe("set")
	if _, res := probe("get"); res != "hit hello" {
		t.Fatalf("get before the upgrade: %q, want a hit", res)
	}

	// The dependency's new version adds a field to the struct.
	writeRepository("Stars *int `json:\"stargazers_count,omitempty\"`")
	out, err := cachegen("-check", "./svc")
	if code := exitCode(err); code != 1 || !strings.Contains(out, "cache_gen.go: stale") {
		t.Fatalf("cachegen -check after the upgrade: exit %d, want 1 naming the stale file:\n%s", code, out)
	}
	out, err = testmod.Go(t, dir, "build", "./...")
	if err == nil || !strings.Contains(out, "cache_gen.go") {
		t.Fatalf("go build with the stale generated file: %v, want the shape guard to fail:\n%s", err, out)
	}

	if out, err := cachegen("./svc"); err != nil {
		t.Fatalf("cachegen after the upgrade: %v\n%s", err, out)
	}
	buildProbe()
	newKey, res := probe("get")
	if newKey == oldKey {
		t.Fatalf("key %s kept its schema version through a change of the foreign struct", newKey)
	}
	if res != "miss" {
		t.Fatalf("the new build read the old build's value: %q, want a miss", res)
	}
	rdb := server.Client(t)
	if n, err := rdb.Exists(t.Context(), oldKey).Result(); err != nil || n != 1 {
		t.Fatalf("the old build's value under %s: %d, %v (want it untouched)", oldKey, n, err)
	}
	probe("set")
	if _, res := probe("get"); res != "hit hello" {
		t.Fatalf("get after the upgrade and a set: %q, want a hit", res)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
