package models

import "github.com/google/uuid"

// Kid holds a reference: a slice of Kid is copied element by element, never
// with the struct.
type Kid struct {
	Name string
	Toys []string
}

// Family's first slice needs a deep copy: CloneWith takes the next one.
//
//cache:key=family:<ID>
type Family struct {
	ID    int64
	Kids  []Kid
	Pets  [][]byte
	Names []string
	Notes []string
}

// Shape's slice fields are named like a keyword, a predeclared identifier,
// the generated function's own variables, and a package.
//
//cache:key=shape:<ID>
type Shape struct {
	ID   int64
	Type []string
	Len  []int
	C    []byte
	V    []byte
	Uuid []uuid.UUID
}

// Keyed's first slice field is named like a package its types come from.
//
//cache:key=keyed:<ID>
type Keyed struct {
	ID   int64
	Uuid []uuid.UUID
	By   map[string][]uuid.UUID
}

// Lettered's first slice field is c.
//
//cache:key=lettered:<ID>
type Lettered struct {
	ID int64
	C  []byte
}

// Dropped tags its slice cache:"-": copied deeply all the same.
//
//cache:key=dropped:<ID>
type Dropped struct {
	ID      int64
	Scratch []byte `cache:"-"`
}

// tags is declared in the package: the generated code must not shadow it.
func tags() {}

// Tagged's slice is named like a function of the package.
//
//cache:key=tagged:<ID>
type Tagged struct {
	ID   int64
	Tags []string
}
