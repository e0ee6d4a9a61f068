package generator

import (
	"go/token"
	"go/types"
	"slices"
	"time"
)

// pkgModel is the model of one Go package's caches: everything Emit needs
// and nothing more. parse builds it; emit only reads it.
type pkgModel struct {
	Path   string // import path
	Name   string // package name
	Dir    string // absolute directory
	Output string // absolute path of the generated file

	Entities []*entityModel // in source order
	Guards   []*guard       // shape guards, in source order, one per struct type

	// names gives out the file's package-level names (functions,
	// variables, guard aliases, import aliases): none collides with the
	// package's own declarations (its generated file aside) or another.
	names *namer
	// clone holds Parse's decisions about deep copies, per type: Emit
	// prints them.
	clone *cloneChecker

	env typeEnv // the types package and module, for type analysis
}

// entityModel is an annotated struct type and the caches declared on it.
type entityModel struct {
	Type   *types.Named // the struct type (the aliased one for an alias)
	Name   string       // its name (the alias's for an alias)
	Pos    token.Position
	Caches []*cacheModel // one per //cache: line, in order

	// CloneFunc names the generated deep copy of the struct (clone<Type>),
	// which every constructor passes; "" when none can be generated (a
	// near cache then copies through the codec).
	CloneFunc string
	// CloneShallow reports that a copy by assignment is deep (no
	// references, no locks): constructors pass cacheimpl.Shallow and no
	// clone function is written.
	CloneShallow bool
	// FastCodec names the codec=fast codec variable of the struct when a
	// cache of it uses codec=fast; the file then holds the struct's
	// generated encoder and decoder.
	FastCodec string
	// ProtoCodec names the codec=proto codec variable when a cache of the
	// type uses codec=proto: *Type is a protobuf message, encoded and
	// copied (CloneFunc, with proto.Clone) by functions of
	// google.golang.org/protobuf/proto that the file passes to the runtime.
	ProtoCodec string
}

// Proto reports whether a cache of the entity uses codec=proto.
func (e *entityModel) Proto() bool {
	return slices.ContainsFunc(e.Caches, func(c *cacheModel) bool { return c.Codec == "proto" })
}

// guard is a compile-time assertion that the named struct type still has
// the shape the generated code was made for.
type guard struct {
	Type   *types.Named
	Struct *types.Struct
	Alias  string // _<Type>_changed_run_go_generate: the compiler's error names it
}

// cacheModel is one //cache: line resolved against the types.
type cacheModel struct {
	Entity  *entityModel
	Name    string // generated type, e.g. "UserCache"
	KeyName string // key struct for several placeholders, e.g. "OrderKey"; "" with one
	Pos     token.Position

	Template string    // the key template as written
	Parts    []keyPart // literal text and placeholders, in order
	Params   []*param  // one per placeholder, in order
	Special  string    // characters escaped in string parts besides the runtime's own

	TTL       time.Duration
	Crypt     bool
	Codec     string
	SchemaOff bool
	Version   string // "v" + 7 hex digits; "" with schema=off
	Local     int
	Jitter    int
	Refresh   time.Duration // refresh-ahead age (runtime Spec.Refresh); 0 = off

	// PurgeBy is the method that purges one group of values, named after
	// the first placeholder (PurgeByTenantID); "" with one placeholder.
	PurgeBy string

	Pattern, Match       string // SCAN glob and regexp of this version's keys
	AllPattern, AllMatch string // the same for every version
}

// keyPart is a piece of a key template: literal text, or the placeholder
// Params[Param] when Param >= 0.
type keyPart struct {
	Literal string
	Param   int
}

// keyKind says how a placeholder value is written into a key.
type keyKind int

// The kinds of key field.
const (
	kindString   keyKind = iota // escaped with cacheimpl.Escape
	kindInt                     // strconv.FormatInt
	kindUint                    // strconv.FormatUint
	kindBool                    // strconv.FormatBool
	kindText                    // cacheimpl.TextKey (encoding.TextMarshaler)
	kindStringer                // cacheimpl.Escape of String()
)

// param is one placeholder of a key template.
type param struct {
	Path    string     // the field path as written, e.g. "Owner.ID"
	Steps   []pathStep // how to reach the field from a *Entity value
	Type    types.Type // the field's type
	Kind    keyKind
	PtrRecv bool   // KindText/KindStringer: the method needs &value
	Deref   bool   // the field is a pointer to Type: nil is an error at Set
	Field   string // key struct field name, e.g. "OwnerID"
	Var     string // parameter name, e.g. "ownerID"
	Plural  string // GetMany parameter name for single-placeholder keys, e.g. "ownerIDs"
}

// pathStep is one field selection on the way to a key field. Ptr reports
// that the selected field is a pointer, so it must be checked for nil
// before selecting through it.
type pathStep struct {
	Field string
	Ptr   bool
}
