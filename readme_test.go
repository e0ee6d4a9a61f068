package cachegen_test

// The README cannot rot: every ```go block in it either compiles or is a
// verbatim excerpt of a file that does.
//
// A block preceded (on its last non-blank line before the fence) by
//
//	<!-- from examples/patterns/users.go -->
//
// must equal a run of consecutive lines of that file, ignoring one common
// indentation (so the body of a function can be quoted flush left). The
// file itself is compiled and tested with the rest of the module.
//
// Every other block is compiled, each as its own package in one scratch
// module under t.TempDir() that requires github.com/cachegen/cachegen
// through a replace of this repository (and, when a block imports one, a
// nested module such as otelcache the same way), with the repository's
// go.sum. A block is, by its form:
//
//   - a file: it starts with a package clause; compiled as written;
//   - a file body: declarations (types, funcs, vars, //cache: annotations);
//     it gets "package main", imports for the package names it uses (see
//     knownImports) unless it has its own, and an empty main if it has none;
//   - a main body: statements; it goes into func main, with two package
//     variables it may use: ctx (context.Background()) and rdb (a
//     *redis.Client for localhost:6379); imports as for a file body.
//
// A block with a //cache: annotation first goes through the generator
// (go run github.com/cachegen/cachegen/cmd/cachegen, as //go:generate would),
// so the annotations are checked too. Then go build and go vet run over all
// blocks. Errors are reported at their README line.
//
// Every block must also be gofmt'd, and every relative link must lead to a
// file (or, for #anchors, a heading) that exists.

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

const readmePath = "README.md"

// knownImports maps the package names README blocks may use without an
// import declaration to their import paths.
var knownImports = map[string]string{
	"context":   "context",
	"errors":    "errors",
	"fmt":       "fmt",
	"log":       "log",
	"slog":      "log/slog",
	"os":        "os",
	"strings":   "strings",
	"sync":      "sync",
	"time":      "time",
	"redis":     "github.com/redis/go-redis/v9",
	"uuid":      "github.com/google/uuid",
	"runtime":   "github.com/cachegen/cachegen/runtime",
	"models":    "github.com/cachegen/cachegen/examples/models",
	"patterns":  "github.com/cachegen/cachegen/examples/patterns",
	"otelcache": "github.com/cachegen/cachegen/otelcache",
	"otel":      "go.opentelemetry.io/otel",
	"attribute": "go.opentelemetry.io/otel/attribute",
	"metric":    "go.opentelemetry.io/otel/metric",
}

// mainPreamble declares what main-body blocks may use.
const mainPreamble = `var (
	ctx = context.Background()
	rdb = redis.NewClient(&redis.Options{Addr: "localhost:6379"})
)

func main() {
`

type block struct {
	line int    // README line of the first code line
	code string // the code, without the fences
	from string // path of the <!-- from --> marker, or ""
}

type blockKind int

const (
	kindFile blockKind = iota
	kindBody
	kindMain
)

var fromMarker = regexp.MustCompile(`^<!--\s*from\s+(\S+)\s*-->$`)

