package generator

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// parse turns the //cache: annotations of the loaded packages into models.
// Packages without annotations get no model. Every problem found is
// returned, sorted; the models are only usable when there is none.
func parse(l *loaded) ([]*pkgModel, ErrorList) {
	var (
		out  []*pkgModel
		errs ErrorList
	)
	for _, p := range l.Packages {
		m := parsePackage(p, l.Config.output(), &errs)
		if m != nil {
			out = append(out, m)
		}
	}
	return out, errs.sortDedup()
}

// parser holds the state of parsing one package.
type parser struct {
	pkg       *packages.Package
	errs      *ErrorList
	pos       func(token.Pos) token.Position
	generated map[string]bool // file names of the package's generated file
	// also holds the import paths of the packages of aliased structs: their
	// structs are followed like the module's own by the deep copy.
	also map[string]bool
}

func parsePackage(p *packages.Package, output string, errs *ErrorList) *pkgModel {
	if p.Types == nil || p.TypesInfo == nil {
		return nil
	}
	ps := &parser{pkg: p, errs: errs, pos: p.Fset.Position, generated: map[string]bool{}, also: map[string]bool{}}
	for _, f := range p.Syntax {
		// The generated file is blanked by Generate; a tool that loads the
		// package itself (an analyzer) sees it, and its declarations are
		// neither collisions nor names to avoid.
		if name := p.Fset.Position(f.Package).Filename; filepath.Base(name) == output && len(f.Comments) > 0 && f.Comments[0].List[0].Text == header {
			ps.generated[name] = true
		}
	}
	m := &pkgModel{
		Path:  p.PkgPath,
		Name:  p.Name,
		Dir:   p.Dir,
		env:   ps.env(),
		clone: newCloneChecker(ps.env()),
	}
	if m.Dir == "" && len(p.GoFiles) > 0 {
		m.Dir = filepath.Dir(p.GoFiles[0])
	}
	m.Output = filepath.Join(m.Dir, output)

	for _, f := range p.Syntax {
		if ps.generated[p.Fset.Position(f.Package).Filename] {
			continue
		}
		for _, site := range ps.annotations(f) {
			if e := ps.entity(m, site); e != nil {
				m.Entities = append(m.Entities, e)
			}
		}
	}
	if len(m.Entities) == 0 {
		return nil
	}
	slices.SortStableFunc(m.Entities, func(a, b *entityModel) int { return comparePos(a.Pos, b.Pos) })
	ps.checkNames(m)
	ps.checkKeys(m)
	ps.name(m)
	return m
}

// name gives out the package-level names of the generated file, in a
// fixed order so that output is stable: the cache types, constructors and
// key structs (checked by checkNames), the shape guards' aliases, then
// each entity's deep copy and codec=fast codec.
func (ps *parser) name(m *pkgModel) {
	scope := ps.pkg.Types.Scope()
	m.names = newNamer(func(s string) bool {
		obj := scope.Lookup(s)
		return obj != nil && ps.own(obj)
	})
	for _, c := range sortedCaches(m) {
		m.names.reserve(c.Name, "New"+c.Name)
		if c.KeyName != "" {
			m.names.reserve(c.KeyName)
		}
	}
	m.Guards = ps.guards(m)
	for _, gd := range m.Guards {
		gd.Alias = m.names.name("_" + gd.Type.Obj().Name() + "_changed_run_go_generate")
	}
	for _, e := range m.Entities {
		if e.CloneFunc != "" {
			e.CloneFunc = m.names.name(e.CloneFunc)
		}
		if e.ProtoCodec != "" {
			e.ProtoCodec = m.names.name(e.ProtoCodec)
		}
		if e.FastCodec != "" {
			e.FastCodec = m.names.name(e.FastCodec)
		}
	}
}

// own reports whether obj is declared by the package's own code, not by
// its generated file.
func (ps *parser) own(obj types.Object) bool {
	return !ps.generated[ps.pos(obj.Pos()).Filename]
}

func comparePos(a, b token.Position) int {
	if a.Filename != b.Filename {
		return strings.Compare(a.Filename, b.Filename)
	}
	return a.Offset - b.Offset
}

