package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// This file repeats the few lines of generator/internal/testmod the
// command's tests need (that package is internal to generator/).

// repoRoot is the cachegen module's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// scratch makes a module requiring cachegen (replaced by the working tree)
// and holding files; it returns its directory.
func scratch(t *testing.T, files map[string]string) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("module example.com/scratch\n\ngo 1.26.0\n\nrequire github.com/cachegen/cachegen v0.0.0-00010101000000-000000000000\n\n")
	b.WriteString("replace github.com/cachegen/cachegen => " + root + "\n\n")
	in := false
	for line := range strings.SplitSeq(string(mod), "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "require (") {
			in = true
		}
		if in || strings.HasPrefix(trim, "require ") {
			b.WriteString(line + "\n")
		}
		if in && trim == ")" {
			in = false
		}
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.mod"] = b.String()
	files["go.sum"] = string(sum)
	for name, content := range files {
		write(t, filepath.Join(dir, filepath.FromSlash(name)), content)
	}
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goEnv is the environment for go commands in scratch modules: no -modfile
// or -mod from the caller's GOFLAGS, -mod=mod instead, no workspace.
func goEnv(extra ...string) []string {
	var env []string
	flags := []string{"-mod=mod"}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS":
			for f := range strings.FieldsSeq(v) {
				if !strings.HasPrefix(f, "-modfile") && !strings.HasPrefix(f, "-mod=") {
					flags = append(flags, f)
				}
			}
			continue
		case "GOWORK":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOFLAGS="+strings.Join(flags, " "), "GOWORK=off")
	return append(env, extra...)
}

// goCmd runs the go command in dir.
func goCmd(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