// readmeBlocks returns the ```go blocks of the README.
func readmeBlocks(t *testing.T, readme string) []block {
	t.Helper()
	var (
		blocks  []block
		cur     *block
		lines   []string
		lastTxt string
	)
	sc := bufio.NewScanner(strings.NewReader(readme))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur != nil && trimmed == "```":
			cur.code = strings.Join(lines, "\n") + "\n"
			blocks = append(blocks, *cur)
			cur, lines = nil, nil
		case cur != nil:
			lines = append(lines, line)
		case trimmed == "```go" || trimmed == "```golang":
			if line != trimmed {
				t.Errorf("README.md:%d: indented ```go fence: put Go blocks at the left margin so they are checked", n)
			}
			cur = &block{line: n + 1}
			if m := fromMarker.FindStringSubmatch(lastTxt); m != nil {
				cur.from = m[1]
			}
		case trimmed != "":
			lastTxt = trimmed
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unclosed ```go block", cur.line-1)
	}
	return blocks
}

func TestREADME(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	blocks := readmeBlocks(t, readme)
	if len(blocks) < 5 {
		t.Fatalf("found %d ```go blocks in README.md; the parser is probably wrong", len(blocks))
	}

	// The two commands a newcomer needs, on the first screen; CI calls the
	// second one.
	lines := strings.Split(readme, "\n")
	top := strings.Join(lines[:min(15, len(lines))], "\n")
	for _, cmd := range []string{"go run ./examples/quickstart", "bash scripts/test.sh"} {
		if !strings.Contains(top, cmd) {
			t.Errorf("README.md: %q is not in the first lines", cmd)
		}
	}
	checkLinks(t, readme)

	var compiled []block
	for _, b := range blocks {
		if src, err := format.Source([]byte(b.code)); err != nil {
			t.Errorf("README.md:%d: block does not parse: %v", b.line, err)
			continue
		} else if string(src) != b.code {
			t.Errorf("README.md:%d: block is not gofmt'd; gofmt'd it reads:\n%s", b.line, src)
		}
		if b.from != "" {
			checkExcerpt(t, b)
			continue
		}
		compiled = append(compiled, b)
	}
	compileBlocks(t, compiled)
}

// checkExcerpt checks that b is a run of consecutive lines of b.from,
// allowing one common indentation.
func checkExcerpt(t *testing.T, b block) {
	t.Helper()
	if !strings.HasSuffix(b.from, ".go") || strings.Contains(b.from, "testdata") {
		t.Errorf("README.md:%d: <!-- from %s -->: excerpts must come from compiled .go files", b.line, b.from)
		return
	}
	data, err := os.ReadFile(filepath.FromSlash(b.from))
	if err != nil {
		t.Errorf("README.md:%d: <!-- from %s -->: %v", b.line, b.from, err)
		return
	}
	file := strings.Split(string(data), "\n")
	want := strings.Split(strings.TrimSuffix(b.code, "\n"), "\n")
	for i := range file {
		if excerptAt(file[i:], want) {
			return
		}
	}
	t.Errorf("README.md:%d: block is not a verbatim excerpt of %s (copy it again from the file)", b.line, b.from)
}

func excerptAt(file, want []string) bool {
	if len(file) < len(want) || want[0] == "" {
		return false
	}
	indent, ok := strings.CutSuffix(file[0], want[0])
	if !ok || strings.TrimLeft(indent, " \t") != "" {
		return false
	}
	for j, w := range want {
		switch {
		case w == "" && strings.TrimSpace(file[j]) == "":
		case file[j] == indent+w:
		default:
			return false
		}
	}
	return true
}

// classify tells a file, a file body and a main body apart.
func classify(code string) (blockKind, *ast.File) {
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, "", code, parser.PackageClauseOnly); err == nil && f.Name != nil {
		return kindFile, nil
	}
	if f, err := parser.ParseFile(fset, "", "package main\n"+code, parser.ParseComments); err == nil {
		return kindBody, f
	}
	return kindMain, nil
}

