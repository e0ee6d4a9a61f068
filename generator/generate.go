package generator

import (
	"bytes"
	"cmp"
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/cachegen/cachegen/internal/acl"
)

// File is one generated file of a run: what its content should be, and
// what is on disk now.
type File struct {
	Package string // import path
	Path    string // absolute path
	// Content is the generated source, or nil when the package has no
	// annotations any more and its old generated file should go.
	Content []byte
	Old     []byte // the file's current content
	Exists  bool   // whether the file exists now
	// ACL describes the keys of the package's caches, for cachegen -acl.
	ACL []acl.Cache
}

// Stale reports whether the file on disk differs from what it should be
// (missing, different, or present when it should not be).
func (f *File) Stale() bool {
	if f.Content == nil {
		return f.Exists
	}
	return !f.Exists || !bytes.Equal(f.Content, f.Old)
}

// Generate loads, parses and emits the packages cfg names and returns
// their files, without writing anything. Problems in the packages are
// returned as an ErrorList holding all of them, sorted; then no file is
// returned.
func Generate(cfg Config) ([]*File, error) {
	l, err := load(cfg)
	if err != nil {
		return nil, err
	}
	models, perrs := parse(l)
	errs := append(ErrorList{}, perrs...)
	errs = append(errs, filterLoadErrors(l, models)...)

	if len(errs) > 0 {
		return nil, errs.sortDedup()
	}

	var files []*File
	byPath := map[string]*pkgModel{}
	for _, m := range models {
		byPath[m.Path] = m
	}
	for _, p := range l.Packages {
		m := byPath[p.PkgPath]
		old, exists := l.Existing[p.PkgPath]
		if m == nil {
			if exists {
				files = append(files, &File{Package: p.PkgPath, Path: filepath.Join(p.Dir, l.Config.output()), Old: old, Exists: true})
			}
			continue
		}
		if !exists {
			if _, err := os.Stat(m.Output); err == nil {
				errs.add(token.Position{Filename: m.Output, Line: 1, Column: 1},
					"refusing to overwrite a file cachegen did not generate (its first line is not %q); rename it or choose another -o", header)
				continue
			}
		}
		src, err := render(m)
		if err != nil {
			return nil, err
		}
		files = append(files, &File{Package: m.Path, Path: m.Output, Content: src, Old: old, Exists: exists, ACL: aclCaches(m)})
	}
	if len(errs) > 0 {
		return nil, errs.sortDedup()
	}
	slices.SortFunc(files, func(a, b *File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// aclCaches describes m's caches for their Redis ACL rules.
func aclCaches(m *pkgModel) []acl.Cache {
	var out []acl.Cache
	for _, c := range sortedCaches(m) {
		out = append(out, acl.Cache{
			Name:      c.Name,
			Template:  c.Template,
			Glob:      strings.TrimSuffix(c.Pattern, ":"+c.Version),
			Versioned: c.Version != "",
			Local:     c.Local > 0,
		})
	}
	return out
}

// Check applies the generator's rules to one package that a tool loaded
// and type-checked itself: a go/analysis analyzer fills p from its Pass
// (Name, PkgPath, Fset, Syntax, Types, TypesInfo; Module, for the module's
// own types). It returns what the package's generated file named output
// ("" is DefaultOutput) should hold, nil when the package has no
// annotations, or every problem of its annotations, positioned as
// Generate reports them. A file of p.Syntax named output that starts with
// the generated-code header is left out, so p may be loaded with its
// generated file in place.
func Check(p *packages.Package, output string) ([]byte, ErrorList) {
	var errs ErrorList
	m := parsePackage(p, cmp.Or(output, DefaultOutput), &errs)
	if len(errs) > 0 {
		return nil, errs.sortDedup()
	}
	if m == nil {
		return nil, nil
	}
	src, err := render(m)
	if err != nil {
		return nil, ErrorList{{Msg: err.Error()}}
	}
	return src, nil
}

// render emits a package model and returns the gofmt'd source (jennifer
// formats with go/format), its imports grouped standard library first as
// goimports does.
func render(m *pkgModel) ([]byte, error) {
	var buf bytes.Buffer
	if err := emit(m).Render(&buf); err != nil {
		// A bug in the generator, not in the user's code.
		return nil, fmt.Errorf("cachegen: internal error rendering %s: %v", m.Path, err)
	}
	return groupImports(buf.Bytes()), nil
}

// groupImports puts a blank line between the standard library imports and
// the others in the (sorted, single) import block jennifer writes.
func groupImports(src []byte) []byte {
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return src
	}
	start += len("\nimport (\n")
	end := bytes.Index(src[start:], []byte("\n)\n"))
	if end < 0 {
		return src
	}
	lines := strings.Split(string(src[start:start+end]), "\n")
	var std, other []string
	for _, l := range lines {
		path := l
		if i := strings.IndexByte(l, '"'); i >= 0 {
			path = l[i+1:]
		}
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			other = append(other, l)
		} else {
			std = append(std, l)
		}
	}
	if len(std) == 0 || len(other) == 0 {
		return src
	}
	block := strings.Join(std, "\n") + "\n\n" + strings.Join(other, "\n")
	out := append([]byte{}, src[:start]...)
	out = append(out, block...)
	return append(out, src[start+end:]...)
}

// filterLoadErrors drops the type errors caused by blanking the generated
// files. Only the packages being generated (those with annotations or a
// generated file) are cachegen's business: the type errors of the others
// (a cmd/ that uses the generated API fails to type-check while it is
// blanked) are dropped, and the go command reports any real ones. In the
// packages being generated, uses of the identifiers this run generates
// ("undefined: UserCache", "undefined: models.NewUserCache") are dropped.
func filterLoadErrors(l *loaded, models []*pkgModel) ErrorList {
	generating := map[string]bool{}
	for path := range l.Existing {
		generating[path] = true
	}
	for _, p := range l.Packages {
		if hasAnnotations(p) {
			generating[p.PkgPath] = true
		}
	}
	gen := map[string]bool{}
	for _, m := range models {
		for _, e := range m.Entities {
			for _, c := range e.Caches {
				for _, n := range []string{c.Name, "New" + c.Name, c.KeyName} {
					if n != "" {
						gen[n] = true
						gen[m.Name+"."+n] = true
					}
				}
			}
		}
	}
	var out ErrorList
	for _, e := range l.Errors {
		if e.typeErr && e.pkg != "" && !generating[e.pkg] {
			continue
		}
		if name, ok := strings.CutPrefix(e.Msg, "undefined: "); ok && gen[name] {
			continue
		}
		out = append(out, e)
	}
	return out
}
