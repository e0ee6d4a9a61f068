package models

import (
	"sync"

	"github.com/google/uuid"
)

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

// Padded has a blank slice field tagged cache:"-": no selector reaches it,
// so its copy shares it.
//
//cache:key=padded:<ID>
type Padded struct {
	ID   int64
	_    []int `cache:"-"`
	Tags []string
}

// Guarded holds a lock and a blank field: copied field by field, the lock
// left zero and the blank field left out of the literal.
//
//cache:key=guarded:<ID>
type Guarded struct {
	ID   int64
	_    []int `cache:"-"`
	Tags []string
	mu   sync.Mutex `cache:"-"`
}
