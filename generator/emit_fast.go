package generator

import (
	"go/types"

	"github.com/dave/jennifer/jen"
)

// fastEmitter writes the codec=fast functions.
type fastEmitter struct {
	g     *emitter
	env   typeEnv
	names map[string][2]string // type string → encoder and decoder names
	queue []*types.Named
	vars  *namer // the local variables of the function being written
}

func newFastEmitter(g *emitter, env typeEnv) *fastEmitter {
	return &fastEmitter{g: g, env: env, names: map[string][2]string{}}
}

func (fe *fastEmitter) w() *jen.Statement { return jen.Id("w") }
func (fe *fastEmitter) r() *jen.Statement { return jen.Id("r") }

// funcs returns the encoder and decoder of a named struct, queueing them.
func (fe *fastEmitter) funcs(t *types.Named) (enc, dec string) {
	id := types.TypeString(t, nil)
	if n, ok := fe.names[id]; ok {
		return n[0], n[1]
	}
	n := [2]string{fe.g.m.names.name("fastEncode" + t.Obj().Name()), fe.g.m.names.name("fastDecode" + t.Obj().Name())}
	fe.names[id] = n
	fe.queue = append(fe.queue, t)
	return n[0], n[1]
}

// codec writes the codec variable of an entity.
func (fe *fastEmitter) codec(e *entityModel, name string) {
	enc, dec := fe.funcs(e.Type)
	fe.g.doc("%s is the codec=fast codec of %s (wire format: package fastwire).", name, e.Name)
	fe.g.f.Var().Id(name).Op("=").Qual(cacheimplPath, "FastCodec").Call(jen.Id(enc), jen.Id(dec))
	fe.g.f.Line()
}

// emit writes the queued functions, and those they need.
func (fe *fastEmitter) emit() {
	for len(fe.queue) > 0 {
		t := fe.queue[0]
		fe.queue = fe.queue[1:]
		fe.functions(t)
	}
}

func (fe *fastEmitter) functions(t *types.Named) {
	g := fe.g
	names := fe.names[types.TypeString(t, nil)]
	st := t.Underlying().(*types.Struct)
	typ := g.typ(t)

	g.doc("%s writes v in the codec=fast wire format (package fastwire).", names[0])
	fe.vars = g.m.names.scope()
	g.f.Func().Id(names[0]).Params(
		jen.Id("w").Op("*").Qual(fastwirePath, "Writer"), jen.Id("v").Op("*").Add(typ.Clone()),
	).BlockFunc(func(b *jen.Group) {
		b.If(jen.Op("!").Add(fe.w()).Dot("Enter").Call()).Block(jen.Return())
		fe.encFields(b, st, "v")
		b.Add(fe.w()).Dot("Leave").Call()
	})
	g.f.Line()

	g.doc("%s reads what %s wrote into v, which must be zero. Errors stay in r.", names[1], names[0])
	fe.vars = g.m.names.scope()
	g.f.Func().Id(names[1]).Params(
		jen.Id("r").Op("*").Qual(fastwirePath, "Reader"), jen.Id("v").Op("*").Add(typ.Clone()),
	).BlockFunc(func(b *jen.Group) {
		b.Add(fe.r()).Dot("Enter").Call()
		fe.decFields(b, st, "v")
		b.Add(fe.r()).Dot("Leave").Call()
	})
	g.f.Line()
}

func (fe *fastEmitter) fresh(base string) string { return fe.vars.name(base) }

// basicOf returns the basic type under t.
func basicOf(t types.Type) *types.Basic { b, _ := t.Underlying().(*types.Basic); return b }

// scalar is how a single-call kind is written and read.
type scalar struct {
	method string     // Writer and Reader method
	param  types.Type // the Writer method's parameter type; nil: no conversion
	result types.Type // the Reader method's result type; nil: assignable
}

