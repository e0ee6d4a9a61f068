package generator

import (
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
					if skipped(st, i) && hasLock(f.Type(), map[types.Type]bool{}) {
						continue
					}
					vals.Line().Id(f.Name()).Op(":").Id("v." + f.Name())
				}
				vals.Line()
			})
		} else {
			b.Id("c").Op(":=").Op("*").Id("v")
		}
		ce.fixStruct(b, st, "c")
		b.Return(jen.Op("&").Id("c"))
	})
	ce.g.f.Line()
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
			ce.fixStruct(b, st, e)
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
		ce.fixStruct(b, u, e)
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

// fixStruct fixes the fields of a struct value e.
func (ce *cloneEmitter) fixStruct(b *jen.Group, st *types.Struct, e string) {
	for i := range st.NumFields() {
		f := st.Field(i)
		if _, prob := ce.c.check(f.Type()); prob != nil || !ce.c.env.accessible(f) {
			continue // tagged cache:"-" and shared, or copied with the struct
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
