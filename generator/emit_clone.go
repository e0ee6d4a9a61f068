package generator

import (
	"go/token"
	"go/types"

	"github.com/dave/jennifer/jen"
)

// cloneEmitter writes clone functions: the entity's, and one for every
// struct of the module reached through a pointer.
type cloneEmitter struct {
	g     *emitter
	c     *cloneChecker
	names map[string]string // type string → function name
	queue []*types.Named    // functions to write
	vars  *namer            // the local variables of the function being written
	// inline holds the named structs whose fields are being copied inline
	// in the function being written: one met again (a recursive type,
	// T{Kids []T}) calls its clone function instead of being inlined
	// forever.
	inline map[string]bool
}

// newCloneEmitter prints the deep copies Parse decided on (m.clone), the
// entities' under the names Parse gave them.
func newCloneEmitter(g *emitter) *cloneEmitter {
	ce := &cloneEmitter{g: g, c: g.m.clone, names: map[string]string{}}
	for _, e := range g.m.Entities {
		if e.CloneFunc != "" && e.ProtoCodec == "" { // proto.Clone, see emitter.proto
			ce.names[types.TypeString(e.Type, nil)] = e.CloneFunc
			ce.queue = append(ce.queue, e.Type)
		}
	}
	return ce
}

// funcName returns the clone function of a named struct, queueing it.
func (ce *cloneEmitter) funcName(t *types.Named) string {
	id := types.TypeString(t, nil)
	if n, ok := ce.names[id]; ok {
		return n
	}
	n := ce.g.m.names.name("clone" + t.Obj().Name())
	ce.names[id] = n
	ce.queue = append(ce.queue, t)
	return n
}

// emit writes the clone functions queued so far, and those they need.
func (ce *cloneEmitter) emit() {
	for len(ce.queue) > 0 {
		t := ce.queue[0]
		ce.queue = ce.queue[1:]
		ce.function(t)
	}
}

func (ce *cloneEmitter) function(t *types.Named) {
	name := ce.names[types.TypeString(t, nil)]
	typ := ce.g.typ(t)
	ce.g.doc("%s returns a deep copy of v: the near cache hands out copies.", name)
	ce.vars = ce.g.m.names.scope()
	ce.inline = map[string]bool{types.TypeString(t, nil): true}
	st := t.Underlying().(*types.Struct)
	ce.g.f.Func().Id(name).Params(jen.Id("v").Op("*").Add(typ.Clone())).Op("*").Add(typ.Clone()).BlockFunc(func(b *jen.Group) {
		b.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Nil()))
		if ce.c.named(t).locked {
			// Field by field, leaving the locks out.
			b.Id("c").Op(":=").Add(typ.Clone()).ValuesFunc(func(vals *jen.Group) {
				for i := range st.NumFields() {
					f := st.Field(i)
					if skipped(st, i) && hasLock(f.Type(), map[types.Type]bool{}) || f.Name() == "_" {
						continue // left zero: a lock, or a blank field no literal can name
					}
					vals.Line().Id(f.Name()).Op(":").Id("v." + f.Name())
				}
				vals.Line()
			})
			ce.fixStruct(b, st, "c", -1)
			b.Return(jen.Op("&").Id("c"))
			return
		}
		if i, ok := ce.sliceWith(st); ok {
			// The struct and the slice's array in one allocation.
			f := st.Field(i)
			s := ce.sliceVar(st, f.Name())
			b.List(jen.Id("c"), jen.Id(s)).Op(":=").Qual(cacheimplPath, "CloneWith").Call(jen.Id("v"), jen.Id("v."+f.Name()))
			b.Id("c." + f.Name()).Op("=").Id(s)
			ce.fixStruct(b, st, "c", i)
			b.Return(jen.Id("c"))
			return
		}
		b.Id("c").Op(":=").Op("*").Id("v")
		ce.fixStruct(b, st, "c", -1)
		b.Return(jen.Op("&").Id("c"))
	})
	ce.g.f.Line()
}

// sliceWith picks the field of a clone function's struct that
// cacheimpl.CloneWith copies together with the struct, in one allocation:
// the first slice whose copy is slices.Clone alone (its elements need no
// deep copy) among the fields fixStruct copies.
func (ce *cloneEmitter) sliceWith(st *types.Struct) (int, bool) {
	for i := range st.NumFields() {
		f := st.Field(i)
		if _, prob := ce.c.check(f.Type()); prob != nil || !ce.c.env.accessible(f) || f.Name() == "_" {
			continue
		}
		sl, ok := f.Type().Underlying().(*types.Slice)
		if !ok {
			continue
		}
		if deep, _ := ce.c.check(sl.Elem()); !deep {
			return i, true
		}
	}
	return 0, false
}

// sliceVar names the local variable of the slice CloneWith returns for
// field: the field's name in lowerCamel (Tags → tags), unless that is a
// keyword, a predeclared identifier, c or v, the name of a package the
// struct's types come from (the function may refer to it) or a name of the
// package; then with a "Copy" suffix (numbered if need be).
func (ce *cloneEmitter) sliceVar(st *types.Struct, field string) string {
	pkgs := map[string]bool{}
	packageNames(st, pkgs, map[types.Type]bool{})
	base := lowerCamel(field)
	if token.IsKeyword(base) || types.Universe.Lookup(base) != nil || base == "c" || base == "v" || pkgs[base] || ce.vars.isTaken(base) {
		base += "Copy"
	}
	return ce.fresh(base)
}