// scalarOf returns the methods of a kind written with one call.
func scalarOf(k wireKind, t types.Type) (scalar, bool) {
	switch k {
	case wBool:
		return scalar{"Bool", types.Typ[types.Bool], types.Typ[types.Bool]}, true
	case wString:
		return scalar{"String", types.Typ[types.String], types.Typ[types.String]}, true
	case wFloat32:
		return scalar{"Float32", types.Typ[types.Float32], types.Typ[types.Float32]}, true
	case wFloat64:
		return scalar{"Float64", types.Typ[types.Float64], types.Typ[types.Float64]}, true
	case wInt:
		b := basicOf(t)
		return scalar{"Int", types.Typ[types.Int64], b}, true
	case wUint:
		b := basicOf(t)
		return scalar{"Uint", types.Typ[types.Uint64], b}, true
	case wBytes:
		return scalar{"Bytes", nil, types.NewSlice(types.Typ[types.Byte])}, true
	case wTime:
		return scalar{"Time", nil, nil}, true
	case wDate:
		return scalar{"Date", nil, nil}, true
	case wDecimal:
		return scalar{"Decimal", nil, nil}, true
	}
	return scalar{}, false
}

// readMethods names the Reader method for each integer kind.
var readMethods = map[types.BasicKind]string{
	types.Int: "Int", types.Int8: "Int8", types.Int16: "Int16", types.Int32: "Int32", types.Int64: "Int64",
	types.Uint: "Uint", types.Uint8: "Uint8", types.Uint16: "Uint16", types.Uint32: "Uint32", types.Uint64: "Uint64",
}

// writeArg converts e to the Writer method's parameter type when needed.
func (fe *fastEmitter) writeArg(s scalar, t types.Type, e string) *jen.Statement {
	if s.param == nil || types.Identical(types.Unalias(t), s.param) {
		return jen.Id(e)
	}
	return jen.Id(s.param.String()).Call(jen.Id(e))
}

// readExpr is the expression that reads a value of a single-call kind as
// type t, or nil for kinds read otherwise.
func (fe *fastEmitter) readExpr(t types.Type) *jen.Statement {
	k, _ := fe.env.wire(t)
	s, ok := scalarOf(k, t)
	if !ok {
		return nil
	}
	method := s.method
	if k == wInt || k == wUint {
		method = readMethods[basicOf(t).Kind()]
	}
	call := fe.r().Dot(method).Call()
	if s.result == nil || types.Identical(types.Unalias(t), s.result) {
		return call
	}
	return fe.g.typ(t).Call(call)
}

// encFields writes the fields of a struct value e.
func (fe *fastEmitter) encFields(b *jen.Group, st *types.Struct, e string) {
	for i := range st.NumFields() {
		if skipped(st, i) {
			continue
		}
		f := st.Field(i)
		fe.encField(b, i+1, f.Type(), selector(e, f.Name()))
	}
}

// encField writes field tag holding e, unless it is zero where the format
// says so.
func (fe *fastEmitter) encField(b *jen.Group, tag int, t types.Type, e string) {
	k, _ := fe.env.wire(t)
	if s, ok := scalarOf(k, t); ok {
		b.Add(fe.w()).Dot(s.method+"Field").Call(jen.Lit(tag), fe.writeArg(s, t, e))
		return
	}
	switch k {
	case wRaw:
		b.Add(fe.w()).Dot("RawField").Call(jen.Lit(tag), jen.Id(paren(e)+"[:]"))
	case wPointer:
		b.If(fe.w().Dot("PtrField").Call(jen.Lit(tag), jen.Id(e).Op("!=").Nil())).BlockFunc(func(b *jen.Group) {
			fe.enc(b, t.Underlying().(*types.Pointer).Elem(), "*"+e)
		})
	case wSlice, wMap:
		b.If(fe.w().Dot("LenField").Call(jen.Lit(tag), jen.Id(e).Op("!=").Nil(), jen.Len(jen.Id(e)))).BlockFunc(func(b *jen.Group) {
			fe.encElems(b, t, e)
		})
	default:
		b.Add(fe.w()).Dot("Tag").Call(jen.Lit(tag))
		fe.enc(b, t, e)
	}
}

