package generator

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"
)

// emit builds the generated file of a package model. It reads the model
// only; every decision was made by parse.
func emit(m *pkgModel) *jen.File {
	f := jen.NewFilePathName(m.Path, m.Name)
	f.HeaderComment(header)
	g := &emitter{m: m, f: f, named: map[string]bool{}}
	for _, ip := range importPaths {
		g.importName(ip[0], ip[1])
	}
	clones, fast := newCloneEmitter(g), newFastEmitter(g, m.env)
	g.guards()
	for _, e := range m.Entities {
		for _, c := range e.Caches {
			g.cache(c)
		}
	}
	clones.emit()
	for _, e := range m.Entities {
		if e.FastCodec != "" {
			fast.codec(e, e.FastCodec)
		}
	}
	fast.emit()
	return f
}

type emitter struct {
	m     *pkgModel
	f     *jen.File
	named map[string]bool // import paths given a name
}

// importName fixes the name a package is imported under: its own name, or
// an alias (redispkg) when the package or the generated file declares
// that name.
func (g *emitter) importName(path, name string) {
	if g.named[path] || path == g.m.Path {
		return
	}
	g.named[path] = true
	if !g.m.names.isTaken(name) {
		g.m.names.reserve(name)
		g.f.ImportName(path, name)
		return
	}
	g.f.ImportAlias(path, g.m.names.name(name+"pkg"))
}

func (g *emitter) rt(name string) *jen.Statement { return jen.Qual(runtimePath, name) }

// doc adds a doc comment, wrapped at 77 columns.
func (g *emitter) doc(format string, args ...any) {
	for _, line := range wrap(fmt.Sprintf(format, args...), 77) {
		g.f.Comment("// " + line)
	}
}

