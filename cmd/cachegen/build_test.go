package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/testmod"
)

// These tests build scratch modules with the go command.

const useSrc = `package models

import "github.com/redis/go-redis/v9"

// Open uses the generated constructor inside the package itself.
func Open(c redis.UniversalClient) (*UserCache, error) { return NewUserCache(c) }
`

func TestStaleBuildFailsOnShapeGuard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/user.go": userSrc, "models/use.go": useSrc})
	models := filepath.Join(dir, "models")
	mustRun(t, models)
	if out, err := goCmd(t, dir, testmod.Env(), "build", "./..."); err != nil {
		t.Fatalf("build of fresh generated code: %v\n%s", err, out)
	}
	for _, edit := range []struct{ name, from, to string }{
		{"added field", "Email string", "Email string\n\tName  string"},
		{"retyped field", "Email string", "Email []byte"},
		{"renamed field", "Email string", "Mail  string"},
		{"retagged field", "Email string", "Email string `json:\"mail\"`"},
	} {
		testmod.WriteFile(t, filepath.Join(models, "user.go"), strings.Replace(userSrc, edit.from, edit.to, 1))
		out, err := goCmd(t, dir, testmod.Env(), "build", "./...")
		if err == nil {
			t.Errorf("%s: a stale build compiled", edit.name)
			continue
		}
		if !strings.Contains(out, "cache_gen.go") || !strings.Contains(out, "User{}") {
			t.Errorf("%s: the build failed, but not at the shape guard:\n%s", edit.name, out)
		}
		// The compiler's own message says what to do.
		if !strings.Contains(out, "as _User_changed_run_go_generate value") {
			t.Errorf("%s: the shape guard's error does not say to run go generate:\n%s", edit.name, out)
		}
	}
}

func TestGoGenerateRepairsBrokenOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cachegen and runs go generate")
	}
	bin := t.TempDir()
	// Build the command itself with this process's environment (the
	// working tree's module, not a scratch one).
	if out, err := goCmd(t, ".", os.Environ(), "build", "-o", filepath.Join(bin, "cachegen"), "."); err != nil {
		t.Fatalf("go build cachegen: %v\n%s", err, out)
	}
	env := testmod.Env("PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"))

	src := strings.Replace(userSrc, "package models\n", "package models\n\n//go:generate cachegen\n", 1)
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/user.go": src, "models/use.go": useSrc})
	if out, err := goCmd(t, dir, env, "generate", "./..."); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	if out, err := goCmd(t, dir, env, "build", "./..."); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Remove a field the old generated code names: it no longer compiles,
	// and the package's own code uses identifiers only that file declares.
	testmod.WriteFile(t, filepath.Join(dir, "models", "user.go"), strings.Replace(src, "\tEmail string\n", "", 1))
	if out, err := goCmd(t, dir, env, "build", "./..."); err == nil {
		t.Fatalf("build with stale generated code succeeded:\n%s", out)
	}
	if out, err := goCmd(t, dir, env, "generate", "./..."); err != nil {
		t.Fatalf("go generate on a package whose generated file no longer compiles: %v\n%s", err, out)
	}
	if out, err := goCmd(t, dir, env, "build", "./..."); err != nil {
		t.Fatalf("go build after regenerating: %v\n%s", err, out)
	}
	if out, err := goCmd(t, dir, env, "vet", "./..."); err != nil {
		t.Fatalf("go vet after regenerating: %v\n%s", err, out)
	}
}