// site is a type spec and its //cache: lines.
type site struct {
	spec  *ast.TypeSpec
	lines []*ast.Comment
}

// annotations finds the //cache: lines of a file. Lines outside the doc
// comment of a type declaration are reported.
func (ps *parser) annotations(f *ast.File) []site {
	docs := map[*ast.CommentGroup]*ast.TypeSpec{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			if ts.Doc != nil {
				docs[ts.Doc] = ts
			}
			if g.Doc != nil && !g.Lparen.IsValid() {
				docs[g.Doc] = ts
			}
		}
	}
	var sites []site
	for _, cg := range f.Comments {
		var lines []*ast.Comment
		for _, c := range cg.List {
			switch {
			case strings.HasPrefix(c.Text, directive):
				lines = append(lines, c)
			case docs[cg] != nil && nearMiss.MatchString(c.Text):
				ps.errs.add(ps.pos(c.Slash), "malformed annotation: write //cache: (no space, lower case) at the start of the line")
			}
		}
		if len(lines) == 0 {
			continue
		}
		ts := docs[cg]
		if ts == nil {
			for _, c := range lines {
				ps.errs.add(ps.pos(c.Slash), "misplaced //cache: annotation: it belongs in the doc comment of a struct type declaration")
			}
			continue
		}
		sites = append(sites, site{ts, lines})
	}
	return sites
}

// nearMiss matches a comment line that is clearly an attempt at an
// annotation that is not one: cache: with other spacing or case, or in a
// block comment, followed by key=.
var nearMiss = regexp.MustCompile(`(?i)^(//|/\*)\s*cache\s*:\s*key\s*=`)

// hasAnnotations reports whether a package has annotations, well-formed
// or not: then it is being generated, and its errors are reported.
func hasAnnotations(p *packages.Package) bool {
	for _, f := range p.Syntax {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.HasPrefix(c.Text, directive) || nearMiss.MatchString(c.Text) {
					return true
				}
			}
		}
	}
	return false
}

// entity checks an annotated type and resolves its caches. An annotated
// alias declares caches of the struct it stands for, which may be another
// package's.
func (ps *parser) entity(m *pkgModel, s site) *entityModel {
	spec := s.spec
	pos := ps.pos(spec.Name.Pos())
	if spec.TypeParams != nil && len(spec.TypeParams.List) > 0 {
		ps.errs.add(pos, "generic type %s cannot be cached: type parameters are not supported", spec.Name.Name)
		return nil
	}
	obj, _ := ps.pkg.TypesInfo.Defs[spec.Name].(*types.TypeName)
	if obj == nil {
		return nil // a type error already reported by the loader
	}
	named, _ := types.Unalias(obj.Type()).(*types.Named)
	if spec.Assign.IsValid() {
		target := typeName(types.Unalias(obj.Type()))
		switch {
		case named == nil:
			ps.errs.add(pos, "%s is an alias of %s, which is not a named struct type: only named structs can be cached", spec.Name.Name, target)
			return nil
		case named.TypeArgs().Len() > 0:
			ps.errs.add(pos, "%s is an alias of %s, an instance of a generic type: generic types cannot be cached", spec.Name.Name, target)
			return nil
		}
		if _, ok := named.Underlying().(*types.Struct); !ok {
			ps.errs.add(pos, "%s is an alias of %s, which is not a struct type: only structs can be cached", spec.Name.Name, target)
			return nil
		}
	}
	if named == nil {
		return nil
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		ps.errs.add(pos, "%s is not a struct type: only structs can be cached", spec.Name.Name)
		return nil
	}
	e := &entityModel{Type: named, Name: obj.Name(), Pos: pos}
	foreign := named.Obj().Pkg() != ps.pkg.Types
	if foreign {
		// The deep copy may follow the aliased package's structs as it
		// follows the module's own.
		ps.also[named.Obj().Pkg().Path()] = true
	}

	// Unexported fields are the message's own machinery under codec=proto;
	// any other codec would drop them.
	if slices.ContainsFunc(s.lines, func(c *ast.Comment) bool {
		a, _ := parseAnnotation(c.Text[len(directive):])
		return a.Codec != "proto"
	}) {
		if foreign {
			ps.checkForeignUnexported(e, st)
		} else {
			ps.checkUnexported(e.Name, st, map[*types.Struct]bool{})
		}
	}
	for _, c := range s.lines {
		if cache := ps.cache(e, c); cache != nil {
			e.Caches = append(e.Caches, cache)
		}
	}
	if len(e.Caches) == 0 {
		return nil
	}
	if e.Proto() {
		// Encoded and copied by protobuf, not by generated code.
		e.ProtoCodec, e.CloneFunc = "proto"+e.Name+"Codec", "clone"+e.Name // made unique by name
		return e
	}
	ps.checkClone(m, e)
	ps.checkFast(e)
	return e
}

