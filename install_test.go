package cachegen_test

// The README's Install section is walked in empty modules, as a newcomer
// would: the commands it shows, taken from the README itself, then
// go generate, go mod tidy, go vet, cachegen -check and a program that uses
// the generated cache against a real redis-server.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/internal/testmod"
)

const (
	installModel = `package models

//go:generate %s

// User is an account.
//
//cache:key=user:<ID> ttl=1h
type User struct {
	ID   int64
	Name string
}
`
	installMain = `package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/redis/go-redis/v9"

	"example.com/svc/models"
)

func main() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: os.Args[1]})
	users, err := models.NewUserCache(rdb)
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()
	if err := users.Set(ctx, &models.User{ID: 42, Name: "Ada"}); err != nil {
		log.Fatal(err)
	}
	u, err := users.Get(ctx, 42)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name, users.Key(42))
}
`
	// cachegenModule is the requirement line the walks look for in go.mod.
	cachegenModule = "github.com/cachegen/cachegen v0.0.0"
)

// installSection returns the README's Install section: its text and its
// ```sh blocks.
func installSection(t *testing.T) (text string, blocks []string) {
	t.Helper()
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	_, text, ok := strings.Cut(string(data), "\n## Install\n")
	if !ok {
		t.Fatal("README.md has no ## Install section")
	}
	text, _, _ = strings.Cut(text, "\n## ")
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return text, blocks
}

// commands returns the command lines of a ```sh block, comments dropped.
func commands(block string) []string {
	var out []string
	for line := range strings.SplitSeq(block, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// walk is one empty module being set up.
type walk struct {
	t   *testing.T
	dir string
}

// newWalk makes an empty module example.com/svc (go mod init) holding files.
// The checkout's go.sum is copied in: it stands in for the checksum
// database, which a CI machine may not reach, and pins nothing else.
func newWalk(t *testing.T, files map[string]string) *walk {
	w := &walk{t, t.TempDir()}
	w.sh("go mod init example.com/svc")
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, content := range files {
		testmod.WriteFile(t, filepath.Join(w.dir, filepath.FromSlash(name)), content)
	}
	return w
}

// run runs a command line in the module with sh, failing the test on error.
func (w *walk) sh(line string, env ...string) string {
	w.t.Helper()
	out, err := w.try(line, env...)
	if err != nil {
		w.t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return out
}

func (w *walk) try(line string, env ...string) (string, error) {
	w.t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = w.dir
	cmd.Env = testmod.Env(env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (w *walk) goMod() string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, "go.mod"))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// requirement returns cachegen's require line of go.mod, or "".
func (w *walk) requirement() string {
	for line := range strings.SplitSeq(w.goMod(), "\n") {
		if line = strings.TrimSpace(strings.TrimPrefix(line, "require ")); strings.HasPrefix(line, cachegenModule) {
			return line
		}
	}
	return ""
}

// generateAndRun generates, tidies, checks and runs the service.
func (w *walk) generateAndRun(srv *redistest.Server) {
	w.t.Helper()
	w.sh("go generate ./...")
	if _, err := os.Stat(filepath.Join(w.dir, "models", "cache_gen.go")); err != nil {
		w.t.Fatalf("go generate wrote no models/cache_gen.go: %v", err)
	}
	w.sh("go mod tidy")
	if req := w.requirement(); req != cachegenModule {
		w.t.Fatalf("after generating and go mod tidy, go.mod requires %q, want a direct %q:\n%s", req, cachegenModule, w.goMod())
	}
	w.sh("go vet ./...")
	w.sh("go tool cachegen -check ./...")
	if out := w.sh("go run . " + srv.Addr); !regexp.MustCompile(`^Ada user:42:v[0-9a-f]{7}\n$`).MatchString(out) {
		w.t.Fatalf("the service printed %q", out)
	}
}

func TestInstallSection(t *testing.T) {
	text, blocks := installSection(t)
	const tool = "github.com/cachegen/cachegen/cmd/cachegen"
	if len(blocks) == 0 || strings.Join(commands(blocks[0]), "\n") != "go get -tool "+tool {
		t.Fatalf("README.md: the Install section must lead with `go get -tool %s`; its first sh block is %q", tool, blocks)
	}
	if !strings.Contains(text, "//go:generate go tool cachegen") {
		t.Fatal("README.md: the Install section does not show //go:generate go tool cachegen")
	}
	var local []string
	for _, b := range blocks {
		if strings.Contains(b, "-replace=") {
			local = commands(b)
		}
	}
	if local == nil {
		t.Fatal("README.md: the Install section has no local-checkout block (go mod edit -replace=…)")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	files := func(generate string) map[string]string {
		return map[string]string{
			"models/user.go": strings.Replace(installModel, "%s", generate, 1),
			"main.go":        installMain,
		}
	}

	t.Run("go get -tool", func(t *testing.T) {
		w := newWalk(t, files("go tool cachegen"))
		// The module is not published, so a replace stands in for the
		// module proxy's copy, and the proxy is not asked (it would be
		// asked whether …/cmd/cachegen is a module of its own).
		w.sh("go mod edit -require=github.com/cachegen/cachegen@v0.0.0 -replace=github.com/cachegen/cachegen=" + root)
		for _, line := range commands(blocks[0]) {
			w.sh(line, "GOPROXY=off")
		}
		if !strings.Contains(w.goMod(), "\ntool "+tool+"\n") {
			t.Fatalf("go.mod after go get -tool has no tool directive:\n%s", w.goMod())
		}
		// The README's promise: go mod tidy before the first go generate
		// keeps the requirement (indirect until the runtime is imported).
		w.sh("go mod tidy")
		if req := w.requirement(); req != cachegenModule+" // indirect" {
			t.Fatalf("go mod tidy before generating: cachegen requirement %q, want it kept as indirect:\n%s", req, w.goMod())
		}
		w.generateAndRun(srv)
	})

	t.Run("local checkout", func(t *testing.T) {
		w := newWalk(t, files("go tool cachegen"))
		for _, line := range local {
			w.sh(strings.ReplaceAll(line, "=../cachegen", "="+root))
		}
		w.generateAndRun(srv)
	})

	// The README's warning: with the go run form and a plain requirement,
	// go mod tidy before the first go generate removes the requirement and
	// go generate fails.
	t.Run("go run form, tidy first", func(t *testing.T) {
		w := newWalk(t, map[string]string{"models/user.go": strings.Replace(installModel, "%s", "go run "+tool, 1)})
		w.sh("go mod edit -require=github.com/cachegen/cachegen@v0.0.0 -replace=github.com/cachegen/cachegen=" + root)
		w.sh("go mod tidy")
		if req := w.requirement(); req != "" {
			t.Fatalf("go mod tidy kept %q; the README's warning is wrong", req)
		}
		// Without testmod's -mod=mod, as a user runs it.
		out, err := w.try("go generate ./...", "GOFLAGS=")
		// Without a replace the go command says "no required module
		// provides package"; with one, "is replaced but not required".
		if err == nil || !regexp.MustCompile(`no required module provides package|replaced but not required`).MatchString(out) {
			t.Fatalf("go generate after an early tidy: %v\n%s", err, out)
		}
	})
}
