package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/internal/testmod"
)

const userSrc = `package models

// User is an account.
//
//cache:key=user:<ID> ttl=1h
type User struct {
	ID    int64
	Email string
}
`

// cachegen runs the command in dir and returns its exit code and output.
func cachegen(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(dir, testmod.Env(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	if code, _, stderr := cachegen(t, dir, args...); code != 0 {
		t.Fatalf("cachegen %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
}

func TestCheckAfterStructEdit(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/user.go": userSrc})
	models := filepath.Join(dir, "models")

	code, _, stderr := cachegen(t, models, "-check")
	if code != 1 || !strings.Contains(stderr, "cache_gen.go: missing") {
		t.Fatalf("-check before generating: exit %d, want 1 naming the missing file\n%s", code, stderr)
	}
	mustRun(t, models)
	mustRun(t, models, "-check")

	testmod.WriteFile(t, filepath.Join(models, "user.go"), strings.Replace(userSrc, "Email string", "Email string\n\tName  string", 1))
	code, _, stderr = cachegen(t, models, "-check")
	if code != 1 || !strings.Contains(stderr, "cache_gen.go: stale") {
		t.Fatalf("-check after a struct edit: exit %d, want 1 naming the stale file\n%s", code, stderr)
	}
	mustRun(t, models)
	if code, _, stderr := cachegen(t, models, "-check"); code != 0 {
		t.Fatalf("-check after regenerating: exit %d\n%s", code, stderr)
	}
}

func TestCheckPatternsFromModuleRoot(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{
		"a/user.go":  userSrc,
		"b/user.go":  userSrc,
		"c/plain.go": "package c\n",
	})
	mustRun(t, dir, "./...")
	for _, p := range []string{"a/cache_gen.go", "b/cache_gen.go"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not written: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "c", "cache_gen.go")); err == nil {
		t.Error("a package without annotations got a generated file")
	}
	testmod.WriteFile(t, filepath.Join(dir, "b", "user.go"), strings.Replace(userSrc, "ttl=1h", "ttl=2h", 1))
	code, _, stderr := cachegen(t, dir, "-check", "./...")
	if code != 1 || !strings.Contains(stderr, filepath.Join("b", "cache_gen.go")+": stale") || strings.Contains(stderr, filepath.Join("a", "cache_gen.go")) {
		t.Fatalf("-check ./...: exit %d, want 1 naming b/cache_gen.go only\n%s", code, stderr)
	}
}

func TestRemovedAnnotations(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/user.go": userSrc})
	models := filepath.Join(dir, "models")
	mustRun(t, models)
	testmod.WriteFile(t, filepath.Join(models, "user.go"), strings.Replace(userSrc, "//cache:key=user:<ID> ttl=1h\n", "", 1))
	code, _, stderr := cachegen(t, models, "-check")
	if code != 1 || !strings.Contains(stderr, "no longer wanted") {
		t.Fatalf("-check after removing every annotation: exit %d, want 1\n%s", code, stderr)
	}
	_, _, stderr = cachegen(t, models, "-v")
	if !strings.Contains(stderr, "removed") {
		t.Errorf("-v does not report the removal:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(models, "cache_gen.go")); !os.IsNotExist(err) {
		t.Fatalf("old generated file still there: %v", err)
	}
	mustRun(t, models, "-check")
}

func TestErrorsWriteNothing(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{
		"good/user.go": userSrc,
		"bad/user.go":  strings.Replace(userSrc, "<ID>", "<Id>", 1),
	})
	mustRun(t, filepath.Join(dir, "good"))
	good := filepath.Join(dir, "good", "cache_gen.go")
	before, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// good changes too, but bad's error means nothing may be written.
	testmod.WriteFile(t, filepath.Join(dir, "good", "user.go"), strings.Replace(userSrc, "ttl=1h", "ttl=2h", 1))
	code, _, stderr := cachegen(t, dir, "./...")
	want := filepath.Join("bad", "user.go") + ":5:19: unknown field <Id>; did you mean <ID>?\n"
	if code != 2 || stderr != want {
		t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, want)
	}
	after, err := os.ReadFile(good)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("good/cache_gen.go changed although the run failed (err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad", "cache_gen.go")); !os.IsNotExist(err) {
		t.Fatalf("bad/cache_gen.go written: %v", err)
	}
}

func TestUnchangedFileNotRewritten(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/user.go": userSrc})
	models := filepath.Join(dir, "models")
	mustRun(t, models)
	path := filepath.Join(models, "cache_gen.go")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	_, _, stderr := cachegen(t, models, "-v")
	if !strings.Contains(stderr, "cache_gen.go: up to date") {
		t.Errorf("-v output %q", stderr)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(old) {
		t.Errorf("an up-to-date file was rewritten (mtime %v, want %v)", fi.ModTime(), old)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(models)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestRefusesForeignFile(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{
		"models/user.go":      userSrc,
		"models/cache_gen.go": "package models\n\n// Hand-written.\nvar x = 1\n",
	})
	code, _, stderr := cachegen(t, filepath.Join(dir, "models"))
	if code != 2 || !strings.Contains(stderr, "cache_gen.go:1:1: refusing to overwrite") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
}

func TestOutputFlag(t *testing.T) {
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/user.go": userSrc})
	models := filepath.Join(dir, "models")
	mustRun(t, models, "-o", "zz_cache.go")
	if _, err := os.Stat(filepath.Join(models, "zz_cache.go")); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"x/y.go", "x_test.go", "x.txt"} {
		if code, _, _ := cachegen(t, models, "-o", bad); code != 2 {
			t.Errorf("-o %s: exit %d, want 2", bad, code)
		}
	}
}

func TestVersionAndUsage(t *testing.T) {
	code, stdout, _ := cachegen(t, ".", "-version")
	if code != 0 || !strings.HasPrefix(stdout, "cachegen ") {
		t.Errorf("-version: exit %d, %q", code, stdout)
	}
	if code, _, _ := cachegen(t, ".", "-nope"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
}