// packageNames adds to names the names of the packages of the named types
// that t holds.
func packageNames(t types.Type, names map[string]bool, seen map[types.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Alias:
		if p := t.Obj().Pkg(); p != nil {
			names[p.Name()] = true
		}
		packageNames(types.Unalias(t), names, seen)
	case *types.Named:
		if p := t.Obj().Pkg(); p != nil {
			names[p.Name()] = true
		}
		if args := t.TypeArgs(); args != nil {
			for i := range args.Len() {
				packageNames(args.At(i), names, seen)
			}
		}
		packageNames(t.Underlying(), names, seen)
	case *types.Pointer:
		packageNames(t.Elem(), names, seen)
	case *types.Slice:
		packageNames(t.Elem(), names, seen)
	case *types.Array:
		packageNames(t.Elem(), names, seen)
	case *types.Map:
		packageNames(t.Key(), names, seen)
		packageNames(t.Elem(), names, seen)
	case *types.Chan:
		packageNames(t.Elem(), names, seen)
	case *types.Struct:
		for i := range t.NumFields() {
			packageNames(t.Field(i).Type(), names, seen)
		}
	}
}

// fresh returns a new local variable name based on base.
func (ce *cloneEmitter) fresh(base string) string { return ce.vars.name(base) }

// fix writes the statements that make e, a shallow copy of type t, deep.
func (ce *cloneEmitter) fix(b *jen.Group, t types.Type, e string) {
	if deep, prob := ce.c.check(t); !deep || prob != nil {
		return
	}
	switch u := types.Unalias(t).(type) {
	case *types.Named:
		if st, ok := u.Underlying().(*types.Struct); ok {
			id := types.TypeString(u, nil)
			if ce.inline[id] {
				b.Id(e).Op("=").Op("*").Id(ce.funcName(u)).Call(jen.Id(addr(e)))
				return
			}
			ce.inline[id] = true
			ce.fixStruct(b, st, e, -1)
			delete(ce.inline, id)
			return
		}
		ce.fixUnder(b, t, u.Underlying(), e)
	default:
		ce.fixUnder(b, t, u, e)
	}
}

// fixUnder is fix for a type t whose underlying type is u.
func (ce *cloneEmitter) fixUnder(b *jen.Group, t, u types.Type, e string) {
	g := ce.g
	switch u := u.(type) {
	case *types.Struct:
		ce.fixStruct(b, u, e, -1)
	case *types.Pointer:
		if n, ok := types.Unalias(u.Elem()).(*types.Named); ok {
			if _, isStruct := n.Underlying().(*types.Struct); isStruct && ce.c.env.inModule(n.Obj().Pkg()) {
				b.Id(e).Op("=").Id(ce.funcName(n)).Call(jen.Id(e))
				return
			}
		}
		y := ce.fresh("p")
		b.If(jen.Id(e).Op("!=").Nil()).BlockFunc(func(b *jen.Group) {
			b.Id(y).Op(":=").Op("*").Id(e)
			ce.fix(b, u.Elem(), y)
			b.Id(e).Op("=").Op("&").Id(y)
		})
	case *types.Slice:
		b.Id(e).Op("=").Qual("slices", "Clone").Call(jen.Id(e))
		if deep, _ := ce.c.check(u.Elem()); deep {
			i := ce.fresh("i")
			b.For(jen.Id(i).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
				ce.fix(b, u.Elem(), index(e, i))
			})
		}
	case *types.Array:
		i := ce.fresh("i")
		b.For(jen.Id(i).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
			ce.fix(b, u.Elem(), index(e, i))
		})
	case *types.Map:
		if deep, _ := ce.c.check(u.Elem()); !deep {
			b.Id(e).Op("=").Qual("maps", "Clone").Call(jen.Id(e))
			return
		}
		m, k, x := ce.fresh("m"), ce.fresh("k"), ce.fresh("x")
		b.If(jen.Id(e).Op("!=").Nil()).Block(
			jen.Id(m).Op(":=").Make(g.typ(t), jen.Len(jen.Id(e))),
			jen.For(jen.List(jen.Id(k), jen.Id(x)).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
				ce.fix(b, u.Elem(), x)
				b.Id(m).Index(jen.Id(k)).Op("=").Id(x)
			}),
			jen.Id(e).Op("=").Id(m),
		)
	}
}

// fixStruct fixes the fields of a struct value e but field done (-1:
// none), already copied.
func (ce *cloneEmitter) fixStruct(b *jen.Group, st *types.Struct, e string, done int) {
	for i := range st.NumFields() {
		f := st.Field(i)
		if _, prob := ce.c.check(f.Type()); prob != nil || !ce.c.env.accessible(f) || i == done || f.Name() == "_" {
			continue // tagged cache:"-" and shared, copied with the struct, or blank (no selector reaches it: shared)
		}
		ce.fix(b, f.Type(), selector(e, f.Name()))
	}
}

// index writes e[i], parenthesising a dereference.
func index(e, i string) string { return paren(e) + "[" + i + "]" }

// selector writes e.f; for e = *p, p.f when p is not itself a
// dereference (Go dereferences pointers to structs in selectors).
func selector(e, f string) string {
	if len(e) > 1 && e[0] == '*' && e[1] != '*' {
		return e[1:] + "." + f
	}
	return paren(e) + "." + f
}

// addr writes &e, or p when e is *p.
func addr(e string) string {
	if len(e) > 0 && e[0] == '*' {
		return e[1:]
	}
	return "&" + e
}

func paren(e string) string {
	if len(e) > 0 && e[0] == '*' {
		return "(" + e + ")"
	}
	return e
}