func wrap(text string, width int) []string {
	var lines []string
	for para := range strings.SplitSeq(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	return lines
}

// guards emits the shape assertions: an alias of the struct type as it
// was when generated, and a variable of that alias initialised with the
// type as it is now. The compiler's error names the alias, whose name says
// what to do: cannot use User{} (value of struct type User) as
// _User_changed_run_go_generate value in variable declaration.
func (g *emitter) guards() {
	if len(g.m.Guards) == 0 {
		return
	}
	names := make([]string, len(g.m.Guards))
	for i, gd := range g.m.Guards {
		names[i] = gd.Type.Obj().Name()
	}
	aliases := make([]string, len(g.m.Guards))
	for i, gd := range g.m.Guards {
		aliases[i] = gd.Alias
	}
	g.doc("The shape guards: go build fails here when %s changes without cachegen being run again. Regenerate with go generate.", joinOr(names))
	if len(g.m.Guards) == 1 {
		gd := g.m.Guards[0]
		g.f.Type().Id(aliases[0]).Op("=").Add(g.typ(gd.Struct))
		g.f.Var().Id("_").Id(aliases[0]).Op("=").Add(g.typ(gd.Type)).Values()
		return
	}
	g.f.Type().DefsFunc(func(d *jen.Group) {
		for i, gd := range g.m.Guards {
			d.Id(aliases[i]).Op("=").Add(g.typ(gd.Struct))
		}
	})
	g.f.Var().DefsFunc(func(d *jen.Group) {
		for i, gd := range g.m.Guards {
			d.Id("_").Id(aliases[i]).Op("=").Add(g.typ(gd.Type)).Values()
		}
	})
}

// joinOr joins names as English does: "a", "a or b", "a, b or c".
func joinOr(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// joinAnd joins phrases as English does: "a", "a and b", "a, b and c".
func joinAnd(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " and " + s[1]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// cache emits the key struct, type, constructor and methods of one cache.
func (g *emitter) cache(c *cacheModel) {
	ent := c.Entity.Name
	entT := func() *jen.Statement { return jen.Id(ent) }
	ptrT := func() *jen.Statement { return jen.Op("*").Id(ent) }
	recv := func() *jen.Statement { return jen.Id("c").Op("*").Id(c.Name) }
	ctxP := func() *jen.Statement { return jen.Id("ctx").Qual("context", "Context") }
	store := func() *jen.Statement { return jen.Id("c").Dot("s") }

	params := func() []jen.Code {
		out := []jen.Code{ctxP()}
		for _, p := range c.Params {
			out = append(out, jen.Id(p.Var).Add(g.typ(p.Type)))
		}
		return out
	}
	keyParams := func() []jen.Code { return params()[1:] }
	args := func() []jen.Code {
		var out []jen.Code
		for _, p := range c.Params {
			out = append(out, jen.Id(p.Var))
		}
		return out
	}
	key := func() *jen.Statement { return jen.Id("c").Dot("Key").Call(args()...) }
	the := "the " + ent + " with the given " + paramWords(c)

	if c.KeyName != "" {
		g.doc("%s identifies one %s in %s: one field per placeholder of the key template %s.",
			c.KeyName, ent, c.Name, c.Template)
		g.f.Type().Id(c.KeyName).StructFunc(func(s *jen.Group) {
			for _, p := range c.Params {
				s.Id(p.Field).Add(g.typ(p.Type)).Comment(ent + "." + p.Path)
			}
		})
		g.f.Line()
	}

	g.doc("%s", describe(c))
	g.f.Type().Id(c.Name).Struct(jen.Id("s").Op("*").Add(g.rt("Store")).Types(entT()))
	g.f.Line()

	ctor := "New" + c.Name
	extra := ""
	if c.Crypt {
		extra = " A crypt cache needs at least one key (runtime.WithKeys) and fails here without a valid one."
	}
	g.doc("%s returns a new %s, which stores %s values through c. It does not contact Redis: a cache can be built while Redis is down, and the first call reports the error.%s",
		ctor, c.Name, ent, extra)
	var preset []jen.Code // options the user's may override
	if name := c.Entity.CloneFunc; name != "" {
		preset = append(preset, g.rt("WithClone").Call(jen.Id(name)))
	}
	if c.Codec == "fast" {
		preset = append(preset, g.rt("WithCodec").Call(jen.Id(c.Entity.FastCodec)))
	}
	presetOpts := jen.Null()
	if len(preset) > 0 {
		presetOpts = jen.Id("opts").Op("=").Append(jen.Index().Add(g.rt("Option")).Values(preset...), jen.Id("opts").Op("..."))
	}
	g.f.Func().Id(ctor).Params(
		jen.Id("c").Qual(redisPath, "UniversalClient"),
		jen.Id("opts").Op("...").Add(g.rt("Option")),
	).Params(jen.Op("*").Id(c.Name), jen.Error()).Block(
		presetOpts,
		jen.List(jen.Id("s"), jen.Err()).Op(":=").Add(g.rt("NewStore")).Types(entT()).Call(
			jen.Id("c"), g.spec(c), jen.Id("opts").Op("..."),
		),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(c.Name).Values(jen.Dict{jen.Id("s"): jen.Id("s")}), jen.Nil()),
	)
	g.f.Line()

	if c.Version != "" {
		g.doc("Key returns the Redis key of %s, prefix and schema version included.", the)
	} else {
		g.doc("Key returns the Redis key of %s, prefix included.", the)
	}
	g.f.Func().Params(recv()).Id("Key").Params(keyParams()...).String().Block(
		jen.Return(store().Dot("Prefix").Call().Op("+").Add(g.keyExpr(c))),
	)
	g.f.Line()

	g.doc("keyOf returns the Redis key of v.")
	g.f.Func().Params(recv()).Id("keyOf").Params(jen.Id("v").Add(ptrT())).Params(jen.String(), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.If(jen.Id("v").Op("==").Nil()).Block(
			jen.Return(jen.Lit(""), jen.Qual("errors", "New").Call(jen.Lit(fmt.Sprintf("cachegen: nil *%s passed to %s", ent, c.Name)))),
		)
		checked := map[string]bool{}
		var vals []jen.Code
		for _, p := range c.Params {
			sel := jen.Id("v")
			path := ""
			for i, st := range p.Steps {
				sel = sel.Clone().Dot(st.Field)
				path = strings.TrimPrefix(path+"."+st.Field, ".")
				if st.Ptr && i < len(p.Steps)-1 && !checked[path] {
					checked[path] = true
					b.If(sel.Clone().Op("==").Nil()).Block(
						jen.Return(jen.Lit(""), jen.Qual("errors", "New").Call(jen.Lit(
							fmt.Sprintf("cachegen: %s: cannot build the key of a *%s whose %s is nil", c.Name, ent, path)))),
					)
				}
			}
			vals = append(vals, sel)
		}
		b.Return(jen.Id("c").Dot("Key").Call(vals...), jen.Nil())
	})
	g.f.Line()

	g.doc("Get returns the cached %s, or runtime.ErrMiss when it is not cached. The caller owns the value returned.", the[len("the "):])
	g.f.Func().Params(recv()).Id("Get").Params(params()...).Params(ptrT(), jen.Error()).Block(
		jen.Return(store().Dot("Get").Call(jen.Id("ctx"), key())),
	)
	g.f.Line()

	g.doc("Set stores v under the key built from its fields, with the default TTL. Set of a nil v, or of a v with a nil pointer on a key field path, is an error.")
	g.f.Func().Params(recv()).Id("Set").Params(ctxP(), jen.Id("v").Add(ptrT())).Error().Block(
		jen.Return(jen.Id("c").Dot("SetWithTTL").Call(jen.Id("ctx"), jen.Id("v"), store().Dot("DefaultTTL").Call())),
	)
	g.f.Line()

	g.doc("SetWithTTL stores v under the key built from its fields, expiring after ttl; a ttl of 0 means no expiry.")
	g.f.Func().Params(recv()).Id("SetWithTTL").Params(ctxP(), jen.Id("v").Add(ptrT()), jen.Id("ttl").Qual("time", "Duration")).Error().Block(
		jen.List(jen.Id("key"), jen.Err()).Op(":=").Id("c").Dot("keyOf").Call(jen.Id("v")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(store().Dot("Set").Call(jen.Id("ctx"), jen.Id("key"), jen.Id("v"), jen.Id("ttl"))),
	)
	g.f.Line()

	g.doc("Has reports whether %s is cached.", the)
	g.f.Func().Params(recv()).Id("Has").Params(params()...).Params(jen.Bool(), jen.Error()).Block(
		jen.Return(store().Dot("Has").Call(jen.Id("ctx"), key())),
	)
	g.f.Line()

	g.doc("Remove deletes the cached %s and reports whether it was cached.", the[len("the "):])
	g.f.Func().Params(recv()).Id("Remove").Params(params()...).Params(jen.Bool(), jen.Error()).Block(
		jen.Return(store().Dot("Remove").Call(jen.Id("ctx"), key())),
	)
	g.f.Line()

	g.doc("TTL returns how long the cached %s has left to live: runtime.NoExpiry when it does not expire, runtime.ErrMiss when it is not cached.", the[len("the "):])
	g.f.Func().Params(recv()).Id("TTL").Params(params()...).Params(jen.Qual("time", "Duration"), jen.Error()).Block(
		jen.Return(store().Dot("TTL").Call(jen.Id("ctx"), key())),
	)
	g.f.Line()

	g.getMany(c, recv, ctxP, store, entT, ptrT)
	g.setMany(c, recv, ctxP, store, ptrT)

	loadParams := []jen.Code{jen.Qual("context", "Context")}
	for _, p := range c.Params {
		loadParams = append(loadParams, g.typ(p.Type))
	}
	g.doc("GetOrLoad returns the cached %s, or calls load, caches what it returns and returns that. Concurrent calls for one key in this process share one load, which does not fail when one caller's ctx is cancelled; each caller gets its own copy. An error from load is returned and not cached.", the[len("the "):])
	var glParams []jen.Code
	for _, p := range append(params(), jen.Id("load").Func().Params(loadParams...).Params(ptrT(), jen.Error())) {
		glParams = append(glParams, jen.Line().Add(p))
	}
	glParams = append(glParams, jen.Line())
	g.f.Func().Params(recv()).Id("GetOrLoad").Params(glParams...).Params(ptrT(), jen.Error()).Block(
		jen.Return(store().Dot("GetOrLoad").Call(jen.Id("ctx"), key(),
			jen.Func().Params(ctxP()).Params(ptrT(), jen.Error()).Block(
				jen.Return(jen.Id("load").Call(append([]jen.Code{jen.Id("ctx")}, args()...)...)),
			),
		)),
	)
	g.f.Line()

	scope := "this schema version"
	if c.SchemaOff {
		scope = "the cache"
	}
	g.doc("Purge removes every value of %s (keys %s) from Redis and returns how many it removed. Other caches are not touched, even when their keys share a prefix.", scope, c.Template)
	g.f.Func().Params(recv()).Id("Purge").Params(ctxP()).Params(jen.Int64(), jen.Error()).Block(
		jen.Return(store().Dot("Purge").Call(jen.Id("ctx"))),
	)
	g.f.Line()

	g.doc("PurgeAllVersions removes the values of every schema version of %s, including those written by older builds, and returns how many it removed.", c.Name)
	g.f.Func().Params(recv()).Id("PurgeAllVersions").Params(ctxP()).Params(jen.Int64(), jen.Error()).Block(
		jen.Return(store().Dot("PurgeAllVersions").Call(jen.Id("ctx"))),
	)
	g.f.Line()

	g.doc("Close makes later calls fail with runtime.ErrClosed and stops the near cache's invalidation connection, if it has one. The client passed to %s stays open.", ctor)
	g.f.Func().Params(recv()).Id("Close").Params().Error().Block(
		jen.Return(store().Dot("Close").Call()),
	)
	g.f.Line()

	g.doc("Stats returns the hit, miss and error counts of %s.", c.Name)
	g.f.Func().Params(recv()).Id("Stats").Params().Add(g.rt("Stats")).Block(
		jen.Return(store().Dot("Stats").Call()),
	)
	g.f.Line()
}

type stmtFunc = func() *jen.Statement

func (g *emitter) getMany(c *cacheModel, recv, ctxP, store, entT, ptrT stmtFunc) {
	ent := c.Entity.Name
	var (
		list, item string
		keyT       *jen.Statement
		keyArgs    []jen.Code
	)
	if len(c.Params) == 1 {
		p := c.Params[0]
		list, item, keyT = p.Plural, p.Var, g.typ(p.Type)
		keyArgs = []jen.Code{jen.Id(item)}
	} else {
		list, item, keyT = "keys", "k", jen.Id(c.KeyName)
		for _, p := range c.Params {
			keyArgs = append(keyArgs, jen.Id("k").Dot(p.Field))
		}
	}
	g.doc("GetMany returns the cached %s values for %s, in a map without the misses. Values that fail to decode are left out too and reported in the error, which joins every per-key error.", ent, list)
	g.f.Func().Params(recv()).Id("GetMany").Params(ctxP(), jen.Id(list).Index().Add(keyT.Clone())).Params(
		jen.Map(keyT.Clone()).Add(ptrT()), jen.Error(),
	).Block(
		jen.Id("redisKeys").Op(":=").Make(jen.Index().String(), jen.Len(jen.Id(list))),
		jen.For(jen.List(jen.Id("i"), jen.Id(item)).Op(":=").Range().Id(list)).Block(
			jen.Id("redisKeys").Index(jen.Id("i")).Op("=").Id("c").Dot("Key").Call(keyArgs...),
		),
		jen.List(jen.Id("vs"), jen.Err()).Op(":=").Add(store()).Dot("GetMany").Call(jen.Id("ctx"), jen.Id("redisKeys")),
		jen.Id("m").Op(":=").Make(jen.Map(keyT.Clone()).Add(ptrT()), jen.Len(jen.Id("vs"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("vs")).Block(
			jen.If(jen.Id("v").Op("!=").Nil()).Block(
				jen.Id("m").Index(jen.Id(list).Index(jen.Id("i"))).Op("=").Id("v"),
			),
		),
		jen.Return(jen.Id("m"), jen.Err()),
	)
	g.f.Line()
	_ = entT
}

func (g *emitter) setMany(c *cacheModel, recv, ctxP, store, ptrT stmtFunc) {
	g.doc("SetMany stores every value of vs under the key built from its fields, with the default TTL. It stores nothing when one of them is nil or has a nil pointer on a key field path.")
	g.f.Func().Params(recv()).Id("SetMany").Params(ctxP(), jen.Id("vs").Index().Add(ptrT())).Error().Block(
		jen.Id("redisKeys").Op(":=").Make(jen.Index().String(), jen.Len(jen.Id("vs"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("vs")).Block(
			jen.List(jen.Id("key"), jen.Err()).Op(":=").Id("c").Dot("keyOf").Call(jen.Id("v")),
			jen.If(jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("vs[%d]: %w"), jen.Id("i"), jen.Err())),
			),
			jen.Id("redisKeys").Index(jen.Id("i")).Op("=").Id("key"),
		),
		jen.Return(store().Dot("SetMany").Call(jen.Id("ctx"), jen.Id("redisKeys"), jen.Id("vs"), store().Dot("DefaultTTL").Call())),
	)
	g.f.Line()
}

// paramWords names a cache's key parameters for doc comments: "id",
// "tenantID and id".
func paramWords(c *cacheModel) string {
	names := make([]string, len(c.Params))
	for i, p := range c.Params {
		names[i] = p.Var
	}
	return joinAnd(names)
}

// describe writes the doc comment of a cache type.
func describe(c *cacheModel) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is a typed Redis cache of %s values under keys %s", c.Name, c.Entity.Name, c.Template)
	if c.Version != "" {
		fmt.Fprintf(&b, ":%s (%s is the schema version, which changes with the shape of %s)", c.Version, c.Version, c.Entity.Name)
	}
	codec := c.Codec
	switch c.Codec {
	case "custom":
		codec = "the codec passed with runtime.WithCodec"
	case "fast":
		codec = "the generated, reflection-free codec=fast codec"
	}
	facts := []string{"encoded with " + codec}
	if c.Crypt {
		facts = append(facts, "encrypted")
	}
	if c.TTL > 0 {
		facts = append(facts, "expire after "+formatDuration(c.TTL)+" by default")
	} else {
		facts = append(facts, "do not expire by default")
	}
	b.WriteString(". Values are " + joinAnd(facts) + ". It is safe for concurrent use.")
	return b.String()
}

// formatDuration writes d in its largest exact unit: 1h, 90m, 1500ms.
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// durationCode writes d as an expression in its largest exact unit.
func durationCode(d time.Duration) *jen.Statement {
	if d == 0 {
		return jen.Lit(0)
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}} {
		if d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Lit(int64(d))
}

// spec writes the runtime.Spec literal of a cache, one field a line in
// Spec's declaration order.
func (g *emitter) spec(c *cacheModel) *jen.Statement {
	fields := []struct {
		name string
		val  jen.Code
	}{
		{"Name", jen.Lit(c.Name)},
		{"TTL", durationCode(c.TTL)},
		{"Crypt", jen.Lit(c.Crypt)},
		{"Codec", jen.Lit(c.Codec)},
		{"Version", jen.Lit(c.Version)},
		{"Pattern", strLit(c.Pattern)},
		{"Match", strLit(c.Match)},
		{"AllPattern", strLit(c.AllPattern)},
		{"AllMatch", strLit(c.AllMatch)},
	}
	if c.Local != 0 {
		fields = append(fields, struct {
			name string
			val  jen.Code
		}{"Local", jen.Lit(c.Local)})
	}
	if c.Jitter != 0 {
		fields = append(fields, struct {
			name string
			val  jen.Code
		}{"Jitter", jen.Lit(c.Jitter)})
	}
	if c.Refresh != 0 {
		fields = append(fields, struct {
			name string
			val  jen.Code
		}{"Refresh", durationCode(c.Refresh)})
	}
	return g.rt("Spec").ValuesFunc(func(v *jen.Group) {
		for _, f := range fields {
			v.Line().Id(f.name).Op(":").Add(f.val)
		}
		v.Line()
	})
}

// strLit writes s as a raw string literal when it has backslashes, so
// regexps and escaped globs read as written.
func strLit(s string) *jen.Statement {
	if strings.Contains(s, `\`) && !strings.ContainsAny(s, "`\r") && strconv.CanBackquote(s) {
		return jen.Id("`" + s + "`")
	}
	return jen.Lit(s)
}

// keyExpr writes the concatenation that builds a key, prefix aside.
func (g *emitter) keyExpr(c *cacheModel) *jen.Statement {
	var parts []jen.Code
	lit := ""
	flush := func() {
		if lit != "" {
			parts = append(parts, jen.Lit(lit))
			lit = ""
		}
	}
	for _, part := range c.Parts {
		if part.Param < 0 {
			lit += part.Literal
			continue
		}
		flush()
		parts = append(parts, g.valueExpr(c.Params[part.Param], jen.Id(c.Params[part.Param].Var), c.Special))
	}
	if c.Version != "" {
		lit += ":" + c.Version
	}
	flush()
	// Long concatenations get one operand a line.
	expr := jen.Add(parts[0])
	for _, p := range parts[1:] {
		if len(parts) > 5 {
			expr = expr.Op("+").Line().Add(p)
		} else {
			expr = expr.Op("+").Add(p)
		}
	}
	return expr
}

// valueExpr writes the key text of one placeholder value x.
func (g *emitter) valueExpr(p *param, x *jen.Statement, special string) *jen.Statement {
	conv := func(to types.BasicKind, name string) *jen.Statement {
		if b, ok := types.Unalias(p.Type).(*types.Basic); ok && b.Kind() == to {
			return x
		}
		return jen.Id(name).Call(x)
	}
	switch p.Kind {
	case kindString:
		return g.rt("EscapeKey").Call(conv(types.String, "string"), jen.Lit(special))
	case kindInt:
		if b, ok := types.Unalias(p.Type).(*types.Basic); ok && b.Kind() == types.Int {
			return jen.Qual("strconv", "Itoa").Call(x)
		}
		return jen.Qual("strconv", "FormatInt").Call(conv(types.Int64, "int64"), jen.Lit(10))
	case kindUint:
		return jen.Qual("strconv", "FormatUint").Call(conv(types.Uint64, "uint64"), jen.Lit(10))
	case kindBool:
		return jen.Qual("strconv", "FormatBool").Call(conv(types.Bool, "bool"))
	case kindText:
		if p.PtrRecv {
			x = jen.Op("&").Add(x)
		}
		return g.rt("TextKey").Call(x, jen.Lit(special))
	default: // KindStringer
		return g.rt("EscapeKey").Call(x.Dot("String").Call(), jen.Lit(special))
	}
}

// typ writes a Go type, qualifying named types by import path.
func (g *emitter) typ(t types.Type) *jen.Statement {
	switch t := t.(type) {
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return jen.Qual("unsafe", "Pointer")
		}
		return jen.Id(t.Name())
	case *types.Alias:
		return g.qual(t.Obj()).Add(g.typeArgs(t.TypeArgs()))
	case *types.Named:
		return g.qual(t.Obj()).Add(g.typeArgs(t.TypeArgs()))
	case *types.TypeParam:
		return jen.Id(t.Obj().Name())
	case *types.Pointer:
		return jen.Op("*").Add(g.typ(t.Elem()))
	case *types.Slice:
		return jen.Index().Add(g.typ(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Id(strconv.FormatInt(t.Len(), 10))).Add(g.typ(t.Elem()))
	case *types.Map:
		return jen.Map(g.typ(t.Key())).Add(g.typ(t.Elem()))
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(g.typ(t.Elem()))
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(g.typ(t.Elem()))
		}
		return jen.Chan().Add(g.typ(t.Elem()))
	case *types.Struct:
		return jen.StructFunc(func(s *jen.Group) {
			for i := range t.NumFields() {
				f := t.Field(i)
				var field *jen.Statement
				if f.Embedded() {
					field = g.typ(f.Type())
				} else {
					field = jen.Id(f.Name()).Add(g.typ(f.Type()))
				}
				if tag := t.Tag(i); tag != "" {
					field.Add(tagLit(tag))
				}
				s.Add(field)
			}
		})
	case *types.Signature:
		return jen.Func().Add(g.signature(t))
	case *types.Interface:
		return jen.InterfaceFunc(func(s *jen.Group) {
			for i := range t.NumEmbeddeds() {
				s.Add(g.typ(t.EmbeddedType(i)))
			}
			for i := range t.NumExplicitMethods() {
				m := t.ExplicitMethod(i)
				s.Id(m.Name()).Add(g.signature(m.Type().(*types.Signature)))
			}
		})
	case *types.Union:
		var terms []jen.Code
		for i := range t.Len() {
			term := t.Term(i)
			code := g.typ(term.Type())
			if term.Tilde() {
				code = jen.Op("~").Add(code)
			}
			terms = append(terms, code)
		}
		return jen.Union(terms...)
	}
	return jen.Id(types.TypeString(t, func(p *types.Package) string { return p.Name() }))
}

func (g *emitter) signature(sig *types.Signature) *jen.Statement {
	var in, out []jen.Code
	for i := range sig.Params().Len() {
		pt := sig.Params().At(i).Type()
		if sig.Variadic() && i == sig.Params().Len()-1 {
			in = append(in, jen.Op("...").Add(g.typ(pt.(*types.Slice).Elem())))
			continue
		}
		in = append(in, g.typ(pt))
	}
	for i := range sig.Results().Len() {
		out = append(out, g.typ(sig.Results().At(i).Type()))
	}
	s := jen.Params(in...)
	switch len(out) {
	case 0:
	case 1:
		s.Add(out[0])
	default:
		s.Params(out...)
	}
	return s
}

func (g *emitter) typeArgs(l *types.TypeList) *jen.Statement {
	if l.Len() == 0 {
		return jen.Null()
	}
	var args []jen.Code
	for i := range l.Len() {
		args = append(args, g.typ(l.At(i)))
	}
	return jen.Types(args...)
}

func (g *emitter) qual(obj *types.TypeName) *jen.Statement {
	if obj.Pkg() == nil || obj.Pkg().Path() == g.m.Path {
		return jen.Id(obj.Name())
	}
	g.importName(obj.Pkg().Path(), obj.Pkg().Name())
	return jen.Qual(obj.Pkg().Path(), obj.Name())
}

// tagLit writes a struct tag exactly as it is, raw when possible.
func tagLit(tag string) *jen.Statement {
	if strconv.CanBackquote(tag) {
		return jen.Id("`" + tag + "`")
	}
	return jen.Lit(tag)
}
