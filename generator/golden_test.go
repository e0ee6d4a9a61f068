package generator_test

import (
	"errors"
	"flag"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/testmod"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata")

const (
	goldenOut = "cache_gen.go.golden"
	goldenErr = "expected.err"
)

// goldenCase is one directory of ../testdata: an input package (its .go
// files) and either the expected generated file or the expected errors.
type goldenCase struct {
	name  string
	dir   string
	files map[string]string
}

func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	root := filepath.Join(testmod.Root(t), "testdata")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c := goldenCase{name: e.Name(), dir: filepath.Join(root, e.Name()), files: map[string]string{}}
		srcs, err := filepath.Glob(filepath.Join(c.dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range srcs {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			c.files[filepath.Base(src)] = string(data)
		}
		cases = append(cases, c)
	}
	if len(cases) < 17 {
		t.Fatalf("found %d golden cases in %s, want at least 17", len(cases), root)
	}
	return cases
}

// runCase generates for a case in a scratch module and returns the output
// (or the error text) and the golden file it is compared with.
func runCase(t *testing.T, c goldenCase) (got, golden string) {
	t.Helper()
	dir := testmod.New(t, "example.com/"+c.name, c.files)
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Generate(generator.Config{Dir: dir, Env: testmod.Env()})
	if err != nil {
		var list generator.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("Generate: %v", err)
		}
		return list.Format(dir) + "\n", goldenErr
	}
	if len(files) != 1 {
		t.Fatalf("Generate returned %d files, want 1", len(files))
	}
	return string(files[0].Content), goldenOut
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, golden := runCase(t, c)
			path := filepath.Join(c.dir, golden)
			if *update {
				other := goldenOut
				if golden == goldenOut {
					other = goldenErr
				}
				os.Remove(filepath.Join(c.dir, other))
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v\n(run go test ./generator -update to create it)\ngot:\n%s", err, got)
			}
			if d := diff("want/"+golden, "got", string(want), got); d != "" {
				t.Errorf("output differs from testdata/%s/%s (run go test ./generator -update to accept):\n%s", c.name, golden, d)
			}
		})
	}
}

// TestGoldenDeterministic generates one case twice and expects the very
// same bytes.
func TestGoldenDeterministic(t *testing.T) {
	for _, c := range goldenCases(t) {
		if c.name != "two_caches" {
			continue
		}
		a, _ := runCase(t, c)
		b, _ := runCase(t, c)
		if a != b {
			t.Fatalf("two runs differ:\n%s", diff("first", "second", a, b))
		}
		return
	}
	t.Fatal("case two_caches not found")
}

// TestGoldenOutputsCompile builds every golden output with its input in one
// scratch module and vets it: the goldens must be valid code against the
// current runtime package.
func TestGoldenOutputsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	files := map[string]string{}
	n := 0
	for _, c := range goldenCases(t) {
		out, err := os.ReadFile(filepath.Join(c.dir, goldenOut))
		if err != nil {
			continue
		}
		n++
		for name, src := range c.files {
			if name == "cache_gen.go" {
				continue
			}
			files[c.name+"/"+name] = src
		}
		files[c.name+"/cache_gen.go"] = string(out)
	}
	if n == 0 {
		t.Fatal("no golden outputs")
	}
	dir := testmod.New(t, "example.com/goldens", files)
	if out, err := testmod.Go(t, dir, "vet", "./..."); err != nil {
		t.Fatalf("go vet of the golden outputs failed: %v\n%s", err, out)
	}
}

// diff returns a unified diff of two texts, or "" when they are equal.
func diff(nameA, nameB, a, b string) string {
	if a == b {
		return ""
	}
	return unifiedDiff(nameA, nameB, splitLines(a), splitLines(b))
}

func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// TestGoldenGofmt checks that every golden output is exactly what gofmt
// makes of it.
func TestGoldenGofmt(t *testing.T) {
	for _, c := range goldenCases(t) {
		src, err := os.ReadFile(filepath.Join(c.dir, goldenOut))
		if err != nil {
			continue
		}
		formatted, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if d := diff("golden", "gofmt", string(src), string(formatted)); d != "" {
			t.Errorf("%s: golden output is not gofmt'd:\n%s", c.name, d)
		}
	}
}