// usedImports returns the import paths of the known package names used as
// selectors in src.
func usedImports(t *testing.T, src string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		t.Fatalf("wrapped block does not parse: %v\n%s", err, src)
	}
	declared := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		case *ast.Field:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		}
		return true
	})
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && !declared[id.Name] {
				if path, ok := knownImports[id.Name]; ok {
					seen[path] = true
				}
			}
		}
		return true
	})
	var paths []string
	for p := range seen {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

func importDecl(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("import (\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n\n")
	return b.String()
}

// source wraps a block into a Go file; offset is the number of lines put
// before the block's first line.
func source(t *testing.T, b block) (src string, offset int, annotated bool) {
	kind, f := classify(b.code)
	annotated = strings.Contains(b.code, "//cache:")
	switch kind {
	case kindFile:
		return b.code, 0, annotated
	case kindBody:
		hasMain := false
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
				hasMain = true
			}
		}
		head := "package main\n\n"
		if len(f.Imports) == 0 {
			head += importDecl(usedImports(t, "package main\n"+b.code))
		}
		src = head + b.code
		if !hasMain {
			src += "\nfunc main() {}\n"
		}
		return src, strings.Count(head, "\n"), annotated
	default:
		body := mainPreamble + b.code + "}\n"
		paths := usedImports(t, "package main\n"+body)
		for _, p := range []string{"context", "github.com/redis/go-redis/v9"} {
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		head := "package main\n\n" + importDecl(paths) + mainPreamble
		return head + b.code + "}\n", strings.Count(head, "\n"), annotated
	}
}

// nestedModules returns the modules nested in the repository (directories
// with their own go.mod), by module path.
func nestedModules(t *testing.T) map[string]string {
	t.Helper()
	mods := map[string]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || name != "go.mod" || path == "go.mod" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if mp := modfile.ModulePath(data); mp != "" {
			mods[mp] = filepath.Dir(path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// compileBlocks compiles the blocks in one scratch module.
func compileBlocks(t *testing.T, blocks []block) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is needed to compile README blocks:", err)
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	rootMod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	rootFile, err := modfile.Parse("go.mod", rootMod, nil)
	if err != nil {
		t.Fatal(err)
	}
	self := rootFile.Module.Mod.Path
	nested := nestedModules(t)

	dir := t.TempDir()
	type pkg struct {
		dir    string
		b      block
		offset int
	}
	var (
		pkgs      []pkg
		annotated []string
		imports   = map[string]bool{}
	)
	for i, b := range blocks {
		src, offset, ann := source(t, b)
		name := fmt.Sprintf("b%02d_line%d", i+1, b.line)
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "readme.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, pkg{name, b, offset})
		if ann {
			annotated = append(annotated, "./"+name)
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("README.md:%d: %v", b.line, err)
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			imports[p] = true
		}
	}

	// go.mod: the repository's requirements, the repository itself and
	// each nested module a block imports, by replace.
	versions := map[string]string{}
	addReqs := func(f *modfile.File) {
		for _, r := range f.Require {
			p := r.Mod.Path
			if p == self || nested[p] != "" {
				continue
			}
			if v, ok := versions[p]; !ok || semver.Compare(r.Mod.Version, v) > 0 {
				versions[p] = r.Mod.Version
			}
		}
	}
	addReqs(rootFile)
	sums := [][]byte{}
	if s, err := os.ReadFile("go.sum"); err == nil {
		sums = append(sums, s)
	} else {
		t.Fatal(err)
	}
	mf := &modfile.File{}
	if err := mf.AddModuleStmt("readmetest"); err != nil {
		t.Fatal(err)
	}
	if err := mf.AddGoStmt(rootFile.Go.Version); err != nil {
		t.Fatal(err)
	}
	replaces := map[string]string{self: root}
	for mp, mdir := range nested {
		used := false
		for p := range imports {
			if p == mp || strings.HasPrefix(p, mp+"/") {
				used = true
			}
		}
		if !used {
			continue
		}
		data, err := os.ReadFile(filepath.Join(mdir, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		nf, err := modfile.Parse(filepath.Join(mdir, "go.mod"), data, nil)
		if err != nil {
			t.Fatal(err)
		}
		addReqs(nf)
		if s, err := os.ReadFile(filepath.Join(mdir, "go.sum")); err == nil {
			sums = append(sums, s)
		}
		replaces[mp] = filepath.Join(root, mdir)
	}
	for p, v := range versions {
		mf.AddNewRequire(p, v, true)
	}
	for mp, d := range replaces {
		mf.AddNewRequire(mp, "v0.0.0", false)
		if err := mf.AddReplace(mp, "", d, ""); err != nil {
			t.Fatal(err)
		}
	}
	mf.Cleanup()
	gomod, err := mf.Format()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), mergeSums(sums), 0o644); err != nil {
		t.Fatal(err)
	}

	// Map scratch positions back to README lines.
	posRE := regexp.MustCompile(`(?:\./)?(b\d+_line\d+)/(readme\.go|cache_gen\.go):(\d+)(:\d+)?`)
	byDir := map[string]pkg{}
	for _, p := range pkgs {
		byDir[p.dir] = p
	}
	explain := func(out []byte) string {
		return posRE.ReplaceAllStringFunc(string(out), func(m string) string {
			sub := posRE.FindStringSubmatch(m)
			p := byDir[sub[1]]
			if sub[2] != "readme.go" {
				return fmt.Sprintf("%s (generated for the block at README.md:%d)", m, p.b.line)
			}
			n, _ := strconv.Atoi(sub[3])
			if l := n - p.offset; l >= 1 && l <= strings.Count(p.b.code, "\n") {
				return fmt.Sprintf("README.md:%d%s", p.b.line+l-1, sub[4])
			}
			return fmt.Sprintf("%s (in the wrapper of the block at README.md:%d)", m, p.b.line)
		})
	}
	run := func(args ...string) bool {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, explain(out))
			return false
		}
		return true
	}
	// Generate for each annotated block on its own, so that one block's
	// annotation error does not hide another block's compile error.
	skip := map[string]bool{}
	for _, a := range annotated {
		if !run("run", self+"/cmd/cachegen", a) {
			skip[a] = true
		} else if _, err := os.Stat(filepath.Join(dir, a, "cache_gen.go")); err != nil {
			t.Errorf("cachegen wrote no cache_gen.go for %s", a)
		}
	}
	var build []string
	for _, p := range pkgs {
		if !skip["./"+p.dir] {
			build = append(build, "./"+p.dir)
		}
	}
	if run(append([]string{"build"}, build...)...) {
		run(append([]string{"vet"}, build...)...)
	}
}

