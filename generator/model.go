package generator

import (
	"go/token"
	"go/types"
	"time"
)

// Package is the model of one Go package's caches: everything Emit needs
// and nothing more. Parse builds it; Emit only reads it.
type Package struct {
	Path   string // import path
	Name   string // package name
	Dir    string // absolute directory
	Output string // absolute path of the generated file

	Entities []*Entity // in source order
	Guards   []*Guard  // shape guards, in source order, one per struct type

	// Declared holds the package-level identifiers of the package (its
	// generated file aside): import names must not collide with them.
	Declared map[string]bool

	env typeEnv // the types package and module, for type analysis
}

// Entity is an annotated struct type and the caches declared on it.
type Entity struct {
	Type   *types.Named // the struct type
	Name   string       // its name
	Pos    token.Position
	Caches []*Cache // one per //cache: line, in order

	// Clone reports that a deep copy of the struct can be generated: the
	// file then holds clone<Type> and every constructor passes it with
	// runtime.WithClone. Without it a near cache copies through the codec.
	Clone bool
	// Fast reports that a cache of the struct uses codec=fast: the file then
	// holds the struct's generated encoder and decoder.
	Fast bool
}

// Guard is a compile-time assertion that the named struct type still has
// the shape the generated code was made for.
type Guard struct {
	Type   *types.Named
	Struct *types.Struct
}

// Cache is one //cache: line resolved against the types.
type Cache struct {
	Entity  *Entity
	Name    string // generated type, e.g. "UserCache"
	KeyName string // key struct for several placeholders, e.g. "OrderKey"; "" with one
	Pos     token.Position

	Template string    // the key template as written
	Parts    []KeyPart // literal text and placeholders, in order
	Params   []*Param  // one per placeholder, in order
	Special  string    // characters escaped in string parts besides the runtime's own

	TTL       time.Duration
	Crypt     bool
	Codec     string
	SchemaOff bool
	Version   string // "v" + 7 hex digits; "" with schema=off
	Local     int
	Jitter    int

	Pattern, Match       string // SCAN glob and regexp of this version's keys
	AllPattern, AllMatch string // the same for every version
}

// KeyPart is a piece of a key template: literal text, or the placeholder
// Params[Param] when Param >= 0.
type KeyPart struct {
	Literal string
	Param   int
}

// KeyKind says how a placeholder value is written into a key.
type KeyKind int

// The kinds of key field.
const (
	KindString   KeyKind = iota // escaped with runtime.EscapeKey
	KindInt                     // strconv.FormatInt
	KindUint                    // strconv.FormatUint
	KindBool                    // strconv.FormatBool
	KindText                    // runtime.TextKey (encoding.TextMarshaler)
	KindStringer                // runtime.EscapeKey of String()
)

// Param is one placeholder of a key template.
type Param struct {
	Path    string     // the field path as written, e.g. "Owner.ID"
	Steps   []PathStep // how to reach the field from a *Entity value
	Type    types.Type // the field's type
	Kind    KeyKind
	PtrRecv bool   // KindText/KindStringer: the method needs &value
	Field   string // key struct field name, e.g. "OwnerID"
	Var     string // parameter name, e.g. "ownerID"
	Plural  string // GetMany parameter name for single-placeholder keys, e.g. "ownerIDs"
}

// PathStep is one field selection on the way to a key field. Ptr reports
// that the selected field is a pointer, so it must be checked for nil
// before selecting through it.
type PathStep struct {
	Field string
	Ptr   bool
}
