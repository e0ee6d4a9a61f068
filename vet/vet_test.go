package vet_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/testmod"
	"github.com/cachegen/cachegen/vet"
)

// errLine is one line of a golden case's expected.err.
var errLine = regexp.MustCompile(`^([^:]+\.go):(\d+):(\d+): (.*)$`)

// posInMessage is a position quoted inside a message ("… at user.go:6:1"):
// the want lines inserted above move it.
var posInMessage = regexp.MustCompile(`(\\\.go):\d+:\d+`)

// withWants returns src with a "// want +1" line above every line that
// expects diagnostics, each matching the whole message.
func withWants(src string, msgs map[int][]string) string {
	lines := strings.SplitAfter(src, "\n")
	var b strings.Builder
	for i, line := range lines {
		if ms := msgs[i+1]; len(ms) > 0 {
			b.WriteString("// want +1")
			for _, m := range ms {
				re := "^" + posInMessage.ReplaceAllString(regexp.QuoteMeta(m), `$1:[0-9]+:[0-9]+`) + "$"
				b.WriteString(" " + strconv.Quote(re))
			}
			b.WriteString("\n")
		}
		b.WriteString(line)
	}
	return b.String()
}

// TestAnalyzer runs the analyzer with analysistest over one scratch module
// holding every golden case of the generator (../testdata):
//
//   - each error case (expected.err) gets a // want line above each line the
//     cachegen command reports, with the command's exact message: the
//     analyzer must report exactly those (type_error is left out: a
//     package that does not type-check is the compiler's to report);
//   - each generating case is generated first and must get no diagnostic;
//   - package stale is generated, then its ttl= edited without
//     regenerating (it still compiles): reported at the annotation;
//   - package leftover holds a generated file but no annotations.
func TestAnalyzer(t *testing.T) {
	root := filepath.Join(testmod.Root(t), "testdata")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	var generate []string
	errorCases := 0
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "type_error" {
			continue
		}
		dir := filepath.Join(root, e.Name())
		srcs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		want := map[string]map[int][]string{}
		if data, err := os.ReadFile(filepath.Join(dir, "expected.err")); err == nil {
			errorCases++
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				m := errLine.FindStringSubmatch(sc.Text())
				if m == nil {
					t.Fatalf("%s/expected.err: unexpected line %q", e.Name(), sc.Text())
				}
				line, _ := strconv.Atoi(m[2])
				if want[m[1]] == nil {
					want[m[1]] = map[int][]string{}
				}
				want[m[1]][line] = append(want[m[1]][line], m[4])
			}
		} else {
			generate = append(generate, "./"+e.Name())
		}
		for _, src := range srcs {
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()+"/"+filepath.Base(src)] = withWants(string(data), want[filepath.Base(src)])
		}
	}
	if errorCases < 10 || len(generate) < 10 {
		t.Fatalf("found %d error cases and %d generating cases in %s", errorCases, len(generate), root)
	}
	const stale = `package stale

// User is an account.
//
//cache:key=user:<ID> ttl=1h
type User struct {
	ID   int64
	Name string
}
`
	files["stale/user.go"] = stale
	files["leftover/user.go"] = strings.Replace(stale, "package stale", "package leftover", 1)
	dir := testmod.New(t, "example.com/vettest", files)
	generate = append(generate, "./stale", "./leftover")
	out, err := generator.Generate(generator.Config{Dir: dir, Patterns: generate, Env: testmod.Env()})
	if err != nil {
		t.Fatalf("generating the clean cases: %v", err)
	}
	if _, err := generator.Write(out); err != nil {
		t.Fatal(err)
	}
	// Edit an annotation without regenerating; drop the other package's.
	testmod.WriteFile(t, filepath.Join(dir, "stale", "user.go"),
		strings.Replace(stale, "//cache:key=user:<ID> ttl=1h", "// want +1 `^cache_gen.go does not match the //cache: annotations \\(stale generated code\\): run go generate$`\n//cache:key=user:<ID> ttl=2h", 1))
	testmod.WriteFile(t, filepath.Join(dir, "leftover", "user.go"), "package leftover\n\n// User is no longer cached.\ntype User struct {\n\tID   int64\n\tName string\n}\n")
	gen, err := os.ReadFile(filepath.Join(dir, "leftover", "cache_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	// The leftover file compiles on its own (it refers to User's fields
	// only); its package clause gets the diagnostic.
	testmod.WriteFile(t, filepath.Join(dir, "leftover", "cache_gen.go"),
		strings.Replace(string(gen), "package leftover", "package leftover // want `no //cache: annotations any more`", 1))

	results := analysistest.Run(t, dir, vet.Analyzer, "./...")
	n := 0
	for _, r := range results {
		n += len(r.Diagnostics)
	}
	t.Logf("%d packages, %d diagnostics", len(results), n)
	if len(results) < errorCases+len(generate) {
		t.Errorf("analysed %d packages, want %d", len(results), errorCases+len(generate))
	}
}