// checkForeignUnexported reports the unexported fields of another package's
// struct, which no codec but codec=proto stores and which cannot be tagged
// `cache:"-"` from here.
func (ps *parser) checkForeignUnexported(e *entityModel, st *types.Struct) {
	var names []string
	for i := range st.NumFields() {
		if f := st.Field(i); !f.Exported() && !skipped(st, i) {
			names = append(names, f.Name())
		}
	}
	if len(names) == 0 {
		return
	}
	hint := "cache a struct of your own instead"
	if isProtoMessage(e.Type) {
		hint = "it is a protobuf message: use codec=proto"
	}
	ps.errs.add(e.Pos, "%s stands for %s, whose unexported fields %s every codec would silently drop: %s",
		e.Name, typeName(e.Type), strings.Join(names, ", "), hint)
}

func (ps *parser) env() typeEnv {
	return typeEnv{pkg: ps.pkg.Types, module: ps.module(), also: ps.also}
}

// checkClone decides whether the entity gets a generated deep copy. One
// that cannot be generated is an error for caches with local= only.
func (ps *parser) checkClone(m *pkgModel, e *entityModel) {
	deep, prob := m.clone.root(e.Type)
	if prob == nil {
		if !deep && !m.clone.named(e.Type).locked {
			e.CloneShallow = true
			return
		}
		e.CloneFunc = "clone" + e.Name // made unique by name
		return
	}
	for _, c := range e.Caches {
		if c.Local > 0 {
			ps.errs.add(ps.pos(prob.pos),
				"%s has local=, which needs a generated deep copy of %s, but field %s of type %s cannot be copied: %s; change the field's type, or drop local= (runtime.WithLocal then copies through the codec)",
				c.Name, e.Name, prob.field, prob.typ, prob.why)
		}
	}
}

// checkFast reports every field codec=fast cannot encode, when a cache of
// the entity uses it.
func (ps *parser) checkFast(e *entityModel) {
	if !slices.ContainsFunc(e.Caches, func(c *cacheModel) bool { return c.Codec == "fast" }) {
		return
	}
	probs := newFastChecker(ps.env()).check(e.Type)
	for _, p := range probs {
		ps.errs.add(ps.pos(p.pos), "codec=fast does not support field %s of type %s: %s", p.field, p.typ, p.why)
	}
	if len(probs) == 0 {
		e.FastCodec = "fast" + e.Name + "Codec" // made unique by name
	}
}

func (ps *parser) module() string {
	if ps.pkg.Module != nil {
		return ps.pkg.Module.Path
	}
	return ""
}

// checkUnexported reports unexported fields that no codec would store,
// unless tagged cache:"-". Fields promoted from embedded structs of the
// same package are checked too.
func (ps *parser) checkUnexported(owner string, st *types.Struct, seen map[*types.Struct]bool) {
	if seen[st] {
		return
	}
	seen[st] = true
	for i := range st.NumFields() {
		f := st.Field(i)
		if skipped(st, i) {
			continue
		}
		if f.Embedded() {
			if inner, ok := embeddedStruct(f.Type()); ok && f.Pkg() == ps.pkg.Types {
				if named, _ := types.Unalias(deref(f.Type())).(*types.Named); named == nil || named.Obj().Pkg() == ps.pkg.Types {
					ps.checkUnexported(owner, inner, seen)
					continue
				}
			}
		}
		if !f.Exported() && f.Pkg() == ps.pkg.Types {
			ps.errs.add(ps.pos(f.Pos()),
				"unexported field %s of %s would be silently dropped by every codec: export it or tag it `cache:\"-\"`",
				f.Name(), owner)
		}
	}
}

