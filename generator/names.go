package generator

import (
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// namer hands out the unique identifiers of one scope: base when it is
// free, else base2, base3... A name is taken when this namer gave it out or
// when taken (the enclosing scopes, the package's own declarations, Go's
// keywords) says so. Every generated name comes from one: the package's
// functions, variables and import aliases, each function's locals, the
// parameters of each cache.
type namer struct {
	taken func(string) bool
	used  map[string]bool
}

func newNamer(taken func(string) bool) *namer {
	return &namer{taken: taken, used: map[string]bool{}}
}

// isTaken reports whether s may not be given out.
func (n *namer) isTaken(s string) bool {
	return n.used[s] || n.taken != nil && n.taken(s)
}

// name returns base, or base with the smallest number from 2 on, that is
// not taken, and takes it.
func (n *namer) name(base string) string {
	name := base
	for i := 2; n.isTaken(name); i++ {
		name = base + strconv.Itoa(i)
	}
	n.used[name] = true
	return name
}

// reserve takes names without checking them (the cache types, which the
// parser checks for collisions itself).
func (n *namer) reserve(names ...string) {
	for _, s := range names {
		n.used[s] = true
	}
}

// scope returns a namer for a scope nested in n's: its names avoid n's.
func (n *namer) scope() *namer { return newNamer(n.isTaken) }

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
func nameParams(params []*param, pkg *types.Package) {
	avoid := func(s string) bool {
		if token.IsKeyword(s) || types.Universe.Lookup(s) != nil || reservedVars[s] {
			return true
		}
		if slices.ContainsFunc(importPaths, func(ip [2]string) bool { return ip[1] == s }) {
			return true
		}
		for _, p := range params {
			if n, ok := types.Unalias(p.Type).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg() != pkg && n.Obj().Pkg().Name() == s {
				return true
			}
		}
		return false
	}
	names := newNamer(avoid)
	unique := func(base string) string {
		if avoid(base) {
			base += "Arg"
		}
		return names.name(base)
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
