package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
)

// cacheimplPath is the package of the generic engine generated caches
// delegate to: everything that is the same for every cache lives there.
const cacheimplPath = runtimePath + "/cacheimpl"

// cache emits what is specific to one cache: its key struct, its type
// (cacheimpl.Handle embedded for the key-free methods), the constructor with
// the cache's Spec (key builder, key extractor, deep copy, codec), and the
// typed signatures of the Generated API, each a one-line forward to
// cacheimpl.Cache.
func (g *emitter) cache(c *cacheModel) {
	ent, single := c.Entity.Name, len(c.Params) == 1
	// K of cacheimpl.Cache[K, T]: the placeholder's type, or the key struct.
	keyT := func() *jen.Statement { return jen.Id(c.KeyName) }
	list := "keys" // GetMany's parameter
	if single {
		keyT = func() *jen.Statement { return g.typ(c.Params[0].Type) }
		list = c.Params[0].Plural
	}
	// The struct itself, also when the annotation is on an alias: the API
	// of a cache of another package's struct speaks that struct.
	entT := func() *jen.Statement { return g.typ(c.Entity.Type) }
	ptrT := func() *jen.Statement { return jen.Op("*").Add(entT()) }
	mapT := func() *jen.Statement { return jen.Map(keyT()).Add(ptrT()) }
	ctx := func() *jen.Statement { return jen.Id("ctx").Qual("context", "Context") }
	dur := func() *jen.Statement { return jen.Qual("time", "Duration") }

	// The typed parameters of one key, and the K value they make.
	var keyParams []jen.Code
	for _, p := range c.Params {
		keyParams = append(keyParams, jen.Id(p.Var).Add(g.typ(p.Type)))
	}
	k := func() *jen.Statement {
		if single {
			return jen.Id(c.Params[0].Var)
		}
		return jen.Id(c.KeyName).ValuesFunc(func(v *jen.Group) {
			for _, p := range c.Params {
				v.Id(p.Field).Op(":").Id(p.Var)
			}
		})
	}
	withCtx := func(rest ...jen.Code) []jen.Code { return append([]jen.Code{ctx()}, rest...) }
	// method writes a one-line doc and a method whose body forwards to the
	// engine's method of the same name (or impl) with args.
	method := func(doc, name string, params []jen.Code, results []jen.Code, impl string, args ...jen.Code) {
		g.f.Comment("// " + name + " " + doc)
		res := jen.Params(results...)
		if len(results) == 1 {
			res = jen.Add(results[0])
		}
		g.f.Func().Params(jen.Id("c").Op("*").Id(c.Name)).Id(name).Params(params...).Add(res).Add(
			oneLine(jen.Return(jen.Id("c").Dot("c").Dot(impl).Call(args...))))
		g.f.Line()
	}
	id := jen.Id("ctx")
	what := paramWords(c)

	if c.KeyName != "" {
		g.f.Comment(fmt.Sprintf("// %s is the key of one %s in %s (%s).", c.KeyName, ent, c.Name, c.Template))
		g.f.Type().Id(c.KeyName).StructFunc(func(s *jen.Group) {
			for _, p := range c.Params {
				s.Id(p.Field).Add(g.typ(p.Type))
			}
		})
		g.f.Line()
	}

	g.doc("%s", describe(c))
	g.f.Type().Id(c.Name).Struct(
		jen.Qual(cacheimplPath, "Handle").Comment("Purge, PurgeAllVersions, Close, Stats"),
		jen.Id("c").Op("*").Qual(cacheimplPath, "Cache").Types(keyT(), entT()),
	)
	g.f.Line()

	ctor := "New" + c.Name
	need := ""
	if c.Crypt {
		need = " It needs a key: runtime.WithKeys."
	}
	g.doc("%s returns a %s over rc; it never contacts Redis.%s", ctor, c.Name, need)
	g.f.Func().Id(ctor).Params(
		jen.Id("rc").Qual(redisPath, "UniversalClient"),
		jen.Id("opts").Op("...").Add(g.rt("Option")),
	).Params(jen.Op("*").Id(c.Name), jen.Error()).Block(
		jen.List(jen.Id("c"), jen.Err()).Op(":=").Qual(cacheimplPath, "New").Call(
			jen.Id("rc"), jen.Op("&").Add(g.spec(c, keyT)), jen.Id("opts").Op("..."),
		),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(c.Name).Values(jen.Id("c").Dot("Handle"), jen.Id("c")), jen.Nil()),
	)
	g.f.Line()

	method("returns the Redis key of "+what+", prefix included.", "Key", keyParams, []jen.Code{jen.String()}, "Key", k())
	method("returns the cached "+ent+" of "+what+", or runtime.ErrMiss.", "Get", withCtx(keyParams...),
		[]jen.Code{ptrT(), jen.Error()}, "Get", id, k())
	method("stores v under the key of its fields with the default TTL.", "Set", withCtx(jen.Id("v").Add(ptrT())),
		[]jen.Code{jen.Error()}, "Set", id, jen.Id("v"))
	method("stores v under the key of its fields, expiring after ttl (0: never).", "SetWithTTL",
		withCtx(jen.Id("v").Add(ptrT()), jen.Id("ttl").Add(dur())), []jen.Code{jen.Error()}, "SetWithTTL", id, jen.Id("v"), jen.Id("ttl"))
	method("reports whether "+what+" is cached.", "Has", withCtx(keyParams...), []jen.Code{jen.Bool(), jen.Error()}, "Has", id, k())
	method("deletes the value of "+what+" and reports whether it was cached.", "Remove", withCtx(keyParams...),
		[]jen.Code{jen.Bool(), jen.Error()}, "Remove", id, k())
	method("returns the time to live of "+what+": runtime.NoExpiry, or runtime.ErrMiss.", "TTL", withCtx(keyParams...),
		[]jen.Code{dur(), jen.Error()}, "TTL", id, k())
	method("returns the cached values of "+list+", misses left out.", "GetMany", withCtx(jen.Id(list).Index().Add(keyT())),
		[]jen.Code{mapT(), jen.Error()}, "GetMany", id, jen.Id(list))
	method("stores every value of vs with the default TTL, or none when one is bad.", "SetMany",
		withCtx(jen.Id("vs").Index().Add(ptrT())), []jen.Code{jen.Error()}, "SetMany", id, jen.Id("vs"))

	loadParams := []jen.Code{jen.Qual("context", "Context")}
	for _, p := range c.Params {
		loadParams = append(loadParams, g.typ(p.Type))
	}
	var loader jen.Code = jen.Id("load")
	if !single {
		// The engine's loader takes K; the caller's takes the key's parts.
		parts := []jen.Code{jen.Id("ctx")}
		for _, p := range c.Params {
			parts = append(parts, jen.Id("k").Dot(p.Field))
		}
		loader = jen.Func().Params(ctx(), jen.Id("k").Id(c.KeyName)).Params(ptrT(), jen.Error()).Add(
			oneLine(jen.Return(jen.Id("load").Call(parts...))))
	}
	method("returns the cached "+ent+" of "+what+", or loads, caches and returns it.", "GetOrLoad",
		withCtx(append(keyParams, jen.Id("load").Func().Params(loadParams...).Params(ptrT(), jen.Error()))...),
		[]jen.Code{ptrT(), jen.Error()}, "GetOrLoad", id, k(), loader)
	method("returns the cached values of "+list+" and loads the misses with one call.", "GetManyOrLoad",
		withCtx(jen.Id(list).Index().Add(keyT()), jen.Id("load").Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("missing").Index().Add(keyT())).Params(mapT(), jen.Error())),
		[]jen.Code{mapT(), jen.Error()}, "GetManyOrLoad", id, jen.Id(list), jen.Id("load"))
	if c.PurgeBy != "" {
		p := c.Params[0]
		scope := "the values of this schema version"
		if c.Version == "" {
			scope = "the values"
		}
		method("removes "+scope+" whose "+p.Path+" is "+p.Var+".", c.PurgeBy,
			withCtx(jen.Id(p.Var).Add(g.typ(p.Type))), []jen.Code{jen.Int64(), jen.Error()}, "PurgeBy", id, g.groupExpr(c))
	}
}