func embeddedStruct(t types.Type) (*types.Struct, bool) {
	st, ok := deref(t).Underlying().(*types.Struct)
	return st, ok
}

func deref(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// cache resolves one //cache: line.
func (ps *parser) cache(e *entityModel, c *ast.Comment) *cacheModel {
	text := c.Text[len(directive):]
	base := c.Slash + token.Pos(len(directive))
	a, synErrs := parseAnnotation(text)
	for _, se := range synErrs {
		ps.errs.add(ps.pos(base+token.Pos(se.Off)), "%s", se.Msg)
	}
	cache := &cacheModel{
		Entity:    e,
		Name:      cmp.Or(a.Name, e.Name+"Cache"),
		Pos:       ps.pos(c.Slash),
		TTL:       a.TTL,
		Crypt:     a.Crypt,
		Codec:     cmp.Or(a.Codec, "msgpack"),
		SchemaOff: a.SchemaOff,
		Local:     a.Local,
		Jitter:    a.Jitter,
		Refresh:   a.Refresh,
	}
	if a.Name != "" {
		cache.Pos = ps.pos(base + token.Pos(a.NameOff))
	}
	ok := len(synErrs) == 0
	if a.Key != nil {
		cache.Template = a.Key.Text
		cache.Special = a.Key.special()
		if !ps.resolveKey(cache, a.Key, base) {
			ok = false
		}
	}
	if cache.Codec == "proto" && !isProtoMessage(e.Type) {
		ps.errs.add(ps.pos(base+token.Pos(a.CodecOff)),
			"codec=proto needs a protobuf message, but *%s does not implement proto.Message (google.golang.org/protobuf, as protoc-gen-go generates it)",
			typeName(e.Type))
		ok = false
	}
	if !ok {
		return nil
	}
	if strings.HasSuffix(cache.Name, "Cache") {
		cache.KeyName = strings.TrimSuffix(cache.Name, "Cache") + "Key"
	} else {
		cache.KeyName = cache.Name + "Key"
	}
	if len(cache.Params) < 2 {
		cache.KeyName = ""
	} else {
		cache.PurgeBy = "PurgeBy" + cache.Params[0].Field
	}
	if !cache.SchemaOff {
		var shape string
		if cache.Codec == "proto" {
			shape = protoShape(e.Type)
		} else {
			shape = newShapeWriter(ps.env()).shape(e.Type)
		}
		cache.Version = fingerprint(shape, cache.Codec, cache.Crypt)
	}
	cache.Pattern, cache.Match, cache.AllPattern, cache.AllMatch = patterns(cache)
	return cache
}

// resolveKey resolves the placeholders of a template against the entity.
func (ps *parser) resolveKey(c *cacheModel, t *keyTemplate, base token.Pos) bool {
	ok := true
	fields := map[string]string{} // key struct field -> path
	for _, part := range t.Parts {
		if part.Path == "" {
			c.Parts = append(c.Parts, keyPart{Literal: part.Literal, Param: -1})
			continue
		}
		at := ps.pos(base + token.Pos(part.Off))
		p, msg := resolveField(c.Entity.Type, part.Path, ps.pkg.Types)
		if msg != "" {
			ps.errs.add(at, "%s", msg)
			ok = false
			continue
		}
		if prev, dup := fields[p.Field]; dup {
			if prev == p.Path {
				ps.errs.add(at, "placeholder <%s> appears twice in the key template", p.Path)
			} else {
				ps.errs.add(at, "placeholders <%s> and <%s> both become key field %s", prev, p.Path, p.Field)
			}
			ok = false
			continue
		}
		fields[p.Field] = p.Path
		c.Parts = append(c.Parts, keyPart{Param: len(c.Params)})
		c.Params = append(c.Params, p)
	}
	if ok {
		nameParams(c.Params, ps.pkg.Types)
	}
	return ok
}

// checkNames reports generated identifiers that collide with each other or
// with identifiers declared in the package, once per cache. As the Go
// compiler does for a redeclaration, the error is at the later
// declaration and names the earlier one's position.
func (ps *parser) checkNames(m *pkgModel) {
	type decl struct {
		what string
		pos  token.Position
	}
	taken := map[string]decl{}
	scope := ps.pkg.Types.Scope()
	for _, c := range sortedCaches(m) {
		names := [][2]string{{c.Name, "cache type " + c.Name}, {"New" + c.Name, "constructor New" + c.Name}}
		if c.KeyName != "" {
			names = append(names, [2]string{c.KeyName, "key struct " + c.KeyName + " of " + c.Name})
		}
		for _, n := range names {
			if obj := scope.Lookup(n[0]); obj != nil && ps.own(obj) {
				ps.errs.add(c.Pos, "generated %s collides with %s declared at %s: rename one of them or set name=",
					n[1], n[0], shortPos(ps.pos(obj.Pos())))
				break
			}
			if prev, dup := taken[n[0]]; dup {
				ps.errs.add(c.Pos, "generated %s collides with the %s generated at %s: set name= on one of them",
					n[1], prev.what, shortPos(prev.pos))
				break
			}
		}
		for _, n := range names {
			if _, dup := taken[n[0]]; !dup {
				taken[n[0]] = decl{n[1], c.Pos}
			}
		}
	}
}

// checkKeys reports two caches of the package whose keys can be the same
// (the same template, placeholder names aside, and schema version): they
// would overwrite each other's values. The error is at the later one.
func (ps *parser) checkKeys(m *pkgModel) {
	seen := map[string]*cacheModel{}
	for _, c := range sortedCaches(m) {
		prev, dup := seen[c.Pattern]
		if !dup {
			seen[c.Pattern] = c
			continue
		}
		version := "schema version " + c.Version
		if c.Version == "" {
			version = "schema=off"
		}
		ps.errs.add(c.Pos, "keys of %s collide with those of %s at %s (key template %s, %s): the caches would overwrite each other's values; change one key template",
			c.Name, prev.Name, shortPos(prev.Pos), c.Template, version)
	}
}

// sortedCaches lists the caches of a package in source order.
func sortedCaches(m *pkgModel) []*cacheModel {
	var all []*cacheModel
	for _, e := range m.Entities {
		all = append(all, e.Caches...)
	}
	slices.SortStableFunc(all, func(a, b *cacheModel) int { return comparePos(a.Pos, b.Pos) })
	return all
}

// shortPos writes a position of the package's own files as the Go
// compiler's "other declaration" lines do: file:line:col, the file by its
// base name (every file of a package is in one directory).
func shortPos(p token.Position) string {
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}

// guards lists the shape guards of a package: every annotated struct and
// every struct type of the same package reachable from its fields.
func (ps *parser) guards(m *pkgModel) []*guard {
	var out []*guard
	seen := map[string]bool{}
	for _, e := range m.Entities {
		if e.ProtoCodec != "" {
			// protoc-gen-go's messages hold unexported machinery no guard
			// can spell; their wire format is made to survive schema
			// changes, and -check reports the file stale.
			continue
		}
		w := newShapeWriter(ps.env())
		w.shape(e.Type)
		local := w.local
		if e.Type.Obj().Pkg() != ps.pkg.Types {
			local = append([]*types.Named{e.Type}, local...)
		}
		for _, n := range local {
			id := types.TypeString(n, nil)
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, &guard{Type: n, Struct: n.Underlying().(*types.Struct)})
		}
	}
	return out
}

// importPaths are the packages every generated file may import, with the
// names they are imported under unless taken.
var importPaths = [][2]string{
	{"bytes", "bytes"},
	{"context", "context"},
	{"errors", "errors"},
	{"fmt", "fmt"},
	{"maps", "maps"},
	{"slices", "slices"},
	{"strconv", "strconv"},
	{"time", "time"},
	{runtimePath, "runtime"},
	{cacheimplPath, "cacheimpl"},
	{fastwirePath, "fastwire"},
	{redisPath, "redis"},
}

// runtimePath and redisPath are the import paths generated code uses.
const (
	runtimePath = "github.com/cachegen/cachegen/runtime"
	redisPath   = "github.com/redis/go-redis/v9"
)
