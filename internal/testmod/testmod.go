// Package testmod makes scratch Go modules for the generator's and the CLI's tests: a
// temporary directory with a go.mod that requires the cachegen module
// (replaced by the working tree) and a copy of its go.sum, so packages
// inside it can import the runtime and the module's dependencies offline.
package testmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root returns the absolute path of the cachegen module's root directory.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testmod: cannot locate the source file")
	}
	// file is <root>/internal/testmod/testmod.go.
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// New creates a scratch module named modPath in a new temporary directory
// and writes files (relative slash paths → content) into it. It returns
// the module's directory.
func New(t testing.TB, modPath string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	Init(t, dir, modPath)
	proto := false
	for name, content := range files {
		WriteFile(t, filepath.Join(dir, filepath.FromSlash(name)), content)
		proto = proto || strings.Contains(content, `"`+protobufModule+"/")
	}
	if proto {
		Protobuf(t, dir)
	}
	return dir
}

// protobufModule is the module of protobuf messages (codec=proto).
const protobufModule = "google.golang.org/protobuf"

// Protobuf adds google.golang.org/protobuf to the scratch module in dir, at
// the version the protobuf example module (examples/foreign) requires and
// with its go.sum lines: the cachegen module itself does not require
// protobuf, so that its users do not get the dependency. New calls it when
// a file imports a protobuf package.
func Protobuf(t testing.TB, dir string) {
	t.Helper()
	src := filepath.Join(Root(t), "examples", "foreign")
	mod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(src, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var req, sums strings.Builder
	for line := range strings.SplitSeq(string(mod), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == protobufModule {
			req.WriteString("require " + f[0] + " " + f[1] + "\n")
		}
	}
	for line := range strings.SplitSeq(string(sum), "\n") {
		if strings.HasPrefix(line, protobufModule+" ") {
			sums.WriteString(line + "\n")
		}
	}
	if req.Len() == 0 {
		t.Fatalf("testmod: %s/go.mod does not require %s", src, protobufModule)
	}
	appendFile(t, filepath.Join(dir, "go.mod"), req.String())
	appendFile(t, filepath.Join(dir, "go.sum"), sums.String())
}

func appendFile(t testing.TB, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Init writes go.mod and go.sum of a scratch module into dir.
func Init(t testing.TB, dir, modPath string) {
	t.Helper()
	root := Root(t)
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("module " + modPath + "\n\ngo 1.26.0\n\nrequire github.com/cachegen/cachegen v0.0.0-00010101000000-000000000000\n\n")
	b.WriteString("replace github.com/cachegen/cachegen => " + root + "\n\n")
	// The root module's requirements, so that every package it can import
	// resolves to the same versions and its go.sum lines apply.
	b.WriteString(requireBlock(string(rootMod)))
	WriteFile(t, filepath.Join(dir, "go.mod"), b.String())
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, filepath.Join(dir, "go.sum"), string(sum))
}

// requireBlock extracts the require directives of a go.mod.
func requireBlock(mod string) string {
	var b strings.Builder
	in := false
	for line := range strings.SplitSeq(mod, "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case in:
			b.WriteString(line + "\n")
			if trim == ")" {
				in = false
			}
		case strings.HasPrefix(trim, "require ("):
			in = true
			b.WriteString(line + "\n")
		case strings.HasPrefix(trim, "require "):
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// WriteFile writes a file, creating its directory.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Env returns the environment for go commands run in scratch modules: the
// current one without GOFLAGS entries that point at another module file
// (-modfile) and with -mod=mod, so a scratch module may record a checksum
// the copied go.sum lacks. GOWORK is off. extra entries are appended.
func Env(extra ...string) []string {
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

// Go runs the go command in dir and returns its combined output.
func Go(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = Env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}