// oneLine writes a function body of one statement on the function's line,
// `{ return c.c.Get(ctx, id) }`: jennifer's Block always breaks lines,
// Values prints its braces inline, and gofmt keeps a short body on one line
// (a long one it breaks as usual).
func oneLine(stmt jen.Code) *jen.Statement { return jen.Values(stmt) }

// spec writes the cacheimpl.Spec literal of a cache, zero fields left out.
func (g *emitter) spec(c *cacheModel, keyT func() *jen.Statement) *jen.Statement {
	return jen.Qual(cacheimplPath, "Spec").Types(keyT(), g.typ(c.Entity.Type)).ValuesFunc(func(v *jen.Group) {
		field := func(name string, val jen.Code) { v.Line().Id(name).Op(":").Add(val) }
		field("Name", jen.Lit(c.Name))
		if c.TTL != 0 {
			field("TTL", durationCode(c.TTL))
		}
		if c.Crypt {
			field("Crypt", jen.True())
		}
		if c.Codec != "msgpack" {
			field("Codec", jen.Lit(c.Codec))
		}
		if c.Version != "" {
			field("Version", jen.Lit(c.Version))
		}
		field("Pattern", strLit(c.Pattern))
		field("Match", strLit(c.Match))
		field("AllPattern", strLit(c.AllPattern))
		field("AllMatch", strLit(c.AllMatch))
		if c.Local != 0 {
			field("Local", jen.Lit(c.Local))
		}
		if c.Jitter != 0 {
			field("Jitter", jen.Lit(c.Jitter))
		}
		if c.Refresh != 0 {
			field("Refresh", durationCode(c.Refresh))
		}
		kp, arg := jen.Id("k").Id(c.KeyName), func(p *param) *jen.Statement { return jen.Id("k").Dot(p.Field) }
		if len(c.Params) == 1 {
			kp, arg = jen.Id(c.Params[0].Var).Add(keyT()), func(p *param) *jen.Statement { return jen.Id(p.Var) }
		}
		dst := "dst"
		for _, p := range c.Params {
			if p.Var == dst {
				dst = "buf"
			}
		}
		field("AppendKey", jen.Func().Params(jen.Id(dst).Index().Byte(), kp).Index().Byte().Block(g.appendKey(c, arg, dst)...))
		field("KeyOf", g.keyOf(c, keyT))
		switch {
		case c.Entity.CloneShallow:
			field("Clone", jen.Qual(cacheimplPath, "Shallow").Types(g.typ(c.Entity.Type)))
		case c.Entity.CloneFunc != "":
			field("Clone", jen.Id(c.Entity.CloneFunc))
		}
		switch c.Codec {
		case "fast":
			field("Fast", jen.Id(c.Entity.FastCodec))
		case "proto":
			field("Fast", jen.Id(c.Entity.ProtoCodec))
		}
		v.Line()
	})
}