// enc writes the payload of e.
func (fe *fastEmitter) enc(b *jen.Group, t types.Type, e string) {
	k, _ := fe.env.wire(t)
	if s, ok := scalarOf(k, t); ok {
		b.Add(fe.w()).Dot(s.method).Call(fe.writeArg(s, t, e))
		return
	}
	switch k {
	case wRaw:
		b.Add(fe.w()).Dot("Raw").Call(jen.Id(paren(e) + "[:]"))
	case wStruct:
		enc, _ := fe.funcs(types.Unalias(t).(*types.Named))
		b.Id(enc).Call(fe.w(), jen.Id(addr(e)))
	case wAnon:
		b.If(fe.w().Dot("Enter").Call()).BlockFunc(func(b *jen.Group) {
			fe.encFields(b, t.Underlying().(*types.Struct), e)
			b.Add(fe.w()).Dot("Leave").Call()
		})
	case wPointer:
		b.If(fe.w().Dot("Ptr").Call(jen.Id(e).Op("!=").Nil())).BlockFunc(func(b *jen.Group) {
			fe.enc(b, t.Underlying().(*types.Pointer).Elem(), "*"+e)
		})
	case wSlice, wMap:
		b.If(fe.w().Dot("Len").Call(jen.Id(e).Op("!=").Nil(), jen.Len(jen.Id(e)))).BlockFunc(func(b *jen.Group) {
			fe.encElems(b, t, e)
		})
	case wArray:
		i := fe.fresh("i")
		b.For(jen.Id(i).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
			fe.enc(b, t.Underlying().(*types.Array).Elem(), index(e, i))
		})
	}
}

// encElems writes the elements of a slice or map e after its length.
func (fe *fastEmitter) encElems(b *jen.Group, t types.Type, e string) {
	switch u := t.Underlying().(type) {
	case *types.Slice:
		i := fe.fresh("i")
		b.For(jen.Id(i).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
			fe.enc(b, u.Elem(), index(e, i))
		})
	case *types.Map:
		k := fe.fresh("k")
		var keys *jen.Statement
		if kk, _ := fe.env.wire(u.Key()); kk == wRaw {
			kt := fe.g.typ(u.Key())
			keys = jen.Qual(fastwirePath, "SortedKeysFunc").Call(jen.Id(e), jen.Func().Params(jen.List(jen.Id("a"), jen.Id("b")).Add(kt)).Int().Block(
				jen.Return(jen.Qual("bytes", "Compare").Call(jen.Id("a[:]"), jen.Id("b[:]"))),
			))
		} else {
			keys = jen.Qual(fastwirePath, "SortedKeys").Call(jen.Id(e))
		}
		b.For(jen.List(jen.Id("_"), jen.Id(k)).Op(":=").Range().Add(keys)).BlockFunc(func(b *jen.Group) {
			fe.enc(b, u.Key(), k)
			val := paren(e) + "[" + k + "]"
			if vk, _ := fe.env.wire(u.Elem()); vk == wRaw || vk == wStruct || vk == wAnon || vk == wArray {
				x := fe.fresh("x")
				b.Id(x).Op(":=").Id(val)
				val = x
			}
			fe.enc(b, u.Elem(), val)
		})
	}
}

// decFields reads the fields of a struct into e.
func (fe *fastEmitter) decFields(b *jen.Group, st *types.Struct, e string) {
	for i := range st.NumFields() {
		if skipped(st, i) {
			continue
		}
		f := st.Field(i)
		fe.decField(b, i+1, f.Type(), selector(e, f.Name()))
	}
}

// decField reads field tag into e when it is present.
func (fe *fastEmitter) decField(b *jen.Group, tag int, t types.Type, e string) {
	if x := fe.readExpr(t); x != nil {
		b.If(fe.r().Dot("Field").Call(jen.Lit(tag))).Block(jen.Id(e).Op("=").Add(x))
		return
	}
	k, _ := fe.env.wire(t)
	switch k {
	case wPointer:
		b.If(fe.r().Dot("PtrField").Call(jen.Lit(tag))).BlockFunc(func(b *jen.Group) {
			fe.decPointee(b, t, e)
		})
	case wSlice, wMap:
		n := fe.fresh("n")
		min := fe.elemMin(t)
		b.If(jen.Id(n).Op(":=").Add(fe.r()).Dot("LenField").Call(jen.Lit(tag), jen.Lit(min)), jen.Id(n).Op(">=").Lit(0)).BlockFunc(func(b *jen.Group) {
			fe.decElems(b, t, e, n)
		})
	default:
		b.If(fe.r().Dot("Field").Call(jen.Lit(tag))).BlockFunc(func(b *jen.Group) {
			fe.dec(b, t, e)
		})
	}
}

