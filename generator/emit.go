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
		if e.ProtoCodec != "" {
			g.proto(e)
		}
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
	g.doc("Shape guards: the build fails here when %s changed; run go generate.", joinOr(names))
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

// proto emits the codec=proto codec and the deep copy of a protobuf
// message: functions of google.golang.org/protobuf/proto, which the runtime
// does not import.
func (g *emitter) proto(e *entityModel) {
	g.importName(protoPath, "proto")
	ptr := func() *jen.Statement { return jen.Op("*").Add(g.typ(e.Type)) }
	g.doc("%s stores %s in protobuf's wire format: deterministic, so equal messages are equal bytes; decoding rejects malformed input and nesting deeper than 100 (as C++ and Java protobuf do).",
		e.ProtoCodec, typeName(e.Type))
	g.f.Var().Id(e.ProtoCodec).Op("=").Qual(cacheimplPath, "ProtoCodec").Call(
		jen.Line().Func().Params(jen.Id("v").Add(ptr())).Params(jen.Index().Byte(), jen.Error()).Block(
			jen.Return(jen.Qual(protoPath, "MarshalOptions").Values(jen.Dict{jen.Id("Deterministic"): jen.True()}).Dot("Marshal").Call(jen.Id("v"))),
		),
		jen.Line().Func().Params(jen.Id("data").Index().Byte(), jen.Id("v").Add(ptr())).Error().Block(
			jen.Return(jen.Qual(protoPath, "UnmarshalOptions").Values(jen.Dict{jen.Id("RecursionLimit"): jen.Lit(100)}).Dot("Unmarshal").Call(jen.Id("data"), jen.Id("v"))),
		),
		jen.Line(),
	)
	g.f.Line()
	g.doc("%s returns a deep copy of v (proto.Clone).", e.CloneFunc)
	g.f.Func().Id(e.CloneFunc).Params(jen.Id("v").Add(ptr())).Add(ptr()).Block(
		jen.Return(jen.Qual(protoPath, "Clone").Call(jen.Id("v")).Assert(ptr())),
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
	key := c.Template
	if c.Version != "" {
		key += ":" + c.Version
	}
	facts := []string{c.Codec}
	if c.Crypt {
		facts = append(facts, "encrypted")
	}
	if c.TTL > 0 {
		facts = append(facts, "ttl "+formatDuration(c.TTL))
	}
	if c.Local > 0 {
		facts = append(facts, "near cache of "+strconv.Itoa(c.Local))
	}
	return fmt.Sprintf("%s caches %s values under %s (%s). Its methods: Generated API in cachegen's README.",
		c.Name, c.Entity.Name, key, strings.Join(facts, ", "))
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

// strLit writes s as a raw string literal when it has backslashes, so
// regexps and escaped globs read as written.
func strLit(s string) *jen.Statement {
	if strings.Contains(s, `\`) && !strings.ContainsAny(s, "`\r") && strconv.CanBackquote(s) {
		return jen.Id("`" + s + "`")
	}
	return jen.Lit(s)
}

// appendKey writes the body of a Spec.AppendKey function: the key's
// literals and placeholder values appended to the buffer dst, prefix
// aside; arg writes a placeholder's value.
func (g *emitter) appendKey(c *cacheModel, arg func(*param) *jen.Statement, dst string) []jen.Code {
	var steps []func(buf jen.Code) *jen.Statement
	lit := ""
	flush := func() {
		if lit != "" {
			l := lit
			steps = append(steps, func(buf jen.Code) *jen.Statement {
				if len(l) == 1 {
					return jen.Append(buf, jen.LitRune(rune(l[0])))
				}
				return jen.Append(buf, jen.Lit(l).Op("..."))
			})
			lit = ""
		}
	}
	for _, part := range c.Parts {
		if part.Param < 0 {
			lit += part.Literal
			continue
		}
		flush()
		p := c.Params[part.Param]
		steps = append(steps, func(buf jen.Code) *jen.Statement { return g.appendValue(buf, p, arg(p), c.Special) })
	}
	if c.Version != "" {
		lit += ":" + c.Version
	}
	flush()
	body := make([]jen.Code, 0, len(steps))
	for _, step := range steps[:len(steps)-1] {
		body = append(body, jen.Id(dst).Op("=").Add(step(jen.Id(dst))))
	}
	return append(body, jen.Return(steps[len(steps)-1](jen.Id(dst))))
}

// appendValue writes the call appending the key text of one placeholder
// value x to buf: the same text valueExpr writes.
func (g *emitter) appendValue(buf jen.Code, p *param, x *jen.Statement, special string) *jen.Statement {
	conv := func(to types.BasicKind, name string) *jen.Statement { return convBasic(p, x, to, name) }
	switch p.Kind {
	case kindString:
		return jen.Qual(cacheimplPath, "AppendEscape").Call(buf, conv(types.String, "string"), jen.Lit(special))
	case kindInt:
		return jen.Qual("strconv", "AppendInt").Call(buf, conv(types.Int64, "int64"), jen.Lit(10))
	case kindUint:
		return jen.Qual("strconv", "AppendUint").Call(buf, conv(types.Uint64, "uint64"), jen.Lit(10))
	case kindBool:
		return jen.Qual("strconv", "AppendBool").Call(buf, conv(types.Bool, "bool"))
	case kindText:
		if p.PtrRecv {
			x = jen.Op("&").Add(x)
		}
		return jen.Qual(cacheimplPath, "AppendText").Call(buf, x, jen.Lit(special))
	default: // kindStringer
		return jen.Qual(cacheimplPath, "AppendEscape").Call(buf, x.Dot("String").Call(), jen.Lit(special))
	}
}

// convBasic writes x converted to the basic type name (of kind to), or x
// itself when p's type already is it.
func convBasic(p *param, x *jen.Statement, to types.BasicKind, name string) *jen.Statement {
	if b, ok := types.Unalias(p.Type).(*types.Basic); ok && b.Kind() == to {
		return x
	}
	return jen.Id(name).Call(x)
}

// valueExpr writes the key text of one placeholder value x; appendValue
// writes the same text appended.
func (g *emitter) valueExpr(p *param, x *jen.Statement, special string) *jen.Statement {
	conv := func(to types.BasicKind, name string) *jen.Statement { return convBasic(p, x, to, name) }
	switch p.Kind {
	case kindString:
		return jen.Qual(cacheimplPath, "Escape").Call(conv(types.String, "string"), jen.Lit(special))
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
		return jen.Qual(cacheimplPath, "TextKey").Call(x, jen.Lit(special))
	default: // kindStringer
		return jen.Qual(cacheimplPath, "Escape").Call(x.Dot("String").Call(), jen.Lit(special))
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