// mergeSums joins go.sum files, each line once.
func mergeSums(files [][]byte) []byte {
	seen := map[string]bool{}
	var out bytes.Buffer
	for _, f := range files {
		for _, l := range strings.Split(string(f), "\n") {
			if l = strings.TrimSpace(l); l != "" && !seen[l] {
				seen[l] = true
				out.WriteString(l + "\n")
			}
		}
	}
	return out.Bytes()
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	anchorRE  = regexp.MustCompile(`<a id="([^"]+)">`)
	headingRE = regexp.MustCompile(`(?m)^#{1,6}\s+(.+)$`)
)

// checkLinks checks the README's relative links: files must exist, and
// #anchors must name a heading or an <a id>.
func checkLinks(t *testing.T, readme string) {
	t.Helper()
	anchors := map[string]bool{}
	for _, m := range anchorRE.FindAllStringSubmatch(readme, -1) {
		anchors[m[1]] = true
	}
	for _, m := range headingRE.FindAllStringSubmatch(readme, -1) {
		anchors[slug(m[1])] = true
	}
	for _, m := range linkRE.FindAllStringSubmatch(readme, -1) {
		target := m[1]
		switch {
		case strings.Contains(target, "://"), strings.HasPrefix(target, "mailto:"):
		case strings.HasPrefix(target, "#"):
			if !anchors[target[1:]] {
				t.Errorf("README.md: link to #%s: no such heading", target[1:])
			}
		default:
			path, _, _ := strings.Cut(target, "#")
			if _, err := os.Stat(filepath.FromSlash(path)); err != nil {
				t.Errorf("README.md: link to %s: %v", target, err)
			}
		}
	}
}

// slug is GitHub's anchor for a heading: lower case, spaces to hyphens,
// punctuation other than hyphens and underscores dropped.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
