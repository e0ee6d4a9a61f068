package generator

import "go/types"

// The generated deep copy, clone<Type>, lets the near cache hand every
// caller its own value without decoding: one allocation per struct, slice
// and map of the value, except that the struct of a clone function and its
// first slice whose elements need no deep copy share one
// (cacheimpl.CloneWith, see emit_clone.go). It copies
//
//   - strings, numbers, bools, and arrays and structs of them, by
//     assignment;
//   - time.Time and *time.Location by assignment: they are immutable;
//   - other types from outside the module by assignment when they hold no
//     pointers, slices, maps, channels, functions or interfaces at all
//     (uuid.UUID, runtime.Date, runtime.Decimal);
//   - pointers, slices and maps by copying what they refer to, recursively
//     (nil stays nil, empty stays empty; map keys are copied by assignment);
//   - the fields of the module's own structs one by one.
//
// A field tagged `cache:"-"` is copied deeply too when it can be, and by
// assignment (shared) when it cannot (a func, a channel) or is blank (_,
// which no selector reaches; left zero where the copy is field by field). Any other field
// whose copy cannot be generated (an interface, a struct from another
// module that holds pointers, a channel) leaves the struct without clone:
// a cache with local= is then an error, and runtime.WithLocal falls back to
// copying through the codec.

// cloneChecker decides whether a deep copy of a type can be generated and
// whether it needs any code beyond an assignment.
type cloneChecker struct {
	env  typeEnv
	memo map[string]*structCheck // the module's named structs, by type string
}

// structCheck is what checking a struct of the module found.
type structCheck struct {
	busy   bool // being checked (a recursive type)
	deep   bool // needs code beyond an assignment
	locked bool // a field tagged cache:"-" holds a lock: copy field by field
	prob   *typeProblem
}

func newCloneChecker(env typeEnv) *cloneChecker {
	return &cloneChecker{env: env, memo: map[string]*structCheck{}}
}

// root checks a struct that gets its own clone function (the entity, or
// one reached through a pointer): such a function can leave out lock
// fields tagged cache:"-".
func (c *cloneChecker) root(t *types.Named) (deep bool, prob *typeProblem) {
	sc := c.named(t)
	return sc.deep, sc.prob
}

// named checks a struct type of the module.
func (c *cloneChecker) named(t *types.Named) *structCheck {
	id := types.TypeString(t, nil)
	if sc, ok := c.memo[id]; ok {
		if sc.busy {
			return &structCheck{deep: true}
		}
		return sc
	}
	sc := &structCheck{busy: true}
	c.memo[id] = sc
	deep, locked, prob := c.checkStruct(t.Underlying().(*types.Struct), t.Obj().Name())
	*sc = structCheck{deep: deep, locked: locked, prob: prob}
	return sc
}

// check reports whether a value of t needs code to be copied deeply, or why
// it cannot be.
func (c *cloneChecker) check(t types.Type) (deep bool, prob *typeProblem) {
	switch t := t.(type) {
	case *types.Alias:
		return c.check(types.Unalias(t))
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return false, &typeProblem{why: "unsafe.Pointer cannot be copied"}
		}
		return false, nil
	case *types.Named:
		if namedIs(t, "time", "Time") {
			return false, nil
		}
		if hasLock(t, map[types.Type]bool{}) {
			return false, &typeProblem{why: c.env.typeString(t) + " holds a lock, which must not be copied"}
		}
		if _, isStruct := t.Underlying().(*types.Struct); !isStruct {
			return c.check(t.Underlying())
		}
		if !c.env.inModule(t.Obj().Pkg()) {
			if pointerFree(t, map[types.Type]bool{}) {
				return false, nil
			}
			return false, &typeProblem{why: c.env.typeString(t) + " is from outside the module and holds references"}
		}
		sc := c.named(t)
		return sc.deep, sc.prob
	case *types.Pointer:
		if namedIs(t.Elem(), "time", "Location") {
			return false, nil
		}
		if n := c.moduleStruct(t.Elem()); n != nil {
			_, prob := c.root(n)
			return true, prob
		}
		_, prob := c.check(t.Elem())
		return true, prob
	case *types.Slice:
		_, prob := c.check(t.Elem())
		return true, prob
	case *types.Map:
		_, prob := c.check(t.Elem())
		return true, prob
	case *types.Array:
		return c.check(t.Elem())
	case *types.Struct:
		if hasLock(t, map[types.Type]bool{}) {
			return false, &typeProblem{why: "it holds a lock, which must not be copied"}
		}
		deep, _, prob := c.checkStruct(t, "struct")
		return deep, prob
	case *types.Interface:
		return false, &typeProblem{why: "an interface's dynamic value cannot be copied"}
	case *types.Chan:
		return false, &typeProblem{why: "a channel cannot be copied"}
	case *types.Signature:
		return false, &typeProblem{why: "a func cannot be copied"}
	}
	return false, &typeProblem{why: "its type cannot be copied"}
}

