package generator

import (
	"go/token"
	"go/types"
	"reflect"
	"strings"
)

// Type analysis shared by the deep copy (clone.go) and codec=fast
// (fast.go): which types are the module's own, which fields can be reached,
// and the well-known types from other packages.

// typeEnv is what deciding about a type needs to know about the package
// being generated.
type typeEnv struct {
	pkg    *types.Package
	module string          // module path; "" outside a module
	also   map[string]bool // import paths of aliased structs' packages
}

// inModule reports whether p belongs to the module being generated: its
// types' shapes are part of the schema fingerprint, so code may follow
// their fields.
func (e typeEnv) inModule(p *types.Package) bool {
	if p == nil {
		return false
	}
	if p == e.pkg || p.Path() == e.pkg.Path() || e.also[p.Path()] {
		return true
	}
	return e.module != "" && (p.Path() == e.module || strings.HasPrefix(p.Path(), e.module+"/"))
}

// accessible reports whether generated code in the package can name the
// field.
func (e typeEnv) accessible(f *types.Var) bool {
	return f.Exported() || f.Pkg() == nil || f.Pkg().Path() == e.pkg.Path()
}

// qualifier writes package names, leaving out the package's own.
func (e typeEnv) qualifier(p *types.Package) string {
	if p.Path() == e.pkg.Path() {
		return ""
	}
	return p.Name()
}

func (e typeEnv) typeString(t types.Type) string { return types.TypeString(t, e.qualifier) }

// skipped reports whether field i of st is tagged cache:"-".
func skipped(st *types.Struct, i int) bool {
	return reflect.StructTag(st.Tag(i)).Get("cache") == "-"
}

// Well-known named types, by import path and name.
const (
	pyvalPath = runtimePath + "/internal/pyval"
	uuidPath  = "github.com/google/uuid"
)

// namedIs reports whether t is the named type path.name (aliases seen
// through).
func namedIs(t types.Type, path, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == path && n.Obj().Name() == name
}

// isByte reports whether t is byte (uint8), unnamed.
func isByte(t types.Type) bool {
	b, ok := types.Unalias(t).(*types.Basic)
	return ok && b.Kind() == types.Uint8
}

// typeProblem is a field whose type the generated code cannot handle.
type typeProblem struct {
	pos   token.Pos // the field; NoPos until the enclosing struct sets it
	field string    // Owner.Field
	typ   string    // the field's type
	why   string    // the reason, about the part of the type at fault
}
