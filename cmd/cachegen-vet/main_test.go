package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/testmod"
)

const user = `package %s

// User is an account.
//
//cache:key=user:<ID> ttl=1h%s
type User struct {
	ID   int64
	Name string
}
`

func src(pkg, extra string) string {
	return strings.Replace(strings.Replace(user, "%s", pkg, 1), "%s", extra, 1)
}

// TestGoVetVettool builds cachegen-vet and cachegen, and runs
// go vet -vettool on a scratch module: silent with exit 0 on a clean
// package; non-zero with file:line:col (the cachegen command's own line)
// for a bad annotation; non-zero at the annotation for generated code that
// still compiles but no longer matches it.
func TestGoVetVettool(t *testing.T) {
	bin := t.TempDir()
	root := testmod.Root(t)
	for _, cmd := range []string{"cachegen-vet", "cachegen"} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, cmd), "./cmd/"+cmd)
		build.Dir = root
		build.Env = testmod.Env()
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", cmd, err, out)
		}
	}
	dir := testmod.New(t, "example.com/vetscratch", map[string]string{
		"clean/user.go": src("clean", ""),
		"stale/user.go": src("stale", ""),
		"bad/user.go":   src("bad", " colour=red"),
	})
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = testmod.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(filepath.Join(bin, "cachegen"), "./clean", "./stale"); err != nil {
		t.Fatalf("cachegen: %v\n%s", err, out)
	}
	testmod.WriteFile(t, filepath.Join(dir, "stale", "user.go"), strings.Replace(src("stale", ""), "ttl=1h", "ttl=2h", 1))
	if out, err := run("go", "build", "./..."); err != nil {
		t.Fatalf("the scratch module must compile (stale code that compiles is the case): %v\n%s", err, out)
	}
	vet := func(pkg string) (string, error) {
		return run("go", "vet", "-vettool="+filepath.Join(bin, "cachegen-vet"), pkg)
	}

	if out, err := vet("./clean"); err != nil || out != "" {
		t.Errorf("go vet on a clean package: %v, output %q; want exit 0 and no output", err, out)
	}

	cli, err := run(filepath.Join(bin, "cachegen"), "./bad")
	if err == nil || !regexp.MustCompile(`^bad/user.go:5:\d+: `).MatchString(cli) {
		t.Fatalf("cachegen ./bad: %v\n%s", err, cli)
	}
	out, err := vet("./bad")
	if err == nil || !strings.Contains(out, strings.TrimSpace(cli)) {
		t.Errorf("go vet on a bad annotation: %v\n%s\nwant a non-zero exit and cachegen's line %q", err, out, strings.TrimSpace(cli))
	}

	out, err = vet("./stale")
	if want := "stale/user.go:5:1: cache_gen.go does not match the //cache: annotations (stale generated code): run go generate"; err == nil || !strings.Contains(out, want) {
		t.Errorf("go vet on stale code: %v\n%s\nwant a non-zero exit and %q", err, out, want)
	}
}