// moduleStruct returns t when it is a named struct of the module: such a
// struct behind a pointer gets its own clone function.
func (c *cloneChecker) moduleStruct(t types.Type) *types.Named {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || !c.env.inModule(n.Obj().Pkg()) || namedIs(n, "time", "Time") {
		return nil
	}
	if _, isStruct := n.Underlying().(*types.Struct); !isStruct {
		return nil
	}
	return n
}

// checkStruct checks the fields of a struct named owner. locked reports a
// lock in a field tagged cache:"-", which a copy must leave out.
func (c *cloneChecker) checkStruct(st *types.Struct, owner string) (deep, locked bool, prob *typeProblem) {
	for i := range st.NumFields() {
		f := st.Field(i)
		if skipped(st, i) && hasLock(f.Type(), map[types.Type]bool{}) {
			locked = true
			continue // left zero in the copy
		}
		d, p := c.check(f.Type())
		if p == nil && d && !c.env.accessible(f) {
			p = &typeProblem{why: "the field is unexported in another package"}
		}
		if p != nil {
			if skipped(st, i) {
				continue // shared by assignment
			}
			if p.pos == 0 {
				p.pos, p.field, p.typ = f.Pos(), owner+"."+f.Name(), c.env.typeString(f.Type())
			}
			return false, false, p
		}
		deep = deep || d
	}
	if locked {
		for i := range st.NumFields() {
			if f := st.Field(i); !c.env.accessible(f) {
				return false, false, &typeProblem{pos: f.Pos(), field: owner + "." + f.Name(), typ: c.env.typeString(f.Type()),
					why: "a struct with a lock is copied field by field, and this field is unexported in another package"}
			}
		}
	}
	return deep, locked, nil
}

// hasLock reports whether a value of t holds a lock that go vet's copylocks
// check forbids copying: a type whose pointer has Lock and Unlock methods
// (sync.Mutex, and the noCopy of sync/atomic's types), in t or in its
// structs and arrays.
func hasLock(t types.Type, seen map[types.Type]bool) bool {
	t = types.Unalias(t)
	if seen[t] {
		return false
	}
	seen[t] = true
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr && !types.IsInterface(t) {
		ms := types.NewMethodSet(types.NewPointer(t))
		if ms.Lookup(nil, "Lock") != nil && ms.Lookup(nil, "Unlock") != nil {
			return true
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Struct:
		for i := range u.NumFields() {
			if hasLock(u.Field(i).Type(), seen) {
				return true
			}
		}
	case *types.Array:
		return hasLock(u.Elem(), seen)
	}
	return false
}

// pointerFree reports whether a value of t holds no references at all, so
// that an assignment copies it entirely.
func pointerFree(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return true
	}
	seen[t] = true
	if namedIs(t, "time", "Time") {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() != types.UnsafePointer
	case *types.Array:
		return pointerFree(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if !pointerFree(u.Field(i).Type(), seen) {
				return false
			}
		}
		return true
	}
	return false
}