// keyOf writes the function that returns the key parameters of a value,
// checking the pointers on the way to a key field.
func (g *emitter) keyOf(c *cacheModel, keyT func() *jen.Statement) *jen.Statement {
	var checks []jen.Code
	checked := map[string]bool{}
	var vals []*jen.Statement
	for _, p := range c.Params {
		sel, path := jen.Id("v"), ""
		for i, st := range p.Steps {
			sel = sel.Clone().Dot(st.Field)
			path = strings.TrimPrefix(path+"."+st.Field, ".")
			if st.Ptr && (i < len(p.Steps)-1 || p.Deref) && !checked[path] {
				checked[path] = true
				checks = append(checks, jen.If(sel.Clone().Op("==").Nil()).Block(
					jen.Return(jen.Id("k"), jen.Qual("errors", "New").Call(jen.Lit(
						fmt.Sprintf("cachegen: %s: cannot build the key of a *%s whose %s is nil", c.Name, c.Entity.Name, path)))),
				))
			}
		}
		if p.Deref {
			sel = jen.Op("*").Add(sel)
		}
		vals = append(vals, sel)
	}
	var key jen.Code = vals[0]
	if len(c.Params) > 1 {
		key = jen.Id(c.KeyName).ValuesFunc(func(v *jen.Group) {
			for i, p := range c.Params {
				v.Id(p.Field).Op(":").Add(vals[i])
			}
		})
	}
	sig := jen.Func().Params(jen.Id("v").Op("*").Add(g.typ(c.Entity.Type)))
	if len(checks) == 0 {
		return sig.Params(keyT(), jen.Error()).Add(oneLine(jen.Return(key, jen.Nil())))
	}
	// A named result: the zero K goes with a nil-pointer error.
	return sig.Params(jen.Id("k").Add(keyT()), jen.Err().Error()).Block(append(checks, jen.Return(key, jen.Nil()))...)
}

// groupExpr writes the group PurgeBy<Field> passes: the key text up to and
// including the literal after the first placeholder, whose value is
// written as in keys.
func (g *emitter) groupExpr(c *cacheModel) *jen.Statement {
	var parts []jen.Code
	lit, placed := "", false
	for _, part := range c.Parts {
		if part.Param >= 0 {
			if placed {
				break
			}
			if lit != "" {
				parts = append(parts, jen.Lit(lit))
				lit = ""
			}
			p := c.Params[part.Param]
			parts = append(parts, g.valueExpr(p, jen.Id(p.Var), c.Special))
			placed = true
			continue
		}
		lit += part.Literal
	}
	parts = append(parts, jen.Lit(lit))
	expr := jen.Add(parts[0])
	for _, p := range parts[1:] {
		expr = expr.Op("+").Add(p)
	}
	return expr
}
