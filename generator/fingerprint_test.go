package generator

import (
	"go/ast"
	"go/importer"
	goparser "go/parser"
	"go/token"
	"go/types"
	"regexp"
	"testing"
)

// shapeOf type-checks src (package p in module example.com) and returns the
// shape of its type T.
func shapeOf(t *testing.T, src string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := goparser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	named := pkg.Scope().Lookup("T").Type().(*types.Named)
	return newShapeWriter(typeEnv{pkg: pkg, module: "example.com"}).shape(named)
}

func TestShape(t *testing.T) {
	base := shapeOf(t, `package p
type T struct {
	A byte
	N *Node
	When interface{ M() }
}
type Node struct { V rune; Next *Node }`)

	same := map[string]string{
		"byte is uint8, rune is int32": `package p
type T struct {
	A uint8
	N *Node
	When interface{ M() }
}
type Node struct { V int32; Next *Node }`,
		"renamed nested type": `package p
type T struct {
	A byte
	N *Elem
	When interface{ M() }
}
type Elem struct { V rune; Next *Elem }`,
		"alias": `package p
type B = byte
type T struct {
	A B
	N *Node
	When interface{ M() }
}
type Node struct { V rune; Next *Node }`,
	}
	for name, src := range same {
		if got := shapeOf(t, src); got != base {
			t.Errorf("%s changed the shape:\n%s\n%s", name, base, got)
		}
	}
	differ := map[string]string{
		"tag": "package p\ntype T struct {\n A byte `json:\"a\"`\n N *Node\n When interface{ M() }\n}\ntype Node struct { V rune; Next *Node }",
		"field name": `package p
type T struct {
	B byte
	N *Node
	When interface{ M() }
}
type Node struct { V rune; Next *Node }`,
		"nested field": `package p
type T struct {
	A byte
	N *Node
	When interface{ M() }
}
type Node struct { V int64; Next *Node }`,
		"order": `package p
type T struct {
	N *Node
	A byte
	When interface{ M() }
}
type Node struct { V rune; Next *Node }`,
	}
	for name, src := range differ {
		if got := shapeOf(t, src); got == base {
			t.Errorf("changing the %s kept the shape %s", name, base)
		}
	}
}

func TestShapeForeignTypesOpaque(t *testing.T) {
	got := shapeOf(t, `package p
import "time"
type T struct{ At time.Time; D time.Duration }`)
	if want := "struct{At time.Time; D time.Duration}"; got != want {
		t.Errorf("shape = %q, want %q (foreign types by name only)", got, want)
	}
}

func TestFingerprint(t *testing.T) {
	re := regexp.MustCompile(`^v[0-9a-f]{7}$`)
	a := fingerprint("struct{}", "msgpack", false)
	for _, v := range []string{a, fingerprint("struct{}", "json", false), fingerprint("struct{}", "msgpack", true)} {
		if !re.MatchString(v) {
			t.Errorf("fingerprint %q does not match %s", v, re)
		}
	}
	if a == fingerprint("struct{}", "json", false) || a == fingerprint("struct{}", "msgpack", true) {
		t.Error("codec and crypt must change the fingerprint")
	}
	if a != fingerprint("struct{}", "msgpack", false) {
		t.Error("fingerprint is not deterministic")
	}
	// Pinned: changing the hashed text changes every key in production.
	if a != "v9a23acb" {
		t.Errorf("fingerprint(struct{}, msgpack, false) = %s, want v9a23acb: the hashed text changed", a)
	}
}
