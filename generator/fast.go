package generator

import "go/types"

// codec=fast: for every struct cached with it, the generator writes an
// encoder and a decoder over package fastwire (whose doc is the wire
// format), one function each per struct type of the module involved, and
// a codec variable that the constructors pass with runtime.WithCodec.

// fastwirePath is the import path of the codec=fast wire helpers.
const fastwirePath = runtimePath + "/fastwire"

// wireKind is how a type is written.
type wireKind int

const (
	wBad     wireKind = iota
	wBool             // Bool
	wInt              // Int, read with the method for its size
	wUint             // Uint, likewise
	wFloat32          // Float32
	wFloat64          // Float64
	wString           // String
	wBytes            // Bytes: []byte, nil kept
	wRaw              // Raw: [N]byte
	wTime             // Time
	wDate             // Date: runtime.Date
	wDecimal          // Decimal: runtime.Decimal
	wStruct           // a named struct of the module: its own functions
	wAnon             // an anonymous struct: inline
	wPointer
	wSlice
	wArray
	wMap
)

// wire classifies t. why explains wBad.
func (e typeEnv) wire(t types.Type) (k wireKind, why string) {
	t = types.Unalias(t)
	switch {
	case namedIs(t, "time", "Time"):
		return wTime, ""
	case namedIs(t, pyvalPath, "Date"):
		return wDate, ""
	case namedIs(t, pyvalPath, "Decimal"):
		return wDecimal, ""
	}
	named, _ := t.(*types.Named)
	foreign := named != nil && !e.inModule(named.Obj().Pkg())
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.Bool:
			return wBool, ""
		case u.Kind() == types.String:
			return wString, ""
		case u.Kind() == types.Float32:
			return wFloat32, ""
		case u.Kind() == types.Float64:
			return wFloat64, ""
		case u.Kind() == types.Uintptr:
		case u.Info()&types.IsInteger != 0 && u.Info()&types.IsUnsigned != 0:
			return wUint, ""
		case u.Info()&types.IsInteger != 0:
			return wInt, ""
		}
		return wBad, u.Name() + " has no codec=fast encoding"
	case *types.Slice:
		if isByte(u.Elem()) {
			return wBytes, ""
		}
		if foreign {
			return wBad, "slice types from outside the module are not supported"
		}
		return wSlice, ""
	case *types.Array:
		if isByte(u.Elem()) {
			return wRaw, ""
		}
		if foreign {
			return wBad, "array types from outside the module are not supported"
		}
		return wArray, ""
	case *types.Map:
		if foreign {
			return wBad, "map types from outside the module are not supported"
		}
		return wMap, ""
	case *types.Pointer:
		if named != nil {
			return wBad, "named pointer types are not supported"
		}
		return wPointer, ""
	case *types.Struct:
		if named == nil {
			return wAnon, ""
		}
		if foreign {
			return wBad, "structs from outside the module are not supported (except time.Time, runtime.Date and runtime.Decimal)"
		}
		return wStruct, ""
	case *types.Interface:
		return wBad, "interfaces have no fixed encoding"
	case *types.Signature:
		return wBad, "funcs cannot be encoded"
	case *types.Chan:
		return wBad, "channels cannot be encoded"
	}
	return wBad, "this kind of type has no codec=fast encoding"
}

// fastChecker finds the fields codec=fast cannot encode.
type fastChecker struct {
	env  typeEnv
	seen map[string]bool // named structs checked or being checked
}

func newFastChecker(env typeEnv) *fastChecker {
	return &fastChecker{env: env, seen: map[string]bool{}}
}

// check returns every problem of a type, each about one field.
func (c *fastChecker) check(t types.Type) []*typeProblem {
	k, why := c.env.wire(t)
	switch k {
	case wBad:
		return []*typeProblem{{why: why}}
	case wStruct:
		n := types.Unalias(t).(*types.Named)
		id := types.TypeString(n, nil)
		if c.seen[id] {
			return nil
		}
		c.seen[id] = true
		return c.checkStruct(n.Underlying().(*types.Struct), n.Obj().Name())
	case wAnon:
		return c.checkStruct(t.Underlying().(*types.Struct), "struct")
	case wPointer:
		return c.check(t.Underlying().(*types.Pointer).Elem())
	case wSlice:
		return c.check(t.Underlying().(*types.Slice).Elem())
	case wArray:
		return c.check(t.Underlying().(*types.Array).Elem())
	case wMap:
		m := t.Underlying().(*types.Map)
		probs := c.check(m.Elem())
		if k, _ := c.env.wire(m.Key()); !validKey(k) {
			probs = append(probs, &typeProblem{why: "map keys must be strings, integers or byte arrays"})
		}
		if hasLock(m.Elem(), map[types.Type]bool{}) {
			probs = append(probs, &typeProblem{why: "map values that hold a lock cannot be copied in or out: use pointers"})
		}
		return probs
	}
	return nil
}

func validKey(k wireKind) bool {
	return k == wString || k == wInt || k == wUint || k == wRaw
}

func (c *fastChecker) checkStruct(st *types.Struct, owner string) []*typeProblem {
	var out []*typeProblem
	for i := range st.NumFields() {
		f := st.Field(i)
		if skipped(st, i) {
			continue
		}
		probs := c.check(f.Type())
		if !c.env.accessible(f) {
			probs = append(probs, &typeProblem{why: "the field is unexported in another package: tag it `cache:\"-\"` or export it"})
		}
		for _, p := range probs {
			if p.pos == 0 {
				p.pos, p.field, p.typ = f.Pos(), owner+"."+f.Name(), c.env.typeString(f.Type())
			}
		}
		out = append(out, probs...)
	}
	return out
}

// minSize is the fewest bytes a payload of t takes, for bounding lengths.
func (e typeEnv) minSize(t types.Type) int {
	k, _ := e.wire(t)
	switch k {
	case wFloat32:
		return 4
	case wFloat64:
		return 8
	case wTime, wDate:
		return 3
	case wRaw:
		return int(t.Underlying().(*types.Array).Len())
	case wArray:
		a := t.Underlying().(*types.Array)
		return int(a.Len()) * e.minSize(a.Elem())
	}
	return 1
}
