package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"go/types"
	"strconv"
	"strings"
)

// The schema fingerprint is "v" followed by the first 7 lowercase hex
// digits of the SHA-256 of this text:
//
//	cachegen-schema-1
//	shape=<shape of the struct>
//	codec=<codec name>
//	crypt=<true|false>
//
// The shape is written by shapeWriter: field names, types and tags in
// declaration order. A named type defined in the cached struct's own module
// is written as its underlying type the first time it occurs and as #n (its
// position in the order of first occurrence) after that, which also guards
// against cycles; type names and package paths of such types are left out,
// so moving or renaming a type of the same shape keeps its keys. Named
// types from other modules (time.Time, uuid.UUID) are written by import
// path and name only, so a dependency or Go upgrade never changes keys —
// except the package of the cached struct itself: an annotated alias of
// another package's struct (type Repo = github.Repository) has that
// struct's shape and the shapes of its package's types written out, so a
// dependency upgrade that changes them changes the keys.
//
// A protobuf message under codec=proto has no struct shape but the shape
// of its descriptor, written by protoShape.

// fingerprint returns the key version for a struct shape, codec and crypt
// flag.
func fingerprint(shape, codec string, crypt bool) string {
	h := sha256.Sum256([]byte("cachegen-schema-1\nshape=" + shape + "\ncodec=" + codec +
		"\ncrypt=" + strconv.FormatBool(crypt) + "\n"))
	return "v" + hex.EncodeToString(h[:4])[:7]
}

// shapeWriter writes the canonical shape of a type.
type shapeWriter struct {
	env  typeEnv        // the package being generated and its module
	root *types.Package // the cached struct's package, env.pkg unless aliased
	b    strings.Builder
	seen map[string]int
	// local lists the named struct types of pkg reached from the root, in
	// order of first occurrence, for the shape guards.
	local []*types.Named
}

func newShapeWriter(env typeEnv) *shapeWriter {
	// Only the cached struct's own package is followed besides the module:
	// another cache's alias must not change this one's keys.
	env.also = nil
	return &shapeWriter{env: env, seen: map[string]int{}}
}

// shape returns the canonical shape of a named struct type.
func (w *shapeWriter) shape(t *types.Named) string {
	w.b.Reset()
	w.root = t.Obj().Pkg()
	w.typ(t)
	return w.b.String()
}

// own reports whether the shapes of p's types are written out: p is of
// the module, or the cached struct's own package.
func (w *shapeWriter) own(p *types.Package) bool {
	return w.env.inModule(p) || (p != nil && w.root != nil && p.Path() == w.root.Path())
}

func (w *shapeWriter) typ(t types.Type) {
	b := &w.b
	switch t := t.(type) {
	case *types.Basic:
		// By kind, so byte and uint8 (rune and int32) are one shape.
		if int(t.Kind()) < len(types.Typ) && types.Typ[t.Kind()] != nil {
			b.WriteString(types.Typ[t.Kind()].Name())
		} else {
			b.WriteString(t.Name())
		}
	case *types.Alias:
		w.typ(types.Unalias(t))
	case *types.Pointer:
		b.WriteByte('*')
		w.typ(t.Elem())
	case *types.Slice:
		b.WriteString("[]")
		w.typ(t.Elem())
	case *types.Array:
		b.WriteString("[" + strconv.FormatInt(t.Len(), 10) + "]")
		w.typ(t.Elem())
	case *types.Map:
		b.WriteString("map[")
		w.typ(t.Key())
		b.WriteByte(']')
		w.typ(t.Elem())
	case *types.Chan:
		switch t.Dir() {
		case types.SendRecv:
			b.WriteString("chan ")
		case types.SendOnly:
			b.WriteString("chan<- ")
		case types.RecvOnly:
			b.WriteString("<-chan ")
		}
		w.typ(t.Elem())
	case *types.Struct:
		b.WriteString("struct{")
		for i := range t.NumFields() {
			f := t.Field(i)
			if i > 0 {
				b.WriteString("; ")
			}
			if f.Embedded() {
				b.WriteString("embedded ")
			}
			b.WriteString(f.Name() + " ")
			w.typ(f.Type())
			if tag := t.Tag(i); tag != "" {
				b.WriteString(" " + strconv.Quote(tag))
			}
		}
		b.WriteByte('}')
	case *types.Named:
		obj := t.Obj()
		if !w.own(obj.Pkg()) {
			if obj.Pkg() != nil {
				b.WriteString(obj.Pkg().Path() + ".")
			}
			b.WriteString(obj.Name())
			w.typeArgs(t)
			return
		}
		id := types.TypeString(t, nil)
		if n, ok := w.seen[id]; ok {
			b.WriteString("#" + strconv.Itoa(n))
			return
		}
		w.seen[id] = len(w.seen)
		if _, isStruct := t.Underlying().(*types.Struct); isStruct && obj.Pkg() == w.env.pkg {
			w.local = append(w.local, t)
		}
		w.typ(t.Underlying())
	default:
		// Interfaces, signatures, type parameters: their text with full
		// package paths is canonical enough.
		b.WriteString(types.TypeString(t, func(p *types.Package) string { return p.Path() }))
	}
}

func (w *shapeWriter) typeArgs(t *types.Named) {
	args := t.TypeArgs()
	if args.Len() == 0 {
		return
	}
	w.b.WriteByte('[')
	for i := range args.Len() {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.typ(args.At(i))
	}
	w.b.WriteByte(']')
}
