package models

import "math/big"

// Meta holds an interface.
type Meta struct {
	Extra any
}

// User cannot be deep-copied: local= is refused, at the field.
//
//cache:key=user:<ID> local=1000
//cache:key=user:name:<Name> name=UserByNameCache
type User struct {
	ID   int64
	Name string
	Meta *Meta
}

// Account holds a type from another module with pointers inside.
//
//cache:key=account:<ID> local=10
type Account struct {
	ID      int64
	Balance big.Int
	OnSave  func() `cache:"-"`
}