// elemMin is the fewest bytes an element (a key and value pair for maps)
// of a slice or map type takes.
func (fe *fastEmitter) elemMin(t types.Type) int {
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return fe.env.minSize(u.Elem())
	case *types.Map:
		return fe.env.minSize(u.Key()) + fe.env.minSize(u.Elem())
	}
	return 1
}

// dec reads a payload into e, which is addressable and zero.
func (fe *fastEmitter) dec(b *jen.Group, t types.Type, e string) {
	if x := fe.readExpr(t); x != nil {
		b.Id(e).Op("=").Add(x)
		return
	}
	k, _ := fe.env.wire(t)
	switch k {
	case wRaw:
		b.Add(fe.r()).Dot("Raw").Call(jen.Id(paren(e) + "[:]"))
	case wStruct:
		_, dec := fe.funcs(types.Unalias(t).(*types.Named))
		b.Id(dec).Call(fe.r(), jen.Id(addr(e)))
	case wAnon:
		b.Add(fe.r()).Dot("Enter").Call()
		fe.decFields(b, t.Underlying().(*types.Struct), e)
		b.Add(fe.r()).Dot("Leave").Call()
	case wPointer:
		b.If(fe.r().Dot("Ptr").Call()).BlockFunc(func(b *jen.Group) {
			fe.decPointee(b, t, e)
		})
	case wSlice, wMap:
		n := fe.fresh("n")
		b.If(jen.Id(n).Op(":=").Add(fe.r()).Dot("Len").Call(jen.Lit(fe.elemMin(t))), jen.Id(n).Op(">=").Lit(0)).BlockFunc(func(b *jen.Group) {
			fe.decElems(b, t, e, n)
		})
	case wArray:
		i := fe.fresh("i")
		b.For(jen.Id(i).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
			fe.dec(b, t.Underlying().(*types.Array).Elem(), index(e, i))
		})
	}
}

// decPointee allocates the value a present pointer e of type t points to
// and reads it.
func (fe *fastEmitter) decPointee(b *jen.Group, t types.Type, e string) {
	elem := t.Underlying().(*types.Pointer).Elem()
	b.Id(e).Op("=").New(fe.g.typ(elem))
	fe.dec(b, elem, "*"+e)
}

// decElems makes the slice or map e of n elements and reads them.
func (fe *fastEmitter) decElems(b *jen.Group, t types.Type, e, n string) {
	switch u := t.Underlying().(type) {
	case *types.Slice:
		b.Id(e).Op("=").Make(fe.g.typ(t), jen.Id(n))
		i := fe.fresh("i")
		b.For(jen.Id(i).Op(":=").Range().Id(e)).BlockFunc(func(b *jen.Group) {
			fe.dec(b, u.Elem(), index(e, i))
		})
	case *types.Map:
		m, k := fe.fresh("m"), fe.fresh("k")
		b.Id(m).Op(":=").Make(fe.g.typ(t), jen.Id(n))
		b.For(jen.Range().Id(n)).BlockFunc(func(b *jen.Group) {
			if x := fe.readExpr(u.Key()); x != nil {
				b.Id(k).Op(":=").Add(x)
			} else {
				b.Var().Id(k).Add(fe.g.typ(u.Key()))
				fe.dec(b, u.Key(), k)
			}
			if x := fe.readExpr(u.Elem()); x != nil {
				b.Id(m).Index(jen.Id(k)).Op("=").Add(x)
				return
			}
			x := fe.fresh("x")
			b.Var().Id(x).Add(fe.g.typ(u.Elem()))
			fe.dec(b, u.Elem(), x)
			b.Id(m).Index(jen.Id(k)).Op("=").Id(x)
		})
		b.Add(fe.r()).Dot("MapLen").Call(jen.Len(jen.Id(m)), jen.Id(n))
		b.Id(e).Op("=").Id(m)
	}
}
