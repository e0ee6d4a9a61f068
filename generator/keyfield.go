package generator

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"
	"unicode"
	"unicode/utf8"
)

// resolveField resolves a placeholder's field path against the entity type,
// through embedded structs and pointer fields, and classifies the field's
// type. It returns a message instead when the path or type is unusable.
func resolveField(root *types.Named, path string, pkg *types.Package) (*param, string) {
	p := &param{Path: path}
	var cur types.Type = root
	parts := strings.Split(path, ".")
	var field *types.Var
	for i, name := range parts {
		st, ok := deref(cur).Underlying().(*types.Struct)
		if !ok || (i > 0 && isPointerToPointer(cur)) {
			return nil, fmt.Sprintf("invalid field path <%s>: %s is not a struct", path, strings.Join(parts[:i], "."))
		}
		obj, index, _ := types.LookupFieldOrMethod(deref(cur), false, pkg, name)
		f, isVar := obj.(*types.Var)
		switch {
		case obj == nil && index != nil:
			return nil, fmt.Sprintf("ambiguous field <%s>: %s is promoted from more than one embedded struct", path, name)
		case obj == nil:
			msg := fmt.Sprintf("unknown field <%s>", path)
			if s := suggest(name, fieldNames(st, pkg)); s != "" {
				msg += fmt.Sprintf("; did you mean <%s>?", strings.Join(append(parts[:i:i], s), "."))
			}
			return nil, msg
		case !isVar || !f.IsField():
			return nil, fmt.Sprintf("invalid field path <%s>: %s is a method, not a field", path, name)
		}
		// Walk the index path to record every selection, including the
		// embedded structs a promoted field comes through.
		s := st
		for j, idx := range index {
			sf := s.Field(idx)
			_, isPtr := types.Unalias(sf.Type()).(*types.Pointer)
			p.Steps = append(p.Steps, pathStep{Field: sf.Name(), Ptr: isPtr})
			if j < len(index)-1 {
				s, _ = deref(sf.Type()).Underlying().(*types.Struct)
				if s == nil {
					return nil, fmt.Sprintf("invalid field path <%s>", path)
				}
			}
		}
		field = f
		cur = f.Type()
	}
	p.Type = field.Type()
	p.Field = keyFieldName(parts)
	if msg := classify(p); msg != "" {
		return nil, msg
	}
	return p, ""
}

func isPointerToPointer(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	_, ok = types.Unalias(p.Elem()).Underlying().(*types.Pointer)
	return ok
}

// fieldNames lists the fields selectable on st from pkg, promoted ones
// included, in declaration order.
func fieldNames(st *types.Struct, pkg *types.Package) []string {
	var out []string
	seen := map[*types.Struct]bool{}
	var walk func(*types.Struct)
	walk = func(st *types.Struct) {
		if seen[st] {
			return
		}
		seen[st] = true
		for i := range st.NumFields() {
			f := st.Field(i)
			if f.Exported() || f.Pkg() == pkg {
				out = append(out, f.Name())
			}
		}
		for i := range st.NumFields() {
			if f := st.Field(i); f.Embedded() {
				if inner, ok := embeddedStruct(f.Type()); ok {
					walk(inner)
				}
			}
		}
	}
	walk(st)
	return out
}

// keyFieldName is the key struct field for a path: its parts joined, with
// an upper-case first letter ("Owner.ID" → "OwnerID", "id" → "Id").
func keyFieldName(parts []string) string {
	s := strings.Join(parts, "")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

var (
	errorType       = types.Universe.Lookup("error").Type()
	textMarshaler   = methodInterface("MarshalText", types.NewSlice(types.Typ[types.Byte]), errorType)
	fmtStringer     = methodInterface("String", types.Typ[types.String])
	supportedKeyMsg = "want a string, integer or bool type, or a type implementing encoding.TextMarshaler or fmt.Stringer"
)

func methodInterface(name string, results ...types.Type) *types.Interface {
	vars := make([]*types.Var, len(results))
	for i, r := range results {
		vars[i] = types.NewVar(token.NoPos, nil, "", r)
	}
	sig := types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(vars...), false)
	return types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, name, sig)}, nil).Complete()
}

// classify decides how a key field is written. Basic underlying types win
// (a named integer is written as a decimal even if it has a String method),
// then encoding.TextMarshaler, then fmt.Stringer.
//
// A pointer to an allowed type (ID *int64, as API models and protobuf's
// optional fields have them) makes the parameter the element type; a nil
// pointer is an error when a value is stored.
func classify(p *param) string {
	shown := typeName(p.Type) // messages name the field's type as declared
	if ptr, ok := types.Unalias(p.Type).(*types.Pointer); ok {
		if _, ok := ptr.Elem().Underlying().(*types.Pointer); ok {
			return fmt.Sprintf("unsupported key type %s for <%s>: a pointer to a pointer is not supported", shown, p.Path)
		}
		p.Type, p.Deref = ptr.Elem(), true
	}
	t := p.Type
	if b, ok := t.Underlying().(*types.Basic); ok {
		info := b.Info()
		switch {
		case info&types.IsString != 0:
			p.Kind = kindString
		case info&types.IsInteger != 0 && info&types.IsUnsigned != 0:
			p.Kind = kindUint
		case info&types.IsInteger != 0:
			p.Kind = kindInt
		case info&types.IsBoolean != 0:
			p.Kind = kindBool
		default:
			return fmt.Sprintf("unsupported key type %s for <%s>: %s", shown, p.Path, supportedKeyMsg)
		}
		return ""
	}
	switch t.Underlying().(type) {
	case *types.Pointer:
		return fmt.Sprintf("unsupported key type %s for <%s>: a named pointer type is not supported; use *%s", shown, p.Path, typeName(t.Underlying().(*types.Pointer).Elem()))
	case *types.Interface:
		return fmt.Sprintf("unsupported key type %s for <%s>: interface key fields are not supported", shown, p.Path)
	}
	switch {
	case types.Implements(t, textMarshaler):
		p.Kind = kindText
	case types.Implements(types.NewPointer(t), textMarshaler):
		p.Kind, p.PtrRecv = kindText, true
	case types.Implements(t, fmtStringer):
		p.Kind = kindStringer
	case types.Implements(types.NewPointer(t), fmtStringer):
		p.Kind, p.PtrRecv = kindStringer, true
	default:
		return fmt.Sprintf("unsupported key type %s for <%s>: %s", shown, p.Path, supportedKeyMsg)
	}
	if !types.Comparable(t) {
		return fmt.Sprintf("unsupported key type %s for <%s>: not comparable, so it cannot key the map GetMany returns", shown, p.Path)
	}
	return ""
}

// typeName writes a type for messages, qualified by package name.
func typeName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}
