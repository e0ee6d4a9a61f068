package generator

import (
	"fmt"
	"go/token"
	"go/types"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// resolveField resolves a placeholder's field path against the entity type,
// through embedded structs and pointer fields, and classifies the field's
// type. It returns a message instead when the path or type is unusable.
func resolveField(root *types.Named, path string, pkg *types.Package) (*Param, string) {
	p := &Param{Path: path}
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
			p.Steps = append(p.Steps, PathStep{Field: sf.Name(), Ptr: isPtr})
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
func classify(p *Param) string {
	t := p.Type
	if b, ok := t.Underlying().(*types.Basic); ok {
		info := b.Info()
		switch {
		case info&types.IsString != 0:
			p.Kind = KindString
		case info&types.IsInteger != 0 && info&types.IsUnsigned != 0:
			p.Kind = KindUint
		case info&types.IsInteger != 0:
			p.Kind = KindInt
		case info&types.IsBoolean != 0:
			p.Kind = KindBool
		default:
			return fmt.Sprintf("unsupported key type %s for <%s>: %s", typeName(t), p.Path, supportedKeyMsg)
		}
		return ""
	}
	switch t.Underlying().(type) {
	case *types.Pointer:
		return fmt.Sprintf("unsupported key type %s for <%s>: pointer key fields are not supported", typeName(t), p.Path)
	case *types.Interface:
		return fmt.Sprintf("unsupported key type %s for <%s>: interface key fields are not supported", typeName(t), p.Path)
	}
	switch {
	case types.Implements(t, textMarshaler):
		p.Kind = KindText
	case types.Implements(types.NewPointer(t), textMarshaler):
		p.Kind, p.PtrRecv = KindText, true
	case types.Implements(t, fmtStringer):
		p.Kind = KindStringer
	case types.Implements(types.NewPointer(t), fmtStringer):
		p.Kind, p.PtrRecv = KindStringer, true
	default:
		return fmt.Sprintf("unsupported key type %s for <%s>: %s", typeName(t), p.Path, supportedKeyMsg)
	}
	if !types.Comparable(t) {
		return fmt.Sprintf("unsupported key type %s for <%s>: not comparable, so it cannot key the map GetMany returns", typeName(t), p.Path)
	}
	return ""
}

// typeName writes a type for messages, qualified by package name.
func typeName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

// reservedVars are the identifiers generated methods use themselves, so a
// key parameter must not be named like them.
var reservedVars = map[string]bool{
	"ctx": true, "c": true, "load": true, "v": true, "vs": true, "ttl": true, "err": true,
	"key": true, "keys": true, "redisKeys": true, "m": true, "i": true, "k": true, "s": true,
}

// nameParams picks the Go parameter names of a cache's placeholders: the
// key field name in lowerCamel, renamed with an "Arg" suffix when it would
// be a keyword, a predeclared identifier, an identifier the generated code
// uses, or an imported package name, and numbered when two coincide.
func nameParams(params []*Param, pkg *types.Package) {
	avoid := func(s string) bool {
		if token.IsKeyword(s) || types.Universe.Lookup(s) != nil || reservedVars[s] {
			return true
		}
		for _, ip := range importPaths {
			if ip[1] == s {
				return true
			}
		}
		for _, p := range params {
			if n, ok := types.Unalias(p.Type).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg() != pkg && n.Obj().Pkg().Name() == s {
				return true
			}
		}
		return false
	}
	used := map[string]bool{}
	unique := func(base string) string {
		if avoid(base) {
			base += "Arg"
		}
		name := base
		for i := 2; used[name] || avoid(name); i++ {
			name = base + strconv.Itoa(i)
		}
		used[name] = true
		return name
	}
	for _, p := range params {
		p.Var = unique(lowerCamel(p.Field))
	}
	if len(params) == 1 {
		params[0].Plural = unique(plural(params[0].Var))
	}
}

// lowerCamel lower-cases the leading upper-case run of an identifier the
// way Go code spells parameters: ID → id, TenantID → tenantID,
// HTTPServer → httpServer.
func lowerCamel(s string) string {
	rs := []rune(s)
	n := 0
	for n < len(rs) && unicode.IsUpper(rs[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(rs):
		// Keep going.
	case unicode.IsLower(rs[n]):
		n-- // the last capital starts the next word
	}
	for i := range n {
		rs[i] = unicode.ToLower(rs[i])
	}
	return string(rs)
}

// plural makes an English-looking plural of a parameter name.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "ID"):
		return s + "s"
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "z"),
		strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	case len(s) > 1 && strings.HasSuffix(s, "y") && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// patterns computes the SCAN globs and regexps of a cache's keys, without
// prefix: for its current version and for all versions.
func patterns(c *Cache) (pattern, match, allPattern, allMatch string) {
	var glob, re strings.Builder
	for _, part := range c.Parts {
		if part.Param < 0 {
			glob.WriteString(globEscape(part.Literal))
			re.WriteString(regexp.QuoteMeta(part.Literal))
			continue
		}
		glob.WriteString("*")
		re.WriteString(valueRegexp(c.Params[part.Param], c.Special))
	}
	if c.Version == "" {
		return glob.String(), re.String(), glob.String(), re.String()
	}
	pattern = glob.String() + ":" + c.Version
	match = re.String() + ":" + c.Version
	allPattern = glob.String()
	if !strings.HasSuffix(allPattern, "*") {
		allPattern += "*"
	}
	allMatch = re.String() + "(?::v[0-9a-f]{7})?"
	return
}

// globEscape escapes the glob metacharacters of Redis SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// valueRegexp matches the text a placeholder can produce in a key.
func valueRegexp(p *Param, special string) string {
	switch p.Kind {
	case KindInt:
		return "(?:-?[0-9]+)"
	case KindUint:
		return "(?:[0-9]+)"
	case KindBool:
		return "(?:true|false)"
	}
	var class strings.Builder
	for _, c := range runtimeEscaped + special {
		class.WriteString(`\` + string(c))
	}
	return "(?:[^" + class.String() + "]|%[0-9A-Fa-f]{2})*"
}
